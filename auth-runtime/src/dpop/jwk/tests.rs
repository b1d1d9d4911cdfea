use super::*;
use serde_json::json;

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(object) => object,
        _ => Map::new(),
    }
}

/// RFC 7638 section 3.1.
#[test]
fn rfc7638_example_thumbprint() {
    let jwk = object(json!({
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29"
    }));
    assert_eq!(
        thumbprint_of_jwk(&jwk).as_deref(),
        Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    );
}

/// RFC 9449 section 6.1: the thumbprint of the key of its example proofs.
#[test]
fn rfc9449_example_key_thumbprint() {
    let jwk = object(json!({
        "kty": "EC",
        "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
        "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
        "crv": "P-256"
    }));
    assert_eq!(
        thumbprint_of_jwk(&jwk).as_deref(),
        Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")
    );
}

#[test]
fn private_members_are_refused_by_name() {
    for member in PRIVATE_MEMBERS {
        let mut jwk = object(json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}));
        jwk.insert(member.into(), json!("AA"));
        assert_eq!(
            public_key_for(&jwk, Algorithm::ES256),
            Err(PRIVATE),
            "{member}"
        );
    }
}

#[test]
fn symmetric_and_unknown_keys_are_refused() {
    let oct = object(json!({"kty": "oct", "alg": "HS256"}));
    assert_eq!(public_key_for(&oct, Algorithm::ES256), Err(SYMMETRIC));
    for jwk in [
        json!({"kty": "EC", "crv": "P-256", "x": "AA"}),
        json!({"kty": "EC", "crv": "P-256", "x": 1, "y": "AA"}),
        json!({"kty": "XYZ"}),
        json!({"kty": 7}),
        json!({}),
    ] {
        assert_eq!(
            public_key_for(&object(jwk), Algorithm::ES256),
            Err(UNUSABLE)
        );
    }
}

#[test]
fn an_empty_required_member_makes_the_key_unusable() {
    for (jwk, alg) in [
        (
            json!({"kty": "RSA", "n": "", "e": "AQAB"}),
            Algorithm::RS256,
        ),
        (
            json!({"kty": "RSA", "n": "sXch", "e": ""}),
            Algorithm::RS256,
        ),
        (
            json!({"kty": "EC", "crv": "P-256", "x": "", "y": "AA"}),
            Algorithm::ES256,
        ),
        (
            json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": ""}),
            Algorithm::ES256,
        ),
        (
            json!({"kty": "OKP", "crv": "Ed25519", "x": ""}),
            Algorithm::EdDSA,
        ),
    ] {
        assert_eq!(
            public_key_for(&object(jwk.clone()), alg),
            Err(UNUSABLE),
            "{jwk}"
        );
        assert_eq!(thumbprint_of_jwk(&object(jwk.clone())), None, "{jwk}");
    }
}

#[test]
fn the_key_must_fit_the_alg_and_its_own_alg() {
    let p256 = json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"});
    let p384 = json!({"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"});
    let ed = json!({"kty": "OKP", "crv": "Ed25519", "x": "AA"});
    let x448 = json!({"kty": "OKP", "crv": "X448", "x": "AA"});
    let rsa = json!({"kty": "RSA", "n": "AA", "e": "AQAB"});
    let rsa_ps = json!({"kty": "RSA", "n": "AA", "e": "AQAB", "alg": "PS256"});
    let cases = [
        (&p256, Algorithm::ES256, true),
        (&p256, Algorithm::ES384, false),
        (&p384, Algorithm::ES384, true),
        (&p256, Algorithm::RS256, false),
        (&ed, Algorithm::EdDSA, true),
        (&x448, Algorithm::EdDSA, false),
        (&rsa, Algorithm::PS256, true),
        (&rsa, Algorithm::EdDSA, false),
        (&rsa_ps, Algorithm::PS256, true),
        (&rsa_ps, Algorithm::RS256, false),
    ];
    for (jwk, alg, ok) in cases {
        let jwk_object = object(jwk.clone());
        let got = public_key_for(&jwk_object, alg);
        assert_eq!(got.is_ok(), ok, "{jwk} with {alg:?}");
        if !ok {
            assert_eq!(got, Err(WRONG_ALG));
        }
    }
}

#[test]
fn members_outside_base64url_give_no_key() {
    let key = PublicJwk::Ec {
        crv: "P-256",
        x: "not base64!",
        y: "AA",
    };
    assert!(matches!(key.decoding_key(), Err(UNUSABLE)));
}

#[test]
fn thumbprints_compare_exactly() {
    assert!(thumbprint_matches("abc", "abc"));
    assert!(!thumbprint_matches("abc", "abd"));
    assert!(!thumbprint_matches("abc", "abcd"));
    assert!(!thumbprint_matches("abc", ""));
}
