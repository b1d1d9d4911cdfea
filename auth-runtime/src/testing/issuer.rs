//! [`TestIssuer`]: a development issuer on loopback, served by Rocket.
#![allow(clippy::expect_used, clippy::panic)] // test helpers: a failure here is a broken test setup

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use rocket::fairing::AdHoc;
use rocket::http::ContentType;
use rocket::State;
use serde_json::json;

use super::{key_set, SigningKey, TokenBuilder};
use crate::config::{AuthConfig, AuthConfigBuilder};

/// A development issuer on `127.0.0.1`: a fresh RS256 key whose key set is
/// served at `/.well-known/jwks.json` (and announced by
/// `/.well-known/openid-configuration`) by a small Rocket server on a free
/// port. It stops when dropped.
#[derive(Debug)]
pub struct TestIssuer {
    url: String,
    audience: String,
    /// The key that signs new tokens.
    key: RwLock<Arc<SigningKey>>,
    docs: Arc<IssuerDocs>,
    shutdown: rocket::Shutdown,
}

#[derive(Debug)]
struct IssuerDocs {
    jwks: RwLock<String>,
    url: std::sync::OnceLock<String>,
    fetches: AtomicU64,
    rotations: AtomicU64,
}

#[rocket::get("/.well-known/jwks.json")]
fn jwks_route(docs: &State<Arc<IssuerDocs>>) -> (ContentType, String) {
    docs.fetches.fetch_add(1, Ordering::Relaxed);
    let jwks = docs
        .jwks
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    (ContentType::JSON, jwks)
}

#[rocket::get("/.well-known/openid-configuration")]
fn discovery_route(docs: &State<Arc<IssuerDocs>>) -> (ContentType, String) {
    let url = docs.url.get().map_or("", String::as_str);
    let document = json!({ "issuer": url, "jwks_uri": format!("{url}.well-known/jwks.json") });
    (ContentType::JSON, document.to_string())
}

/// A Rocket to mount test routes on: on `127.0.0.1`, on a free port (0),
/// silent, and stopped by its owner rather than by Ctrl-C or signals.
pub(crate) fn loopback_rocket() -> rocket::Rocket<rocket::Build> {
    rocket::custom(rocket::Config {
        address: Ipv4Addr::LOCALHOST.into(),
        port: 0,
        log_level: rocket::config::LogLevel::Off,
        shutdown: rocket::config::Shutdown {
            ctrlc: false,
            #[cfg(unix)]
            signals: Default::default(),
            // A stopped test server stops at once: a connection a client
            // keeps alive is not served on through a grace period.
            grace: 0,
            mercy: 0,
            ..Default::default()
        },
        ..rocket::Config::default()
    })
}

/// Launches `rocket` in the background and returns the port it bound (the
/// one its configuration names, or the free port the system chose for port
/// 0) and the handle that stops it: for tests that need real HTTP.
/// A loopback server's task: it ends once the server has shut down.
pub(crate) type Server =
    tokio::task::JoinHandle<Result<rocket::Rocket<rocket::Ignite>, rocket::Error>>;

pub(crate) async fn launch_on_loopback(
    rocket: rocket::Rocket<rocket::Build>,
) -> Result<(u16, rocket::Shutdown, Server), rocket::Error> {
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
        Ok(port) => Ok((port, shutdown, server)),
        // Launch ended before liftoff: report its error.
        Err(_) => match server.await {
            Ok(Err(error)) => Err(error),
            _ => panic!("the server stopped before it started"),
        },
    }
}

impl TestIssuer {
    /// Starts an issuer with a fresh RSA key, for tokens whose `aud` is `audience`.
    pub async fn start(audience: &str) -> Result<TestIssuer, rocket::Error> {
        let key = tokio::task::spawn_blocking(|| SigningKey::generate_rsa("dev-key-1"))
            .await
            .expect("key generation task");
        TestIssuer::start_with_key(key, audience).await
    }

    /// Starts an issuer that signs with `key`.
    pub async fn start_with_key(
        key: SigningKey,
        audience: &str,
    ) -> Result<TestIssuer, rocket::Error> {
        let docs = Arc::new(IssuerDocs {
            jwks: RwLock::new(key_set([&key]).to_string()),
            url: Default::default(),
            fetches: AtomicU64::new(0),
            rotations: AtomicU64::new(0),
        });
        let rocket = loopback_rocket()
            .manage(docs.clone())
            .mount("/", rocket::routes![jwks_route, discovery_route]);
        let (port, shutdown, _server) = launch_on_loopback(rocket).await?;
        // Discovery is asked for only once the caller knows the URL, i.e. after this.
        let _ = docs.url.set(format!("http://127.0.0.1:{port}/"));
        let url = format!("http://127.0.0.1:{port}/");
        let issuer = TestIssuer {
            url,
            audience: audience.to_owned(),
            key: RwLock::new(Arc::new(key)),
            docs,
            shutdown,
        };
        Ok(issuer)
    }

    /// The issuer URL, exactly as in the tokens' `iss`.
    pub fn issuer(&self) -> &str {
        &self.url
    }

    /// The key set's URL.
    pub fn jwks_uri(&self) -> String {
        format!("{}.well-known/jwks.json", self.url)
    }

    /// The audience of its tokens.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The key that signs new tokens.
    pub fn key(&self) -> Arc<SigningKey> {
        self.key
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Rotates keys as an issuer does: a fresh key is published beside the
    /// current one, and signs every token built from now on. The key before
    /// the current one is retired (no longer published).
    pub async fn rotate(&self) -> Arc<SigningKey> {
        let number = self.docs.rotations.fetch_add(1, Ordering::Relaxed) + 2;
        let fresh = tokio::task::spawn_blocking(move || {
            SigningKey::generate_rsa(format!("dev-key-{number}"))
        })
        .await
        .expect("key generation task");
        let fresh = Arc::new(fresh);
        let previous = self.key();
        *self
            .docs
            .jwks
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
            key_set([&*fresh, &*previous]).to_string();
        *self
            .key
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = fresh.clone();
        fresh
    }

    /// A configuration accepting this issuer's tokens; its key set is found
    /// by OpenID discovery, as with a real issuer.
    pub fn config(&self) -> AuthConfigBuilder {
        AuthConfig::builder(self.url.clone(), self.audience.clone())
    }

    /// A token builder with this issuer's `iss`, `aud`, key and `sub` `test-user`.
    pub fn token(&self) -> TokenBuilder {
        TokenBuilder::new(self.key())
            .issuer(&self.url)
            .audience(&self.audience)
            .sub("test-user")
    }

    /// How many times the key set was served.
    pub fn jwks_fetches(&self) -> u64 {
        self.docs.fetches.load(Ordering::Relaxed)
    }
}

impl Drop for TestIssuer {
    fn drop(&mut self) {
        self.shutdown.clone().notify();
    }
}
