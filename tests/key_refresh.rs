//! Key-set refreshes off the request path (issue 18) and the cache rules of
//! issue 11 (one fetch timeout per request, cached tokens kept across a
//! refresh, the staleness cap, an empty set obeyed), through Rocket.
//!
//! Every key server is wiremock on 127.0.0.1. Windows are 1 s or more, as
//! elsewhere, so that a loaded machine cannot make them flaky.

use std::time::{Duration, Instant};

use auth_runtime::config::AuthConfigBuilder;
use auth_runtime::testing::key_set;
use auth_runtime::validator::IssuerRouter;
use auth_tests::*;
use rocket::futures::future::join_all;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use serde_json::json;
use wiremock::ResponseTemplate;

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// The keys after `delay`: a hanging issuer, for a long one.
async fn serve_keys_after(ks: &KeyServer, delay: Duration) {
    let keys = ResponseTemplate::new(200).set_body_json(key_set([&**RSA_A]));
    ks.respond(keys.set_delay(delay)).await;
}

/// The library's app with `config`, warmed up: a request with the returned
/// token (signed by RSA_A) was accepted, so the key set is cached.
async fn warm_app(ks: &KeyServer, config: AuthConfigBuilder) -> (TestApp, String) {
    let client = TestApp::library(config).await;
    let token = ks.token(&RSA_A).build();
    let warming = status(&client, "/private", &token).await;
    assert_eq!(warming, Status::Ok, "the first request");
    (client, token)
}

fn validator_of(client: &Client) -> &auth_runtime::validator::Validator {
    &client
        .rocket()
        .state::<IssuerRouter>()
        .unwrap()
        .validators()[0]
}

#[rocket::async_test]
async fn a_stale_set_answers_at_once_while_the_key_server_hangs() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let config = ks.config_stale_after(ms(1000)).fetch_timeout(ms(4000));
    let (client, token) = warm_app(&ks, config).await;
    serve_keys_after(&ks, Duration::from_secs(30)).await;
    tokio::time::sleep(ms(1100)).await;
    let started = Instant::now();
    let answered = statuses(&client, "/private", &token, 3).await;
    assert_eq!(answered, [Status::Ok; 3]);
    assert!(
        started.elapsed() < ms(1000),
        "waited {:?}",
        started.elapsed()
    );
    ks.await_fetches(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_stale_requests_start_one_background_fetch() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let config = ks.config_stale_after(ms(1000)).token_cache_capacity(0);
    let (client, token) = warm_app(&ks, config).await;
    serve_keys_after(&ks, ms(1500)).await;
    tokio::time::sleep(ms(1100)).await;
    let started = Instant::now();
    let answers = join_all((0..50).map(|_| status(&client, "/private", &token))).await;
    assert!(answers.iter().all(|s| *s == Status::Ok), "{answers:?}");
    assert!(
        started.elapsed() < ms(1500),
        "no request waited for the fetch"
    );
    ks.await_fetches(1).await;
    tokio::time::sleep(ms(1700)).await;
    assert_eq!(ks.fetches().await, 1, "one fetch for fifty stale requests");
    assert_eq!(validator_of(&client).jwks_fetch_attempts(), 2);
}

#[rocket::async_test]
async fn the_refresh_ahead_starts_before_the_ttl() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let ttl = Duration::from_secs(4);
    let config = ks.config_stale_after(ttl).refresh_ahead(0.25);
    let before_the_fetch = Instant::now();
    let (client, token) = warm_app(&ks, config).await;
    tokio::time::sleep(ms(1200)).await;
    assert_eq!(status(&client, "/private", &token).await, Status::Ok);
    assert!(
        before_the_fetch.elapsed() < ttl,
        "the set was not stale yet"
    );
    ks.await_fetches(2).await;
}

#[rocket::async_test]
async fn a_failed_background_fetch_keeps_the_keys_and_waits_out_the_cooldown() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let config = ks
        .config()
        .jwks_ttl(ms(1000))
        .refresh_cooldown(ms(1500))
        .token_cache_capacity(0);
    let (client, token) = warm_app(&ks, config).await;
    ks.respond(ResponseTemplate::new(500)).await;
    tokio::time::sleep(ms(1600)).await;
    let answered = statuses(&client, "/private", &token, 5).await;
    assert_eq!(answered, [Status::Ok; 5], "old keys serve");
    ks.await_fetches(1).await;
    tokio::time::sleep(ms(200)).await;
    let answered = statuses(&client, "/private", &token, 5).await;
    assert_eq!(answered, [Status::Ok; 5]);
    assert_eq!(ks.fetches().await, 1, "no second try within the cooldown");
    tokio::time::sleep(ms(1500)).await;
    assert_eq!(status(&client, "/private", &token).await, Status::Ok);
    ks.await_fetches(2).await;
}

#[rocket::async_test]
async fn past_the_staleness_cap_requests_get_503() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let config = ks.config_stale_after(ms(1000)).max_stale(ms(2000));
    let fetched = Instant::now();
    let (client, token) = warm_app(&ks, config).await;
    ks.respond(ResponseTemplate::new(503)).await;
    tokio::time::sleep(ms(1100)).await;
    assert_eq!(
        status(&client, "/private", &token).await,
        Status::Ok,
        "within the cap"
    );
    tokio::time::sleep(ms(2100).saturating_sub(fetched.elapsed())).await;
    let refused = get_with(&client, "/private", &token).await;
    refused.assert(Expect::Unavailable, "past the cap");
    ks.serve_keys(&[&RSA_A]).await;
    assert_eq!(
        status(&client, "/private", &token).await,
        Status::Ok,
        "recovered"
    );
}

#[rocket::async_test]
async fn a_key_set_with_no_usable_key_replaces_the_keys() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let config = ks
        .config_short_cooldown()
        .retry_interval(Duration::from_secs(60));
    let (client, token) = warm_app(&ks, config).await;
    // Every key revoked: the issuer publishes a set with none usable.
    let revoked = json!({ "keys": [{ "kty": "oct", "k": "c2VjcmV0" }] });
    ks.respond(ResponseTemplate::new(200).set_body_json(revoked))
        .await;
    let unknown = ks.token(&RSA_A).kid(Some("rotated")).build();
    for token in [&unknown, &token] {
        let refused = get_with(&client, "/private", token).await;
        refused.assert(Expect::Unavailable, "every key revoked");
    }
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn a_cached_token_waits_at_most_one_fetch_timeout_in_total() {
    let ks = KeyServer::start(&[&RSA_A, &RSA_B]).await;
    let timeout = ms(1500);
    let config = ks.config_stale_after(ms(1000)).fetch_timeout(timeout);
    let client = TestApp::library(config).await;
    let by_b = ks.token(&RSA_B).build();
    assert_eq!(status(&client, "/private", &by_b).await, Status::Ok);
    // B is retired; the stale set serves B's cached token at once, and its
    // background refresh drops B.
    ks.serve_keys(&[&RSA_A]).await;
    tokio::time::sleep(ms(1100)).await;
    assert_eq!(status(&client, "/private", &by_b).await, Status::Ok);
    ks.await_fetches(1).await;
    tokio::time::sleep(ms(100)).await;
    // Stale again, and the issuer hangs: B's cached token meets both a
    // stale set and a kid that left it; the request waits once.
    serve_keys_after(&ks, Duration::from_secs(30)).await;
    tokio::time::sleep(ms(1100)).await;
    let started = Instant::now();
    let refused = get_with(&client, "/private", &by_b).await;
    let waited = started.elapsed();
    assert_eq!(
        refused.json()["description"],
        "Unable to find appropriate key"
    );
    assert!(
        waited < timeout + ms(1000),
        "one timeout, not two: {waited:?}"
    );
    assert_eq!(ks.fetches().await, 1, "one fetch for both reasons");
}

#[rocket::async_test]
async fn a_refresh_keeps_cached_tokens_of_unchanged_keys() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = TestApp::library(ks.config_short_cooldown()).await;
    let by_a = ks.token(&RSA_A).build();
    assert_eq!(status(&client, "/private", &by_a).await, Status::Ok);
    assert_eq!(status(&client, "/private", &by_a).await, Status::Ok);
    let validator = validator_of(&client);
    assert_eq!(validator.full_verifications(), 1);
    // A random kid forces a refresh (B is published too); A is unchanged.
    ks.serve_keys(&[&RSA_A, &RSA_B]).await;
    let forcing = ks.token(&RSA_A).kid(Some("random")).build();
    assert_eq!(
        status(&client, "/private", &forcing).await,
        Status::Unauthorized
    );
    assert_eq!(validator.jwks_fetch_attempts(), 2, "the refresh ran");
    let verified = validator.full_verifications();
    assert_eq!(status(&client, "/private", &by_a).await, Status::Ok);
    assert_eq!(
        validator.full_verifications(),
        verified,
        "A's token still served from the cache"
    );
}

#[rocket::async_test]
async fn warm_up_fetches_the_key_set_at_liftoff() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = TestApp::library(ks.config_short_cooldown().warm_up(true)).await;
    assert_eq!(ks.fetches().await, 1, "fetched before any request");
    assert_eq!(
        status(&client, "/private", &ks.token(&RSA_A).build()).await,
        Status::Ok
    );
    assert_eq!(ks.fetches().await, 1);
    // Off (the default), nothing is fetched before the first token.
    let lazy = KeyServer::start(&[&RSA_A]).await;
    let _client = TestApp::library(lazy.config_short_cooldown()).await;
    assert_eq!(lazy.fetches().await, 0);
}

#[rocket::async_test]
async fn a_failed_warm_up_is_logged_and_launch_goes_on() {
    let ks = KeyServer::empty().await;
    serve_keys_after(&ks, Duration::from_secs(30)).await;
    let config = ks
        .config_short_cooldown()
        .warm_up(true)
        .fetch_timeout(ms(1000));
    let started = Instant::now();
    let client = TestApp::library(config).await;
    assert!(
        started.elapsed() < ms(2500),
        "launch waited {:?}",
        started.elapsed()
    );
    let lines = log_lines(&ks.issuer());
    assert!(lines.iter().any(|l| l.starts_with("WARN")), "{lines:?}");
    // The first request fetches as without warm-up.
    ks.serve_keys(&[&RSA_A]).await;
    assert_eq!(
        status(&client, "/private", &ks.token(&RSA_A).build()).await,
        Status::Ok
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_with_a_fetch_in_flight_neither_panics_nor_hangs() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let ks = KeyServer::empty().await;
    serve_keys_after(&ks, Duration::from_secs(60)).await;
    let config = ks
        .config_short_cooldown()
        .fetch_timeout(Duration::from_secs(30));
    let figment = rocket::Config::figment()
        .merge(("port", 0))
        .merge(("address", "127.0.0.1"))
        .merge(("log_level", "off"))
        .merge(("shutdown.grace", 1))
        .merge(("shutdown.mercy", 1));
    capture_logs();
    let auth = auth_runtime::Auth::new(config.build().unwrap());
    let rocket = AppKind::Library.build(rocket::custom(figment), auth);
    let Launched {
        port,
        shutdown,
        server,
    } = launch(rocket).await;
    // A cold request: it waits for a fetch that hangs.
    let token = ks.token(&RSA_A).build();
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request = format!(
        "GET /private HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    ks.await_fetches(1).await;
    let started = Instant::now();
    shutdown.notify();
    let ended = tokio::time::timeout(Duration::from_secs(10), server).await;
    assert!(ended.is_ok(), "shutdown hung");
    let launch = ended.unwrap().expect("the server task does not panic");
    if let Err(error) = launch {
        panic!("shutdown did not complete: {error}"); // (Display marks it handled)
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // The waiting request was answered 503, not left hanging.
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(ms(1000), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
}

#[rocket::async_test]
async fn a_refresh_bringing_garbage_changes_nothing_that_serves() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let config = ks.config_stale_after(ms(1000));
    let (client, token) = warm_app(&ks, config).await;
    let too_big = format!(r#"{{"keys":[],"x":"{}"}}"#, "x".repeat(2 * 1024 * 1024));
    let garbage = [
        ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html"),
        ResponseTemplate::new(200).set_body_raw(too_big, "application/json"),
        ResponseTemplate::new(302).insert_header("Location", "http://0.0.0.0:1/jwks.json"),
    ];
    for (round, response) in garbage.into_iter().enumerate() {
        ks.respond(response).await;
        tokio::time::sleep(ms(1100)).await;
        assert_eq!(
            status(&client, "/private", &token).await,
            Status::Ok,
            "round {round}"
        );
        ks.await_fetches(1).await;
        tokio::time::sleep(ms(200)).await;
        assert_eq!(
            status(&client, "/private", &token).await,
            Status::Ok,
            "round {round}"
        );
    }
}
