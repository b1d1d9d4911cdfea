//! The answer cache's key and entries, and the single-flight registration.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::sync::OnceCell;

use super::Outcome;

/// The SHA-256 of a token: the token itself is never kept.
pub(super) type Key = [u8; 32];

/// The key of `token`.
pub(super) fn key(token: &str) -> Key {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let mut key = [0u8; 32];
    key.copy_from_slice(digest.as_ref());
    key
}

/// A cached answer and when it stops counting.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) until: Instant,
    pub(super) outcome: Outcome,
}

/// One request's share in a call in flight: when the last one waiting
/// leaves (or the call is done), the registration goes, so that the map
/// holds only calls that someone still waits for.
pub(super) struct InFlight<'a> {
    map: &'a Mutex<HashMap<Key, Arc<OnceCell<Outcome>>>>,
    key: Key,
    cell: &'a Arc<OnceCell<Outcome>>,
}

impl<'a> InFlight<'a> {
    pub(super) fn new(
        map: &'a Mutex<HashMap<Key, Arc<OnceCell<Outcome>>>>,
        key: Key,
        cell: &'a Arc<OnceCell<Outcome>>,
    ) -> InFlight<'a> {
        InFlight { map, key, cell }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        let ours = map
            .get(&self.key)
            .is_some_and(|cell| Arc::ptr_eq(cell, self.cell));
        // The map's reference and ours: nobody else waits.
        if ours && (self.cell.initialized() || Arc::strong_count(self.cell) <= 2) {
            map.remove(&self.key);
        }
    }
}
