//! Test helpers (cargo feature `testing`): signing keys, a token builder and
//! a loopback issuer, so that protected routes can be exercised with no
//! account anywhere and no network beyond `127.0.0.1`.
//!
//! ```
//! # #[macro_use] extern crate rocket;
//! use auth_runtime::{testing::TestIssuer, Auth, Claims};
//! use rocket::http::{Header, Status};
//! use rocket::local::asynchronous::Client;
//!
//! #[get("/me")]
//! fn me(user: Claims) -> String {
//!     user.sub().unwrap_or_default().to_owned()
//! }
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let issuer = TestIssuer::start("https://my/api").await?;
//! let rocket = rocket::build()
//!     .attach(Auth::new(issuer.config().build()?))
//!     .mount("/", routes![me]);
//! let client = Client::tracked(rocket).await?;
//!
//! let token = issuer.token().sub("alice").scope("read:messages").build();
//! let response = client
//!     .get("/me")
//!     .header(Header::new("Authorization", format!("Bearer {token}")))
//!     .dispatch()
//!     .await;
//! assert_eq!(response.status(), Status::Ok);
//! assert_eq!(response.into_string().await.as_deref(), Some("alice"));
//! # Ok(()) }
//! # rocket::async_test(demo()).unwrap();
//! ```
#![allow(clippy::expect_used, clippy::panic)] // test helpers: a failure here is a broken test setup

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use base64::Engine;
use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rocket::fairing::AdHoc;
use rocket::http::ContentType;
use rocket::State;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::config::{AuthConfig, AuthConfigBuilder};

/// A private key that signs test tokens, with its public JWK.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    alg: Algorithm,
    encoding: EncodingKey,
    public_jwk: Value,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish()
    }
}

impl SigningKey {
    /// A fresh RSA-2048 key for RS256.
    pub fn generate_rsa(kid: impl Into<String>) -> SigningKey {
        use aws_lc_rs::encoding::AsDer;
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .expect("RSA key generation");
        let der = pair.as_der().expect("RSA key as PKCS#8");
        let pem = pem_wrap("PRIVATE KEY", der.as_ref());
        SigningKey::from_pem(kid, Algorithm::RS256, pem.as_bytes()).expect("generated RSA key")
    }

    /// A fresh P-256 key for ES256.
    pub fn generate_ec(kid: impl Into<String>) -> SigningKey {
        let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        )
        .expect("EC key generation");
        let der = pair.to_pkcs8v1().expect("EC key as PKCS#8");
        SigningKey::from_encoding_key(
            kid,
            Algorithm::ES256,
            EncodingKey::from_ec_der(der.as_ref()),
        )
        .expect("generated EC key")
    }

    /// A key from a PEM private key (PKCS#1 or PKCS#8 for RSA, PKCS#8 for EC
    /// and Ed25519), signing with `alg`.
    pub fn from_pem(
        kid: impl Into<String>,
        alg: Algorithm,
        pem: &[u8],
    ) -> Result<SigningKey, jsonwebtoken::errors::Error> {
        let encoding = match alg {
            Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(pem)?,
            Algorithm::EdDSA => EncodingKey::from_ed_pem(pem)?,
            _ => EncodingKey::from_rsa_pem(pem)?,
        };
        SigningKey::from_encoding_key(kid, alg, encoding)
    }

    /// An HMAC key (HS256/384/512) from a shared secret. Its "public" JWK
    /// is an `oct` key holding the secret itself: publish it only to test
    /// that such keys are refused.
    pub fn from_secret(
        kid: impl Into<String>,
        alg: Algorithm,
        secret: &[u8],
    ) -> Result<SigningKey, jsonwebtoken::errors::Error> {
        SigningKey::from_encoding_key(kid, alg, EncodingKey::from_secret(secret))
    }

    fn from_encoding_key(
        kid: impl Into<String>,
        alg: Algorithm,
        encoding: EncodingKey,
    ) -> Result<SigningKey, jsonwebtoken::errors::Error> {
        let kid = kid.into();
        let mut jwk = Jwk::from_encoding_key(&encoding, alg)?;
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        let public_jwk = serde_json::to_value(&jwk)?;
        Ok(SigningKey {
            kid,
            alg,
            encoding,
            public_jwk,
        })
    }

    /// The key id, sent as the tokens' `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm it signs with.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The public half as a JWK (with `kid`, `alg` and `use: sig`).
    pub fn public_jwk(&self) -> &Value {
        &self.public_jwk
    }

    /// Signs arbitrary header and payload JSON texts, byte for byte (for
    /// tokens no serializer would write, such as repeated members).
    pub fn sign_raw(
        &self,
        header_json: &str,
        payload_json: &str,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let message = format!("{}.{}", b64.encode(header_json), b64.encode(payload_json));
        let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &self.encoding, self.alg)?;
        Ok(format!("{message}.{signature}"))
    }

    /// Signs `claims` with this key under `header` (whose `alg` must be this key's).
    pub fn sign(
        &self,
        header: &Header,
        claims: &impl Serialize,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(header, claims, &self.encoding)
    }
}

/// A key set document, `{"keys": [...]}`, holding the public halves of `keys`.
pub fn key_set<'a>(keys: impl IntoIterator<Item = &'a SigningKey>) -> Value {
    json!({ "keys": keys.into_iter().map(|k| k.public_jwk.clone()).collect::<Vec<_>>() })
}

fn pem_wrap(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// Builds and signs a test token. Starts with `iat` now and `exp` in an hour.
#[derive(Debug, Clone)]
#[must_use = "call .build() to get the token"]
pub struct TokenBuilder {
    key: Arc<SigningKey>,
    header: Header,
    claims: Map<String, Value>,
}

impl TokenBuilder {
    /// A builder signing with `key`, its `kid` in the header.
    pub fn new(key: Arc<SigningKey>) -> TokenBuilder {
        let mut header = Header::new(key.alg);
        header.kid = Some(key.kid.clone());
        let now = jsonwebtoken::get_current_timestamp();
        let mut claims = Map::new();
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), (now + 3600).into());
        TokenBuilder {
            key,
            header,
            claims,
        }
    }

    /// Sets `iss`.
    pub fn issuer(self, issuer: &str) -> Self {
        self.claim("iss", issuer)
    }

    /// Sets `aud`.
    pub fn audience(self, audience: &str) -> Self {
        self.claim("aud", audience)
    }

    /// Sets `sub`.
    #[allow(clippy::should_implement_trait)] // named after the claim
    pub fn sub(self, sub: &str) -> Self {
        self.claim("sub", sub)
    }

    /// Sets `scope`, a space-separated list.
    pub fn scope(self, scope: &str) -> Self {
        self.claim("scope", scope)
    }

    /// Sets Auth0's RBAC `permissions` array.
    pub fn permissions<'a>(self, permissions: impl IntoIterator<Item = &'a str>) -> Self {
        self.claim("permissions", permissions.into_iter().collect::<Vec<_>>())
    }

    /// Sets `exp` to now plus `seconds`; negative for an expired token.
    pub fn expires_in(self, seconds: i64) -> Self {
        let now = jsonwebtoken::get_current_timestamp() as i64;
        self.claim("exp", now.saturating_add(seconds))
    }

    /// Sets any claim.
    pub fn claim(mut self, name: &str, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).expect("claim value serializes to JSON");
        self.claims.insert(name.to_owned(), value);
        self
    }

    /// Removes a claim (e.g. `exp`, to test that it is required).
    pub fn without(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }

    /// Changes the header's `kid` (`None` removes it).
    pub fn kid(mut self, kid: Option<&str>) -> Self {
        self.header.kid = kid.map(str::to_owned);
        self
    }

    /// The token, signed.
    ///
    /// # Panics
    /// If signing fails, which a key made by [`SigningKey`] does not.
    pub fn build(&self) -> String {
        self.key
            .sign(&self.header, &self.claims)
            .expect("signing a test token")
    }
}

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

/// Launches `rocket` in the background and returns the port it bound (the
/// one its configuration names, or the free port the system chose for port
/// 0) and the handle that stops it: for tests that need real HTTP.
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
        let config = rocket::Config {
            address: Ipv4Addr::LOCALHOST.into(),
            port: 0,
            log_level: rocket::config::LogLevel::Off,
            shutdown: rocket::config::Shutdown {
                ctrlc: false,
                #[cfg(unix)]
                signals: Default::default(),
                ..Default::default()
            },
            ..rocket::Config::default()
        };
        let docs = Arc::new(IssuerDocs {
            jwks: RwLock::new(key_set([&key]).to_string()),
            url: Default::default(),
            fetches: AtomicU64::new(0),
            rotations: AtomicU64::new(0),
        });
        let rocket = rocket::custom(config)
            .manage(docs.clone())
            .mount("/", rocket::routes![jwks_route, discovery_route]);
        let (port, shutdown) = launch_on_loopback(rocket).await?;
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
