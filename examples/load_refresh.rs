//! `refresh` mode of the load example: what key-set refreshes cost the
//! requests. `/api/private` with a valid token, the library built with a
//! 1 s key-set TTL and a 1 s refresh cooldown, against a key-set server on
//! loopback that answers at once, after 1 s, never (hangs), or 503; beside
//! a run with the default TTL (no refresh during the run). Each with the
//! verified-token cache on and off. Prints the slowest request, p99, the
//! answers other than 200 and the fetches made during the run.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::{drive, serve, Case, Error, TestIssuer};

/// How the key-set server answers.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Behaviour {
    AtOnce = 0,
    AfterOneSecond = 1,
    Never = 2,
    Down = 3,
}

impl Behaviour {
    fn name(self) -> &'static str {
        match self {
            Behaviour::AtOnce => "answers at once",
            Behaviour::AfterOneSecond => "answers after 1 s",
            Behaviour::Never => "never answers",
            Behaviour::Down => "down (503)",
        }
    }
}

/// A key-set server on 127.0.0.1 whose behaviour can change between runs.
struct KeySetServer {
    url: String,
    behaviour: Arc<AtomicU8>,
    fetches: Arc<AtomicU64>,
}

impl KeySetServer {
    async fn start(body: String) -> Result<KeySetServer, Error> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/jwks.json", listener.local_addr()?);
        let behaviour = Arc::new(AtomicU8::new(Behaviour::AtOnce as u8));
        let fetches = Arc::new(AtomicU64::new(0));
        let (mode, count) = (behaviour.clone(), fetches.clone());
        let body = Arc::new(body);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (mode, count, body) = (mode.clone(), count.clone(), body.clone());
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buffer[..n]),
                        }
                    }
                    count.fetch_add(1, Ordering::Relaxed);
                    let (status, body) = match mode.load(Ordering::Relaxed) {
                        1 => {
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            ("200 OK", body.as_str())
                        }
                        2 => {
                            // Holds the connection until the client gives up.
                            let _ = socket.read(&mut buffer).await;
                            return;
                        }
                        3 => ("503 Service Unavailable", "{}"),
                        _ => ("200 OK", body.as_str()),
                    };
                    let answer = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        Ok(KeySetServer {
            url,
            behaviour,
            fetches,
        })
    }

    fn set(&self, behaviour: Behaviour) {
        self.behaviour.store(behaviour as u8, Ordering::Relaxed);
    }
}

pub(super) async fn refresh(issuer: &TestIssuer, duration: Duration) -> Result<(), Error> {
    let keys = auth_runtime::testing::key_set([&*issuer.key()]).to_string();
    let server = KeySetServer::start(keys).await?;
    let bearer = format!("Bearer {}", issuer.token().build());
    println!(
        "{} connections, {} s a run, TTL 1 s and cooldown 1 s (baseline: default TTL)",
        super::CONNECTIONS,
        duration.as_secs()
    );
    println!(
        "{:<20} {:<9} {:>10} {:>8} {:>8} {:>8} {:>8}",
        "key-set server", "cache", "slowest ms", "p99 ms", "req/s", "non-200", "fetches"
    );
    let runs = [
        (None, Behaviour::AtOnce),
        (Some(Behaviour::AtOnce), Behaviour::AtOnce),
        (Some(Behaviour::AfterOneSecond), Behaviour::AfterOneSecond),
        (Some(Behaviour::Never), Behaviour::Never),
        (Some(Behaviour::Down), Behaviour::Down),
    ];
    for (refreshing, behaviour) in runs {
        for cache in [true, false] {
            let mut config = issuer.config().jwks_uri(server.url.clone());
            if refreshing.is_some() {
                config = config
                    .jwks_ttl(Duration::from_secs(1))
                    .refresh_cooldown(Duration::from_secs(1));
            }
            if !cache {
                config = config.token_cache_capacity(0);
            }
            let base = serve(config.build()?).await?;
            let case = Case {
                url: format!("{base}/api/private"),
                authorization: Some(bearer.clone()),
                proofs: None,
                status: 200,
                code: None,
            };
            // Warm-up with the server answering: keys cached, connections open.
            server.set(Behaviour::AtOnce);
            let warm = case.clone();
            drive(Duration::from_secs(1), move || vec![warm.clone()]).await;
            server.set(behaviour);
            let before = server.fetches.load(Ordering::Relaxed);
            let tally = drive(duration, move || vec![case.clone()]).await;
            let name = match refreshing {
                None => "(default TTL)",
                Some(behaviour) => behaviour.name(),
            };
            println!(
                "{name:<20} {:<9} {:>10.1} {:>8.2} {:>8.0} {:>8} {:>8}",
                if cache { "on" } else { "off" },
                tally.slowest.as_secs_f64() * 1000.0,
                tally.p99_ms(),
                tally.requests as f64 / duration.as_secs_f64(),
                tally.wrong + tally.server_errors,
                server.fetches.load(Ordering::Relaxed) - before
            );
        }
    }
    // Leave the server answering for the background fetches still running.
    server.set(Behaviour::AtOnce);
    Ok(())
}
