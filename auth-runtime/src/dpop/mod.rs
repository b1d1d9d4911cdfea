//! DPoP sender-constrained tokens (RFC 9449), framework-free: proof
//! verification, replay stores and stateless server nonces.
//!
//! A request presenting `Authorization: DPoP <token>` carries a `DPoP:
//! <proof>` header, a JWS signed by the client's key. After the token itself
//! verified (and gave its `cnf.jkt`), the caller runs, in this order:
//!
//! 1. [`verify_proof`]: structure, header (`typ`, `alg`, a public `jwk`
//!    whose RFC 7638 thumbprint equals `cnf.jkt`), signature, then the
//!    claims (`jti`, `htm`, `htu`, `iat`, `ath`), then the server nonce
//!    when [`Nonces`] are given: a proof failing any other check gets
//!    [`DpopError::InvalidProof`], and only a proof good in every other
//!    respect gets [`DpopError::UseNonce`];
//! 2. [`check_replay`]: the proof's `jti` is recorded in a [`ReplayStore`];
//!    a proof seen before is refused, and a store that cannot record it
//!    refuses it too ([`DpopError::ReplayStoreUnavailable`], a 503).
//!
//! The replay store is consulted last, so that only a proof that is valid in
//! every other way takes a place in it.
//!
//! ```
//! use auth_runtime::dpop::{check_replay, verify_proof, DpopConfig, Expectation, MemoryReplayStore};
//!
//! # async fn demo(proof: &str, token: &str, cnf_jkt: &str) -> Result<(), auth_runtime::dpop::DpopError> {
//! let config = DpopConfig::default();
//! let store = MemoryReplayStore::new(config.replay_capacity());
//! let now = std::time::SystemTime::now()
//!     .duration_since(std::time::UNIX_EPOCH)
//!     .map_or(0, |elapsed| elapsed.as_secs());
//! let expected = Expectation::new("GET", "https://api.example.com/orders?page=2", token, cnf_jkt);
//! let proof = verify_proof(proof, &expected, &config, now)?;
//! check_replay(&store, &proof, &config, now).await?;
//! # Ok(()) }
//! ```

use std::time::Duration;

use jsonwebtoken::Algorithm;

mod error;
pub(crate) mod htu;
mod jwk;
mod nonce;
mod proof;
#[cfg(feature = "redis")]
mod redis;
mod replay;
mod strict;
pub(crate) use strict::compact_segments;
#[cfg(test)]
mod tests;

#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use self::redis::{RedisReplayStore, RedisStoreError};
pub use error::DpopError;
pub use nonce::{NonceSecretError, Nonces, MIN_NONCE_SECRET_BYTES, PER_PROCESS_NONCE_WARNING};
pub use proof::{verify_proof, Expectation, VerifiedProof};
pub use replay::{
    check_replay, Freshness, MemoryReplayStore, ReplayKey, ReplayStore, StoreFuture,
    StoreUnavailable,
};

// For the test helpers.
#[cfg(any(test, feature = "testing"))]
pub(crate) use jwk::thumbprint_of_jwk;
#[cfg(any(test, feature = "testing"))]
pub(crate) use proof::access_token_hash;

/// A proof longer than this is refused before anything of it is parsed
/// (an RSA-4096 proof is under 2 KiB).
pub const MAX_PROOF_BYTES: usize = 8 * 1024;
/// The longest `jti` accepted.
pub const MAX_JTI_BYTES: usize = 512;

/// The DPoP settings, each defaulting to its declaration in
/// config/settings.rs (`dpop_algorithms`, `dpop_proof_max_age`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpopConfig {
    /// The proof algorithms accepted (`dpop_algorithms`). HMAC
    /// algorithms are refused whatever this says.
    pub(crate) algorithms: Vec<Algorithm>,
    /// `dpop_proof_max_age`.
    pub(crate) proof_max_age: Duration,
    /// `dpop_proof_max_ahead`.
    pub(crate) proof_max_ahead: Duration,
    /// `dpop_replay_capacity`.
    pub(crate) replay_capacity: usize,
    /// `dpop_replay_timeout`.
    pub(crate) replay_store_timeout: Duration,
    /// `dpop_nonce_window`.
    pub(crate) nonce_window: Duration,
}

impl DpopConfig {
    /// The bound of the in-memory replay cache, for [`MemoryReplayStore::new`].
    pub fn replay_capacity(&self) -> usize {
        self.replay_capacity
    }

    /// The validity window of server nonces, for [`Nonces`].
    pub fn nonce_window(&self) -> Duration {
        self.nonce_window
    }

    /// The value of the challenge's `algs` attribute (RFC 9449 section 7.1):
    /// the accepted algorithms, space-separated.
    pub fn algs_challenge(&self) -> String {
        let names: Vec<String> = self
            .algorithms
            .iter()
            .filter(|alg| is_asymmetric(**alg))
            .map(|alg| format!("{alg:?}"))
            .collect();
        names.join(" ")
    }
}

pub(crate) fn is_asymmetric(alg: Algorithm) -> bool {
    !matches!(alg.family(), jsonwebtoken::AlgorithmFamily::Hmac)
}
