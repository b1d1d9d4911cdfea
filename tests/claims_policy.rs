//! What the configuration may demand of a token's claims, through HTTP:
//! several audiences, a maximum token age (also on cached tokens), which
//! claims carry scopes, and the application's own check.

use std::time::Duration;

use auth_runtime::config::ScopeSource;
use auth_runtime::testing::ManualClock;
use auth_tests::*;
use rocket::http::Status;
use serde_json::Value;

#[rocket::async_test]
async fn a_token_for_any_configured_audience_is_accepted() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let config = ks.config().audiences([AUDIENCE, "https://second/api"]);
    let app = TestApp::library(config).await;
    let token = || ks.token(&RSA_A);
    let both = ["https://other/api", "https://second/api"];
    let rows = [
        (
            "the first audience",
            token().audience(AUDIENCE),
            Expect::Accepted,
        ),
        (
            "the second audience",
            token().audience("https://second/api"),
            Expect::Accepted,
        ),
        (
            "another and the second",
            token().claim("aud", both),
            Expect::Accepted,
        ),
        (
            "an audience not configured",
            token().audience("https://other/api"),
            WRONG_AUD_OR_ISS,
        ),
    ]
    .map(|(name, token, expect)| Row::bearer(name, token.build(), expect));
    app.check_rows(&[Route::Private], &rows).await;
}

#[rocket::async_test]
async fn a_maximum_token_age_requires_a_recent_iat() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let config = ks.config().max_token_age(Duration::from_secs(600));
    let app = TestApp::library(config).await;
    let now = jsonwebtoken::get_current_timestamp();
    let at = |iat: u64| ks.token(&RSA_A).claim("iat", iat).build();
    let too_old = Expect::BadClaim("iat");
    let rows = [
        Row::bearer("exactly the maximum age", at(now - 600), Expect::Accepted),
        // The leeway (60 s) applies, as for exp.
        Row::bearer("within the leeway", at(now - 650), Expect::Accepted),
        Row::bearer("older than the maximum age", at(now - 700), too_old),
        Row::bearer("no iat", ks.token(&RSA_A).without("iat").build(), too_old),
    ];
    app.check_rows(&[Route::Private], &rows).await;
}

#[rocket::async_test]
async fn a_cached_token_is_refused_once_it_passes_the_maximum_age() {
    let (ks, clock) = (KeyServer::start(&[&RSA_A]).await, ManualClock::new());
    let config = ks
        .config()
        .max_token_age(Duration::from_secs(1))
        .leeway(Duration::ZERO)
        .clock(clock.clock());
    let app = TestApp::library(config).await;
    // Issued at the manual clock's second, not the wall clock's: on a busy
    // machine a second boundary may pass between the clock's start and the
    // token's minting, which put the wall clock's iat in the clock's future.
    let token = ks.token(&RSA_A).claim("iat", clock.clock().unix()).build();
    assert_eq!(status(&app, "/private", &token).await, Status::Ok);
    assert_eq!(status(&app, "/private", &token).await, Status::Ok);
    assert_eq!(
        app.verifications(),
        1,
        "the second answer came from the cache"
    );
    // Older than a second whatever second the clock started in (it stands
    // at the start of its second; `iat` is the token's whole second).
    clock.advance(Duration::from_secs(3));
    get_with(&app, "/private", &token)
        .await
        .assert(Expect::BadClaim("iat"), "cached, now too old");
}

#[rocket::async_test]
async fn only_the_configured_claims_carry_scopes() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let config = ks.config().scope_claims([ScopeSource::Permissions]);
    let app = TestApp::library(config).await;
    let in_scope = ks.token(&RSA_A).scope("read:messages").build();
    get_with(&app, "/scoped", &in_scope)
        .await
        .assert(Expect::Forbidden("read:messages"), "scope is not a source");
    let in_permissions = ks.token(&RSA_A).permissions(["read:messages"]).build();
    assert_eq!(status(&app, "/scoped", &in_permissions).await, Status::Ok);
}

#[rocket::async_test]
async fn the_applications_claim_check_refuses_with_a_fixed_sentence() {
    capture_logs();
    let ks = KeyServer::start(&[&RSA_A]).await;
    let config = ks
        .config()
        .claim_check(|claims| match claims.get("email_verified") {
            Some(Value::Bool(true)) => Ok(()),
            _ => Err("policy-reason: the e-mail address is not verified".into()),
        });
    let app = TestApp::library(config).await;
    let verified = ks.token(&RSA_A).claim("email_verified", true).build();
    assert_eq!(status(&app, "/private", &verified).await, Status::Ok);
    let unverified = ks.token(&RSA_A).claim("email_verified", false).build();
    let answer = get_with(&app, "/private", &unverified).await;
    answer.assert(Expect::BadClaim("policy"), "refused by the check");
    assert!(
        !answer.body.contains("policy-reason"),
        "the reason stays in the log"
    );
    assert_eq!(log_lines("policy-reason").len(), 1);
}
