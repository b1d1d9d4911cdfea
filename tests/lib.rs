//! The support library of every test target of this package:
//!
//! * fixture keys ([`RSA_A`], [`RSA_B`], [`EC`]) and the contract's texts;
//! * [`KeyServer`], a key-set server on 127.0.0.1 (wiremock) that counts its
//!   fetches, with the configurations and tokens the tests use;
//! * [`TestApp`], the library's test app ([`AppKind::Library`]: the guards)
//!   or the quickstart ([`AppKind::Quickstart`]: the attributes) behind
//!   Rocket's local client, and [`Route`], their protected routes;
//! * [`Answer`] and [`Expect`], what a response holds and what the contract
//!   says it must hold; [`Row`], one request of a table and its expectation;
//! * [`launch_on_loopback`], for tests that need real HTTP;
//! * [`log_lines`], what the runtime logged (captured from the first
//!   Rocket configuration on);
//! * [`dpop`], requests with DPoP proofs and the contract's DPoP answers.

#[path = "support/dpop.rs"]
pub mod dpop;

use std::ops::Deref;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::Duration;

use auth_runtime::config::{Algorithm, AuthConfigBuilder};
use auth_runtime::requirement::RouteRequirement;
use auth_runtime::scope::ScopeExpr;
use auth_runtime::testing::{key_set, SigningKey, TokenBuilder};
use auth_runtime::validator::IssuerRouter;
use auth_runtime::{Auth, AuthConfig, Claims, ScopedClaims};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use rocket::fairing::AdHoc;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalRequest, LocalResponse};
use rocket::serde::json::Json;
use rocket::{Build, Rocket};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const AUDIENCE: &str = "https://quickstarts/api";
pub const JWKS_PATH: &str = "/jwks.json";
/// Where discovery looks, in this order, then for the key set itself.
pub const OPENID: &str = "/.well-known/openid-configuration";
pub const OAUTH: &str = "/.well-known/oauth-authorization-server";
pub const WELL_KNOWN_JWKS: &str = "/.well-known/jwks.json";
/// The issuer of configurations whose keys need no network.
pub const STATIC_ISSUER: &str = "https://issuer.example/";
/// The `sub` of the tokens of [`KeyServer::token`].
pub const SUB: &str = "user-1";

/// The PEM of the RSA key `rsa-a` (for other algorithms on the same key).
pub const RSA_A_PEM: &[u8] = include_bytes!("fixtures/rsa_a.pem");
pub const RSA_A_PUBLIC_PEM: &[u8] = include_bytes!("fixtures/rsa_a.pub.pem");

pub static RSA_A: LazyLock<Arc<SigningKey>> =
    LazyLock::new(|| Arc::new(SigningKey::from_pem("rsa-a", Algorithm::RS256, RSA_A_PEM).unwrap()));
pub static RSA_B: LazyLock<Arc<SigningKey>> = LazyLock::new(|| {
    let pem = include_bytes!("fixtures/rsa_b.pem");
    Arc::new(SigningKey::from_pem("rsa-b", Algorithm::RS256, pem).unwrap())
});
pub static EC: LazyLock<Arc<SigningKey>> = LazyLock::new(|| {
    let pem = include_bytes!("fixtures/ec_p256.pem");
    Arc::new(SigningKey::from_pem("ec-1", Algorithm::ES256, pem).unwrap())
});

/// The descriptions of the contract's errors, as the quickstart words them.
pub const MISSING: &str = "Authorization header is expected";
pub const PARSE: &str = "Unable to parse authentication token.";
pub const NO_KEY: &str = "Unable to find appropriate key";
pub const AUD_ISS: &str = "incorrect claims, please check the audience and issuer";
pub const EXPIRED: &str = "token is expired";
pub const NO_ACCESS: &str = "You don't have access to this resource";

/// A `200` answer carrying `keys` as a key set.
pub fn key_set_response(keys: &[&SigningKey]) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(key_set(keys.iter().copied()))
}

/// A key-set server whose fetches are counted.
pub struct KeyServer {
    pub server: MockServer,
}

impl KeyServer {
    /// Serves `keys` at [`JWKS_PATH`].
    pub async fn start(keys: &[&SigningKey]) -> KeyServer {
        KeyServer::answering(key_set_response(keys)).await
    }

    /// Answers every request to [`JWKS_PATH`] with `response`.
    pub async fn answering(response: ResponseTemplate) -> KeyServer {
        let ks = KeyServer::empty().await;
        ks.respond(response).await;
        ks
    }

    /// Serves nothing yet (every path answers 404).
    pub async fn empty() -> KeyServer {
        KeyServer {
            server: MockServer::start().await,
        }
    }

    /// Replaces whatever is served (and the request log) by `response` at
    /// [`JWKS_PATH`].
    pub async fn respond(&self, response: ResponseTemplate) {
        self.server.reset().await;
        self.serve_at(JWKS_PATH, response).await;
    }

    /// Serves `keys` at [`JWKS_PATH`] from now on, and nothing else.
    pub async fn serve_keys(&self, keys: &[&SigningKey]) {
        self.respond(key_set_response(keys)).await;
    }

    /// Also answers GET `at` with `response`.
    pub async fn serve_at(&self, at: &str, response: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(response)
            .mount(&self.server)
            .await;
    }

    /// Also answers GET `at` with `body`, as JSON.
    pub async fn serve_json(&self, at: &str, body: Value) {
        self.serve_at(at, ResponseTemplate::new(200).set_body_json(body))
            .await;
    }

    /// Also redirects GET `from` to `to` (302).
    pub async fn redirect(&self, from: &str, to: &str) {
        let response = ResponseTemplate::new(302).insert_header("Location", to);
        self.serve_at(from, response).await;
    }

    /// The discovery document of this issuer, announcing `jwks_uri`.
    pub fn discovery(&self, jwks_uri: &str) -> Value {
        json!({ "issuer": self.issuer(), "jwks_uri": jwks_uri })
    }

    /// The issuer: the server's root, with a trailing slash.
    pub fn issuer(&self) -> String {
        format!("{}/", self.server.uri())
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.uri())
    }

    pub fn jwks_uri(&self) -> String {
        self.url(JWKS_PATH)
    }

    /// `http://0.0.0.0:<port><at>`: this server by an address that is not
    /// loopback, so an HTTP URL the HTTPS rule must refuse; yet on Linux a
    /// connection to it reaches this server, so a broken refusal shows as
    /// a request.
    pub fn off_loopback(&self, at: &str) -> String {
        format!("http://0.0.0.0:{}{at}", self.server.address().port())
    }

    /// How many requests reached the key-set path.
    pub async fn fetches(&self) -> usize {
        self.requests_to(JWKS_PATH).await
    }

    /// Waits until the key-set path has seen `count` requests (a refresh
    /// runs in the background, so a test cannot count on it having reached
    /// the server when the request that started it is answered); panics
    /// after 5 s.
    pub async fn fetched(&self, count: usize) {
        let started = std::time::Instant::now();
        while self.fetches().await < count {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the key server never saw {count} fetches"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// How many requests reached `path`.
    pub async fn requests_to(&self, path: &str) -> usize {
        self.count_requests(|at| at == path).await
    }

    /// How many requests reached a path starting with `prefix`.
    pub async fn requests_under(&self, prefix: &str) -> usize {
        self.count_requests(|at| at.starts_with(prefix)).await
    }

    async fn count_requests(&self, path_fits: impl Fn(&str) -> bool) -> usize {
        let requests = self.server.received_requests().await;
        let requests = requests.unwrap_or_default();
        requests
            .iter()
            .filter(|request| path_fits(request.url.path()))
            .count()
    }

    /// A configuration for this server: explicit key-set URI, no retry
    /// delay after a failure (tests step through failures quickly).
    pub fn config(&self) -> AuthConfigBuilder {
        AuthConfig::builder(self.issuer(), AUDIENCE)
            .jwks_uri(self.jwks_uri())
            .retry_interval(Duration::ZERO)
            .fetch_timeout(Duration::from_secs(2))
    }

    /// A configuration that discovers this issuer's keys (no key-set URI),
    /// with no retry delay after a failure.
    pub fn config_discovering(&self) -> AuthConfigBuilder {
        AuthConfig::builder(self.issuer(), AUDIENCE).retry_interval(Duration::ZERO)
    }

    /// [`config`](Self::config) with the shortest refresh cooldown (1 ms;
    /// zero is refused): each unknown `kid`, and each request that finds
    /// the set stale, may refresh it.
    pub fn config_short_cooldown(&self) -> AuthConfigBuilder {
        self.config().refresh_cooldown(Duration::from_millis(1))
    }

    /// [`config_short_cooldown`](Self::config_short_cooldown) whose key set
    /// goes stale `ttl` after each fetch: every request after that wants a
    /// refresh.
    pub fn config_stale_after(&self, ttl: Duration) -> AuthConfigBuilder {
        self.config_short_cooldown().jwks_ttl(ttl)
    }

    /// The library's test app with [`config`](Self::config).
    pub async fn app(&self) -> TestApp {
        TestApp::library(self.config()).await
    }

    /// A token from this issuer, for [`AUDIENCE`], about [`SUB`], signed by `key`.
    pub fn token(&self, key: &Arc<SigningKey>) -> TokenBuilder {
        token_from(&self.issuer(), key)
    }

    /// [`token`](Self::token) with both scopes of the protected routes.
    pub fn granted(&self, key: &Arc<SigningKey>) -> TokenBuilder {
        self.token(key).scope(GRANTED)
    }
}

/// A token from `issuer`, for [`AUDIENCE`], about [`SUB`], signed by `key`.
pub fn token_from(issuer: &str, key: &Arc<SigningKey>) -> TokenBuilder {
    TokenBuilder::new(key.clone())
        .issuer(issuer)
        .audience(AUDIENCE)
        .sub(SUB)
}

/// The scopes every protected route of both apps is satisfied with.
pub const GRANTED: &str = "read:messages write:messages";

pub struct ReadMessages;
impl RouteRequirement for ReadMessages {
    const SCOPES: ScopeExpr = ScopeExpr::Scope("read:messages");
}

pub struct WriteMessages;
impl RouteRequirement for WriteMessages {
    const SCOPES: ScopeExpr = ScopeExpr::Scope("write:messages");
}

#[rocket::get("/public")]
fn public() -> Json<Value> {
    Json(json!({ "message": "public" }))
}

#[rocket::get("/private")]
fn private(user: Claims) -> Json<Value> {
    Json(json!({ "message": "private", "sub": user.sub() }))
}

#[rocket::get("/scoped")]
fn scoped(user: ScopedClaims<ReadMessages>) -> Json<Value> {
    Json(json!({ "message": "scoped", "sub": user.claims().sub() }))
}

#[derive(serde::Deserialize)]
pub struct NewMessage {
    text: String,
}

#[rocket::post("/messages", data = "<message>")]
fn create(user: ScopedClaims<WriteMessages>, message: Json<NewMessage>) -> (Status, Json<Value>) {
    (
        Status::Created,
        Json(json!({ "text": message.text, "sub": user.claims().sub() })),
    )
}

/// Several guards asking for the claims: authentication must run once.
#[rocket::get("/many-guards")]
fn many_guards(a: Claims, b: Claims, c: ScopedClaims<ReadMessages>) -> String {
    format!("{:?} {:?} {:?}", a.sub(), b.sub(), c.claims().sub())
}

/// Either read:messages, or both admin and audit (through the attribute).
#[auth_runtime::requires_scope(any("read:messages", all("admin", "audit")))]
#[rocket::get("/either")]
fn either(user: Claims) -> String {
    user.sub().unwrap_or_default().to_owned()
}

/// Anonymous or signed in.
#[rocket::get("/greeting")]
fn greeting(user: auth_runtime::OptionalClaims) -> String {
    match user.0 {
        Some(claims) => format!("hello {}", claims.sub().unwrap_or("?")),
        None => "hello stranger".to_owned(),
    }
}

/// The payload as the application's own type.
#[derive(Debug, serde::Deserialize)]
pub struct MyClaims {
    sub: String,
    #[serde(default)]
    permissions: Vec<String>,
}

#[rocket::get("/typed")]
fn typed(
    user: auth_runtime::ClaimsAs<MyClaims>,
    again: auth_runtime::ClaimsAs<MyClaims>,
) -> String {
    format!(
        "{} {:?} {}",
        user.sub,
        user.permissions,
        again.sub == user.sub
    )
}

/// A catcher an application might register; the contract's JSON must win.
#[rocket::catch(401)]
fn html_401() -> (ContentType, &'static str) {
    (ContentType::HTML, "<h1>nope</h1>")
}

/// Rocket's debug configuration, silent. First installs the log capture of
/// [`log_lines`], which must come before any Rocket ignites (Rocket would
/// install its own logger).
pub fn rocket_config() -> rocket::Config {
    capture_logs();
    rocket::Config {
        log_level: rocket::config::LogLevel::Off,
        ..rocket::Config::debug_default()
    }
}

/// The two applications the contract is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppKind {
    /// The library's test app: `/public`, `/private` (`Claims`), `/scoped`
    /// (`ScopedClaims`), `POST /messages`, and `/many-guards`, `/either`
    /// (`#[requires_scope]` with an expression), `/greeting`
    /// (`OptionalClaims`), `/typed` (`ClaimsAs`); an HTML catcher for 401.
    Library,
    /// The quickstart of `auth-examples`: `/api/public`, `/api/private`
    /// (`#[requires_auth]`), `/api/private-scoped`
    /// (`#[requires_scope("read:messages")]`) and `POST /api/messages`
    /// (`#[requires_scope("write:messages")]`, JSON only), with CORS.
    Quickstart,
}

/// The routes both apps have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Open.
    Public,
    /// Any valid token.
    Private,
    /// A valid token with `read:messages`.
    Scoped,
    /// POST, with a JSON body: a valid token with `write:messages`.
    Messages,
}

impl Route {
    pub const PROTECTED: [Route; 3] = [Route::Private, Route::Scoped, Route::Messages];

    /// The scopes the route requires, which its 401s name.
    pub fn scopes(self) -> Option<&'static str> {
        match self {
            Route::Scoped => Some("read:messages"),
            Route::Messages => Some("write:messages"),
            Route::Public | Route::Private => None,
        }
    }
}

/// The body [`TestApp::request`] posts to [`Route::Messages`].
pub const MESSAGE: &str = r#"{"text":"hello"}"#;

impl AppKind {
    pub const BOTH: [AppKind; 2] = [AppKind::Library, AppKind::Quickstart];

    pub fn path(self, route: Route) -> &'static str {
        match (self, route) {
            (AppKind::Library, Route::Public) => "/public",
            (AppKind::Library, Route::Private) => "/private",
            (AppKind::Library, Route::Scoped) => "/scoped",
            (AppKind::Library, Route::Messages) => "/messages",
            (AppKind::Quickstart, Route::Public) => "/api/public",
            (AppKind::Quickstart, Route::Private) => "/api/private",
            (AppKind::Quickstart, Route::Scoped) => "/api/private-scoped",
            (AppKind::Quickstart, Route::Messages) => "/api/messages",
        }
    }

    /// The app, authenticating with `auth`, on Rocket's silent debug
    /// configuration.
    pub fn rocket(self, auth: Auth) -> Rocket<Build> {
        self.build(rocket::custom(rocket_config()), auth)
    }

    /// The app's routes (and fairings, state, catchers) added to `base`.
    pub fn build(self, base: Rocket<Build>, auth: Auth) -> Rocket<Build> {
        match self {
            AppKind::Library => library_routes(base.attach(auth)),
            AppKind::Quickstart => auth_examples::rocket_with(base, auth),
        }
    }

    /// The app's protected routes on `base`, without the authentication
    /// fairing their guards need.
    pub fn without_auth(self, base: Rocket<Build>) -> Rocket<Build> {
        match self {
            AppKind::Library => library_routes(base),
            AppKind::Quickstart => base.mount(
                "/",
                rocket::routes![auth_examples::private, auth_examples::private_scoped],
            ),
        }
    }
}

fn library_routes(base: Rocket<Build>) -> Rocket<Build> {
    base.mount(
        "/",
        rocket::routes![
            public,
            private,
            scoped,
            create,
            many_guards,
            either,
            greeting,
            typed
        ],
    )
    .register("/", rocket::catchers![html_401])
}

/// One of the two apps behind Rocket's local client (which it derefs to).
pub struct TestApp {
    pub kind: AppKind,
    pub client: Client,
}

impl Deref for TestApp {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl TestApp {
    /// A key-set server serving `keys`, and the library's test app with its
    /// [`config`](KeyServer::config).
    pub async fn serving(keys: &[&SigningKey]) -> (KeyServer, TestApp) {
        let ks = KeyServer::start(keys).await;
        let app = ks.app().await;
        (ks, app)
    }

    /// The library's test app with the configuration `config` builds.
    pub async fn library(config: AuthConfigBuilder) -> TestApp {
        TestApp::start(AppKind::Library, config).await
    }

    /// The app of `kind` with the configuration `config` builds.
    pub async fn start(kind: AppKind, config: AuthConfigBuilder) -> TestApp {
        TestApp::with_auth(
            kind,
            Auth::new(config.build().expect("a valid configuration")),
        )
        .await
    }

    /// The app of `kind` authenticating with `auth`.
    pub async fn with_auth(kind: AppKind, auth: Auth) -> TestApp {
        let client = Client::tracked(kind.rocket(auth))
            .await
            .expect("the test app ignites");
        TestApp { kind, client }
    }

    pub fn path(&self, route: Route) -> &'static str {
        self.kind.path(route)
    }

    /// How many tokens the app's first validator verified in full (not
    /// from its cache).
    pub fn verifications(&self) -> u64 {
        let router = self.rocket().state::<IssuerRouter>();
        router.expect("the fairing manages the router").validators()[0].full_verifications()
    }

    /// A request to `route`: a GET, or for [`Route::Messages`] a JSON POST
    /// of [`MESSAGE`].
    pub fn request(&self, route: Route) -> LocalRequest<'_> {
        let path = self.path(route);
        match route {
            Route::Messages => self.post(path).header(ContentType::JSON).body(MESSAGE),
            _ => self.get(path),
        }
    }

    /// Calls `route` with an optional `Authorization` header value.
    pub async fn call(&self, route: Route, authorization: Option<&str>) -> Answer {
        let mut request = self.request(route);
        if let Some(value) = authorization {
            request.add_header(Header::new("Authorization", value.to_owned()));
        }
        Answer::from(request.dispatch().await).await
    }

    /// Calls `route` with `Bearer <token>`.
    pub async fn call_with(&self, route: Route, token: &str) -> Answer {
        self.call(route, Some(&format!("Bearer {token}"))).await
    }

    /// POSTs `body` as JSON to [`Route::Messages`].
    pub async fn post_message(&self, body: &str, authorization: Option<&str>) -> Answer {
        let mut request = self
            .post(self.path(Route::Messages))
            .header(ContentType::JSON)
            .body(body);
        if let Some(value) = authorization {
            request.add_header(Header::new("Authorization", value.to_owned()));
        }
        Answer::from(request.dispatch().await).await
    }

    /// Sends each row to each of `routes`, checking what it gets.
    pub async fn check_rows(&self, routes: &[Route], rows: &[Row]) {
        for &route in routes {
            for row in rows {
                let answer = self.call(route, row.authorization.as_deref()).await;
                let context = format!("{:?} {}: {}", self.kind, self.path(route), row.name);
                self.assert_answer(route, &answer, row, &context);
            }
        }
    }

    /// Asserts that `answer`, the answer of `route` to `row`, is what the
    /// row expects; `context` names it in the failure.
    #[track_caller]
    pub fn assert_answer(&self, route: Route, answer: &Answer, row: &Row, context: &str) {
        if row.expect == Expect::Accepted {
            let sub = row.authorization.as_deref().map_or(Value::Null, subject);
            return self.assert_success(route, answer, &sub, context);
        }
        answer.assert_on(route.scopes(), row.expect, context);
        // No error echoes the token it refuses.
        if let Some(token) = row.bearer_token() {
            let challenge = answer.www_authenticate.as_deref().unwrap_or_default();
            assert!(
                !answer.body.contains(token),
                "{context}: body echoes the token"
            );
            assert!(!challenge.contains(token), "{context}: challenge echoes it");
        }
    }

    /// Asserts that `answer` is the success of `route` for the caller `sub`
    /// (a token's `sub` claim; `Null` without one), with the app's body.
    #[track_caller]
    pub fn assert_success(&self, route: Route, answer: &Answer, sub: &Value, context: &str) {
        let status = match route {
            Route::Messages => Status::Created,
            _ => Status::Ok,
        };
        assert_eq!(answer.status, status, "{context}: {answer:?}");
        if route == Route::Public {
            return;
        }
        let body = answer.json();
        match self.kind {
            AppKind::Library => {
                let expected = match route {
                    Route::Messages => json!({ "text": "hello", "sub": sub }),
                    Route::Scoped => json!({ "message": "scoped", "sub": sub }),
                    _ => json!({ "message": "private", "sub": sub }),
                };
                assert_eq!(body, expected, "{context}");
            }
            AppKind::Quickstart if route == Route::Messages => {
                assert!(body["id"].is_u64(), "{context}: {body}");
                assert_eq!(body["text"], "hello", "{context}");
                assert_eq!(&body["author"], sub, "{context}");
            }
            AppKind::Quickstart => {
                let message = body["message"].as_str().unwrap_or_default();
                assert!(
                    message.starts_with("Hello from a private endpoint!"),
                    "{context}: {message}"
                );
                if route == Route::Scoped {
                    assert!(message.contains("read:messages"), "{context}: {message}");
                }
            }
        }
    }
}

/// `token` with its payload changed by `change` after signing (header and
/// signature kept).
pub fn tampered(token: &str, change: impl FnOnce(&mut Value)) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut payload: Value = serde_json::from_slice(&B64.decode(&parts[1]).unwrap()).unwrap();
    change(&mut payload);
    parts[1] = B64.encode(payload.to_string());
    parts.join(".")
}

/// The `sub` claim of the token in a `Bearer` header value (`Null` if none).
fn subject(authorization: &str) -> Value {
    authorization
        .split_whitespace()
        .nth(1)
        .and_then(|token| token.split('.').nth(1))
        .and_then(|payload| B64.decode(payload).ok())
        .and_then(|json| serde_json::from_slice::<Value>(&json).ok())
        .map_or(Value::Null, |payload| payload["sub"].clone())
}

/// What the contract says a request must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The route's success, for the token's `sub`.
    Accepted,
    /// 401 `authorization_header_missing`, with a bare challenge.
    Missing,
    /// 401 `invalid_header` with this description and
    /// `error="invalid_request"`: the header's shape is wrong.
    BadHeader(&'static str),
    /// 401 with this code and description, and `error="invalid_token"`.
    BadToken(&'static str, &'static str),
    /// 401 `invalid_claims`, the description naming this claim.
    BadClaim(&'static str),
    /// 403 `insufficient_scope`, the challenge naming this scope.
    Forbidden(&'static str),
    /// 503 `jwks_unavailable`, with `Retry-After` and no challenge.
    Unavailable,
}

/// A token that does not parse, or whose signature does not verify.
pub const UNPARSABLE: Expect = Expect::BadToken("invalid_header", PARSE);
/// A token whose `kid` is not in the key set.
pub const UNKNOWN_KEY: Expect = Expect::BadToken("invalid_header", NO_KEY);
/// A token past its `exp` (and the leeway).
pub const TOKEN_EXPIRED: Expect = Expect::BadToken("token_expired", EXPIRED);
/// A token for another audience or from another issuer.
pub const WRONG_AUD_OR_ISS: Expect = Expect::BadToken("invalid_claims", AUD_ISS);

/// One request of a table: a name for failures, the `Authorization` header
/// it sends (if any), and what it must get.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    pub authorization: Option<String>,
    pub expect: Expect,
}

impl Row {
    /// A request with `Bearer <token>`.
    pub fn bearer(name: impl Into<String>, token: impl AsRef<str>, expect: Expect) -> Row {
        Row::header(name, format!("Bearer {}", token.as_ref()), expect)
    }

    /// A request with this `Authorization` header value.
    pub fn header(name: impl Into<String>, value: impl Into<String>, expect: Expect) -> Row {
        Row {
            name: name.into(),
            authorization: Some(value.into()),
            expect,
        }
    }

    /// A request without an `Authorization` header.
    pub fn anonymous(name: impl Into<String>, expect: Expect) -> Row {
        Row {
            name: name.into(),
            authorization: None,
            expect,
        }
    }

    /// The token of a `Bearer` row.
    pub fn bearer_token(&self) -> Option<&str> {
        self.authorization.as_deref()?.strip_prefix("Bearer ")
    }
}

/// What a test reads off a response.
#[derive(Debug)]
pub struct Answer {
    pub status: Status,
    pub content_type: Option<ContentType>,
    /// The first `WWW-Authenticate` header (the `Bearer` one, where there are two).
    pub www_authenticate: Option<String>,
    /// Every `WWW-Authenticate` header, in order.
    pub challenges: Vec<String>,
    pub retry_after: Option<String>,
    /// The `DPoP-Nonce` header (RFC 9449 section 8).
    pub dpop_nonce: Option<String>,
    pub body: String,
}

impl Answer {
    pub async fn from(response: LocalResponse<'_>) -> Answer {
        Answer {
            status: response.status(),
            content_type: response.content_type(),
            www_authenticate: response
                .headers()
                .get_one("WWW-Authenticate")
                .map(str::to_owned),
            challenges: response
                .headers()
                .get("WWW-Authenticate")
                .map(str::to_owned)
                .collect(),
            retry_after: response.headers().get_one("Retry-After").map(str::to_owned),
            dpop_nonce: response.headers().get_one("DPoP-Nonce").map(str::to_owned),
            body: response.into_string().await.unwrap_or_default(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    /// Asserts a contract error of `expect` on a route that requires no
    /// scope (not [`Expect::Accepted`], whose body depends on the app: see
    /// [`TestApp::assert_success`]).
    #[track_caller]
    pub fn assert(&self, expect: Expect, context: &str) {
        self.assert_on(None, expect, context);
    }

    /// [`assert`](Self::assert) on a route that requires `route_scopes`
    /// (space-separated), which a 401's challenge names last; without
    /// them, a 401 names no scope.
    #[track_caller]
    pub fn assert_on(&self, route_scopes: Option<&str>, expect: Expect, context: &str) {
        if self.status.code == 401 {
            let challenge = self.www_authenticate.as_deref().unwrap_or_default();
            match route_scopes {
                Some(scopes) => assert!(
                    challenge.ends_with(&format!(r#"scope="{scopes}""#)),
                    "{context}: the 401 should name {scopes}: {challenge}"
                ),
                None => assert!(!challenge.contains("scope="), "{context}: {challenge}"),
            }
        }
        match expect {
            Expect::Accepted => panic!("{context}: a success is checked by its app"),
            Expect::Missing => {
                self.assert_error(401, "authorization_header_missing", MISSING, None, context)
            }
            Expect::BadHeader(description) => self.assert_error(
                401,
                "invalid_header",
                description,
                Some("invalid_request"),
                context,
            ),
            Expect::BadToken(code, description) => {
                self.assert_error(401, code, description, Some("invalid_token"), context)
            }
            Expect::BadClaim(claim) => self.assert_invalid_claim(claim, context),
            Expect::Forbidden(scope) => {
                // Auth0's code for a 403, as the quickstart has it.
                let code = "Unauthorized";
                self.assert_error(403, code, NO_ACCESS, Some("insufficient_scope"), context);
                let challenge = self.www_authenticate.as_deref().unwrap_or_default();
                assert!(
                    challenge.ends_with(&format!(r#", scope="{scope}""#)),
                    "{context}: {challenge}"
                );
            }
            Expect::Unavailable => {
                let description = self.json()["description"].as_str().map(str::to_owned);
                assert!(description.is_some(), "{context}: {self:?}");
                let description = description.unwrap_or_default();
                self.assert_error(503, "jwks_unavailable", &description, None, context);
            }
        }
    }

    /// Asserts a contract error: status, JSON body, and the challenge's
    /// `error` attribute (`None`: a bare challenge or, for 503, none).
    #[track_caller]
    fn assert_error(
        &self,
        status: u16,
        code: &str,
        description: &str,
        bearer_error: Option<&str>,
        context: &str,
    ) {
        assert_eq!(self.status.code, status, "{context}: status of {self:?}");
        assert_eq!(
            self.content_type,
            Some(ContentType::JSON),
            "{context}: content type of {self:?}"
        );
        assert!(
            self.body.len() < 1024,
            "{context}: body too large: {}",
            self.body.len()
        );
        let body = self.json();
        assert_eq!(
            body,
            json!({ "code": code, "description": description }),
            "{context}: body"
        );
        match (status, bearer_error) {
            (503, _) => {
                assert_eq!(self.www_authenticate, None, "{context}");
                assert!(
                    self.retry_after.is_some(),
                    "{context}: 503 without Retry-After"
                );
            }
            // A bare challenge: the realm, the metadata's URL where it is
            // served, and the route's scopes if any.
            (_, None) => {
                let challenge = self.www_authenticate.as_deref().unwrap_or_default();
                let rest = challenge.strip_prefix(r#"Bearer realm="api""#).map(|rest| {
                    match rest.strip_prefix(r#", resource_metadata=""#) {
                        Some(url) => url.split_once('"').map_or("", |(_, rest)| rest),
                        None => rest,
                    }
                });
                assert!(
                    rest.is_some_and(|rest| rest.is_empty() || rest.starts_with(", scope=")),
                    "{context}: {challenge}"
                );
            }
            (_, Some(error)) => {
                let challenge = self.www_authenticate.as_deref().expect("WWW-Authenticate");
                assert!(
                    challenge.starts_with(r#"Bearer realm="api", "#),
                    "{context}: {challenge}"
                );
                assert!(
                    challenge.contains(&format!(r#"error="{error}""#)),
                    "{context}: {challenge}"
                );
                assert!(
                    challenge.contains(r#"error_description=""#),
                    "{context}: {challenge}"
                );
            }
        }
    }

    /// Asserts a contract error whose description is a sentence naming `claim`.
    #[track_caller]
    fn assert_invalid_claim(&self, claim: &str, context: &str) {
        assert_eq!(self.status, Status::Unauthorized, "{context}: {self:?}");
        let body = self.json();
        assert_eq!(body["code"], "invalid_claims", "{context}: {self:?}");
        let description = body["description"].as_str().unwrap_or_default();
        assert!(
            description.contains(claim),
            "{context}: {description:?} should name {claim}"
        );
        let challenge = self.www_authenticate.as_deref().unwrap_or_default();
        assert!(
            challenge.contains(r#"error="invalid_token""#),
            "{context}: {challenge}"
        );
    }
}

/// GET `path` with an optional `Authorization` header value.
pub async fn get(client: &Client, path: &str, authorization: Option<&str>) -> Answer {
    let mut request = client.get(path.to_owned());
    if let Some(value) = authorization {
        request.add_header(Header::new("Authorization", value.to_owned()));
    }
    Answer::from(request.dispatch().await).await
}

/// GET `path` with `Bearer <token>`.
pub async fn get_with(client: &Client, path: &str, token: &str) -> Answer {
    get(client, path, Some(&format!("Bearer {token}"))).await
}

/// The status of GET `path` with `Bearer <token>`.
pub async fn status(client: &Client, path: &str, token: &str) -> Status {
    get_with(client, path, token).await.status
}

/// The error `rocket` fails to ignite with.
pub async fn ignition_error(rocket: Rocket<Build>) -> rocket::Error {
    match Client::tracked(rocket).await {
        Ok(_) => panic!("the app ignited"),
        Err(error) => error,
    }
}

/// Asserts that `rocket` does not ignite because a fairing failed (the
/// authentication fairing, with a configuration it refuses).
pub async fn assert_a_fairing_fails(rocket: Rocket<Build>, why: &str) {
    let error = ignition_error(rocket).await;
    assert!(
        matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(_)),
        "{why}: {error:?}"
    );
}

/// Asserts that `rocket` does not launch because a sentinel aborted it
/// (a guard whose fairing is missing).
pub async fn assert_a_sentinel_aborts(rocket: Rocket<Build>, why: &str) {
    let error = ignition_error(rocket).await;
    assert!(
        matches!(error.kind(), rocket::error::ErrorKind::SentinelAborts(_)),
        "{why}: {error:?}"
    );
}

/// Launches `rocket` in the background and returns the port it bound (the
/// one its configuration names, or the free port the system chose for port
/// 0) and the handle that stops it.
pub async fn launch_on_loopback(
    rocket: Rocket<Build>,
) -> Result<(u16, rocket::Shutdown), rocket::Error> {
    let (bound_tx, bound_rx) = tokio::sync::oneshot::channel::<u16>();
    let bound_tx = std::sync::Mutex::new(Some(bound_tx));
    let rocket = rocket
        .attach(AdHoc::on_liftoff("report port", move |rocket| {
            let port = rocket.config().port;
            if let Some(sender) = bound_tx.lock().ok().and_then(|mut slot| slot.take()) {
                let _ = sender.send(port);
            }
            Box::pin(async {})
        }))
        .ignite()
        .await?;
    let shutdown = rocket.shutdown();
    let server = tokio::spawn(rocket.launch());
    match bound_rx.await {
        Ok(port) => Ok((port, shutdown)),
        // Launch ended before liftoff: report its error.
        Err(_) => match server.await {
            Ok(Err(error)) => Err(error),
            _ => panic!("the server stopped before it started"),
        },
    }
}

/// Launches `rocket` on 127.0.0.1 on a free port, for tests that need real
/// HTTP; returns the port and the handle that stops it.
pub async fn serve(rocket: Rocket<Build>) -> (u16, rocket::Shutdown) {
    let config = rocket::Config {
        address: std::net::Ipv4Addr::LOCALHOST.into(),
        port: 0,
        ..rocket_config()
    };
    launch_on_loopback(rocket.configure(config))
        .await
        .expect("the test app launches")
}

/// Every line the runtime logged, as "LEVEL message".
static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        if record.target().starts_with("auth_runtime") {
            let line = format!("{} {}", record.level(), record.args());
            LINES.lock().unwrap().push(line);
        }
    }

    fn flush(&self) {}
}

/// Installs the process's logger: it keeps the runtime's lines for
/// [`log_lines`]. [`rocket_config`] calls it.
pub fn capture_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        log::set_logger(&Capture).expect("the test's logger is the first");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// The lines the runtime logged so far that contain `needle` ("" for all).
pub fn log_lines(needle: &str) -> Vec<String> {
    let lines = LINES.lock().unwrap();
    lines
        .iter()
        .filter(|line| line.contains(needle))
        .cloned()
        .collect()
}

/// Checks an RFC 6750 challenge: `Bearer` then `name="quoted-string"`
/// pairs separated by `, `, with `\` escaping and no raw control characters.
/// Returns the pairs, unescaped.
pub fn parse_challenge(value: &str) -> Result<Vec<(String, String)>, String> {
    let rest = value.strip_prefix("Bearer ").ok_or("no Bearer scheme")?;
    let mut pairs = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        let name: String =
            std::iter::from_fn(|| chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_'))
                .collect();
        if name.is_empty() || chars.next() != Some('=') || chars.next() != Some('"') {
            return Err(format!("bad attribute start in {value:?}"));
        }
        let mut text = String::new();
        loop {
            match chars.next().ok_or("unterminated quoted-string")? {
                '"' => break,
                '\\' => text.push(chars.next().ok_or("dangling escape")?),
                c if c.is_control() => return Err("control character".into()),
                c => text.push(c),
            }
        }
        pairs.push((name, text));
        match (chars.next(), chars.next()) {
            (None, _) => return Ok(pairs),
            (Some(','), Some(' ')) => continue,
            _ => return Err(format!("bad separator in {value:?}")),
        }
    }
}
