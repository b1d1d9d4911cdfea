//! The checks of the proof's claims, then its nonce and its replay.

use serde_json::{json, Value};

use super::*;

#[test]
fn payload_must_be_strict_base64url_json() {
    let key = DpopKey::generate();
    let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.public_jwk()}).to_string();
    let ath = access_token_hash(TOKEN);
    let repeated = format!(
        r#"{{"jti":"j","htm":"GET","htm":"POST","htu":"{URL}","iat":{NOW},"ath":"{ath}"}}"#
    );
    let sentence = "The DPoP proof's payload is not base64url JSON with distinct members";
    assert_eq!(refused(&key.sign_raw(&header, &repeated), &key), sentence);
    assert_eq!(refused(&key.sign_raw(&header, "[1]"), &key), sentence);
}

#[test]
fn jti_must_be_a_short_non_empty_string() {
    let key = DpopKey::generate();
    let sentence = "The DPoP proof has no jti, or one that is not a short string";
    let long = "j".repeat(MAX_JTI_BYTES + 1);
    assert_member_refused(&key, (Part::Claims, "jti"), &["", &long], sentence);
    assert_eq!(refused(&good(&key).claim("jti", 7).build(), &key), sentence);
    assert!(verify(&good(&key).jti(&long[1..]).build(), &key).is_ok());
}

#[test]
fn htm_must_equal_the_method_exactly() {
    let key = DpopKey::generate();
    let sentence = "The DPoP proof's htm does not match the request method";
    let values = ["POST", "get", "GET "];
    assert_member_refused(&key, (Part::Claims, "htm"), &values, sentence);
}

#[test]
fn htu_must_equal_the_request_url_after_normalisation() {
    let key = DpopKey::generate();
    let sentence = "The DPoP proof's htu does not match the request URL";
    let values = [
        "https://api.example.com/orders/1",
        "https://api.example.com/",
        "http://api.example.com/orders",
        "https://api.example.com:8443/orders",
        "https://evil.example.com/orders",
        "/orders",
    ];
    assert_member_refused(&key, (Part::Claims, "htu"), &values, sentence);
    for htu in [
        "HTTPS://API.EXAMPLE.COM/orders",
        "https://api.example.com:443/orders",
        "https://api.example.com/orders?page=2#top",
    ] {
        assert!(
            verify(&good(&key).claim("htu", htu).build(), &key).is_ok(),
            "{htu}"
        );
    }
    // The request's own query is ignored too; a URL that cannot be formed fails.
    let proof = good(&key).build();
    let with_query = Expectation::new(
        "GET",
        "https://api.example.com/orders?x=1",
        TOKEN,
        key.thumbprint(),
    );
    assert!(verify_proof(&proof, &with_query, &DpopConfig::default(), NOW).is_ok());
    let no_host = Expectation::new("GET", "/orders", TOKEN, key.thumbprint());
    assert_eq!(
        verify_proof(&proof, &no_host, &DpopConfig::default(), NOW),
        Err(DpopError::InvalidProof(
            "The request URL cannot be formed to compare it with the DPoP proof's htu"
        ))
    );
}

#[test]
fn iat_must_be_inside_the_window() {
    let key = DpopKey::generate();
    let at = |iat: Value| good(&key).claim("iat", iat).build();
    assert_eq!(
        refused(&at(json!(NOW - 301)), &key),
        "The DPoP proof is too old (iat)"
    );
    assert_eq!(
        refused(&at(json!(NOW + 31)), &key),
        "The DPoP proof is issued in the future (iat)"
    );
    for iat in [json!(NOW - 300), json!(NOW + 30), json!(NOW as f64 + 0.5)] {
        assert!(verify(&at(iat.clone()), &key).is_ok(), "{iat}");
    }
    let sentence = "The DPoP proof has no numeric iat";
    assert_eq!(refused(&at(json!(NOW.to_string())), &key), sentence);
    assert_eq!(
        refused(&good(&key).without_claim("iat").build(), &key),
        sentence
    );
    assert_eq!(
        refused(&at(json!(-1)), &key),
        "The DPoP proof is too old (iat)"
    );
    let narrow = DpopConfig {
        proof_max_age: std::time::Duration::from_secs(10),
        ..DpopConfig::default()
    };
    let proof = at(json!(NOW - 11));
    assert_eq!(
        verify_with(&proof, &key, &narrow),
        Err(DpopError::InvalidProof("The DPoP proof is too old (iat)"))
    );
}

#[test]
fn ath_must_hash_the_access_token() {
    let key = DpopKey::generate();
    assert_eq!(
        refused(&good(&key).without_claim("ath").build(), &key),
        "The DPoP proof has no ath"
    );
    let other = good(&key).access_token("another.token").build();
    assert_eq!(
        refused(&other, &key),
        "The DPoP proof's ath does not match the access token"
    );
    assert_eq!(
        refused(&good(&key).claim("ath", 1).build(), &key),
        "The DPoP proof's ath does not match the access token"
    );
}

#[test]
fn the_nonce_is_checked_last_and_answered_use_dpop_nonce() {
    let key = DpopKey::generate();
    let nonces = Nonces::from_secret(&[9; 32], std::time::Duration::from_secs(300)).unwrap();
    let expected = Expectation::new("GET", URL, TOKEN, key.thumbprint()).with_nonces(&nonces);
    let config = DpopConfig::default();
    let check = |proof: &str| verify_proof(proof, &expected, &config, NOW);
    assert_eq!(check(&good(&key).build()), Err(DpopError::UseNonce));
    assert_eq!(
        check(&good(&key).nonce("made-up").build()),
        Err(DpopError::UseNonce)
    );
    assert_eq!(
        check(&good(&key).claim("nonce", 5).build()),
        Err(DpopError::UseNonce)
    );
    let old = nonces.issue(NOW - 301);
    assert_eq!(
        check(&good(&key).nonce(&old).build()),
        Err(DpopError::UseNonce)
    );
    let current = nonces.issue(NOW - 10);
    assert!(check(&good(&key).nonce(&current).build()).is_ok());
    // Any other failure comes first: a nonce would not fix it.
    assert_eq!(
        check(&good(&key).access_token("x").build()),
        Err(DpopError::InvalidProof(
            "The DPoP proof's ath does not match the access token"
        ))
    );
    assert_eq!(
        check(&good(&key).signed_by(&DpopKey::generate()).build()),
        Err(DpopError::InvalidProof(
            "The DPoP proof's signature does not verify"
        ))
    );
}

#[test]
fn replay_keys_differ_by_jti_url_and_client_key() {
    let (key, other) = (DpopKey::generate(), DpopKey::generate());
    let replay_key = |proof: &str, key: &DpopKey| *verify(proof, key).unwrap().replay_key();
    let first = replay_key(&good(&key).jti("a").build(), &key);
    assert_eq!(
        first,
        replay_key(&good(&key).jti("a").iat(NOW - 5).build(), &key)
    );
    assert_ne!(first, replay_key(&good(&key).jti("b").build(), &key));
    assert_ne!(first, replay_key(&good(&other).jti("a").build(), &other));
}

#[tokio::test]
async fn a_proof_is_accepted_once() {
    let key = DpopKey::generate();
    let config = DpopConfig::default();
    let store = MemoryReplayStore::new(10);
    let proof = verify(&good(&key).build(), &key).unwrap();
    assert_eq!(check_replay(&store, &proof, &config, NOW).await, Ok(()));
    assert_eq!(
        check_replay(&store, &proof, &config, NOW + 200).await,
        Err(DpopError::InvalidProof(
            "The DPoP proof was used before (its jti was seen)"
        ))
    );
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_json_in_a_signed_proof(header in any::<Vec<(String, u8)>>(), claims in ".{0,100}") {
            let key = DpopKey::generate();
            let header: serde_json::Map<String, Value> =
                header.into_iter().map(|(k, v)| (k, Value::from(v))).collect();
            let proof = key.sign_raw(&Value::Object(header).to_string(), &claims);
            prop_assert!(verify(&proof, &key).is_err());
        }
    }
}
