//! What a route demands beyond a valid token: scopes, how and how recently
//! the user authenticated (RFC 9470 step-up), and claim values. The
//! attributes build one as constants; the checks know nothing of Rocket.

use serde_json::Value;

use crate::claims::Claims;
use crate::error::AuthError;
pub use crate::scope::ScopeExpr;

/// Everything a route demands of a valid token, checked in this order: the
/// step-up requirement (401 `insufficient_user_authentication`), the claim
/// checks (403), the scopes (403).
///
/// `#[requires_auth(...)]` and `#[requires_scope(...)]` implement it on a
/// hidden type; implement it yourself to protect a route without them (see
/// [`Authorized`](crate::Authorized)). Each constant defaults to
/// "nothing more".
pub trait RouteRequirement: Send + Sync + 'static {
    /// The scopes the token must grant.
    const SCOPES: ScopeExpr = ScopeExpr::All(&[]);
    /// How, and how recently, the user must have authenticated.
    const STEP_UP: StepUp = StepUp::NONE;
    /// Claims that must hold given values.
    const CLAIMS: &'static [ClaimCheck] = &[];
}

/// A step-up requirement (RFC 9470): an `acr` among `acr_values` (when
/// any are named) and an `auth_time` no older than `max_age` seconds (when
/// set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepUp {
    /// The acceptable `acr` values; empty: any.
    pub acr_values: &'static [&'static str],
    /// The greatest age of the user's authentication, in seconds.
    pub max_age: Option<u64>,
}

impl StepUp {
    /// No requirement.
    pub const NONE: StepUp = StepUp {
        acr_values: &[],
        max_age: None,
    };

    /// Whether this demands anything at all.
    pub(crate) fn is_none(&self) -> bool {
        self.acr_values.is_empty() && self.max_age.is_none()
    }

    /// Checks `claims` at `now` (seconds since the epoch), with `leeway`
    /// seconds of clock skew: `Ok`, the 401 that asks the client to
    /// authenticate again, or `invalid_claims` for an `acr` that is not a
    /// string or an `auth_time` that is not a non-negative number or lies in
    /// the future.
    pub(crate) fn check(&self, claims: &Claims, now: u64, leeway: u64) -> Result<(), AuthError> {
        if self.is_none() {
            return Ok(());
        }
        let acr = match claims.get("acr") {
            None => None,
            Some(Value::String(acr)) => Some(acr.as_str()),
            Some(_) => {
                return Err(AuthError::InvalidClaims(
                    "the acr claim is not a string".into(),
                ))
            }
        };
        let auth_time = match (self.max_age, claims.get("auth_time")) {
            (None, _) | (_, None) => None,
            (Some(_), Some(value)) => match value.as_f64().filter(|t| t.is_finite() && *t >= 0.0) {
                Some(time) if time > now.saturating_add(leeway) as f64 => {
                    return Err(AuthError::InvalidClaims(
                        "the auth_time claim is in the future".into(),
                    ))
                }
                Some(time) => Some(time),
                None => {
                    return Err(AuthError::InvalidClaims(
                        "the auth_time claim is not a valid NumericDate".into(),
                    ))
                }
            },
        };
        let acr_ok =
            self.acr_values.is_empty() || acr.is_some_and(|acr| self.acr_values.contains(&acr));
        if !acr_ok {
            return Err(self.insufficient(
                "the token's authentication context (acr) is not one this resource accepts",
            ));
        }
        if let Some(max_age) = self.max_age {
            let oldest = now.saturating_sub(max_age.saturating_add(leeway)) as f64;
            match auth_time {
                None => {
                    return Err(self.insufficient(
                        "the token does not say when the user authenticated (auth_time)",
                    ))
                }
                Some(time) if time < oldest => {
                    return Err(
                        self.insufficient("the user authenticated too long ago for this resource")
                    )
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn insufficient(&self, description: &'static str) -> AuthError {
        AuthError::InsufficientUserAuthentication {
            description,
            acr_values: self.acr_values,
            max_age: self.max_age,
        }
    }
}

/// A claim that must hold a value, from `claim_equals(...)` or
/// `claim_includes(...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimCheck {
    /// The claim's name.
    pub name: &'static str,
    /// How the value is compared.
    pub kind: ClaimCheckKind,
    /// The value.
    pub value: ClaimValue,
}

/// How a [`ClaimCheck`] compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimCheckKind {
    /// The claim equals the value.
    Equals,
    /// The claim is an array holding the value, or a string whose
    /// space-separated words include it.
    Includes,
}

/// A value a claim is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimValue {
    /// A string.
    Str(&'static str),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
}

impl ClaimValue {
    fn matches(&self, value: &Value) -> bool {
        match (self, value) {
            (ClaimValue::Str(expected), Value::String(actual)) => expected == actual,
            (ClaimValue::Int(expected), Value::Number(actual)) => {
                actual.as_i64() == Some(*expected)
            }
            (ClaimValue::Bool(expected), Value::Bool(actual)) => expected == actual,
            _ => false,
        }
    }
}

impl ClaimCheck {
    /// Whether `claims` satisfy this check.
    pub(crate) fn is_satisfied_by(&self, claims: &Claims) -> bool {
        let Some(claim) = claims.get(self.name) else {
            return false;
        };
        match self.kind {
            ClaimCheckKind::Equals => self.value.matches(claim),
            ClaimCheckKind::Includes => match (claim, self.value) {
                (Value::Array(items), value) => items.iter().any(|item| value.matches(item)),
                (Value::String(words), ClaimValue::Str(word)) => {
                    words.split(' ').any(|candidate| candidate == word)
                }
                _ => false,
            },
        }
    }
}

/// Checks `R`'s step-up requirement, claim checks and scopes, in that order.
pub(crate) fn check<R: RouteRequirement>(
    claims: &Claims,
    now: u64,
    leeway: u64,
) -> Result<(), AuthError> {
    R::STEP_UP.check(claims, now, leeway)?;
    if let Some(failed) = R::CLAIMS
        .iter()
        .find(|check| !check.is_satisfied_by(claims))
    {
        return Err(AuthError::ClaimCheckFailed(failed.name));
    }
    R::SCOPES.check(claims)
}

#[cfg(test)]
mod tests;
