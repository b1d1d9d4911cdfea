//! The key-set (JWKS) cache.
//!
//! * Fetched lazily on first need, then cached for a time to live.
//! * One fetch at a time: concurrent requests that need a fetch wait for the
//!   one in flight and share its outcome (single flight).
//! * An unknown `kid` causes at most one refresh per cooldown.
//! * A stale set is refreshed by the first request that finds it stale while
//!   every other request keeps using the stale keys; a failed refresh keeps
//!   them too.
//! * Fetches are bounded in time (discovery and key set together) and size.
//! * Readers take only a short read lock on the current set, never the lock
//!   held across a fetch.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

mod fetch;
pub(crate) mod parse;

use fetch::{FetchError, Fetcher};
use parse::KeySet;
pub(crate) use parse::VerifyKey;

use crate::config::{AuthConfig, ConfigError};
use crate::error::AuthError;

/// What the fetch lock guards.
#[derive(Debug, Default)]
struct FetchState {
    /// The key-set URL found by discovery, once it succeeded.
    discovered: Option<String>,
    last_attempt: Option<Instant>,
    last_failed: bool,
    last_kid_refresh: Option<Instant>,
}

/// Why a refresh is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Nothing is cached.
    Cold,
    /// The token's `kid` is not in the cached set.
    UnknownKid,
}

/// The cache itself.
#[derive(Debug)]
pub(crate) struct JwksCache {
    fetcher: Fetcher,
    ttl: Duration,
    cooldown: Duration,
    retry_interval: Duration,
    timeout: Duration,
    current: RwLock<Option<Arc<KeySet>>>,
    /// Fetch attempts completed; read before waiting on `fetch` to learn
    /// whether another request fetched meanwhile.
    attempts: AtomicU64,
    fetch: tokio::sync::Mutex<FetchState>,
}

impl JwksCache {
    pub(crate) fn new(config: &AuthConfig) -> Result<Self, ConfigError> {
        Ok(JwksCache {
            fetcher: Fetcher::new(config)?,
            ttl: config.tuning.jwks_ttl,
            cooldown: config.tuning.refresh_cooldown,
            retry_interval: config.tuning.retry_interval,
            timeout: config.tuning.fetch_timeout,
            current: RwLock::new(None),
            attempts: AtomicU64::new(0),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
        })
    }

    /// How many fetches of the key set were attempted so far.
    pub(crate) fn fetch_attempts(&self) -> u64 {
        self.attempts.load(Ordering::Acquire)
    }

    fn snapshot(&self) -> Option<Arc<KeySet>> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The key that verifies tokens carrying `kid`, fetching or refreshing
    /// the set as the rules above allow.
    pub(crate) async fn key_for(&self, kid: Option<&str>) -> Result<Arc<VerifyKey>, AuthError> {
        let seen = self.fetch_attempts();
        let Some(set) = self.snapshot() else {
            self.refresh(Need::Cold, seen).await?;
            let set = self.snapshot().ok_or(AuthError::JwksUnavailable)?;
            return set.get(kid).ok_or(AuthError::KeyNotFound);
        };
        let set = self.refreshed_if_stale(set).await;
        if let Some(key) = set.get(kid) {
            return Ok(key);
        }
        if kid.is_none() {
            return Err(AuthError::KeyNotFound);
        }
        self.refresh(Need::UnknownKid, seen).await?;
        self.snapshot()
            .and_then(|set| set.get(kid))
            .ok_or(AuthError::KeyNotFound)
    }

    /// Whether `key` is still the set's key for `kid` (a stale set is
    /// refreshed first, as for any request; an unknown `kid` fetches nothing).
    pub(crate) async fn still_current(&self, kid: Option<&str>, key: &Arc<VerifyKey>) -> bool {
        let Some(set) = self.snapshot() else {
            return false;
        };
        let set = self.refreshed_if_stale(set).await;
        set.get(kid)
            .is_some_and(|current| Arc::ptr_eq(&current, key))
    }

    /// `set`, or the set that replaced it if it was stale and a refresh ran.
    async fn refreshed_if_stale(&self, set: Arc<KeySet>) -> Arc<KeySet> {
        if set.fetched_at.elapsed() < self.ttl {
            return set;
        }
        self.refresh_stale().await;
        self.snapshot().unwrap_or(set)
    }

    /// Refreshes a stale set unless a fetch is in flight (then the stale set
    /// serves) or one was tried within the cooldown. Never fails: the stale
    /// keys stay.
    async fn refresh_stale(&self) {
        let Ok(mut state) = self.fetch.try_lock() else {
            return;
        };
        if state
            .last_attempt
            .is_some_and(|t| t.elapsed() < self.cooldown)
        {
            return;
        }
        let _ = self.fetch_locked(&mut state).await;
    }

    /// Fetches for `need`, unless another request completed a fetch since
    /// `seen` (then its outcome is shared) or the rate limits say no.
    async fn refresh(&self, need: Need, seen: u64) -> Result<(), AuthError> {
        let mut state = self.fetch.lock().await;
        if self.fetch_attempts() != seen {
            return match (need, state.last_failed) {
                (Need::Cold, true) if self.snapshot().is_none() => Err(AuthError::JwksUnavailable),
                _ => Ok(()),
            };
        }
        match need {
            Need::Cold => {
                if state.last_failed
                    && state
                        .last_attempt
                        .is_some_and(|t| t.elapsed() < self.retry_interval)
                {
                    return Err(AuthError::JwksUnavailable);
                }
            }
            Need::UnknownKid => {
                if state
                    .last_kid_refresh
                    .is_some_and(|t| t.elapsed() < self.cooldown)
                {
                    return Ok(());
                }
                state.last_kid_refresh = Some(Instant::now());
            }
        }
        match self.fetch_locked(&mut state).await {
            Ok(()) => Ok(()),
            Err(()) if need == Need::Cold => Err(AuthError::JwksUnavailable),
            Err(()) => Ok(()),
        }
    }

    /// Fetches the set with the fetch lock held, and installs it on success.
    async fn fetch_locked(&self, state: &mut FetchState) -> Result<(), ()> {
        let fetched = self.fetcher.fetch_set(&mut state.discovered);
        let outcome = match tokio::time::timeout(self.timeout, fetched).await {
            Ok(outcome) => outcome,
            Err(_) => Err(FetchError::Timeout),
        };
        state.last_attempt = Some(Instant::now());
        let issuer = &self.fetcher.issuer;
        let result = match outcome {
            Ok(set) => {
                log::info!(
                    "auth: fetched the key set of {issuer} ({} usable keys)",
                    set.len()
                );
                *self
                    .current
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::new(set));
                state.last_failed = false;
                Ok(())
            }
            Err(error) => {
                log::warn!("auth: fetching the key set of {issuer} failed: {error}");
                state.last_failed = true;
                Err(())
            }
        };
        self.attempts.fetch_add(1, Ordering::AcqRel);
        result
    }
}
