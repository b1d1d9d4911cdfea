//! Key sets: parsing a JWKS document, binding each key to the
//! algorithms it may verify (its type and curve, and its own `alg`), and
//! carrying unchanged keys over from the set a refresh replaces.

use std::collections::HashMap;
use std::sync::Arc;

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
    /// The JWK's key material, to tell an unchanged key in a refreshed set;
    /// `None` for a key that comes from no JWK (a shared secret).
    material: Option<AlgorithmParameters>,
}

impl VerifyKey {
    /// A key that comes from no JWK (a shared secret, a configured PEM
    /// key); a configured set keeps its own `Arc`s, so nothing is lost by
    /// never carrying it over.
    pub(crate) fn new(algorithms: Vec<Algorithm>, key: DecodingKey) -> VerifyKey {
        VerifyKey {
            algorithms,
            key,
            material: None,
        }
    }

    /// The same key material bound to the same algorithms.
    fn same_as(&self, other: &VerifyKey) -> bool {
        self.material.is_some()
            && self.material == other.material
            && self.algorithms == other.algorithms
    }
}

/// A fetched key set.
#[derive(Debug)]
pub(crate) struct KeySet {
    by_kid: HashMap<String, Arc<VerifyKey>>,
    without_kid: Vec<Arc<VerifyKey>>,
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

    /// The same keys (the same `Arc`s, so verified tokens stay cached): a
    /// configured set "refreshed", installed as if fetched now.
    pub(super) fn renewed(&self) -> KeySet {
        KeySet {
            by_kid: self.by_kid.clone(),
            without_kid: self.without_kid.clone(),
            any_kid: self.any_kid,
        }
    }

    /// Whether the set holds no usable key (an answer, e.g. an emergency
    /// revocation of every key, that serves no token).
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// This set, with each key that `old` holds unchanged (same `kid`, same
    /// material, same algorithms) replaced by `old`'s own `Arc`, so that
    /// what was verified with it (the verified-token cache compares keys by
    /// pointer) stays valid across the refresh.
    pub(super) fn carried_over(mut self, old: &KeySet) -> KeySet {
        for (kid, key) in self.by_kid.iter_mut() {
            if let Some(previous) = old.by_kid.get(kid).filter(|p| p.same_as(key)) {
                *key = previous.clone();
            }
        }
        for key in self.without_kid.iter_mut() {
            if let Some(previous) = old.without_kid.iter().find(|p| p.same_as(key)) {
                *key = previous.clone();
            }
        }
        self
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

/// Why a document is not a key set. (A well-formed set with no usable key
/// is not an error: it is the issuer's answer, and replaces the cached keys.)
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SetError {
    /// Not JSON, or no `keys` array.
    NotAKeySet,
}

impl std::fmt::Display for SetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SetError::NotAKeySet => "response is not a JSON key set",
        })
    }
}

/// Parses a key set, keeping each key that can verify one of `allowed`
/// and skipping (with a log line) each one that cannot. A set left with no
/// key is returned as it is (empty), not as an error.
pub(crate) fn parse_key_set(body: &[u8], allowed: &[Algorithm]) -> Result<KeySet, SetError> {
    #[derive(Deserialize)]
    struct RawSet {
        keys: Vec<serde_json::Value>,
    }
    let raw: RawSet = serde_json::from_slice(body).map_err(|_| SetError::NotAKeySet)?;
    let mut set = KeySet {
        by_kid: HashMap::new(),
        without_kid: Vec::new(),
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
    Ok(VerifyKey {
        algorithms,
        key,
        material: Some(jwk.algorithm),
    })
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
    fn a_set_with_no_usable_key_is_an_empty_set_and_not_json_is_an_error() {
        // An answer (e.g. every key revoked), not a failure: it replaces the
        // cached keys. Before issue 11 item 5 this was SetError::NoUsableKey.
        assert!(parse(r#"{"kty":"oct","k":"AA"}"#).unwrap().is_empty());
        assert!(parse("").unwrap().is_empty());
        assert!(matches!(
            parse_key_set(b"<html>", &DEFAULT_ALGORITHMS),
            Err(SetError::NotAKeySet)
        ));
    }

    #[test]
    fn a_refresh_keeps_the_very_arc_of_each_unchanged_key() {
        let ec = r#"{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"}"#;
        let bare = r#"{"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"}"#;
        let old = parse(&format!("{RSA}, {ec}, {bare}")).unwrap();
        let same = parse(&format!("{RSA}, {ec}, {bare}"))
            .unwrap()
            .carried_over(&old);
        for kid in ["r", "ec"] {
            let (before, after) = (old.get(Some(kid)).unwrap(), same.get(Some(kid)).unwrap());
            assert!(Arc::ptr_eq(&before, &after), "{kid} carried over");
        }
        assert!(Arc::ptr_eq(&old.without_kid[0], &same.without_kid[0]));
        // Another key under the same kid, or the same key bound to other
        // algorithms, is a new key.
        let changed = parse(
            r#"{"kty":"RSA","kid":"r","n":"sXcg","e":"AQAB"},
            {"kty":"EC","kid":"ec","alg":"ES256","crv":"P-256","x":"AA","y":"AA"}"#,
        )
        .unwrap()
        .carried_over(&old);
        assert!(!Arc::ptr_eq(
            &old.get(Some("r")).unwrap(),
            &changed.get(Some("r")).unwrap()
        ));
        // (Explicit ES256 is the same binding as the P-256 family: carried.)
        assert!(Arc::ptr_eq(
            &old.get(Some("ec")).unwrap(),
            &changed.get(Some("ec")).unwrap()
        ));
        let rebound = parse(r#"{"kty":"RSA","kid":"r","alg":"PS256","n":"sXch","e":"AQAB"}"#)
            .unwrap()
            .carried_over(&old);
        assert!(!Arc::ptr_eq(
            &old.get(Some("r")).unwrap(),
            &rebound.get(Some("r")).unwrap()
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

    #[test]
    fn each_signature_alg_binds_its_key_to_that_algorithm_alone() {
        let rsa = |alg: &str| {
            format!(r#"{{"kty":"RSA","kid":"{alg}","alg":"{alg}","n":"sXch","e":"AQAB"}}"#)
        };
        let set = parse(&format!(
            r#"{}, {}, {}, {}, {}, {},
            {{"kty":"EC","kid":"ES256","alg":"ES256","crv":"P-256","x":"AA","y":"AA"}},
            {{"kty":"EC","kid":"ES384","alg":"ES384","crv":"P-384","x":"AA","y":"AA"}},
            {{"kty":"OKP","kid":"EdDSA","alg":"EdDSA","crv":"Ed25519","x":"AA"}},
            {{"kty":"EC","kid":"p384","crv":"P-384","x":"AA","y":"AA"}},
            {{"kty":"OKP","kid":"ed","crv":"Ed25519","x":"AA"}},
            {{"kty":"OKP","kid":"x25519","crv":"X25519","x":"AA"}},
            {{"kty":"RSA","kid":"wrong","alg":"ES256","n":"sXch","e":"AQAB"}}"#,
            rsa("RS256"),
            rsa("RS384"),
            rsa("RS512"),
            rsa("PS256"),
            rsa("PS384"),
            rsa("PS512"),
        ))
        .unwrap();
        for (kid, alg) in [
            ("RS256", Algorithm::RS256),
            ("RS384", Algorithm::RS384),
            ("RS512", Algorithm::RS512),
            ("PS256", Algorithm::PS256),
            ("PS384", Algorithm::PS384),
            ("PS512", Algorithm::PS512),
            ("ES256", Algorithm::ES256),
            ("ES384", Algorithm::ES384),
            ("EdDSA", Algorithm::EdDSA),
            ("p384", Algorithm::ES384),
            ("ed", Algorithm::EdDSA),
        ] {
            let key = set.get(Some(kid)).unwrap_or_else(|| panic!("{kid} kept"));
            assert_eq!(key.algorithms, vec![alg], "{kid}");
        }
        for skipped in ["x25519", "wrong"] {
            assert!(set.get(Some(skipped)).is_none(), "{skipped} skipped");
        }
        assert_eq!(set.len(), 11);
    }

    #[test]
    fn use_and_key_ops_must_allow_verification_when_present() {
        let set = parse(
            r#"{"kty":"RSA","kid":"sig","use":"sig","n":"sXch","e":"AQAB"},
            {"kty":"RSA","kid":"verify","key_ops":["sign","verify"],"n":"sXch","e":"AQAB"},
            {"kty":"RSA","kid":"sign","key_ops":["sign"],"n":"sXch","e":"AQAB"},
            {"kty":"RSA","kid":"none","key_ops":[],"n":"sXch","e":"AQAB"}"#,
        )
        .unwrap();
        assert!(set.get(Some("sig")).is_some());
        assert!(set.get(Some("verify")).is_some());
        assert!(set.get(Some("sign")).is_none());
        assert!(set.get(Some("none")).is_none());
    }

    #[test]
    fn only_the_configured_algorithms_are_kept() {
        let body = format!(
            r#"{{"keys":[{RSA}, {{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"}}]}}"#
        );
        let set = parse_key_set(body.as_bytes(), &[Algorithm::PS256, Algorithm::RS384]).unwrap();
        assert_eq!(
            set.get(Some("r")).unwrap().algorithms,
            vec![Algorithm::RS384, Algorithm::PS256]
        );
        assert!(set.get(Some("ec")).is_none(), "no allowed algorithm");
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn the_key_count_adds_keys_with_and_without_kid() {
        let bare = r#"{"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"}"#;
        let bare2 = r#"{"kty":"EC","crv":"P-256","x":"Ag","y":"Ag"}"#;
        let ec = r#"{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"}"#;
        let set = parse(&format!("{RSA}, {ec}, {bare}, {bare2}, {bare}")).unwrap();
        assert_eq!(set.len(), 5);
        assert!(!set.is_empty());
        assert!(set.get(None).is_none(), "five keys: a kid is needed");
        assert!(
            set.get(Some("other")).is_none(),
            "a fetched set has no any-kid key"
        );
        let only_bare = parse(bare).unwrap();
        assert_eq!(only_bare.len(), 1);
        assert!(only_bare.get(None).is_some());
        assert!(only_bare.get(Some("ec")).is_none());
    }

    #[test]
    fn a_configured_key_answers_every_kid_only_without_a_kid_of_its_own() {
        let secret = || {
            VerifyKey::new(
                vec![Algorithm::HS256],
                DecodingKey::from_secret(b"secret").expect("a secret"),
            )
        };
        let any = KeySet::single(secret(), None);
        assert_eq!(any.len(), 1);
        assert!(any.get(None).is_some());
        assert!(any.get(Some("whatever")).is_some());
        let named = KeySet::single(secret(), Some("k".into()));
        assert_eq!(named.len(), 1);
        assert!(named.get(Some("k")).is_some());
        assert!(named.get(None).is_some(), "the only key");
        assert!(named.get(Some("other")).is_none());
        // Renewed: the same keys and the same any-kid rule.
        let renewed = any.renewed();
        assert!(Arc::ptr_eq(
            &any.get(None).unwrap(),
            &renewed.get(Some("x")).unwrap()
        ));
        let renewed = named.renewed();
        assert!(Arc::ptr_eq(
            &named.get(Some("k")).unwrap(),
            &renewed.get(Some("k")).unwrap()
        ));
        assert!(renewed.get(Some("other")).is_none());
    }

    #[test]
    fn keys_from_no_jwk_are_never_taken_for_one_another() {
        let secret = |bytes: &[u8]| {
            VerifyKey::new(
                vec![Algorithm::HS256],
                DecodingKey::from_secret(bytes).expect("a secret"),
            )
        };
        for kid in [Some("k".to_owned()), None] {
            let old = KeySet::single(secret(b"old"), kid.clone());
            let new = KeySet::single(secret(b"new"), kid.clone()).carried_over(&old);
            assert!(
                !Arc::ptr_eq(&old.get(None).unwrap(), &new.get(None).unwrap()),
                "{kid:?}"
            );
        }
    }

    #[cfg(feature = "fuzzing")]
    #[test]
    fn keys_lists_every_key_with_its_kid() {
        let bare = r#"{"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"}"#;
        let set = parse(&format!("{RSA}, {bare}")).unwrap();
        let mut keys: Vec<_> = set
            .keys()
            .map(|(kid, key)| (kid.map(str::to_owned), key.algorithms.clone()))
            .collect();
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            keys,
            vec![
                (None, vec![Algorithm::ES256]),
                (
                    Some("r".to_owned()),
                    AlgorithmFamily::Rsa.algorithms().to_vec()
                ),
            ]
        );
    }

    #[test]
    fn a_set_error_says_what_was_wrong() {
        assert_eq!(
            SetError::NotAKeySet.to_string(),
            "response is not a JSON key set"
        );
    }
}
