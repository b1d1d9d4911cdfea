//! The answer cache's expiries and the answers' `exp`, judged at a
//! [`ManualClock`] moved to each boundary (one tick before it, and at it)
//! rather than slept through.

use super::*;
use crate::clock::ManualClock;

const TICK: Duration = Duration::from_millis(1);

/// A manual clock, and an introspector on it asking an endpoint (kept
/// with them) that answers `answer(now)`, now the clock's Unix time.
async fn on_a_clock(answer: impl FnOnce(u64) -> Value) -> (ManualClock, Introspector, MockServer) {
    let manual = ManualClock::new();
    let server = answering_json(answer(manual.unix())).await;
    let mut settings = settings(&server);
    settings.clock = manual.clock();
    (manual, introspector(settings), server)
}

/// Introspects `token` (the endpoint asked once so far), again once
/// `manual` moved one tick short of `ttl`, asserting that the answer came
/// from the cache and is the first one, then one tick later, asserting that
/// the endpoint was asked again and answered the same: the outcome.
async fn cached_for(
    introspector: &Introspector,
    token: &str,
    manual: &ManualClock,
    ttl: Duration,
) -> Outcome {
    let first = introspector.introspect(token).await;
    let calls = introspector.calls();
    assert_eq!(calls, 1, "{token}: asked once");
    manual.advance(ttl - TICK);
    let cached = introspector.introspect(token).await;
    assert_eq!(
        introspector.calls(),
        calls,
        "{token}: asked one tick before"
    );
    assert_same(&first, &cached, token, "the cached answer is the first one");
    manual.advance(TICK);
    let outcome = introspector.introspect(token).await;
    assert_eq!(introspector.calls(), calls + 1, "{token}: not asked again");
    assert_same(&first, &outcome, token, "the endpoint answered the same");
    outcome
}

/// Asserts that two outcomes are the same: the same claims, or the same error.
fn assert_same(a: &Outcome, b: &Outcome, token: &str, what: &str) {
    match (a, b) {
        (Ok(a), Ok(b)) => assert_eq!(a.payload(), b.payload(), "{token}: {what}"),
        (Err(a), Err(b)) => assert_eq!(a, b, "{token}: {what}"),
        _ => panic!("{token}: {what}: {a:?} then {b:?}"),
    }
}

/// [`cached_for`] on a fresh clock and endpoint answering `answer(now)`.
async fn answer_cached_for(
    answer: impl FnOnce(u64) -> Value,
    token: &str,
    ttl: Duration,
) -> Outcome {
    let (manual, introspector, _server) = on_a_clock(answer).await;
    cached_for(&introspector, token, &manual, ttl).await
}

#[tokio::test]
async fn an_active_answer_is_cached_until_one_tick_before_the_maximum() {
    let ttl = crate::config::defaults::introspection_max_active_ttl();
    answer_cached_for(|_| active(3600), "tok", ttl)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_active_answer_is_cached_until_one_tick_before_its_exp() {
    // exp one second ahead: accepted (and, past it, still within the leeway),
    // cached for that second.
    let one_second = |now| {
        let mut answer = active(0);
        answer["exp"] = json!(now + 1);
        answer
    };
    answer_cached_for(one_second, "tok", Duration::from_secs(1))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_inactive_answer_is_cached_until_one_tick_before_the_inactive_ttl() {
    let ttl = crate::config::defaults::introspection_inactive_ttl();
    let error = answer_cached_for(|_| json!({"active": false}), "revoked", ttl)
        .await
        .unwrap_err();
    assert_eq!(error, IntrospectionError::Inactive);
    assert_eq!((error.status(), error.code()), (401, "invalid_token"));
}

#[tokio::test]
async fn an_answers_exp_is_judged_at_the_clock_valid_at_exp_plus_leeway_expired_a_second_later() {
    let (manual, introspector, _server) =
        on_a_clock(|now| json!({"active": true, "iss": ISSUER, "aud": AUDIENCE, "exp": now + 100}))
            .await;
    introspector.introspect("tok").await.unwrap();
    // Past the cache's minute; an answer past its exp is not cached.
    let leeway = crate::config::defaults::leeway();
    manual.advance(Duration::from_secs(100) + leeway - Duration::from_secs(1));
    assert!(
        introspector.introspect("tok").await.is_ok(),
        "one second before"
    );
    manual.advance(Duration::from_secs(1));
    assert!(
        introspector.introspect("tok").await.is_ok(),
        "at exp + leeway, as for a JWT"
    );
    manual.advance(Duration::from_secs(1));
    let expired = introspector.introspect("tok").await.unwrap_err();
    assert_eq!(expired, IntrospectionError::Expired);
    assert_eq!(introspector.calls(), 4);
}
