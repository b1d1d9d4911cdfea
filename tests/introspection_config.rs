//! Introspection as configured: the endpoint from the issuer's metadata
//! (`AUTH_INTROSPECTION=on`), and JWTs introspected after their local
//! checks (`AUTH_INTROSPECT_JWTS=on`, fail closed).

use auth_runtime::testing::{TestIntrospection, TEST_CLIENT_ID, TEST_CLIENT_SECRET};
use auth_runtime::Auth;
use auth_tests::*;
use rocket::http::Status;
use serde_json::{json, Value};

const METADATA: &str = "/.well-known/oauth-authorization-server";

async fn endpoint() -> TestIntrospection {
    capture_logs();
    TestIntrospection::start().await.unwrap()
}

fn active_for(ks: &KeyServer) -> Value {
    let exp = jsonwebtoken::get_current_timestamp() + 3600;
    json!({ "active": true, "sub": "alice", "iss": ks.issuer(), "exp": exp })
}

fn assert_code(answer: &Answer, status: Status, code: &str, context: &str) {
    assert_eq!(answer.status, status, "{context}: {answer:?}");
    assert_eq!(answer.json()["code"], code, "{context}: {answer:?}");
}

#[rocket::async_test]
async fn the_endpoint_is_taken_from_the_issuers_metadata_at_ignition() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let endpoint = endpoint().await;
    let mut document = ks.discovery(&ks.jwks_uri());
    document["introspection_endpoint"] = endpoint.url().into();
    ks.serve_json(METADATA, document).await;
    let config = ks
        .config()
        .introspection_from_metadata(true)
        .introspection_client(TEST_CLIENT_ID, TEST_CLIENT_SECRET);
    let app = TestApp::library(config).await;

    let opaque = endpoint.answer(active_for(&ks));
    let answer = app.call_with(Route::Private, &opaque).await;
    assert_eq!(answer.status, Status::Ok, "{answer:?}");
    assert_eq!(endpoint.calls(), 1, "the discovered endpoint was asked");
    let found = log_lines("introspection endpoint of");
    assert!(
        found.iter().any(|line| line.contains(endpoint.url())),
        "the start-up log names the endpoint: {found:?}"
    );
}

#[rocket::async_test]
async fn metadata_without_a_usable_endpoint_stops_ignition_saying_why() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let no_endpoint = ks.discovery(&ks.jwks_uri());
    let mut plain_http = no_endpoint.clone();
    plain_http["introspection_endpoint"] = ks.off_loopback("/introspect").into();
    let mut other_issuer = no_endpoint.clone();
    other_issuer["issuer"] = "https://other.example/".into();
    other_issuer["introspection_endpoint"] = "https://other.example/introspect".into();
    for (case, document) in [
        ("no introspection_endpoint", no_endpoint),
        ("an http endpoint off loopback", plain_http),
        ("a document of another issuer", other_issuer),
    ] {
        ks.serve_json(METADATA, document).await;
        let config = ks
            .config()
            .introspection_from_metadata(true)
            .introspection_client(TEST_CLIENT_ID, TEST_CLIENT_SECRET)
            .build()
            .unwrap();
        assert_a_fairing_fails(AppKind::Library.rocket(Auth::new(config)), case).await;
        ks.server.reset().await;
    }
    let refused = log_lines("names no usable introspection_endpoint");
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(
        refused
            .iter()
            .all(|line| line.contains("AUTH_INTROSPECTION_URL")),
        "the message says what to set instead: {refused:?}"
    );
}

#[rocket::async_test]
async fn jwts_are_introspected_after_their_local_checks_when_asked() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let endpoint = endpoint().await;
    let config = ks
        .config()
        .introspection_url(endpoint.url())
        .introspection_client(TEST_CLIENT_ID, TEST_CLIENT_SECRET)
        .introspect_jwts(true);
    let app = TestApp::library(config).await;

    let known = ks.token(&RSA_A).scope("read:messages").build();
    endpoint.set_answer(&known, active_for(&ks));
    let answer = app.call_with(Route::Scoped, &known).await;
    assert_eq!(answer.status, Status::Ok, "an active JWT: {answer:?}");
    assert_eq!(
        answer.json()["sub"],
        "user-1",
        "the JWT's own claims, not the answer's"
    );

    let revoked = ks.token(&RSA_A).build();
    endpoint.revoke(&revoked);
    let answer = app.call_with(Route::Private, &revoked).await;
    assert_code(&answer, Status::Unauthorized, "invalid_token", "revoked");
    let unknown = ks.token(&RSA_A).sub("bob").build();
    let answer = app.call_with(Route::Private, &unknown).await;
    assert_code(&answer, Status::Unauthorized, "invalid_token", "unknown");
    assert_eq!(endpoint.calls(), 3);

    // The local checks come first: an expired JWT is refused without a call.
    let expired = ks.token(&RSA_A).expires_in(-3600).build();
    endpoint.set_answer(&expired, active_for(&ks));
    let answer = app.call_with(Route::Private, &expired).await;
    assert_code(&answer, Status::Unauthorized, "token_expired", "expired");
    assert_eq!(endpoint.calls(), 3, "no call for a locally refused JWT");

    // Fail closed: the endpoint down is a 503 for a JWT too.
    drop(endpoint);
    let fresh = ks.token(&RSA_A).sub("carol").build();
    let answer = app.call_with(Route::Private, &fresh).await;
    assert_code(
        &answer,
        Status::ServiceUnavailable,
        "introspection_unavailable",
        "endpoint down",
    );
}

#[rocket::async_test]
async fn introspecting_jwts_without_an_endpoint_stops_ignition() {
    capture_logs();
    let ks = KeyServer::start(&[&RSA_A]).await;
    let config = ks.config().introspect_jwts(true).build().unwrap();
    assert_a_fairing_fails(
        AppKind::Library.rocket(Auth::new(config)),
        "introspect_jwts without an endpoint",
    )
    .await;
    assert!(!log_lines("introspect_jwts (AUTH_INTROSPECT_JWTS)").is_empty());
}
