//! In-process costs of validation: `cargo bench -p auth-runtime`.
//!
//! * `validate/*`: one RS256 token, the same in every case: a bare
//!   `jsonwebtoken::decode` with a ready `DecodingKey` (the floor), and this
//!   crate's full path (header parse, key lookup, verification, claims,
//!   scope check) without and with the verified-token cache.
//! * `contention/*`: two tasks validating on two threads, with the key set
//!   fresh, and while it is refreshed continuously (a 1 ms TTL).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use auth_runtime::testing::TestIssuer;
use auth_runtime::validator::Validator;
use auth_runtime::AuthConfig;
use criterion::{criterion_group, criterion_main, Criterion};
use jsonwebtoken::{DecodingKey, Validation};

const AUDIENCE: &str = "https://quickstarts/api";

struct Setup {
    runtime: tokio::runtime::Runtime,
    issuer: TestIssuer,
    token: String,
}

fn setup() -> Setup {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let issuer = runtime.block_on(TestIssuer::start(AUDIENCE)).unwrap();
    let token = issuer.token().scope("read:messages").build();
    Setup {
        runtime,
        issuer,
        token,
    }
}

fn validator(
    setup: &Setup,
    config: impl FnOnce(
        auth_runtime::config::AuthConfigBuilder,
    ) -> auth_runtime::config::AuthConfigBuilder,
) -> Arc<Validator> {
    let config: AuthConfig = config(setup.issuer.config()).build().unwrap();
    let validator = Arc::new(Validator::new(config).unwrap());
    // Warm: the key set is fetched.
    setup
        .runtime
        .block_on(validator.validate(&setup.token))
        .unwrap();
    validator
}

fn validate(c: &mut Criterion) {
    let setup = setup();
    let header = format!("Bearer {}", setup.token);
    let jwk: jsonwebtoken::jwk::Jwk =
        serde_json::from_value(setup.issuer.key().public_jwk().clone()).unwrap();
    let key = DecodingKey::from_jwk(&jwk).unwrap();
    let mut bare = Validation::new(jsonwebtoken::Algorithm::RS256);
    bare.set_issuer(&[setup.issuer.issuer()]);
    bare.set_audience(&[AUDIENCE]);
    let uncached = validator(&setup, |c| c.token_cache_capacity(0));
    let cached = validator(&setup, |c| c);

    let mut group = c.benchmark_group("validate");
    group.bench_function("bare_jsonwebtoken_decode", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
                black_box(&setup.token),
                &key,
                &bare,
            )
            .unwrap()
        })
    });
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (name, validator) in [
        ("full_path_no_cache", &uncached),
        ("full_path_cached", &cached),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                current.block_on(async {
                    let claims = validator.authorize(Some(black_box(&header))).await.unwrap();
                    claims.require_scopes(&["read:messages"]).unwrap();
                    claims
                })
            })
        });
    }
    group.finish();
}

fn contention(c: &mut Criterion) {
    let setup = setup();
    let fresh = validator(&setup, |c| c.token_cache_capacity(0));
    let refreshing = validator(&setup, |c| {
        c.token_cache_capacity(0)
            .jwks_ttl(Duration::from_millis(1))
            .refresh_cooldown(Duration::ZERO)
    });
    let mut group = c.benchmark_group("contention");
    for (name, validator) in [
        ("two_threads_fresh_set", &fresh),
        ("two_threads_while_refreshing", &refreshing),
    ] {
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                setup.runtime.block_on(async {
                    let started = Instant::now();
                    let tasks: Vec<_> = (0..2)
                        .map(|_| {
                            let (validator, token) = (validator.clone(), setup.token.clone());
                            tokio::spawn(async move {
                                for _ in 0..iterations.div_ceil(2) {
                                    black_box(validator.validate(&token).await.unwrap());
                                }
                            })
                        })
                        .collect();
                    for task in tasks {
                        task.await.unwrap();
                    }
                    started.elapsed()
                })
            })
        });
    }
    group.finish();
    println!(
        "key-set fetches during the refreshing run: {}",
        refreshing.jwks_fetch_attempts()
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    targets = validate, contention
}
criterion_main!(benches);
