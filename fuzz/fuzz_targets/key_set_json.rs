//! A key-set (JWKS) document, as a fetch parses it.
//!
//! Invariants: parsing is deterministic, and independent of the document's
//! formatting (re-serialised through `serde_json::Value`, it parses the
//! same); an accepted set has a `keys` array at least as long as the set, every key has distinct `kid`, a non-empty list of
//! algorithms without repeats, all allowed and of one key type (RSA and
//! RSA-PSS, or exactly one of ES256, ES384, EdDSA), every `kid` finds its
//! key and a token without `kid` finds one only when the set holds exactly
//! one key; allowing fewer algorithms keeps a subset of the keys, each with
//! a subset of its algorithms, and never turns "not a key set" into
//! something else.
#![no_main]

use auth_runtime::__fuzz::{self, Key, KeySet, KeySetError};
use auth_runtime::config::Algorithm;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// What can be observed of a parse, in a comparable form.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Set {
        keys: Vec<Key>,
        without_kid: Option<Vec<Algorithm>>,
    },
    Refused(KeySetError),
}

fn outcome(result: &Result<KeySet, KeySetError>) -> Outcome {
    match result {
        Ok(set) => Outcome::Set {
            keys: set.keys(),
            without_kid: set.algorithms_for(None),
        },
        Err(error) => Outcome::Refused(*error),
    }
}

fn is_rsa(alg: &Algorithm) -> bool {
    use Algorithm::*;
    matches!(alg, RS256 | RS384 | RS512 | PS256 | PS384 | PS512)
}

fn check_set(set: &KeySet, allowed: &[Algorithm]) {
    let keys = set.keys();
    assert!(!set.is_empty());
    assert_eq!(keys.len(), set.len());
    let mut kids: Vec<&str> = keys.iter().filter_map(|k| k.kid.as_deref()).collect();
    kids.dedup();
    assert_eq!(
        kids.len(),
        keys.iter().filter(|k| k.kid.is_some()).count(),
        "a kid is repeated: {keys:?}"
    );
    for key in &keys {
        let algs = &key.algorithms;
        assert!(!algs.is_empty(), "{key:?}");
        assert!(
            algs.iter().all(|a| allowed.contains(a)),
            "{key:?} not allowed"
        );
        for (i, alg) in algs.iter().enumerate() {
            assert!(
                !algs[i + 1..].contains(alg),
                "repeated algorithm in {key:?}"
            );
        }
        let one_type = algs.iter().all(is_rsa)
            || matches!(
                algs.as_slice(),
                [Algorithm::ES256 | Algorithm::ES384 | Algorithm::EdDSA]
            );
        assert!(one_type, "{key:?} mixes key types");
        if let Some(kid) = &key.kid {
            assert_eq!(set.algorithms_for(Some(kid)).as_ref(), Some(algs));
        }
    }
    assert_eq!(
        set.algorithms_for(None).is_some(),
        set.len() == 1,
        "a token without kid: {keys:?}"
    );
    assert_eq!(set.algorithms_for(Some("\u{0}not a kid in any seed")), None);
}

fuzz_target!(|data: &[u8]| {
    let parsed = __fuzz::key_set(data);
    let seen = outcome(&parsed);
    assert_eq!(seen, outcome(&__fuzz::key_set(data)), "not deterministic");

    // serde_json skips the members it ignores without validating them (raw
    // invalid UTF-8, a lone surrogate escape, 1e999), which a Value refuses:
    // only a document that is JSON throughout is compared with its Value.
    let json = serde_json::from_slice::<Value>(data).ok();
    match &parsed {
        Ok(set) => {
            check_set(set, &__fuzz::defaults::algorithms());
            if let Some(json) = &json {
                let listed = json
                    .get("keys")
                    .and_then(Value::as_array)
                    .expect("an accepted set has a keys array")
                    .len();
                assert!(listed >= set.len());
            }
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }

    // The same document, formatted by serde_json: the same keys.
    if let (Some(json), false) = (&json, matches!(parsed, Err(KeySetError::NotAKeySet))) {
        let again = serde_json::to_vec(json).expect("a Value serialises");
        assert_eq!(
            seen,
            outcome(&__fuzz::key_set(&again)),
            "formatting matters"
        );
    }

    // Fewer algorithms allowed: a subset, picked by the input's length.
    let mask = data.len().wrapping_mul(0x9E37) >> 3;
    let allowed: Vec<Algorithm> = __fuzz::defaults::algorithms()
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, a)| *a)
        .collect();
    let fewer = __fuzz::key_set_allowing(data, &allowed);
    match (&parsed, &fewer) {
        (Err(KeySetError::NotAKeySet), other) | (other, Err(KeySetError::NotAKeySet)) => {
            assert!(
                matches!(other, Err(KeySetError::NotAKeySet)),
                "not a key set with {allowed:?} but not with all, or the other way round"
            );
        }
        (Err(KeySetError::NoUsableKey), Ok(_)) => {
            panic!("a key usable for {allowed:?} but not for all")
        }
        (Ok(all), Ok(some)) => {
            check_set(some, &allowed);
            assert!(some.len() <= all.len());
            let without = |set: &KeySet| set.keys().iter().filter(|k| k.kid.is_none()).count();
            assert!(without(some) <= without(all));
            for key in some.keys() {
                if let Some(kid) = &key.kid {
                    assert!(
                        all.algorithms_for(Some(kid)).is_some(),
                        "kid {kid:?} usable for {allowed:?} but not for all"
                    );
                }
            }
        }
        (_, Err(KeySetError::NoUsableKey)) => {}
    }
});
