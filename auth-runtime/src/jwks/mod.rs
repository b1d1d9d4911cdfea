//! The key-set (JWKS) cache.
//!
//! * Fetched lazily on first need (or at launch, with warm-up), then cached
//!   for a time to live.
//! * Every fetch runs in a task of its own, one at a time: requests that
//!   need keys wait for the one in flight and share its outcome (single
//!   flight), and a caller that disconnects cannot cancel it.
//! * A request that finds the set stale (past its TTL), or past the
//!   refresh-ahead point, is answered with it at once and starts a refresh
//!   in the background (stale-while-revalidate), at most once per cooldown.
//! * Only a request with no serving set (cold) or with an unknown `kid`
//!   waits, for one fetch, at most one fetch timeout; an unknown `kid`
//!   causes at most one fetch per cooldown.
//! * A failed refresh keeps the keys, up to the staleness cap; a well-formed
//!   set with no usable key replaces them (503 until the issuer publishes one).
//! * A refresh keeps the very key (`Arc`) of every unchanged key, so that
//!   tokens verified with it stay in the verified-token cache.
//! * Readers take only a short read lock on the current set; no lock is
//!   held across a fetch. The decisions are the pure functions of `policy`,
//!   at the time of the configuration's [`Clock`]; waits (a fetch's
//!   timeout) are on tokio's time.

use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Instant, SystemTime};

use tokio::sync::watch;

mod fetch;
pub(crate) mod parse;
mod policy;
mod status;
#[cfg(all(test, feature = "testing"))]
mod tests;

use fetch::{FetchError, Fetcher};
use parse::KeySet;
pub(crate) use parse::VerifyKey;
use policy::{Age, Attempts, Outcome, Plan, Timing};
use status::History;
pub use status::KeySetStatus;

use crate::clock::Clock;
use crate::config::{AuthConfig, ConfigError};
use crate::error::AuthError;

/// The cache: cheap to share with the fetch tasks it spawns.
#[derive(Debug)]
pub(crate) struct JwksCache {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    fetcher: Fetcher,
    timing: Timing,
    timeout: std::time::Duration,
    /// The time of every decision.
    clock: Clock,
    current: RwLock<Option<Current>>,
    /// Held only for decisions, never across an await.
    state: Mutex<State>,
    /// The number of fetches completed, for requests waiting on one.
    completed: watch::Sender<u64>,
}

/// The serving set, and when it was installed (the clock's time).
#[derive(Debug, Clone)]
struct Current {
    set: Arc<KeySet>,
    fetched_at: Instant,
}

#[derive(Debug, Default)]
struct State {
    attempts: Attempts,
    /// When the fetch in flight gives up (its timeout, on tokio's time), if
    /// one is.
    fetch_deadline: Option<tokio::time::Instant>,
    /// The key-set URL found by discovery, once it succeeded.
    discovered: Option<String>,
    /// What [`KeySetStatus`] reports of past fetches, in wall-clock time.
    history: History,
}

/// How long past a fetch's own deadline its waiters wait for its end to be
/// recorded: the fetch gives up at its deadline, and its task records that
/// at once; this only covers the scheduling of that task (without it, a
/// waiter woken at the same instant could leave first and the next request
/// join a fetch about to fail).
const RECORDING_GRACE: std::time::Duration = std::time::Duration::from_millis(100);

/// Why keys are wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// No serving set: none yet, an empty one, or one past the staleness cap.
    Cold,
    /// The token's `kid` is not in the serving set.
    UnknownKid,
}

/// A wait for the fetch that was in flight (or started) when it was made,
/// until it ends: at most one fetch timeout from its start.
struct Ticket {
    seen: u64,
    /// On tokio's time.
    deadline: tokio::time::Instant,
    completed: watch::Receiver<u64>,
}

impl Ticket {
    /// Waits until that fetch completed, at most until the deadline.
    async fn wait(mut self) {
        let seen = self.seen;
        let _ =
            tokio::time::timeout_at(self.deadline, self.completed.wait_for(|n| *n > seen)).await;
    }
}

impl JwksCache {
    pub(crate) fn new(config: &AuthConfig) -> Result<Self, ConfigError> {
        let tuning = &config.tuning;
        let timing = Timing::new(
            tuning.jwks_ttl,
            tuning.refresh_ahead,
            tuning.refresh_cooldown,
            tuning.retry_interval,
            tuning.max_stale,
        );
        Ok(JwksCache {
            inner: Arc::new(Inner {
                fetcher: Fetcher::new(config)?,
                timing,
                timeout: tuning.fetch_timeout,
                clock: config.clock.clone(),
                current: RwLock::new(None),
                state: Mutex::new(State::default()),
                completed: watch::Sender::new(0),
            }),
        })
    }

    /// How many fetches of the key set were attempted (and completed) so far.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn fetch_attempts(&self) -> u64 {
        *self.inner.completed.borrow()
    }

    /// The set that may serve at `now` (not empty, not past the staleness
    /// cap); starts a background refresh when its age makes one due.
    fn serving(&self, now: Instant) -> Option<Arc<KeySet>> {
        let Current { set, fetched_at } = self.inner.snapshot()?;
        if set.is_empty() {
            return None;
        }
        match policy::age(now, fetched_at, &self.inner.timing) {
            Age::Expired => None,
            Age::Fresh => Some(set),
            age => {
                self.refresh_in_background(now, age);
                Some(set)
            }
        }
    }

    /// The key that verifies tokens carrying `kid`, fetching or refreshing
    /// the set as the rules above allow. Waits for at most one fetch.
    pub(crate) async fn key_for(&self, kid: Option<&str>) -> Result<Arc<VerifyKey>, AuthError> {
        let now = self.inner.clock.now();
        let Some(set) = self.serving(now) else {
            return self.load(now).await?.get(kid).ok_or(AuthError::KeyNotFound);
        };
        if let Some(key) = set.get(kid) {
            return Ok(key);
        }
        if kid.is_none() {
            return Err(AuthError::KeyNotFound);
        }
        let Some(ticket) = self.plan(now, Need::UnknownKid) else {
            return Err(AuthError::KeyNotFound);
        };
        ticket.wait().await;
        match self.serving(self.inner.clock.now()) {
            Some(set) => set.get(kid).ok_or(AuthError::KeyNotFound),
            None => Err(AuthError::JwksUnavailable),
        }
    }

    /// Whether `key` is still the serving set's key for `kid`. Never waits:
    /// a stale set answers (and starts its refresh in the background), and
    /// an unknown `kid` fetches nothing here; `now` is the config's clock.
    pub(crate) fn still_current(
        &self,
        now: Instant,
        kid: Option<&str>,
        key: &Arc<VerifyKey>,
    ) -> bool {
        self.serving(now)
            .and_then(|set| set.get(kid))
            .is_some_and(|current| Arc::ptr_eq(&current, key))
    }

    /// Starts fetching the set now, if `needed` and no set serves (what
    /// warm-up at launch does); [`WarmUp::finish`] waits for it, at most one
    /// fetch timeout.
    pub(crate) fn begin_warm_up(&self, needed: bool) -> WarmUp {
        let now = self.inner.clock.now();
        WarmUp {
            cache: JwksCache {
                inner: self.inner.clone(),
            },
            ticket: match needed && self.serving(now).is_none() {
                false => None,
                true => Some(self.plan(now, Need::Cold)),
            },
        }
    }

    /// A serving set for a request that has none: joins or starts a fetch.
    async fn load(&self, now: Instant) -> Result<Arc<KeySet>, AuthError> {
        let ticket = self
            .plan(now, Need::Cold)
            .ok_or(AuthError::JwksUnavailable)?;
        ticket.wait().await;
        self.serving(self.inner.clock.now())
            .ok_or(AuthError::JwksUnavailable)
    }

    /// Decides for a request that needs keys: a ticket to wait on (for the
    /// fetch in flight, or one started here), or none (answer at once).
    fn plan(&self, now: Instant, need: Need) -> Option<Ticket> {
        let inner = &self.inner;
        let ticket = |seen, fetch_deadline: tokio::time::Instant| Ticket {
            seen,
            deadline: fetch_deadline + RECORDING_GRACE,
            completed: inner.completed.subscribe(),
        };
        let mut state = inner.lock_state();
        let plan = match need {
            Need::Cold => policy::cold(now, &state.attempts, &inner.timing),
            Need::UnknownKid => policy::unknown_kid(now, &state.attempts, &inner.timing),
        };
        let seen = *inner.completed.borrow();
        match plan {
            Plan::Answer => None,
            Plan::Join => Some(ticket(
                seen,
                state.fetch_deadline.unwrap_or_else(|| inner.deadline()),
            )),
            Plan::Fetch => {
                if need == Need::UnknownKid {
                    state.attempts.last_kid_refresh = Some(now);
                }
                let deadline = self.start_fetch(state);
                Some(ticket(seen, deadline))
            }
        }
    }

    /// Starts a background refresh if the rules allow one now.
    fn refresh_in_background(&self, now: Instant, age: Age) {
        let state = self.inner.lock_state();
        if !policy::background_refresh(now, age, &state.attempts, &self.inner.timing) {
            return;
        }
        self.start_fetch(state);
    }

    /// Runs one fetch in a task of its own, bounded by the fetch timeout
    /// from now (tokio's time); returns when it gives up. Marks it in flight
    /// (in `state`, then released); the task (or its drop, should the
    /// runtime shut down first) records its end.
    fn start_fetch(&self, mut state: std::sync::MutexGuard<'_, State>) -> tokio::time::Instant {
        let deadline = self.inner.deadline();
        state.attempts.in_flight = true;
        state.fetch_deadline = Some(deadline);
        let discovered = state.discovered.clone();
        drop(state);
        let completion = Completion {
            inner: self.inner.clone(),
            outcome: Outcome::Failed,
            discovered: None,
            error: None,
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(completion.run(deadline, discovered));
            }
            Err(_) => {
                log::warn!(
                    "auth: no tokio runtime to fetch the key set of {} on",
                    self.inner.fetcher.issuer
                );
                // Dropping `completion` records a failed attempt.
            }
        }
        deadline
    }
}

/// A warm-up under way: see [`JwksCache::begin_warm_up`].
pub(crate) struct WarmUp {
    cache: JwksCache,
    /// `None`: a set already serves; `Some(None)`: no fetch allowed now.
    ticket: Option<Option<Ticket>>,
}

impl WarmUp {
    /// Waits for the warm-up's fetch; the error is the one a request would
    /// get now.
    pub(crate) async fn finish(self) -> Result<(), AuthError> {
        match self.ticket {
            None => Ok(()),
            Some(None) => Err(AuthError::JwksUnavailable),
            Some(Some(ticket)) => {
                ticket.wait().await;
                match self.cache.serving(self.cache.inner.clock.now()) {
                    Some(_) => Ok(()),
                    None => Err(AuthError::JwksUnavailable),
                }
            }
        }
    }
}

impl Inner {
    fn snapshot(&self) -> Option<Current> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// When a fetch starting now gives up: one fetch timeout away, on
    /// tokio's time (bounded by the configuration, MAX_FETCH_TIMEOUT; never
    /// a panic).
    fn deadline(&self) -> tokio::time::Instant {
        let now = tokio::time::Instant::now();
        now.checked_add(self.timeout).unwrap_or(now)
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Installs a fetched set in place of the cached one, carrying its
    /// unchanged keys over; it was fetched now (the clock's time).
    fn install(&self, set: KeySet) -> Outcome {
        let fetched_at = self.clock.now();
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let set = match current.as_ref() {
            Some(old) => set.carried_over(&old.set),
            None => set,
        };
        let outcome = if set.is_empty() {
            Outcome::Empty
        } else {
            Outcome::Usable
        };
        *current = Some(Current {
            set: Arc::new(set),
            fetched_at,
        });
        outcome
    }
}

/// One fetch's task. Dropped unfinished (the runtime shutting down), it
/// still records a failed attempt and wakes the requests waiting for it.
struct Completion {
    inner: Arc<Inner>,
    outcome: Outcome,
    discovered: Option<Option<String>>,
    /// Why it failed, for [`KeySetStatus::last_error`].
    error: Option<String>,
}

impl Completion {
    async fn run(mut self, deadline: tokio::time::Instant, mut discovered: Option<String>) {
        let inner = self.inner.clone();
        let issuer = &inner.fetcher.issuer;
        let fetched = inner.fetcher.fetch_set(&mut discovered);
        // The fetch's real duration, for the histogram (not a rule).
        let started = std::time::Instant::now();
        let traced = crate::telemetry::Traced::key_set_fetch(issuer);
        let timed = traced.instrument(tokio::time::timeout_at(deadline, fetched));
        let outcome = timed.await.unwrap_or(Err(FetchError::Timeout));
        traced.finish(if outcome.is_ok() { "ok" } else { "error" });
        crate::telemetry::jwks_fetch(outcome.is_ok(), started.elapsed());
        self.discovered = Some(discovered);
        self.outcome = match outcome {
            Ok(set) => {
                let keys = set.len();
                let outcome = inner.install(set);
                match outcome {
                    Outcome::Empty => log::warn!(
                        "auth: the key set of {issuer} holds no usable key; \
                         requests get 503 until it does"
                    ),
                    _ => log::info!("auth: fetched the key set of {issuer} ({keys} usable keys)"),
                }
                outcome
            }
            Err(error) => {
                log::warn!("auth: fetching the key set of {issuer} failed: {error}");
                self.error = Some(error.to_string());
                Outcome::Failed
            }
        };
    }
}

impl Drop for Completion {
    fn drop(&mut self) {
        let discovered = self.discovered.take();
        if discovered.is_none() {
            log::info!(
                "auth: the fetch of the key set of {} ended unfinished",
                self.inner.fetcher.issuer
            );
        }
        let mut state = self.inner.lock_state();
        if let Some(discovered) = discovered {
            state.discovered = discovered;
        }
        state.attempts.in_flight = false;
        state.fetch_deadline = None;
        state.attempts.last = Some((self.inner.clock.now(), self.outcome));
        let wall = SystemTime::now();
        state.history.last_attempt = Some(wall);
        match self.outcome {
            Outcome::Usable => {
                state.history.last_success = Some(wall);
                state.history.last_error = None;
            }
            Outcome::Empty => {
                state.history.last_success = Some(wall);
                state.history.last_error = Some("the key set holds no usable key".to_owned());
            }
            Outcome::Failed => {
                let why = self.error.take();
                state.history.last_error =
                    Some(why.unwrap_or_else(|| "the fetch ended unfinished".to_owned()));
            }
        }
        // Counted under the lock, so that a request deciding after this
        // drop waits for the next fetch, not for this one.
        self.inner.completed.send_modify(|n| *n += 1);
    }
}
