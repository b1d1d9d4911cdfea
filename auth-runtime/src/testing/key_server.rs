//! [`KeySetServer`]: a key-set server on loopback whose fetches are counted,
//! for tests of the key-set cache (the crate's unit tests and the
//! integration tests share it).
#![allow(clippy::expect_used, clippy::panic)] // test helpers: a failure here is a broken test setup

use std::time::{Duration, Instant};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{key_set, SigningKey};
use crate::config::{AuthConfig, AuthConfigBuilder};

/// The path [`KeySetServer`] serves its key set at.
pub const JWKS_PATH: &str = "/jwks.json";

/// How long [`KeySetServer::await_fetches`] waits before it fails the test:
/// generous, so that a loaded machine is slow rather than wrong.
const FETCH_DEADLINE: Duration = Duration::from_secs(10);

/// A key-set server on `127.0.0.1` (a [`wiremock`] server on a free port)
/// that answers [`JWKS_PATH`] as told and counts the requests it gets: a
/// test changes what the issuer answers (keys, a failure, a slow answer)
/// and waits for the fetch it expects, rather than for a fixed time.
///
/// ```
/// use auth_runtime::testing::{KeySetServer, SigningKey};
///
/// # async fn demo() {
/// let key = SigningKey::generate_ec("k1");
/// let server = KeySetServer::start(&[&key]).await;
/// assert!(server.config("https://my/api").build().is_ok());
/// assert_eq!(server.fetches().await, 0, "nothing fetched yet");
/// # }
/// # rocket::async_test(demo());
/// ```
#[derive(Debug)]
pub struct KeySetServer {
    server: MockServer,
}

impl KeySetServer {
    /// Serves `keys` at [`JWKS_PATH`].
    pub async fn start(keys: &[&SigningKey]) -> KeySetServer {
        let server = KeySetServer::empty().await;
        server.serve_keys(keys).await;
        server
    }

    /// Serves nothing yet: every path answers 404.
    pub async fn empty() -> KeySetServer {
        KeySetServer {
            server: MockServer::start().await,
        }
    }

    /// From now on [`JWKS_PATH`] answers `answer`, and nothing else is
    /// served; the count of requests starts again from zero.
    pub async fn respond(&self, answer: ResponseTemplate) {
        self.server.reset().await;
        Mock::given(method("GET"))
            .and(path(JWKS_PATH))
            .respond_with(answer)
            .mount(&self.server)
            .await;
    }

    /// [`respond`](Self::respond)s with a key set of `keys`.
    pub async fn serve_keys(&self, keys: &[&SigningKey]) {
        self.respond(key_set_answer(keys)).await;
    }

    /// [`respond`](Self::respond)s with a key set of `keys`, each answer
    /// `delay` late: a slow issuer, or with a long delay a hanging one.
    pub async fn serve_keys_after(&self, keys: &[&SigningKey], delay: Duration) {
        self.respond(key_set_answer(keys).set_delay(delay)).await;
    }

    /// [`respond`](Self::respond)s with an empty answer of status `status`
    /// (an issuer that fails).
    pub async fn fail_with(&self, status: u16) {
        self.respond(ResponseTemplate::new(status)).await;
    }

    /// The server itself, to serve other paths (discovery documents,
    /// redirects) or to read every request it got.
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// The issuer URL: the server's root, with a trailing slash.
    pub fn issuer(&self) -> String {
        format!("{}/", self.server.uri())
    }

    /// The key set's URL.
    pub fn jwks_uri(&self) -> String {
        format!("{}{JWKS_PATH}", self.server.uri())
    }

    /// How many requests reached [`JWKS_PATH`] since the last
    /// [`respond`](Self::respond) (or since the start).
    pub async fn fetches(&self) -> usize {
        let requests = self.server.received_requests().await;
        requests
            .unwrap_or_default()
            .iter()
            .filter(|request| request.url.path() == JWKS_PATH)
            .count()
    }

    /// Waits until [`JWKS_PATH`] has seen at least `count` requests (a
    /// refresh runs in the background: the request that started it may be
    /// answered before the fetch reaches the server); fails the test after
    /// 10 s.
    pub async fn await_fetches(&self, count: usize) {
        let started = Instant::now();
        while self.fetches().await < count {
            assert!(
                started.elapsed() < FETCH_DEADLINE,
                "the key server never saw {count} fetches (it saw {})",
                self.fetches().await
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// A configuration for tokens of [`issuer`](Self::issuer) for
    /// `audience`, with this key set's URL and no retry delay after a
    /// failure (tests step through failures quickly).
    pub fn config(&self, audience: &str) -> AuthConfigBuilder {
        AuthConfig::builder(self.issuer(), audience)
            .jwks_uri(self.jwks_uri())
            .retry_interval(Duration::ZERO)
    }
}

/// A `200` answer carrying a key set of `keys`.
fn key_set_answer(keys: &[&SigningKey]) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(key_set(keys.iter().copied()))
}
