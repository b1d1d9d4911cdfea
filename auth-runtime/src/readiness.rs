//! What a request may need beyond keys: the shared DPoP replay store and
//! the introspection endpoint. Each has a last known state, kept by the
//! request path (every real call reports its outcome) and by a background
//! probe, and read by readiness without I/O.
//!
//! A dependency is down from the first failure anyone sees until a call or
//! a probe succeeds again. Probes run in a task of their own, started when
//! the application lifts off: at once, then every retry interval while the
//! dependency is down (so that an instance a load balancer sends no
//! traffic becomes ready again by itself), and every
//! [`UP_PROBE_FACTOR`] retry intervals while it is up (so that an outage
//! is seen without traffic). Until its first answer a dependency counts as
//! down: readiness never says "fine" about what nobody has checked.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// While a dependency is up, it is probed every this many retry intervals
/// (30 s with the default 5 s).
pub(crate) const UP_PROBE_FACTOR: u32 = 6;

const UNKNOWN: u8 = 0;
const UP: u8 = 1;
const DOWN: u8 = 2;

/// A dependency, as readiness and the metrics name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dependency {
    /// The DPoP replay store shared by instances (Redis, or a store of the
    /// application's that can be probed).
    ReplayStore,
    /// The RFC 7662 introspection endpoint.
    Introspection,
}

impl Dependency {
    /// Its name in the readiness body and the metrics' `dependency` label.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Dependency::ReplayStore => "dpop_replay_store",
            Dependency::Introspection => "introspection_endpoint",
        }
    }
}

/// The last known state of one dependency; cheap to share, to report to
/// (one relaxed atomic store) and to read.
#[derive(Debug)]
pub(crate) struct Health {
    dependency: Dependency,
    state: AtomicU8,
}

impl Health {
    /// A dependency not checked yet (counted as down).
    pub(crate) fn new(dependency: Dependency) -> Arc<Health> {
        crate::telemetry::dependency_up(dependency.name(), false);
        Arc::new(Health {
            dependency,
            state: AtomicU8::new(UNKNOWN),
        })
    }

    /// Which dependency this is.
    pub(crate) fn dependency(&self) -> Dependency {
        self.dependency
    }

    /// Records the outcome of a call or a probe: the dependency answered
    /// (`up`), or could not be reached in time.
    pub(crate) fn report(&self, up: bool) {
        let state = if up { UP } else { DOWN };
        let before = self.state.swap(state, Ordering::Relaxed);
        if before != state {
            crate::telemetry::dependency_up(self.dependency.name(), up);
            match (before, up) {
                (DOWN, true) => log::info!("auth: the {} is reachable again", self.describe()),
                (_, false) => log::warn!(
                    "auth: the {} cannot be reached; readiness says so until it answers",
                    self.describe()
                ),
                _ => {}
            }
        }
    }

    /// Whether the last call or probe succeeded.
    pub(crate) fn is_up(&self) -> bool {
        self.state.load(Ordering::Relaxed) == UP
    }

    fn describe(&self) -> &'static str {
        match self.dependency {
            Dependency::ReplayStore => "DPoP replay store",
            Dependency::Introspection => "introspection endpoint",
        }
    }
}

/// One probe of a dependency: resolves to whether it answered, or to
/// `None` once what it probes is gone (the router was dropped): the probe
/// then ends.
pub(crate) type ProbeCall = Pin<Box<dyn Future<Output = Option<bool>> + Send>>;

/// The shortest pause between two probes, whatever the retry interval
/// (which may be zero): an endpoint is never asked more than once a second.
pub(crate) const MIN_PROBE_PAUSE: Duration = Duration::from_secs(1);

/// A background probe: how to ask the dependency, and where to record the
/// answer. Made by the router, run by [`Probe::run`] in a task of its own.
pub(crate) struct Probe {
    pub(crate) health: Arc<Health>,
    /// Makes one call (bounded in time by the dependency's own timeout).
    pub(crate) call: Box<dyn Fn() -> ProbeCall + Send + Sync>,
    /// The pause between probes while the dependency is down.
    pub(crate) retry_interval: Duration,
}

impl Probe {
    /// Probes once now, then at the pace of the module's doc (never more
    /// than once per [`MIN_PROBE_PAUSE`]), until what it probes is gone.
    pub(crate) async fn run(self) {
        while let Some(up) = (self.call)().await {
            self.health.report(up);
            let pause = if up {
                self.retry_interval.saturating_mul(UP_PROBE_FACTOR)
            } else {
                self.retry_interval
            };
            tokio::time::sleep(pause.max(MIN_PROBE_PAUSE)).await;
        }
    }

    /// Starts [`run`](Self::run) in a task of its own (a caller that goes
    /// away cannot cancel it).
    /// Outside a Tokio runtime there is nothing to run it on: nothing.
    pub(crate) fn spawn(self) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(self.run());
        }
    }
}

#[cfg(test)]
mod tests;
