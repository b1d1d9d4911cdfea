//! The verified-token cache: a whole token to what its full verification
//! found, bounded in entries.
//!
//! An entry keeps the token itself, and a hit compares it with the
//! presented one byte for byte, in constant time: a hit needs the very
//! token that was verified, whatever the hash does. The hash only places
//! entries (foldhash, seeded at random per cache, over the token's length
//! and the end of its signature); it was SHA-256 of the
//! whole token until issue 31 measured that SHA-256 was most of what a
//! cached request cost. A flood of colliding hashes would need verified
//! tokens, which an attacker cannot mint: only tokens that pass every check
//! are inserted.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Instant;

use crate::claims::Claims;
use crate::jwks::VerifyKey;

/// Verified tokens, keyed by the whole token.
pub(super) struct TokenCache {
    entries: quick_cache::sync::Cache<TokenKey, Arc<Verified>>,
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

    pub(super) fn get(&self, token: &str) -> Option<Arc<Verified>> {
        self.entries.get(&Presented(token))
    }

    pub(super) fn remove(&self, token: &str) {
        self.entries.remove(&Presented(token));
    }

    pub(super) fn insert(&self, token: &str, verified: Verified) {
        self.entries
            .insert(TokenKey(token.into()), Arc::new(verified));
    }
}

/// A cached token, as the cache's key; its bytes are wiped when the entry
/// goes (evicted, expired, removed), so that a bearer credential does not
/// linger in freed memory.
struct TokenKey(Box<str>);

impl Drop for TokenKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut *self.0);
    }
}

/// A presented token, looked up without copying it.
struct Presented<'a>(&'a str);

/// How many of a token's last bytes its hash reads.
const HASHED_TAIL: usize = 32;

/// The one hash of a token, for [`TokenKey`] and [`Presented`] alike: its
/// length and its last [`HASHED_TAIL`] bytes, the end of its signature,
/// which no two verified tokens share (a signature is not something a
/// client can choose). Tokens that hash alike are still told apart by
/// [`same_token`]; the hash only spreads the entries.
fn hash_token<H: Hasher>(token: &str, state: &mut H) {
    let bytes = token.as_bytes();
    state.write_usize(bytes.len());
    let (_, tail) = bytes.split_at(bytes.len().saturating_sub(HASHED_TAIL));
    state.write(tail);
}

/// Whether two tokens are the same, in time that depends only on their
/// lengths (a cached token is a bearer credential: how far a guess matches
/// it must not show in the time a lookup takes).
fn same_token(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

impl Hash for TokenKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_token(&self.0, state);
    }
}

impl PartialEq for TokenKey {
    fn eq(&self, other: &TokenKey) -> bool {
        same_token(&self.0, &other.0)
    }
}

impl Eq for TokenKey {}

impl Hash for Presented<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_token(self.0, state);
    }
}

impl quick_cache::Equivalent<TokenKey> for Presented<'_> {
    fn equivalent(&self, key: &TokenKey) -> bool {
        same_token(self.0, &key.0)
    }
}

#[cfg(test)]
mod tests;
