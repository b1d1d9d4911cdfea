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
/// `active`), and `exp` when present.
#[derive(Debug)]
pub(super) struct Accepted {
    pub(super) claims: Map<String, Value>,
    pub(super) exp: Option<f64>,
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
            Value::Array(all) => all.iter().filter_map(Value::as_str).any(holds),
            _ => false,
        };
        if !ok {
            return Err(IntrospectionError::WrongIssuerOrAudience);
        }
    }
    let leeway = policy.leeway.as_secs_f64();
    let now = now as f64;
    let exp = numeric_date(&claims, "exp")?;
    // As for JWTs: still valid at exactly `exp + leeway`, expired after.
    if exp.is_some_and(|exp| exp + leeway < now) {
        return Err(IntrospectionError::Expired);
    }
    if numeric_date(&claims, "nbf")?.is_some_and(|nbf| nbf > now + leeway) {
        return Err(IntrospectionError::NotYetValid);
    }
    Ok(Accepted { claims, exp })
}

/// A NumericDate member: absent, or a JSON number (else the answer is
/// malformed).
fn numeric_date(
    claims: &Map<String, Value>,
    name: &str,
) -> Result<Option<f64>, IntrospectionError> {
    match claims.get(name) {
        None => Ok(None),
        Some(value) => {
            value
                .as_f64()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or(IntrospectionError::Malformed(match name {
                    "exp" => "the introspection response's exp is not a number",
                    _ => "the introspection response's nbf is not a number",
                }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_419_350_000;

    fn issuers() -> Vec<String> {
        vec!["https://server.example.com/".to_owned()]
    }

    fn audiences() -> Vec<String> {
        vec!["https://protected.example.net/resource".to_owned()]
    }

    fn judged(body: &str) -> Result<Accepted, IntrospectionError> {
        let (issuers, audiences) = (issuers(), audiences());
        let policy = Policy {
            issuers: &issuers,
            audiences: &audiences,
            leeway: Duration::from_secs(60),
        };
        judge(body.as_bytes(), NOW, &policy)
    }

    /// RFC 7662 section 2.2's example response, as printed there.
    const RFC_7662_EXAMPLE: &str = r#"{
      "active": true,
      "client_id": "l238j323ds-23ij4",
      "username": "jdoe",
      "scope": "read write dolphin",
      "sub": "Z5O3upPC88QrAjx00dis",
      "aud": "https://protected.example.net/resource",
      "iss": "https://server.example.com/",
      "exp": 1419356238,
      "iat": 1419350238,
      "extension_field": "twenty-seven"
    }"#;

    #[test]
    fn rfc_7662_example_response_is_accepted_with_its_claims() {
        let accepted = judged(RFC_7662_EXAMPLE).unwrap();
        assert_eq!(accepted.exp, Some(1_419_356_238.0));
        assert_eq!(accepted.claims["sub"], "Z5O3upPC88QrAjx00dis");
        assert_eq!(accepted.claims["scope"], "read write dolphin");
        assert_eq!(accepted.claims["extension_field"], "twenty-seven");
        assert!(!accepted.claims.contains_key("active"));
    }

    #[test]
    fn a_date_that_is_not_a_number_is_named_in_the_refusal() {
        for (body, named) in [
            (r#"{"active": true, "exp": "soon"}"#, "exp"),
            (r#"{"active": true, "nbf": "1419350000"}"#, "nbf"),
        ] {
            let why = match judged(body) {
                Err(IntrospectionError::Malformed(why)) => why,
                other => panic!("{body}: {other:?}"),
            };
            assert_eq!(
                why,
                format!("the introspection response's {named} is not a number")
            );
        }
    }

    #[test]
    fn rfc_7662_inactive_response_is_inactive() {
        // Section 2.2's second example.
        assert_eq!(
            judged(r#"{"active": false}"#).unwrap_err(),
            IntrospectionError::Inactive
        );
    }

    /// Each of `bodies` is a malformed answer.
    fn assert_malformed(bodies: &[&str]) {
        for body in bodies {
            assert!(
                matches!(judged(body), Err(IntrospectionError::Malformed(_))),
                "{body:?}"
            );
        }
    }

    #[test]
    fn active_must_be_a_json_boolean() {
        assert_malformed(&[
            r#"{"active": "true"}"#,
            r#"{"active": 1}"#,
            r#"{"active": null}"#,
            r#"{"scope": "a"}"#,
        ]);
    }

    #[test]
    fn a_body_that_is_not_a_json_object_is_malformed() {
        assert_malformed(&[
            "",
            "not json",
            "[true]",
            "true",
            "{\"active\": tru",
            "\u{0}",
        ]);
    }

    /// Each active answer whose `member` is one of the JSON `values` is for
    /// another issuer or audience.
    fn assert_wrong_party(member: &str, values: &[&str]) {
        for value in values {
            let body = format!(r#"{{"active": true, "{member}": {value}}}"#);
            assert_eq!(
                judged(&body).unwrap_err(),
                IntrospectionError::WrongIssuerOrAudience,
                "{member} {value}"
            );
        }
    }

    #[test]
    fn issuer_if_present_must_be_configured() {
        assert!(judged(r#"{"active": true}"#).is_ok());
        assert!(judged(r#"{"active": true, "iss": "https://server.example.com/"}"#).is_ok());
        assert_wrong_party(
            "iss",
            &[
                r#""https://evil.example/""#,
                "42",
                r#"["https://server.example.com/"]"#,
            ],
        );
    }

    #[test]
    fn audience_if_present_must_hold_a_configured_one() {
        let ok = [
            r#""https://protected.example.net/resource""#,
            r#"["x", "https://protected.example.net/resource"]"#,
        ];
        for aud in ok {
            let body = format!(r#"{{"active": true, "aud": {aud}}}"#);
            assert!(judged(&body).is_ok(), "{aud}");
        }
        assert_wrong_party("aud", &[r#""other""#, r#"["x", "y"]"#, "[]", "7"]);
    }

    #[test]
    fn exp_in_the_past_beyond_the_leeway_is_expired() {
        let at = |exp: u64| judged(&format!(r#"{{"active": true, "exp": {exp}}}"#));
        assert!(at(NOW + 1).is_ok());
        assert!(at(NOW - 59).is_ok(), "within the leeway");
        assert!(at(NOW - 60).is_ok(), "at exp + leeway, as for a JWT");
        assert_eq!(at(NOW - 61).unwrap_err(), IntrospectionError::Expired);
        assert_eq!(at(NOW - 3600).unwrap_err(), IntrospectionError::Expired);
    }

    #[test]
    fn exp_or_nbf_that_is_not_a_number_is_malformed() {
        assert_malformed(&[
            r#"{"active": true, "exp": "1419356238"}"#,
            r#"{"active": true, "exp": null}"#,
            r#"{"active": true, "nbf": "soon"}"#,
        ]);
    }

    #[test]
    fn nbf_in_the_future_beyond_the_leeway_is_not_yet_valid() {
        let at = |nbf: u64| judged(&format!(r#"{{"active": true, "nbf": {nbf}}}"#));
        assert!(at(NOW).is_ok());
        assert!(at(NOW + 60).is_ok(), "within the leeway");
        assert_eq!(at(NOW + 61).unwrap_err(), IntrospectionError::NotYetValid);
    }
}
