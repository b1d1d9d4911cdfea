//! Every row of the HTTP contract (shared/CONTRACT.md), through Rocket's
//! local client against a real key-set server on 127.0.0.1.

use auth_tests::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use jsonwebtoken::{EncodingKey, Header};
use rocket::http::Status;
use serde_json::json;

/// A token assembled by hand from a header and payload, with `signature`.
fn raw_token(header: serde_json::Value, payload: serde_json::Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        B64.encode(header.to_string()),
        B64.encode(payload.to_string()),
        B64.encode(signature)
    )
}

fn valid_payload(ks: &KeyServer) -> serde_json::Value {
    let now = jsonwebtoken::get_current_timestamp();
    json!({ "iss": ks.issuer(), "aud": AUDIENCE, "sub": "u", "iat": now, "exp": now + 600 })
}

const MISSING: (u16, &str, &str) = (
    401,
    "authorization_header_missing",
    "Authorization header is expected",
);
const PARSE: &str = "Unable to parse authentication token.";

#[rocket::async_test]
async fn a_missing_or_empty_header_is_authorization_header_missing() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    for header in [None, Some(""), Some("   ")] {
        let answer = get(&client, "/private", header).await;
        answer.assert_error(MISSING.0, MISSING.1, MISSING.2, None);
    }
    assert_eq!(
        ks.fetches().await,
        0,
        "no fetch for a request without a token"
    );
}

#[rocket::async_test]
async fn header_shape_errors_follow_the_quickstart() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let cases = [
        (
            "Basic dXNlcjpwYXNz",
            "Authorization header must start with Bearer",
        ),
        ("Token abc", "Authorization header must start with Bearer"),
        ("Bearer", "Token not found"),
        ("bearer   ", "Token not found"),
        ("Bearer a b", "Authorization header must be Bearer token"),
        (
            "Bearer a.b.c extra more",
            "Authorization header must be Bearer token",
        ),
    ];
    for (header, description) in cases {
        let answer = get(&client, "/private", Some(header)).await;
        answer.assert_error(401, "invalid_header", description, Some("invalid_request"));
    }
    assert_eq!(ks.fetches().await, 0);
}

#[rocket::async_test]
async fn the_scheme_is_case_insensitive() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let token = ks.token(&RSA_A).build();
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let answer = get(&client, "/private", Some(&format!("{scheme} {token}"))).await;
        assert_eq!(answer.status, Status::Ok, "{scheme}: {answer:?}");
        assert_eq!(answer.json()["sub"], "user-1");
    }
}

#[rocket::async_test]
async fn malformed_tokens_are_unable_to_parse_and_fetch_nothing() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let payload = valid_payload(&ks);
    let hs256_with_public_key = jsonwebtoken::encode(
        &Header {
            kid: Some("rsa-a".into()),
            ..Header::new(jsonwebtoken::Algorithm::HS256)
        },
        &payload,
        &EncodingKey::from_secret(RSA_A_PUBLIC_PEM),
    )
    .unwrap();
    let cases = [
        ("one segment", "abc".to_owned()),
        ("two segments", "abc.def".to_owned()),
        ("empty segments", "..".to_owned()),
        ("not base64", "!!!.###.$$$".to_owned()),
        (
            "header not JSON",
            format!("{}.{}.c2ln", B64.encode("nope"), B64.encode("{}")),
        ),
        (
            "JWE, five segments",
            "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d".to_owned(),
        ),
        (
            "alg none",
            raw_token(json!({"alg": "none", "kid": "rsa-a"}), payload.clone(), b""),
        ),
        (
            "alg None",
            raw_token(json!({"alg": "None", "kid": "rsa-a"}), payload.clone(), b""),
        ),
        ("HS256 keyed with the RSA public key", hs256_with_public_key),
        (
            "unknown alg",
            raw_token(json!({"alg": "RS1", "kid": "rsa-a"}), payload.clone(), b"x"),
        ),
        (
            "oversized",
            format!("{}.{}.{}", "a".repeat(10_000), "b".repeat(7_000), "c"),
        ),
    ];
    for (name, token) in cases {
        let answer = get_with(&client, "/private", &token).await;
        answer.assert_error(401, "invalid_header", PARSE, Some("invalid_token"));
        assert!(!answer.body.contains(&token), "{name}: token echoed");
    }
    assert_eq!(
        ks.fetches().await,
        0,
        "alg and structure are checked before any fetch"
    );
}

#[rocket::async_test]
async fn a_crit_header_is_refused() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("rsa-a".into());
    header.crit = Some(vec!["exp-ext".into()]);
    let token = RSA_A.sign(&header, &valid_payload(&ks)).unwrap();
    get_with(&client, "/private", &token).await.assert_error(
        401,
        "invalid_header",
        PARSE,
        Some("invalid_token"),
    );
}

#[rocket::async_test]
async fn an_unknown_kid_is_unable_to_find_appropriate_key() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    // Cold: the first fetch already is the fresh set, so no refresh follows.
    let token = ks.token(&RSA_A).kid(Some("somebody-else")).build();
    let answer = get_with(&client, "/private", &token).await;
    answer.assert_error(
        401,
        "invalid_header",
        "Unable to find appropriate key",
        Some("invalid_token"),
    );
    assert_eq!(ks.fetches().await, 1);
    // Warm: one refresh for an unknown kid, then none within the cooldown.
    let other = ks.token(&RSA_A).kid(Some("another-one")).build();
    for _ in 0..3 {
        let answer = get_with(&client, "/private", &other).await;
        answer.assert_error(
            401,
            "invalid_header",
            "Unable to find appropriate key",
            Some("invalid_token"),
        );
    }
    assert_eq!(ks.fetches().await, 2);
}

#[rocket::async_test]
async fn a_signature_that_does_not_verify_is_unable_to_parse() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    // Signed by key B but claiming key A's kid.
    let forged = ks.token(&RSA_B).kid(Some("rsa-a")).build();
    get_with(&client, "/private", &forged).await.assert_error(
        401,
        "invalid_header",
        PARSE,
        Some("invalid_token"),
    );

    // A genuine token whose payload was changed after signing.
    let genuine = ks.token(&RSA_A).scope("read:messages").build();
    let mut parts: Vec<String> = genuine.split('.').map(str::to_owned).collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&B64.decode(&parts[1]).unwrap()).unwrap();
    payload["scope"] = json!("read:messages write:messages admin");
    parts[1] = B64.encode(payload.to_string());
    let tampered = parts.join(".");
    get_with(&client, "/private", &tampered).await.assert_error(
        401,
        "invalid_header",
        PARSE,
        Some("invalid_token"),
    );

    // The genuine token still works.
    assert_eq!(
        get_with(&client, "/private", &genuine).await.status,
        Status::Ok
    );
}

#[rocket::async_test]
async fn an_algorithm_is_bound_to_its_key() {
    let ks = KeyServer::start(&[&RSA_A, &EC]).await;
    let client = client(ks.config().build().unwrap()).await;
    // ES256 and RS256 keys in one set: each verifies its own tokens.
    assert_eq!(
        get_with(&client, "/private", &ks.token(&RSA_A).build())
            .await
            .status,
        Status::Ok
    );
    assert_eq!(
        get_with(&client, "/private", &ks.token(&EC).build())
            .await
            .status,
        Status::Ok
    );
    // An RS256 header naming the EC key is refused before verification.
    let cross = ks.token(&RSA_A).kid(Some("ec-1")).build();
    get_with(&client, "/private", &cross).await.assert_error(
        401,
        "invalid_header",
        PARSE,
        Some("invalid_token"),
    );
}

#[rocket::async_test]
async fn an_expired_token_is_token_expired() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let expired = ks.token(&RSA_A).expires_in(-120).build();
    get_with(&client, "/private", &expired).await.assert_error(
        401,
        "token_expired",
        "token is expired",
        Some("invalid_token"),
    );
    // Within the default leeway of 60 s it is still accepted.
    let just_expired = ks.token(&RSA_A).expires_in(-5).build();
    assert_eq!(
        get_with(&client, "/private", &just_expired).await.status,
        Status::Ok
    );
}

#[rocket::async_test]
async fn wrong_or_missing_audience_or_issuer_is_invalid_claims() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let issuer = ks.issuer();
    let bad = [
        ("wrong aud", ks.token(&RSA_A).audience("https://other/api")),
        ("missing aud", ks.token(&RSA_A).without("aud")),
        (
            "aud array without ours",
            ks.token(&RSA_A).claim("aud", ["https://a", "https://b"]),
        ),
        (
            "empty aud array",
            ks.token(&RSA_A).claim("aud", Vec::<String>::new()),
        ),
        (
            "wrong iss",
            ks.token(&RSA_A).issuer("https://evil.example/"),
        ),
        (
            "iss without the trailing slash",
            ks.token(&RSA_A).issuer(issuer.trim_end_matches('/')),
        ),
        (
            "iss in another case",
            ks.token(&RSA_A).issuer(&issuer.to_uppercase()),
        ),
        (
            "iss as an array",
            ks.token(&RSA_A).claim("iss", [issuer.as_str()]),
        ),
        ("missing iss", ks.token(&RSA_A).without("iss")),
    ];
    for (name, token) in bad {
        let answer = get_with(&client, "/private", &token.build()).await;
        assert_eq!(answer.status, Status::Unauthorized, "{name}");
        answer.assert_error(
            401,
            "invalid_claims",
            "incorrect claims, please check the audience and issuer",
            Some("invalid_token"),
        );
    }
    let with_ours = ks
        .token(&RSA_A)
        .claim("aud", ["https://a", AUDIENCE])
        .build();
    assert_eq!(
        get_with(&client, "/private", &with_ours).await.status,
        Status::Ok,
        "aud array containing ours"
    );
}

#[rocket::async_test]
async fn other_claim_errors_name_the_claim() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let in_an_hour = jsonwebtoken::get_current_timestamp() + 3600;
    let cases = [
        ("exp", ks.token(&RSA_A).without("exp")),
        ("exp", ks.token(&RSA_A).claim("exp", "tomorrow")),
        ("nbf", ks.token(&RSA_A).claim("nbf", in_an_hour)),
        ("iat", ks.token(&RSA_A).claim("iat", in_an_hour)),
        ("iat", ks.token(&RSA_A).claim("iat", "yesterday")),
    ];
    for (claim, token) in cases {
        get_with(&client, "/private", &token.build())
            .await
            .assert_invalid_claim(claim);
    }
    // nbf and iat in the past are fine.
    let fine = ks
        .token(&RSA_A)
        .claim("nbf", 1_000_000_000u64)
        .claim("iat", 1_000_000_000u64)
        .build();
    assert_eq!(
        get_with(&client, "/private", &fine).await.status,
        Status::Ok
    );
}

#[rocket::async_test]
async fn a_missing_scope_is_403_with_insufficient_scope() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let lacking = [
        ks.token(&RSA_A),
        ks.token(&RSA_A).scope("openid profile"),
        ks.token(&RSA_A).scope("read:messagesX xread:messages"),
        ks.token(&RSA_A).permissions(["read:messages:all"]),
        ks.token(&RSA_A).claim("scp", ["read"]),
    ];
    for token in lacking {
        let answer = get_with(&client, "/scoped", &token.build()).await;
        answer.assert_error(
            403,
            "Unauthorized",
            "You don't have access to this resource",
            Some("insufficient_scope"),
        );
        let challenge = answer.www_authenticate.unwrap();
        assert!(
            challenge.ends_with(r#", scope="read:messages""#),
            "{challenge}"
        );
    }
}

#[rocket::async_test]
async fn scopes_are_read_from_scope_scp_and_permissions() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let granting = [
        ks.token(&RSA_A).scope("openid read:messages"),
        ks.token(&RSA_A).claim("scp", "read:messages"),
        ks.token(&RSA_A).claim("scp", ["other", "read:messages"]),
        ks.token(&RSA_A).permissions(["read:messages"]),
    ];
    for token in granting {
        let answer = get_with(&client, "/scoped", &token.build()).await;
        assert_eq!(answer.status, Status::Ok, "{answer:?}");
        assert_eq!(
            answer.json(),
            json!({ "message": "scoped", "sub": "user-1" })
        );
    }
}

#[rocket::async_test]
async fn an_invalid_token_on_a_scoped_route_is_401_not_403() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let expired = ks
        .token(&RSA_A)
        .scope("read:messages")
        .expires_in(-3600)
        .build();
    get_with(&client, "/scoped", &expired).await.assert_error(
        401,
        "token_expired",
        "token is expired",
        Some("invalid_token"),
    );
    get(&client, "/scoped", None)
        .await
        .assert_error(MISSING.0, MISSING.1, MISSING.2, None);
}

#[rocket::async_test]
async fn an_unreachable_key_set_is_503_jwks_unavailable() {
    let ks = KeyServer::empty().await;
    ks.respond(wiremock::ResponseTemplate::new(500)).await;
    let client = client(ks.config().build().unwrap()).await;
    let token = ks.token(&RSA_A).build();
    let answer = get_with(&client, "/private", &token).await;
    assert_eq!(answer.json()["code"], "jwks_unavailable");
    answer.assert_error(
        503,
        "jwks_unavailable",
        answer.json()["description"].as_str().unwrap(),
        None,
    );
}

#[rocket::async_test]
async fn several_authorization_headers_are_refused() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let token = ks.token(&RSA_A).build();
    let response = client
        .get("/private")
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {token}"),
        ))
        .header(rocket::http::Header::new("Authorization", "Bearer other"))
        .dispatch()
        .await;
    Answer::from(response).await.assert_error(
        401,
        "invalid_header",
        "Authorization header must be Bearer token",
        Some("invalid_request"),
    );
}

#[rocket::async_test]
async fn an_open_route_needs_nothing() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    assert_eq!(get(&client, "/public", None).await.status, Status::Ok);
    assert_eq!(
        get(&client, "/public", Some("Bearer garbage")).await.status,
        Status::Ok
    );
    assert_eq!(ks.fetches().await, 0);
}
