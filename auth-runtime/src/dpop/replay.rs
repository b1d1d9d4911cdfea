//! Replay: a proof's `jti` is accepted once within its window. A
//! [`ReplayStore`] records it; [`MemoryReplayStore`] is the bounded default.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use super::{DpopConfig, DpopError, VerifiedProof};

/// What a replay store records a proof under: a SHA-256 of the proof's
/// `jti` and the token's key thumbprint. It holds nothing of the proof or the
/// token that could be used again.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplayKey([u8; 32]);

impl ReplayKey {
    /// A key from its 32 bytes (for tests of a store).
    #[cfg(test)]
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> ReplayKey {
        ReplayKey(bytes)
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key of a proof: its client key's thumbprint, its normalised
    /// `htu` and its `jti`, each length-prefixed so that no two triples
    /// share an encoding.
    pub(super) fn of(jkt: &str, htu: &str, jti: &str) -> ReplayKey {
        let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        context.update(b"auth-runtime dpop jti v1");
        for part in [jkt, htu, jti] {
            context.update(&(part.len() as u64).to_be_bytes());
            context.update(part.as_bytes());
        }
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(context.finish().as_ref());
        ReplayKey(bytes)
    }
}

impl std::fmt::Debug for ReplayKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReplayKey(..)")
    }
}

/// Whether a proof was new to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// First seen: now recorded until its expiry.
    Fresh,
    /// Seen before, and still inside its window.
    Replayed,
}

/// The store could not answer, or could not record the proof: the proof is
/// then refused (503), never accepted unchecked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreUnavailable;

impl std::fmt::Display for StoreUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the DPoP replay store cannot record proofs right now")
    }
}

impl std::error::Error for StoreUnavailable {}

/// The future a [`ReplayStore`] answers with.
pub type StoreFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Freshness, StoreUnavailable>> + Send + 'a>>;

/// Where seen proofs are recorded. Several instances of a service share one
/// store (for example `RedisReplayStore`, with the `redis` feature) so
/// that a proof accepted by one is a replay at all
/// the others.
///
/// An implementation must record atomically (a check then a separate write
/// lets two concurrent requests both pass), and must answer
/// [`StoreUnavailable`] whenever it cannot record: a store never accepts a
/// proof it did not record. The validator bounds each call with the
/// `dpop_replay_timeout`, and a call past it counts as unavailable.
pub trait ReplayStore: Send + Sync + std::fmt::Debug {
    /// Records `key` until `expires_at` (Unix seconds; `now` is the
    /// caller's clock, for stores that keep time themselves) unless it is
    /// recorded already and not expired.
    fn check_and_record<'a>(
        &'a self,
        key: &'a ReplayKey,
        now: u64,
        expires_at: u64,
    ) -> StoreFuture<'a>;

    /// Asks whether the store can be reached now, for readiness: called
    /// in the background, never on a request (at the retry interval while
    /// the store is down, less often while it is up), bounded by the
    /// `dpop_replay_timeout`. `Ok` when it answered. `None`, the default:
    /// the store lives in this process and is always reachable, so
    /// readiness does not track it.
    fn probe(&self) -> Option<ProbeFuture<'_>> {
        None
    }
}

/// What [`ReplayStore::probe`] returns: `Ok` when the store answered.
pub type ProbeFuture<'a> = Pin<Box<dyn Future<Output = Result<(), StoreUnavailable>> + Send + 'a>>;

/// The replay step, after [`verify_proof`](super::verify_proof) succeeded:
/// records the proof in `store`, within the configured timeout. A replayed
/// proof is [`DpopError::InvalidProof`]; a store that cannot record it in
/// time is [`DpopError::ReplayStoreUnavailable`].
pub(crate) async fn check_replay(
    store: &dyn ReplayStore,
    proof: &VerifiedProof,
    config: &DpopConfig,
    now: u64,
) -> Result<(), DpopError> {
    let call = store.check_and_record(proof.replay_key(), now, proof.replay_expires_at());
    match tokio::time::timeout(config.replay_store_timeout, call).await {
        Ok(Ok(Freshness::Fresh)) => Ok(()),
        Ok(Ok(Freshness::Replayed)) => {
            crate::telemetry::dpop_replay();
            Err(DpopError::InvalidProof(
                "The DPoP proof was used before (its jti was seen)",
            ))
        }
        Ok(Err(StoreUnavailable)) | Err(_) => Err(DpopError::ReplayStoreUnavailable),
    }
}

/// The in-memory replay cache of one process: at most `capacity` proofs,
/// each forgotten when its window ends.
///
/// A proof is kept under the first 16 bytes of its key (a collision needs
/// 2^64 proofs). When the cache is full of proofs still inside their
/// window, a new proof is not accepted but answered [`StoreUnavailable`]:
/// a flood of fresh proofs cannot grow memory past the bound, nor push out
/// a recorded proof so that it could be replayed. Each call first forgets
/// up to a few expired entries, oldest expiry first, so a steady stream
/// keeps the cache clean; one that finds the cache full forgets every
/// expired entry before it decides.
#[derive(Debug)]
pub struct MemoryReplayStore {
    capacity: usize,
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    /// Key to expiry.
    by_key: HashMap<[u8; 16], u64>,
    /// The same entries, soonest expiry first.
    by_expiry: BinaryHeap<Reverse<(u64, [u8; 16])>>,
}

/// Expired entries forgotten by each call, besides those a full cache makes
/// room from.
const EVICTIONS_PER_CALL: usize = 8;

impl MemoryReplayStore {
    /// A cache of at most `capacity` proofs (see
    /// the `dpop_replay_capacity` setting
    /// for what an entry costs); with 0, every proof is refused.
    pub fn new(capacity: usize) -> MemoryReplayStore {
        MemoryReplayStore {
            capacity,
            inner: Mutex::new(Entries::default()),
        }
    }

    /// How many proofs are recorded now (expired ones not yet forgotten
    /// included).
    pub fn len(&self) -> usize {
        self.lock().by_key.len()
    }

    /// Whether no proof is recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock cannot leave the two indexes
        // inconsistent in a way that accepts a replay: both are written
        // after every check.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The synchronous body of [`ReplayStore::check_and_record`].
    fn record(
        &self,
        key: &ReplayKey,
        now: u64,
        expires_at: u64,
    ) -> Result<Freshness, StoreUnavailable> {
        let mut short = [0u8; 16];
        short.copy_from_slice(key.as_bytes().get(..16).unwrap_or(&[0u8; 16]));
        let mut entries = self.lock();
        entries.forget_expired(now, EVICTIONS_PER_CALL);
        if entries.by_key.get(&short).is_some_and(|&until| until > now) {
            return Ok(Freshness::Replayed);
        }
        if entries.by_key.len() >= self.capacity {
            entries.forget_expired(now, usize::MAX);
            // An expired entry for this key, if still there, is replaced.
            if entries.by_key.len() >= self.capacity && !entries.by_key.contains_key(&short) {
                return Err(StoreUnavailable);
            }
        }
        entries.by_key.insert(short, expires_at);
        entries.by_expiry.push(Reverse((expires_at, short)));
        Ok(Freshness::Fresh)
    }
}

impl Entries {
    /// Forgets up to `limit` entries whose expiry is `now` or earlier.
    fn forget_expired(&mut self, now: u64, limit: usize) {
        for _ in 0..limit {
            match self.by_expiry.peek() {
                Some(Reverse((until, _))) if *until <= now => {}
                _ => return,
            }
            let Some(Reverse((until, key))) = self.by_expiry.pop() else {
                return;
            };
            // The map may hold a newer expiry for the key (an expired entry
            // replaced): only the entry this heap item describes goes.
            if self.by_key.get(&key) == Some(&until) {
                self.by_key.remove(&key);
            }
        }
    }
}

impl ReplayStore for MemoryReplayStore {
    fn check_and_record<'a>(
        &'a self,
        key: &'a ReplayKey,
        now: u64,
        expires_at: u64,
    ) -> StoreFuture<'a> {
        let answer = self.record(key, now, expires_at);
        Box::pin(std::future::ready(answer))
    }
}

#[cfg(test)]
mod tests;
