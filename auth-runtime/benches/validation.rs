//! In-process costs of validation: `cargo bench -p auth-runtime`.
//!
//! * `validate/*`: one RS256 token, the same in every case: a bare
//!   `jsonwebtoken::decode` with a ready `DecodingKey` (the floor), and this
//!   crate's full path (header parse, key lookup, verification, claims,
//!   scope check) without and with the verified-token cache.
//! * `contention/*`: two tasks validating on two threads, with the key set
//!   fresh, and while it is refreshed continuously (a 1 ms TTL).
//! * `beyond_bearer/*`: through an [`IssuerRouter`] with an introspection
//!   endpoint on loopback, a cached JWT against a cached opaque token, an
//!   opaque token never seen (one call to the endpoint), and the RFC 8705
//!   certificate check of one request (parse `Client-Cert`, hash, compare).
//! * `rsa_key/*`: what pre-parsing RSA keys would save a first-seen token:
//!   one RS256 signature check as jsonwebtoken makes it (the key built from
//!   `n` and `e` on every verification) against aws-lc-rs's
//!   `ParsedPublicKey` built once.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use auth_runtime::testing::{
    ClientCert, TestIntrospection, TestIssuer, TEST_CLIENT_ID, TEST_CLIENT_SECRET,
};
use auth_runtime::validator::{IssuerRouter, RequestParts, Validator};
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
            .refresh_cooldown(Duration::from_millis(1))
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

fn beyond_bearer(c: &mut Criterion) {
    let setup = setup();
    let endpoint = setup
        .runtime
        .block_on(TestIntrospection::start())
        .expect("the introspection endpoint");
    let config = setup
        .issuer
        .config()
        .introspection_url(endpoint.url())
        .client_id(TEST_CLIENT_ID)
        .client_secret(TEST_CLIENT_SECRET)
        .build()
        .unwrap();
    let router = IssuerRouter::new([config]).unwrap();
    let exp = jsonwebtoken::get_current_timestamp() + 3600;
    let opaque = endpoint.active(serde_json::json!({
        "sub": "alice", "scope": "read:messages", "iss": setup.issuer.issuer(), "exp": exp,
    }));
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Warm: the key set fetched, both tokens cached.
    for token in [&setup.token, &opaque] {
        current.block_on(router.validate(token)).unwrap();
    }

    let mut group = c.benchmark_group("beyond_bearer");
    for (name, token) in [("jwt_cached", &setup.token), ("opaque_cached", &opaque)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                current.block_on(async {
                    let claims = router.validate(black_box(token)).await.unwrap();
                    claims.require_scopes(&["read:messages"]).unwrap();
                    claims
                })
            })
        });
    }
    let calls_before = endpoint.calls();
    let mut unseen = 0u64;
    group.bench_function("opaque_miss_one_loopback_call", |b| {
        b.iter(|| {
            unseen += 1;
            let token = format!("never-seen-{unseen}");
            // Unknown to the endpoint: inactive, after one call.
            current
                .block_on(router.validate(black_box(&token)))
                .unwrap_err()
        })
    });
    assert_eq!(
        endpoint.calls() - calls_before,
        unseen,
        "every miss asked the endpoint"
    );
    // A certificate-bound token (RFC 8705) on a cache hit, with its
    // certificate in the `Client-Cert` header: the whole request as the
    // guard makes it (parse the header, SHA-256, compare).
    let cert = ClientCert::client();
    let bound_router = IssuerRouter::new([setup
        .issuer
        .config()
        .client_cert_header("Client-Cert")
        .build()
        .unwrap()])
    .unwrap();
    let bound = setup
        .issuer
        .token()
        .scope("read:messages")
        .bound_to_certificate(&cert.thumbprint())
        .build();
    let authorization = format!("Bearer {bound}");
    let header = cert.header_value();
    let request = RequestParts::new("GET", Some("https://api.example/".to_owned()))
        .authorization(&authorization)
        .client_cert(&header);
    current
        .block_on(bound_router.authorize_request(&request))
        .unwrap();
    group.bench_function("bound_jwt_cached_with_certificate", |b| {
        b.iter(|| {
            current
                .block_on(bound_router.authorize_request(black_box(&request)))
                .unwrap()
        })
    });
    group.finish();
}

/// One RS256 signature, verified from the JWK's `n`/`e` each time (as
/// jsonwebtoken does) and with the key parsed once.
fn rsa_key(c: &mut Criterion) {
    use aws_lc_rs::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
    use base64::Engine;

    let setup = setup();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let key = setup.issuer.key();
    let jwk = key.public_jwk();
    let member = |name: &str| b64.decode(jwk[name].as_str().unwrap()).unwrap();
    let (n, e) = (member("n"), member("e"));
    let (message, signature) = setup.token.rsplit_once('.').unwrap();
    let signature = b64.decode(signature).unwrap();
    let components = RsaPublicKeyComponents { n: &n, e: &e };
    let parsed = components
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .unwrap();

    let mut group = c.benchmark_group("rsa_key");
    group.bench_function("components_each_time", |b| {
        b.iter(|| {
            components
                .verify(
                    &RSA_PKCS1_2048_8192_SHA256,
                    black_box(message.as_bytes()),
                    &signature,
                )
                .unwrap()
        })
    });
    group.bench_function("parsed_once", |b| {
        b.iter(|| {
            parsed
                .verify_sig(black_box(message.as_bytes()), &signature)
                .unwrap()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    targets = validate, contention, beyond_bearer, rsa_key
}
criterion_main!(benches);
