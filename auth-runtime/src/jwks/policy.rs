//! The cache's decisions, as pure functions of the time and of what the
//! cache holds: whether a set may serve, when a refresh starts, and whether
//! a request that needs a fetch starts one, joins the one in flight, or is
//! answered at once.
//!
//! Every time is the configuration's [`Clock`](crate::clock::Clock) time, so
//! that a test with a `ManualClock` drives the boundaries exactly. At a
//! boundary the later state wins: a set exactly one TTL old is stale, one
//! exactly `max_stale` old no longer serves, and a cooldown or retry
//! interval that has exactly elapsed allows the next fetch.

use std::time::Duration;

use std::time::Instant;

/// The cache's settings that decide.
#[derive(Debug, Clone, Copy)]
pub(super) struct Timing {
    pub(super) ttl: Duration,
    /// When the refresh ahead is due: the TTL times its fraction.
    pub(super) refresh_ahead: Duration,
    pub(super) cooldown: Duration,
    pub(super) retry_interval: Duration,
    pub(super) max_stale: Duration,
}

impl Timing {
    /// The timing for `ttl` with refresh ahead at `fraction` of it (clamped
    /// to `0..=1`; configurations are checked before this).
    pub(super) fn new(
        ttl: Duration,
        fraction: f64,
        cooldown: Duration,
        retry_interval: Duration,
        max_stale: Duration,
    ) -> Timing {
        let refresh_ahead =
            Duration::try_from_secs_f64(ttl.as_secs_f64() * fraction.clamp(0.0, 1.0))
                .unwrap_or(ttl)
                .min(ttl);
        Timing {
            ttl,
            refresh_ahead,
            cooldown,
            retry_interval,
            max_stale,
        }
    }
}

/// What the last completed fetch brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// A set with at least one usable key.
    Usable,
    /// A well-formed set with no usable key: it replaced the cached keys.
    Empty,
    /// No set (unreachable, timed out, not a key set, too large, cancelled).
    Failed,
}

/// What the rate limits depend on.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Attempts {
    /// A fetch is running (in a task of its own).
    pub(super) in_flight: bool,
    /// When the last fetch completed, and what it brought.
    pub(super) last: Option<(Instant, Outcome)>,
    /// When the last fetch for an unknown `kid` started.
    pub(super) last_kid_refresh: Option<Instant>,
}

/// A cached set, by its age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Age {
    /// Younger than the refresh-ahead point.
    Fresh,
    /// Past the refresh-ahead point, not yet stale: serves, refresh due.
    RefreshAhead,
    /// Past its TTL: serves at once, refresh due (stale-while-revalidate).
    Stale,
    /// Past the staleness cap: serves no more.
    Expired,
}

/// How a set fetched at `fetched_at` may serve at `now`.
pub(super) fn age(now: Instant, fetched_at: Instant, timing: &Timing) -> Age {
    let age = now.saturating_duration_since(fetched_at);
    if age >= timing.max_stale {
        Age::Expired
    } else if age >= timing.ttl {
        Age::Stale
    } else if age >= timing.refresh_ahead {
        Age::RefreshAhead
    } else {
        Age::Fresh
    }
}

/// Whether `earlier` is at least `interval` before `now`.
fn elapsed(now: Instant, earlier: Instant, interval: Duration) -> bool {
    now.saturating_duration_since(earlier) >= interval
}

/// Whether a request that found a serving set of age `age` starts a
/// background refresh: one is due, none is in flight, and the last fetch
/// completed at least a cooldown ago (a failing issuer is asked once per
/// cooldown, not once per request).
pub(super) fn background_refresh(
    now: Instant,
    age: Age,
    attempts: &Attempts,
    timing: &Timing,
) -> bool {
    matches!(age, Age::RefreshAhead | Age::Stale)
        && !attempts.in_flight
        && attempts
            .last
            .is_none_or(|(at, _)| elapsed(now, at, timing.cooldown))
}

/// What a request that must wait for keys does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Plan {
    /// Wait for the fetch in flight.
    Join,
    /// Start a fetch and wait for it.
    Fetch,
    /// Wait for nothing: the answer is the one already had.
    Answer,
}

/// A request with no serving set (none yet, an empty one, or one past the
/// staleness cap): joins a fetch in flight, else fetches, unless the last
/// fetch brought no usable key within the retry interval (then 503 at once).
pub(super) fn cold(now: Instant, attempts: &Attempts, timing: &Timing) -> Plan {
    if attempts.in_flight {
        return Plan::Join;
    }
    match attempts.last {
        Some((at, Outcome::Failed | Outcome::Empty))
            if !elapsed(now, at, timing.retry_interval) =>
        {
            Plan::Answer
        }
        _ => Plan::Fetch,
    }
}

/// A request whose `kid` the serving set lacks: joins a fetch in flight
/// (it may bring the key), else fetches at most once per cooldown; within
/// the cooldown it is answered at once (no such key).
pub(super) fn unknown_kid(now: Instant, attempts: &Attempts, timing: &Timing) -> Plan {
    if attempts.in_flight {
        Plan::Join
    } else if attempts
        .last_kid_refresh
        .is_none_or(|at| elapsed(now, at, timing.cooldown))
    {
        Plan::Fetch
    } else {
        Plan::Answer
    }
}

#[cfg(test)]
mod tests;
