//! What the cache tells operators, without I/O: readiness and the history
//! of its fetches, and the background loading of a cache with no keys.

use std::sync::{Arc, Weak};
use std::time::SystemTime;

use super::policy::{self, Age};
use super::{Current, Inner, JwksCache};

#[derive(Debug, Default, Clone)]
pub(super) struct History {
    pub(super) last_attempt: Option<SystemTime>,
    pub(super) last_success: Option<SystemTime>,
    pub(super) last_error: Option<String>,
}

/// The state of one issuer's key set, read without I/O and without waiting
/// for a fetch in flight: for readiness checks and dashboards.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeySetStatus {
    /// Whether a token can be verified now: usable keys are held, within
    /// the staleness cap.
    pub ready: bool,
    /// How many usable keys are held (also when past the staleness cap).
    pub keys: usize,
    /// When the last fetch ended, successfully or not.
    pub last_attempt: Option<SystemTime>,
    /// When the last fetch that brought a key set ended.
    pub last_success: Option<SystemTime>,
    /// Why the last fetch failed, if it did (never a token or a secret).
    pub last_error: Option<String>,
}

impl JwksCache {
    /// The key set's status now; takes two short locks, never waits for a
    /// fetch and starts none.
    pub(crate) fn status(&self) -> KeySetStatus {
        let set = self.inner.snapshot();
        let history = self.inner.lock_state().history.clone();
        let keys = set.as_ref().map_or(0, |current| current.set.len());
        let ready = set.is_some_and(|Current { set, fetched_at }| {
            !set.is_empty()
                && policy::age(self.inner.clock.now(), fetched_at, &self.inner.timing)
                    != Age::Expired
        });
        KeySetStatus {
            ready,
            keys,
            last_attempt: history.last_attempt,
            last_success: history.last_success,
            last_error: history.last_error,
        }
    }

    /// Keeps loading the key set in the background while none serves, one
    /// attempt per retry interval (at least a second), for as long as the
    /// cache lives: an instance that a readiness-gated load balancer sends
    /// no traffic to still becomes ready.
    pub(crate) fn keep_loading(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let pause = self
            .inner
            .timing
            .retry_interval
            .max(std::time::Duration::from_secs(1));
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(pause).await;
                let Some(inner) = weak.upgrade() else {
                    return;
                };
                let cache = JwksCache { inner };
                if !cache.status().ready {
                    let _ = cache.begin_warm_up(true).finish().await;
                }
            }
        });
    }
}
