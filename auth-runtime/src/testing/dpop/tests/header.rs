//! The checks of the proof's structure, header, key and signature.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::Algorithm;
use serde_json::{json, Value};

use super::*;

#[test]
fn size_is_checked_before_parsing() {
    let key = DpopKey::generate();
    let huge = good(&key).claim("pad", "x".repeat(MAX_PROOF_BYTES)).build();
    assert_eq!(
        refused(&huge, &key),
        "The DPoP proof is larger than the size limit"
    );
    // Exactly at the limit the size passes and the structure is checked;
    // one byte more is refused for its size.
    for (len, why) in [
        (MAX_PROOF_BYTES, "The DPoP proof is not a compact JWS"),
        (
            MAX_PROOF_BYTES + 1,
            "The DPoP proof is larger than the size limit",
        ),
    ] {
        assert_eq!(refused(&"A".repeat(len), &key), why, "{len} bytes");
    }
}

#[test]
fn structure_three_non_empty_segments() {
    let key = DpopKey::generate();
    let proof = good(&key).build();
    let (message, _) = proof.rsplit_once('.').unwrap();
    let sentence = "The DPoP proof is not a compact JWS";
    for bad in [
        message.to_owned(),
        format!("{proof}.x"),
        format!("{message}."),
        String::new(),
        "..".into(),
        // Each segment empty while the other two are not.
        format!(".{}", proof.split_once('.').unwrap().1),
        format!(
            "{}..{}",
            proof.split('.').next().unwrap(),
            proof.rsplit_once('.').unwrap().1
        ),
    ] {
        assert_eq!(refused(&bad, &key), sentence, "{bad}");
    }
}

#[test]
fn header_must_be_strict_base64url_json() {
    let key = DpopKey::generate();
    let jwk = Value::Object(key.public_jwk().clone());
    let repeated = format!(r#"{{"typ":"dpop+jwt","typ":"dpop+jwt","alg":"ES256","jwk":{jwk}}}"#);
    let claims =
        json!({"jti": "j", "htm": "GET", "htu": URL, "iat": NOW, "ath": access_token_hash(TOKEN)});
    let sentence = "The DPoP proof's header is not base64url JSON with distinct members";
    assert_eq!(
        refused(&key.sign_raw(&repeated, &claims.to_string()), &key),
        sentence
    );
    let x = jwk.get("x").unwrap();
    let repeated_in_jwk = format!(
        r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{{"kty":"EC","crv":"P-256","x":{x},"x":{x},"y":{}}}}}"#,
        jwk.get("y").unwrap()
    );
    assert_eq!(
        refused(&key.sign_raw(&repeated_in_jwk, &claims.to_string()), &key),
        sentence
    );
    let proof = good(&key).build();
    let not_json = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode("nope"),
        proof.split_once('.').unwrap().1
    );
    assert_eq!(refused(&not_json, &key), sentence);
}

#[test]
fn typ_must_be_dpop_jwt() {
    let key = DpopKey::generate();
    let sentence = "The DPoP proof's typ is not dpop+jwt";
    let values = ["jwt", "at+jwt", "dpop", ""];
    assert_member_refused(&key, (Part::Header, "typ"), &values, sentence);
    // Only `application/` may precede the type: another 12 characters
    // before it leave a typ that is not dpop+jwt.
    let prefixed = [
        "applicatioX/dpop+jwt",
        "xxxxxxxxxxx/dpop+jwt",
        "application/",
    ];
    assert_member_refused(&key, (Part::Header, "typ"), &prefixed, sentence);
    assert_eq!(
        refused(&good(&key).header("typ", 1).build(), &key),
        sentence
    );
    // RFC 7515 section 4.1.9: media types compare case-insensitively, and
    // the application/ prefix may be left out.
    for typ in ["application/dpop+jwt", "DPoP+JWT"] {
        assert!(
            verify(&good(&key).typ(Some(typ)).build(), &key).is_ok(),
            "{typ}"
        );
    }
}

#[test]
fn alg_must_be_an_allowed_asymmetric_one() {
    let key = DpopKey::generate();
    let sentence = "The DPoP proof's alg is not one of the allowed asymmetric algorithms";
    let values = ["none", "HS256", "HS512", "ES512", "es256", ""];
    assert_member_refused(&key, (Part::Header, "alg"), &values, sentence);
    let only_rsa = DpopConfig {
        algorithms: vec![Algorithm::RS256, Algorithm::HS256],
        ..DpopConfig::default()
    };
    let proof = good(&key).build();
    assert_eq!(
        verify_with(&proof, &key, &only_rsa),
        Err(DpopError::InvalidProof(sentence))
    );
    // HS256 in the configured list is still refused.
    let with_hmac = DpopConfig {
        algorithms: vec![Algorithm::HS256, Algorithm::ES256],
        ..DpopConfig::default()
    };
    let hs = good(&key).alg("HS256").build();
    assert_eq!(
        verify_with(&hs, &key, &with_hmac),
        Err(DpopError::InvalidProof(sentence))
    );
}

#[test]
fn crit_is_refused() {
    let key = DpopKey::generate();
    let proof = good(&key).header("crit", ["exp"]).header("exp", 1).build();
    assert_eq!(
        refused(&proof, &key),
        "The DPoP proof's header has crit extensions, none of which are supported"
    );
}

#[test]
fn jwk_must_be_present() {
    let key = DpopKey::generate();
    let sentence = "The DPoP proof's header has no jwk object";
    assert_member_refused(&key, (Part::Header, "jwk"), &["k"], sentence);
}

#[test]
fn jwk_must_be_public() {
    let key = DpopKey::generate();
    for member in ["d", "p", "q", "dp", "dq", "qi", "k"] {
        let proof = good(&key).private_member(member).build();
        assert_eq!(
            refused(&proof, &key),
            "The DPoP proof's jwk holds private key members",
            "{member}"
        );
    }
    let oct = good(&key)
        .header("jwk", json!({"kty": "oct", "alg": "ES256"}))
        .build();
    assert_eq!(
        refused(&oct, &key),
        "The DPoP proof's jwk is a symmetric key"
    );
}

#[test]
fn jwk_must_be_a_supported_key_for_the_alg() {
    let key = DpopKey::generate();
    let unusable = good(&key)
        .header("jwk", json!({"kty": "EC", "crv": "P-256", "x": "AA"}))
        .build();
    assert_eq!(
        refused(&unusable, &key),
        "The DPoP proof's jwk is not a supported public key"
    );
    let sentence = "The DPoP proof's jwk is not a key for the proof's alg";
    assert_eq!(refused(&good(&key).alg("RS256").build(), &key), sentence);
    assert_eq!(refused(&good(&key).alg("ES384").build(), &key), sentence);
    let mut jwk = key.public_jwk().clone();
    jwk.insert("alg".into(), "ES384".into());
    assert_eq!(
        refused(&good(&key).header("jwk", &jwk).build(), &key),
        sentence
    );
    jwk.insert("alg".into(), "ES256".into());
    assert!(verify(&good(&key).header("jwk", &jwk).build(), &key).is_ok());
}

#[test]
fn thumbprint_must_equal_cnf_jkt() {
    let (key, other) = (DpopKey::generate(), DpopKey::generate());
    let proof = good(&other).build();
    assert_eq!(
        refused(&proof, &key),
        "The DPoP proof's key is not the one the token is bound to (cnf.jkt)"
    );
}

#[test]
fn signature_must_verify_with_the_jwk() {
    let (key, other) = (DpopKey::generate(), DpopKey::generate());
    let sentence = "The DPoP proof's signature does not verify";
    assert_eq!(
        refused(&good(&key).signed_by(&other).build(), &key),
        sentence
    );
    // Claims swapped after signing.
    let proof = good(&key).build();
    let forged = good(&key).claim("htm", "DELETE").build();
    let mut parts: Vec<&str> = proof.split('.').collect();
    parts[1] = forged.split('.').nth(1).unwrap();
    assert_eq!(refused(&parts.join("."), &key), sentence);
    let garbage = format!("{}.!!!", proof.rsplit_once('.').unwrap().0);
    assert_eq!(refused(&garbage, &key), sentence);
}
