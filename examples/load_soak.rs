//! `soak` mode of the load example: a mix of valid, expired, wrong-scope and
//! garbage tokens while the issuer rotates its key, every answer checked,
//! and the process's RSS at the start and the end.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use auth_runtime::testing::TestIssuer;

use super::{drive, Case, Error, CONNECTIONS};

/// The process's resident set, in KiB (0 where `/proc` is not there).
pub(crate) fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The four kinds of request of the soak, for the issuer's current key.
fn soak_cases(issuer: &TestIssuer, base: &str) -> Vec<Case> {
    let url = format!("{base}/api/private-scoped");
    let bearer = |token: String| Some(format!("Bearer {token}"));
    vec![
        Case {
            url: url.clone(),
            authorization: bearer(issuer.token().scope("read:messages").build()),
            proofs: None,
            status: 200,
            code: None,
        },
        Case {
            url: url.clone(),
            authorization: bearer(
                issuer
                    .token()
                    .scope("read:messages")
                    .expires_in(-600)
                    .build(),
            ),
            proofs: None,
            status: 401,
            code: Some("token_expired"),
        },
        Case {
            url: url.clone(),
            authorization: bearer(issuer.token().scope("write:messages").build()),
            proofs: None,
            status: 403,
            code: Some("Unauthorized"),
        },
        Case {
            url,
            authorization: bearer("eyJhbGciOiJSUzI1NiJ9.garbage.garbage".into()),
            proofs: None,
            status: 401,
            code: Some("invalid_header"),
        },
    ]
}

pub(crate) async fn soak(
    issuer: Arc<TestIssuer>,
    base: &str,
    duration: Duration,
) -> Result<(), Error> {
    let cases = Arc::new(std::sync::RwLock::new(soak_cases(&issuer, base)));
    let reader = cases.clone();
    let started = Instant::now();
    let run = tokio::spawn(drive(duration, move || {
        reader.read().map(|c| c.clone()).unwrap_or_default()
    }));
    // RSS after a tenth of the run (warm-up), two rotations at a third and
    // two thirds of it.
    tokio::time::sleep(duration / 10).await;
    let rss_warm = rss_kib();
    let rotations = Arc::new(AtomicU64::new(0));
    for third in [1u32, 2] {
        tokio::time::sleep((duration * third / 3).saturating_sub(started.elapsed())).await;
        let key = issuer.rotate().await;
        *cases.write().map_err(|_| "poisoned")? = soak_cases(&issuer, base);
        rotations.fetch_add(1, Ordering::Relaxed);
        println!(
            "{:>5.1} s: rotated to {}",
            started.elapsed().as_secs_f64(),
            key.kid()
        );
    }
    let tally = run.await?;
    let rss_end = rss_kib();
    let total = tally.requests;
    println!(
        "soak: {} s, {CONNECTIONS} connections, {total} requests ({:.0} req/s), p99 {:.2} ms",
        duration.as_secs(),
        total as f64 / duration.as_secs_f64(),
        tally.p99_ms()
    );
    println!(
        "wrong answers: {}, 5xx: {}, key rotations: {}",
        tally.wrong,
        tally.server_errors,
        rotations.load(Ordering::Relaxed)
    );
    println!(
        "RSS after warm-up {rss_warm} KiB, at the end {rss_end} KiB ({:+.1} %)",
        (rss_end as f64 - rss_warm as f64) * 100.0 / rss_warm.max(1) as f64
    );
    println!("key-set fetches: {}", issuer.jwks_fetches());
    if tally.wrong > 0 || tally.server_errors > 0 {
        return Err("the soak saw wrong answers".into());
    }
    Ok(())
}
