use super::*;

const NOW: u64 = 1_700_000_000;

fn key(n: u32) -> ReplayKey {
    let mut bytes = [0u8; 32];
    bytes[..4].copy_from_slice(&n.to_be_bytes());
    ReplayKey::from_bytes(bytes)
}

/// A store of `capacity` that recorded keys `0..count` at [`NOW`], each
/// fresh, until `expires_at`.
fn holding(capacity: usize, count: u32, expires_at: u64) -> MemoryReplayStore {
    let store = MemoryReplayStore::new(capacity);
    for n in 0..count {
        assert_eq!(
            store.record(&key(n), NOW, expires_at),
            Ok(Freshness::Fresh),
            "key {n}"
        );
    }
    store
}

/// Asserts that each of `keys` is still a replay at `now`.
#[track_caller]
fn assert_still_replays(store: &MemoryReplayStore, keys: std::ops::Range<u32>, now: u64) {
    for n in keys {
        let answer = store.record(&key(n), now, now + 300);
        assert_eq!(answer, Ok(Freshness::Replayed), "key {n}");
    }
}

#[test]
fn a_key_is_fresh_once_then_replayed_until_it_expires() {
    let store = MemoryReplayStore::new(10);
    assert_eq!(store.record(&key(1), NOW, NOW + 300), Ok(Freshness::Fresh));
    assert_eq!(
        store.record(&key(1), NOW + 299, NOW + 600),
        Ok(Freshness::Replayed)
    );
    assert_eq!(store.record(&key(2), NOW, NOW + 300), Ok(Freshness::Fresh));
    // At its expiry the entry is gone: such a proof's iat is out of the window anyway.
    assert_eq!(
        store.record(&key(1), NOW + 300, NOW + 600),
        Ok(Freshness::Fresh)
    );
}

#[test]
fn a_full_cache_of_live_entries_answers_unavailable_and_keeps_them() {
    let store = holding(3, 3, NOW + 300);
    assert_eq!(store.record(&key(9), NOW, NOW + 300), Err(StoreUnavailable));
    assert_eq!(store.len(), 3);
    // What it recorded is still a replay: nothing was pushed out.
    assert_still_replays(&store, 0..3, NOW + 1);
}

#[test]
fn a_full_cache_makes_room_from_expired_entries() {
    let store = MemoryReplayStore::new(3);
    assert_eq!(store.record(&key(0), NOW, NOW + 10), Ok(Freshness::Fresh));
    assert_eq!(store.record(&key(1), NOW, NOW + 300), Ok(Freshness::Fresh));
    assert_eq!(store.record(&key(2), NOW, NOW + 300), Ok(Freshness::Fresh));
    assert_eq!(
        store.record(&key(3), NOW + 5, NOW + 300),
        Err(StoreUnavailable)
    );
    assert_eq!(
        store.record(&key(3), NOW + 10, NOW + 300),
        Ok(Freshness::Fresh)
    );
    assert_eq!(store.len(), 3);
}

#[test]
fn an_entry_at_its_expiry_is_gone_even_when_not_yet_evicted() {
    // Twelve entries expire together; one call evicts only
    // EVICTIONS_PER_CALL of them (in key order), so key 11 is still held,
    // at its expiry: it is no replay (its iat is out of the window anyway).
    let store = holding(20, 12, NOW + 1);
    let answer = store.record(&key(11), NOW + 1, NOW + 300);
    assert_eq!(answer, Ok(Freshness::Fresh), "gone at NOW + 1");
    assert_still_replays(&store, 11..12, NOW + 2);
}

#[test]
fn a_full_cache_whose_first_expiries_are_stale_sweeps_them_all() {
    // Heap items of entries since replaced (a clock that stepped back
    // leaves such items) use up one call's eviction budget without
    // freeing anything; the full sweep then finds the expired entry.
    let store = holding(9, 9, NOW + 300);
    {
        let mut entries = store.lock();
        let short = |n: u32| -> [u8; 16] { key(n).as_bytes()[..16].try_into().unwrap() };
        for n in 0..EVICTIONS_PER_CALL as u32 {
            entries.by_expiry.push(Reverse((NOW, short(n))));
        }
        entries.by_key.insert(short(8), NOW + 1);
        entries.by_expiry.push(Reverse((NOW + 1, short(8))));
    }
    assert_eq!(
        store.record(&key(20), NOW + 1, NOW + 300),
        Ok(Freshness::Fresh)
    );
    assert_eq!(store.len(), 9);
    // Every live entry is still a replay.
    assert_still_replays(&store, 0..8, NOW + 2);
}

#[test]
fn store_unavailable_says_what_failed() {
    assert_eq!(
        StoreUnavailable.to_string(),
        "the DPoP replay store cannot record proofs right now"
    );
}

#[test]
fn a_flood_of_fresh_keys_never_grows_past_the_bound() {
    let store = MemoryReplayStore::new(1000);
    let (mut refused, mut last_fresh) = (0, None);
    for n in 0..5000u32 {
        // A second passes every twenty proofs; each lives 100 s.
        let now = NOW + u64::from(n / 20);
        match store.record(&key(n), now, now + 100) {
            Err(StoreUnavailable) => refused += 1,
            Ok(Freshness::Fresh) => last_fresh = Some(n),
            Ok(Freshness::Replayed) => panic!("key {n} was never sent before"),
        }
        assert!(store.len() <= 1000);
        assert!(store.lock().by_expiry.len() <= 1000 + EVICTIONS_PER_CALL);
    }
    // 2000 proofs would fill the window: about half are refused, and
    // expiries keep making room; what was recorded stays a replay.
    assert!((2000..3500).contains(&refused), "{refused}");
    let last_fresh = key(last_fresh.unwrap());
    assert_eq!(
        store.record(&last_fresh, NOW + 250, NOW + 400),
        Ok(Freshness::Replayed)
    );
}

#[test]
fn expired_entries_are_forgotten_as_calls_come() {
    let store = holding(100, 8, NOW + 1);
    assert_eq!(
        store.record(&key(100), NOW + 2, NOW + 300),
        Ok(Freshness::Fresh)
    );
    assert_eq!(store.len(), 1);
    assert!(!store.is_empty());
}

#[test]
fn a_zero_capacity_store_refuses_every_proof() {
    let store = MemoryReplayStore::new(0);
    assert_eq!(store.record(&key(1), NOW, NOW + 300), Err(StoreUnavailable));
    assert!(store.is_empty());
}

#[test]
fn keys_never_print_their_bytes() {
    assert_eq!(format!("{:?}", key(7)), "ReplayKey(..)");
}
