//! [`RedisReplayStore`] (cargo feature `redis`): one replay store shared by
//! several instances, on a Redis server.

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{Freshness, ProbeFuture, ReplayKey, ReplayStore, StoreFuture, StoreUnavailable};

/// Prefix of the keys this store writes.
const KEY_PREFIX: &str = "auth-runtime:dpop:jti:";

/// A replay store on a Redis server: each proof is `SET <key> 1 NX EX
/// <seconds left in its window>`, atomic on the server, so that a proof
/// accepted by one instance is a replay at every other.
///
/// It connects on first use and reconnects after a failure. Every call is
/// bounded by the timeout given (connection and answer): a server that is
/// down, unreachable or silent makes the call answer [`StoreUnavailable`],
/// and the proof is refused. Only `redis://` URLs are supported (no TLS).
pub(crate) struct RedisReplayStore {
    client: redis::Client,
    config: ConnectionManagerConfig,
    connection: tokio::sync::OnceCell<ConnectionManager>,
    timeout: Duration,
}

impl fmt::Debug for RedisReplayStore {
    // The URL may hold a password: it is not shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisReplayStore")
            .field("connected", &self.connection.initialized())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Why a Redis replay store cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum RedisStoreError {
    /// The URL is not a `redis://` URL this build can use.
    BadUrl,
}

impl fmt::Display for RedisStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedisStoreError::BadUrl => f.write_str(
                "AUTH_DPOP_REPLAY_REDIS is not a redis://host:port URL (rediss:// is not supported)",
            ),
        }
    }
}

impl std::error::Error for RedisStoreError {}

impl RedisReplayStore {
    /// A store on the server at `url` (`redis://host:port`, optionally with
    /// a user, a password and a database number), each call taking at most
    /// `timeout` (see
    /// the `dpop_replay_timeout` setting).
    /// Nothing is connected until the first proof.
    pub(crate) fn new(url: &str, timeout: Duration) -> Result<RedisReplayStore, RedisStoreError> {
        let client = redis::Client::open(url).map_err(|_| RedisStoreError::BadUrl)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2)
            .set_max_delay(timeout);
        Ok(RedisReplayStore {
            client,
            config,
            connection: tokio::sync::OnceCell::new(),
            timeout,
        })
    }

    async fn connection(&self) -> Result<ConnectionManager, redis::RedisError> {
        self.connection
            .get_or_try_init(|| {
                ConnectionManager::new_with_config(self.client.clone(), self.config.clone())
            })
            .await
            .cloned()
    }

    async fn set_once(&self, key: &ReplayKey, seconds: u64) -> Result<Freshness, StoreUnavailable> {
        let failed = |error: redis::RedisError| {
            log::warn!(
                "auth: the DPoP replay store (Redis) failed ({:?}); DPoP requests get 503",
                error.kind()
            );
            StoreUnavailable
        };
        let mut connection = self.connection().await.map_err(failed)?;
        let reply: redis::Value = redis::cmd("SET")
            .arg(key_name(key))
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(seconds)
            .query_async(&mut connection)
            .await
            .map_err(failed)?;
        freshness_of(reply)
    }
}

/// What a reply to `SET key 1 NX EX seconds` says: `OK` (recorded now,
/// fresh), nil (the key was there: a replay); anything else is no answer.
fn freshness_of(reply: redis::Value) -> Result<Freshness, StoreUnavailable> {
    match reply {
        redis::Value::Okay => Ok(Freshness::Fresh),
        redis::Value::SimpleString(text) if text == "OK" => Ok(Freshness::Fresh),
        redis::Value::Nil => Ok(Freshness::Replayed),
        other => {
            log::warn!("auth: the DPoP replay store (Redis) answered SET with {other:?}");
            Err(StoreUnavailable)
        }
    }
}

/// The Redis key of a proof: the prefix and the key's hex.
fn key_name(key: &ReplayKey) -> String {
    use std::fmt::Write;
    let mut name = String::with_capacity(KEY_PREFIX.len() + 64);
    name.push_str(KEY_PREFIX);
    for byte in key.as_bytes() {
        let _ = write!(name, "{byte:02x}");
    }
    name
}

impl ReplayStore for RedisReplayStore {
    fn check_and_record<'a>(
        &'a self,
        key: &'a ReplayKey,
        now: u64,
        expires_at: u64,
    ) -> StoreFuture<'a> {
        let seconds = expires_at.saturating_sub(now).max(1);
        Box::pin(async move {
            tokio::time::timeout(self.timeout, self.set_once(key, seconds))
                .await
                .unwrap_or(Err(StoreUnavailable))
        })
    }

    /// A write like a proof's, within the timeout: readiness's background
    /// probe (`SET <prefix>readiness-probe 1 EX 1`: a server that answers
    /// `PING` but refuses writes, a read-only replica or one out of memory,
    /// refuses every proof too).
    fn probe(&self) -> Option<ProbeFuture<'_>> {
        Some(Box::pin(async move {
            let ping = async {
                let mut connection = self.connection().await.map_err(|_| StoreUnavailable)?;
                let reply: redis::Value = redis::cmd("SET")
                    .arg(format!("{KEY_PREFIX}readiness-probe"))
                    .arg(1)
                    .arg("EX")
                    .arg(1)
                    .query_async(&mut connection)
                    .await
                    .map_err(|_| StoreUnavailable)?;
                freshness_of(reply).map(|_| ())
            };
            tokio::time::timeout(self.timeout, ping)
                .await
                .unwrap_or(Err(StoreUnavailable))
        }))
    }
}

#[cfg(test)]
mod tests;
