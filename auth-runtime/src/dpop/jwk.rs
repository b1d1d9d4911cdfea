//! The proof's `jwk`: a public key only, bound to the proof's `alg`, and its
//! RFC 7638 thumbprint.

use base64::Engine;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use serde_json::{Map, Value};

use super::DpopError;

/// Members that only a private or symmetric key has (RFC 7518 section 6).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The required public members of a JWK, borrowed from the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PublicJwk<'a> {
    Rsa {
        n: &'a str,
        e: &'a str,
    },
    Ec {
        crv: &'a str,
        x: &'a str,
        y: &'a str,
    },
    Okp {
        crv: &'a str,
        x: &'a str,
    },
}

const PRIVATE: DpopError =
    DpopError::InvalidProof("The DPoP proof's jwk holds private key members");
const SYMMETRIC: DpopError = DpopError::InvalidProof("The DPoP proof's jwk is a symmetric key");
const UNUSABLE: DpopError =
    DpopError::InvalidProof("The DPoP proof's jwk is not a supported public key");
const WRONG_ALG: DpopError =
    DpopError::InvalidProof("The DPoP proof's jwk is not a key for the proof's alg");

/// Reads the header's `jwk`: no private member, a supported key type, the
/// key type and curve fit for `alg`, and its own `alg`, when present, equal
/// to `alg`.
pub(super) fn public_key_for(
    jwk: &Map<String, Value>,
    alg: Algorithm,
) -> Result<PublicJwk<'_>, DpopError> {
    if PRIVATE_MEMBERS.iter().any(|name| jwk.contains_key(*name)) {
        return Err(PRIVATE);
    }
    let key = read_public(jwk)?;
    let fits = match (key, alg.family()) {
        (PublicJwk::Rsa { .. }, AlgorithmFamily::Rsa) => true,
        (PublicJwk::Ec { crv, .. }, AlgorithmFamily::Ec) => {
            matches!(
                (crv, alg),
                ("P-256", Algorithm::ES256) | ("P-384", Algorithm::ES384)
            )
        }
        (PublicJwk::Okp { crv, .. }, AlgorithmFamily::Ed) => crv == "Ed25519",
        _ => false,
    };
    if !fits {
        return Err(WRONG_ALG);
    }
    match jwk.get("alg") {
        None => Ok(key),
        Some(Value::String(own)) if own.parse::<Algorithm>().ok() == Some(alg) => Ok(key),
        Some(_) => Err(WRONG_ALG),
    }
}

/// The required members by key type (RFC 7638 section 3.2), all strings.
fn read_public(jwk: &Map<String, Value>) -> Result<PublicJwk<'_>, DpopError> {
    let text = |name: &str| match jwk.get(name) {
        Some(Value::String(value)) if !value.is_empty() => Ok(value.as_str()),
        _ => Err(UNUSABLE),
    };
    match jwk.get("kty").and_then(Value::as_str) {
        Some("RSA") => Ok(PublicJwk::Rsa {
            n: text("n")?,
            e: text("e")?,
        }),
        Some("EC") => Ok(PublicJwk::Ec {
            crv: text("crv")?,
            x: text("x")?,
            y: text("y")?,
        }),
        Some("OKP") => Ok(PublicJwk::Okp {
            crv: text("crv")?,
            x: text("x")?,
        }),
        Some("oct") => Err(SYMMETRIC),
        _ => Err(UNUSABLE),
    }
}

impl PublicJwk<'_> {
    /// The RFC 7638 thumbprint: base64url of the SHA-256 of the required
    /// members in lexicographic order, as JSON with no whitespace.
    pub(super) fn thumbprint(&self) -> String {
        let mut canonical = Vec::with_capacity(256);
        let mut member = |first: bool, name: &str, value: &str| {
            canonical.push(if first { b'{' } else { b',' });
            canonical.push(b'"');
            canonical.extend_from_slice(name.as_bytes());
            canonical.extend_from_slice(b"\":");
            // A string always serialises; its escaping is JSON's own.
            let _ = serde_json::to_writer(&mut canonical, value);
        };
        match *self {
            PublicJwk::Rsa { n, e } => {
                member(true, "e", e);
                member(false, "kty", "RSA");
                member(false, "n", n);
            }
            PublicJwk::Ec { crv, x, y } => {
                member(true, "crv", crv);
                member(false, "kty", "EC");
                member(false, "x", x);
                member(false, "y", y);
            }
            PublicJwk::Okp { crv, x } => {
                member(true, "crv", crv);
                member(false, "kty", "OKP");
                member(false, "x", x);
            }
        }
        canonical.push(b'}');
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &canonical);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
    }

    /// The verification key. Fails on members that are not base64url.
    pub(super) fn decoding_key(&self) -> Result<DecodingKey, DpopError> {
        match *self {
            PublicJwk::Rsa { n, e } => DecodingKey::from_rsa_components(n, e),
            PublicJwk::Ec { x, y, .. } => DecodingKey::from_ec_components(x, y),
            PublicJwk::Okp { x, .. } => DecodingKey::from_ed_components(x),
        }
        .map_err(|_| UNUSABLE)
    }
}

/// Whether `thumbprint` equals `cnf_jkt`, in time independent of where they
/// differ.
pub(super) fn thumbprint_matches(thumbprint: &str, cnf_jkt: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(thumbprint.as_bytes(), cnf_jkt.as_bytes())
        .is_ok()
}

/// The RFC 7638 thumbprint of a public JWK of a supported type, whatever
/// its other members (for the test helpers).
#[cfg(any(test, feature = "testing"))]
pub(crate) fn thumbprint_of_jwk(jwk: &Map<String, Value>) -> Option<String> {
    read_public(jwk).ok().map(|key| key.thumbprint())
}

#[cfg(test)]
mod tests;
