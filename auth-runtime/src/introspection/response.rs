//! Judging an introspection response (RFC 7662 section 2.2): pure, so that
//! every rule is tested without a network.

use std::time::Duration;

use serde_json::{Map, Value};

use super::IntrospectionError;

/// What an `active: true` answer is checked against.
#[derive(Debug, Clone)]
pub(super) struct Policy<'a> {
    pub(super) issuers: &'a [String],
    pub(super) audiences: &'a [String],
    pub(super) leeway: Duration,
}

/// An accepted answer: the claims handlers see (every member but
/// `active`), and `exp` when present (a NumericDate, as a JWT's is read).
#[derive(Debug)]
pub(super) struct Accepted {
    pub(super) claims: Map<String, Value>,
    pub(super) exp: Option<u64>,
}

/// Judges the body of a 2xx answer at `now` (seconds since the epoch).
pub(super) fn judge(
    body: &[u8],
    now: u64,
    policy: &Policy<'_>,
) -> Result<Accepted, IntrospectionError> {
    let Ok(Value::Object(mut claims)) = serde_json::from_slice::<Value>(body) else {
        return Err(IntrospectionError::Malformed(
            "the introspection response is not a JSON object",
        ));
    };
    match claims.remove("active") {
        Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => return Err(IntrospectionError::Inactive),
        Some(_) => {
            return Err(IntrospectionError::Malformed(
                "the introspection response's active is not a JSON boolean",
            ))
        }
        None => {
            return Err(IntrospectionError::Malformed(
                "the introspection response lacks active",
            ))
        }
    }
    if let Some(iss) = claims.get("iss") {
        let known = iss
            .as_str()
            .is_some_and(|iss| policy.issuers.iter().any(|issuer| issuer == iss));
        if !known {
            return Err(IntrospectionError::WrongIssuerOrAudience);
        }
    }
    if let Some(aud) = claims.get("aud") {
        let holds = |aud: &str| policy.audiences.iter().any(|audience| audience == aud);
        let ok = match aud {
            Value::String(aud) => holds(aud),
            // As for a JWT (validator/claims_check.rs): an array of strings
            // only; any other element makes the claim malformed, even beside
            // a configured audience.
            Value::Array(all) => {
                all.iter().all(Value::is_string) && all.iter().filter_map(Value::as_str).any(holds)
            }
            _ => false,
        };
        if !ok {
            return Err(IntrospectionError::WrongIssuerOrAudience);
        }
    }
    // As for JWTs (validator/claims_check.rs's `check_times`): NumericDates
    // rounded to whole seconds, a whole-second leeway; still valid at
    // exactly `exp + leeway`, expired after; not yet valid once
    // `nbf > now + leeway`.
    let leeway = policy.leeway.as_secs();
    let exp = numeric_date(&claims, "exp")?;
    if exp.is_some_and(|exp| exp < now.saturating_sub(leeway)) {
        return Err(IntrospectionError::Expired);
    }
    if numeric_date(&claims, "nbf")?.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
        return Err(IntrospectionError::NotYetValid);
    }
    Ok(Accepted { claims, exp })
}

/// A NumericDate member: absent, or a number read as a JWT's
/// ([`crate::claims::numeric_date`]: non-negative, rounded); anything else
/// makes the answer malformed.
fn numeric_date(
    claims: &Map<String, Value>,
    name: &str,
) -> Result<Option<u64>, IntrospectionError> {
    match claims.get(name) {
        None => Ok(None),
        Some(value) => {
            crate::claims::numeric_date(value)
                .map(Some)
                .ok_or(IntrospectionError::Malformed(match name {
                    "exp" => "the introspection response's exp is not a number",
                    _ => "the introspection response's nbf is not a number",
                }))
        }
    }
}

#[cfg(test)]
mod tests;
