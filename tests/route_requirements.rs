//! What a route may demand beyond a valid token, through HTTP: step-up
//! authentication (RFC 9470) on the quickstart's `/api/private-step-up`,
//! claim checks, and the order of those checks against the scopes.

use auth_examples::MFA;
use std::time::Duration;

use auth_runtime::testing::ManualClock;
use auth_runtime::{requires_auth, requires_scope, Auth};
use auth_tests::*;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use serde_json::{json, Value};

const STEP_UP: &str = "/api/private-step-up";
const CHALLENGE_TAIL: &str =
    r#"acr_values="http://schemas.openid.net/pape/policies/2007/06/multi-factor", max_age="300""#;

async fn quickstart() -> (KeyServer, TestApp) {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = TestApp::start(AppKind::Quickstart, ks.config()).await;
    (ks, app)
}

/// Asserts the step-up 401: its code, a sentence, the route's requirement
/// in the challenge, and none of the token's own values anywhere.
#[track_caller]
fn assert_step_up(answer: &Answer, token_values: &[&str], context: &str) {
    assert_eq!(answer.status, Status::Unauthorized, "{context}: {answer:?}");
    let body = answer.json();
    assert_eq!(
        body["code"], "insufficient_user_authentication",
        "{context}"
    );
    assert!(body["description"].as_str().is_some_and(|d| d.len() > 10));
    let challenge = answer.www_authenticate.as_deref().unwrap_or_default();
    let pairs = parse_challenge(challenge).expect("a well-formed challenge");
    assert!(
        pairs.contains(&("error".into(), "insufficient_user_authentication".into())),
        "{context}: {challenge}"
    );
    assert!(
        challenge.ends_with(CHALLENGE_TAIL),
        "{context}: {challenge}"
    );
    for value in token_values {
        assert!(
            !challenge.contains(value) && !answer.body.contains(value),
            "{context}"
        );
    }
}

#[rocket::async_test]
async fn a_recent_multi_factor_login_passes() {
    let (ks, app) = quickstart().await;
    for age in [0, 300, 350] {
        let token = ks.token(&RSA_A).acr(MFA).authenticated_ago(age).build();
        let answer = get_with(&app, STEP_UP, &token).await;
        assert_eq!(
            answer.status,
            Status::Ok,
            "{age} s ago (leeway 60 s): {answer:?}"
        );
        assert!(answer.json()["message"]
            .as_str()
            .unwrap()
            .contains("multi-factor"));
    }
}

#[rocket::async_test]
async fn a_missing_or_other_acr_asks_for_step_up() {
    let (ks, app) = quickstart().await;
    let cases: [(&str, Option<Value>); 5] = [
        ("no acr", None),
        ("weaker acr", Some(json!("urn:password-only"))),
        ("empty acr", Some(json!(""))),
        ("superstring", Some(json!(format!("{MFA}/x")))),
        (
            "prefix",
            Some(json!("http://schemas.openid.net/pape/policies/2007/06")),
        ),
    ];
    for (name, acr) in cases {
        let mut token = ks.token(&RSA_A).authenticated_ago(0);
        if let Some(acr) = &acr {
            token = token.claim("acr", acr);
        }
        let answer = get_with(&app, STEP_UP, &token.build()).await;
        assert_step_up(&answer, &["urn:password-only"], name);
    }
}

#[rocket::async_test]
async fn an_old_or_missing_auth_time_asks_for_step_up() {
    let (ks, app) = quickstart().await;
    let old = ks.token(&RSA_A).acr(MFA).authenticated_ago(361).build();
    assert_step_up(&get_with(&app, STEP_UP, &old).await, &[], "361 s ago");
    let missing = ks.token(&RSA_A).acr(MFA).build();
    assert_step_up(
        &get_with(&app, STEP_UP, &missing).await,
        &[],
        "no auth_time",
    );
    let negative = ks.token(&RSA_A).acr(MFA).claim("auth_time", -5).build();
    get_with(&app, STEP_UP, &negative)
        .await
        .assert(Expect::BadClaim("auth_time"), "negative auth_time");
}

// The guard reads the router's clock: the edge of max_age (300 s) plus the
// leeway (60 s), and one second past it.
#[rocket::async_test]
async fn auth_time_passes_at_max_age_plus_leeway_and_steps_up_a_second_later() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let manual = ManualClock::new();
    let app = TestApp::start(AppKind::Quickstart, ks.config().clock(manual.clock())).await;
    let login = manual.unix();
    let token = ks.token(&RSA_A).acr(MFA).claim("auth_time", login).build();
    manual.advance(Duration::from_secs(360));
    let at_the_edge = get_with(&app, STEP_UP, &token).await;
    assert_eq!(at_the_edge.status, Status::Ok, "{at_the_edge:?}");
    manual.advance(Duration::from_secs(1));
    assert_step_up(&get_with(&app, STEP_UP, &token).await, &[], "361 s on");
}

#[rocket::async_test]
async fn malformed_acr_or_auth_time_is_invalid_claims() {
    let (ks, app) = quickstart().await;
    let now = jsonwebtoken::get_current_timestamp();
    let cases: [(&str, &str, Value); 8] = [
        ("acr array", "acr", json!([MFA])),
        ("acr object", "acr", json!({ "value": MFA })),
        ("acr number", "acr", json!(2)),
        ("auth_time string", "auth_time", json!(now.to_string())),
        ("auth_time in the future", "auth_time", json!(now + 3600)),
        ("auth_time array", "auth_time", json!([now])),
        ("auth_time bool", "auth_time", json!(true)),
        ("auth_time null", "auth_time", Value::Null),
    ];
    for (name, claim, value) in cases {
        let mut token = ks.token(&RSA_A).acr(MFA).authenticated_ago(0);
        token = token.claim(claim, value);
        let answer = get_with(&app, STEP_UP, &token.build()).await;
        answer.assert(Expect::BadClaim(claim), name);
    }
    // A float auth_time is a NumericDate like any other.
    let float = ks
        .token(&RSA_A)
        .acr(MFA)
        .claim("auth_time", now as f64 - 0.5)
        .build();
    assert_eq!(get_with(&app, STEP_UP, &float).await.status, Status::Ok);
}

#[requires_scope("write:payouts", acr_values = "urn:mfa")]
#[rocket::get("/payouts")]
fn payouts() -> &'static str {
    "payouts"
}

#[requires_auth(claim_equals("org", "acme"), claim_includes("roles", "admin"))]
#[rocket::get("/admin")]
fn admin() -> &'static str {
    "admin"
}

async fn library(ks: &KeyServer) -> Client {
    let rocket = rocket::custom(rocket_config())
        .attach(Auth::new(ks.config().build().unwrap()))
        .mount("/", rocket::routes![payouts, admin]);
    Client::tracked(rocket).await.unwrap()
}

#[rocket::async_test]
async fn step_up_comes_before_the_scope_and_both_are_named() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = library(&ks).await;
    // Neither the acr nor the scope: the step-up answer, naming the scope too.
    let neither = ks.token(&RSA_A).build();
    let answer = get_with(&client, "/payouts", &neither).await;
    assert_eq!(answer.json()["code"], "insufficient_user_authentication");
    let challenge = answer.www_authenticate.clone().unwrap_or_default();
    assert!(
        challenge.ends_with(r#"acr_values="urn:mfa", scope="write:payouts""#),
        "{challenge}"
    );
    // The acr but not the scope: 403.
    let acr_only = ks.token(&RSA_A).acr("urn:mfa").build();
    get_with(&client, "/payouts", &acr_only)
        .await
        .assert(Expect::Forbidden("write:payouts"), "scope missing");
    let both = ks
        .token(&RSA_A)
        .acr("urn:mfa")
        .scope("write:payouts")
        .build();
    assert_eq!(status(&client, "/payouts", &both).await, Status::Ok);
    // An expired token on that route is still token_expired, naming the scope.
    let expired = ks.token(&RSA_A).expires_in(-3600).build();
    get_with(&client, "/payouts", &expired).await.assert_on(
        Some("write:payouts"),
        TOKEN_EXPIRED,
        "expired",
    );
}

#[rocket::async_test]
async fn claim_checks_answer_403_unless_every_one_holds() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = library(&ks).await;
    let ok = ks
        .token(&RSA_A)
        .claim("org", "acme")
        .claim("roles", ["user", "admin"])
        .build();
    assert_eq!(status(&client, "/admin", &ok).await, Status::Ok);
    let cases = [
        (
            "other org",
            json!({ "org": "acme-evil", "roles": ["admin"] }),
        ),
        (
            "org as array",
            json!({ "org": ["acme"], "roles": ["admin"] }),
        ),
        ("no role", json!({ "org": "acme", "roles": ["user"] })),
        (
            "role superstring",
            json!({ "org": "acme", "roles": ["administrator"] }),
        ),
        ("no claims", json!({})),
    ];
    for (name, claims) in cases {
        let mut token = ks.token(&RSA_A);
        for (claim, value) in claims.as_object().unwrap() {
            token = token.claim(claim, value);
        }
        let answer = get_with(&client, "/admin", &token.build()).await;
        assert_eq!(answer.status, Status::Forbidden, "{name}: {answer:?}");
        assert_eq!(answer.json()["code"], "Unauthorized", "{name}");
        assert!(
            !answer.body.contains("acme"),
            "{name}: no claim value echoed"
        );
    }
}
