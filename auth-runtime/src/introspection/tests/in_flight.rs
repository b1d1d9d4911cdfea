//! The registry of calls in flight, with the interleavings driven by hand:
//! each request is a future polled when the test says, so that one that
//! waited on a finished call leaves only after a new call for the same
//! token began.

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use super::*;

/// Polls `request` once; what wakes it is ignored (the test polls again).
fn poll_once<F: Future>(request: Pin<&mut F>) -> Poll<F::Output> {
    request.poll(&mut Context::from_waker(Waker::noop()))
}

/// Polls `request` until it is done, letting the runtime run in between.
async fn finish<F: Future>(mut request: Pin<&mut F>) -> F::Output {
    let started = std::time::Instant::now();
    loop {
        if let Poll::Ready(outcome) = poll_once(request.as_mut()) {
            return outcome;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "never done");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn registered(introspector: &Introspector) -> usize {
    introspector.in_flight.lock().unwrap().len()
}

/// A request that shared a finished call and leaves late must not take the
/// registration of the call begun since: a request after it would then
/// call the endpoint again rather than join.
#[tokio::test]
async fn a_late_leaver_of_a_finished_call_keeps_the_next_call_joinable() {
    let server = MockServer::start().await;
    // The first call fails at once (not cached); the second hangs.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(active_after(Duration::from_secs(60)))
        .mount(&server)
        .await;
    let introspector = introspector(settings(&server));

    // A calls; B joins A's call.
    let mut a = pin!(introspector.introspect("tok"));
    let mut b = pin!(introspector.introspect("tok"));
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    assert_eq!((introspector.calls(), registered(&introspector)), (1, 1));
    assert_unavailable(&finish(a).await.unwrap_err(), "the first call");
    assert_eq!(registered(&introspector), 0, "A's call is done");

    // C begins the second call before B, still waiting, leaves.
    let mut c = pin!(introspector.introspect("tok"));
    assert!(poll_once(c.as_mut()).is_pending());
    assert_eq!((introspector.calls(), registered(&introspector)), (2, 1));
    assert_unavailable(&finish(b).await.unwrap_err(), "B shares A's outcome");
    assert_eq!(registered(&introspector), 1, "C's call is still joinable");

    // D joins C's call.
    let mut d = pin!(introspector.introspect("tok"));
    assert!(poll_once(d.as_mut()).is_pending());
    assert_eq!(introspector.calls(), 2);
}
