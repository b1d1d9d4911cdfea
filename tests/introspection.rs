//! Opaque tokens through HTTP (RFC 7662): the contract's introspection rows,
//! with the `testing` feature's loopback endpoint; the endpoint from the
//! issuer's metadata (`AUTH_INTROSPECTION=on`), and JWTs introspected after
//! their local checks (`AUTH_INTROSPECT_JWTS=on`, fail closed).

use auth_runtime::config::AuthConfigBuilder;
use auth_runtime::testing::{ClientCert, TestIntrospection, TEST_CLIENT_ID, TEST_CLIENT_SECRET};
use auth_runtime::validator::IssuerRouter;
use auth_runtime::{Auth, AuthConfig};
use auth_tests::*;
use rocket::http::{Header, Status};
use serde_json::{json, Value};

/// The endpoint, started after the support library's logger is installed
/// (Rocket would install its own first).
async fn endpoint() -> TestIntrospection {
    capture_logs();
    TestIntrospection::start().await.unwrap()
}

/// A key server, the introspection endpoint, and the library's app that
/// introspects opaque tokens there (and reads `Client-Cert`).
struct Introspecting {
    ks: KeyServer,
    endpoint: TestIntrospection,
    app: TestApp,
}

/// `config` with `endpoint` and the API's credentials there.
fn introspecting(config: AuthConfigBuilder, endpoint: &TestIntrospection) -> AuthConfigBuilder {
    config
        .introspection_url(endpoint.url())
        .client_id(TEST_CLIENT_ID)
        .client_secret(TEST_CLIENT_SECRET)
}

impl Introspecting {
    async fn start() -> Introspecting {
        Introspecting::with(|config| config.client_cert_header("Client-Cert")).await
    }

    /// With the endpoint and the credentials, and what `change` adds.
    async fn with(change: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder) -> Introspecting {
        let ks = KeyServer::start(&[&RSA_A]).await;
        let endpoint = endpoint().await;
        let app = TestApp::library(change(introspecting(ks.config(), &endpoint))).await;
        Introspecting { ks, endpoint, app }
    }

    /// An opaque token the endpoint says is active, with `scope`.
    fn active(&self, scope: &str) -> String {
        self.endpoint.active(claims(&self.ks, scope))
    }
}

fn claims(ks: &KeyServer, scope: &str) -> Value {
    let exp = jsonwebtoken::get_current_timestamp() + 3600;
    json!({ "sub": "opaque-alice", "scope": scope, "iss": ks.issuer(), "aud": AUDIENCE, "exp": exp })
}

fn assert_code(answer: &Answer, status: Status, code: &str, context: &str) {
    assert_eq!(answer.status, status, "{context}: {answer:?}");
    assert_eq!(answer.json()["code"], code, "{context}: {answer:?}");
}

#[rocket::async_test]
async fn an_active_opaque_token_is_accepted_and_its_scope_counts() {
    let s = Introspecting::start().await;
    let reader = s.active("read:messages");
    let answer = s.app.call_with(Route::Private, &reader).await;
    assert_eq!(answer.status, Status::Ok, "{answer:?}");
    let answer = s.app.call_with(Route::Scoped, &reader).await;
    assert_eq!(answer.status, Status::Ok, "{answer:?}");
    let answer = s.app.call_with(Route::Scoped, &s.active("other")).await;
    assert_code(&answer, Status::Forbidden, "Unauthorized", "scope absent");
    // Cached: the second call with the reader's token asked nobody.
    assert_eq!(s.endpoint.calls(), 2);
}

#[rocket::async_test]
async fn inactive_unusable_and_wrong_answers_get_their_rows() {
    let Introspecting { endpoint, app, .. } = Introspecting::start().await;
    let cases = [
        (endpoint.inactive(), Status::Unauthorized, "invalid_token"),
        (
            endpoint.answer(json!({ "active": "true" })),
            Status::Unauthorized,
            "invalid_token",
        ),
        (
            endpoint.answer(json!({ "active": true, "exp": "soon" })),
            Status::Unauthorized,
            "invalid_token",
        ),
        (
            endpoint.answer(json!({ "active": true, "aud": "https://other/api" })),
            Status::Unauthorized,
            "invalid_claims",
        ),
        (
            endpoint.answer(json!({ "active": true, "exp": 1_000_000_000 })),
            Status::Unauthorized,
            "token_expired",
        ),
        (
            "never-minted".to_owned(),
            Status::Unauthorized,
            "invalid_token",
        ),
    ];
    for (token, status, code) in cases {
        let answer = app.call_with(Route::Scoped, &token).await;
        assert_code(&answer, status, code, &token);
        let challenge = answer.www_authenticate.clone().unwrap_or_default();
        assert!(challenge.contains("error="), "{token}: {challenge}");
        assert!(!answer.body.contains(&token), "the token is never echoed");
    }
}

#[rocket::async_test]
async fn an_unreachable_endpoint_is_503_introspection_unavailable_with_retry_after() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let config = ks
        .config()
        .introspection_url(format!("http://127.0.0.1:{port}/introspect"))
        .client_id("id")
        .client_secret("secret");
    let app = TestApp::library(config).await;
    let answer = app.call_with(Route::Private, "opaque-token").await;
    assert_code(
        &answer,
        Status::ServiceUnavailable,
        "introspection_unavailable",
        "down",
    );
    assert!(answer.retry_after.is_some(), "{answer:?}");
}

#[rocket::async_test]
async fn refused_client_credentials_are_503_too() {
    let Introspecting { ks, endpoint, app } =
        Introspecting::with(|config| config.client_secret("wrong")).await;
    let token = endpoint.active(claims(&ks, "read:messages"));
    let answer = app.call_with(Route::Private, &token).await;
    assert_code(
        &answer,
        Status::ServiceUnavailable,
        "introspection_unavailable",
        "401 from the endpoint",
    );
    let logged = log_lines("refused the API's client credentials");
    assert!(
        logged.iter().any(|line| line.starts_with("ERROR")),
        "{logged:?}"
    );
}

#[rocket::async_test]
async fn without_an_endpoint_an_opaque_token_keeps_its_invalid_header_row() {
    let (_ks, app) = TestApp::serving(&[&RSA_A]).await;
    let answer = app.call_with(Route::Private, "opaque-token").await;
    assert_code(
        &answer,
        Status::Unauthorized,
        "invalid_header",
        "no endpoint",
    );
}

#[rocket::async_test]
async fn jwts_are_still_validated_locally() {
    let s = Introspecting::start().await;
    let jwt = s.ks.token(&RSA_A).build();
    let answer = s.app.call_with(Route::Private, &jwt).await;
    assert_eq!(answer.status, Status::Ok, "{answer:?}");
    assert_eq!(s.endpoint.calls(), 0, "a JWT is not introspected");
}

#[rocket::async_test]
async fn a_bound_opaque_token_needs_its_certificate() {
    let Introspecting { ks, endpoint, app } = Introspecting::start().await;
    let cert = ClientCert::client();
    let token = endpoint.bound(claims(&ks, "read:messages"), &cert.thumbprint());
    let without = app.call_with(Route::Private, &token).await;
    assert_code(
        &without,
        Status::Unauthorized,
        "invalid_token",
        "no certificate",
    );
    let mut request = app.request(Route::Private);
    request.add_header(Header::new("Authorization", format!("Bearer {token}")));
    request.add_header(Header::new("Client-Cert", cert.header_value()));
    let with = Answer::from(request.dispatch().await).await;
    assert_eq!(with.status, Status::Ok, "{with:?}");
}

/// An answer saying a token of `ks` is active.
fn active_answer(ks: &KeyServer) -> Value {
    let mut answer = claims(ks, "");
    answer["active"] = true.into();
    answer
}

const METADATA: &str = "/.well-known/oauth-authorization-server";

#[rocket::async_test]
async fn the_endpoint_is_taken_from_the_issuers_metadata_at_ignition() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let endpoint = endpoint().await;
    let mut document = ks.discovery(&ks.jwks_uri());
    document["introspection_endpoint"] = endpoint.url().into();
    ks.serve_json(METADATA, document).await;
    let config = ks
        .config()
        .introspection_discovery(true)
        .client_id(TEST_CLIENT_ID)
        .client_secret(TEST_CLIENT_SECRET);
    let app = TestApp::library(config).await;

    let opaque = endpoint.answer(active_answer(&ks));
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
            .introspection_discovery(true)
            .client_id(TEST_CLIENT_ID)
            .client_secret(TEST_CLIENT_SECRET)
            .build()
            .unwrap();
        assert_a_fairing_fails(AppKind::Library.rocket(Auth::new(config)), case).await;
        ks.server().reset().await;
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
    let Introspecting { ks, endpoint, app } =
        Introspecting::with(|config| config.introspect_jwts(true)).await;

    let known = ks.token(&RSA_A).scope("read:messages").build();
    endpoint.set_answer(&known, active_answer(&ks));
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
    endpoint.set_answer(&expired, active_answer(&ks));
    let answer = app.call_with(Route::Private, &expired).await;
    assert_code(&answer, Status::Unauthorized, "token_expired", "expired");
    assert_eq!(endpoint.calls(), 3, "no call for a locally refused JWT");

    // Fail closed: the endpoint down is a 503 for a JWT too.
    endpoint.stop().await;
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

#[rocket::async_test]
async fn only_the_issuer_that_asks_has_its_jwts_introspected() {
    let production = KeyServer::start(&[&RSA_A]).await;
    let staging = KeyServer::start(&[&EC]).await;
    let endpoint = endpoint().await;
    let production_config = introspecting(production.config(), &endpoint)
        .introspect_jwts(true)
        .build()
        .unwrap();
    let staging_config = AuthConfig::builder(staging.issuer(), STAGING_AUDIENCE)
        .jwks_uri(staging.jwks_uri())
        .build()
        .unwrap();
    let app = TestApp::with_auth(
        AppKind::Library,
        Auth::issuers([production_config, staging_config]),
    )
    .await;
    let staging_jwt = token_from(&staging.issuer(), &EC)
        .audience(STAGING_AUDIENCE)
        .build();
    let answer = app.call_with(Route::Private, &staging_jwt).await;
    assert_eq!(answer.status, Status::Ok, "{answer:?}");
    assert_eq!(
        endpoint.calls(),
        0,
        "staging's JWT is not sent to production's endpoint"
    );
    let production_jwt = production.token(&RSA_A).build();
    let answer = app.call_with(Route::Private, &production_jwt).await;
    assert_code(
        &answer,
        Status::Unauthorized,
        "invalid_token",
        "unknown to the endpoint",
    );
    assert_eq!(endpoint.calls(), 1, "production's JWT is");

    // Asking for it on an issuer without the endpoint, or without the
    // API's credentials, or with the endpoint still to be discovered, is
    // refused when the router is built.
    let staging_asks = AuthConfig::builder(staging.issuer(), STAGING_AUDIENCE)
        .jwks_uri(staging.jwks_uri())
        .introspect_jwts(true);
    let with_endpoint = production
        .config()
        .introspection_url(endpoint.url())
        .client_id(TEST_CLIENT_ID)
        .client_secret(TEST_CLIENT_SECRET);
    let no_credentials = production
        .config()
        .introspection_url(endpoint.url())
        .introspect_jwts(true);
    let to_discover = production
        .config()
        .introspection_discovery(true)
        .client_id(TEST_CLIENT_ID)
        .client_secret(TEST_CLIENT_SECRET);
    for (case, configs, says) in [
        (
            "another issuer asks",
            vec![with_endpoint, staging_asks],
            "same issuer",
        ),
        ("no credentials", vec![no_credentials], "AUTH_CLIENT_ID"),
        (
            "endpoint not discovered",
            vec![to_discover],
            "IssuerRouter::discover",
        ),
    ] {
        let configs: Vec<AuthConfig> = configs.into_iter().map(|c| c.build().unwrap()).collect();
        let error = IssuerRouter::new(configs).unwrap_err().to_string();
        assert!(error.contains(says), "{case}: {error}");
    }
}
