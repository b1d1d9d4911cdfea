//! Key sets: parsing a JWKS document, and binding each key to the
//! algorithms it may verify (its type and curve, and its own `alg`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use serde::Deserialize;

/// One verification key of the set, with the algorithms it may verify.
#[derive(Debug)]
pub(crate) struct VerifyKey {
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) key: DecodingKey,
}

/// A fetched key set.
#[derive(Debug)]
pub(crate) struct KeySet {
    by_kid: HashMap<String, Arc<VerifyKey>>,
    without_kid: Vec<Arc<VerifyKey>>,
    pub(super) fetched_at: Instant,
    /// A single configured key without a `kid`: it answers for every `kid`.
    any_kid: bool,
}

impl KeySet {
    /// The key for `kid`. A token without a `kid` is accepted only when the
    /// set holds exactly one key.
    pub(crate) fn get(&self, kid: Option<&str>) -> Option<Arc<VerifyKey>> {
        match kid {
            Some(kid) => self.by_kid.get(kid).cloned().or_else(|| {
                self.any_kid
                    .then(|| self.without_kid.first().cloned())
                    .flatten()
            }),
            None => {
                let mut all = self.by_kid.values().chain(self.without_kid.iter());
                match (all.next(), all.next()) {
                    (Some(only), None) => Some(only.clone()),
                    _ => None,
                }
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.by_kid.len() + self.without_kid.len()
    }

    /// A set of one key given in the configuration; without a `kid` of its
    /// own it answers for every `kid`.
    pub(super) fn single(key: VerifyKey, kid: Option<String>) -> KeySet {
        let key = Arc::new(key);
        let mut set = KeySet {
            by_kid: HashMap::new(),
            without_kid: Vec::new(),
            fetched_at: Instant::now(),
            any_kid: kid.is_none(),
        };
        match kid {
            Some(kid) => {
                set.by_kid.insert(kid, key);
            }
            None => set.without_kid.push(key),
        }
        set
    }

    /// The same keys (the same `Arc`s, so verified tokens stay cached),
    /// as if fetched now: a configured set "refreshed".
    pub(super) fn renewed(&self) -> KeySet {
        KeySet {
            by_kid: self.by_kid.clone(),
            without_kid: self.without_kid.clone(),
            fetched_at: Instant::now(),
            any_kid: self.any_kid,
        }
    }

    /// Every key, with its `kid` if it has one (in no particular order).
    #[cfg(feature = "fuzzing")]
    pub(crate) fn keys(&self) -> impl Iterator<Item = (Option<&str>, &VerifyKey)> {
        let with_kid = self
            .by_kid
            .iter()
            .map(|(kid, key)| (Some(kid.as_str()), &**key));
        with_kid.chain(self.without_kid.iter().map(|key| (None, &**key)))
    }
}

/// Why a document is not a key set this crate can use.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SetError {
    /// Not JSON, or no `keys` array.
    NotAKeySet,
    /// A key set, but not one key in it can verify an allowed algorithm.
    NoUsableKey,
}

impl std::fmt::Display for SetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SetError::NotAKeySet => "response is not a JSON key set",
            SetError::NoUsableKey => "key set holds no usable signing key",
        })
    }
}

/// Parses a key set, keeping each key that can verify one of `allowed`
/// and skipping (with a log line) each one that cannot.
pub(crate) fn parse_key_set(body: &[u8], allowed: &[Algorithm]) -> Result<KeySet, SetError> {
    #[derive(Deserialize)]
    struct RawSet {
        keys: Vec<serde_json::Value>,
    }
    let raw: RawSet = serde_json::from_slice(body).map_err(|_| SetError::NotAKeySet)?;
    let mut set = KeySet {
        by_kid: HashMap::new(),
        without_kid: Vec::new(),
        fetched_at: Instant::now(),
        any_kid: false,
    };
    for (index, value) in raw.keys.into_iter().enumerate() {
        let kid = value
            .get("kid")
            .and_then(|kid| kid.as_str())
            .map(str::to_owned);
        match usable_key(value, allowed) {
            Ok(key) => match kid {
                Some(kid) if set.by_kid.contains_key(&kid) => {
                    log::warn!("auth: key set repeats kid {kid:?}; the first one is used");
                }
                Some(kid) => {
                    set.by_kid.insert(kid, Arc::new(key));
                }
                None => set.without_kid.push(Arc::new(key)),
            },
            Err(why) => log::info!("auth: skipping key #{index} (kid {kid:?}): {why}"),
        }
    }
    if set.len() == 0 {
        return Err(SetError::NoUsableKey);
    }
    Ok(set)
}

/// The algorithms a key of this shape may verify.
fn family_algorithms(jwk: &Jwk) -> Result<&'static [Algorithm], &'static str> {
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Ok(AlgorithmFamily::Rsa.algorithms()),
        AlgorithmParameters::EllipticCurve(params) => match params.curve {
            EllipticCurve::P256 => Ok(&[Algorithm::ES256]),
            EllipticCurve::P384 => Ok(&[Algorithm::ES384]),
            _ => Err("unsupported elliptic curve"),
        },
        AlgorithmParameters::OctetKeyPair(params) => match params.curve {
            EllipticCurve::Ed25519 => Ok(&[Algorithm::EdDSA]),
            _ => Err("unsupported Edwards curve"),
        },
        AlgorithmParameters::OctetKey(_) => Err("symmetric (oct) keys are never used"),
        _ => Err("unsupported key type"),
    }
}

/// The signature algorithm named by a JWK's `alg`, if it is one.
fn signature_algorithm(alg: KeyAlgorithm) -> Option<Algorithm> {
    Some(match alg {
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::ES384 => Algorithm::ES384,
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::RS384 => Algorithm::RS384,
        KeyAlgorithm::RS512 => Algorithm::RS512,
        KeyAlgorithm::PS256 => Algorithm::PS256,
        KeyAlgorithm::PS384 => Algorithm::PS384,
        KeyAlgorithm::PS512 => Algorithm::PS512,
        KeyAlgorithm::EdDSA => Algorithm::EdDSA,
        _ => return None,
    })
}

pub(super) fn usable_key(
    value: serde_json::Value,
    allowed: &[Algorithm],
) -> Result<VerifyKey, &'static str> {
    let jwk: Jwk = serde_json::from_value(value).map_err(|_| "not a JWK of a supported type")?;
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
    {
        return Err("its use is not \"sig\"");
    }
    if jwk
        .common
        .key_operations
        .as_ref()
        .is_some_and(|ops| !ops.contains(&KeyOperations::Verify))
    {
        return Err("its key_ops do not include \"verify\"");
    }
    let family = family_algorithms(&jwk)?;
    let mut algorithms: Vec<Algorithm> = match jwk.common.key_algorithm {
        Some(alg) => match signature_algorithm(alg) {
            Some(alg) if family.contains(&alg) => vec![alg],
            _ => return Err("its alg is not a signature algorithm for this key type"),
        },
        None => family.to_vec(),
    };
    algorithms.retain(|alg| allowed.contains(alg));
    if algorithms.is_empty() {
        return Err("none of its algorithms is allowed by the configuration");
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| "its key material is not valid base64url")?;
    Ok(VerifyKey { algorithms, key })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_ALGORITHMS;

    const RSA: &str = r#"{"kty":"RSA","kid":"r","n":"sXch","e":"AQAB"}"#;

    fn parse(keys: &str) -> Result<KeySet, SetError> {
        parse_key_set(
            format!(r#"{{"keys":[{keys}]}}"#).as_bytes(),
            &DEFAULT_ALGORITHMS,
        )
    }

    #[test]
    fn unusable_keys_are_skipped_one_by_one() {
        let set = parse(&format!(
            r#"{RSA},
            {{"kty":"RSA","kid":"enc","use":"enc","n":"sXch","e":"AQAB"}},
            {{"kty":"oct","kid":"h","k":"c2VjcmV0"}},
            {{"kty":"EC","kid":"p521","crv":"P-521","x":"AA","y":"AA"}},
            {{"kty":"XYZ","kid":"odd"}},
            {{"kid":"nokty"}},
            {{"kty":"RSA","kid":"hs","alg":"HS256","n":"sXch","e":"AQAB"}}"#
        ))
        .unwrap();
        assert_eq!(set.len(), 1);
        assert!(set.get(Some("r")).is_some());
        for skipped in ["enc", "h", "p521", "odd", "nokty", "hs"] {
            assert!(
                set.get(Some(skipped)).is_none(),
                "{skipped} should be skipped"
            );
        }
    }

    #[test]
    fn algorithms_are_bound_to_the_key() {
        let set = parse(&format!(
            r#"{RSA},
            {{"kty":"RSA","kid":"pinned","alg":"PS256","n":"sXch","e":"AQAB"}},
            {{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"}}"#
        ))
        .unwrap();
        assert_eq!(
            set.get(Some("r")).unwrap().algorithms,
            AlgorithmFamily::Rsa.algorithms()
        );
        assert_eq!(
            set.get(Some("pinned")).unwrap().algorithms,
            vec![Algorithm::PS256]
        );
        assert_eq!(
            set.get(Some("ec")).unwrap().algorithms,
            vec![Algorithm::ES256]
        );
    }

    #[test]
    fn a_set_with_no_usable_key_is_an_error() {
        assert!(matches!(
            parse(r#"{"kty":"oct","k":"AA"}"#),
            Err(SetError::NoUsableKey)
        ));
        assert!(matches!(
            parse_key_set(b"<html>", &DEFAULT_ALGORITHMS),
            Err(SetError::NotAKeySet)
        ));
    }

    #[test]
    fn a_token_without_kid_needs_a_single_key() {
        let one = parse(RSA).unwrap();
        assert!(one.get(None).is_some());
        let two = parse(&format!(
            r#"{RSA}, {{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"}}"#
        ))
        .unwrap();
        assert!(two.get(None).is_none());
    }

    #[test]
    fn a_repeated_kid_keeps_the_first_key() {
        let set = parse(&format!(
            r#"{RSA}, {{"kty":"EC","kid":"r","crv":"P-256","x":"AA","y":"AA"}}"#
        ))
        .unwrap();
        assert_eq!(set.len(), 1);
        assert_eq!(
            set.get(Some("r")).unwrap().algorithms,
            AlgorithmFamily::Rsa.algorithms()
        );
    }
}
