//! The tests of jwks/parse.rs: each key and algorithm binding, `use` and
//! `key_ops`, the configured algorithms, key counts and lookups.
use super::*;
use crate::config::defaults;

const RSA: &str = r#"{"kty":"RSA","kid":"r","n":"sXch","e":"AQAB"}"#;

fn parse(keys: &str) -> Result<KeySet, SetError> {
    parse_key_set(
        format!(r#"{{"keys":[{keys}]}}"#).as_bytes(),
        &defaults::algorithms(),
    )
}

#[test]
fn unusable_keys_are_skipped_one_by_one() {
    let set = parse(&format!(
        r#"{RSA},
        {{"kty":"RSA","kid":"enc","use":"enc","n":"sXch","e":"AQAB"}},
        {{"kty":"oct","kid":"h","k":"c2VjcmV0"}},
        {{"kty":"EC","kid":"p521","crv":"P-521","x":"AA","y":"AA"}},
        {{"kty":"XYZ","kid":"odd"}},
        {{"kid":"nokty"}},
        {{"kty":"RSA","kid":"hs","alg":"HS256","n":"sXch","e":"AQAB"}}"#
    ))
    .unwrap();
    assert_eq!(set.len(), 1);
    assert!(set.get(Some("r")).is_some());
    for skipped in ["enc", "h", "p521", "odd", "nokty", "hs"] {
        assert!(
            set.get(Some(skipped)).is_none(),
            "{skipped} should be skipped"
        );
    }
}

#[test]
fn algorithms_are_bound_to_the_key() {
    let set = parse(&format!(
        r#"{RSA},
        {{"kty":"RSA","kid":"pinned","alg":"PS256","n":"sXch","e":"AQAB"}},
        {{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"}}"#
    ))
    .unwrap();
    assert_eq!(
        set.get(Some("r")).unwrap().algorithms,
        AlgorithmFamily::Rsa.algorithms()
    );
    assert_eq!(
        set.get(Some("pinned")).unwrap().algorithms,
        vec![Algorithm::PS256]
    );
    assert_eq!(
        set.get(Some("ec")).unwrap().algorithms,
        vec![Algorithm::ES256]
    );
}

#[test]
fn a_set_with_no_usable_key_is_an_empty_set_and_not_json_is_an_error() {
    // An answer (e.g. every key revoked), not a failure: it replaces the
    // cached keys. Before issue 11 item 5 this was SetError::NoUsableKey.
    assert!(parse(r#"{"kty":"oct","k":"AA"}"#).unwrap().is_empty());
    assert!(parse("").unwrap().is_empty());
    assert!(matches!(
        parse_key_set(b"<html>", &defaults::algorithms()),
        Err(SetError::NotAKeySet)
    ));
}

#[test]
fn a_refresh_keeps_the_very_arc_of_each_unchanged_key() {
    let ec = r#"{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"}"#;
    let bare = r#"{"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"}"#;
    let old = parse(&format!("{RSA}, {ec}, {bare}")).unwrap();
    let same = parse(&format!("{RSA}, {ec}, {bare}"))
        .unwrap()
        .carried_over(&old);
    for kid in ["r", "ec"] {
        let (before, after) = (old.get(Some(kid)).unwrap(), same.get(Some(kid)).unwrap());
        assert!(Arc::ptr_eq(&before, &after), "{kid} carried over");
    }
    assert!(Arc::ptr_eq(&old.without_kid[0], &same.without_kid[0]));
    // Another key under the same kid, or the same key bound to other
    // algorithms, is a new key.
    let changed = parse(
        r#"{"kty":"RSA","kid":"r","n":"sXcg","e":"AQAB"},
        {"kty":"EC","kid":"ec","alg":"ES256","crv":"P-256","x":"AA","y":"AA"}"#,
    )
    .unwrap()
    .carried_over(&old);
    assert!(!Arc::ptr_eq(
        &old.get(Some("r")).unwrap(),
        &changed.get(Some("r")).unwrap()
    ));
    // (Explicit ES256 is the same binding as the P-256 family: carried.)
    assert!(Arc::ptr_eq(
        &old.get(Some("ec")).unwrap(),
        &changed.get(Some("ec")).unwrap()
    ));
    let rebound = parse(r#"{"kty":"RSA","kid":"r","alg":"PS256","n":"sXch","e":"AQAB"}"#)
        .unwrap()
        .carried_over(&old);
    assert!(!Arc::ptr_eq(
        &old.get(Some("r")).unwrap(),
        &rebound.get(Some("r")).unwrap()
    ));
}

#[test]
fn a_token_without_kid_needs_a_single_key() {
    let one = parse(RSA).unwrap();
    assert!(one.get(None).is_some());
    let two = parse(&format!(
        r#"{RSA}, {{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"}}"#
    ))
    .unwrap();
    assert!(two.get(None).is_none());
}

#[test]
fn a_repeated_kid_keeps_the_first_key() {
    let set = parse(&format!(
        r#"{RSA}, {{"kty":"EC","kid":"r","crv":"P-256","x":"AA","y":"AA"}}"#
    ))
    .unwrap();
    assert_eq!(set.len(), 1);
    assert_eq!(
        set.get(Some("r")).unwrap().algorithms,
        AlgorithmFamily::Rsa.algorithms()
    );
}

#[test]
fn each_signature_alg_binds_its_key_to_that_algorithm_alone() {
    let rsa =
        |alg: &str| format!(r#"{{"kty":"RSA","kid":"{alg}","alg":"{alg}","n":"sXch","e":"AQAB"}}"#);
    let set = parse(&format!(
        r#"{}, {}, {}, {}, {}, {},
        {{"kty":"EC","kid":"ES256","alg":"ES256","crv":"P-256","x":"AA","y":"AA"}},
        {{"kty":"EC","kid":"ES384","alg":"ES384","crv":"P-384","x":"AA","y":"AA"}},
        {{"kty":"OKP","kid":"EdDSA","alg":"EdDSA","crv":"Ed25519","x":"AA"}},
        {{"kty":"EC","kid":"p384","crv":"P-384","x":"AA","y":"AA"}},
        {{"kty":"OKP","kid":"ed","crv":"Ed25519","x":"AA"}},
        {{"kty":"OKP","kid":"x25519","crv":"X25519","x":"AA"}},
        {{"kty":"RSA","kid":"wrong","alg":"ES256","n":"sXch","e":"AQAB"}}"#,
        rsa("RS256"),
        rsa("RS384"),
        rsa("RS512"),
        rsa("PS256"),
        rsa("PS384"),
        rsa("PS512"),
    ))
    .unwrap();
    for (kid, alg) in [
        ("RS256", Algorithm::RS256),
        ("RS384", Algorithm::RS384),
        ("RS512", Algorithm::RS512),
        ("PS256", Algorithm::PS256),
        ("PS384", Algorithm::PS384),
        ("PS512", Algorithm::PS512),
        ("ES256", Algorithm::ES256),
        ("ES384", Algorithm::ES384),
        ("EdDSA", Algorithm::EdDSA),
        ("p384", Algorithm::ES384),
        ("ed", Algorithm::EdDSA),
    ] {
        let key = set.get(Some(kid)).unwrap_or_else(|| panic!("{kid} kept"));
        assert_eq!(key.algorithms, vec![alg], "{kid}");
    }
    for skipped in ["x25519", "wrong"] {
        assert!(set.get(Some(skipped)).is_none(), "{skipped} skipped");
    }
    assert_eq!(set.len(), 11);
}

#[test]
fn use_and_key_ops_must_allow_verification_when_present() {
    let set = parse(
        r#"{"kty":"RSA","kid":"sig","use":"sig","n":"sXch","e":"AQAB"},
        {"kty":"RSA","kid":"verify","key_ops":["sign","verify"],"n":"sXch","e":"AQAB"},
        {"kty":"RSA","kid":"sign","key_ops":["sign"],"n":"sXch","e":"AQAB"},
        {"kty":"RSA","kid":"none","key_ops":[],"n":"sXch","e":"AQAB"}"#,
    )
    .unwrap();
    assert!(set.get(Some("sig")).is_some());
    assert!(set.get(Some("verify")).is_some());
    assert!(set.get(Some("sign")).is_none());
    assert!(set.get(Some("none")).is_none());
}

#[test]
fn only_the_configured_algorithms_are_kept() {
    let body =
        format!(r#"{{"keys":[{RSA}, {{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"}}]}}"#);
    let set = parse_key_set(body.as_bytes(), &[Algorithm::PS256, Algorithm::RS384]).unwrap();
    assert_eq!(
        set.get(Some("r")).unwrap().algorithms,
        vec![Algorithm::RS384, Algorithm::PS256]
    );
    assert!(set.get(Some("ec")).is_none(), "no allowed algorithm");
    assert_eq!(set.len(), 1);
}

#[test]
fn the_key_count_adds_keys_with_and_without_kid() {
    let bare = r#"{"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"}"#;
    let bare2 = r#"{"kty":"EC","crv":"P-256","x":"Ag","y":"Ag"}"#;
    let ec = r#"{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"}"#;
    let set = parse(&format!("{RSA}, {ec}, {bare}, {bare2}, {bare}")).unwrap();
    assert_eq!(set.len(), 5);
    assert!(!set.is_empty());
    assert!(set.get(None).is_none(), "five keys: a kid is needed");
    assert!(
        set.get(Some("other")).is_none(),
        "a fetched set has no any-kid key"
    );
    let only_bare = parse(bare).unwrap();
    assert_eq!(only_bare.len(), 1);
    assert!(only_bare.get(None).is_some());
    assert!(only_bare.get(Some("ec")).is_none());
}

#[test]
fn a_configured_key_answers_every_kid_only_without_a_kid_of_its_own() {
    let secret = || {
        VerifyKey::new(
            vec![Algorithm::HS256],
            DecodingKey::from_secret(b"secret").expect("a secret"),
        )
    };
    let any = KeySet::single(secret(), None);
    assert_eq!(any.len(), 1);
    assert!(any.get(None).is_some());
    assert!(any.get(Some("whatever")).is_some());
    let named = KeySet::single(secret(), Some("k".into()));
    assert_eq!(named.len(), 1);
    assert!(named.get(Some("k")).is_some());
    assert!(named.get(None).is_some(), "the only key");
    assert!(named.get(Some("other")).is_none());
    // Renewed: the same keys and the same any-kid rule.
    let renewed = any.renewed();
    assert!(Arc::ptr_eq(
        &any.get(None).unwrap(),
        &renewed.get(Some("x")).unwrap()
    ));
    let renewed = named.renewed();
    assert!(Arc::ptr_eq(
        &named.get(Some("k")).unwrap(),
        &renewed.get(Some("k")).unwrap()
    ));
    assert!(renewed.get(Some("other")).is_none());
}

#[test]
fn keys_from_no_jwk_are_never_taken_for_one_another() {
    let secret = |bytes: &[u8]| {
        VerifyKey::new(
            vec![Algorithm::HS256],
            DecodingKey::from_secret(bytes).expect("a secret"),
        )
    };
    for kid in [Some("k".to_owned()), None] {
        let old = KeySet::single(secret(b"old"), kid.clone());
        let new = KeySet::single(secret(b"new"), kid.clone()).carried_over(&old);
        assert!(
            !Arc::ptr_eq(&old.get(None).unwrap(), &new.get(None).unwrap()),
            "{kid:?}"
        );
    }
}

/// `keys` (the fuzz target's view of a set; compiled for tests too, so
/// that this runs in every `cargo test`).
#[test]
fn keys_lists_every_key_with_its_kid() {
    let bare = r#"{"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"}"#;
    let set = parse(&format!("{RSA}, {bare}")).unwrap();
    let mut keys: Vec<_> = set
        .keys()
        .map(|(kid, key)| (kid.map(str::to_owned), key.algorithms.clone()))
        .collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        keys,
        vec![
            (None, vec![Algorithm::ES256]),
            (
                Some("r".to_owned()),
                AlgorithmFamily::Rsa.algorithms().to_vec()
            ),
        ]
    );
}

#[test]
fn a_set_error_says_what_was_wrong() {
    assert_eq!(
        SetError::NotAKeySet.to_string(),
        "response is not a JSON key set"
    );
}
