//! The verified-token cache: the SHA-256 of a whole token to what its full
//! verification found, bounded in entries.

use std::sync::Arc;
use std::time::Instant;

use crate::claims::Claims;
use crate::jwks::VerifyKey;

/// Verified tokens, keyed by the SHA-256 of the whole token.
pub(super) struct TokenCache {
    entries: quick_cache::sync::Cache<[u8; 32], Arc<Verified>>,
    /// Its hits and misses (`auth_token_cache_*_total`).
    pub(super) counters: crate::telemetry::TokenCacheCounters,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("len", &self.entries.len())
            .finish()
    }
}

/// A token that passed every check, and what its cache entry depends on.
pub(super) struct Verified {
    pub(super) claims: Claims,
    /// `exp`, as validated.
    pub(super) expires: u64,
    /// `iat`, if the token has one: a maximum token age is checked on hits.
    pub(super) issued_at: Option<u64>,
    /// `iat` rounded up, if the token has one: a hit is refused once it is
    /// in the future beyond the leeway (the wall clock stepped back), as
    /// the full check compares the unrounded `iat` with the whole seconds
    /// of the clock.
    pub(super) issued_at_ceil: Option<u64>,
    /// `nbf`, if the token has one, as validated: a hit is refused once it
    /// is in the future beyond the leeway (the wall clock stepped back).
    pub(super) not_before: Option<u64>,
    /// The key that verified it: the entry dies when the set drops it.
    pub(super) kid: Option<String>,
    pub(super) key: Arc<VerifyKey>,
    pub(super) cached_at: Instant,
}

impl TokenCache {
    pub(super) fn new(capacity: usize) -> TokenCache {
        TokenCache {
            entries: quick_cache::sync::Cache::new(capacity),
            counters: crate::telemetry::TokenCacheCounters::register(),
        }
    }

    pub(super) fn get(&self, digest: &[u8; 32]) -> Option<Arc<Verified>> {
        self.entries.get(digest)
    }

    pub(super) fn remove(&self, digest: &[u8; 32]) {
        self.entries.remove(digest);
    }

    pub(super) fn insert(&self, digest: [u8; 32], verified: Verified) {
        self.entries.insert(digest, Arc::new(verified));
    }
}

/// The cache key of `token`.
pub(super) fn sha256(token: &str) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}
