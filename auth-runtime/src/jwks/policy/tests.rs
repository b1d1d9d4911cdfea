//! Boundaries, with a manual clock: `advance` moves it exactly.

use super::*;
use crate::clock::ManualClock;

const TICK: Duration = Duration::from_millis(1);

fn timing() -> Timing {
    Timing::new(
        Duration::from_secs(600),
        0.8,
        Duration::from_secs(30),
        Duration::from_secs(5),
        Duration::from_secs(24 * 3600),
    )
}

#[test]
fn a_set_turns_stale_at_its_ttl_and_expired_at_the_staleness_cap() {
    let (clock, t) = (ManualClock::new(), timing());
    for (case, boundary, before, after) in [
        (
            "a set is stale exactly at its TTL and not one tick before",
            t.ttl,
            Age::RefreshAhead,
            Age::Stale,
        ),
        (
            "keys serve until one tick before the staleness cap",
            t.max_stale,
            Age::Stale,
            Age::Expired,
        ),
    ] {
        let fetched = clock.now();
        clock.advance(boundary - TICK);
        let one_tick_before = age(clock.now(), fetched, &t);
        assert_eq!(one_tick_before, before, "{case}: one tick before");
        clock.advance(TICK);
        assert_eq!(age(clock.now(), fetched, &t), after, "{case}: at it");
    }
}

#[test]
fn the_refresh_ahead_is_due_at_its_fraction_of_the_ttl() {
    let (clock, t) = (ManualClock::new(), timing());
    assert_eq!(t.refresh_ahead, Duration::from_secs(480));
    let fetched = clock.now();
    let idle = Attempts {
        last: Some((fetched, Outcome::Usable)),
        ..Attempts::default()
    };
    clock.advance(Duration::from_secs(480) - TICK);
    let before = age(clock.now(), fetched, &t);
    assert_eq!(before, Age::Fresh);
    assert!(!background_refresh(clock.now(), before, &idle, &t));
    clock.advance(TICK);
    let at = age(clock.now(), fetched, &t);
    assert_eq!(at, Age::RefreshAhead);
    assert!(background_refresh(clock.now(), at, &idle, &t));
    // A fraction of 1 refreshes at the TTL itself; out-of-range
    // fractions are clamped rather than panicking.
    let whole = Timing::new(t.ttl, 1.0, t.cooldown, t.retry_interval, t.max_stale);
    assert_eq!(whole.refresh_ahead, t.ttl);
    let odd = Timing::new(t.ttl, f64::NAN, t.cooldown, t.retry_interval, t.max_stale);
    assert!(odd.refresh_ahead <= t.ttl);
}

#[test]
fn a_background_refresh_waits_out_the_cooldown_after_the_last_fetch() {
    let (clock, t) = (ManualClock::new(), timing());
    let failed = Attempts {
        last: Some((clock.now(), Outcome::Failed)),
        ..Attempts::default()
    };
    clock.advance(t.cooldown - TICK);
    assert!(!background_refresh(clock.now(), Age::Stale, &failed, &t));
    clock.advance(TICK);
    assert!(background_refresh(clock.now(), Age::Stale, &failed, &t));
    // One at a time, and never for a fresh or an expired set.
    let busy = Attempts {
        in_flight: true,
        ..failed
    };
    assert!(!background_refresh(clock.now(), Age::Stale, &busy, &t));
    assert!(!background_refresh(clock.now(), Age::Fresh, &failed, &t));
    assert!(!background_refresh(clock.now(), Age::Expired, &failed, &t));
}

#[test]
fn an_unknown_kid_fetches_again_exactly_at_the_cooldown() {
    let (clock, t) = (ManualClock::new(), timing());
    let mut attempts = Attempts::default();
    assert_eq!(unknown_kid(clock.now(), &attempts, &t), Plan::Fetch);
    attempts.last_kid_refresh = Some(clock.now());
    clock.advance(t.cooldown - TICK);
    assert_eq!(unknown_kid(clock.now(), &attempts, &t), Plan::Answer);
    clock.advance(TICK);
    assert_eq!(unknown_kid(clock.now(), &attempts, &t), Plan::Fetch);
    attempts.in_flight = true;
    assert_eq!(unknown_kid(clock.now(), &attempts, &t), Plan::Join);
}

#[test]
fn a_cold_cache_retries_exactly_at_the_retry_interval() {
    let (clock, t) = (ManualClock::new(), timing());
    assert_eq!(cold(clock.now(), &Attempts::default(), &t), Plan::Fetch);
    for outcome in [Outcome::Failed, Outcome::Empty] {
        let attempts = Attempts {
            last: Some((clock.now(), outcome)),
            ..Attempts::default()
        };
        clock.advance(t.retry_interval - TICK);
        assert_eq!(
            cold(clock.now(), &attempts, &t),
            Plan::Answer,
            "{outcome:?}"
        );
        clock.advance(TICK);
        assert_eq!(cold(clock.now(), &attempts, &t), Plan::Fetch, "{outcome:?}");
        let busy = Attempts {
            in_flight: true,
            ..attempts
        };
        assert_eq!(cold(clock.now(), &busy, &t), Plan::Join);
    }
    // A set past the staleness cap whose last fetch succeeded long ago
    // (no traffic since) fetches at once.
    let long_ago = Attempts {
        last: Some((clock.now(), Outcome::Usable)),
        ..Attempts::default()
    };
    clock.advance(t.max_stale);
    assert_eq!(cold(clock.now(), &long_ago, &t), Plan::Fetch);
}
