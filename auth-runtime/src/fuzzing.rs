//! Entry points for the fuzz targets in `fuzz/` (cargo feature `fuzzing`):
//! thin wrappers over internals, so that each target runs exactly the code a
//! request runs. Not public API: no stability, no semver, no docs.rs page.
//!
//! A whole validation needs no entry point of its own: [`Validator`] is
//! public. A DPoP proof's verification is `dpop::verify`.
//!
//! [`Validator`]: crate::validator::Validator

use std::fmt;

use crate::config::Algorithm;
use crate::error::AuthError;
use crate::jwks::parse::{self, SetError};
use crate::validator::{jws, router};

/// The settings' defaults the fuzz targets check against, as declared in
/// config/settings.rs (the library's own values, never copies).
pub mod defaults {
    use std::time::Duration;

    use crate::config::{defaults, Algorithm};

    /// The default `algorithms`.
    pub fn algorithms() -> Vec<Algorithm> {
        defaults::algorithms()
    }
    /// The default `dpop_algorithms`.
    pub fn dpop_algorithms() -> Vec<Algorithm> {
        defaults::dpop_algorithms()
    }
    /// The default `leeway`.
    pub fn leeway() -> Duration {
        defaults::leeway()
    }
    /// The default `max_token_bytes`.
    pub fn max_token_bytes() -> usize {
        defaults::max_token_bytes()
    }
}

/// The bearer token of an `Authorization` header value, as the guards read it.
pub fn header_to_token(value: &str) -> Result<&str, AuthError> {
    crate::extract::extract_bearer(value)
}

/// What a token's header says, as the validator reads it before choosing a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHeader {
    /// `alg`.
    pub alg: Algorithm,
    /// `kid`, if present.
    pub kid: Option<String>,
    /// `typ`, if present.
    pub typ: Option<String>,
    /// Whether `typ` is RFC 9068's `at+jwt` (what the strict mode demands).
    pub access_token_type: bool,
}

/// Parses the header of `token` (its first `.`-separated segment).
pub fn token_header(token: &str) -> Result<TokenHeader, AuthError> {
    let header = jws::parse_header(token)?;
    Ok(TokenHeader {
        access_token_type: jws::is_access_token_type(header.typ.as_deref()),
        alg: header.alg,
        kid: header.kid,
        typ: header.typ,
    })
}

/// The payload's `iss`, read without verification, as several issuers'
/// router reads it to pick a validator.
pub fn unverified_issuer(token: &str) -> Result<Option<String>, AuthError> {
    router::unverified_issuer(token)
}

/// One error of each kind, with empty texts where a kind carries one.
pub fn one_of_each() -> [AuthError; 19] {
    AuthError::one_of_each()
}

/// The short reason an error is logged with.
pub fn log_reason(error: &AuthError) -> &str {
    error.log_reason()
}

/// A URL in the form a DPoP proof's `htu` is compared in (`dpop/htu.rs`),
/// or `None` when it is not an absolute URL.
pub fn htu_normalize(url: &str) -> Option<String> {
    crate::dpop::htu::normalize(url)
}

/// One usable key of a key set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Its `kid`, if it has one.
    pub kid: Option<String>,
    /// The algorithms it may verify.
    pub algorithms: Vec<Algorithm>,
}

/// A parsed key set.
#[derive(Debug)]
pub struct KeySet(parse::KeySet);

impl KeySet {
    /// How many usable keys it holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds no key (a parsed set never does).
    pub fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// Every key: those with a `kid` sorted by `kid`, then the others in
    /// the document's order.
    pub fn keys(&self) -> Vec<Key> {
        let mut keys: Vec<Key> = self
            .0
            .keys()
            .map(|(kid, key)| Key {
                kid: kid.map(str::to_owned),
                algorithms: key.algorithms.clone(),
            })
            .collect();
        // Stable: the keys without `kid` keep their order.
        keys.sort_by(|a, b| match (&a.kid, &b.kid) {
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        keys
    }

    /// The algorithms of the key that a token with this `kid` (or none)
    /// would be verified with.
    pub fn algorithms_for(&self, kid: Option<&str>) -> Option<Vec<Algorithm>> {
        self.0.get(kid).map(|key| key.algorithms.clone())
    }
}

/// Why a document is not a usable key set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySetError {
    /// Not JSON, or no `keys` array.
    NotAKeySet,
    /// No key in it can verify an allowed algorithm.
    NoUsableKey,
}

impl fmt::Display for KeySetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySetError::NotAKeySet => SetError::NotAKeySet.fmt(f),
            KeySetError::NoUsableKey => f.write_str("key set holds no usable signing key"),
        }
    }
}

/// Parses a key-set document as a fetch does, with the default algorithms.
pub fn key_set(body: &[u8]) -> Result<KeySet, KeySetError> {
    key_set_allowing(body, &defaults::algorithms())
}

/// Parses a key-set document, keeping the keys that can verify one of `allowed`.
pub fn key_set_allowing(body: &[u8], allowed: &[Algorithm]) -> Result<KeySet, KeySetError> {
    // A well-formed set with no usable key is an answer for the cache (it
    // replaces the keys); for the fuzz targets it is this error.
    match parse::parse_key_set(body, allowed) {
        Ok(set) if set.is_empty() => Err(KeySetError::NoUsableKey),
        Ok(set) => Ok(KeySet(set)),
        Err(SetError::NotAKeySet) => Err(KeySetError::NotAKeySet),
    }
}

/// A DPoP proof's verification (RFC 9449 section 4.3, all but the replay
/// check), as the validator runs it with the default DPoP settings.
pub mod dpop {
    use std::time::Duration;

    /// The largest proof read.
    pub const MAX_PROOF_BYTES: usize = crate::dpop::MAX_PROOF_BYTES;
    /// The longest `jti` accepted.
    pub const MAX_JTI_BYTES: usize = crate::dpop::MAX_JTI_BYTES;

    /// Server nonces sealed with one secret.
    #[derive(Debug)]
    pub struct Nonces(crate::dpop::Nonces);

    impl Nonces {
        /// Nonces of `secret` (at least 32 bytes), valid `window`.
        pub fn from_secret(secret: &[u8], window: Duration) -> Option<Nonces> {
            crate::dpop::Nonces::from_secret(secret, window)
                .ok()
                .map(Nonces)
        }

        /// A nonce issued at `now` (Unix seconds).
        pub fn issue(&self, now: u64) -> String {
            self.0.issue(now)
        }

        /// Whether `nonce` is current at `now`.
        pub fn check(&self, nonce: &str, now: u64) -> bool {
            self.0.check(nonce, now).is_ok()
        }
    }

    /// A proof that verified.
    #[derive(Debug, PartialEq, Eq)]
    pub struct VerifiedProof(crate::dpop::VerifiedProof);

    /// Why a proof was refused (displayed as `code: description`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Refusal(crate::dpop::DpopError);

    impl Refusal {
        /// The HTTP status it is answered with.
        pub fn status(&self) -> u16 {
            crate::AuthError::from(self.0).status()
        }

        /// Its JSON code.
        pub fn code(&self) -> &'static str {
            self.0.code()
        }

        /// Its description.
        pub fn description(&self) -> &'static str {
            self.0.description()
        }
    }

    impl std::fmt::Display for Refusal {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.0.fmt(f)
        }
    }

    impl VerifiedProof {
        /// Until when (Unix seconds) its `jti` must be remembered.
        pub fn replay_expires_at(&self) -> u64 {
            self.0.replay_expires_at()
        }
    }

    /// Verifies `proof` for a request `method` `url` with the access
    /// `token` bound to the key thumbprint `jkt`, at `now`, with the default
    /// settings and, when given, server `nonces`.
    pub fn verify(
        proof: &str,
        method: &str,
        url: &str,
        token: &str,
        jkt: &str,
        nonces: Option<&Nonces>,
        now: u64,
    ) -> Result<VerifiedProof, Refusal> {
        let expected = crate::dpop::Expectation::new(method, url, token, jkt);
        let expected = match nonces {
            Some(nonces) => expected.with_nonces(&nonces.0),
            None => expected,
        };
        let config = crate::dpop::DpopConfig::default();
        crate::dpop::verify_proof(proof, &expected, &config, now)
            .map(VerifiedProof)
            .map_err(Refusal)
    }
}

#[cfg(test)]
mod tests;
