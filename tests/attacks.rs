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

    let rows = vec![
        row(
            "alg none",
            "RFC 8725 §2.1; CVE-2015-9235",
            unsigned(json!({"alg": "none", "kid": "rsa-a"}), &payload),
            UNPARSABLE,
        ),
        row(
            "alg None",
            "RFC 8725 §2.1",
            unsigned(json!({"alg": "None", "kid": "rsa-a"}), &payload),
            UNPARSABLE,
        ),
        row(
            "alg NONE",
            "RFC 8725 §2.1",
            unsigned(json!({"alg": "NONE", "kid": "rsa-a"}), &payload),
            UNPARSABLE,
        ),
        row(
            "HS256 keyed with the RSA public key (PEM)",
            "RFC 8725 §2.1; CVE-2016-10555, CVE-2022-29217",
            hmac(Algorithm::HS256, RSA_A_PUBLIC_PEM, &payload),
            UNPARSABLE,
        ),
        row(
            "HS384 keyed with the RSA public key (PEM)",
            "RFC 8725 §2.1",
            hmac(Algorithm::HS384, RSA_A_PUBLIC_PEM, &payload),
            UNPARSABLE,
        ),
        row(
            "HS512 keyed with the RSA public key (PEM)",
            "RFC 8725 §2.1",
            hmac(Algorithm::HS512, RSA_A_PUBLIC_PEM, &payload),
            UNPARSABLE,
        ),
        row(
            "HS256 keyed with the RSA public key (DER)",
            "RFC 8725 §2.1",
            hmac(Algorithm::HS256, &rsa_public_der(), &payload),
            UNPARSABLE,
        ),
        row(
            "RS256 header on the EC key's kid",
            "RFC 8725 §3.1",
            signed(
                &RSA_A,
                Header {
                    kid: Some("ec-1".into()),
                    ..Header::new(Algorithm::RS256)
                },
                &payload,
            ),
            UNPARSABLE,
        ),
        row(
            "ES256 header on the RSA key's kid",
            "RFC 8725 §3.1",
            signed(
                &EC,
                Header {
                    kid: Some("rsa-a".into()),
                    ..Header::new(Algorithm::ES256)
                },
                &payload,
            ),
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
            signed(
                &RSA_A,
                Header {
                    crit: Some(vec!["b64".into()]),
                    ..header_of(&RSA_A)
                },
                &payload,
            ),
            UNPARSABLE,
        ),
        row(
            "jku to the attacker's key set, signed by the attacker",
            "RFC 8725 §3.10; CVE-2018-0114",
            signed(
                &RSA_B,
                Header {
                    jku: Some(attacker_jku.clone()),
                    ..header_of(&RSA_B)
                },
                &payload,
            ),
            UNKNOWN_KEY,
        ),
        row(
            "x5u to the attacker, signed by the attacker",
            "RFC 8725 §3.10",
            signed(
                &RSA_B,
                Header {
                    x5u: Some(attacker_jku.clone()),
                    ..header_of(&RSA_B)
                },
                &payload,
            ),
            UNKNOWN_KEY,
        ),
        row(
            "embedded jwk of the attacker, victim's kid",
            "CVE-2018-0114 (node-jose)",
            signed(
                &RSA_B,
                Header {
                    jwk: Some(attacker_jwk.clone()),
                    kid: Some("rsa-a".into()),
                    ..Header::new(Algorithm::RS256)
                },
                &payload,
            ),
            UNPARSABLE,
        ),
        row(
            "x5c chain of the attacker",
            "RFC 8725 §3.10",
            signed(
                &RSA_B,
                Header {
                    x5c: Some(vec!["MIIBfake".into()]),
                    kid: Some("rsa-a".into()),
                    ..Header::new(Algorithm::RS256)
                },
                &payload,
            ),
            UNPARSABLE,
        ),
        row(
            "jku on a genuine token is ignored",
            "RFC 8725 §3.10",
            signed(
                &RSA_A,
                Header {
                    jku: Some(attacker_jku.clone()),
                    ..header_of(&RSA_A)
                },
                &payload,
            ),
            Expect::Accepted,
        ),
        row(
            "kid path traversal",
            "RFC 8725 §3.10",
            signed(
                &RSA_A,
                Header {
                    kid: Some("../../../../dev/null".into()),
                    ..Header::new(Algorithm::RS256)
                },
                &payload,
            ),
            UNKNOWN_KEY,
        ),
        row(
            "kid SQL injection",
            "RFC 8725 §3.10",
            signed(
                &RSA_A,
                Header {
                    kid: Some("' OR '1'='1' --".into()),
                    ..Header::new(Algorithm::RS256)
                },
                &payload,
            ),
            UNKNOWN_KEY,
        ),
        row(
            "kid of 10 KB",
            "RFC 8725 §3.10",
            signed(
                &RSA_A,
                Header {
                    kid: Some("k".repeat(10_000)),
                    ..Header::new(Algorithm::RS256)
                },
                &payload,
            ),
            UNKNOWN_KEY,
        ),
        row(
            "kid as a number",
            "RFC 7515 §4.1.4",
            RSA_A
                .sign_raw(r#"{"alg":"RS256","kid":7}"#, &payload.to_string())
                .unwrap(),
            UNPARSABLE,
        ),
        row(
            "kid as an object",
            "RFC 7515 §4.1.4",
            RSA_A
                .sign_raw(
                    r#"{"alg":"RS256","kid":{"$ne":null}}"#,
                    &payload.to_string(),
                )
                .unwrap(),
            UNPARSABLE,
        ),
        row(
            "JWE (five segments)",
            "RFC 7516 §7.1",
            format!(
                "{}.a.b.c.d",
                B64.encode(r#"{"alg":"RSA-OAEP","enc":"A256GCM","kid":"rsa-a"}"#)
            ),
            UNPARSABLE,
        ),
        row(
            "repeated alg in the header",
            "RFC 7515 §4; RFC 8725 §3.x",
            RSA_A
                .sign_raw(
                    r#"{"alg":"none","alg":"RS256","kid":"rsa-a"}"#,
                    &payload.to_string(),
                )
                .unwrap(),
            UNPARSABLE,
        ),
        row(
            "repeated unknown member in the header",
            "RFC 7515 §4",
            RSA_A
                .sign_raw(
                    r#"{"alg":"RS256","kid":"rsa-a","x":1,"x":2}"#,
                    &payload.to_string(),
                )
                .unwrap(),
            UNPARSABLE,
        ),
    ];
    app.check_rows(&[Route::Private], &rows).await;
    let attacker_fetches = ks.requests_under("/attacker").await;
    assert_eq!(attacker_fetches, 0, "no URL from a token is ever fetched");
    assert!(
        ks.fetches().await <= 2,
        "the key set: one fetch and at most one refresh"
    );
}
