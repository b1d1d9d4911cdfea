//! Keys with no network at all: a key-set file (`file://` in `jwks_uri`),
//! a key set given inline, one PEM or JWK bound to its algorithm.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use auth_runtime::config::{Algorithm, AuthConfigBuilder};
use auth_runtime::testing::{key_set, ManualClock, SigningKey, TokenBuilder};
use auth_runtime::{Auth, AuthConfig};
use auth_tests::*;
use rocket::http::Status;
use serde_json::json;

/// A fresh directory of this test process.
fn scratch_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("auth-key-transport-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Replaces `file` in one step, as a key rotation would.
fn write_atomically(file: &Path, contents: &[u8]) {
    let next = file.with_extension("next");
    std::fs::write(&next, contents).unwrap();
    std::fs::rename(&next, file).unwrap();
}

fn static_token(key: &Arc<SigningKey>) -> TokenBuilder {
    token_from(STATIC_ISSUER, key)
}

/// The status of `/private` on `app` with a token of [`STATIC_ISSUER`]
/// signed by `key`.
async fn static_status(app: &rocket::local::asynchronous::Client, key: &Arc<SigningKey>) -> Status {
    status(app, "/private", &static_token(key).build()).await
}

fn file_config(file: &Path) -> AuthConfigBuilder {
    AuthConfig::builder(STATIC_ISSUER, AUDIENCE)
        .jwks_uri(format!("file://{}", file.display()))
        .retry_interval(Duration::ZERO)
}

#[rocket::async_test]
async fn a_key_set_file_is_read_with_no_network_and_reread_after_the_ttl() {
    let dir = scratch_dir("rotation");
    let file = dir.join("jwks.json");
    write_atomically(&file, key_set([&**RSA_A]).to_string().as_bytes());
    let ttl = Duration::from_secs(1);
    let clock = ManualClock::new();
    let config = file_config(&file)
        .jwks_ttl(ttl)
        .refresh_cooldown(Duration::from_millis(100))
        .clock(clock.clock());
    let app = TestApp::library(config).await;
    let old = static_token(&RSA_A).build();
    assert_eq!(status(&app, "/private", &old).await, Status::Ok);
    let read = app.key_set_status().last_attempt;

    // Rotated: only B. A's kid is cached, so only the TTL's re-read drops it.
    write_atomically(&file, key_set([&**RSA_B]).to_string().as_bytes());
    clock.advance(ttl);
    // Stale: answered with the set it has, re-read in the background.
    let _ = status(&app, "/private", &old).await;
    app.await_fetch_end(read).await;
    assert_eq!(status(&app, "/private", &old).await, Status::Unauthorized);
    assert_eq!(static_status(&app, &RSA_B).await, Status::Ok);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[rocket::async_test]
async fn a_missing_garbage_or_oversized_key_set_file_is_503_until_fixed() {
    let dir = scratch_dir("broken");
    let file = dir.join("jwks.json");
    let app = TestApp::library(file_config(&file).max_jwks_bytes(4096)).await;
    let token = static_token(&RSA_A).build();
    let unavailable = |answer: Answer| {
        assert_eq!(answer.status, Status::ServiceUnavailable, "{answer:?}");
        assert_eq!(answer.json()["code"], "jwks_unavailable");
        assert!(answer.retry_after.is_some());
    };
    unavailable(get_with(&app, "/private", &token).await);
    write_atomically(&file, b"not json at all");
    unavailable(get_with(&app, "/private", &token).await);
    let padded = json!({ "keys": key_set([&**RSA_A])["keys"], "padding": "x".repeat(8192) });
    write_atomically(&file, padded.to_string().as_bytes());
    unavailable(get_with(&app, "/private", &token).await);
    write_atomically(&file, key_set([&**RSA_A]).to_string().as_bytes());
    assert_eq!(status(&app, "/private", &token).await, Status::Ok);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[rocket::async_test]
async fn a_directory_as_key_set_file_is_503() {
    let dir = scratch_dir("directory");
    let app = TestApp::library(file_config(&dir)).await;
    assert_eq!(
        static_status(&app, &RSA_A).await,
        Status::ServiceUnavailable
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[rocket::async_test]
async fn an_inline_key_set_needs_no_network() {
    let config = AuthConfig::builder(STATIC_ISSUER, AUDIENCE)
        .jwks_inline(key_set([&**RSA_A, &**EC]).to_string());
    let app = TestApp::library(config).await;
    assert_eq!(static_status(&app, &RSA_A).await, Status::Ok);
    assert_eq!(static_status(&app, &EC).await, Status::Ok);
    let answer = get_with(&app, "/private", &static_token(&RSA_B).build()).await;
    assert_eq!(answer.status, Status::Unauthorized);
    assert_eq!(answer.json()["description"], NO_KEY);
}

#[rocket::async_test]
async fn a_single_pem_key_verifies_its_algorithm_whatever_the_kid() {
    let pem = String::from_utf8(RSA_A_PUBLIC_PEM.to_vec()).unwrap();
    let config = AuthConfig::builder(STATIC_ISSUER, AUDIENCE).public_key_pem(Algorithm::RS256, pem);
    let app = TestApp::library(config).await;
    for kid in [Some("rsa-a"), Some("anything"), None] {
        let token = static_token(&RSA_A).kid(kid).build();
        assert_eq!(
            status(&app, "/private", &token).await,
            Status::Ok,
            "kid {kid:?}"
        );
    }
    // Another key: a bad signature; the same key under another algorithm: refused.
    let other = get_with(&app, "/private", &static_token(&RSA_B).build()).await;
    assert_eq!(other.status, Status::Unauthorized);
    let ps256 = SigningKey::from_pem("rsa-a", Algorithm::PS256, RSA_A_PEM).unwrap();
    let answer = get_with(&app, "/private", &static_token(&Arc::new(ps256)).build()).await;
    assert_eq!(answer.status, Status::Unauthorized, "{answer:?}");
}

#[rocket::async_test]
async fn a_single_jwk_verifies_tokens_of_its_kid() {
    let config = AuthConfig::builder(STATIC_ISSUER, AUDIENCE)
        .public_key_jwk(Algorithm::ES256, EC.public_jwk().to_string());
    let app = TestApp::library(config).await;
    assert_eq!(static_status(&app, &EC).await, Status::Ok);
    let other_kid = static_token(&EC).kid(Some("other")).build();
    assert_eq!(
        status(&app, "/private", &other_kid).await,
        Status::Unauthorized
    );
}

#[rocket::async_test]
async fn unusable_static_keys_fail_ignition() {
    let pem = String::from_utf8(RSA_A_PUBLIC_PEM.to_vec()).unwrap();
    let builder = || AuthConfig::builder(STATIC_ISSUER, AUDIENCE);
    let configs = [
        builder().jwks_inline("garbage"),
        builder().jwks_inline(r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#),
        builder().public_key_pem(Algorithm::RS256, "-----BEGIN PUBLIC KEY-----\nAA==\n"),
        builder().public_key_pem(Algorithm::ES256, pem.clone()),
        builder()
            .algorithms([Algorithm::ES256])
            .public_key_pem(Algorithm::RS256, pem),
        builder().public_key_jwk(Algorithm::RS256, EC.public_jwk().to_string()),
    ];
    for config in configs {
        let config = config.build().unwrap();
        let why = format!("{:?} should not ignite", config.jwks_source());
        assert_a_fairing_fails(AppKind::Library.rocket(Auth::new(config)), &why).await;
    }
}

#[rocket::async_test]
async fn a_key_set_in_rocket_toml_needs_no_network() {
    let figment = rocket::figment::Figment::from(rocket_config())
        .merge(("auth.issuer", STATIC_ISSUER))
        .merge(("auth.audience", AUDIENCE))
        .merge(("auth.jwks", key_set([&**RSA_A])));
    let rocket = AppKind::Library.build(rocket::custom(figment), Auth::from_rocket_config());
    let app = rocket::local::asynchronous::Client::tracked(rocket)
        .await
        .unwrap();
    assert_eq!(static_status(&app, &RSA_A).await, Status::Ok);
    assert_eq!(static_status(&app, &RSA_B).await, Status::Unauthorized);
}
