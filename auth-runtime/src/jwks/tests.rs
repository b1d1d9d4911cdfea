//! The cache end to end, against the `testing` feature's key-set server
//! ([`KeySetServer`], the one the integration tests use) on 127.0.0.1.
//! Its rules (TTL, refresh ahead, cooldowns, back-off, staleness cap) read
//! a [`ManualClock`], moved past each boundary rather than slept through;
//! only waits (a fetch's timeout, a fetch reaching the server) take real
//! time, and a test waits for the event itself, never for a fixed time.
//! What a client sees of these rules through HTTP (the staleness cap's
//! 503, the token cache across a refresh, warm-up at liftoff, shutdown) is
//! in `tests/key_refresh.rs`; an issuer's misbehaviours and empty sets,
//! cold and warm, in `tests/misbehaving_issuer.rs`.

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use super::{JwksCache, VerifyKey};
use crate::config::{AuthConfig, AuthConfigBuilder};
use crate::error::AuthError;
use crate::testing::{KeySetServer, ManualClock, SigningKey};

static A: LazyLock<Arc<SigningKey>> = LazyLock::new(|| Arc::new(SigningKey::generate_ec("a")));
static B: LazyLock<Arc<SigningKey>> = LazyLock::new(|| Arc::new(SigningKey::generate_ec("b")));
const AUDIENCE: &str = "https://api";
const TICK: Duration = Duration::from_millis(1);
/// Long enough that a fetch never ends by itself within a test.
const HANG: Duration = Duration::from_secs(60);
fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}
fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

/// A configuration for `server` on `clock`'s time.
fn config(server: &KeySetServer, clock: &ManualClock) -> AuthConfigBuilder {
    server
        .config(AUDIENCE)
        .refresh_cooldown(ms(1))
        .fetch_timeout(Duration::from_secs(10))
        .clock(clock.clock())
}

fn new_cache(config: AuthConfigBuilder) -> Arc<JwksCache> {
    Arc::new(JwksCache::new(&config.build().unwrap()).unwrap())
}

/// Has `cache` fetch A's key, then answers `status` from then on: an
/// issuer that fails once its keys are cached.
async fn fail_after_fetch(server: &KeySetServer, cache: &JwksCache, status: u16) -> Arc<VerifyKey> {
    let key = cache.key_for(Some("a")).await.unwrap();
    server.fail_with(status).await;
    key
}

/// Waits (at most 5 s) until `cache` has made `n` fetch attempts.
async fn await_attempts(cache: &JwksCache, n: u64, what: &str) {
    eventually(what, || async { cache.fetch_attempts() == n }).await;
}

/// Whether a fetch is running now. A fetch starts in the request that
/// decides it (before that request returns); on the tests' single-threaded
/// runtime it cannot end before the test next awaits.
fn in_flight(cache: &JwksCache) -> bool {
    cache.inner.lock_state().attempts.in_flight
}

/// Waits (at most 5 s) until `test` holds.
async fn eventually<F: std::future::Future<Output = bool>>(what: &str, test: impl Fn() -> F) {
    let started = Instant::now();
    while !test().await {
        assert!(started.elapsed() < Duration::from_secs(5), "never: {what}");
        tokio::time::sleep(ms(10)).await;
    }
}

#[tokio::test]
async fn a_stale_set_answers_at_once_while_its_refresh_hangs() {
    let (ks, clock) = (KeySetServer::start(&[&A]).await, ManualClock::new());
    let cache = new_cache(config(&ks, &clock).jwks_ttl(ms(200)));
    let key = cache.key_for(Some("a")).await.unwrap();
    ks.serve_keys_after(&[&A], HANG).await;
    clock.advance(ms(300));
    let started = Instant::now();
    for _ in 0..3 {
        let again = cache.key_for(Some("a")).await.unwrap();
        assert!(Arc::ptr_eq(&key, &again), "the stale key, at once");
    }
    assert!(cache.still_current(cache.inner.clock.now(), Some("a"), &key));
    // Any bound far below the hang says "not waiting for it"; a generous
    // one cannot fail on a busy machine.
    let waited = started.elapsed();
    assert!(waited < HANG / 6, "waited {waited:?} for a hanging fetch");
    ks.await_fetches(1).await; // the background refresh reaches the server
    assert_eq!(cache.fetch_attempts(), 1, "the refresh is still in flight");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_stale_requests_start_exactly_one_background_fetch() {
    let (ks, clock) = (KeySetServer::start(&[&A]).await, ManualClock::new());
    let cache = new_cache(config(&ks, &clock).jwks_ttl(ms(200)));
    cache.key_for(Some("a")).await.unwrap();
    ks.serve_keys_after(&[&A], ms(200)).await;
    clock.advance(ms(300));
    let requests: Vec<_> = (0..50)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move { cache.key_for(Some("a")).await.is_ok() })
        })
        .collect();
    for request in requests {
        assert!(request.await.unwrap());
    }
    assert_eq!(
        cache.fetch_attempts(),
        1,
        "every request was answered first"
    );
    await_attempts(&cache, 2, "the refresh completes").await;
    assert_eq!(ks.fetches().await, 1, "one fetch for fifty stale requests");
}

#[tokio::test]
async fn a_set_is_fresh_until_one_tick_before_its_ttl_and_refreshed_in_the_background_at_it() {
    let (ks, clock) = (KeySetServer::start(&[&A]).await, ManualClock::new());
    let ttl = secs(600);
    let cache = new_cache(config(&ks, &clock).jwks_ttl(ttl).refresh_ahead(1.0));
    let key = cache.key_for(Some("a")).await.unwrap();
    clock.advance(ttl - TICK);
    assert!(Arc::ptr_eq(&key, &cache.key_for(Some("a")).await.unwrap()));
    assert!(!in_flight(&cache), "fresh: no refresh one tick before");
    clock.advance(TICK);
    assert!(Arc::ptr_eq(&key, &cache.key_for(Some("a")).await.unwrap()));
    assert!(in_flight(&cache), "stale at its TTL: refreshing");
    assert_eq!(cache.fetch_attempts(), 1, "and answered before the refresh");
    await_attempts(&cache, 2, "the background refresh completes").await;
}

#[tokio::test]
async fn the_refresh_ahead_starts_at_its_fraction_of_the_ttl_and_not_one_tick_before() {
    let (ks, clock) = (KeySetServer::start(&[&A]).await, ManualClock::new());
    let cache = new_cache(config(&ks, &clock).jwks_ttl(secs(4)).refresh_ahead(0.25));
    cache.key_for(Some("a")).await.unwrap();
    clock.advance(secs(1) - TICK);
    cache.key_for(Some("a")).await.unwrap();
    assert!(!in_flight(&cache), "one tick before a quarter of the TTL");
    clock.advance(TICK);
    cache.key_for(Some("a")).await.unwrap();
    assert!(in_flight(&cache), "at a quarter of the TTL, still fresh");
    ks.await_fetches(2).await; // a refresh at a quarter of the TTL
    assert_eq!(ks.fetches().await, 2);
}

#[tokio::test]
async fn a_failed_background_fetch_keeps_the_keys_and_waits_out_the_cooldown() {
    let (ks, clock) = (KeySetServer::start(&[&A]).await, ManualClock::new());
    let cooldown = secs(30);
    let cache = new_cache(
        config(&ks, &clock)
            .jwks_ttl(ms(200))
            .refresh_cooldown(cooldown),
    );
    let key = fail_after_fetch(&ks, &cache, 500).await;
    clock.advance(cooldown);
    assert!(Arc::ptr_eq(&key, &cache.key_for(Some("a")).await.unwrap()));
    await_attempts(&cache, 2, "the refresh fails").await;
    for _ in 0..5 {
        assert!(Arc::ptr_eq(&key, &cache.key_for(Some("a")).await.unwrap()));
    }
    assert!(!in_flight(&cache), "no second try right after the failure");
    clock.advance(cooldown - TICK);
    assert!(Arc::ptr_eq(&key, &cache.key_for(Some("a")).await.unwrap()));
    assert!(!in_flight(&cache), "nor one tick before the cooldown");
    clock.advance(TICK);
    assert!(cache.key_for(Some("a")).await.is_ok());
    assert!(in_flight(&cache), "a second try at the cooldown");
    ks.await_fetches(2).await; // a second try after the cooldown
    assert_eq!(ks.fetches().await, 2);
}

#[tokio::test]
async fn past_the_staleness_cap_keys_no_longer_serve() {
    let (ks, clock) = (KeySetServer::start(&[&A]).await, ManualClock::new());
    let max_stale = secs(3600);
    let cache = new_cache(config(&ks, &clock).jwks_ttl(ms(200)).max_stale(max_stale));
    let key = fail_after_fetch(&ks, &cache, 503).await;
    clock.advance(ms(400));
    assert!(
        cache.key_for(Some("a")).await.is_ok(),
        "stale, within the cap"
    );
    await_attempts(&cache, 2, "the refresh fails").await;
    clock.advance(max_stale - ms(400) - TICK);
    assert!(cache.status().ready, "ready one tick before the cap");
    assert!(cache.still_current(cache.inner.clock.now(), Some("a"), &key));
    assert!(cache.key_for(Some("a")).await.is_ok(), "one tick before");
    clock.advance(TICK);
    assert!(!cache.status().ready, "not ready at the cap");
    assert!(!cache.still_current(cache.inner.clock.now(), Some("a"), &key));
    assert!(matches!(
        cache.key_for(Some("a")).await,
        Err(AuthError::JwksUnavailable)
    ));
    ks.serve_keys(&[&A]).await;
    assert!(cache.key_for(Some("a")).await.is_ok(), "recovered");
}

#[tokio::test]
async fn an_unknown_kid_refreshes_again_exactly_at_the_cooldown_and_not_one_tick_before() {
    let (ks, clock) = (KeySetServer::start(&[&A]).await, ManualClock::new());
    let cooldown = secs(30);
    let cache = new_cache(config(&ks, &clock).refresh_cooldown(cooldown));
    cache.key_for(Some("a")).await.unwrap();
    let unknown = || async { cache.key_for(Some("x")).await.unwrap_err() };
    assert_eq!(unknown().await, AuthError::KeyNotFound);
    assert_eq!(cache.fetch_attempts(), 2, "the first unknown kid refreshes");
    clock.advance(cooldown - TICK);
    assert_eq!(unknown().await, AuthError::KeyNotFound);
    assert_eq!(
        cache.fetch_attempts(),
        2,
        "none one tick before the cooldown"
    );
    clock.advance(TICK);
    assert_eq!(unknown().await, AuthError::KeyNotFound);
    assert_eq!(cache.fetch_attempts(), 3, "one at the cooldown");
    assert_eq!(ks.fetches().await, 3);
}

#[tokio::test]
async fn a_cold_cache_backs_off_for_the_retry_interval_after_a_failed_fetch() {
    let (ks, clock) = (KeySetServer::start(&[&A]).await, ManualClock::new());
    ks.fail_with(500).await;
    let retry = secs(5);
    let cache = new_cache(config(&ks, &clock).retry_interval(retry));
    let unavailable = || async { cache.key_for(Some("a")).await.unwrap_err() };
    assert_eq!(unavailable().await, AuthError::JwksUnavailable);
    assert_eq!(cache.fetch_attempts(), 1);
    clock.advance(retry - TICK);
    assert_eq!(unavailable().await, AuthError::JwksUnavailable);
    assert_eq!(cache.fetch_attempts(), 1, "503 at once, one tick before");
    clock.advance(TICK);
    ks.serve_keys(&[&A]).await;
    assert!(
        cache.key_for(Some("a")).await.is_ok(),
        "fetched again at it"
    );
    assert_eq!(cache.fetch_attempts(), 2);
}

/// The rule of an empty set; what a client then sees through HTTP (503 for
/// a cached token, cold and warm) is `tests/misbehaving_issuer.rs`'s.
#[tokio::test]
async fn a_set_with_no_usable_key_replaces_the_keys() {
    let revoked = serde_json::json!({ "keys": [{ "kty": "oct", "k": "c2VjcmV0" }] });
    let (ks, clock) = (KeySetServer::start(&[&A]).await, ManualClock::new());
    let cache = new_cache(config(&ks, &clock).retry_interval(Duration::from_secs(60)));
    let key = cache.key_for(Some("a")).await.unwrap();
    ks.respond(wiremock::ResponseTemplate::new(200).set_body_json(&revoked))
        .await;
    // An unknown kid forces the refresh that brings the empty set.
    assert!(matches!(
        cache.key_for(Some("new")).await,
        Err(AuthError::JwksUnavailable)
    ));
    assert!(matches!(
        cache.key_for(Some("a")).await,
        Err(AuthError::JwksUnavailable)
    ));
    assert!(!cache.still_current(cache.inner.clock.now(), Some("a"), &key));
    assert_eq!(ks.fetches().await, 1, "then the retry interval holds");
    // Cold, the same answer gives the same 503.
    let cold = new_cache(config(&ks, &clock));
    assert!(matches!(
        cold.key_for(Some("a")).await,
        Err(AuthError::JwksUnavailable)
    ));
}

#[tokio::test]
async fn a_cached_token_meeting_a_stale_set_and_a_lost_kid_waits_one_timeout_in_total() {
    // What the validator does for a cached token: `still_current` (which
    // never waits), then, its kid gone, `key_for` (the only wait). The
    // fetch timeout is a wait: real time.
    let (ks, clock) = (KeySetServer::start(&[&A, &B]).await, ManualClock::new());
    let timeout = ms(2000);
    let cache = new_cache(config(&ks, &clock).jwks_ttl(ms(300)).fetch_timeout(timeout));
    let b = cache.key_for(Some("b")).await.unwrap();
    // B is retired: the stale set still holds it; its refresh drops it.
    ks.serve_keys(&[&A]).await;
    clock.advance(ms(400));
    assert!(
        cache.still_current(cache.inner.clock.now(), Some("b"), &b),
        "stale, answered at once"
    );
    await_attempts(&cache, 2, "the refresh drops B").await;
    // The issuer hangs and the set is stale again.
    ks.serve_keys_after(&[&A], HANG).await;
    clock.advance(ms(400));
    // `still_current` is not async: it cannot wait for the fetch.
    assert!(!cache.still_current(cache.inner.clock.now(), Some("b"), &b));
    let started = Instant::now();
    let answer = cache.key_for(Some("b")).await;
    let waited = started.elapsed();
    assert!(matches!(answer, Err(AuthError::KeyNotFound)), "{answer:?}");
    assert!(
        waited >= timeout * 4 / 5,
        "the unknown kid waited: {waited:?}"
    );
    // Two timeouts would be two fetches, and at least twice the timeout:
    // the count is the event; the bound leaves a whole timeout of slack.
    assert_eq!(ks.fetches().await, 1, "one fetch for both reasons");
    assert!(waited < timeout * 2, "one timeout, not two: {waited:?}");
}

#[tokio::test]
async fn a_refresh_keeps_the_very_key_of_unchanged_keys() {
    let (ks, clock) = (KeySetServer::start(&[&A]).await, ManualClock::new());
    let cache = new_cache(config(&ks, &clock));
    let a = cache.key_for(Some("a")).await.unwrap();
    // B's unknown kid forces a refresh; A is unchanged in the new set.
    ks.serve_keys(&[&A, &B]).await;
    assert!(cache.key_for(Some("b")).await.is_ok());
    assert_eq!(cache.fetch_attempts(), 2);
    assert!(
        cache.still_current(cache.inner.clock.now(), Some("a"), &a),
        "the same Arc"
    );
    assert!(Arc::ptr_eq(&a, &cache.key_for(Some("a")).await.unwrap()));
    // A new key under A's kid is not A.
    let other = SigningKey::generate_ec("a");
    ks.serve_keys(&[&other, &B]).await;
    clock.advance(ms(1)); // the cooldown of unknown kids
    assert!(cache.key_for(Some("c")).await.is_err());
    assert_eq!(cache.fetch_attempts(), 3);
    assert!(
        !cache.still_current(cache.inner.clock.now(), Some("a"), &a),
        "changed material"
    );
}

#[tokio::test]
async fn warm_up_fetches_once_and_reports_a_failure() {
    let (ks, clock) = (KeySetServer::start(&[&A]).await, ManualClock::new());
    let cache = new_cache(config(&ks, &clock));
    assert!(cache.begin_warm_up(false).finish().await.is_ok());
    assert_eq!(
        ks.fetches().await,
        0,
        "not needed (a shared secret): no fetch"
    );
    assert!(cache.begin_warm_up(true).finish().await.is_ok());
    assert!(cache.begin_warm_up(true).finish().await.is_ok());
    assert!(cache.key_for(Some("a")).await.is_ok());
    assert_eq!(ks.fetches().await, 1, "the first request found the keys");
    // A failed warm-up is reported, and the next request fetches again.
    let down = KeySetServer::start(&[&A]).await;
    down.fail_with(500).await;
    let cache = new_cache(config(&down, &clock));
    let failed = cache.begin_warm_up(true).finish().await;
    assert!(matches!(failed, Err(AuthError::JwksUnavailable)));
    down.serve_keys(&[&A]).await;
    assert!(cache.key_for(Some("a")).await.is_ok());
}

#[test]
fn a_runtime_shutting_down_with_a_fetch_in_flight_neither_panics_nor_hangs() {
    // Takes the connection and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap();
    let config = AuthConfig::builder(format!("http://{address}/"), AUDIENCE)
        .jwks_uri(format!("http://{address}/jwks.json"))
        .fetch_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let cache = Arc::new(runtime.block_on(async { JwksCache::new(&config) }).unwrap());
    let waiting = cache.clone();
    runtime.spawn(async move { waiting.key_for(Some("a")).await });
    // The fetch is in flight once its connection arrives.
    let started = Instant::now();
    let _connection = loop {
        match listener.accept() {
            Ok((connection, _)) => break connection,
            Err(_) => {
                assert!(
                    started.elapsed() < Duration::from_secs(5),
                    "no fetch started"
                );
                std::thread::yield_now();
            }
        }
    };
    assert!(in_flight(&cache));
    let started = Instant::now();
    runtime.shutdown_timeout(Duration::from_secs(10));
    assert!(started.elapsed() < Duration::from_secs(5), "shutdown hung");
    // The cancelled fetch was recorded to its end (no panic midway), and
    // the cache is free for the next fetch.
    assert_eq!(cache.fetch_attempts(), 1);
    assert!(!in_flight(&cache));
    drop(listener);
}
