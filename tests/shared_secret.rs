//! HS256/384/512 with a shared secret: no key set, the same errors.

use std::sync::Arc;

use auth_runtime::config::{Algorithm, HmacSecret};
use auth_runtime::testing::{SigningKey, TokenBuilder};
use auth_tests::*;
use rocket::http::Status;

/// 64 bytes: long enough for HS512 (RFC 7518 section 3.2), so the default
/// algorithms keep HS384 and HS512.
const SECRET: &[u8] = b"a shared secret of sixty-four bytes, enough for HS256/384/512 ...";

fn hmac_token(ks: &KeyServer, alg: Algorithm, secret: &[u8]) -> TokenBuilder {
    let key = Arc::new(SigningKey::from_secret("hs", alg, secret).unwrap());
    token_from(&ks.issuer(), &key)
}

/// The library's test app verifying with `secret`, for `ks`'s issuer.
async fn app_with_secret(ks: &KeyServer, secret: HmacSecret) -> TestApp {
    TestApp::library(ks.config().shared_secret(secret)).await
}

#[rocket::async_test]
async fn hmac_tokens_verify_with_the_secret_and_no_key_set_is_fetched() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = app_with_secret(&ks, HmacSecret::raw(SECRET)).await;
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let answer = get_with(&app, "/private", &hmac_token(&ks, alg, SECRET).build()).await;
        assert_eq!(answer.status, Status::Ok, "{alg:?}: {answer:?}");
    }
    let scoped = hmac_token(&ks, Algorithm::HS256, SECRET)
        .scope("read:messages")
        .build();
    assert_eq!(status(&app, "/scoped", &scoped).await, Status::Ok);
    assert_eq!(ks.fetches().await, 0, "a shared secret needs no key set");
}

#[rocket::async_test]
async fn the_same_errors_apply_with_a_secret() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = app_with_secret(&ks, HmacSecret::raw(SECRET)).await;
    let hs256 = || hmac_token(&ks, Algorithm::HS256, SECRET);
    let rows = [
        Row::bearer(
            "another secret",
            hmac_token(
                &ks,
                Algorithm::HS256,
                b"another secret, also thirty-two bytes long",
            )
            .build(),
            UNPARSABLE,
        ),
        Row::bearer(
            "an RS256 token from the key set's issuer",
            ks.token(&RSA_A).build(),
            UNPARSABLE,
        ),
        Row::bearer("expired", hs256().expires_in(-3600).build(), TOKEN_EXPIRED),
        Row::bearer(
            "another audience",
            hs256().audience("https://x").build(),
            WRONG_AUD_OR_ISS,
        ),
    ];
    app.check_rows(&[Route::Private], &rows).await;
    let unscoped = Row::bearer(
        "no scope",
        hs256().build(),
        Expect::Forbidden("read:messages"),
    );
    app.check_rows(&[Route::Scoped], &[unscoped]).await;
    assert_eq!(ks.fetches().await, 0);
}

#[rocket::async_test]
async fn a_base64url_secret_as_auth0_issued_them() {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(SECRET);
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = app_with_secret(&ks, HmacSecret::base64(&encoded).unwrap()).await;
    let token = hmac_token(&ks, Algorithm::HS256, SECRET).build();
    assert_eq!(status(&app, "/private", &token).await, Status::Ok);
}

#[rocket::async_test]
async fn an_hmac_token_on_a_key_set_configuration_is_refused() {
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let token = hmac_token(&ks, Algorithm::HS256, SECRET).build();
    get_with(&app, "/private", &token)
        .await
        .assert(UNPARSABLE, "HS256 with no secret configured");
    assert_eq!(ks.fetches().await, 0);
}
