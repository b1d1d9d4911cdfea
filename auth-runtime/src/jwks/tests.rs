//! The cache end to end, against a wiremock key-set server on 127.0.0.1, in
//! real time (paused time would fire the fetch timeout while a socket is
//! waited on; the boundaries are pinned with paused time in `policy`).

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{JwksCache, VerifyKey};
use crate::config::{AuthConfig, AuthConfigBuilder};
use crate::error::AuthError;
use crate::testing::{key_set, SigningKey};

static A: LazyLock<Arc<SigningKey>> = LazyLock::new(|| Arc::new(SigningKey::generate_ec("a")));
static B: LazyLock<Arc<SigningKey>> = LazyLock::new(|| Arc::new(SigningKey::generate_ec("b")));
const AUDIENCE: &str = "https://api";
fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

struct Server(MockServer);

impl Server {
    async fn start(keys: &[&SigningKey]) -> Server {
        let server = Server(MockServer::start().await);
        server.serve(keys).await;
        server
    }

    /// Replaces what the key-set path answers, and forgets past requests.
    async fn respond(&self, answer: ResponseTemplate) {
        self.0.reset().await;
        Mock::given(method("GET"))
            .and(path("/jwks.json"))
            .respond_with(answer)
            .mount(&self.0)
            .await;
    }

    async fn serve(&self, keys: &[&SigningKey]) {
        let set = key_set(keys.iter().copied());
        self.respond(ResponseTemplate::new(200).set_body_json(set))
            .await;
    }

    /// Serves `keys` after `delay` (a hanging issuer, for a long one).
    async fn serve_after(&self, keys: &[&SigningKey], delay: Duration) {
        let set = key_set(keys.iter().copied());
        let answer = ResponseTemplate::new(200).set_body_json(set);
        self.respond(answer.set_delay(delay)).await;
    }

    /// Has `cache` fetch A's key, then answers `status` from then on: an
    /// issuer that fails once its keys are cached.
    async fn fail_after_fetch(&self, cache: &JwksCache, status: u16) -> Arc<VerifyKey> {
        let key = cache.key_for(Some("a")).await.unwrap();
        self.respond(ResponseTemplate::new(status)).await;
        key
    }

    /// Waits (at most 5 s) until the key-set path was asked `n` times since
    /// the last `respond`.
    async fn await_fetches(&self, n: usize, what: &str) {
        eventually(what, || async { self.fetches().await == n }).await;
    }

    /// Requests to the key-set path since the last `respond`.
    async fn fetches(&self) -> usize {
        self.0.received_requests().await.unwrap_or_default().len()
    }

    fn config(&self) -> AuthConfigBuilder {
        AuthConfig::builder(format!("{}/", self.0.uri()), AUDIENCE)
            .jwks_uri(format!("{}/jwks.json", self.0.uri()))
            .retry_interval(Duration::ZERO)
            .refresh_cooldown(ms(1))
            .fetch_timeout(Duration::from_secs(10))
    }

    fn cache(&self, config: AuthConfigBuilder) -> Arc<JwksCache> {
        Arc::new(JwksCache::new(&config.build().unwrap()).unwrap())
    }
}

/// Waits (at most 5 s) until `cache` has made `n` fetch attempts.
async fn await_attempts(cache: &JwksCache, n: u64, what: &str) {
    eventually(what, || async { cache.fetch_attempts() == n }).await;
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
    let ks = Server::start(&[&A]).await;
    let cache = ks.cache(ks.config().jwks_ttl(ms(200)));
    let key = cache.key_for(Some("a")).await.unwrap();
    ks.serve_after(&[&A], Duration::from_secs(30)).await;
    tokio::time::sleep(ms(300)).await;
    let started = Instant::now();
    let again = cache.key_for(Some("a")).await.unwrap();
    assert!(cache.still_current(Some("a"), &key));
    assert!(
        started.elapsed() < ms(500),
        "waited {:?}",
        started.elapsed()
    );
    assert!(Arc::ptr_eq(&key, &again));
    ks.await_fetches(1, "the background refresh reaches the server")
        .await;
    assert_eq!(cache.fetch_attempts(), 1, "the refresh is still in flight");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_stale_requests_start_exactly_one_background_fetch() {
    let ks = Server::start(&[&A]).await;
    let cache = ks.cache(ks.config().jwks_ttl(ms(200)));
    cache.key_for(Some("a")).await.unwrap();
    ks.serve_after(&[&A], Duration::from_secs(1)).await;
    tokio::time::sleep(ms(300)).await;
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
async fn the_refresh_ahead_starts_before_the_ttl() {
    let ks = Server::start(&[&A]).await;
    let ttl = Duration::from_secs(4);
    let cache = ks.cache(ks.config().jwks_ttl(ttl).refresh_ahead(0.25));
    let before_the_fetch = Instant::now();
    cache.key_for(Some("a")).await.unwrap();
    tokio::time::sleep(ms(1200)).await;
    cache.key_for(Some("a")).await.unwrap();
    assert!(
        before_the_fetch.elapsed() < ttl,
        "the set was not stale yet"
    );
    ks.await_fetches(2, "a refresh past a quarter of the TTL")
        .await;
}

#[tokio::test]
async fn a_failed_background_fetch_keeps_the_keys_and_waits_out_the_cooldown() {
    let ks = Server::start(&[&A]).await;
    let cache = ks.cache(ks.config().jwks_ttl(ms(200)).refresh_cooldown(ms(1000)));
    let key = ks.fail_after_fetch(&cache, 500).await;
    tokio::time::sleep(ms(1100)).await;
    assert!(Arc::ptr_eq(&key, &cache.key_for(Some("a")).await.unwrap()));
    await_attempts(&cache, 2, "the refresh fails").await;
    for _ in 0..5 {
        assert!(Arc::ptr_eq(&key, &cache.key_for(Some("a")).await.unwrap()));
    }
    tokio::time::sleep(ms(100)).await;
    assert_eq!(ks.fetches().await, 1, "no second try within the cooldown");
    tokio::time::sleep(ms(1000)).await;
    assert!(cache.key_for(Some("a")).await.is_ok());
    ks.await_fetches(2, "a second try after the cooldown").await;
}

#[tokio::test]
async fn past_the_staleness_cap_keys_no_longer_serve() {
    let ks = Server::start(&[&A]).await;
    let cache = ks.cache(ks.config().jwks_ttl(ms(200)).max_stale(ms(1000)));
    let fetched = Instant::now();
    let key = ks.fail_after_fetch(&cache, 503).await;
    tokio::time::sleep(ms(400)).await;
    assert!(
        cache.key_for(Some("a")).await.is_ok(),
        "stale, within the cap"
    );
    tokio::time::sleep(ms(1100).saturating_sub(fetched.elapsed())).await;
    assert!(matches!(
        cache.key_for(Some("a")).await,
        Err(AuthError::JwksUnavailable)
    ));
    assert!(!cache.still_current(Some("a"), &key));
    ks.serve(&[&A]).await;
    assert!(cache.key_for(Some("a")).await.is_ok(), "recovered");
}

#[tokio::test]
async fn a_set_with_no_usable_key_replaces_the_keys() {
    let revoked = serde_json::json!({ "keys": [{ "kty": "oct", "k": "c2VjcmV0" }] });
    let ks = Server::start(&[&A]).await;
    let cache = ks.cache(ks.config().retry_interval(Duration::from_secs(60)));
    let key = cache.key_for(Some("a")).await.unwrap();
    ks.respond(ResponseTemplate::new(200).set_body_json(&revoked))
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
    assert!(!cache.still_current(Some("a"), &key));
    assert_eq!(ks.fetches().await, 1, "then the retry interval holds");
    // Cold, the same answer gives the same 503.
    let cold = ks.cache(ks.config());
    assert!(matches!(
        cold.key_for(Some("a")).await,
        Err(AuthError::JwksUnavailable)
    ));
}

#[tokio::test]
async fn a_cached_token_meeting_a_stale_set_and_a_lost_kid_waits_one_timeout_in_total() {
    // What the validator does for a cached token: `still_current` (which
    // never waits), then, its kid gone, `key_for` (the only wait).
    let ks = Server::start(&[&A, &B]).await;
    let timeout = ms(1000);
    let cache = ks.cache(ks.config().jwks_ttl(ms(300)).fetch_timeout(timeout));
    let b = cache.key_for(Some("b")).await.unwrap();
    // B is retired: the stale set still holds it; its refresh drops it.
    ks.serve(&[&A]).await;
    tokio::time::sleep(ms(400)).await;
    assert!(
        cache.still_current(Some("b"), &b),
        "stale, answered at once"
    );
    await_attempts(&cache, 2, "the refresh drops B").await;
    // The issuer hangs and the set is stale again.
    ks.serve_after(&[&A], Duration::from_secs(30)).await;
    tokio::time::sleep(ms(400)).await;
    let started = Instant::now();
    assert!(!cache.still_current(Some("b"), &b));
    assert!(started.elapsed() < ms(100), "still_current never waits");
    let answer = cache.key_for(Some("b")).await;
    let waited = started.elapsed();
    assert!(matches!(answer, Err(AuthError::KeyNotFound)), "{answer:?}");
    assert!(waited >= ms(800), "the unknown kid waited: {waited:?}");
    assert!(waited < ms(1500), "one timeout, not two: {waited:?}");
    assert_eq!(ks.fetches().await, 1, "one fetch for both reasons");
}

#[tokio::test]
async fn a_refresh_keeps_the_very_key_of_unchanged_keys() {
    let ks = Server::start(&[&A]).await;
    let cache = ks.cache(ks.config());
    let a = cache.key_for(Some("a")).await.unwrap();
    // B's unknown kid forces a refresh; A is unchanged in the new set.
    ks.serve(&[&A, &B]).await;
    assert!(cache.key_for(Some("b")).await.is_ok());
    assert_eq!(cache.fetch_attempts(), 2);
    assert!(cache.still_current(Some("a"), &a), "the same Arc");
    assert!(Arc::ptr_eq(&a, &cache.key_for(Some("a")).await.unwrap()));
    // A new key under A's kid is not A.
    let other = SigningKey::generate_ec("a");
    ks.serve(&[&other, &B]).await;
    tokio::time::sleep(ms(10)).await; // past the (1 ms) cooldown of unknown kids
    assert!(cache.key_for(Some("c")).await.is_err());
    assert_eq!(cache.fetch_attempts(), 3);
    assert!(!cache.still_current(Some("a"), &a), "changed material");
}

#[tokio::test]
async fn warm_up_fetches_once_and_reports_a_failure() {
    let ks = Server::start(&[&A]).await;
    let cache = ks.cache(ks.config());
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
    let down = Server::start(&[&A]).await;
    down.respond(ResponseTemplate::new(500)).await;
    let cache = down.cache(down.config());
    let failed = cache.begin_warm_up(true).finish().await;
    assert!(matches!(failed, Err(AuthError::JwksUnavailable)));
    down.serve(&[&A]).await;
    assert!(cache.key_for(Some("a")).await.is_ok());
}

#[test]
fn a_runtime_shutting_down_with_a_fetch_in_flight_neither_panics_nor_hangs() {
    // Accepts connections (the kernel's backlog) but never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
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
    let started = Instant::now();
    while !cache.inner.lock_state().attempts.in_flight {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no fetch started"
        );
        std::thread::sleep(ms(10));
    }
    std::thread::sleep(ms(200));
    let started = Instant::now();
    runtime.shutdown_timeout(Duration::from_secs(10));
    assert!(started.elapsed() < Duration::from_secs(5), "shutdown hung");
    // The cancelled fetch was recorded to its end (no panic midway), and
    // the cache is free for the next fetch.
    assert_eq!(cache.fetch_attempts(), 1);
    assert!(!cache.inner.lock_state().attempts.in_flight);
    drop(listener);
}
