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

/// A NumericDate as jsonwebtoken 12 reads it (shared with introspection).
pub(super) use crate::claims::numeric_date;

#[cfg(test)]
mod tests;
