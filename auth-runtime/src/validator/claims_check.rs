//! The claims of a token whose signature verified, at the configuration's
//! clock: `exp`, `nbf`, `iss` and `aud` exactly as jsonwebtoken 12 checks
//! them (its comparisons, its order, its errors), which this crate turns off
//! in `decode` so that they read our clock; then what jsonwebtoken never
//! checked: `iss` a single string, `aud` present, `iat` not in the future,
//! and the maximum token age.

use jsonwebtoken::errors::ErrorKind;
use serde_json::{Map, Value};

use super::jws::{map_jwt_error, numeric_date};
use super::Validator;
use crate::error::AuthError;

impl Validator {
    /// Every claim check of a verified token, at the clock's time now, in
    /// the order of today's errors: `exp` present, `nbf` a NumericDate,
    /// `exp`, `nbf`, `iss`, `aud` (jsonwebtoken's order), then `iat` and
    /// the maximum token age.
    pub(super) fn check_claims(&self, payload: &Map<String, Value>) -> Result<(), AuthError> {
        let now = self
            .config
            .clock
            .unix_checked()
            .ok_or_else(clock_before_epoch)?;
        check_times(payload, now, self.config.tuning.leeway.as_secs())?;
        self.check_issuer_and_audience(payload)?;
        self.check_issued_at(payload, now)
    }

    /// Whether a token issued at `iat` is within the maximum token age (plus
    /// the leeway) at `now`; true without a maximum.
    pub(super) fn young_enough(&self, iat: u64, now: u64) -> bool {
        let tuning = &self.config.tuning;
        tuning.max_token_age.is_none_or(|age| {
            iat.saturating_add(age.as_secs())
                .saturating_add(tuning.leeway.as_secs())
                >= now
        })
    }

    /// `iss` must be a single string equal to the issuer, and `aud` a
    /// string or an array of strings holding a configured audience: what
    /// jsonwebtoken checks (an `iss` array holding the issuer aside, which
    /// it accepts), and presence, which it does not require. Every failure
    /// is the same error, so their order does not show.
    fn check_issuer_and_audience(&self, payload: &Map<String, Value>) -> Result<(), AuthError> {
        match payload.get("iss") {
            Some(Value::String(iss)) if *iss == self.config.issuer => {}
            _ => return Err(AuthError::WrongAudienceOrIssuer),
        }
        let configured = |aud: &Value| {
            aud.as_str()
                .is_some_and(|aud| self.config.audiences.iter().any(|ours| ours == aud))
        };
        let accepted = match payload.get("aud") {
            Some(aud @ Value::String(_)) => configured(aud),
            // jsonwebtoken reads a set of strings: any other element makes
            // the claim malformed, even beside a configured audience.
            Some(Value::Array(auds)) => {
                auds.iter().all(Value::is_string) && auds.iter().any(configured)
            }
            _ => false,
        };
        if !accepted {
            return Err(AuthError::WrongAudienceOrIssuer);
        }
        Ok(())
    }

    /// `iat`, when present, must be a number not in the future (beyond the
    /// leeway); with a maximum token age it is required, and must be recent
    /// enough.
    fn check_issued_at(&self, payload: &Map<String, Value>, now: u64) -> Result<(), AuthError> {
        if let Some(iat) = payload.get("iat") {
            let Some(iat) = iat.as_f64().filter(|t| t.is_finite()) else {
                return Err(AuthError::InvalidClaims(
                    "the iat claim is not a number".into(),
                ));
            };
            let latest = now.saturating_add(self.config.tuning.leeway.as_secs());
            if iat > latest as f64 {
                return Err(AuthError::InvalidClaims(
                    "the iat claim is in the future".into(),
                ));
            }
        }
        if self.config.tuning.max_token_age.is_some() {
            let Some(iat) = payload.get("iat").and_then(numeric_date) else {
                return Err(AuthError::InvalidClaims(
                    "the token has no iat claim, which a maximum token age requires".into(),
                ));
            };
            if !self.young_enough(iat, now) {
                return Err(AuthError::InvalidClaims(
                    "the token is older than this API accepts (iat)".into(),
                ));
            }
        }
        Ok(())
    }
}

/// The refusal of every token while the clock reads before the Unix epoch
/// ([`Clock::unix_checked`](crate::clock::Clock::unix_checked) has logged
/// why): no time claim can be checked.
pub(super) fn clock_before_epoch() -> AuthError {
    AuthError::InvalidClaims(
        "the token's time claims cannot be checked: this API's clock is not set".into(),
    )
}

/// `exp` and `nbf` at `now` with `leeway` (seconds), as jsonwebtoken 12's
/// `validate` has them: `exp` required (a NumericDate: anything else counts
/// as missing), `nbf` a NumericDate when present, then expired when
/// `exp < now - leeway` (so a token is still valid at exactly
/// `exp + leeway`), then not yet valid when `nbf > now + leeway`.
fn check_times(payload: &Map<String, Value>, now: u64, leeway: u64) -> Result<(), AuthError> {
    let Some(exp) = payload.get("exp").and_then(numeric_date) else {
        return Err(map_jwt_error(ErrorKind::MissingRequiredClaim("exp".into())));
    };
    let nbf = match payload.get("nbf") {
        None => None,
        Some(nbf) => Some(
            numeric_date(nbf)
                .ok_or_else(|| map_jwt_error(ErrorKind::InvalidClaimFormat("nbf".into())))?,
        ),
    };
    if exp < now.saturating_sub(leeway) {
        return Err(map_jwt_error(ErrorKind::ExpiredSignature));
    }
    if nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
        return Err(map_jwt_error(ErrorKind::ImmatureSignature));
    }
    Ok(())
}
