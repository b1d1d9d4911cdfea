//! Key-set behaviour, with fetches counted by the key-set server.

use std::time::{Duration, Instant};

use auth_runtime::testing::ManualClock;
use auth_runtime::AuthConfig;
use auth_tests::*;
use rocket::futures::future::join_all;
use rocket::http::Status;
use serde_json::json;
use wiremock::ResponseTemplate;

#[rocket::async_test]
async fn the_key_set_is_fetched_once_then_cached() {
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let token = ks.token(&RSA_A).scope("read:messages").build();
    for _ in 0..10 {
        assert_eq!(status(&app, "/private", &token).await, Status::Ok);
        assert_eq!(status(&app, "/scoped", &token).await, Status::Ok);
    }
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn nothing_is_fetched_before_the_first_token() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let _app = ks.app().await;
    assert_eq!(ks.fetches().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_simultaneous_cold_requests_cause_one_fetch() {
    // A slow answer, so that every request arrives while the fetch is in flight.
    let slow = key_set_response(&[&RSA_A]).set_delay(Duration::from_millis(300));
    let ks = KeyServer::answering(slow).await;
    let app = ks.app().await;
    let token = ks.token(&RSA_A).build();
    let requests = (0..50).map(|_| get_with(&app, "/private", &token));
    let answers = join_all(requests).await;
    assert!(
        answers.iter().all(|a| a.status == Status::Ok),
        "{:?}",
        answers.iter().find(|a| a.status != Status::Ok)
    );
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn a_rotated_key_is_accepted_after_one_refetch() {
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let by_a = ks.token(&RSA_A).build();
    assert_eq!(status(&app, "/private", &by_a).await, Status::Ok);
    // The issuer rotates: B is added, A is kept for tokens still in flight.
    ks.serve_keys(&[&RSA_A, &RSA_B]).await;
    let fetches_before = ks.fetches().await; // the server's log was reset
    assert_eq!(fetches_before, 0);
    let answer = get_with(&app, "/private", &ks.token(&RSA_B).build()).await;
    assert_eq!(answer.status, Status::Ok, "{answer:?}");
    assert_eq!(status(&app, "/private", &by_a).await, Status::Ok);
    assert_eq!(ks.fetches().await, 1, "exactly one refetch for the new kid");
}

#[rocket::async_test]
async fn a_flood_of_unknown_kids_is_bounded_by_the_cooldown() {
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let valid = ks.token(&RSA_A).build();
    assert_eq!(status(&app, "/private", &valid).await, Status::Ok);
    for i in 0..40 {
        let token = ks.token(&RSA_A).kid(Some(&format!("random-{i}"))).build();
        let answer = get_with(&app, "/private", &token).await;
        assert_eq!(answer.json()["description"], NO_KEY);
    }
    assert_eq!(
        ks.fetches().await,
        2,
        "one cold fetch and one refresh in the cooldown"
    );
    // Valid tokens are unaffected.
    assert_eq!(status(&app, "/private", &valid).await, Status::Ok);
}

#[rocket::async_test]
async fn after_the_cooldown_an_unknown_kid_may_refresh_again() {
    let (ks, clock) = (KeyServer::start(&[&RSA_A]).await, ManualClock::new());
    let cooldown = Duration::from_millis(1000);
    let config = ks.config().refresh_cooldown(cooldown).clock(clock.clock());
    let app = TestApp::library(config).await;
    let valid = ks.token(&RSA_A).build();
    assert_eq!(status(&app, "/private", &valid).await, Status::Ok);
    let unknown = ks.token(&RSA_A).kid(Some("later")).build();
    get_with(&app, "/private", &unknown).await;
    get_with(&app, "/private", &unknown).await;
    assert_eq!(ks.fetches().await, 2);
    clock.advance(cooldown);
    get_with(&app, "/private", &unknown).await;
    assert_eq!(ks.fetches().await, 3);
}

#[rocket::async_test]
async fn an_issuer_down_at_start_gives_503_until_it_is_up_with_no_restart() {
    let ks = KeyServer::answering(ResponseTemplate::new(503)).await;
    let app = ks.app().await;
    let token = ks.token(&RSA_A).build();
    for _ in 0..3 {
        let answer = get_with(&app, "/private", &token).await;
        assert_eq!(answer.status, Status::ServiceUnavailable);
        assert_eq!(answer.json()["code"], "jwks_unavailable");
    }
    ks.serve_keys(&[&RSA_A]).await;
    assert_eq!(status(&app, "/private", &token).await, Status::Ok);
}

#[rocket::async_test]
async fn an_unreachable_issuer_gives_503() {
    // A port with nothing listening: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ks = KeyServer::empty().await;
    let config = AuthConfig::builder(ks.issuer(), AUDIENCE)
        .jwks_uri(format!("http://127.0.0.1:{port}/jwks.json"));
    let app = TestApp::library(config).await;
    let answer = get_with(&app, "/private", &ks.token(&RSA_A).build()).await;
    assert_eq!(answer.status, Status::ServiceUnavailable);
    assert!(answer.retry_after.is_some());
}

#[rocket::async_test]
async fn failures_while_cold_are_retried_no_faster_than_the_retry_interval() {
    let ks = KeyServer::answering(ResponseTemplate::new(500)).await;
    let app = TestApp::library(ks.config().retry_interval(Duration::from_secs(60))).await;
    let token = ks.token(&RSA_A).build();
    let answered = statuses(&app, "/private", &token, 5).await;
    assert_eq!(answered, [Status::ServiceUnavailable; 5]);
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn an_issuer_down_after_warm_up_keeps_serving_cached_keys() {
    let ttl = Duration::from_millis(50);
    let (ks, clock, app, token) = stale_app(ttl).await;
    assert_eq!(status(&app, "/private", &token).await, Status::Ok);
    let fetched = app.key_set_status().last_attempt;
    ks.respond(ResponseTemplate::new(500)).await;
    clock.advance(ttl * 2);
    let answered = statuses(&app, "/private", &token, 3).await;
    assert_eq!(answered, [Status::Ok; 3], "the cached keys serve");
    // The stale set was refreshed (and the refresh failed): in the
    // background, so it may reach the server after the answers.
    ks.await_fetches(1).await;
    app.await_fetch_end(fetched).await;
    assert!(app.key_set_status().last_error.is_some(), "it failed");
    assert_eq!(status(&app, "/private", &token).await, Status::Ok);
}

#[rocket::async_test]
async fn a_stale_set_is_refreshed_after_the_ttl() {
    let ttl = Duration::from_millis(1000);
    let (ks, clock, app, token) = stale_app(ttl).await;
    get_with(&app, "/private", &token).await;
    let fetched = app.key_set_status().last_attempt;
    get_with(&app, "/private", &token).await;
    assert_eq!(ks.fetches().await, 1);
    clock.advance(ttl);
    get_with(&app, "/private", &token).await;
    get_with(&app, "/private", &token).await;
    // One refresh, in the background (stale-while-revalidate): it may reach
    // the server after both answers, and the second request, finding it in
    // flight or done, starts no other (a fetch starts within the request
    // that decides it; that many stale requests start exactly one is the
    // core's unit test).
    ks.await_fetches(2).await;
    app.await_fetch_end(fetched).await;
    assert_eq!(ks.fetches().await, 2);
}

#[rocket::async_test]
async fn a_slow_issuer_is_answered_within_the_fetch_timeout() {
    let very_slow = key_set_response(&[&RSA_A]).set_delay(Duration::from_secs(60));
    let ks = KeyServer::answering(very_slow).await;
    let timeout = Duration::from_millis(300);
    let app = TestApp::library(ks.config().fetch_timeout(timeout)).await;
    let started = Instant::now();
    let answer = get_with(&app, "/private", &ks.token(&RSA_A).build()).await;
    assert_eq!(answer.status, Status::ServiceUnavailable);
    // Ten times the timeout, and far below the issuer's 60 s.
    let took = started.elapsed();
    assert!(took < timeout * 10, "took {took:?}");
}

#[rocket::async_test]
async fn html_or_an_oversized_key_set_is_503() {
    let too_big = format!(
        r#"{{"keys":[],"padding":"{}"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let bodies = [
        ResponseTemplate::new(200).set_body_raw("<html><body>Login</body></html>", "text/html"),
        ResponseTemplate::new(200).set_body_raw(too_big, "application/json"),
        ResponseTemplate::new(200).set_body_json(json!({ "keys": [] })),
        ResponseTemplate::new(200)
            .set_body_json(json!({ "keys": [{ "kty": "oct", "k": "c2VjcmV0" }] })),
    ];
    for body in bodies {
        let ks = KeyServer::answering(body).await;
        let app = ks.app().await;
        let answer = get_with(&app, "/private", &ks.token(&RSA_A).build()).await;
        assert_eq!(answer.status, Status::ServiceUnavailable, "{answer:?}");
        assert_eq!(answer.json()["code"], "jwks_unavailable");
    }
}

#[rocket::async_test]
async fn the_size_limit_is_configurable() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = TestApp::library(ks.config().max_jwks_bytes(100)).await;
    let answer = get_with(&app, "/private", &ks.token(&RSA_A).build()).await;
    assert_eq!(answer.status, Status::ServiceUnavailable);
}

#[rocket::async_test]
async fn keys_are_found_by_openid_discovery() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    ks.serve_json(OPENID, ks.discovery(&ks.jwks_uri())).await;
    let app = TestApp::library(ks.config_discovering()).await;
    let token = ks.token(&RSA_A).build();
    assert_eq!(status(&app, "/private", &token).await, Status::Ok);
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn without_discovery_keys_are_read_from_well_known_jwks_json() {
    let ks = KeyServer::empty().await;
    ks.serve_at(WELL_KNOWN_JWKS, key_set_response(&[&RSA_A]))
        .await;
    let app = TestApp::library(ks.config_discovering()).await;
    let token = ks.token(&RSA_A).build();
    assert_eq!(status(&app, "/private", &token).await, Status::Ok);
    assert_eq!(ks.requests_to(WELL_KNOWN_JWKS).await, 1);
}

#[rocket::async_test]
async fn a_key_the_token_kid_cannot_use_is_skipped_not_fatal() {
    let mut keys = auth_runtime::testing::key_set([&**RSA_A, &**EC]);
    keys["keys"].as_array_mut().unwrap().insert(
        0,
        json!({ "kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB" }),
    );
    let ks = KeyServer::answering(ResponseTemplate::new(200).set_body_json(keys)).await;
    let app = ks.app().await;
    for key in [&RSA_A, &EC] {
        assert_eq!(
            status(&app, "/private", &ks.token(key).build()).await,
            Status::Ok
        );
    }
    let encryption_kid = ks.token(&RSA_A).kid(Some("enc")).build();
    let answer = get_with(&app, "/private", &encryption_kid).await;
    assert_eq!(answer.json()["description"], NO_KEY);
}
