//! HS256/384/512 with a shared secret: no key set, the same errors.

use std::sync::Arc;

use auth_runtime::testing::{SigningKey, TokenBuilder};
use auth_runtime::{Algorithm, HmacSecret};
use auth_tests::*;
use rocket::http::Status;

const SECRET: &[u8] = b"a shared secret of at least thirty-two bytes";

fn hmac_token(ks: &KeyServer, alg: Algorithm, secret: &[u8]) -> TokenBuilder {
    let key = Arc::new(SigningKey::from_secret("hs", alg, secret).unwrap());
    TokenBuilder::new(key)
        .issuer(&ks.issuer())
        .audience(AUDIENCE)
        .sub("user-1")
}

#[rocket::async_test]
async fn hmac_tokens_verify_with_the_secret_and_no_key_set_is_fetched() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(
        ks.config()
            .shared_secret(HmacSecret::raw(SECRET))
            .build()
            .unwrap(),
    )
    .await;
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let answer = get_with(&client, "/private", &hmac_token(&ks, alg, SECRET).build()).await;
        assert_eq!(answer.status, Status::Ok, "{alg:?}: {answer:?}");
    }
    let scoped = hmac_token(&ks, Algorithm::HS256, SECRET)
        .scope("read:messages")
        .build();
    assert_eq!(
        get_with(&client, "/scoped", &scoped).await.status,
        Status::Ok
    );
    assert_eq!(ks.fetches().await, 0, "a shared secret needs no key set");
}

#[rocket::async_test]
async fn the_same_errors_apply_with_a_secret() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(
        ks.config()
            .shared_secret(HmacSecret::raw(SECRET))
            .build()
            .unwrap(),
    )
    .await;
    let parse = "Unable to parse authentication token.";
    // Another secret, and an RS256 token from the key set's issuer.
    let wrong = hmac_token(
        &ks,
        Algorithm::HS256,
        b"another secret, also thirty-two bytes long",
    )
    .build();
    get_with(&client, "/private", &wrong).await.assert_error(
        401,
        "invalid_header",
        parse,
        Some("invalid_token"),
    );
    let rs256 = ks.token(&RSA_A).build();
    get_with(&client, "/private", &rs256).await.assert_error(
        401,
        "invalid_header",
        parse,
        Some("invalid_token"),
    );
    let expired = hmac_token(&ks, Algorithm::HS256, SECRET)
        .expires_in(-3600)
        .build();
    get_with(&client, "/private", &expired).await.assert_error(
        401,
        "token_expired",
        "token is expired",
        Some("invalid_token"),
    );
    let other_aud = hmac_token(&ks, Algorithm::HS256, SECRET)
        .audience("https://x")
        .build();
    assert_eq!(
        get_with(&client, "/private", &other_aud).await.json()["code"],
        "invalid_claims"
    );
    let unscoped = hmac_token(&ks, Algorithm::HS256, SECRET).build();
    assert_eq!(
        get_with(&client, "/scoped", &unscoped).await.status,
        Status::Forbidden
    );
    assert_eq!(ks.fetches().await, 0);
}

#[rocket::async_test]
async fn a_base64url_secret_as_auth0_issued_them() {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(SECRET);
    let ks = KeyServer::start(&[&RSA_A]).await;
    let config = ks
        .config()
        .shared_secret(HmacSecret::base64(&encoded).unwrap())
        .build()
        .unwrap();
    let client = client(config).await;
    let token = hmac_token(&ks, Algorithm::HS256, SECRET).build();
    assert_eq!(
        get_with(&client, "/private", &token).await.status,
        Status::Ok
    );
}

#[rocket::async_test]
async fn an_hmac_token_on_a_key_set_configuration_is_refused() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let token = hmac_token(&ks, Algorithm::HS256, SECRET).build();
    get_with(&client, "/private", &token).await.assert_error(
        401,
        "invalid_header",
        "Unable to parse authentication token.",
        Some("invalid_token"),
    );
    assert_eq!(ks.fetches().await, 0);
}
