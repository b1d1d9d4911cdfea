//! The router's own decisions, without network: a token's `iss` picks its
//! validator, the size limit of several issuers, which tokens go to the
//! introspection endpoint (one on a closed loopback port: a call to it is
//! `introspection_unavailable`, which is how a test sees that it was made),
//! readiness, warm-up, the leeway of the issuer that verified, and the
//! `cnf` forms no check here enforces.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use serde_json::json;

use super::IssuerRouter;
use crate::config::{AuthConfig, AuthConfigBuilder, ConfigError, HmacSecret};
use crate::error::AuthError;
use crate::testing::{SigningKey, TokenBuilder};

const A: &str = "https://a.example/";
const B: &str = "https://b.example/";
const AUDIENCE: &str = "https://api.example/";
const SECRET_A: &[u8] = b"issuer A's shared secret, 32 b.!";
const SECRET_B: &[u8] = b"issuer B's shared secret, 32 b.!";
/// Loopback port 9 (discard): nothing listens, a connection is refused at once.
const CLOSED: &str = "http://127.0.0.1:9/introspect";

fn config(
    issuer: &str,
    secret: &'static [u8],
    configure: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
) -> AuthConfig {
    let builder = AuthConfig::builder(issuer, AUDIENCE)
        .shared_secret(HmacSecret::raw(secret))
        .fetch_timeout(Duration::from_secs(2));
    configure(builder).build().unwrap()
}

fn token(issuer: &str, secret: &[u8]) -> TokenBuilder {
    let key = SigningKey::from_secret("k", Algorithm::HS256, secret).unwrap();
    TokenBuilder::new(Arc::new(key))
        .issuer(issuer)
        .audience(AUDIENCE)
}

fn two(
    a: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
    b: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
) -> IssuerRouter {
    IssuerRouter::new([config(A, SECRET_A, a), config(B, SECRET_B, b)]).unwrap()
}

#[tokio::test]
async fn the_tokens_iss_picks_the_validator_that_verifies_it() {
    let router = two(|b| b, |b| b);
    let issuers: Vec<&str> = router
        .validators()
        .iter()
        .map(|v| v.config.issuer())
        .collect();
    assert_eq!(issuers, [A, B]);
    for (issuer, secret) in [(A, SECRET_A), (B, SECRET_B)] {
        let claims = router
            .validate(&token(issuer, secret).build())
            .await
            .unwrap();
        assert_eq!(claims.get("iss"), Some(&json!(issuer)));
    }
    // B's secret does not verify a token that says it is A's, nor the reverse.
    assert_eq!(
        router.validate(&token(A, SECRET_B).build()).await.err(),
        Some(AuthError::BadSignature)
    );
    // An issuer not configured: refused without a validator.
    assert_eq!(
        router
            .validate(&token("https://c.example/", SECRET_A).build())
            .await
            .err(),
        Some(AuthError::WrongAudienceOrIssuer)
    );
}

#[tokio::test]
async fn several_issuers_share_the_largest_size_limit() {
    let token = token(B, SECRET_B).build();
    let len = token.len();
    // B's limit is the largest: a token of exactly that size is verified.
    let router = two(|b| b.max_token_bytes(len - 10), |b| b.max_token_bytes(len));
    assert!(router.validate(&token).await.is_ok());
    let roomy = two(
        |b| b.max_token_bytes(len - 10),
        |b| b.max_token_bytes(len + 1),
    );
    assert!(roomy.validate(&token).await.is_ok());
    // One byte over the largest: refused before its issuer is read.
    let small = two(
        |b| b.max_token_bytes(len - 10),
        |b| b.max_token_bytes(len - 1),
    );
    assert_eq!(
        small.validate(&token).await.err(),
        Some(AuthError::Malformed("token larger than the size limit"))
    );
}

#[tokio::test]
async fn only_opaque_tokens_within_the_limit_go_to_the_introspection_endpoint() {
    let router = IssuerRouter::new([config(A, SECRET_A, |b| {
        b.introspection_url(CLOSED)
            .client_id("api")
            .client_secret("secret")
            .max_token_bytes(1000)
    })])
    .unwrap();
    // An opaque token: sent (and the closed endpoint answers nothing).
    assert_eq!(
        router.validate("an-opaque-token").await.err(),
        Some(AuthError::IntrospectionUnavailable)
    );
    let at_limit = "o".repeat(1000);
    assert_eq!(
        router.validate(&at_limit).await.err(),
        Some(AuthError::IntrospectionUnavailable)
    );
    // Over the size limit: never sent.
    let over = "o".repeat(1001);
    assert_eq!(
        router.validate(&over).await.err(),
        Some(AuthError::Malformed("token larger than the size limit"))
    );
    // A JWT is verified locally and not sent (introspect_jwts is off).
    assert!(router.validate(&token(A, SECRET_A).build()).await.is_ok());
}

#[tokio::test]
async fn jwts_are_introspected_only_for_the_issuer_that_asks() {
    let router = two(
        |b| {
            b.introspection_url(CLOSED)
                .client_id("api")
                .client_secret("secret")
                .introspect_jwts(true)
        },
        |b| b,
    );
    // A's valid JWT must also be active: the endpoint is down, so it fails
    // closed.
    assert_eq!(
        router.validate(&token(A, SECRET_A).build()).await.err(),
        Some(AuthError::IntrospectionUnavailable)
    );
    // B's token is never sent to A's endpoint.
    assert!(router.validate(&token(B, SECRET_B).build()).await.is_ok());
}

#[test]
fn introspecting_jwts_needs_the_endpoint_and_credentials_in_the_same_configuration() {
    let refused = |configs: Vec<AuthConfig>| match IssuerRouter::new(configs) {
        Err(ConfigError::OutOfRange { setting, reason }) => (setting, reason),
        other => panic!("{other:?}"),
    };
    let (setting, reason) = refused(vec![
        config(A, SECRET_A, |b| {
            b.introspection_url(CLOSED)
                .client_id("api")
                .client_secret("s")
        }),
        config(B, SECRET_B, |b| b.introspect_jwts(true)),
    ]);
    assert_eq!(setting, "introspect_jwts (AUTH_INTROSPECT_JWTS)");
    assert!(reason.contains("same issuer's configuration"), "{reason}");
    let (_, reason) = refused(vec![config(A, SECRET_A, |b| {
        b.introspection_url(CLOSED).introspect_jwts(true)
    })]);
    assert!(reason.contains("client credentials"), "{reason}");
    let (setting, _) = refused(vec![config(A, SECRET_A, |b| {
        b.introspection_discovery(true)
    })]);
    assert_eq!(setting, "introspection_discovery (AUTH_INTROSPECTION)");
}

#[tokio::test]
async fn readiness_names_the_issuers_without_keys() {
    let ready = two(|b| b, |b| b);
    assert!(ready.is_ready());
    assert_eq!(ready.not_ready().count(), 0);

    // B's keys are at a closed port: it cannot verify until they load.
    let unreachable = AuthConfig::builder(B, AUDIENCE)
        .jwks_uri("http://127.0.0.1:9/jwks.json")
        .fetch_timeout(Duration::from_secs(2))
        .warm_up(true)
        .build()
        .unwrap();
    let router = IssuerRouter::new([config(A, SECRET_A, |b| b), unreachable]).unwrap();
    assert!(!router.is_ready());
    assert_eq!(router.not_ready().collect::<Vec<_>>(), [B]);
    // Warm-up fetches the keys of the issuers that ask for it, at once.
    assert_eq!(router.validators()[1].jwks_fetch_attempts(), 0);
    router.warm_up().await;
    assert_eq!(router.validators()[1].jwks_fetch_attempts(), 1);
    assert!(!router.is_ready());
}

// The pauses between retries run on tokio's time, paused here so that the
// timings are exact: a fetch to a server that never answers ends at its
// timeout (0.5 s) as soon as the runtime is idle. The back-off after a
// failure reads the core's clock, moved past it once the warm-up ends, so
// that only the pause (1 s) decides. The count of attempts moves as each one
// ends: the first retry begins 1 s after the warm-up ended and is counted
// 1.5 s after. Begun with the warm-up (as it once was), it began 0.5 s after
// the warm-up's end, and a first request could join a fetch about to fail.
#[tokio::test(start_paused = true)]
async fn the_background_retries_begin_a_retry_interval_after_a_failed_warm_up_ends() {
    // Bound and never accepted: the connection waits in the backlog.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = silent.local_addr().unwrap();
    let manual = crate::clock::ManualClock::new();
    let slow = AuthConfig::builder(A, AUDIENCE)
        .jwks_uri(format!("http://{address}/jwks.json"))
        .clock(manual.clock())
        .fetch_timeout(Duration::from_millis(500))
        .retry_interval(Duration::from_secs(1))
        .warm_up(true)
        .build()
        .unwrap();
    let router = IssuerRouter::new([slow]).unwrap();
    let validator = &router.validators()[0];
    let began = tokio::time::Instant::now();
    router.warm_up().await;
    let ended = tokio::time::Instant::now();
    assert_eq!(
        ended - began,
        Duration::from_millis(500),
        "one fetch timeout"
    );
    assert_eq!(validator.jwks_fetch_attempts(), 1);
    manual.advance(Duration::from_secs(60));
    let waited = super::tests::second_attempt_after(validator, ended).await;
    assert!(
        (Duration::from_millis(1500)..Duration::from_millis(1510)).contains(&waited),
        "the first retry ended {waited:?} after the warm-up ended"
    );
}

#[tokio::test]
async fn the_leeway_is_that_of_the_issuer_that_verified() {
    let router = two(
        |b| b.leeway(Duration::from_secs(10)),
        |b| b.leeway(Duration::from_secs(100)),
    );
    let a = router.validate(&token(A, SECRET_A).build()).await.unwrap();
    let b = router.validate(&token(B, SECRET_B).build()).await.unwrap();
    assert_eq!(router.leeway_for(&a), 10);
    assert_eq!(router.leeway_for(&b), 100);
}

#[tokio::test]
async fn a_binding_no_check_here_enforces_makes_the_token_unusable() {
    let router = two(|b| b, |b| b);
    for cnf in [
        json!({ "x5t": "a SHA-1 thumbprint" }),
        json!({ "jkt": "abc", "jwk": {} }),
        json!({}),
        json!("jkt"),
        json!(["jkt"]),
    ] {
        let bound = token(A, SECRET_A).claim("cnf", cnf.clone()).build();
        let header = format!("Bearer {bound}");
        match router.authorize(Some(&header)).await {
            Err(AuthError::InvalidToken(why)) => {
                assert!(why.contains("cannot check"), "{cnf}: {why}")
            }
            other => panic!("{cnf}: {other:?}"),
        }
    }
}

/// `router`'s answer to a GET with this `Authorization` header alone.
async fn call(router: &IssuerRouter, header: String) -> Result<crate::Claims, AuthError> {
    let parts = super::RequestParts::new("GET", Some("https://api.example/x".into()))
        .authorization(&header);
    router.authorize_request(&parts).await
}

/// The contract's sender-constraint rows, before any proof is read: how a
/// bound or unbound token may be presented in each DPoP mode.
#[tokio::test]
async fn the_scheme_must_fit_the_binding_and_the_mode() {
    use crate::config::DpopMode;

    let plain = token(A, SECRET_A).build();
    let bound = token(A, SECRET_A)
        .claim("cnf", json!({ "jkt": "a-thumbprint" }))
        .build();
    let odd_jkt = token(A, SECRET_A).claim("cnf", json!({ "jkt": 7 })).build();
    let on_cert = token(A, SECRET_A)
        .claim("cnf", json!({ "x5t#S256": "a-thumbprint" }))
        .build();
    let router = |mode| IssuerRouter::new([config(A, SECRET_A, |b| b.dpop(mode))]).unwrap();
    let refusal = |result: Result<_, AuthError>| match result {
        Err(AuthError::InvalidToken(why)) => why,
        Err(AuthError::InvalidDpopProof(why)) => why,
        other => panic!("{other:?}"),
    };
    for mode in [DpopMode::Disabled, DpopMode::Allowed, DpopMode::Required] {
        let router = router(mode);
        // A key-bound token as Bearer: refused in every mode.
        let why = refusal(call(&router, format!("Bearer {bound}")).await);
        assert!(
            why.contains("must be presented with the DPoP scheme"),
            "{mode:?}: {why}"
        );
        // A plain token as Bearer: only `required` refuses it.
        let result = call(&router, format!("Bearer {plain}")).await;
        if mode == DpopMode::Required {
            assert!(refusal(result).contains("requires DPoP"), "{mode:?}");
        } else {
            assert!(result.is_ok(), "{mode:?}");
        }
    }
    let allowed = router(DpopMode::Allowed);
    let why = refusal(call(&allowed, format!("DPoP {plain}")).await);
    assert!(why.contains("not bound to a key"), "{why}");
    let why = refusal(call(&allowed, format!("DPoP {odd_jkt}")).await);
    assert!(why.contains("not a key thumbprint"), "{why}");
    let why = refusal(call(&allowed, format!("DPoP {bound}")).await);
    assert!(why.contains("no DPoP header"), "{why}");
    assert_eq!(allowed.dpop_algs(), "ES256 ES384 PS256 RS256 EdDSA");

    // A single validator's `authorize` (Bearer only) applies the same rows,
    // and refuses a certificate-bound token it has no certificate for.
    for mode in [DpopMode::Allowed, DpopMode::Required] {
        let validator = super::Validator::new(config(A, SECRET_A, |b| b.dpop(mode))).unwrap();
        let why = refusal(validator.authorize(Some(&format!("Bearer {bound}"))).await);
        assert!(
            why.contains("must be presented with the DPoP scheme"),
            "{why}"
        );
        let why = refusal(
            validator
                .authorize(Some(&format!("Bearer {on_cert}")))
                .await,
        );
        assert!(why.contains("must come with that certificate"), "{why}");
        let unknown = token(A, SECRET_A).claim("cnf", json!({})).build();
        assert!(refusal(
            validator
                .authorize(Some(&format!("Bearer {unknown}")))
                .await
        )
        .contains("cannot check"));
        let result = validator.authorize(Some(&format!("Bearer {plain}"))).await;
        if mode == DpopMode::Required {
            assert!(refusal(result).contains("requires DPoP"));
        } else {
            assert!(result.is_ok());
        }
    }
}

#[test]
fn several_issuers_must_agree_on_the_certificate_header() {
    let header = |b: AuthConfigBuilder| b.client_cert_header("Client-Cert");
    let refused = IssuerRouter::new([config(A, SECRET_A, header), config(B, SECRET_B, |b| b)]);
    match refused {
        Err(ConfigError::Issuers(why)) => {
            assert!(why.contains("client-certificate header"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    assert!(IssuerRouter::new([config(A, SECRET_A, header), config(B, SECRET_B, header)]).is_ok());
}

/// `auth_requests_total` is registered with the router and counts each
/// outcome (feature `metrics`).
#[cfg(feature = "metrics")]
#[test]
fn the_router_counts_each_outcome_by_its_code() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let router = metrics::with_local_recorder(&recorder, || two(|b| b, |b| b));
    router.count_request("ok");
    router.count_request("ok");
    router.count_request("token_expired");
    // One snapshot: taking one resets the counters.
    let snapshot = snapshotter.snapshot().into_vec();
    let count = |code: &str| {
        snapshot.iter().find_map(|(key, _, _, value)| {
            let key = key.key();
            let labelled = key.labels().any(|l| l.key() == "code" && l.value() == code);
            match value {
                DebugValue::Counter(n) if key.name() == "auth_requests_total" && labelled => {
                    Some(*n)
                }
                _ => None,
            }
        })
    };
    assert_eq!(count("ok"), Some(2));
    assert_eq!(count("token_expired"), Some(1));
    assert_eq!(
        count("invalid_header"),
        Some(0),
        "registered before any request"
    );
}

/// A clock before the Unix epoch: with introspection, an opaque token is
/// refused before any call (or cached answer), as a JWT is.
#[tokio::test]
async fn before_the_epoch_an_opaque_token_is_refused_without_introspection() {
    let manual = crate::testing::ManualClock::new();
    let router = IssuerRouter::new([config(A, SECRET_A, |b| {
        b.introspection_url(CLOSED)
            .client_id("api")
            .client_secret("secret")
            .clock(manual.clock())
    })])
    .unwrap();
    let call_made = Some(AuthError::IntrospectionUnavailable);
    assert_eq!(router.validate("an-opaque-token").await.err(), call_made);
    manual.set_before_epoch();
    assert_eq!(
        router.validate("an-opaque-token").await.err(),
        Some(AuthError::InvalidClaims(
            "the token's time claims cannot be checked: this API's clock is not set".into()
        ))
    );
}
