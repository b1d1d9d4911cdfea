//! An issuer that misbehaves, cold (nothing cached) and warm (keys cached):
//! status codes, fetch counts, time to answer, recovery without restart,
//! and the `Retry-After` of the 503 following the retry interval.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use auth_runtime::testing::ManualClock;
use auth_runtime::AuthConfig;
use auth_tests::*;
use rocket::http::Status;
use serde_json::json;
use wiremock::ResponseTemplate;

/// A server that answers every request with a chunked body of endless
/// bytes (no Content-Length) and counts what it managed to write; `ended`
/// once a writer stopped (its client hung up, or `limit` was written).
struct Firehose {
    port: u16,
    written: Arc<AtomicUsize>,
    ended: Arc<AtomicBool>,
}

/// Sets its flag when dropped: however a writer's thread ends.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Firehose {
    fn start(limit: usize) -> Firehose {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let written = Arc::new(AtomicUsize::new(0));
        let ended = Arc::new(AtomicBool::new(false));
        let (counter, ended_flag) = (written.clone(), ended.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let counter = counter.clone();
                let ending = SetOnDrop(ended_flag.clone());
                std::thread::spawn(move || {
                    let _ending = ending;
                    let mut request = [0u8; 4096];
                    let _ = stream.read(&mut request);
                    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
                    if stream.write_all(head.as_bytes()).is_err() {
                        return;
                    }
                    let chunk = vec![b' '; 64 * 1024];
                    let framed = [
                        format!("{:x}\r\n", chunk.len()).into_bytes(),
                        chunk,
                        b"\r\n".to_vec(),
                    ]
                    .concat();
                    while counter.load(Ordering::Relaxed) < limit {
                        if stream.write_all(&framed).is_err() {
                            return;
                        }
                        counter.fetch_add(64 * 1024, Ordering::Relaxed);
                    }
                });
            }
        });
        Firehose {
            port,
            written,
            ended,
        }
    }
}

#[rocket::async_test]
async fn a_64_mib_streamed_key_set_is_cut_off_at_the_limit() {
    let firehose = Firehose::start(64 * 1024 * 1024);
    let ks = KeyServer::empty().await;
    let config = AuthConfig::builder(ks.issuer(), AUDIENCE)
        .jwks_uri(format!("http://127.0.0.1:{}/jwks.json", firehose.port));
    let app = TestApp::library(config).await;
    let started = Instant::now();
    let answer = get_with(&app, "/private", &ks.token(&RSA_A).build()).await;
    assert_eq!(answer.status, Status::ServiceUnavailable);
    assert!(started.elapsed() < Duration::from_secs(5));
    // The writer stops once the client hangs up (or at 64 MiB, if it never did).
    let ended = || firehose.ended.load(Ordering::Relaxed);
    eventually("the firehose stops writing", ended).await;
    let written = firehose.written.load(Ordering::Relaxed);
    // The client stopped reading at 1 MiB; what the server got out is that
    // plus what the socket buffers took, far from 64 MiB.
    assert!(
        written < 16 * 1024 * 1024,
        "the server wrote {written} bytes"
    );
}

#[rocket::async_test]
async fn a_64_mib_key_set_with_a_content_length_is_refused_unread() {
    let huge = vec![b' '; 64 * 1024 * 1024];
    let ks =
        KeyServer::answering(ResponseTemplate::new(200).set_body_raw(huge, "application/json"))
            .await;
    let app = ks.app().await;
    let answer = get_with(&app, "/private", &ks.token(&RSA_A).build()).await;
    assert_eq!(answer.status, Status::ServiceUnavailable);
}

/// Each misbehaviour, when nothing is cached (503) and when keys are (200).
#[rocket::async_test]
async fn each_misbehaviour_cold_and_warm() {
    let misbehaviours: Vec<(&str, ResponseTemplate)> = vec![
        ("500", ResponseTemplate::new(500)),
        ("404", ResponseTemplate::new(404)),
        (
            "HTML",
            ResponseTemplate::new(200).set_body_raw("<!doctype html><p>maintenance", "text/html"),
        ),
        (
            "empty key set",
            ResponseTemplate::new(200).set_body_json(json!({ "keys": [] })),
        ),
        (
            "not a key set",
            ResponseTemplate::new(200).set_body_json(json!({ "hello": "world" })),
        ),
        (
            "only unusable keys",
            ResponseTemplate::new(200)
                .set_body_json(json!({ "keys": [{ "kty": "oct", "k": "AA" }] })),
        ),
        (
            "slow",
            key_set_response(&[&RSA_A]).set_delay(Duration::from_secs(60)),
        ),
    ];
    // Ten times the fetch timeout: a request never waits for the slow
    // issuer's 60 s, and a busy machine never fails the bound.
    let timeout = Duration::from_millis(500);
    let within = timeout * 10;
    for (name, misbehaviour) in misbehaviours {
        // Cold: 503, within the fetch timeout.
        let ks = KeyServer::answering(misbehaviour.clone()).await;
        let app = TestApp::library(ks.config().fetch_timeout(timeout)).await;
        let token = ks.token(&RSA_A).build();
        let started = Instant::now();
        let answer = get_with(&app, "/private", &token).await;
        assert_eq!(answer.status, Status::ServiceUnavailable, "cold, {name}");
        let elapsed = started.elapsed();
        assert!(elapsed < within, "cold, {name}: {elapsed:?}");
        // Recovery with no restart.
        ks.serve_keys(&[&RSA_A]).await;
        let status_now = status(&app, "/private", &token).await;
        assert_eq!(status_now, Status::Ok, "recovery, {name}");

        // Warm, stale: the refresh misbehaves, the cached keys serve; the
        // request that finds the set stale is answered at once with it
        // (stale-while-revalidate), the refresh running in the background.
        // A well-formed set with no usable key is not a misbehaviour but
        // the issuer's answer: once fetched it replaces the keys (503).
        let clock = ManualClock::new();
        let ttl = Duration::from_millis(50);
        let stale_soon = ks
            .config_stale_after(ttl)
            .fetch_timeout(timeout)
            .clock(clock.clock());
        let app = TestApp::library(stale_soon).await;
        let status_now = status(&app, "/private", &token).await;
        assert_eq!(status_now, Status::Ok, "warm-up, {name}");
        let fetched = app.key_set_status().last_attempt;
        ks.respond(misbehaviour).await;
        clock.advance(ttl * 2);
        let started = Instant::now();
        let status_now = status(&app, "/private", &token).await;
        assert_eq!(status_now, Status::Ok, "warm, {name}");
        let elapsed = started.elapsed();
        assert!(elapsed < within, "warm, {name}: {elapsed:?}");
        ks.await_fetches(1).await;
        app.await_fetch_end(fetched).await; // the background refresh is over
        let after = get_with(&app, "/private", &token).await;
        if matches!(name, "empty key set" | "only unusable keys") {
            after.assert(Expect::Unavailable, &format!("revoked, {name}"));
        } else {
            assert_eq!(after.status, Status::Ok, "after the refresh, {name}");
        }
    }
}

#[rocket::async_test]
async fn a_flapping_issuer_never_fails_a_warm_request() {
    let ttl = Duration::from_millis(20);
    let (ks, clock, app, token) = stale_app(ttl).await;
    let warm_up = status(&app, "/private", &token).await;
    assert_eq!(warm_up, Status::Ok, "warm-up");
    for round in 0..10 {
        if round % 2 == 0 {
            ks.respond(ResponseTemplate::new(503)).await;
        } else {
            ks.serve_keys(&[&RSA_A]).await;
        }
        clock.advance(ttl * 3 / 2);
        let status_now = status(&app, "/private", &token).await;
        assert_eq!(status_now, Status::Ok, "round {round}");
    }
}

#[rocket::async_test]
async fn duplicate_kids_keep_the_first_key() {
    let mut impostor = RSA_B.public_jwk().clone();
    impostor["kid"] = json!("rsa-a");
    let mut keys = auth_runtime::testing::key_set([&**RSA_A]);
    keys["keys"].as_array_mut().unwrap().push(impostor);
    let ks = KeyServer::answering(ResponseTemplate::new(200).set_body_json(keys)).await;
    let app = ks.app().await;
    let by_a = ks.token(&RSA_A).build();
    assert_eq!(status(&app, "/private", &by_a).await, Status::Ok);
    let by_b = ks.token(&RSA_B).kid(Some("rsa-a")).build();
    assert_eq!(status(&app, "/private", &by_b).await, Status::Unauthorized);
}

#[rocket::async_test]
async fn keys_rotated_twice_are_followed_with_one_fetch_each() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = TestApp::library(ks.config_short_cooldown()).await;
    let by = |key| ks.token(key).build();
    assert_eq!(status(&app, "/private", &by(&RSA_A)).await, Status::Ok);
    // First rotation: A and B published, tokens now signed by B.
    ks.serve_keys(&[&RSA_A, &RSA_B]).await;
    let answered = statuses(&app, "/private", &by(&RSA_B), 5).await;
    assert_eq!(answered, [Status::Ok; 5]);
    assert_eq!(ks.fetches().await, 1);
    // Second rotation: A retired, EC added. A's tokens stop working once the
    // set is refreshed (here by the first EC token's unknown kid).
    ks.serve_keys(&[&RSA_B, &EC]).await;
    assert_eq!(status(&app, "/private", &by(&EC)).await, Status::Ok);
    assert_eq!(status(&app, "/private", &by(&RSA_B)).await, Status::Ok);
    let retired = get_with(&app, "/private", &by(&RSA_A)).await;
    assert_eq!(retired.json()["description"], NO_KEY);
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
