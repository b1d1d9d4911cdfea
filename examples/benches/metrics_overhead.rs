//! What counting costs a request: `cargo bench -p auth-examples`.
//!
//! The quickstart's `GET /api/private` with a cached token, through Rocket's
//! blocking local client (one thread: the request runs where the bench
//! does), in one run: without a metrics recorder (the facade's no-op, what
//! the library costs without the `metrics` feature's exporter), and with the
//! quickstart's Prometheus recorder installed for the thread
//! (`metrics::with_local_recorder`), so that each request's counters
//! (`auth_requests_total`, the token cache's hits) are really recorded.
//! BENCHMARKS.md gives the ratio.

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
    let client = Client::tracked(auth_examples::rocket_with(
        rocket::custom(figment),
        Auth::new(config),
    ))
    .unwrap();
    let authorization = format!("Bearer {}", issuer.token().build());
    let call = || {
        let response = client
            .get("/api/private")
            .header(Header::new("Authorization", authorization.clone()))
            .dispatch();
        assert_eq!(response.status(), Status::Ok);
        black_box(response.into_bytes())
    };
    call(); // the key set fetched, the token cached
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    metrics::with_local_recorder(&recorder, call);
    assert!(
        handle.render().contains("auth_requests_total"),
        "the recorder counts the route's requests"
    );

    let mut group = c.benchmark_group("metrics");
    group.bench_function("cached_route/no_recorder", |b| b.iter(call));
    group.bench_function("cached_route/prometheus", |b| {
        b.iter(|| metrics::with_local_recorder(&recorder, call))
    });
    group.finish();
    drop(client);
    drop(issuer);
}

criterion_group!(benches, cached_route);
criterion_main!(benches);
