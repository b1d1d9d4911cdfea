//! `growth` mode of the load example: throughput and memory as the number
//! of distinct valid tokens (1 to 1,000,000, times a scale) and of
//! configured issuers (1, 3, 10) grows. Writes one CSV row per run.
//!
//! Each issuer count gets its own server (a fresh verified-token cache,
//! its default capacity of 10,000 entries). The distinct tokens are signed
//! before the runs (RS256-2048, spread round-robin over the issuers, each
//! with its own `jti`); each run sends them in strict rotation (one shared
//! counter for all connections, so that 64 connections never share a
//! token in flight), so with more distinct tokens than the cache holds
//! every request is a miss: one full verification (the floor: one RS256
//! signature check). The runs of one server go from few tokens to many, so
//! a run starts with the cache as the previous run left it.
//!
//! RSS is the whole process's (client, issuers and server share it). It is
//! read once per server after its tokens are signed and its keys fetched
//! (`rss_kib_baseline`: the signed tokens, `token_bytes`, are in it), then
//! before and after each run; `rss_added_kib` (after minus the baseline)
//! is what the server's runs added so far: the verified-token cache
//! filling up to its capacity, connections, the allocator's slack.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use auth_runtime::testing::TestIssuer;
use auth_runtime::Auth;

use super::soak::rss_kib;
use super::{serve_auth, Error, Tally, AUDIENCE, CONNECTIONS};

/// The distinct-token counts of a full run, before the scale.
const TOKENS: [usize; 4] = [1, 1_000, 100_000, 1_000_000];
/// The issuer counts, unless the command line names others.
pub(crate) const ISSUERS: [usize; 3] = [1, 3, 10];

pub(crate) async fn growth(
    duration: Duration,
    scale: f64,
    csv: &str,
    issuer_counts: &[usize],
) -> Result<(), Error> {
    let mut counts: Vec<usize> = TOKENS
        .iter()
        .map(|&n| ((n as f64 * scale).round() as usize).max(1))
        .collect();
    counts.dedup(); // a small scale makes the first ones 1

    let largest = counts.iter().copied().max().unwrap_or(1);
    let mut out = String::from(
        "issuers,tokens,seconds,requests,req_per_s,p99_ms,non_2xx,cache_misses,\
         rss_kib_baseline,rss_kib_before,rss_kib_after,rss_added_kib,token_bytes\n",
    );
    println!(
        "{:>7} {:>9} {:>10} {:>8} {:>8} {:>10} {:>11} {:>11}",
        "issuers", "tokens", "req/s", "p99 ms", "non-2xx", "misses", "RSS KiB", "added KiB"
    );
    for &issuers in issuer_counts {
        let mut started = Vec::new();
        for _ in 0..issuers {
            started.push(Arc::new(TestIssuer::start(AUDIENCE).await?));
        }
        let configs = started
            .iter()
            .map(|issuer| issuer.config().build())
            .collect::<Result<Vec<_>, _>>()?;
        let base = serve_auth(Auth::issuers(configs)).await?;
        let url = format!("{base}/api/private-scoped");
        let signing = Instant::now();
        let tokens = Arc::new(sign(&started, largest).await?);
        let token_bytes: usize = tokens.iter().map(String::len).sum();
        eprintln!(
            "{issuers} issuer(s): {largest} tokens signed in {:.1} s",
            signing.elapsed().as_secs_f64()
        );
        // Every issuer's key set fetched, connections open.
        let warm: Arc<Vec<String>> = Arc::new(tokens.iter().take(issuers).cloned().collect());
        rotate(Duration::from_secs(1), &url, warm, usize::MAX).await;
        let baseline = rss_kib();
        for &count in &counts {
            let misses_before = misses(&base).await;
            let rss_before = rss_kib();
            let tally = rotate(duration, &url, tokens.clone(), count).await;
            let rss_after = rss_kib();
            let cache_misses = misses(&base).await.saturating_sub(misses_before);
            let rate = tally.requests as f64 / duration.as_secs_f64();
            let non_2xx = tally.wrong + tally.server_errors;
            println!(
                "{issuers:>7} {count:>9} {rate:>10.0} {:>8.2} {non_2xx:>8} {cache_misses:>10} {rss_after:>11} {:>11}",
                tally.p99_ms(),
                rss_after as i64 - baseline as i64
            );
            writeln!(
                out,
                "{issuers},{count},{},{},{rate:.0},{:.2},{non_2xx},{cache_misses},{baseline},{rss_before},{rss_after},{},{}",
                duration.as_secs_f64(),
                tally.requests,
                tally.p99_ms(),
                rss_after as i64 - baseline as i64,
                token_bytes * count / largest,
            )?;
        }
    }
    std::fs::write(csv, out)?;
    println!("wrote {csv}");
    Ok(())
}

/// `count` distinct `Authorization` values, round-robin over `issuers`,
/// signed on every core.
async fn sign(issuers: &[Arc<TestIssuer>], count: usize) -> Result<Vec<String>, Error> {
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let mut tasks = Vec::new();
    for thread in 0..threads {
        let issuers: Vec<Arc<TestIssuer>> = issuers.to_vec();
        tasks.push(tokio::task::spawn_blocking(move || {
            (thread..count)
                .step_by(threads)
                .map(|n| {
                    let token = issuers[n % issuers.len()]
                        .token()
                        .scope("read:messages")
                        .claim("jti", format!("growth-{n}"))
                        .build();
                    (n, format!("Bearer {token}"))
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut tokens = vec![String::new(); count];
    for task in tasks {
        for (n, token) in task.await? {
            tokens[n] = token;
        }
    }
    Ok(tokens)
}

/// `auth_token_cache_misses_total` from the server's `/metrics` (the
/// process's one Prometheus recorder: every server of the process).
async fn misses(base: &str) -> u64 {
    let text = match reqwest::get(format!("{base}/metrics")).await {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(_) => return 0,
    };
    text.lines()
        .filter(|line| line.starts_with("auth_token_cache_misses_total"))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// `CONNECTIONS` workers for `duration`, sending the first `count` of
/// `tokens` in strict rotation; every answer must be 200.
async fn rotate(duration: Duration, url: &str, tokens: Arc<Vec<String>>, count: usize) -> Tally {
    let count = count.min(tokens.len()).max(1);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .expect("client");
    let next = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, tokens, next, stop) =
            (client.clone(), tokens.clone(), next.clone(), stop.clone());
        let url = url.to_owned();
        workers.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            while !stop.load(Ordering::Relaxed) {
                let token = &tokens[next.fetch_add(1, Ordering::Relaxed) % count];
                let started = Instant::now();
                let status = match client.get(&url).header("Authorization", token).send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let _ = response.bytes().await;
                        status
                    }
                    Err(_) => 0,
                };
                tally.record(started.elapsed());
                if status >= 500 {
                    tally.server_errors += 1;
                } else if status != 200 {
                    tally.wrong += 1;
                }
            }
            tally
        }));
    }
    super::settle(workers, duration, &stop).await
}
