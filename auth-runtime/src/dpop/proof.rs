//! [`verify_proof`]: every check of RFC 9449 section 4.3 but the replay one.

use base64::Engine;
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};

use super::jwk::{public_key_for, thumbprint_matches};
use super::strict::decode_object;
use super::{htu, is_asymmetric, DpopConfig, DpopError, Nonces, ReplayKey};
use super::{MAX_JTI_BYTES, MAX_PROOF_BYTES};

/// What a proof must match: the request and the token it comes with.
#[derive(Clone, Copy)]
pub(crate) struct Expectation<'a> {
    pub(crate) method: &'a str,
    pub(crate) url: &'a str,
    pub(crate) access_token: &'a str,
    pub(crate) cnf_jkt: &'a str,
    pub(crate) nonces: Option<&'a Nonces>,
}

impl std::fmt::Debug for Expectation<'_> {
    // The token is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expectation")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("cnf_jkt", &self.cnf_jkt)
            .field("nonces", &self.nonces.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a> Expectation<'a> {
    /// The request's `method` (compared exactly with `htm`), its full `url`
    /// (any form: normalised, and its query and fragment ignored, before it
    /// is compared with `htu`), the `access_token` of its `Authorization:
    /// DPoP` header (for `ath`) and that token's verified `cnf.jkt`.
    pub(crate) fn new(
        method: &'a str,
        url: &'a str,
        access_token: &'a str,
        cnf_jkt: &'a str,
    ) -> Expectation<'a> {
        Expectation {
            method,
            url,
            access_token,
            cnf_jkt,
            nonces: None,
        }
    }

    /// Also requires a current server nonce from `nonces` in the proof's
    /// `nonce` claim.
    pub(crate) fn with_nonces(self, nonces: &'a Nonces) -> Expectation<'a> {
        Expectation {
            nonces: Some(nonces),
            ..self
        }
    }
}

/// A proof that passed [`verify_proof`], still to be recorded by
/// [`check_replay`](super::check_replay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VerifiedProof {
    replay_key: ReplayKey,
    replay_expires_at: u64,
}

impl VerifiedProof {
    /// The key under which a replay store records this proof: the SHA-256
    /// of the token's `cnf.jkt`, the normalised `htu` and the `jti`, each
    /// prefixed by its length. RFC 9449 section 11.1 asks for `jti` to be
    /// unique "in the context of the target URI"; the key thumbprint also
    /// keeps one client's `jti`s from ever colliding with another's.
    pub(crate) fn replay_key(&self) -> &ReplayKey {
        &self.replay_key
    }

    /// Until when (Unix seconds) the proof must be remembered: past it, its
    /// `iat` is out of the window and the proof is refused anyway.
    pub(crate) fn replay_expires_at(&self) -> u64 {
        self.replay_expires_at
    }
}

#[cfg(test)]
impl VerifiedProof {
    /// A verified proof with this key and expiry, for tests of the replay step.
    pub(super) fn for_tests(replay_key: ReplayKey, replay_expires_at: u64) -> VerifiedProof {
        VerifiedProof {
            replay_key,
            replay_expires_at,
        }
    }
}

fn invalid(why: &'static str) -> DpopError {
    DpopError::InvalidProof(why)
}

/// Verifies a DPoP proof (the `DPoP` header's value) against the request and
/// token in `expected`, at `now` (Unix seconds). Checks, in this order, each
/// with its own [`DpopError::InvalidProof`] sentence:
///
/// 1. size ([`MAX_PROOF_BYTES`]), before anything is parsed;
/// 2. a compact JWS: three non-empty segments; a header of base64url JSON
///    naming no member twice, at any depth;
/// 3. header `typ` `dpop+jwt` (case-insensitively, `application/` optional,
///    as RFC 7515 section 4.1.9 allows);
/// 4. header `alg` in the configured list and asymmetric (never `none` or
///    `HS*`); no `crit`;
/// 5. header `jwk`: no private member (`d`, `p`, `q`, `dp`, `dq`, `qi`,
///    `oth`, `k`), not `oct`, a type and curve fit for `alg`, its own `alg`
///    (if any) equal to `alg`;
/// 6. its RFC 7638 thumbprint equal to `cnf.jkt` (before the signature, so
///    a proof by another key costs no signature check);
/// 7. the signature, by that key;
/// 8. the claims (base64url JSON naming no member twice): `jti` a non-empty
///    string of at most [`MAX_JTI_BYTES`]; `htm` equal to the method;
///    `htu` equal to the request URL, both normalised (see `htu.rs`);
///    `iat` a number within the window (`now` minus the maximum age to
///    `now` plus the maximum lead); `ath` the base64url SHA-256 of the token;
/// 9. when nonces are required, the `nonce` claim: a proof good in every
///    other respect but without a current nonce gets
///    [`DpopError::UseNonce`].
///
/// The replay check is the caller's next step:
/// [`check_replay`](super::check_replay), after this succeeded, so that
/// only proofs valid in every other way reach the store.
pub(crate) fn verify_proof(
    proof: &str,
    expected: &Expectation<'_>,
    config: &DpopConfig,
    now: u64,
) -> Result<VerifiedProof, DpopError> {
    if proof.len() > MAX_PROOF_BYTES {
        return Err(invalid("The DPoP proof is larger than the size limit"));
    }
    let Some([header, payload, signature]) = super::compact_segments(proof) else {
        return Err(invalid("The DPoP proof is not a compact JWS"));
    };
    if header.is_empty() || payload.is_empty() || signature.is_empty() {
        return Err(invalid("The DPoP proof is not a compact JWS"));
    }
    let header_json = decode_object(header).ok_or(invalid(
        "The DPoP proof's header is not base64url JSON with distinct members",
    ))?;
    check_typ(&header_json)?;
    let alg = check_alg(&header_json, config)?;
    let Some(Value::Object(jwk)) = header_json.get("jwk") else {
        return Err(invalid("The DPoP proof's header has no jwk object"));
    };
    let key = public_key_for(jwk, alg)?;
    if !thumbprint_matches(&key.thumbprint(), expected.cnf_jkt) {
        return Err(invalid(
            "The DPoP proof's key is not the one the token is bound to (cnf.jkt)",
        ));
    }
    check_signature(proof, signature, &key.decoding_key()?, alg)?;
    let claims = decode_object(payload).ok_or(invalid(
        "The DPoP proof's payload is not base64url JSON with distinct members",
    ))?;
    check_claims(&claims, expected, config, now)
}

fn check_typ(header: &Map<String, Value>) -> Result<(), DpopError> {
    let is_dpop = header
        .get("typ")
        .and_then(Value::as_str)
        .is_some_and(|typ| {
            let typ = match typ.get(..12) {
                Some(prefix) if prefix.eq_ignore_ascii_case("application/") => {
                    typ.get(12..).unwrap_or_default()
                }
                _ => typ,
            };
            typ.eq_ignore_ascii_case("dpop+jwt")
        });
    if is_dpop {
        Ok(())
    } else {
        Err(invalid("The DPoP proof's typ is not dpop+jwt"))
    }
}

fn check_alg(header: &Map<String, Value>, config: &DpopConfig) -> Result<Algorithm, DpopError> {
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(|alg| alg.parse::<Algorithm>().ok())
        .filter(|alg| is_asymmetric(*alg) && config.algorithms.contains(alg))
        .ok_or(invalid(
            "The DPoP proof's alg is not one of the allowed asymmetric algorithms",
        ))?;
    if header.contains_key("crit") {
        return Err(invalid(
            "The DPoP proof's header has crit extensions, none of which are supported",
        ));
    }
    Ok(alg)
}

fn check_signature(
    proof: &str,
    signature: &str,
    key: &jsonwebtoken::DecodingKey,
    alg: Algorithm,
) -> Result<(), DpopError> {
    crate::crypto::install_provider();
    // The signed message is everything before the last dot.
    let message = proof.rsplit_once('.').map_or("", |(message, _)| message);
    match jsonwebtoken::crypto::verify(signature, message.as_bytes(), key, alg) {
        Ok(true) => Ok(()),
        _ => Err(invalid("The DPoP proof's signature does not verify")),
    }
}

fn check_claims(
    claims: &Map<String, Value>,
    expected: &Expectation<'_>,
    config: &DpopConfig,
    now: u64,
) -> Result<VerifiedProof, DpopError> {
    let jti = match claims.get("jti") {
        Some(Value::String(jti)) if !jti.is_empty() && jti.len() <= MAX_JTI_BYTES => jti,
        _ => {
            return Err(invalid(
                "The DPoP proof has no jti, or one that is not a short string",
            ))
        }
    };
    if claims.get("htm").and_then(Value::as_str) != Some(expected.method) {
        return Err(invalid(
            "The DPoP proof's htm does not match the request method",
        ));
    }
    let request_url = htu::normalize(expected.url).ok_or(invalid(
        "The request URL cannot be formed to compare it with the DPoP proof's htu",
    ))?;
    let htu = claims
        .get("htu")
        .and_then(Value::as_str)
        .and_then(htu::normalize);
    if htu.as_deref() != Some(request_url.as_str()) {
        return Err(invalid(
            "The DPoP proof's htu does not match the request URL",
        ));
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_f64)
        .filter(|iat| iat.is_finite())
        .ok_or(invalid("The DPoP proof has no numeric iat"))?;
    let max_age = config.proof_max_age.as_secs();
    if iat < now.saturating_sub(max_age) as f64 {
        return Err(invalid("The DPoP proof is too old (iat)"));
    }
    if iat > now.saturating_add(config.proof_max_ahead.as_secs()) as f64 {
        return Err(invalid("The DPoP proof is issued in the future (iat)"));
    }
    let ath = access_token_hash(expected.access_token);
    match claims.get("ath") {
        Some(Value::String(claimed)) if claimed.as_bytes() == ath.as_bytes() => {}
        Some(_) => {
            return Err(invalid(
                "The DPoP proof's ath does not match the access token",
            ))
        }
        None => return Err(invalid("The DPoP proof has no ath")),
    }
    if let Some(nonces) = expected.nonces {
        match claims.get("nonce") {
            Some(Value::String(nonce)) => nonces.check(nonce, now)?,
            _ => return Err(DpopError::UseNonce),
        }
    }
    // In the window, so `iat` is between 0 and `now` plus the lead: the
    // proof is accepted until `iat` plus the maximum age, inclusive.
    let replay_expires_at = (iat.ceil() as u64)
        .saturating_add(max_age)
        .saturating_add(1);
    Ok(VerifiedProof {
        replay_key: ReplayKey::of(expected.cnf_jkt, &request_url, jti),
        replay_expires_at,
    })
}

/// The `ath` of a token: the base64url SHA-256 of its ASCII bytes (RFC 9449
/// section 4.2).
pub(crate) fn access_token_hash(token: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}
