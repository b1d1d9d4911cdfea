//! The counters of the `metrics` feature, read from a debugging recorder:
//! one per request outcome, key-set fetches and their durations, the token
//! cache, introspection calls, DPoP replays; no label ever carries a token
//! or a subject.

use std::collections::HashMap;

use auth_runtime::testing::{TestIntrospection, TEST_CLIENT_ID, TEST_CLIENT_SECRET};
use auth_runtime::Auth;
use auth_tests::*;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use rocket::http::Status;

/// Counters by `name{label=value,...}`, and the samples of each histogram
/// by name since the last snapshot.
fn counters_and_histograms(
    snapshotter: &Snapshotter,
) -> (HashMap<String, u64>, HashMap<String, Vec<f64>>) {
    let (mut counters, mut histograms) = (HashMap::new(), HashMap::new());
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let key = key.key();
        match value {
            DebugValue::Counter(count) => {
                let labels: Vec<String> = key
                    .labels()
                    .map(|label| format!("{}={}", label.key(), label.value()))
                    .collect();
                counters.insert(format!("{}{{{}}}", key.name(), labels.join(",")), count);
            }
            DebugValue::Histogram(samples) => {
                let samples = samples.into_iter().map(f64::from).collect();
                histograms.insert(key.name().to_owned(), samples);
            }
            DebugValue::Gauge(_) => {}
        }
    }
    (counters, histograms)
}

/// Counters by `name{label=value,...}`.
fn counters(snapshotter: &Snapshotter) -> HashMap<String, u64> {
    counters_and_histograms(snapshotter).0
}

#[rocket::async_test]
async fn each_outcome_fetch_and_cache_lookup_is_counted_with_bounded_labels() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder
        .install()
        .expect("the only recorder of this test binary");

    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let token = ks.token(&RSA_A).sub("alice@example.com").build();
    let expired = ks.token(&RSA_A).expires_in(-3600).build();
    assert_eq!(
        app.call_with(Route::Private, &token).await.status,
        Status::Ok
    );
    assert_eq!(
        app.call_with(Route::Private, &token).await.status,
        Status::Ok
    );
    assert_eq!(
        app.call_with(Route::Scoped, &token).await.status,
        Status::Forbidden
    );
    app.call(Route::Private, None).await;
    app.call_with(Route::Private, &expired).await;
    app.call(Route::Public, None).await;

    let (counted, histograms) = counters_and_histograms(&snapshotter);
    let get = |key: &str| counted.get(key).copied().unwrap_or(0);
    assert_eq!(get("auth_requests_total{code=ok}"), 2, "{counted:?}");
    assert_eq!(get("auth_requests_total{code=Unauthorized}"), 1);
    assert_eq!(
        get("auth_requests_total{code=authorization_header_missing}"),
        1
    );
    assert_eq!(get("auth_requests_total{code=token_expired}"), 1);
    let requests: u64 = counted
        .iter()
        .filter(|(key, _)| key.starts_with("auth_requests_total"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(requests, 5, "the open route is not counted: {counted:?}");
    assert_eq!(get("auth_jwks_fetches_total{result=ok}"), 1);
    let durations = &histograms["auth_jwks_fetch_duration_seconds"];
    assert_eq!(durations.len(), 1, "one fetch, one duration: {durations:?}");
    assert!(
        durations[0] > 0.0 && durations[0] < 5.0,
        "the fetch took {durations:?} s"
    );
    // Two lookups of `token` hit after its first verification; the expired
    // one and the first sight of `token` miss.
    assert_eq!(get("auth_token_cache_hits_total{}"), 2, "{counted:?}");
    assert_eq!(get("auth_token_cache_misses_total{}"), 2);

    for key in counted.keys() {
        assert!(!key.contains("alice") && !key.contains('.'), "label {key}");
        for part in token.split('.').chain(expired.split('.')) {
            assert!(!key.contains(part), "a label holds part of a token: {key}");
        }
    }

    // A replayed DPoP proof, and introspection calls of each result.
    let s = auth_tests::dpop::Setup::start().await;
    let proof = s.proof().build();
    assert_eq!(s.private(proof.clone()).await.status, Status::Ok);
    assert_eq!(s.private(proof).await.status, Status::Unauthorized);
    let endpoint = TestIntrospection::start().await.unwrap();
    let config = ks
        .config()
        .introspection_url(endpoint.url())
        .client_id(TEST_CLIENT_ID)
        .client_secret(TEST_CLIENT_SECRET);
    let opaque_app = TestApp::library(config).await;
    let exp = jsonwebtoken::get_current_timestamp() + 3600;
    let active = endpoint.active(serde_json::json!({ "iss": ks.issuer(), "exp": exp }));
    let inactive = endpoint.inactive();
    for (opaque, status) in [
        (&active, Status::Ok),
        (&active, Status::Ok), // cached: not a call
        (&inactive, Status::Unauthorized),
    ] {
        assert_eq!(
            opaque_app.call_with(Route::Private, opaque).await.status,
            status
        );
    }
    endpoint.stop().await;
    let unreachable = opaque_app
        .call_with(Route::Private, "opaque-never-seen")
        .await;
    assert_eq!(unreachable.status, Status::ServiceUnavailable);

    let counted = counters(&snapshotter);
    let get = |key: &str| counted.get(key).copied().unwrap_or(0);
    assert_eq!(get("auth_dpop_replays_total{}"), 1, "{counted:?}");
    for result in ["active", "inactive", "error"] {
        assert_eq!(
            get(&format!(
                "auth_introspection_calls_total{{result={result}}}"
            )),
            1,
            "{result}: {counted:?}"
        );
    }
}

/// Counters are registered with the recorder current when a Rocket ignites
/// (in `main`, before launch): two Rockets sharing one fairing (cloned),
/// each ignited under its own recorder, count into their own; a recorder
/// set after ignition sees no request counter at all, neither the
/// successes nor the refusals.
#[rocket::async_test]
async fn each_ignition_counts_into_the_recorder_current_at_its_ignition() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let token = ks.token(&RSA_A).build();
    let auth = Auth::new(ks.config().build().unwrap());
    let ignite = async |recorder: &dyn metrics::Recorder| {
        let _current = metrics::set_default_local_recorder(recorder);
        TestApp::with_auth(AppKind::Library, auth.clone()).await
    };
    let (first, second) = (DebuggingRecorder::new(), DebuggingRecorder::new());
    let first_app = ignite(&first).await;
    let second_app = ignite(&second).await;
    let late_app = ignite(&metrics::NoopRecorder).await;

    for _ in 0..2 {
        first_app.call_with(Route::Private, &token).await;
    }
    second_app.call_with(Route::Private, &token).await;
    second_app.call(Route::Private, None).await;
    let late = DebuggingRecorder::new();
    {
        let _current = metrics::set_default_local_recorder(&late);
        late_app.call_with(Route::Private, &token).await;
        late_app.call(Route::Private, None).await;
    }

    let first = counters(&first.snapshotter());
    assert_eq!(
        first.get("auth_requests_total{code=ok}"),
        Some(&2),
        "{first:?}"
    );
    assert_eq!(
        first.get("auth_requests_total{code=authorization_header_missing}"),
        Some(&0)
    );
    let second = counters(&second.snapshotter());
    assert_eq!(
        second.get("auth_requests_total{code=ok}"),
        Some(&1),
        "{second:?}"
    );
    assert_eq!(
        second.get("auth_requests_total{code=authorization_header_missing}"),
        Some(&1)
    );
    let late = counters(&late.snapshotter());
    assert!(
        !late
            .keys()
            .any(|key| key.starts_with("auth_requests_total")),
        "a recorder set after ignition sees none of the family: {late:?}"
    );
}
