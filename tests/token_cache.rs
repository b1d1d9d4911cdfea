//! The verified-token cache's safety rules.

use std::time::Duration;

use auth_runtime::testing::ManualClock;
use auth_tests::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use rocket::http::Status;

#[rocket::async_test]
async fn a_token_seen_again_skips_verification() {
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let token = ks.token(&RSA_A).scope("read:messages").build();
    let answered = statuses(&app, "/private", &token, 10).await;
    assert_eq!(answered, [Status::Ok; 10]);
    assert_eq!(app.verifications(), 1);
    // Turned off, every request verifies.
    let uncached = TestApp::library(ks.config().token_cache_capacity(0)).await;
    let answered = statuses(&uncached, "/private", &token, 3).await;
    assert_eq!(answered, [Status::Ok; 3], "uncached");
    assert_eq!(uncached.verifications(), 3);
}

#[rocket::async_test]
async fn an_expired_token_is_rejected_even_when_cached() {
    let (ks, clock) = (KeyServer::start(&[&RSA_A]).await, ManualClock::new());
    let config = ks.config().leeway(Duration::ZERO).clock(clock.clock());
    let app = TestApp::library(config).await;
    let token = ks.token(&RSA_A).expires_in(2).build();
    assert_eq!(status(&app, "/private", &token).await, Status::Ok);
    // Past its exp whatever second the clock started in (it stands at the
    // start of the second it was made in; `exp` is two whole seconds on).
    clock.advance(Duration::from_secs(4));
    let answer = get_with(&app, "/private", &token).await;
    answer.assert(TOKEN_EXPIRED, "expired while cached");
}

#[rocket::async_test]
async fn a_token_whose_key_left_the_set_is_rejected_after_the_refresh() {
    let (ks, clock) = (
        KeyServer::start(&[&RSA_A, &RSA_B]).await,
        ManualClock::new(),
    );
    let ttl = Duration::from_millis(1000);
    let app = TestApp::library(ks.config_stale_after(ttl).clock(clock.clock())).await;
    let by_b = ks.token(&RSA_B).build();
    assert_eq!(status(&app, "/private", &by_b).await, Status::Ok);
    let fetched = app.key_set_status().last_attempt;
    assert_eq!(status(&app, "/private", &by_b).await, Status::Ok);
    assert_eq!(app.verifications(), 1, "served from the cache");
    // B is retired; once the set is refreshed (here: after its TTL), B's
    // cached tokens are no longer served. The request that finds the set
    // stale is still answered with it (stale-while-revalidate) and starts
    // the refresh in the background.
    ks.serve_keys(&[&RSA_A]).await;
    clock.advance(ttl);
    let answer = get_with(&app, "/private", &by_b).await;
    assert_eq!(answer.status, Status::Ok, "the stale set answers at once");
    ks.await_fetches(1).await;
    app.await_fetch_end(fetched).await; // the refresh that drops B is over
    let answer = get_with(&app, "/private", &by_b).await;
    answer.assert(UNKNOWN_KEY, "B retired");
    // The stale refresh, then (no cooldown here) one for B's now unknown kid.
    assert_eq!(ks.fetches().await, 2);
}

#[rocket::async_test]
async fn a_refresh_for_an_unknown_kid_also_retires_cached_tokens() {
    let ks = KeyServer::start(&[&RSA_A, &RSA_B]).await;
    let app = TestApp::library(ks.config_short_cooldown()).await;
    let by_b = ks.token(&RSA_B).build();
    assert_eq!(status(&app, "/private", &by_b).await, Status::Ok);
    ks.serve_keys(&[&RSA_A, &EC]).await;
    let by_ec = ks.token(&EC).build();
    assert_eq!(status(&app, "/private", &by_ec).await, Status::Ok);
    let answer = get_with(&app, "/private", &by_b).await;
    answer.assert(
        UNKNOWN_KEY,
        "B's cached token, after the refresh for EC's kid",
    );
}

#[rocket::async_test]
async fn a_tampered_copy_of_a_cached_token_is_not_served() {
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let genuine = ks.token(&RSA_A).scope("read:messages").build();
    assert_eq!(status(&app, "/scoped", &genuine).await, Status::Ok);
    let tampered_payload = tampered(&genuine, |payload| payload["sub"] = "admin".into());
    let parts: Vec<&str> = genuine.split('.').collect();
    let mut signature = B64.decode(parts[2]).unwrap();
    signature[0] ^= 1;
    let tampered_signature = format!("{}.{}.{}", parts[0], parts[1], B64.encode(signature));
    for tampered in [tampered_payload, tampered_signature, format!("{genuine}x")] {
        let answer = get_with(&app, "/scoped", &tampered).await;
        answer.assert_on(Route::Scoped.scopes(), UNPARSABLE, &tampered);
    }
    let answer = get_with(&app, "/scoped", &genuine).await;
    assert_eq!(answer.status, Status::Ok, "the genuine token: {answer:?}");
}

#[rocket::async_test]
async fn a_cached_success_on_one_route_does_not_bypass_another_routes_scope() {
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let token = ks.token(&RSA_A).scope("openid").build();
    assert_eq!(status(&app, "/private", &token).await, Status::Ok);
    assert_eq!(status(&app, "/scoped", &token).await, Status::Forbidden);
    assert_eq!(
        app.verifications(),
        1,
        "the scope was checked on the cached claims"
    );
}

#[rocket::async_test]
async fn an_entry_does_not_outlive_the_max_age() {
    let (ks, clock) = (KeyServer::start(&[&RSA_A]).await, ManualClock::new());
    let max_age = Duration::from_millis(1000);
    let config = ks.config().token_cache_max_age(max_age);
    let app = TestApp::library(config.clock(clock.clock())).await;
    let token = ks.token(&RSA_A).build();
    get_with(&app, "/private", &token).await;
    get_with(&app, "/private", &token).await;
    assert_eq!(app.verifications(), 1);
    clock.advance(max_age);
    assert_eq!(status(&app, "/private", &token).await, Status::Ok);
    assert_eq!(app.verifications(), 2);
}

#[rocket::async_test]
async fn big_tokens_and_failures_are_never_cached() {
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let big = ks.token(&RSA_A).claim("padding", "p".repeat(5000)).build();
    let answered = statuses(&app, "/private", &big, 3).await;
    assert_eq!(answered, [Status::Ok; 3], "a big token");
    assert_eq!(
        app.verifications(),
        3,
        "a token over 4 KiB is verified every time"
    );
    let expired = ks.token(&RSA_A).expires_in(-3600).build();
    let answered = statuses(&app, "/private", &expired, 3).await;
    assert_eq!(answered, [Status::Unauthorized; 3], "an expired token");
    assert_eq!(app.verifications(), 6, "failures are verified every time");
}
