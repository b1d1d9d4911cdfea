//! The DPoP route of the load bench: proofs signed before the run.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use auth_runtime::testing::DpopKey;

/// DPoP proofs for one URL and token, signed before the run so that the
/// client's signing does not take the server's CPU: each request takes the
/// next one, and signs one itself only when they run out.
pub(crate) struct Proofs {
    key: DpopKey,
    url: String,
    token: String,
    ready: Vec<String>,
    next: AtomicUsize,
    pub(crate) signed_late: AtomicU64,
}

impl Proofs {
    pub(crate) fn new(key: DpopKey, url: String, token: String) -> Proofs {
        Proofs {
            key,
            url,
            token,
            ready: Vec::new(),
            next: AtomicUsize::new(0),
            signed_late: AtomicU64::new(0),
        }
    }

    fn sign(&self) -> String {
        self.key
            .proof("GET", &self.url)
            .access_token(&self.token)
            .build()
    }

    /// The same key, URL and token, with `count` proofs signed now.
    pub(crate) fn signed(&self, count: usize) -> Proofs {
        let mut fresh = Proofs::new(self.key.clone(), self.url.clone(), self.token.clone());
        fresh.ready = (0..count).map(|_| self.sign()).collect();
        fresh
    }

    pub(crate) fn take(&self) -> String {
        match self.ready.get(self.next.fetch_add(1, Ordering::Relaxed)) {
            Some(proof) => proof.clone(),
            None => {
                self.signed_late.fetch_add(1, Ordering::Relaxed);
                self.sign()
            }
        }
    }
}
