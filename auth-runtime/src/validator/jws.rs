//! Parsing what a token says before any key is chosen: its header, strict
//! JSON objects, and the mapping of jsonwebtoken's errors to the contract's.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};

use crate::error::AuthError;

/// RFC 9068 section 2.1: `at+jwt`, with or without the `application/`
/// prefix, in any case (a media type name: RFC 7515 section 4.1.9).
pub(crate) fn is_access_token_type(typ: Option<&str>) -> bool {
    typ.is_some_and(|typ| {
        let typ = match typ.get(..12) {
            Some(prefix) if prefix.eq_ignore_ascii_case("application/") => {
                typ.get(12..).unwrap_or_default()
            }
            _ => typ,
        };
        typ.eq_ignore_ascii_case("at+jwt")
    })
}

/// What this crate reads of a token's header before choosing a key.
pub(crate) struct TokenHeader {
    pub(crate) alg: Algorithm,
    pub(crate) kid: Option<String>,
    pub(crate) typ: Option<String>,
}

/// The structural checks of a compact JWS, before any key is chosen: three
/// segments and a header [`parse_header`] accepts.
pub(super) fn parse_structure(token: &str) -> Result<TokenHeader, AuthError> {
    if token.split('.').count() != 3 {
        return Err(AuthError::Malformed("not a compact JWS (three segments)"));
    }
    parse_header(token)
}

/// Parses the header once: base64url JSON naming no member twice (JSON
/// parsers disagree on which one wins: RFC 7515 section 4), with a known
/// `alg`, a string `kid` and `typ` if present, and no `crit` (no extension
/// is supported: RFC 7515 section 4.1.11).
pub(crate) fn parse_header(token: &str) -> Result<TokenHeader, AuthError> {
    use base64::Engine;
    let malformed = || AuthError::Malformed("header is not base64url JSON with distinct members");
    let segment = token.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| malformed())?;
    let StrictObject(mut header) = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    if header.contains_key("crit") {
        return Err(AuthError::Malformed(
            "header has crit extensions, none of which we support",
        ));
    }
    let alg = match header.get("alg") {
        Some(Value::String(alg)) => alg
            .parse()
            .map_err(|_| AuthError::Malformed("alg is unknown"))?,
        _ => return Err(AuthError::Malformed("header has no alg")),
    };
    let mut text = |name: &str| match header.remove(name) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(AuthError::Malformed("kid or typ is not a string")),
    };
    Ok(TokenHeader {
        alg,
        kid: text("kid")?,
        typ: text("typ")?,
    })
}

/// A JSON object whose members are all distinct: a repeated member is an
/// error rather than "the last one wins".
pub(super) struct StrictObject(pub(super) Map<String, Value>);

impl<'de> serde::Deserialize<'de> for StrictObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = StrictObject;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object without repeated members")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<StrictObject, A::Error> {
                let mut object = Map::new();
                while let Some((name, value)) = map.next_entry::<String, Value>()? {
                    if object.contains_key(&name) {
                        return Err(serde::de::Error::custom(format_args!(
                            "member {name:?} repeated"
                        )));
                    }
                    object.insert(name, value);
                }
                Ok(StrictObject(object))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

pub(super) fn map_jwt_error(kind: ErrorKind) -> AuthError {
    match kind {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => AuthError::WrongAudienceOrIssuer,
        ErrorKind::MissingRequiredClaim(claim) if claim == "iss" || claim == "aud" => {
            AuthError::WrongAudienceOrIssuer
        }
        ErrorKind::MissingRequiredClaim(claim) => {
            AuthError::InvalidClaims(format!("the token has no {claim} claim").into())
        }
        // jsonwebtoken 12 reports an `iss` or `aud` of the wrong JSON type here.
        ErrorKind::InvalidClaimFormat(claim) if claim == "iss" || claim == "aud" => {
            AuthError::WrongAudienceOrIssuer
        }
        ErrorKind::InvalidClaimFormat(claim) => {
            AuthError::InvalidClaims(format!("the {claim} claim is not a valid NumericDate").into())
        }
        ErrorKind::ImmatureSignature => {
            AuthError::InvalidClaims("the token is not valid yet (nbf is in the future)".into())
        }
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::Json(_) | ErrorKind::Utf8(_) | ErrorKind::Base64(_) => {
            AuthError::Malformed("payload or signature is not base64url JSON")
        }
        _ => AuthError::Malformed("token rejected by the JWT library"),
    }
}

/// A NumericDate as jsonwebtoken 12 reads it: a non-negative integer, or a
/// finite non-negative float below `u64::MAX`, rounded.
pub(super) fn numeric_date(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0 && *f < u64::MAX as f64)
            .map(|f| f.round() as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Found by the token_structure fuzz target: the `application/` prefix
    // was stripped case-sensitively, so strict mode refused
    // `Application/at+jwt` (a media type is case-insensitive, RFC 7515
    // section 4.1.9, as the DPoP typ check already has it).
    #[test]
    fn at_jwt_is_recognised_in_any_case_with_or_without_the_prefix() {
        for typ in [
            "at+jwt",
            "AT+JWT",
            "application/at+jwt",
            "Application/AT+JWT",
            "APPLICATION/at+jwt",
        ] {
            assert!(is_access_token_type(Some(typ)), "{typ}");
        }
        for typ in [
            "jwt",
            "application/jwt",
            "applications/at+jwt",
            "application/",
            "",
            "xapplication/at+jwt",
        ] {
            assert!(!is_access_token_type(Some(typ)), "{typ}");
        }
        assert!(!is_access_token_type(None));
    }

    #[test]
    fn only_the_application_prefix_is_stripped_from_typ() {
        // Twelve characters before `at+jwt` that are not `application/`.
        for typ in ["vnd.example/at+jwt", "xxxxxxxxxxxxat+jwt"] {
            assert!(!is_access_token_type(Some(typ)), "{typ}");
        }
    }

    fn header_of(json: &str) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn a_compact_jws_has_exactly_three_segments() {
        let header = header_of(r#"{"alg":"RS256"}"#);
        assert!(parse_structure(&format!("{header}.e30.sig")).is_ok());
        for token in [
            header.clone(),
            format!("{header}.e30"),
            format!("{header}.e30.sig.more"),
            format!("{header}.e30.sig.more.five"),
        ] {
            assert_eq!(
                parse_structure(&token).err(),
                Some(AuthError::Malformed("not a compact JWS (three segments)")),
                "{token}"
            );
        }
    }

    #[test]
    fn the_header_yields_its_alg_kid_and_typ() {
        let header = header_of(r#"{"alg":"ES256","kid":"k1","typ":"at+jwt"}"#);
        let parsed = parse_header(&format!("{header}.e30.sig")).expect("a valid header");
        assert_eq!(parsed.alg, Algorithm::ES256);
        assert_eq!(parsed.kid.as_deref(), Some("k1"));
        assert_eq!(parsed.typ.as_deref(), Some("at+jwt"));

        let header = header_of(r#"{"alg":"PS384"}"#);
        let parsed = parse_header(&format!("{header}.e30.sig")).expect("a valid header");
        assert_eq!(parsed.alg, Algorithm::PS384);
        assert_eq!((parsed.kid, parsed.typ), (None, None));

        for (json, error) in [
            (r#"{"kid":"k1"}"#, "header has no alg"),
            (r#"{"alg":256}"#, "header has no alg"),
            (r#"{"alg":"none"}"#, "alg is unknown"),
            (r#"{"alg":"RS256","kid":1}"#, "kid or typ is not a string"),
            (
                r#"{"alg":"RS256","crit":["exp"]}"#,
                "header has crit extensions, none of which we support",
            ),
            (
                r#"{"alg":"RS256","alg":"HS256"}"#,
                "header is not base64url JSON with distinct members",
            ),
        ] {
            let token = format!("{}.e30.sig", header_of(json));
            assert_eq!(
                parse_header(&token).err(),
                Some(AuthError::Malformed(error)),
                "{json}"
            );
        }
    }

    #[test]
    fn jwt_library_errors_map_to_the_contract_errors() {
        let wrong = AuthError::WrongAudienceOrIssuer;
        // The library's own base64 error (its base64 version, not ours).
        let base64_error = jsonwebtoken::decode_header("@@@.e30.sig")
            .expect_err("not base64url")
            .into_kind();
        assert!(
            matches!(base64_error, ErrorKind::Base64(_)),
            "{base64_error:?}"
        );
        let cases = [
            (ErrorKind::ExpiredSignature, AuthError::Expired),
            (ErrorKind::InvalidIssuer, wrong.clone()),
            (ErrorKind::InvalidAudience, wrong.clone()),
            (ErrorKind::MissingRequiredClaim("iss".into()), wrong.clone()),
            (ErrorKind::MissingRequiredClaim("aud".into()), wrong.clone()),
            (
                ErrorKind::MissingRequiredClaim("exp".into()),
                AuthError::InvalidClaims("the token has no exp claim".into()),
            ),
            (ErrorKind::InvalidClaimFormat("iss".into()), wrong.clone()),
            (ErrorKind::InvalidClaimFormat("aud".into()), wrong.clone()),
            (
                ErrorKind::InvalidClaimFormat("nbf".into()),
                AuthError::InvalidClaims("the nbf claim is not a valid NumericDate".into()),
            ),
            (
                ErrorKind::ImmatureSignature,
                AuthError::InvalidClaims(
                    "the token is not valid yet (nbf is in the future)".into(),
                ),
            ),
            (ErrorKind::InvalidSignature, AuthError::BadSignature),
            (
                base64_error,
                AuthError::Malformed("payload or signature is not base64url JSON"),
            ),
            (
                ErrorKind::Json(std::sync::Arc::new(
                    serde_json::from_str::<Value>("{").unwrap_err(),
                )),
                AuthError::Malformed("payload or signature is not base64url JSON"),
            ),
            (
                ErrorKind::Utf8(String::from_utf8(vec![0xff]).unwrap_err()),
                AuthError::Malformed("payload or signature is not base64url JSON"),
            ),
            (
                ErrorKind::InvalidAlgorithm,
                AuthError::Malformed("token rejected by the JWT library"),
            ),
        ];
        for (kind, expected) in cases {
            let name = format!("{kind:?}");
            assert_eq!(map_jwt_error(kind), expected, "{name}");
        }
    }

    #[test]
    fn numeric_dates_are_non_negative_integers_or_rounded_floats() {
        use serde_json::json;
        assert_eq!(numeric_date(&json!(0)), Some(0));
        assert_eq!(numeric_date(&json!(1_700_000_000)), Some(1_700_000_000));
        assert_eq!(numeric_date(&json!(1_700_000_000.4)), Some(1_700_000_000));
        assert_eq!(numeric_date(&json!(2.6)), Some(3));
        assert_eq!(numeric_date(&json!(0.0)), Some(0));
        for refused in [json!(-1), json!(-1.5), json!("1700000000"), json!(null)] {
            assert_eq!(numeric_date(&refused), None, "{refused}");
        }
    }
}
