//! The introspector and certificate binding against the `testing`
//! feature's loopback RFC 7662 endpoint: opaque tokens, and RFC 8705
//! binding with the RFC 9440 header. (Wiring into the request path is in
//! `tests/introspection.rs`; a certificate-bound JWT in the validator's
//! tests.)

use std::time::Duration;

use crate::certbound::{check_binding, CertBindingError};
use crate::config::ClientAuth;
use crate::introspection::{IntrospectionError, IntrospectionSettings, Introspector};
use crate::testing::{ClientCert, ManualClock, TestIntrospection};
use serde_json::json;

const AUDIENCE: &str = "https://my/api";
const ISSUER: &str = "https://issuer.example/";

fn claims() -> serde_json::Value {
    let exp = jsonwebtoken::get_current_timestamp() + 3600;
    json!({ "sub": "alice", "scope": "read:messages write:messages", "iss": ISSUER, "aud": AUDIENCE, "exp": exp })
}

/// An introspector of `endpoint` for [`ISSUER`] and [`AUDIENCE`], caching
/// answers for 300 ms.
fn introspector(endpoint: &TestIntrospection) -> Introspector {
    introspector_with(endpoint, |_| {})
}

/// [`introspector`] with its settings as `change` leaves them.
fn introspector_with(
    endpoint: &TestIntrospection,
    change: impl FnOnce(&mut IntrospectionSettings),
) -> Introspector {
    let mut settings = endpoint.settings();
    settings.issuers = vec![ISSUER.to_owned()];
    settings.audiences = vec![AUDIENCE.to_owned()];
    settings.max_active_ttl = Duration::from_millis(300);
    settings.inactive_ttl = Duration::from_millis(300);
    change(&mut settings);
    Introspector::new(settings).expect("a loopback endpoint is allowed")
}

#[tokio::test]
async fn an_opaque_token_gives_its_claims_and_scopes() {
    let endpoint = TestIntrospection::start().await.unwrap();
    let token = endpoint.active(claims());
    let user = introspector(&endpoint).introspect(&token).await.unwrap();
    assert_eq!(user.sub(), Some("alice"));
    let scopes: Vec<&str> = user.scopes().collect();
    assert!(scopes.contains(&"write:messages"), "{scopes:?}");
}

#[tokio::test]
async fn a_revoked_token_is_refused_once_its_cached_answer_expires() {
    let endpoint = TestIntrospection::start().await.unwrap();
    let token = endpoint.active(claims());
    let clock = ManualClock::new();
    let introspector = introspector_with(&endpoint, |s| s.clock = clock.clock());
    introspector.introspect(&token).await.unwrap();
    endpoint.revoke(&token);
    introspector.introspect(&token).await.unwrap();
    assert_eq!(endpoint.calls(), 1, "served from the cache");
    clock.advance(Duration::from_millis(300)); // the cache's 300 ms
    let error = introspector.introspect(&token).await.unwrap_err();
    assert_eq!(error, IntrospectionError::Inactive);
    assert_eq!((error.status(), error.code()), (401, "invalid_token"));
    assert_eq!(endpoint.calls(), 2);
}

#[tokio::test]
async fn bad_answers_get_the_contracts_codes() {
    let endpoint = TestIntrospection::start().await.unwrap();
    let introspector = introspector(&endpoint);
    let cases = [
        (json!({ "active": "true" }), 401, "invalid_token"),
        (
            json!({ "active": true, "exp": "soon" }),
            401,
            "invalid_token",
        ),
        (
            json!({ "active": true, "aud": "https://other/api" }),
            401,
            "invalid_claims",
        ),
        (
            json!({ "active": true, "iss": "https://evil.example/" }),
            401,
            "invalid_claims",
        ),
        (
            json!({ "active": true, "exp": 1_000_000_000 }),
            401,
            "token_expired",
        ),
        (json!({ "active": false }), 401, "invalid_token"),
    ];
    for (answer, status, code) in cases {
        let token = endpoint.answer(answer.clone());
        let error = introspector.introspect(&token).await.unwrap_err();
        assert_eq!((error.status(), error.code()), (status, code), "{answer}");
        assert!(!error.description().contains(&token));
    }
}

#[tokio::test]
async fn wrong_client_credentials_are_503_introspection_unavailable() {
    let endpoint = TestIntrospection::start().await.unwrap();
    let token = endpoint.active(claims());
    let introspector = introspector_with(&endpoint, |settings| {
        settings.client_id = "someone-else".into();
        settings.client_auth = ClientAuth::Form;
    });
    let error = introspector.introspect(&token).await.unwrap_err();
    assert_eq!(
        (error.status(), error.code()),
        (503, "introspection_unavailable")
    );
}

#[tokio::test]
async fn an_introspected_token_bound_to_a_certificate_needs_that_certificate() {
    let endpoint = TestIntrospection::start().await.unwrap();
    let cert = ClientCert::client();
    let token = endpoint.bound(claims(), &cert.thumbprint());
    let user = introspector(&endpoint).introspect(&token).await.unwrap();
    let cnf = user.get("cnf");
    let right = cert.header_value();
    let wrong = ClientCert::other().header_value();
    assert_eq!(check_binding(cnf, [right.as_str()]), Ok(()));
    assert_eq!(
        check_binding(cnf, [wrong.as_str()]),
        Err(CertBindingError::Mismatch)
    );
    assert_eq!(check_binding(cnf, []), Err(CertBindingError::Missing));
    assert_eq!(
        check_binding(cnf, [":bm90IGEgY2VydA==:"]),
        Err(CertBindingError::Unparsable)
    );
    assert_eq!(
        check_binding(cnf, [right.as_str(), right.as_str()]),
        Err(CertBindingError::Unparsable)
    );
}
