//! A wall clock that steps back under the verified-token cache: a hit is
//! judged by the time claims against the clock now, as a miss is, so that a
//! token whose `nbf` or `iat` is in the future again is refused with the
//! miss's error. And a wall clock before the Unix epoch: every token is
//! refused outright.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::Algorithm;

use super::Validator;
use crate::config::{AuthConfig, HmacSecret};
use crate::error::AuthError;
use crate::testing::{ManualClock, SigningKey, TokenBuilder};

const ISSUER: &str = "https://issuer.example/";
const AUDIENCE: &str = "https://api.example/";
const SECRET: &[u8] = b"a shared secret of 32 bytes, ok!";
const LEEWAY: u64 = 60;

/// A validator on `manual`'s clock, with a token cache and the 60 s leeway.
fn cached_validator(manual: &ManualClock) -> Validator {
    let config = AuthConfig::builder(ISSUER, AUDIENCE)
        .shared_secret(HmacSecret::raw(SECRET))
        .leeway(Duration::from_secs(LEEWAY))
        .token_cache_capacity(16)
        .token_cache_max_age(Duration::from_secs(3600))
        .clock(manual.clock())
        .build()
        .unwrap();
    Validator::new(config).unwrap()
}

/// A valid token expiring in an hour, with `claims` added.
fn token(manual: &ManualClock, claims: &[(&str, serde_json::Value)]) -> String {
    let key = SigningKey::from_secret("k", Algorithm::HS256, SECRET).unwrap();
    let mut token = TokenBuilder::new(Arc::new(key))
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .claim("exp", manual.unix() + 3600);
    for (name, value) in claims {
        token = token.claim(name, value.clone());
    }
    token.build()
}

/// Validates `token` (a full verification, then a hit), steps the wall
/// clock back by the leeway (still a hit), then one second more: that
/// outcome, which must be a full verification.
async fn stepped_back_past_the_leeway(manual: &ManualClock, token: &str) -> Option<AuthError> {
    let validator = cached_validator(manual);
    let t0 = manual.unix();
    assert!(validator.validate(token).await.is_ok());
    assert!(validator.validate(token).await.is_ok());
    assert_eq!(validator.full_verifications(), 1, "then a hit");
    manual.set_unix(t0 - LEEWAY);
    assert!(validator.validate(token).await.is_ok(), "at the leeway");
    assert_eq!(validator.full_verifications(), 1, "a hit at the leeway");
    manual.set_unix(t0 - LEEWAY - 1);
    let outcome = validator.validate(token).await.err();
    assert_eq!(validator.full_verifications(), 2, "verified again");
    outcome
}

#[tokio::test]
async fn a_cached_token_whose_nbf_is_in_the_future_again_is_refused() {
    let manual = ManualClock::new();
    let token = token(&manual, &[("nbf", manual.unix().into())]);
    assert_eq!(
        stepped_back_past_the_leeway(&manual, &token).await,
        Some(AuthError::InvalidClaims(
            "the token is not valid yet (nbf is in the future)".into()
        ))
    );
}

#[tokio::test]
async fn a_cached_token_whose_iat_is_in_the_future_again_is_refused() {
    let manual = ManualClock::new();
    let in_the_future = Some(AuthError::InvalidClaims(
        "the iat claim is in the future".into(),
    ));
    let whole = token(&manual, &[("iat", manual.unix().into())]);
    assert_eq!(
        stepped_back_past_the_leeway(&manual, &whole).await,
        in_the_future
    );
    // A fractional iat 0.3 s past the leeway: refused on a miss (compared
    // unrounded), so on a hit too (rounded to the nearest second it would
    // pass).
    let manual = ManualClock::new();
    let validator = cached_validator(&manual);
    let t0 = manual.unix();
    let fractional = token(&manual, &[("iat", (t0 as f64 - 0.7).into())]);
    assert!(validator.validate(&fractional).await.is_ok());
    manual.set_unix(t0 - LEEWAY - 1);
    assert_eq!(validator.validate(&fractional).await.err(), in_the_future);
    assert_eq!(validator.full_verifications(), 2, "verified again");
}

#[tokio::test]
async fn before_the_epoch_every_token_is_refused_cached_or_not() {
    let unset = Some(AuthError::InvalidClaims(
        "the token's time claims cannot be checked: this API's clock is not set".into(),
    ));
    let manual = ManualClock::new();
    let validator = cached_validator(&manual);
    let t0 = manual.unix();
    let cached = token(&manual, &[("iat", t0.into())]);
    let fresh = token(&manual, &[("nbf", t0.into())]);
    // Not even `exp` is needed for the refusal: none is compared.
    let long_lived = token(&manual, &[("exp", u64::MAX.into())]);
    assert!(validator.validate(&cached).await.is_ok());
    manual.set_before_epoch();
    assert_eq!(manual.unix(), u64::MAX, "read directly: the end of time");
    for token in [&cached, &fresh, &long_lived] {
        assert_eq!(validator.validate(token).await.err(), unset);
    }
    assert_eq!(validator.full_verifications(), 4, "the hit verified again");
    manual.set_unix(t0);
    assert!(
        validator.validate(&cached).await.is_ok(),
        "the clock set again"
    );
}
