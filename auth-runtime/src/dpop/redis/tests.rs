use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use super::*;
use crate::dpop::{check_replay, DpopConfig, DpopError, VerifiedProof};

const TIMEOUT: Duration = Duration::from_millis(500);
const NOW: u64 = 1_700_000_000;

/// A `redis-server` on a free loopback port, stopped when dropped.
struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    /// Starts one, or says why not and gives `None` when `redis-server`
    /// is not installed.
    fn start() -> Option<RedisServer> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            // Where the tests must run (CI), a missing server is a failure.
            assert!(
                std::env::var_os("AUTH_REDIS_TESTS_REQUIRED").is_none(),
                "AUTH_REDIS_TESTS_REQUIRED is set but redis-server is not on PATH"
            );
            eprintln!(
                "SKIPPED: redis-server is not on PATH (apt-get install redis-server); \
                 the Redis replay store was not tested against a server"
            );
            return None;
        }
        Some(RedisServer::on(free_port()))
    }

    fn on(port: u16) -> RedisServer {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        RedisServer { child, port }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free port");
    listener.local_addr().expect("its address").port()
}

fn key(byte: u8) -> ReplayKey {
    ReplayKey::from_bytes([byte; 32])
}

#[tokio::test]
async fn a_proof_recorded_by_one_instance_is_a_replay_at_another() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let one = RedisReplayStore::new(&server.url(), TIMEOUT).unwrap();
    let other = RedisReplayStore::new(&server.url(), TIMEOUT).unwrap();
    // In this order: each answer depends on the calls before it.
    for (step, store, byte, expected) in [
        (1, &one, 1, Freshness::Fresh),
        (2, &other, 1, Freshness::Replayed),
        (3, &one, 1, Freshness::Replayed),
        (4, &other, 2, Freshness::Fresh),
    ] {
        assert_eq!(
            store.check_and_record(&key(byte), NOW, NOW + 300).await,
            Ok(expected),
            "step {step}"
        );
    }
}

#[tokio::test]
async fn a_verified_proof_replayed_at_a_second_instance_is_refused() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let config = DpopConfig::default();
    let one = RedisReplayStore::new(&server.url(), TIMEOUT).unwrap();
    let other = RedisReplayStore::new(&server.url(), TIMEOUT).unwrap();
    let proof = VerifiedProof::for_tests(key(5), NOW + 301);
    assert_eq!(check_replay(&one, &proof, &config, NOW).await, Ok(()));
    assert_eq!(
        check_replay(&other, &proof, &config, NOW + 1).await,
        Err(DpopError::InvalidProof(
            "The DPoP proof was used before (its jti was seen)"
        ))
    );
}

#[tokio::test]
async fn entries_expire_with_the_proof_window() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = RedisReplayStore::new(&server.url(), TIMEOUT).unwrap();
    assert_eq!(
        store.check_and_record(&key(3), NOW, NOW + 331).await,
        Ok(Freshness::Fresh)
    );
    // Past expiry (or for a time already gone) the key still lives a second.
    assert_eq!(
        store.check_and_record(&key(4), NOW, NOW - 5).await,
        Ok(Freshness::Fresh)
    );
    let mut connection = store.connection().await.unwrap();
    for (byte, expected) in [(3, 329..=331), (4, 0..=1)] {
        let ttl: i64 = redis::cmd("TTL")
            .arg(key_name(&key(byte)))
            .query_async(&mut connection)
            .await
            .unwrap();
        assert!(expected.contains(&ttl), "key {byte}: TTL {ttl}");
    }
}

/// `store` answers [`StoreUnavailable`] for `key`, before the timeout
/// and half a second more have passed; how long it took.
async fn assert_unavailable_in_time(store: &RedisReplayStore, key: &ReplayKey) -> Duration {
    let started = Instant::now();
    assert_eq!(
        store.check_and_record(key, NOW, NOW + 300).await,
        Err(StoreUnavailable)
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed < TIMEOUT + Duration::from_millis(500),
        "{elapsed:?}"
    );
    elapsed
}

#[tokio::test]
async fn no_server_is_store_unavailable_quickly() {
    let store =
        RedisReplayStore::new(&format!("redis://127.0.0.1:{}", free_port()), TIMEOUT).unwrap();
    assert_unavailable_in_time(&store, &key(1)).await;
}

#[tokio::test]
async fn a_silent_server_is_store_unavailable_within_the_timeout() {
    // Accepts connections and never answers.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let _holder = std::thread::spawn(move || {
        let held: Vec<TcpStream> = listener.incoming().take(8).filter_map(Result::ok).collect();
        std::thread::sleep(Duration::from_secs(5));
        drop(held);
    });
    let store = RedisReplayStore::new(&format!("redis://127.0.0.1:{port}"), TIMEOUT).unwrap();
    let elapsed = assert_unavailable_in_time(&store, &key(1)).await;
    assert!(elapsed >= TIMEOUT, "{elapsed:?}");
}

#[tokio::test]
async fn a_server_that_goes_away_is_store_unavailable_and_is_used_again_when_back() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let store = RedisReplayStore::new(&server.url(), TIMEOUT).unwrap();
    assert_eq!(
        store.check_and_record(&key(1), NOW, NOW + 300).await,
        Ok(Freshness::Fresh)
    );
    server.stop();
    assert_unavailable_in_time(&store, &key(2)).await;
    let _back = RedisServer::on(server.port);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match store.check_and_record(&key(3), NOW, NOW + 300).await {
            Ok(fresh) => break assert_eq!(fresh, Freshness::Fresh),
            Err(StoreUnavailable) => assert!(Instant::now() < deadline, "never reconnected"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn bad_urls_are_refused_without_echo() {
    for url in ["", "http://h:1", "not a url", "rediss://:hunter2@h:6379"] {
        let error = RedisReplayStore::new(url, TIMEOUT).unwrap_err();
        assert_eq!(error, RedisStoreError::BadUrl, "{url}");
        assert!(!error.to_string().contains("hunter2"));
    }
    let store = RedisReplayStore::new("redis://:hunter2@127.0.0.1:1", TIMEOUT).unwrap();
    let debug = format!("{store:?}");
    assert!(!debug.contains("hunter2"));
    assert!(
        debug.starts_with("RedisReplayStore { connected: false"),
        "{debug}"
    );
    assert!(RedisStoreError::BadUrl
        .to_string()
        .starts_with("AUTH_DPOP_REPLAY_REDIS is not a redis://host:port URL"));
}

#[test]
fn only_ok_is_fresh_and_only_nil_a_replay() {
    use redis::Value;
    assert_eq!(freshness_of(Value::Okay), Ok(Freshness::Fresh));
    assert_eq!(
        freshness_of(Value::SimpleString("OK".into())),
        Ok(Freshness::Fresh)
    );
    assert_eq!(freshness_of(Value::Nil), Ok(Freshness::Replayed));
    for other in [
        Value::SimpleString("QUEUED".into()),
        Value::SimpleString("ok".into()),
        Value::Int(1),
        Value::Int(0),
        Value::BulkString(b"OK".to_vec()),
        Value::Array(vec![]),
    ] {
        assert_eq!(
            freshness_of(other.clone()),
            Err(StoreUnavailable),
            "{other:?}"
        );
    }
}
