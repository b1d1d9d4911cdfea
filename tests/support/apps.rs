//! The two test apps (the library's routes and the quickstart) behind Rocket's local client.

use super::*;

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
fn scoped(user: Authorized<ReadMessages>) -> Json<Value> {
    Json(json!({ "message": "scoped", "sub": user.claims().sub() }))
}

#[derive(serde::Deserialize)]
pub struct NewMessage {
    text: String,
}

#[rocket::post("/messages", data = "<message>")]
fn create(user: Authorized<WriteMessages>, message: Json<NewMessage>) -> (Status, Json<Value>) {
    (
        Status::Created,
        Json(json!({ "text": message.text, "sub": user.claims().sub() })),
    )
}

/// Several guards asking for the claims: authentication must run once.
#[rocket::get("/many-guards")]
fn many_guards(a: Claims, b: Claims, c: Authorized<ReadMessages>) -> String {
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
    /// (`Authorized`), `POST /messages`, and `/many-guards`, `/either`
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

    /// The key-set status of the app's first validator, as operators read it.
    pub fn key_set_status(&self) -> auth_runtime::validator::KeySetStatus {
        let router = self.rocket().state::<IssuerRouter>();
        let validator = &router.expect("the fairing manages the router").validators()[0];
        validator
            .key_set_status()
            .expect("a validator with a key set")
    }

    /// Waits until the first validator's key set ends a fetch after the one
    /// that ended at `before` (a `last_attempt` read earlier): for a refresh
    /// that runs in the background, so that a test goes on once it is over.
    pub async fn await_fetch_end(&self, before: Option<std::time::SystemTime>) {
        eventually("a key-set fetch ends", || {
            self.key_set_status().last_attempt != before
        })
        .await;
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
