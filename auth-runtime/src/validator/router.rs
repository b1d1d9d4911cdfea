//! Several issuers: the token's unverified `iss` picks the validator that
//! then verifies it exactly.

use serde_json::Value;

use super::jws::{parse_structure, StrictObject};
use super::Validator;
use crate::claims::Claims;
use crate::config::{AuthConfig, ConfigError};
use crate::error::AuthError;
use crate::extract::extract_bearer;

/// The validators of one or several issuers (tenants, staging and
/// production): a token's `iss` picks the one that verifies it (only to
/// choose keys and audience; that validator then checks `iss` exactly). A
/// token from an issuer not in the list is refused with 401
/// `invalid_claims`, with no fetch.
///
/// The [`Auth`](crate::Auth) fairing manages one as application state; a
/// handler may take it (`&State<IssuerRouter>`) for metrics such
/// as [`Validator::full_verifications`].
#[derive(Debug)]
pub struct IssuerRouter {
    validators: Vec<Validator>,
}

impl IssuerRouter {
    /// One validator per configuration; at least one, with distinct issuers.
    pub fn new(configs: impl IntoIterator<Item = AuthConfig>) -> Result<IssuerRouter, ConfigError> {
        let validators = configs
            .into_iter()
            .map(Validator::new)
            .collect::<Result<Vec<_>, _>>()?;
        if validators.is_empty() {
            return Err(ConfigError::Issuers(
                "at least one issuer must be configured".into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = validators
            .iter()
            .find(|v| !seen.insert(v.config.issuer.as_str()))
        {
            return Err(ConfigError::Issuers(format!(
                "the issuer {} is configured twice",
                twice.config.issuer
            )));
        }
        Ok(IssuerRouter { validators })
    }

    /// The validators, in the order of their configurations.
    pub fn validators(&self) -> &[Validator] {
        &self.validators
    }

    /// The leeway of the configuration that verified `claims` (by their
    /// verified `iss`), for the checks that come after validation.
    pub(crate) fn leeway_for(&self, claims: &Claims) -> u64 {
        let issuer = claims.get("iss").and_then(Value::as_str);
        self.validators
            .iter()
            .find(|v| Some(v.config.issuer.as_str()) == issuer)
            .or(self.validators.first())
            .map_or(0, |v| v.config.tuning.leeway.as_secs())
    }

    /// Validates the value of an `Authorization` header, as
    /// [`Validator::authorize`] does.
    pub async fn authorize(&self, header: Option<&str>) -> Result<Claims, AuthError> {
        let token = extract_bearer(header.unwrap_or(""))?;
        self.validate(token).await
    }

    /// Validates a bare token with the validator of its issuer.
    pub async fn validate(&self, token: &str) -> Result<Claims, AuthError> {
        match self.validators.as_slice() {
            [only] => only.validate(token).await,
            all => {
                let largest = all
                    .iter()
                    .map(|v| v.config.tuning.max_token_bytes)
                    .max()
                    .unwrap_or(0);
                if token.len() > largest {
                    return Err(AuthError::Malformed("token larger than the size limit"));
                }
                // Structure before claims, as for one issuer: a malformed
                // token is `invalid_header` whatever its `iss` says.
                parse_structure(token)?;
                let issuer = unverified_issuer(token)?;
                match all
                    .iter()
                    .find(|v| Some(v.config.issuer.as_str()) == issuer.as_deref())
                {
                    Some(validator) => validator.validate(token).await,
                    None => Err(AuthError::WrongAudienceOrIssuer),
                }
            }
        }
    }
}

/// The `iss` of a token's payload, read without verification, only to pick
/// the validator that will verify it. The payload is read as the validator
/// reads it: a JSON object naming no member twice (a JSON array is not a
/// claims set, though serde would read `["iss"]` into a struct).
pub(crate) fn unverified_issuer(token: &str) -> Result<Option<String>, AuthError> {
    use base64::Engine;
    let malformed = || AuthError::Malformed("not a compact JWS with a JSON payload");
    let mut segments = token.split('.');
    let (Some(_), Some(payload), Some(_), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(malformed());
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| malformed())?;
    let StrictObject(mut payload) = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    Ok(match payload.remove("iss") {
        Some(Value::String(iss)) => Some(iss),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    fn token(payload: &str) -> String {
        format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(payload))
    }

    #[test]
    fn the_issuer_is_peeked_from_a_json_object() {
        assert_eq!(
            unverified_issuer(&token(r#"{"iss":"https://a/"}"#)),
            Ok(Some("https://a/".to_owned()))
        );
        assert_eq!(unverified_issuer(&token(r#"{"iss":5}"#)), Ok(None));
        assert_eq!(unverified_issuer(&token("{}")), Ok(None));
    }

    // Found by the token_structure fuzz target: serde reads a struct from a
    // JSON array too, so `["https://a/"]` was routed as a token from
    // https://a/ (and a foreign one answered invalid_claims, not invalid_header).
    #[test]
    fn a_payload_that_is_not_an_object_is_malformed() {
        for payload in [r#"["https://a/"]"#, "null", r#""https://a/""#, "5"] {
            assert!(
                matches!(
                    unverified_issuer(&token(payload)),
                    Err(AuthError::Malformed(_))
                ),
                "{payload}"
            );
        }
    }

    #[test]
    fn a_repeated_member_is_malformed() {
        let repeated = token(r#"{"iss":"https://a/","iss":"https://b/"}"#);
        assert!(matches!(
            unverified_issuer(&repeated),
            Err(AuthError::Malformed(_))
        ));
    }
}
