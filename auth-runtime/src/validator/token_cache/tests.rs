//! The cache's key: a hit needs the very token, whatever the hash says.

use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher, Hasher};

use super::*;

/// A hasher that gives every key the same hash: every lookup collides.
#[derive(Default)]
struct Colliding;

impl Hasher for Colliding {
    fn finish(&self) -> u64 {
        7
    }
    fn write(&mut self, _: &[u8]) {}
}

#[test]
fn a_colliding_hash_never_serves_another_token() {
    let cache: quick_cache::sync::Cache<TokenKey, u32, _, BuildHasherDefault<Colliding>> =
        quick_cache::sync::Cache::with(
            16,
            16,
            quick_cache::UnitWeighter,
            BuildHasherDefault::default(),
            quick_cache::sync::DefaultLifecycle::default(),
        );
    cache.insert(TokenKey("eyJ.a.sig".into()), 1);
    cache.insert(TokenKey("eyJ.b.sig".into()), 2);
    assert_eq!(cache.get(&Presented("eyJ.a.sig")), Some(1));
    assert_eq!(cache.get(&Presented("eyJ.b.sig")), Some(2));
    // Same hash, same length, one byte off: no entry.
    assert_eq!(cache.get(&Presented("eyJ.a.siG")), None);
    assert_eq!(cache.get(&Presented("eyJ.c.sig")), None);
    // A prefix or an extension of a cached token is another token.
    assert_eq!(cache.get(&Presented("eyJ.a.si")), None);
    assert_eq!(cache.get(&Presented("eyJ.a.sigg")), None);
    assert_eq!(cache.get(&Presented("")), None);
}

#[test]
fn a_presented_token_hashes_as_its_cached_copy() {
    let hasher = std::hash::RandomState::new();
    for token in ["", "a", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"] {
        assert_eq!(
            hasher.hash_one(Presented(token)),
            hasher.hash_one(TokenKey(token.into())),
            "{token:?}"
        );
    }
    // The hash reads the length and the signature's end (SipHash, fixed keys).
    let fixed = BuildHasherDefault::<DefaultHasher>::default();
    let hash = |token: &str| fixed.hash_one(Presented(token));
    assert_ne!(hash("a.b.c"), hash("a.b.d"));
    assert_ne!(hash("a.b.c"), hash("a.b.cc"));
    let long = format!("h.p.{}", "s".repeat(40));
    let other_end = format!("h.p.{}t", "s".repeat(39));
    assert_ne!(hash(&long), hash(&other_end));
}

#[test]
fn long_tokens_that_share_their_tail_are_told_apart() {
    // Longer than the hashed tail: the same length and last 32 bytes, so
    // the same hash; a different middle.
    let tail = "s".repeat(64);
    let one = format!("eyJ.one.{tail}");
    let two = format!("eyJ.two.{tail}");
    let hasher = std::hash::RandomState::new();
    assert_eq!(
        hasher.hash_one(Presented(&one)),
        hasher.hash_one(Presented(&two))
    );
    assert_eq!(
        hasher.hash_one(Presented(&one)),
        hasher.hash_one(TokenKey(one.clone().into()))
    );
    let cache = TokenCache::new(8);
    cache.insert(&one, verified());
    assert!(cache.get(&one).is_some());
    assert!(cache.get(&two).is_none(), "the same hash, another token");
}

#[test]
fn tokens_are_the_same_only_byte_for_byte() {
    assert!(same_token("a.b.c", "a.b.c"));
    assert!(same_token("", ""));
    assert!(!same_token("a.b.c", "a.b.d"));
    assert!(!same_token("a.b.c", "b.b.c"));
    assert!(!same_token("a.b.c", "a.b.c "));
    assert!(!same_token("a.b.c", ""));
    assert!(TokenKey("x".into()) == TokenKey("x".into()));
    assert!(TokenKey("x".into()) != TokenKey("y".into()));
}

#[test]
fn a_token_cache_finds_what_it_was_given_and_forgets_what_it_removes() {
    let cache = TokenCache::new(8);
    cache.insert("t.one.s", verified());
    assert!(cache.get("t.one.s").is_some());
    assert!(cache.get("t.one.S").is_none());
    cache.remove("t.one.s");
    assert!(cache.get("t.one.s").is_none());
}

fn verified() -> Verified {
    Verified {
        claims: Claims::from_payload(serde_json::Map::new()),
        expires: u64::MAX,
        issued_at: None,
        issued_at_ceil: None,
        not_before: None,
        kid: None,
        key: Arc::new(VerifyKey::new(
            vec![jsonwebtoken::Algorithm::HS256],
            jsonwebtoken::DecodingKey::from_secret(b"k").expect("an HMAC key"),
        )),
        cached_at: Instant::now(),
    }
}
