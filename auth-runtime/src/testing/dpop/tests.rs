//! The DPoP checks of [`crate::dpop`], one test per check, on proofs made
//! by this module's helpers: each failing check gives its own error, and a
//! valid proof passes.
//!
//! They live here rather than under `dpop/` so that the core never depends
//! on the test helpers (no `dpop` -> `testing` edge, even in tests); the
//! core's own tests (RFC vectors, stores, bad input) are in `dpop/tests.rs`
//! and `dpop/*.rs`.

use serde_json::Value;

use super::Part;
use crate::dpop::*;
use crate::testing::{DpopKey, ProofBuilder};

mod claims;
mod header;

pub(super) const NOW: u64 = 1_700_000_000;
pub(super) const URL: &str = "https://api.example.com/orders";
pub(super) const TOKEN: &str = "the.access-token";

pub(super) fn good(key: &DpopKey) -> ProofBuilder {
    key.proof("GET", URL).access_token(TOKEN).iat(NOW)
}

pub(super) fn verify_with(
    proof: &str,
    key: &DpopKey,
    config: &DpopConfig,
) -> Result<VerifiedProof, DpopError> {
    let expected = Expectation::new("GET", URL, TOKEN, key.thumbprint());
    verify_proof(proof, &expected, config, NOW)
}

pub(super) fn verify(proof: &str, key: &DpopKey) -> Result<VerifiedProof, DpopError> {
    verify_with(proof, key, &DpopConfig::default())
}

/// The sentence of the InvalidProof that `proof` gets.
#[track_caller]
pub(super) fn refused(proof: &str, key: &DpopKey) -> &'static str {
    match verify(proof, key) {
        Err(DpopError::InvalidProof(why)) => {
            // Every sentence can go as it is into a JSON body and a quoted
            // challenge attribute, and never echoes the token.
            assert!(
                !why.contains(['"', '\\']) && !why.contains(TOKEN) && why.len() < 120,
                "{why}"
            );
            why
        }
        other => panic!("expected InvalidProof, got {other:?}"),
    }
}

/// Asserts that a good proof is refused with `sentence` when its member
/// `name` (of `part`) is any of `values` instead, and when it has none.
#[track_caller]
pub(super) fn assert_member_refused(
    key: &DpopKey,
    (part, name): (Part, &str),
    values: &[&str],
    sentence: &str,
) {
    let values = values.iter().map(|value| Some(Value::from(*value)));
    for value in values.chain([None]) {
        let proof = good(key).set(part, name, value.clone()).build();
        assert_eq!(refused(&proof, key), sentence, "{name}: {value:?}");
    }
}

#[test]
fn a_valid_proof_passes() {
    let key = DpopKey::generate();
    let verified = verify(&good(&key).build(), &key).unwrap();
    assert_eq!(verified.replay_expires_at(), NOW + 301);
}

#[test]
fn a_key_survives_its_pem() {
    let key = DpopKey::generate();
    let pem = key.to_pem();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
    let again = DpopKey::from_pem(&pem).unwrap();
    assert_eq!(again.thumbprint(), key.thumbprint());
    // A proof by the key read back verifies against the original's thumbprint.
    assert!(verify(&good(&again).build(), &key).is_ok());
    assert!(
        DpopKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
            .is_none()
    );
}
