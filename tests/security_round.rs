//! The second security round, through HTTP: the fairing leaves a handler's
//! own answer alone, structure comes before the issuer, descriptions are
//! deterministic, Retry-After follows the retry interval, a request without
//! a token is 401 whatever its Content-Type, and logs hold no claim value.

use std::time::Duration;

use auth_runtime::{Auth, Claims};
use auth_tests::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use rocket::http::{ContentType, Cookie, CookieJar, Header, Status};
use rocket::local::asynchronous::Client;

/// A handler that serves its own 503 whatever `Option<Claims>` holds.
#[rocket::get("/maintenance")]
fn maintenance(user: Option<Claims>, cookies: &CookieJar<'_>) -> (Status, &'static str) {
    cookies.add(Cookie::new("handler", "kept"));
    let _ = user;
    (Status::ServiceUnavailable, "down for maintenance")
}

#[rocket::get("/optional")]
fn optional(user: auth_runtime::OptionalClaims) -> &'static str {
    if user.0.is_some() {
        "signed in"
    } else {
        "anonymous"
    }
}

#[rocket::async_test]
async fn a_handlers_own_answer_behind_an_absorbed_failure_is_left_alone() {
    // No key set can be had: Claims fails with 503, which Option absorbs.
    let ks = KeyServer::empty().await;
    let rocket = rocket::custom(rocket_config())
        .attach(Auth::new(ks.config().build().unwrap()))
        .mount("/", rocket::routes![maintenance, optional]);
    let client = Client::tracked(rocket).await.unwrap();
    let token = ks.token(&RSA_A).build();

    let response = client
        .get("/maintenance")
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::ServiceUnavailable);
    let cookies: Vec<String> = response
        .headers()
        .get("Set-Cookie")
        .map(str::to_owned)
        .collect();
    assert_eq!(response.headers().get_one("Retry-After"), None);
    assert_eq!(
        response.into_string().await.as_deref(),
        Some("down for maintenance"),
        "the handler's body, not the contract's JSON"
    );
    assert!(
        cookies.iter().any(|c| c.starts_with("handler=kept")),
        "{cookies:?}"
    );
    assert!(
        !cookies.iter().any(|c| c.contains("__auth")),
        "the fairing's marker never reaches the client: {cookies:?}"
    );

    // A guard that fails the request still gets the contract's answer.
    let answer = get_with(&client, "/optional", &token).await;
    answer.assert(Expect::Unavailable, "OptionalClaims with no key set");
}

#[rocket::async_test]
async fn several_issuers_check_structure_before_the_issuer() {
    let issuers = TwoIssuers::start().await;
    let foreign = issuers
        .production
        .token(&RSA_A)
        .issuer("https://evil.example/")
        .build();
    let mut segments: Vec<String> = foreign.split('.').map(str::to_owned).collect();
    segments[0] = B64.encode(br#"{"alg":"RS256","alg":"none"}"#);
    let repeated_alg = segments.join(".");
    segments[0] = "not-base64!".to_owned();
    let bad_header = segments.join(".");
    let two_segments = foreign.rsplit_once('.').unwrap().0.to_owned();
    let rows = [
        Row::bearer("repeated alg", repeated_alg, UNPARSABLE),
        Row::bearer("header not base64", bad_header, UNPARSABLE),
        Row::bearer("two segments", two_segments, UNPARSABLE),
        // A well-formed token from a foreign issuer is still invalid_claims.
        Row::bearer("foreign issuer", foreign, WRONG_AUD_OR_ISS),
    ];
    issuers.app.check_rows(&[Route::Private], &rows).await;
    assert_eq!(issuers.fetches().await, (0, 0), "no fetch");
}

#[rocket::async_test]
async fn a_token_missing_two_claims_always_gets_the_same_answer() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let token = ks.token(&RSA_A).without("exp").without("aud").build();
    // Each validator has its own hash seeds: before the fix, jsonwebtoken's
    // HashSet of required claims named exp or aud depending on them.
    let mut descriptions = std::collections::BTreeSet::new();
    for _ in 0..12 {
        let app = TestApp::library(ks.config()).await;
        let answer = get_with(&app, "/private", &token).await;
        answer.assert(Expect::BadClaim("exp"), "missing exp and aud");
        descriptions.insert(answer.json()["description"].to_string());
    }
    assert_eq!(descriptions.len(), 1, "{descriptions:?}");
    // And an aud of the wrong JSON type is the audience sentence.
    let typed = ks.token(&RSA_A).claim("aud", 42).build();
    let app = ks.app().await;
    get_with(&app, "/private", &typed)
        .await
        .assert(WRONG_AUD_OR_ISS, "aud is a number");
}

#[rocket::async_test]
async fn retry_after_follows_the_configured_retry_interval() {
    let ks = KeyServer::empty().await;
    for (interval, expected) in [(7, "7"), (1, "1")] {
        let config = ks.config().retry_interval(Duration::from_secs(interval));
        let app = TestApp::library(config).await;
        let answer = app
            .call_with(Route::Private, &ks.token(&RSA_A).build())
            .await;
        answer.assert(Expect::Unavailable, "no key set");
        assert_eq!(answer.retry_after.as_deref(), Some(expected));
    }
}

#[rocket::async_test]
async fn a_post_without_a_token_is_401_whatever_its_content_type() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = TestApp::start(AppKind::Quickstart, ks.config()).await;
    for content_type in [None, Some(ContentType::Plain), Some(ContentType::Form)] {
        let mut request = app.post("/api/messages").body("text=hello");
        if let Some(content_type) = content_type.clone() {
            request = request.header(content_type);
        }
        let answer = Answer::from(request.dispatch().await).await;
        answer.assert_on(
            Some("write:messages"),
            Expect::Missing,
            &format!("POST with {content_type:?}"),
        );
    }
    assert_eq!(ks.fetches().await, 0);
}

#[rocket::async_test]
async fn a_typed_claims_misfit_is_logged_without_the_claims_value() {
    capture_logs();
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    // MyClaims wants `sub` as a string.
    let token = ks.token(&RSA_A).claim("sub", 987_654_321_u64).build();
    let answer = get_with(&app, "/typed", &token).await;
    assert_eq!(answer.json()["code"], "invalid_claims");
    let lines = log_lines("do not fit");
    assert!(!lines.is_empty(), "the misfit is logged");
    assert!(
        log_lines("987654321").is_empty(),
        "no log line quotes a claim's value"
    );
}

#[rocket::async_test]
async fn a_binding_this_api_cannot_check_is_refused_not_ignored() {
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let cases = [
        (
            "a jwk confirmation",
            serde_json::json!({ "jwk": { "kty": "EC" } }),
        ),
        ("a cnf that is a string", serde_json::json!("jkt")),
        ("a jkt spelled otherwise", serde_json::json!({ "JKT": "x" })),
        ("an empty cnf", serde_json::json!({})),
        (
            "jkt beside an unknown member",
            serde_json::json!({ "jkt": "x", "kid": "y" }),
        ),
    ];
    for (name, cnf) in cases {
        let token = ks.token(&RSA_A).claim("cnf", cnf).build();
        let answer = get_with(&app, "/private", &token).await;
        assert_eq!(answer.status, Status::Unauthorized, "{name}: {answer:?}");
        assert_eq!(answer.json()["code"], "invalid_token", "{name}");
    }
    let plain = ks.token(&RSA_A).build();
    assert_eq!(status(&app, "/private", &plain).await, Status::Ok);
}

#[rocket::async_test]
async fn a_validator_on_its_own_keeps_the_sender_constraint() {
    use auth_runtime::config::DpopMode;
    use auth_runtime::validator::Validator;
    let ks = KeyServer::start(&[&RSA_A]).await;
    let required = Validator::new(ks.config().dpop(DpopMode::Required).build().unwrap()).unwrap();
    let plain = ks.token(&RSA_A).build();
    let header = format!("Bearer {plain}");
    let error = required.authorize(Some(&header)).await.unwrap_err();
    assert_eq!(
        error.code(),
        "invalid_token",
        "required mode refuses plain Bearer"
    );
    let allowed = Validator::new(ks.config().build().unwrap()).unwrap();
    assert!(allowed.authorize(Some(&header)).await.is_ok());
    let bound = ks
        .token(&RSA_A)
        .claim(
            "cnf",
            serde_json::json!({ "x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2" }),
        )
        .build();
    let error = allowed
        .authorize(Some(&format!("Bearer {bound}")))
        .await
        .unwrap_err();
    assert_eq!(
        error.code(),
        "invalid_token",
        "a certificate-bound token needs its certificate"
    );
}
