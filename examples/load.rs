//! Load and soak runs of the quickstart, over real HTTP on 127.0.0.1.
//!
//! ```sh
//! cargo run --release -p auth-examples --example load -- bench [SECONDS]
//! cargo run --release -p auth-examples --example load -- soak  [SECONDS]
//! cargo run --release -p auth-examples --example load -- refresh [SECONDS]
//! cargo run --release -p auth-examples --example load -- dpop [SECONDS]
//! cargo run --release -p auth-examples --example load -- growth [SECONDS] [SCALE] [CSV] [ISSUERS]
//! ```
//!
//! Both start, in this process, a development issuer and the quickstart on
//! free loopback ports, then drive them with 64 concurrent keep-alive
//! connections.
//!
//! * `bench` (default 10 s a route): `/api/public` (without and with the
//!   same `Authorization` header as the protected routes), `/api/private`
//!   and `/api/private-scoped` one after the other with a valid token, the
//!   protected ones on a server with the verified-token cache and on one
//!   without, and `/api/private` with a DPoP-bound token and a fresh proof
//!   per request (signed before the run); prints req/s and p99 of each, the
//!   ratios to both public routes, and the key-set fetches made after
//!   warm-up (two servers, one issuer). The routes are measured in five
//!   interleaved passes, so that the machine's drift during a run weighs
//!   on all of them alike.
//! * `soak` (default 60 s): a mix of valid, expired, wrong-scope and garbage
//!   tokens on `/api/private-scoped` while the issuer rotates its key twice;
//!   checks every answer (200, 401 `token_expired`, 403, 401
//!   `invalid_header`), counts wrong answers and 5xx, and prints the
//!   process's RSS after warm-up and at the end. Exits non-zero on any wrong
//!   answer.
//! * `refresh` (default 8 s a run): what key-set refreshes cost requests,
//!   against a key-set server that answers at once, after 1 s, never, or
//!   503 (see `load_refresh.rs`).
//! * `dpop` (default 10 s a route): `bench`'s two public routes and its
//!   DPoP route only, interleaved as in `bench`: the DPoP figure beside
//!   wrk's (`examples/wrk/run.sh`), which cannot sign a proof per request.
//! * `growth` (default 6 s a run, scale 1, `bench/growth.csv`): throughput
//!   and RSS with 1, 1,000, 100,000 and 1,000,000 distinct valid tokens
//!   (times SCALE) in rotation, with 1, 3 and 10 issuers configured; writes
//!   a CSV for `bench/plot_growth.py` (see `load_growth.rs`); ISSUERS,
//!   e.g. `1,10`, runs only those issuer counts.
//!
//! Client and server share the machine (and this process), so absolute
//! figures understate the server; ratios measured in one run are what to
//! compare.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use auth_runtime::testing::{DpopKey, TestIssuer};
use auth_runtime::Auth;

const CONNECTIONS: usize = 64;
/// The passes of `bench` over its routes.
const ROUNDS: u32 = 5;
const AUDIENCE: &str = "https://quickstarts/api";

type Error = Box<dyn std::error::Error + Send + Sync>;

#[path = "load_dpop.rs"]
mod dpop;
#[path = "load_growth.rs"]
mod growth;
#[path = "load_refresh.rs"]
mod refresh;
#[path = "load_soak.rs"]
mod soak;

use dpop::Proofs;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map_or("bench", String::as_str);
    let seconds: Option<u64> = args.get(1).and_then(|s| s.parse().ok());
    let issuer = Arc::new(TestIssuer::start(AUDIENCE).await?);
    // A short cooldown so that the soak's two rotations, 20 s apart, are
    // each followed by a refresh (the default is 30 s).
    let config = issuer
        .config()
        .refresh_cooldown(Duration::from_secs(5))
        // Room for every proof of the bench's DPoP route (each is kept for
        // its window, 5 minutes).
        .dpop_replay_capacity(2_000_000)
        .build()?;
    if mode == "growth" {
        // Its own issuers and servers, one per issuer count.
        let scale: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1.0);
        let csv = args.get(3).map_or("bench/growth.csv", String::as_str);
        let duration = Duration::from_secs(seconds.unwrap_or(6));
        // e.g. "1,10": only those issuer counts (each signs its own tokens).
        let issuers: Vec<usize> = match args.get(4) {
            Some(list) => list.split(',').filter_map(|n| n.parse().ok()).collect(),
            None => growth::ISSUERS.to_vec(),
        };
        return growth::growth(duration, scale, csv, &issuers).await;
    }
    let base = serve(config.clone()).await?;
    match mode {
        "bench" | "dpop" => {
            let uncached = serve(issuer.config().token_cache_capacity(0).build()?).await?;
            bench(
                &issuer,
                &base,
                &uncached,
                Duration::from_secs(seconds.unwrap_or(10)),
                mode == "dpop",
            )
            .await
        }
        "soak" => soak::soak(issuer, &base, Duration::from_secs(seconds.unwrap_or(60))).await,
        "refresh" => refresh::refresh(&issuer, Duration::from_secs(seconds.unwrap_or(8))).await,
        other => {
            Err(format!("unknown mode {other:?}: use bench, dpop, soak, refresh or growth").into())
        }
    }
}

/// Launches the quickstart on a free port; returns its base URL.
async fn serve(config: auth_runtime::AuthConfig) -> Result<String, Error> {
    serve_auth(Auth::new(config)).await
}

/// [`serve`] with any fairing (several issuers, for one).
async fn serve_auth(auth: Auth) -> Result<String, Error> {
    let figment = rocket::Config::figment()
        .merge(("port", 0))
        .merge(("address", "127.0.0.1"))
        .merge(("log_level", "off"))
        .merge(("workers", 2));
    let rocket = auth_examples::rocket_with(rocket::custom(figment), auth);
    // Liftoff reports the port the system chose; the server then runs in
    // the background until the process ends.
    let (port_tx, port_rx) = tokio::sync::oneshot::channel::<u16>();
    let port_tx = std::sync::Mutex::new(Some(port_tx));
    let rocket = rocket.attach(rocket::fairing::AdHoc::on_liftoff(
        "report port",
        move |rocket| {
            let port = rocket.config().port;
            if let Some(sender) = port_tx.lock().ok().and_then(|mut slot| slot.take()) {
                let _ = sender.send(port);
            }
            Box::pin(async {})
        },
    ));
    let server = tokio::spawn(rocket.launch());
    match port_rx.await {
        Ok(port) => Ok(format!("http://127.0.0.1:{port}")),
        // Launch ended before liftoff: report its error.
        Err(_) => Err(match server.await {
            Ok(Err(error)) => error.into(),
            Ok(Ok(_)) => "the server stopped before liftoff".into(),
            Err(join) => join.into(),
        }),
    }
}

/// Latency buckets of 50 µs, up to 100 ms (the last one takes the rest):
/// fixed memory, so that a long soak does not grow the RSS it measures.
const BUCKET_US: u128 = 50;
const BUCKETS: usize = 2000;

/// What the workers of one run measured.
struct Tally {
    buckets: Vec<u64>,
    slowest: Duration,
    requests: u64,
    wrong: u64,
    server_errors: u64,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            buckets: vec![0; BUCKETS],
            slowest: Duration::ZERO,
            requests: 0,
            wrong: 0,
            server_errors: 0,
        }
    }
}

impl Tally {
    fn record(&mut self, latency: Duration) {
        let bucket = (latency.as_micros() / BUCKET_US).min(BUCKETS as u128 - 1) as usize;
        self.buckets[bucket] += 1;
        self.slowest = self.slowest.max(latency);
        self.requests += 1;
    }

    fn merge(&mut self, other: Tally) {
        for (mine, theirs) in self.buckets.iter_mut().zip(other.buckets) {
            *mine += theirs;
        }
        self.slowest = self.slowest.max(other.slowest);
        self.requests += other.requests;
        self.wrong += other.wrong;
        self.server_errors += other.server_errors;
    }

    /// The 99th percentile, to the bucket's upper edge.
    fn p99_ms(&self) -> f64 {
        let target = (self.requests * 99).div_ceil(100);
        let mut seen = 0;
        for (index, count) in self.buckets.iter().enumerate() {
            seen += count;
            if seen >= target {
                return ((index as u128 + 1) * BUCKET_US) as f64 / 1000.0;
            }
        }
        0.0
    }
}

/// A request to send and the answer it must get.
#[derive(Clone)]
struct Case {
    url: String,
    authorization: Option<String>,
    /// DPoP proofs, one per request.
    proofs: Option<Arc<Proofs>>,
    status: u16,
    code: Option<&'static str>,
}

/// Runs `CONNECTIONS` workers for `duration`, each cycling through the
/// cases `cases()` returns at the time (they may change during the run).
async fn drive(duration: Duration, cases: impl Fn() -> Vec<Case> + Send + Sync + 'static) -> Tally {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .expect("client");
    let cases = Arc::new(cases);
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for worker in 0..CONNECTIONS {
        let (client, cases, stop) = (client.clone(), cases.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut n = worker;
            while !stop.load(Ordering::Relaxed) {
                let current = cases();
                let case = &current[n % current.len()];
                n += 1;
                let mut request = client.get(&case.url);
                if let Some(value) = &case.authorization {
                    request = request.header("Authorization", value);
                }
                if let Some(proofs) = &case.proofs {
                    request = request.header("DPoP", proofs.take());
                }
                let started = Instant::now();
                let result = request.send().await;
                let (status, body) = match result {
                    Ok(response) => (
                        response.status().as_u16(),
                        response.text().await.unwrap_or_default(),
                    ),
                    Err(_) => (0, String::new()),
                };
                tally.record(started.elapsed());
                if status >= 500 {
                    tally.server_errors += 1;
                }
                let code_ok = case.code.is_none_or(|code| {
                    serde_json::from_str::<serde_json::Value>(&body)
                        .ok()
                        .and_then(|v| v["code"].as_str().map(|c| c == code))
                        == Some(true)
                });
                if status != case.status || !code_ok {
                    tally.wrong += 1;
                    if tally.wrong <= 3 {
                        eprintln!(
                            "wrong answer: {} {:?} -> {status} {body}",
                            case.url, case.code
                        );
                    }
                }
            }
            tally
        }));
    }
    settle(workers, duration, &stop).await
}

/// Lets `workers` run for `duration`, stops them, and adds up their tallies.
async fn settle(
    workers: Vec<tokio::task::JoinHandle<Tally>>,
    duration: Duration,
    stop: &std::sync::atomic::AtomicBool,
) -> Tally {
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut total = Tally::default();
    for worker in workers {
        total.merge(worker.await.unwrap_or_default());
    }
    total
}

async fn bench(
    issuer: &TestIssuer,
    cached: &str,
    uncached: &str,
    duration: Duration,
    dpop_only: bool,
) -> Result<(), Error> {
    let bearer = format!("Bearer {}", issuer.token().scope("read:messages").build());
    let case = |base: &str, path: &str, authorization: Option<&String>| Case {
        url: format!("{base}{path}"),
        authorization: authorization.cloned(),
        proofs: None,
        status: 200,
        code: None,
    };
    // A DPoP-bound token and proofs of its key, on the cached server.
    let key = DpopKey::generate();
    let bound = issuer.token().scope("read:messages").bound_to(&key).build();
    let dpop_url = format!("{cached}/api/private");
    let dpop = |proofs: Proofs| Case {
        proofs: Some(Arc::new(proofs)),
        ..case(cached, "/api/private", Some(&format!("DPoP {bound}")))
    };
    let unsigned = Proofs::new(key, dpop_url, bound.clone());
    let mut routes = vec![
        ("/api/public", case(cached, "/api/public", None)),
        (
            "/api/public (same header)",
            case(cached, "/api/public", Some(&bearer)),
        ),
        (
            "/api/private (cache)",
            case(cached, "/api/private", Some(&bearer)),
        ),
        (
            "/api/private-scoped (cache)",
            case(cached, "/api/private-scoped", Some(&bearer)),
        ),
        (
            "/api/private (no cache)",
            case(uncached, "/api/private", Some(&bearer)),
        ),
        (
            "/api/private-scoped (no cache)",
            case(uncached, "/api/private-scoped", Some(&bearer)),
        ),
    ];
    if dpop_only {
        routes.truncate(2); // the two public routes: the ratios' bases
    }
    // Warm-up: the key sets are fetched, connections are open; the DPoP
    // route's rate, signing as it goes, sizes its pool of proofs.
    for (_, case) in &routes {
        let warm = case.clone();
        drive(Duration::from_secs(1), move || vec![warm.clone()]).await;
    }
    let warm = dpop(unsigned.signed(0));
    let warm_rate = drive(Duration::from_secs(1), move || vec![warm.clone()])
        .await
        .requests;
    let count = (warm_rate as f64 * duration.as_secs_f64() * 3.0) as usize + 1000;
    routes.push(("/api/private (DPoP, cache)", dpop(unsigned.signed(count))));
    let fetches_before = issuer.jwks_fetches();
    println!(
        "{CONNECTIONS} connections, {} s a route, release build: {}",
        duration.as_secs(),
        !cfg!(debug_assertions)
    );
    println!(
        "{:<32} {:>10} {:>10} {:>8} {:>8} {:>8}",
        "route", "req/s", "p99 ms", "wrong", "ratio", "ratio/h"
    );
    // Interleaved: ROUNDS passes over the routes, each route a share of
    // `duration` per pass, so that a drift of the machine during the run
    // (other processes, thermal) weighs on every route alike.
    let slice = duration / ROUNDS;
    let mut tallies: Vec<Tally> = routes.iter().map(|_| Tally::default()).collect();
    for _ in 0..ROUNDS {
        for ((_, case), total) in routes.iter().zip(&mut tallies) {
            let case = case.clone();
            total.merge(drive(slice, move || vec![case.clone()]).await);
        }
    }
    let elapsed = (slice * ROUNDS).as_secs_f64();
    let rate_of = |tally: &Tally| tally.requests as f64 / elapsed;
    let (public, with_header) = (rate_of(&tallies[0]), rate_of(&tallies[1]));
    for ((name, case), tally) in routes.iter().zip(&tallies) {
        let rate = rate_of(tally);
        println!(
            "{name:<32} {rate:>10.0} {:>10.2} {:>8} {:>8.2} {:>8.2}",
            tally.p99_ms(),
            tally.wrong + tally.server_errors,
            rate / public,
            rate / with_header,
        );
        if let Some(proofs) = &case.proofs {
            let late = proofs.signed_late.load(Ordering::Relaxed);
            if late > 0 {
                println!("  ({late} proofs signed during the run: the pool ran out)");
            }
        }
    }
    println!(
        "ratio: req/s of the route / req/s of /api/public; ratio/h: / req/s of \
         /api/public carrying the same Authorization header; same run, {ROUNDS} \
         interleaved passes"
    );
    println!(
        "key-set fetches after warm-up: {}",
        issuer.jwks_fetches() - fetches_before
    );
    Ok(())
}
