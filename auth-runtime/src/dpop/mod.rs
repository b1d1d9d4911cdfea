//! DPoP sender-constrained tokens (RFC 9449): what an application names
//! to share proofs' replay records between instances.
//!
//! A request presenting `Authorization: DPoP <token>` carries a `DPoP:
//! <proof>` header, a JWS signed by the client's key. After the token itself
//! verified (and gave its `cnf.jkt`), the validator checks the proof in
//! this order: structure, header (`typ`, `alg`, a public `jwk` whose RFC 7638
//! thumbprint equals `cnf.jkt`), signature, the claims (`jti`, `htm`, `htu`,
//! `iat`, `ath`), the server nonce when nonces are on (401
//! `use_dpop_nonce` only for a proof good in every other respect), and last
//! the replay check: the proof's `jti` is recorded in a [`ReplayStore`]. A
//! proof seen before is refused, and a store that cannot record it refuses
//! it too (503 `replay_store_unavailable`), so that only a proof valid in
//! every other way takes a place in the store.
//!
//! The store is in memory by default ([`MemoryReplayStore`], bounded by
//! `dpop_replay_capacity`); several instances share one through
//! `AuthConfigBuilder::dpop_replay_redis` (feature `redis`) or a
//! [`ReplayStore`] of your own given to `AuthConfigBuilder::dpop_replay_store`:
//!
//! ```
//! use auth_runtime::dpop::{Freshness, ReplayKey, ReplayStore, StoreFuture, StoreUnavailable};
//!
//! /// Records in a store of yours (a database, say); refuses when it cannot.
//! #[derive(Debug)]
//! struct MyStore;
//!
//! impl ReplayStore for MyStore {
//!     fn check_and_record<'a>(&'a self, key: &'a ReplayKey, now: u64, expires_at: u64) -> StoreFuture<'a> {
//!         Box::pin(async move {
//!             let _ = (key.as_bytes(), now, expires_at); // INSERT ... unless present
//!             Err::<Freshness, _>(StoreUnavailable)
//!         })
//!     }
//! }
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
pub(crate) use self::redis::RedisReplayStore;
pub(crate) use error::DpopError;
pub(crate) use nonce::{Nonces, MIN_NONCE_SECRET_BYTES, PER_PROCESS_NONCE_WARNING};
pub(crate) use proof::{verify_proof, Expectation, VerifiedProof};
pub(crate) use replay::check_replay;
pub use replay::{
    Freshness, MemoryReplayStore, ProbeFuture, ReplayKey, ReplayStore, StoreFuture,
    StoreUnavailable,
};

// For the test helpers.
#[cfg(any(test, feature = "testing"))]
pub(crate) use jwk::thumbprint_of_jwk;
#[cfg(any(test, feature = "testing"))]
pub(crate) use proof::access_token_hash;

/// A proof longer than this is refused before anything of it is parsed
/// (an RSA-4096 proof is under 2 KiB).
pub(crate) const MAX_PROOF_BYTES: usize = 8 * 1024;
/// The longest `jti` accepted.
pub(crate) const MAX_JTI_BYTES: usize = 512;

/// The DPoP settings, each defaulting to its declaration in
/// config/settings.rs (`dpop_algorithms`, `dpop_proof_max_age`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DpopConfig {
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
    pub(crate) fn replay_capacity(&self) -> usize {
        self.replay_capacity
    }

    /// The validity window of server nonces, for [`Nonces`].
    pub(crate) fn nonce_window(&self) -> Duration {
        self.nonce_window
    }

    /// The value of the challenge's `algs` attribute (RFC 9449 section 7.1):
    /// the accepted algorithms, space-separated.
    pub(crate) fn algs_challenge(&self) -> String {
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
