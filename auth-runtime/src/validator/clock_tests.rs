//! Every time rule of validation at its boundary and one tick either side,
//! on real tokens (HS256 with a shared secret: no key set, no network),
//! driven by a [`ManualClock`]: `exp` and `nbf` with the leeway, `iat` in
//! the future, the maximum token age, the verified-token cache, and the
//! router's own time (DPoP's proof window and nonces). A second is the
//! tick of the claims, a millisecond that of the caches.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::Algorithm;

use super::{IssuerRouter, RequestParts, Validator};
use crate::config::{AuthConfig, AuthConfigBuilder, HmacSecret};
use crate::error::AuthError;
use crate::testing::{DpopKey, ManualClock, ProofBuilder, SigningKey, TokenBuilder};

const ISSUER: &str = "https://issuer.example/";
const AUDIENCE: &str = "https://api.example/";
const SECRET: &[u8] = b"a shared secret of 32 bytes, ok!";
const LEEWAY: u64 = 60;
const SECOND: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(1);
const URL: &str = "https://api.example/orders";

fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

/// A configuration on `manual`'s clock with the default 60 s leeway and no
/// token cache (every token is verified in full), then `configure`d.
fn config(
    manual: &ManualClock,
    configure: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
) -> AuthConfig {
    let builder = AuthConfig::builder(ISSUER, AUDIENCE)
        .shared_secret(HmacSecret::raw(SECRET))
        .leeway(secs(LEEWAY))
        .token_cache_capacity(0)
        .clock(manual.clock());
    configure(builder).build().unwrap()
}

fn validator(
    manual: &ManualClock,
    configure: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
) -> Validator {
    Validator::new(config(manual, configure)).unwrap()
}

/// A valid token for the validator, issued at `iat` and expiring at `exp`.
fn token(iat: u64, exp: u64) -> TokenBuilder {
    let key = SigningKey::from_secret("k", Algorithm::HS256, SECRET).unwrap();
    TokenBuilder::new(Arc::new(key))
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .claim("iat", iat)
        .claim("exp", exp)
}

fn nbf_in_the_future() -> AuthError {
    AuthError::InvalidClaims("the token is not valid yet (nbf is in the future)".into())
}

#[tokio::test]
async fn a_token_is_valid_at_exp_and_at_exp_plus_leeway_and_expired_one_second_later() {
    let manual = ManualClock::new();
    let validator = validator(&manual, |b| b);
    let t0 = manual.unix();
    let exp = t0 + 100;
    let token = token(t0, exp).build();
    manual.advance(secs(100));
    assert_eq!(manual.unix(), exp);
    assert!(validator.validate(&token).await.is_ok(), "at exp");
    manual.advance(secs(LEEWAY) - SECOND);
    assert!(
        validator.validate(&token).await.is_ok(),
        "one second before"
    );
    manual.advance(SECOND);
    assert!(validator.validate(&token).await.is_ok(), "at exp + leeway");
    manual.advance(SECOND);
    assert_eq!(
        validator.validate(&token).await.err(),
        Some(AuthError::Expired)
    );
}

/// At the last second a `u64` holds, every token is expired, cached or
/// not, rather than none ever (a clock before the epoch is refused
/// outright: `clock_step_tests`).
#[tokio::test]
async fn at_the_end_of_time_every_token_is_expired() {
    let manual = ManualClock::new();
    let cached = validator(&manual, |b| b.token_cache_capacity(16));
    let token = token(1, 2).build();
    let long_lived = token_with_exp(manual.unix() + 3600);
    assert!(cached.validate(&long_lived).await.is_ok(), "cached now");
    manual.set_unix(u64::MAX);
    for token in [&token, &long_lived] {
        assert_eq!(cached.validate(token).await.err(), Some(AuthError::Expired));
    }
}

/// A token with no `iat`, expiring at `exp`.
fn token_with_exp(exp: u64) -> String {
    let key = SigningKey::from_secret("k", Algorithm::HS256, SECRET).unwrap();
    TokenBuilder::new(Arc::new(key))
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .claim("exp", exp)
        .build()
}

#[tokio::test]
async fn nbf_at_now_plus_leeway_is_valid_and_one_second_later_is_not_yet() {
    let manual = ManualClock::new();
    let validator = validator(&manual, |b| b);
    let t0 = manual.unix();
    let at_the_edge = token(t0, t0 + 3600).claim("nbf", t0 + LEEWAY).build();
    assert!(validator.validate(&at_the_edge).await.is_ok());
    let past_it = token(t0, t0 + 3600).claim("nbf", t0 + LEEWAY + 1).build();
    assert_eq!(
        validator.validate(&past_it).await.err(),
        Some(nbf_in_the_future())
    );
    manual.advance(SECOND);
    assert!(validator.validate(&past_it).await.is_ok(), "a second later");
}

#[tokio::test]
async fn iat_at_now_plus_leeway_is_valid_and_one_second_later_is_in_the_future() {
    let manual = ManualClock::new();
    let validator = validator(&manual, |b| b);
    let t0 = manual.unix();
    let at_the_edge = token(t0 + LEEWAY, t0 + 3600).build();
    assert!(validator.validate(&at_the_edge).await.is_ok());
    let past_it = token(t0 + LEEWAY + 1, t0 + 3600).build();
    assert_eq!(
        validator.validate(&past_it).await.err(),
        Some(AuthError::InvalidClaims(
            "the iat claim is in the future".into()
        ))
    );
    manual.advance(SECOND);
    assert!(validator.validate(&past_it).await.is_ok(), "a second later");
}

#[tokio::test]
async fn the_maximum_token_age_holds_until_iat_plus_age_plus_leeway_cached_or_not() {
    let too_old = AuthError::InvalidClaims("the token is older than this API accepts (iat)".into());
    for cache in [0, 10] {
        let manual = ManualClock::new();
        let validator = validator(&manual, |b| {
            b.max_token_age(secs(300))
                .token_cache_capacity(cache)
                .token_cache_max_age(secs(3600))
        });
        let t0 = manual.unix();
        let token = token(t0, t0 + 7200).build();
        assert!(validator.validate(&token).await.is_ok());
        manual.advance(secs(300 + LEEWAY));
        assert!(
            validator.validate(&token).await.is_ok(),
            "cache {cache}: at the edge"
        );
        manual.advance(SECOND);
        assert_eq!(
            validator.validate(&token).await.err(),
            Some(too_old.clone())
        );
        // Cached, the edge was a hit and the refusal a full verification.
        let verified = if cache == 0 { 3 } else { 2 };
        assert_eq!(validator.full_verifications(), verified, "cache {cache}");
    }
}

/// With a token cache keeping entries for `max_age`, validates a token
/// expiring in `exp_in` seconds (a full verification), then after the
/// clock moved `last_hit` (asserting a cache hit), then one `step` later
/// (asserting a miss): that last outcome.
async fn hit_then_miss(
    max_age: Duration,
    exp_in: u64,
    (last_hit, step): (Duration, Duration),
) -> Option<AuthError> {
    let manual = ManualClock::new();
    let validator = validator(&manual, |b| {
        b.token_cache_capacity(10).token_cache_max_age(max_age)
    });
    let t0 = manual.unix();
    let token = token(t0, t0 + exp_in).build();
    assert!(validator.validate(&token).await.is_ok());
    manual.advance(last_hit);
    assert!(validator.validate(&token).await.is_ok());
    assert_eq!(validator.full_verifications(), 1, "a hit at {last_hit:?}");
    manual.advance(step);
    let outcome = validator.validate(&token).await.err();
    assert_eq!(validator.full_verifications(), 2, "a miss {step:?} later");
    outcome
}

#[tokio::test]
async fn a_cached_token_is_served_until_exp_plus_leeway_and_verified_again_one_second_later() {
    let edges = (secs(100 + LEEWAY), SECOND);
    let outcome = hit_then_miss(secs(3600), 100, edges).await;
    assert_eq!(outcome, Some(AuthError::Expired));
}

#[tokio::test]
async fn a_cache_entry_lives_until_one_tick_before_token_cache_max_age() {
    let edges = (secs(120) - TICK, TICK);
    let outcome = hit_then_miss(secs(120), 3600, edges).await;
    assert_eq!(outcome, None, "verified again, valid");
}

/// `iss` must be exactly the configured issuer: another, ours without its
/// trailing slash, in another case, or with a suffix is refused; `aud`
/// must hold a configured audience.
#[tokio::test]
async fn the_issuer_must_be_exactly_ours_and_the_audience_one_of_ours() {
    let manual = ManualClock::new();
    let validator = validator(&manual, |b| b);
    let t0 = manual.unix();
    let valid = || token(t0, t0 + 3600);
    assert!(validator.validate(&valid().build()).await.is_ok());
    let refused = [
        valid().issuer("https://other.example/"),
        valid().issuer(ISSUER.trim_end_matches('/')),
        valid().issuer(&ISSUER.to_uppercase()),
        valid().issuer(&format!("{ISSUER}x")),
        valid().audience("https://other.example/"),
    ];
    for (n, token) in refused.into_iter().enumerate() {
        assert_eq!(
            validator.validate(&token.build()).await.err(),
            Some(AuthError::WrongAudienceOrIssuer),
            "case {n}"
        );
    }
}

// jsonwebtoken checks exp, then nbf, then iss, then aud: moving the time
// checks out of it kept that order, and the errors.
#[tokio::test]
async fn the_claim_errors_keep_jsonwebtokens_order_and_values() {
    let manual = ManualClock::new();
    let validator = validator(&manual, |b| b);
    let t0 = manual.unix();
    let expired = t0 - LEEWAY - 1;
    let cases = [
        (
            token(t0, expired).audience("https://other/"),
            AuthError::Expired,
        ),
        (
            token(t0, expired).issuer("https://other/"),
            AuthError::Expired,
        ),
        (
            token(t0, expired).claim("nbf", t0 + 3600),
            AuthError::Expired,
        ),
        (
            token(t0, t0 + 3600)
                .claim("nbf", t0 + 3600)
                .audience("https://other/"),
            nbf_in_the_future(),
        ),
        (
            token(t0, expired).claim("nbf", "soon"),
            AuthError::InvalidClaims("the nbf claim is not a valid NumericDate".into()),
        ),
        (
            token(t0, t0 + 3600).claim("exp", (t0 + 3600).to_string()),
            AuthError::InvalidClaims("the token has no exp claim".into()),
        ),
        (
            token(t0, t0 + 3600).claim("exp", 1e20),
            AuthError::InvalidClaims("the token has no exp claim".into()),
        ),
        (
            token(t0, t0 + 3600).without("aud"),
            AuthError::WrongAudienceOrIssuer,
        ),
        (
            token(t0, t0 + 3600).claim("aud", serde_json::json!([AUDIENCE, 7])),
            AuthError::WrongAudienceOrIssuer,
        ),
        (
            token(t0, t0 + 3600).claim("iss", serde_json::json!([ISSUER])),
            AuthError::WrongAudienceOrIssuer,
        ),
        (
            token(t0, t0 + 3600)
                .claim("iat", t0 + 3600)
                .audience("https://other/"),
            AuthError::WrongAudienceOrIssuer,
        ),
    ];
    for (token, error) in cases {
        assert_eq!(validator.validate(&token.build()).await.err(), Some(error));
    }
    let several = token(t0, t0 + 3600).claim("aud", serde_json::json!(["https://x/", AUDIENCE]));
    assert!(validator.validate(&several.build()).await.is_ok());
}

/// A router on `manual`'s clock with DPoP's default proof window (300 s
/// old to 30 s ahead), `configure`d.
fn router(
    manual: &ManualClock,
    configure: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
) -> IssuerRouter {
    IssuerRouter::new([config(manual, configure)]).unwrap()
}

/// The outcome of a request for `token` with `proof` (its `ath` set), at
/// the router's clock.
async fn with_proof(
    router: &IssuerRouter,
    token: &str,
    proof: ProofBuilder,
) -> Result<(), AuthError> {
    let proof = proof.access_token(token).build();
    let authorization = format!("DPoP {token}");
    let parts = RequestParts::new("GET", Some(URL.to_owned()))
        .authorization(&authorization)
        .dpop(&proof);
    router.authorize_request(&parts).await.map(|_| ())
}

/// A router on a manual clock (`configure`d), a DPoP key, the clock's
/// time at the start, and a token bound to the key.
fn bound(
    configure: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
) -> (ManualClock, IssuerRouter, DpopKey, u64, String) {
    let manual = ManualClock::new();
    let router = router(&manual, configure);
    let key = DpopKey::generate();
    let t0 = manual.unix();
    let token = token(t0, t0 + 3600).bound_to(&key).build();
    (manual, router, key, t0, token)
}

const TOO_OLD: &str = "The DPoP proof is too old (iat)";
const AHEAD: &str = "The DPoP proof is issued in the future (iat)";
const REPLAYED: &str = "The DPoP proof was used before (its jti was seen)";

#[tokio::test]
async fn the_proof_window_runs_from_300_s_old_to_30_s_ahead_on_the_routers_clock() {
    let (manual, router, key, t0, token) = bound(|b| b);
    let proof = |iat: u64| key.proof("GET", URL).iat(iat);
    assert!(with_proof(&router, &token, proof(t0 + 30)).await.is_ok());
    let ahead = with_proof(&router, &token, proof(t0 + 31)).await;
    assert_eq!(ahead, Err(AuthError::InvalidDpopProof(AHEAD)));
    manual.advance(secs(300));
    assert!(
        with_proof(&router, &token, proof(t0)).await.is_ok(),
        "300 s old"
    );
    manual.advance(SECOND);
    let old = with_proof(&router, &token, proof(t0)).await;
    assert_eq!(old, Err(AuthError::InvalidDpopProof(TOO_OLD)));
}

#[tokio::test]
async fn a_nonce_of_the_routers_clock_holds_for_its_window_and_not_a_second_more() {
    let (manual, router, key, t0, token) = bound(|b| {
        b.dpop_nonce(true)
            .dpop_nonce_secret(SECRET.to_vec())
            .dpop_nonce_window(secs(120))
    });
    let nonce = router.dpop_nonce(router.clock().unix()).unwrap();
    manual.advance(secs(120));
    let fresh = |key: &DpopKey| key.proof("GET", URL).iat(t0 + 120).nonce(&nonce);
    assert!(with_proof(&router, &token, fresh(&key)).await.is_ok());
    manual.advance(SECOND);
    let late = with_proof(&router, &token, fresh(&key).iat(t0 + 121)).await;
    assert_eq!(late, Err(AuthError::UseDpopNonce));
}

#[tokio::test]
async fn a_replayed_proof_is_refused_while_its_iat_is_in_the_window() {
    let (manual, router, key, t0, token) = bound(|b| b);
    let proof = key.proof("GET", URL).iat(t0).jti("once");
    assert!(with_proof(&router, &token, proof.clone()).await.is_ok());
    manual.advance(secs(300));
    let replayed = with_proof(&router, &token, proof).await;
    assert_eq!(replayed, Err(AuthError::InvalidDpopProof(REPLAYED)));
}

#[test]
fn issuers_on_two_clocks_are_refused_and_on_one_accepted() {
    let (one, other) = (ManualClock::new(), ManualClock::new());
    let second = |manual: &ManualClock| {
        AuthConfig::builder("https://second.example/", AUDIENCE)
            .shared_secret(HmacSecret::raw(SECRET))
            .clock(manual.clock())
            .build()
            .unwrap()
    };
    let error = IssuerRouter::new([config(&one, |b| b), second(&other)]).unwrap_err();
    assert!(error.to_string().contains("the same clock"), "{error}");
    assert!(IssuerRouter::new([config(&one, |b| b), second(&one)]).is_ok());
}
