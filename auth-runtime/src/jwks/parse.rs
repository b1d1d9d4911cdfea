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
    #[cfg(any(test, feature = "fuzzing"))]
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
mod tests;
