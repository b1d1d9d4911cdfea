//! [`TestIntrospection`]: an RFC 7662 endpoint on loopback for the tokens
//! it mints; [`ClientCert`]: client certificates for RFC 8705 binding.
#![allow(clippy::expect_used, clippy::panic)] // test helpers: a failure here is a broken test setup

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rocket::form::Form;
use rocket::http::{ContentType, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::State;
use serde_json::{json, Value};

use super::issuer::{launch_on_loopback, loopback_rocket};
use crate::certbound::thumbprint;

/// The client id [`TestIntrospection`] accepts.
pub const TEST_CLIENT_ID: &str = "test-api";
/// The client secret [`TestIntrospection`] accepts.
pub const TEST_CLIENT_SECRET: &str = "test-api-secret";

/// An introspection endpoint on `127.0.0.1` (a small Rocket server on a
/// free port) answering for the opaque tokens it minted: active ones with
/// the claims given, inactive ones, revoked ones, and ones bound to a
/// client certificate. Unknown tokens are inactive; wrong client
/// credentials get a 401. It stops when dropped.
#[derive(Debug)]
pub struct TestIntrospection {
    url: String,
    state: Arc<Endpoint>,
    shutdown: rocket::Shutdown,
    server: Option<super::issuer::Server>,
}

#[derive(Debug)]
struct Endpoint {
    answers: RwLock<HashMap<String, Value>>,
    calls: AtomicU64,
}

/// What the request's `Authorization: Basic` says, if anything.
struct Basic(Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Basic {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        let basic = request
            .headers()
            .get_one("Authorization")
            .and_then(|value| value.strip_prefix("Basic "))
            .map(str::to_owned);
        Outcome::Success(Basic(basic))
    }
}

#[rocket::post("/introspect", data = "<form>")]
fn introspect_route(
    endpoint: &State<Arc<Endpoint>>,
    basic: Basic,
    form: Form<HashMap<String, String>>,
) -> (Status, (ContentType, String)) {
    // The readiness probe's calls are not the tokens' calls.
    if form.get("token").map(String::as_str) != Some(crate::introspection::PROBE_TOKEN) {
        endpoint.calls.fetch_add(1, Ordering::Relaxed);
    }
    // RFC 6749 2.3.1: the id and secret are form-encoded inside Basic; the
    // test values need no encoding.
    let expected_basic = STANDARD.encode(format!("{TEST_CLIENT_ID}:{TEST_CLIENT_SECRET}"));
    let by_basic = basic.0.as_deref() == Some(expected_basic.as_str());
    let by_form = form.get("client_id").map(String::as_str) == Some(TEST_CLIENT_ID)
        && form.get("client_secret").map(String::as_str) == Some(TEST_CLIENT_SECRET);
    if !(by_basic || by_form) {
        let body = json!({ "error": "invalid_client" }).to_string();
        return (Status::Unauthorized, (ContentType::JSON, body));
    }
    let answer = form
        .get("token")
        .and_then(|token| {
            endpoint
                .answers
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .get(token)
                .cloned()
        })
        .unwrap_or_else(|| json!({ "active": false }));
    (Status::Ok, (ContentType::JSON, answer.to_string()))
}

impl TestIntrospection {
    /// Starts the endpoint.
    pub async fn start() -> Result<TestIntrospection, rocket::Error> {
        let state = Arc::new(Endpoint {
            answers: RwLock::new(HashMap::new()),
            calls: AtomicU64::new(0),
        });
        let rocket = loopback_rocket()
            .manage(state.clone())
            .mount("/", rocket::routes![introspect_route]);
        let (port, shutdown, server) = launch_on_loopback(rocket).await?;
        Ok(TestIntrospection {
            url: format!("http://127.0.0.1:{port}/introspect"),
            state,
            shutdown,
            server: Some(server),
        })
    }

    /// Stops the endpoint and waits until it has: afterwards nothing
    /// answers at its URL (an outage), where dropping it only asks it to
    /// stop.
    pub async fn stop(mut self) {
        self.shutdown.clone().notify();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// The endpoint's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Settings for an [`Introspector`](crate::introspection::Introspector)
    /// of this endpoint, with its client credentials; `issuers` and
    /// `audiences` to be filled in by the test.
    #[cfg(test)]
    pub(crate) fn settings(&self) -> crate::introspection::IntrospectionSettings {
        crate::introspection::IntrospectionSettings::new(
            self.url.clone(),
            TEST_CLIENT_ID,
            crate::config::ClientSecret::new(TEST_CLIENT_SECRET),
        )
    }

    /// How many introspection requests the endpoint answered, the readiness
    /// probe's (which introspect a token no server issued) left out.
    pub fn calls(&self) -> u64 {
        self.state.calls.load(Ordering::Relaxed)
    }

    /// Mints an opaque token that the endpoint calls active, with `claims`
    /// (an object: `sub`, `scope`, `iss`, `aud`, `exp`, ...) as its answer.
    pub fn active(&self, claims: Value) -> String {
        let mut answer = match claims {
            Value::Object(map) => map,
            other => panic!("claims must be a JSON object, not {other}"),
        };
        answer.insert("active".into(), true.into());
        self.answer(Value::Object(answer))
    }

    /// Mints an opaque token that the endpoint calls inactive.
    pub fn inactive(&self) -> String {
        self.answer(json!({ "active": false }))
    }

    /// Mints an active token bound to the certificate with thumbprint
    /// `x5t_s256` (`cnf: {"x5t#S256": ...}`).
    pub fn bound(&self, claims: Value, x5t_s256: &str) -> String {
        let mut claims = claims;
        if let Value::Object(map) = &mut claims {
            map.insert("cnf".into(), json!({ "x5t#S256": x5t_s256 }));
        }
        self.active(claims)
    }

    /// Revokes a token: the endpoint calls it inactive from now on.
    pub fn revoke(&self, token: &str) {
        self.set_answer(token, json!({ "active": false }));
    }

    /// Mints a token whose answer is exactly `answer` (any JSON, for bad
    /// answers: `active` as a string, `exp` as a string, ...).
    pub fn answer(&self, answer: Value) -> String {
        let mut bytes = [0u8; 24];
        aws_lc_rs::rand::fill(&mut bytes).expect("random bytes");
        let token = format!("opaque.{}", URL_SAFE_NO_PAD.encode(bytes));
        self.set_answer(&token, answer);
        token
    }

    /// Sets the answer for `token`.
    pub fn set_answer(&self, token: &str, answer: Value) {
        self.state
            .answers
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(token.to_owned(), answer);
    }
}

impl Drop for TestIntrospection {
    fn drop(&mut self) {
        self.shutdown.clone().notify();
    }
}

/// A client certificate (DER) for certificate-bound tokens: two fixed test
/// certificates made by `openssl req -x509` (`tests/fixtures/make.sh`), so
/// that their thumbprints are not computed only by this crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    der: &'static [u8],
}

impl ClientCert {
    /// The test client certificate (`CN=client`).
    pub fn client() -> ClientCert {
        ClientCert {
            der: include_bytes!("../../../tests/fixtures/client-cert.der"),
        }
    }

    /// Another certificate (`CN=other`), for a mismatch.
    pub fn other() -> ClientCert {
        ClientCert {
            der: include_bytes!("../../../tests/fixtures/other-client-cert.der"),
        }
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        self.der
    }

    /// Its RFC 8705 thumbprint: the `cnf["x5t#S256"]` of tokens bound to it.
    pub fn thumbprint(&self) -> String {
        thumbprint(self.der)
    }

    /// The `cnf` claim of a token bound to it.
    pub fn cnf(&self) -> Value {
        json!({ "x5t#S256": self.thumbprint() })
    }

    /// Its RFC 9440 `Client-Cert` header value, `:<base64 DER>:`.
    pub fn header_value(&self) -> String {
        format!(":{}:", STANDARD.encode(self.der))
    }
}
