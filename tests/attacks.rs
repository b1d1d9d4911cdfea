//! The attack catalogue: one row per known attack on JWT validation, with
//! its source, the token that carries it, and what it must get.

use auth_runtime::testing::SigningKey;
use auth_tests::*;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use base64::Engine;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

fn unsigned(header: Value, payload: &Value) -> String {
    format!(
        "{}.{}.",
        B64.encode(header.to_string()),
        B64.encode(payload.to_string())
    )
}

fn hmac(alg: Algorithm, secret: &[u8], payload: &Value) -> String {
    let header = Header {
        kid: Some("rsa-a".into()),
        ..Header::new(alg)
    };
    jsonwebtoken::encode(&header, payload, &EncodingKey::from_secret(secret).unwrap()).unwrap()
}

fn rsa_public_der() -> Vec<u8> {
    let pem = std::str::from_utf8(RSA_A_PUBLIC_PEM).unwrap();
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    STANDARD.decode(body).unwrap()
}

#[rocket::async_test]
async fn algorithm_and_header_attacks() {
    let ks = KeyServer::start(&[&RSA_A, &EC]).await;
    // An attacker's key set, served where a token's header might point.
    let attacker_jku = ks.url("/attacker/jwks.json");
    ks.serve_at("/attacker/jwks.json", key_set_response(&[&RSA_B]))
        .await;
    let app = ks.app().await;
    let now = jsonwebtoken::get_current_timestamp();
    let payload =
        json!({ "iss": ks.issuer(), "aud": AUDIENCE, "sub": "mallory", "exp": now + 600 });
    let attacker_jwk: Jwk = serde_json::from_value(RSA_B.public_jwk().clone()).unwrap();

    // `key`'s token for `payload`, its default header changed by `edit`.
    let edited = |key: &SigningKey, edit: &dyn Fn(&mut Header)| {
        let mut header = header_of(key);
        edit(&mut header);
        signed(key, header, &payload)
    };
    // `payload` under this header text, signed by RSA_A.
    let raw_header = |header: &str| RSA_A.sign_raw(header, &payload.to_string()).unwrap();

    let alg_none = [
        ("none", "RFC 8725 §2.1; CVE-2015-9235"),
        ("None", "RFC 8725 §2.1"),
        ("NONE", "RFC 8725 §2.1"),
    ]
    .map(|(alg, source)| {
        let token = unsigned(json!({"alg": alg, "kid": "rsa-a"}), &payload);
        row(&format!("alg {alg}"), source, token, UNPARSABLE)
    });
    let der = rsa_public_der();
    let keyed_with_the_public_key = [
        (
            Algorithm::HS256,
            "PEM",
            RSA_A_PUBLIC_PEM,
            "RFC 8725 §2.1; CVE-2016-10555, CVE-2022-29217",
        ),
        (Algorithm::HS384, "PEM", RSA_A_PUBLIC_PEM, "RFC 8725 §2.1"),
        (Algorithm::HS512, "PEM", RSA_A_PUBLIC_PEM, "RFC 8725 §2.1"),
        (Algorithm::HS256, "DER", der.as_slice(), "RFC 8725 §2.1"),
    ]
    .map(|(alg, form, secret, source)| {
        let attack = format!("{alg:?} keyed with the RSA public key ({form})");
        row(&attack, source, hmac(alg, secret, &payload), UNPARSABLE)
    });
    let header_members = [
        row(
            "RS256 header on the EC key's kid",
            "RFC 8725 §3.1",
            edited(&RSA_A, &|header| header.kid = Some("ec-1".into())),
            UNPARSABLE,
        ),
        row(
            "ES256 header on the RSA key's kid",
            "RFC 8725 §3.1",
            edited(&EC, &|header| header.kid = Some("rsa-a".into())),
            UNPARSABLE,
        ),
        row(
            "PS256 on a key whose JWK pins alg RS256",
            "RFC 7517 §4.4; RFC 8725 §3.1",
            {
                let pss = SigningKey::from_pem("rsa-a", Algorithm::PS256, RSA_A_PEM).unwrap();
                signed(&pss, header_of(&pss), &payload)
            },
            UNPARSABLE,
        ),
        row(
            "crit with an unknown extension",
            "RFC 7515 §4.1.11",
            edited(&RSA_A, &|header| header.crit = Some(vec!["b64".into()])),
            UNPARSABLE,
        ),
        row(
            "jku to the attacker's key set, signed by the attacker",
            "RFC 8725 §3.10; CVE-2018-0114",
            edited(&RSA_B, &|header| header.jku = Some(attacker_jku.clone())),
            UNKNOWN_KEY,
        ),
        row(
            "x5u to the attacker, signed by the attacker",
            "RFC 8725 §3.10",
            edited(&RSA_B, &|header| header.x5u = Some(attacker_jku.clone())),
            UNKNOWN_KEY,
        ),
        row(
            "embedded jwk of the attacker, victim's kid",
            "CVE-2018-0114 (node-jose)",
            edited(&RSA_B, &|header| {
                header.jwk = Some(attacker_jwk.clone());
                header.kid = Some("rsa-a".into());
            }),
            UNPARSABLE,
        ),
        row(
            "x5c chain of the attacker",
            "RFC 8725 §3.10",
            edited(&RSA_B, &|header| {
                header.x5c = Some(vec!["MIIBfake".into()]);
                header.kid = Some("rsa-a".into());
            }),
            UNPARSABLE,
        ),
        row(
            "jku on a genuine token is ignored",
            "RFC 8725 §3.10",
            edited(&RSA_A, &|header| header.jku = Some(attacker_jku.clone())),
            Expect::Accepted,
        ),
    ];
    // A kid that names no key, whatever a lookup might make of it.
    let odd_kids = [
        ("kid path traversal", "../../../../dev/null".to_owned()),
        ("kid SQL injection", "' OR '1'='1' --".to_owned()),
        ("kid of 10 KB", "k".repeat(10_000)),
    ]
    .map(|(attack, kid)| {
        let token = edited(&RSA_A, &|header| header.kid = Some(kid.clone()));
        row(attack, "RFC 8725 §3.10", token, UNKNOWN_KEY)
    });
    let jwe = format!(
        "{}.a.b.c.d",
        B64.encode(r#"{"alg":"RSA-OAEP","enc":"A256GCM","kid":"rsa-a"}"#)
    );
    let malformed_headers = [
        (
            "kid as a number",
            "RFC 7515 §4.1.4",
            raw_header(r#"{"alg":"RS256","kid":7}"#),
        ),
        (
            "kid as an object",
            "RFC 7515 §4.1.4",
            raw_header(r#"{"alg":"RS256","kid":{"$ne":null}}"#),
        ),
        ("JWE (five segments)", "RFC 7516 §7.1", jwe),
        (
            "repeated alg in the header",
            "RFC 7515 §4; RFC 8725 §3.x",
            raw_header(r#"{"alg":"none","alg":"RS256","kid":"rsa-a"}"#),
        ),
        (
            "repeated unknown member in the header",
            "RFC 7515 §4",
            raw_header(r#"{"alg":"RS256","kid":"rsa-a","x":1,"x":2}"#),
        ),
    ]
    .map(|(attack, source, token)| row(attack, source, token, UNPARSABLE));
    let rows = [
        &alg_none[..],
        &keyed_with_the_public_key,
        &header_members,
        &odd_kids,
        &malformed_headers,
    ]
    .concat();
    app.check_rows(&[Route::Private], &rows).await;
    let attacker_fetches = ks.requests_under("/attacker").await;
    assert_eq!(attacker_fetches, 0, "no URL from a token is ever fetched");
    assert!(
        ks.fetches().await <= 2,
        "the key set: one fetch and at most one refresh"
    );
}
