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
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(object) => object,
            _ => Map::new(),
        }
    }

    /// RFC 7638 section 3.1.
    #[test]
    fn rfc7638_example_thumbprint() {
        let jwk = object(json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        }));
        assert_eq!(
            thumbprint_of_jwk(&jwk).as_deref(),
            Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        );
    }

    /// RFC 9449 section 6.1: the thumbprint of the key of its example proofs.
    #[test]
    fn rfc9449_example_key_thumbprint() {
        let jwk = object(json!({
            "kty": "EC",
            "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
            "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
            "crv": "P-256"
        }));
        assert_eq!(
            thumbprint_of_jwk(&jwk).as_deref(),
            Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")
        );
    }

    #[test]
    fn private_members_are_refused_by_name() {
        for member in PRIVATE_MEMBERS {
            let mut jwk = object(json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}));
            jwk.insert(member.into(), json!("AA"));
            assert_eq!(
                public_key_for(&jwk, Algorithm::ES256),
                Err(PRIVATE),
                "{member}"
            );
        }
    }

    #[test]
    fn symmetric_and_unknown_keys_are_refused() {
        let oct = object(json!({"kty": "oct", "alg": "HS256"}));
        assert_eq!(public_key_for(&oct, Algorithm::ES256), Err(SYMMETRIC));
        for jwk in [
            json!({"kty": "EC", "crv": "P-256", "x": "AA"}),
            json!({"kty": "EC", "crv": "P-256", "x": 1, "y": "AA"}),
            json!({"kty": "XYZ"}),
            json!({"kty": 7}),
            json!({}),
        ] {
            assert_eq!(
                public_key_for(&object(jwk), Algorithm::ES256),
                Err(UNUSABLE)
            );
        }
    }

    #[test]
    fn an_empty_required_member_makes_the_key_unusable() {
        for (jwk, alg) in [
            (
                json!({"kty": "RSA", "n": "", "e": "AQAB"}),
                Algorithm::RS256,
            ),
            (
                json!({"kty": "RSA", "n": "sXch", "e": ""}),
                Algorithm::RS256,
            ),
            (
                json!({"kty": "EC", "crv": "P-256", "x": "", "y": "AA"}),
                Algorithm::ES256,
            ),
            (
                json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": ""}),
                Algorithm::ES256,
            ),
            (
                json!({"kty": "OKP", "crv": "Ed25519", "x": ""}),
                Algorithm::EdDSA,
            ),
        ] {
            assert_eq!(
                public_key_for(&object(jwk.clone()), alg),
                Err(UNUSABLE),
                "{jwk}"
            );
            assert_eq!(thumbprint_of_jwk(&object(jwk.clone())), None, "{jwk}");
        }
    }

    #[test]
    fn the_key_must_fit_the_alg_and_its_own_alg() {
        let p256 = json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"});
        let p384 = json!({"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"});
        let ed = json!({"kty": "OKP", "crv": "Ed25519", "x": "AA"});
        let x448 = json!({"kty": "OKP", "crv": "X448", "x": "AA"});
        let rsa = json!({"kty": "RSA", "n": "AA", "e": "AQAB"});
        let rsa_ps = json!({"kty": "RSA", "n": "AA", "e": "AQAB", "alg": "PS256"});
        let cases = [
            (&p256, Algorithm::ES256, true),
            (&p256, Algorithm::ES384, false),
            (&p384, Algorithm::ES384, true),
            (&p256, Algorithm::RS256, false),
            (&ed, Algorithm::EdDSA, true),
            (&x448, Algorithm::EdDSA, false),
            (&rsa, Algorithm::PS256, true),
            (&rsa, Algorithm::EdDSA, false),
            (&rsa_ps, Algorithm::PS256, true),
            (&rsa_ps, Algorithm::RS256, false),
        ];
        for (jwk, alg, ok) in cases {
            let jwk_object = object(jwk.clone());
            let got = public_key_for(&jwk_object, alg);
            assert_eq!(got.is_ok(), ok, "{jwk} with {alg:?}");
            if !ok {
                assert_eq!(got, Err(WRONG_ALG));
            }
        }
    }

    #[test]
    fn members_outside_base64url_give_no_key() {
        let key = PublicJwk::Ec {
            crv: "P-256",
            x: "not base64!",
            y: "AA",
        };
        assert!(matches!(key.decoding_key(), Err(UNUSABLE)));
    }

    #[test]
    fn thumbprints_compare_exactly() {
        assert!(thumbprint_matches("abc", "abc"));
        assert!(!thumbprint_matches("abc", "abd"));
        assert!(!thumbprint_matches("abc", "abcd"));
        assert!(!thumbprint_matches("abc", ""));
    }
}
