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

/// The proof algorithms accepted by default: asymmetric ones only.
pub const DEFAULT_DPOP_ALGORITHMS: [Algorithm; 5] = [
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::PS256,
    Algorithm::RS256,
    Algorithm::EdDSA,
];
/// How old a proof's `iat` may be by default.
pub const DEFAULT_DPOP_PROOF_MAX_AGE: Duration = Duration::from_secs(300);
/// How far ahead of our clock a proof's `iat` may be by default.
pub const DEFAULT_DPOP_PROOF_MAX_AHEAD: Duration = Duration::from_secs(30);
/// How many proofs the in-memory replay cache holds by default. An entry
/// costs about 50 bytes (a 16-byte key in a hash map and in an expiry heap,
/// with their slack), so the cache stays under about 13 MiB; at the default
/// proof window an entry lives at most 331 s, so this sustains about 600
/// fresh proofs per second, above which DPoP requests get the 503 until
/// entries expire (use a shared store, or a larger bound, for more).
pub const DEFAULT_DPOP_REPLAY_CAPACITY: usize = 200_000;
/// How long one replay-store call may take before the store counts as
/// unreachable (503).
pub const DEFAULT_DPOP_REPLAY_STORE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a server nonce stays valid by default.
pub const DEFAULT_DPOP_NONCE_WINDOW: Duration = Duration::from_secs(300);
/// A proof longer than this is refused before anything of it is parsed
/// (an RSA-4096 proof is under 2 KiB).
pub(crate) const MAX_PROOF_BYTES: usize = 8 * 1024;
/// The longest `jti` accepted.
pub(crate) const MAX_JTI_BYTES: usize = 512;

/// The DPoP settings, each defaulting to its `DEFAULT_DPOP_*` constant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DpopConfig {
    /// The proof algorithms accepted ([`DEFAULT_DPOP_ALGORITHMS`]). HMAC
    /// algorithms are refused whatever this says.
    pub(crate) algorithms: Vec<Algorithm>,
    /// [`DEFAULT_DPOP_PROOF_MAX_AGE`].
    pub(crate) proof_max_age: Duration,
    /// [`DEFAULT_DPOP_PROOF_MAX_AHEAD`].
    pub(crate) proof_max_ahead: Duration,
    /// [`DEFAULT_DPOP_REPLAY_CAPACITY`].
    pub(crate) replay_capacity: usize,
    /// [`DEFAULT_DPOP_REPLAY_STORE_TIMEOUT`].
    pub(crate) replay_store_timeout: Duration,
    /// [`DEFAULT_DPOP_NONCE_WINDOW`].
    pub(crate) nonce_window: Duration,
}

impl Default for DpopConfig {
    fn default() -> DpopConfig {
        DpopConfig {
            algorithms: DEFAULT_DPOP_ALGORITHMS.to_vec(),
            proof_max_age: DEFAULT_DPOP_PROOF_MAX_AGE,
            proof_max_ahead: DEFAULT_DPOP_PROOF_MAX_AHEAD,
            replay_capacity: DEFAULT_DPOP_REPLAY_CAPACITY,
            replay_store_timeout: DEFAULT_DPOP_REPLAY_STORE_TIMEOUT,
            nonce_window: DEFAULT_DPOP_NONCE_WINDOW,
        }
    }
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
