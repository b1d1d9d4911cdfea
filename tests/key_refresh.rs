//! Key-set refreshes as a client sees them through Rocket: past the
//! staleness cap a request gets the contract's 503, a refresh keeps cached
//! tokens of unchanged keys, a refresh bringing garbage changes nothing
//! that serves, warm-up at liftoff, and shutdown with a fetch in flight.
//! (An empty set obeyed, cold and warm: `misbehaving_issuer.rs`.)
//!
//! The timing rules themselves (TTL, refresh ahead, cooldowns, back-off,
//! the staleness cap to the tick, one fetch for many stale requests, one
//! fetch timeout in total) are the core's unit tests, on a `ManualClock`
//! (`auth-runtime/src/jwks/tests.rs`). Here too time moves by a
//! `ManualClock`, and a test waits for the fetch it expects (the key
//! server's count), never for a fixed time. Every key server is the
//! library's `KeySetServer` on 127.0.0.1.

use std::time::{Duration, Instant};

use auth_runtime::config::AuthConfigBuilder;
use auth_runtime::testing::ManualClock;
use auth_tests::*;
use rocket::http::Status;
use wiremock::ResponseTemplate;

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
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

#[rocket::async_test]
async fn past_the_staleness_cap_requests_get_503() {
    let (ks, clock) = (KeyServer::start(&[&RSA_A]).await, ManualClock::new());
    let config = ks
        .config_stale_after(ms(1000))
        .max_stale(ms(2000))
        .clock(clock.clock());
    let (client, token) = warm_app(&ks, config).await;
    ks.fail_with(503).await;
    clock.advance(ms(1100));
    assert_eq!(
        status(&client, "/private", &token).await,
        Status::Ok,
        "stale, within the cap"
    );
    ks.await_fetches(1).await; // its refresh fails
    clock.advance(ms(1000));
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
async fn a_refresh_keeps_cached_tokens_of_unchanged_keys() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = TestApp::library(ks.config_short_cooldown()).await;
    let by_a = ks.token(&RSA_A).build();
    assert_eq!(status(&client, "/private", &by_a).await, Status::Ok);
    assert_eq!(status(&client, "/private", &by_a).await, Status::Ok);
    assert_eq!(client.verifications(), 1);
    // A random kid forces a refresh (B is published too); A is unchanged.
    ks.serve_keys(&[&RSA_A, &RSA_B]).await;
    let forcing = ks.token(&RSA_A).kid(Some("random")).build();
    assert_eq!(
        status(&client, "/private", &forcing).await,
        Status::Unauthorized
    );
    // (Serving the new set restarted the server's count.)
    assert_eq!(ks.fetches().await, 1, "the refresh ran");
    let verified = client.verifications();
    assert_eq!(status(&client, "/private", &by_a).await, Status::Ok);
    assert_eq!(
        client.verifications(),
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
    let ks = hanging_key_server().await;
    let config = ks
        .config_short_cooldown()
        .warm_up(true)
        .fetch_timeout(ms(1000));
    let started = Instant::now();
    let client = TestApp::library(config).await;
    // Launch waits at most the fetch timeout (1 s); the key server hangs
    // 60 s. A bound ten times the timeout tells the two apart on any machine.
    let waited = started.elapsed();
    assert!(waited < ms(10_000), "launch waited {waited:?}");
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
    let ks = hanging_key_server().await;
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
    shutdown.notify();
    // Grace and mercy are 1 s each; ten seconds is the generous bound.
    let ended = tokio::time::timeout(Duration::from_secs(10), server).await;
    assert!(ended.is_ok(), "shutdown hung");
    let launch = ended.unwrap().expect("the server task does not panic");
    if let Err(error) = launch {
        panic!("shutdown did not complete: {error}"); // (Display marks it handled)
    }
    // The waiting request was answered 503, not left hanging.
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(ms(10_000), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
}

#[rocket::async_test]
async fn a_refresh_bringing_garbage_changes_nothing_that_serves() {
    let (ks, clock) = (KeyServer::start(&[&RSA_A]).await, ManualClock::new());
    let config = ks.config_stale_after(ms(1000)).clock(clock.clock());
    let (client, token) = warm_app(&ks, config).await;
    let too_big = format!(r#"{{"keys":[],"x":"{}"}}"#, "x".repeat(2 * 1024 * 1024));
    let garbage = [
        ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html"),
        ResponseTemplate::new(200).set_body_raw(too_big, "application/json"),
        ResponseTemplate::new(302).insert_header("Location", "http://0.0.0.0:1/jwks.json"),
    ];
    let mut last_error = None;
    for (round, response) in garbage.into_iter().enumerate() {
        ks.respond(response).await;
        clock.advance(ms(1100));
        assert_eq!(
            status(&client, "/private", &token).await,
            Status::Ok,
            "round {round}: stale, while its refresh runs"
        );
        ks.await_fetches(1).await;
        // The refresh has failed once the status reports this round's error.
        let status_now = || client.key_set_status();
        eventually(&format!("round {round}'s refresh fails"), || {
            let error = status_now().last_error;
            error.is_some() && error != last_error
        })
        .await;
        last_error = status_now().last_error;
        assert_eq!(
            status(&client, "/private", &token).await,
            Status::Ok,
            "round {round}: after the failed refresh"
        );
    }
}

/// A key server whose key set takes a minute to come: a fetch of it hangs
/// past any timeout a test sets.
async fn hanging_key_server() -> KeyServer {
    let ks = KeyServer::empty().await;
    ks.serve_keys_after(&[&RSA_A], Duration::from_secs(60))
        .await;
    ks
}
