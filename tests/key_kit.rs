//! Support for `key_transport.rs` and `static_keys.rs`: fixture keys, a
//! counted wiremock key server on 127.0.0.1, a one-route app, and a log
//! capture. A stopgap while the package's support library (`lib.rs`) is
//! being reorganised: these tests move onto it when it lands.
#![allow(dead_code)] // each test file uses part of it

use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::Duration;

use auth_runtime::config::{Algorithm, AuthConfigBuilder};
use auth_runtime::testing::{key_set, SigningKey, TokenBuilder};
use auth_runtime::{Auth, AuthConfig, Claims};
use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const AUDIENCE: &str = "https://quickstarts/api";
pub const JWKS_PATH: &str = "/jwks.json";
pub const RSA_A_PUBLIC_PEM: &[u8] = include_bytes!("fixtures/rsa_a.pub.pem");
pub const RSA_A_PEM: &[u8] = include_bytes!("fixtures/rsa_a.pem");

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

/// A wiremock server on 127.0.0.1, keys at [`JWKS_PATH`] when started with some.
pub struct KeyServer {
    pub server: MockServer,
}

impl KeyServer {
    pub async fn start(keys: &[&SigningKey]) -> KeyServer {
        let ks = KeyServer::empty().await;
        serve_json(&ks.server, JWKS_PATH, key_set(keys.iter().copied())).await;
        ks
    }

    pub async fn empty() -> KeyServer {
        KeyServer {
            server: MockServer::start().await,
        }
    }

    pub async fn respond(&self, response: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path(JWKS_PATH))
            .respond_with(response)
            .mount(&self.server)
            .await;
    }

    pub fn issuer(&self) -> String {
        format!("{}/", self.server.uri())
    }

    pub fn jwks_uri(&self) -> String {
        format!("{}{JWKS_PATH}", self.server.uri())
    }

    pub async fn fetches(&self) -> usize {
        requests_to(&self.server, JWKS_PATH).await
    }

    pub fn config(&self) -> AuthConfigBuilder {
        AuthConfig::builder(self.issuer(), AUDIENCE)
            .jwks_uri(self.jwks_uri())
            .retry_interval(Duration::ZERO)
            .fetch_timeout(Duration::from_secs(2))
    }

    pub fn token(&self, key: &Arc<SigningKey>) -> TokenBuilder {
        TokenBuilder::new(key.clone())
            .issuer(&self.issuer())
            .audience(AUDIENCE)
            .sub("user-1")
    }
}

/// The one protected route.
#[rocket::get("/private")]
pub fn private(user: Claims) -> String {
    user.sub().unwrap_or_default().to_owned()
}

/// Rocket's configuration; first installs the log capture, which must come
/// before any Rocket ignites (Rocket would install its own logger).
pub fn rocket_config() -> rocket::Config {
    capture_logs();
    rocket::Config {
        log_level: rocket::config::LogLevel::Off,
        ..rocket::Config::debug_default()
    }
}

pub fn rocket(config: AuthConfig) -> rocket::Rocket<rocket::Build> {
    rocket::custom(rocket_config())
        .attach(Auth::new(config))
        .mount("/", rocket::routes![private])
}

pub async fn client(config: AuthConfig) -> Client {
    Client::tracked(rocket(config)).await.expect("ignites")
}

#[derive(Debug)]
pub struct Answer {
    pub status: Status,
    pub retry_after: Option<String>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
}

pub async fn get_with(client: &Client, at: &str, token: &str) -> Answer {
    let response = client
        .get(at.to_owned())
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .dispatch()
        .await;
    Answer {
        status: response.status(),
        retry_after: response.headers().get_one("Retry-After").map(str::to_owned),
        body: response.into_string().await.unwrap_or_default(),
    }
}

pub const OPENID: &str = "/.well-known/openid-configuration";
pub const OAUTH: &str = "/.well-known/oauth-authorization-server";
pub const WELL_KNOWN_JWKS: &str = "/.well-known/jwks.json";
pub const STATIC_ISSUER: &str = "https://issuer.example/";

/// How many requests reached `at` on `server`.
pub async fn requests_to(server: &MockServer, at: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|request| request.url.path() == at)
        .count()
}

pub async fn serve_json(server: &MockServer, at: &str, body: serde_json::Value) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

pub async fn redirect(server: &MockServer, from: &str, to: &str) {
    Mock::given(method("GET"))
        .and(path(from))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", to))
        .mount(server)
        .await;
}

/// A configuration that discovers the keys of `ks`'s issuer.
pub fn discovering(ks: &KeyServer) -> AuthConfigBuilder {
    AuthConfig::builder(ks.issuer(), AUDIENCE).retry_interval(Duration::ZERO)
}

/// `http://0.0.0.0:<port of ks><at>`: the same server, by a non-loopback address.
pub fn off_loopback(ks: &KeyServer, at: &str) -> String {
    let port = ks.server.address().port();
    format!("http://0.0.0.0:{port}{at}")
}

pub async fn status(client: &Client, token: &str) -> Status {
    get_with(client, "/private", token).await.status
}

// --- logs ------------------------------------------------------------------

pub static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub struct Capture;

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

pub fn capture_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        log::set_logger(&Capture).expect("the test's logger is the first");
        log::set_max_level(log::LevelFilter::Trace);
    });
}
