//! What counting costs a request: `cargo bench -p auth-examples`.
//!
//! The quickstart's `GET /api/private` with a cached token, through Rocket's
//! blocking local client (one thread: ignition and the request run where
//! the bench does), in one run, on two clients: one ignited under the
//! facade's no-op recorder (what the library costs without an exporter),
//! one ignited under a Prometheus recorder of its own
//! (`metrics::with_local_recorder`), so that each request's counters
//! (`auth_requests_total`, the token cache's hits), registered at ignition,
//! are really recorded. BENCHMARKS.md gives the ratio.

use std::hint::black_box;

use auth_runtime::testing::TestIssuer;
use auth_runtime::Auth;
use criterion::{criterion_group, criterion_main, Criterion};
use metrics_exporter_prometheus::PrometheusBuilder;
use rocket::http::{Header, Status};
use rocket::local::blocking::Client;

const AUDIENCE: &str = "https://quickstarts/api";

fn cached_route(c: &mut Criterion) {
    // The issuer serves its key set from a runtime of its own.
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let issuer = runtime
        .block_on(TestIssuer::start(AUDIENCE))
        .expect("the development issuer");
    let config = issuer.config().build().unwrap();
    let figment = rocket::Config::figment().merge(("log_level", "off"));
    // Counters are registered with the recorder current at ignition.
    let ignite = || {
        Client::tracked(auth_examples::rocket_with(
            rocket::custom(figment.clone()),
            Auth::new(config.clone()),
        ))
        .unwrap()
    };
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let quiet = metrics::with_local_recorder(&metrics::NoopRecorder, ignite);
    let counted = metrics::with_local_recorder(&recorder, ignite);
    let authorization = format!("Bearer {}", issuer.token().build());
    let call = |client: &Client| {
        let response = client
            .get("/api/private")
            .header(Header::new("Authorization", authorization.clone()))
            .dispatch();
        assert_eq!(response.status(), Status::Ok);
        black_box(response.into_bytes())
    };
    call(&quiet); // the key set fetched, the token cached
    call(&counted);
    let rendered = handle.render();
    assert!(
        rendered.contains(r#"auth_requests_total{code="ok"} 1"#),
        "the recorder counts the route's requests: {rendered}"
    );

    let mut group = c.benchmark_group("metrics");
    group.bench_function("cached_route/no_recorder", |b| b.iter(|| call(&quiet)));
    group.bench_function("cached_route/prometheus", |b| b.iter(|| call(&counted)));
    group.finish();
    drop((quiet, counted));
    drop(issuer);
}

criterion_group!(benches, cached_route);
criterion_main!(benches);
