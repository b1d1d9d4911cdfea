use std::sync::atomic::{AtomicBool, AtomicUsize};

use super::*;

#[test]
fn a_dependency_is_down_until_it_first_answers_then_follows_each_report() {
    let health = Health::new(Dependency::ReplayStore);
    assert!(!health.is_up(), "nobody checked it yet");
    health.report(true);
    assert!(health.is_up());
    health.report(false);
    assert!(!health.is_up());
    health.report(true);
    assert!(health.is_up());
    assert_eq!(health.dependency().name(), "dpop_replay_store");
    assert_eq!(Dependency::Introspection.name(), "introspection_endpoint");
}

/// A probe whose dependency answers while `up` holds, counting its calls.
fn probe(up: &Arc<AtomicBool>, calls: &Arc<AtomicUsize>) -> (Probe, Arc<Health>) {
    let health = Health::new(Dependency::Introspection);
    let (up, calls) = (up.clone(), calls.clone());
    let probe = Probe {
        health: health.clone(),
        call: Box::new(move || {
            calls.fetch_add(1, Ordering::SeqCst);
            let up = up.load(Ordering::SeqCst);
            Box::pin(async move { Some(up) })
        }),
        retry_interval: Duration::from_secs(5),
    };
    (probe, health)
}

#[tokio::test(start_paused = true)]
async fn a_probe_asks_at_once_then_each_retry_interval_while_down_and_less_often_while_up() {
    let up = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicUsize::new(0));
    let (probe, health) = probe(&up, &calls);
    let task = tokio::spawn(probe.run());
    // The calls made once `by` more time has passed.
    let after = |by: Duration| {
        let calls = calls.clone();
        async move {
            tokio::time::advance(by).await;
            tokio::task::yield_now().await;
            calls.load(Ordering::SeqCst)
        }
    };
    assert_eq!(after(Duration::ZERO).await, 1, "at once");
    assert!(!health.is_up());

    // Down: again one retry interval later, not before.
    assert_eq!(after(Duration::from_millis(4_999)).await, 1);
    assert_eq!(after(Duration::from_millis(1)).await, 2);

    // Back: up after the next probe, with no request.
    up.store(true, Ordering::SeqCst);
    assert_eq!(after(Duration::from_secs(5)).await, 3);
    assert!(health.is_up());

    // Up: the next probe only UP_PROBE_FACTOR intervals later.
    let up_pause = Duration::from_secs(5 * u64::from(UP_PROBE_FACTOR));
    assert_eq!(after(up_pause - Duration::from_secs(1)).await, 3);
    up.store(false, Ordering::SeqCst);
    assert_eq!(after(Duration::from_secs(1)).await, 4);
    assert!(!health.is_up(), "an outage is seen without traffic");
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn a_probe_waits_at_least_a_second_and_ends_with_what_it_probes() {
    let calls = Arc::new(AtomicUsize::new(0));
    let gone = Arc::new(AtomicBool::new(false));
    let health = Health::new(Dependency::ReplayStore);
    let probe = Probe {
        health: health.clone(),
        call: Box::new({
            let (calls, gone) = (calls.clone(), gone.clone());
            move || {
                calls.fetch_add(1, Ordering::SeqCst);
                let gone = gone.load(Ordering::SeqCst);
                Box::pin(async move { (!gone).then_some(false) })
            }
        }),
        // A retry interval of zero must not make the probe spin.
        retry_interval: Duration::ZERO,
    };
    let task = tokio::spawn(probe.run());
    tokio::task::yield_now().await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    tokio::time::advance(MIN_PROBE_PAUSE - Duration::from_millis(1)).await;
    tokio::task::yield_now().await;
    assert_eq!(calls.load(Ordering::SeqCst), 1, "not before a second");
    tokio::time::advance(Duration::from_millis(1)).await;
    tokio::task::yield_now().await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    gone.store(true, Ordering::SeqCst);
    tokio::time::advance(MIN_PROBE_PAUSE).await;
    tokio::task::yield_now().await;
    assert!(
        task.is_finished(),
        "the probe ends once its dependency is gone"
    );
}
