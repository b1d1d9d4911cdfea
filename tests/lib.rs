//! The support library of every test target of this package: fixture keys,
//! a counted key-set server (wiremock on 127.0.0.1:0), a Rocket app with
//! protected routes, and a launcher for tests that need real HTTP.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use auth_runtime::testing::{key_set, SigningKey, TokenBuilder};
use auth_runtime::{
    Algorithm, Auth, AuthConfig, AuthConfigBuilder, Claims, RequireScopes, ScopeExpr,
    ScopeRequirement,
};
use rocket::fairing::AdHoc;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::serde::json::Json;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const AUDIENCE: &str = "https://quickstarts/api";
pub const JWKS_PATH: &str = "/jwks.json";

pub static RSA_A: LazyLock<Arc<SigningKey>> = LazyLock::new(|| {
    let pem = include_bytes!("fixtures/rsa_a.pem");
    Arc::new(SigningKey::from_pem("rsa-a", Algorithm::RS256, pem).unwrap())
});
pub static RSA_B: LazyLock<Arc<SigningKey>> = LazyLock::new(|| {
    let pem = include_bytes!("fixtures/rsa_b.pem");
    Arc::new(SigningKey::from_pem("rsa-b", Algorithm::RS256, pem).unwrap())
});
pub static EC: LazyLock<Arc<SigningKey>> = LazyLock::new(|| {
    let pem = include_bytes!("fixtures/ec_p256.pem");
    Arc::new(SigningKey::from_pem("ec-1", Algorithm::ES256, pem).unwrap())
});
pub const RSA_A_PUBLIC_PEM: &[u8] = include_bytes!("fixtures/rsa_a.pub.pem");

/// A key-set server whose fetches are counted.
pub struct KeyServer {
    pub server: MockServer,
}

impl KeyServer {
    /// Serves `keys` at [`JWKS_PATH`].
    pub async fn start(keys: &[&SigningKey]) -> KeyServer {
        let server = MockServer::start().await;
        let ks = KeyServer { server };
        ks.serve_keys(keys).await;
        ks
    }

    /// Serves nothing yet (every path answers 404).
    pub async fn empty() -> KeyServer {
        KeyServer {
            server: MockServer::start().await,
        }
    }

    /// Replaces whatever is served at [`JWKS_PATH`] by `response`.
    pub async fn respond(&self, response: ResponseTemplate) {
        self.server.reset().await;
        Mock::given(method("GET"))
            .and(path(JWKS_PATH))
            .respond_with(response)
            .mount(&self.server)
            .await;
    }

    pub async fn serve_keys(&self, keys: &[&SigningKey]) {
        self.respond(ResponseTemplate::new(200).set_body_json(key_set(keys.iter().copied())))
            .await;
    }

    /// The issuer: the server's root, with a trailing slash.
    pub fn issuer(&self) -> String {
        format!("{}/", self.server.uri())
    }

    pub fn jwks_uri(&self) -> String {
        format!("{}{JWKS_PATH}", self.server.uri())
    }

    /// How many requests reached the key-set path.
    pub async fn fetches(&self) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|request| request.url.path() == JWKS_PATH)
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

    /// A token from this issuer, for [`AUDIENCE`], signed by `key`.
    pub fn token(&self, key: &Arc<SigningKey>) -> TokenBuilder {
        TokenBuilder::new(key.clone())
            .issuer(&self.issuer())
            .audience(AUDIENCE)
            .sub("user-1")
    }
}

pub struct ReadMessages;
impl ScopeRequirement for ReadMessages {
    const REQUIRED: ScopeExpr = ScopeExpr::Scope("read:messages");
}

pub struct WriteMessages;
impl ScopeRequirement for WriteMessages {
    const REQUIRED: ScopeExpr = ScopeExpr::Scope("write:messages");
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
fn scoped(user: RequireScopes<ReadMessages>) -> Json<Value> {
    Json(json!({ "message": "scoped", "sub": user.claims().sub() }))
}

#[derive(serde::Deserialize)]
pub struct NewMessage {
    text: String,
}

#[rocket::post("/messages", data = "<message>")]
fn create(user: RequireScopes<WriteMessages>, message: Json<NewMessage>) -> (Status, Json<Value>) {
    (
        Status::Created,
        Json(json!({ "text": message.text, "sub": user.claims().sub() })),
    )
}

/// Several guards asking for the claims: authentication must run once.
#[rocket::get("/many-guards")]
fn many_guards(a: Claims, b: Claims, c: RequireScopes<ReadMessages>) -> String {
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

pub fn rocket_config() -> rocket::Config {
    rocket::Config {
        log_level: rocket::config::LogLevel::Off,
        ..rocket::Config::debug_default()
    }
}

/// The test app: `/public`, `/private`, `/scoped`, `POST /messages`,
/// `/many-guards`, `/either`, `/greeting`, `/typed`.
pub fn rocket(config: AuthConfig) -> rocket::Rocket<rocket::Build> {
    rocket::custom(rocket_config())
        .attach(Auth::new(config))
        .mount(
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

pub async fn client(config: AuthConfig) -> Client {
    Client::tracked(rocket(config)).await.expect("valid rocket")
}

/// What a test reads off a response.
#[derive(Debug)]
pub struct Answer {
    pub status: Status,
    pub content_type: Option<ContentType>,
    pub www_authenticate: Option<String>,
    pub retry_after: Option<String>,
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
            retry_after: response.headers().get_one("Retry-After").map(str::to_owned),
            body: response.into_string().await.unwrap_or_default(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    /// Asserts a contract error: status, JSON body, and the challenge's
    /// `error` attribute (`None`: a bare challenge or, for 503, none).
    #[track_caller]
    pub fn assert_error(
        &self,
        status: u16,
        code: &str,
        description: &str,
        bearer_error: Option<&str>,
    ) {
        assert_eq!(self.status.code, status, "status of {self:?}");
        assert_eq!(
            self.content_type,
            Some(ContentType::JSON),
            "content type of {self:?}"
        );
        assert!(
            self.body.len() < 1024,
            "body too large: {}",
            self.body.len()
        );
        let body = self.json();
        assert_eq!(
            body,
            json!({ "code": code, "description": description }),
            "body"
        );
        match (status, bearer_error) {
            (503, _) => {
                assert_eq!(self.www_authenticate, None);
                assert!(self.retry_after.is_some(), "503 without Retry-After");
            }
            (_, None) => assert_eq!(
                self.www_authenticate.as_deref(),
                Some(r#"Bearer realm="api""#)
            ),
            (_, Some(error)) => {
                let challenge = self.www_authenticate.as_deref().expect("WWW-Authenticate");
                assert!(
                    challenge.starts_with(r#"Bearer realm="api", "#),
                    "{challenge}"
                );
                assert!(
                    challenge.contains(&format!(r#"error="{error}""#)),
                    "{challenge}"
                );
                assert!(challenge.contains(r#"error_description=""#), "{challenge}");
            }
        }
    }

    /// Asserts a contract error whose description is a sentence naming `claim`.
    #[track_caller]
    pub fn assert_invalid_claim(&self, claim: &str) {
        assert_eq!(self.status, Status::Unauthorized, "{self:?}");
        let body = self.json();
        assert_eq!(body["code"], "invalid_claims", "{self:?}");
        let description = body["description"].as_str().unwrap_or_default();
        assert!(
            description.contains(claim),
            "{description:?} should name {claim}"
        );
        let challenge = self.www_authenticate.as_deref().unwrap_or_default();
        assert!(
            challenge.contains(r#"error="invalid_token""#),
            "{challenge}"
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

/// Launches `rocket` in the background and returns the port it bound (the
/// one its configuration names, or the free port the system chose for port
/// 0) and the handle that stops it.
pub async fn launch_on_loopback(
    rocket: rocket::Rocket<rocket::Build>,
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
pub async fn serve(rocket: rocket::Rocket<rocket::Build>) -> (u16, rocket::Shutdown) {
    let config = rocket::Config {
        address: std::net::Ipv4Addr::LOCALHOST.into(),
        port: 0,
        ..rocket_config()
    };
    launch_on_loopback(rocket.configure(config))
        .await
        .expect("the test app launches")
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
