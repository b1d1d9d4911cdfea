//! The verified-token cache's safety rules.

use std::time::Duration;

use auth_runtime::Issuers;
use auth_tests::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use rocket::http::Status;
use rocket::local::asynchronous::Client;

fn verifications(client: &Client) -> u64 {
    let issuers = client.rocket().state::<Issuers>().unwrap();
    issuers.validators()[0].full_verifications()
}

#[rocket::async_test]
async fn a_token_seen_again_skips_verification() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let token = ks.token(&RSA_A).scope("read:messages").build();
    for _ in 0..10 {
        assert_eq!(
            get_with(&client, "/private", &token).await.status,
            Status::Ok
        );
    }
    assert_eq!(verifications(&client), 1);
    // Turned off, every request verifies.
    let uncached = auth_tests::client(ks.config().token_cache_capacity(0).build().unwrap()).await;
    for _ in 0..3 {
        assert_eq!(
            get_with(&uncached, "/private", &token).await.status,
            Status::Ok
        );
    }
    assert_eq!(verifications(&uncached), 3);
}

#[rocket::async_test]
async fn an_expired_token_is_rejected_even_when_cached() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().leeway(Duration::ZERO).build().unwrap()).await;
    let token = ks.token(&RSA_A).expires_in(2).build();
    assert_eq!(
        get_with(&client, "/private", &token).await.status,
        Status::Ok
    );
    tokio::time::sleep(Duration::from_millis(3100)).await;
    get_with(&client, "/private", &token).await.assert_error(
        401,
        "token_expired",
        "token is expired",
        Some("invalid_token"),
    );
}

#[rocket::async_test]
async fn a_token_whose_key_left_the_set_is_rejected_after_the_refresh() {
    let ks = KeyServer::start(&[&RSA_A, &RSA_B]).await;
    let client = client(
        ks.config()
            .jwks_ttl(Duration::from_millis(1000))
            .refresh_cooldown(Duration::ZERO)
            .build()
            .unwrap(),
    )
    .await;
    let by_b = ks.token(&RSA_B).build();
    assert_eq!(
        get_with(&client, "/private", &by_b).await.status,
        Status::Ok
    );
    assert_eq!(
        get_with(&client, "/private", &by_b).await.status,
        Status::Ok
    );
    assert_eq!(verifications(&client), 1, "served from the cache");
    // B is retired; once the set is refreshed (here: after its TTL), B's
    // cached tokens are no longer served.
    ks.serve_keys(&[&RSA_A]).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let answer = get_with(&client, "/private", &by_b).await;
    answer.assert_error(
        401,
        "invalid_header",
        "Unable to find appropriate key",
        Some("invalid_token"),
    );
    // The stale refresh, then (no cooldown here) one for B's now unknown kid.
    assert_eq!(ks.fetches().await, 2);
}

#[rocket::async_test]
async fn a_refresh_for_an_unknown_kid_also_retires_cached_tokens() {
    let ks = KeyServer::start(&[&RSA_A, &RSA_B]).await;
    let client = client(
        ks.config()
            .refresh_cooldown(Duration::ZERO)
            .build()
            .unwrap(),
    )
    .await;
    let by_b = ks.token(&RSA_B).build();
    assert_eq!(
        get_with(&client, "/private", &by_b).await.status,
        Status::Ok
    );
    ks.serve_keys(&[&RSA_A, &EC]).await;
    assert_eq!(
        get_with(&client, "/private", &ks.token(&EC).build())
            .await
            .status,
        Status::Ok
    );
    assert_eq!(
        get_with(&client, "/private", &by_b).await.status,
        Status::Unauthorized
    );
}

#[rocket::async_test]
async fn a_tampered_copy_of_a_cached_token_is_not_served() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let genuine = ks.token(&RSA_A).scope("read:messages").build();
    assert_eq!(
        get_with(&client, "/scoped", &genuine).await.status,
        Status::Ok
    );
    let parts: Vec<&str> = genuine.split('.').collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
    payload["sub"] = "admin".into();
    let tampered_payload = format!(
        "{}.{}.{}",
        parts[0],
        B64.encode(payload.to_string()),
        parts[2]
    );
    let mut signature = B64.decode(parts[2]).unwrap();
    signature[0] ^= 1;
    let tampered_signature = format!("{}.{}.{}", parts[0], parts[1], B64.encode(signature));
    for tampered in [tampered_payload, tampered_signature, format!("{genuine}x")] {
        let answer = get_with(&client, "/scoped", &tampered).await;
        answer.assert_error(
            401,
            "invalid_header",
            "Unable to parse authentication token.",
            Some("invalid_token"),
        );
    }
    assert_eq!(
        get_with(&client, "/scoped", &genuine).await.status,
        Status::Ok
    );
}

#[rocket::async_test]
async fn a_cached_success_on_one_route_does_not_bypass_another_routes_scope() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let token = ks.token(&RSA_A).scope("openid").build();
    assert_eq!(
        get_with(&client, "/private", &token).await.status,
        Status::Ok
    );
    let answer = get_with(&client, "/scoped", &token).await;
    assert_eq!(answer.status, Status::Forbidden);
    assert_eq!(
        verifications(&client),
        1,
        "the scope was checked on the cached claims"
    );
}

#[rocket::async_test]
async fn an_entry_does_not_outlive_the_max_age() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(
        ks.config()
            .token_cache_max_age(Duration::from_millis(1000))
            .build()
            .unwrap(),
    )
    .await;
    let token = ks.token(&RSA_A).build();
    get_with(&client, "/private", &token).await;
    get_with(&client, "/private", &token).await;
    assert_eq!(verifications(&client), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        get_with(&client, "/private", &token).await.status,
        Status::Ok
    );
    assert_eq!(verifications(&client), 2);
}

#[rocket::async_test]
async fn big_tokens_and_failures_are_never_cached() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let big = ks.token(&RSA_A).claim("padding", "p".repeat(5000)).build();
    for _ in 0..3 {
        assert_eq!(get_with(&client, "/private", &big).await.status, Status::Ok);
    }
    assert_eq!(
        verifications(&client),
        3,
        "a token over 4 KiB is verified every time"
    );
    let expired = ks.token(&RSA_A).expires_in(-3600).build();
    for _ in 0..3 {
        assert_eq!(
            get_with(&client, "/private", &expired).await.status,
            Status::Unauthorized
        );
    }
    assert_eq!(
        verifications(&client),
        6,
        "failures are verified every time"
    );
}
