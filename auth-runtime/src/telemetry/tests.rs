use std::collections::BTreeMap;
use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};

use super::*;

/// What `record` counted, by `name{label=value}`: counters by their
/// value (registered series at 0 included), histograms by their
/// number of samples.
fn recorded(record: impl FnOnce()) -> BTreeMap<String, u64> {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, record);
    let mut seen = BTreeMap::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let key = key.key();
        let labels: Vec<String> = key
            .labels()
            .map(|label| format!("{}={}", label.key(), label.value()))
            .collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        match value {
            DebugValue::Counter(count) => seen.insert(name, count),
            DebugValue::Histogram(samples) => seen.insert(name, samples.len() as u64),
            DebugValue::Gauge(_) => None,
        };
    }
    seen
}

#[test]
fn each_event_counts_into_its_own_series() {
    let seen = recorded(|| {
        let requests =
            RequestCounters::register(["invalid_header", "token_expired", "invalid_header"]);
        requests.count("ok");
        requests.count("ok");
        requests.count("token_expired");
        // A code it was not given still counts, in its own series.
        requests.count("jwks_unavailable");
        let cache = TokenCacheCounters::register();
        cache.lookup(true);
        cache.lookup(false);
        cache.lookup(false);
        jwks_fetch(true, Duration::from_millis(10));
        jwks_fetch(false, Duration::from_millis(20));
        jwks_fetch(false, Duration::from_millis(30));
        introspection("active");
        dpop_replay();
    });
    let expected: BTreeMap<String, u64> = [
        ("auth_requests_total{code=ok}", 2),
        ("auth_requests_total{code=invalid_header}", 0),
        ("auth_requests_total{code=token_expired}", 1),
        ("auth_requests_total{code=jwks_unavailable}", 1),
        ("auth_token_cache_hits_total{}", 1),
        ("auth_token_cache_misses_total{}", 2),
        ("auth_jwks_fetches_total{result=ok}", 1),
        ("auth_jwks_fetches_total{result=error}", 2),
        ("auth_jwks_fetch_duration_seconds{}", 3),
        ("auth_introspection_calls_total{result=active}", 1),
        ("auth_dpop_replays_total{}", 1),
    ]
    .into_iter()
    .map(|(name, count)| (name.to_owned(), count))
    .collect();
    assert_eq!(seen, expected);
}
