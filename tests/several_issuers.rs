//! Several issuers: the token's `iss` picks the configuration.

use auth_runtime::{Auth, AuthConfig};
use auth_tests::*;
use rocket::http::Status;
use rocket::local::asynchronous::Client;

#[rocket::get("/private")]
fn private(user: auth_runtime::Claims) -> String {
    user.sub().unwrap_or_default().to_owned()
}

async fn two_issuers() -> (KeyServer, KeyServer, Client) {
    let production = KeyServer::start(&[&RSA_A]).await;
    let staging = KeyServer::start(&[&EC]).await;
    let staging_config = AuthConfig::builder(staging.issuer(), "https://staging/api")
        .jwks_uri(staging.jwks_uri())
        .build()
        .unwrap();
    let auth = Auth::issuers([production.config().build().unwrap(), staging_config]);
    let rocket = rocket::custom(rocket_config())
        .attach(auth)
        .mount("/", rocket::routes![private]);
    (production, staging, Client::tracked(rocket).await.unwrap())
}

#[rocket::async_test]
async fn each_issuers_tokens_are_verified_with_its_own_keys_and_audience() {
    let (production, staging, client) = two_issuers().await;
    let from_production = production.token(&RSA_A).sub("prod-user").build();
    assert_eq!(
        get_with(&client, "/private", &from_production).await.body,
        "prod-user"
    );
    let from_staging = staging
        .token(&EC)
        .audience("https://staging/api")
        .sub("staging-user")
        .build();
    assert_eq!(
        get_with(&client, "/private", &from_staging).await.body,
        "staging-user"
    );
    assert_eq!(
        (production.fetches().await, staging.fetches().await),
        (1, 1)
    );

    // Staging's token with production's audience: staging's audience rules.
    let wrong_audience = staging.token(&EC).build();
    assert_eq!(
        get_with(&client, "/private", &wrong_audience).await.json()["code"],
        "invalid_claims"
    );
    // Production's iss, signed with staging's key: production's keys decide.
    let cross = production.token(&EC).build();
    assert_eq!(
        get_with(&client, "/private", &cross).await.status,
        Status::Unauthorized
    );
}

#[rocket::async_test]
async fn an_unknown_issuer_is_invalid_claims_with_no_fetch() {
    let (production, staging, client) = two_issuers().await;
    let unknown = production
        .token(&RSA_A)
        .issuer("https://evil.example/")
        .build();
    get_with(&client, "/private", &unknown).await.assert_error(
        401,
        "invalid_claims",
        "incorrect claims, please check the audience and issuer",
        Some("invalid_token"),
    );
    let missing = production.token(&RSA_A).without("iss").build();
    assert_eq!(
        get_with(&client, "/private", &missing).await.json()["code"],
        "invalid_claims"
    );
    get_with(&client, "/private", "not.a-token")
        .await
        .assert_error(
            401,
            "invalid_header",
            "Unable to parse authentication token.",
            Some("invalid_token"),
        );
    assert_eq!(
        (production.fetches().await, staging.fetches().await),
        (0, 0)
    );
}

#[rocket::async_test]
async fn the_same_issuer_twice_fails_ignition() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let auth = Auth::issuers([ks.config().build().unwrap(), ks.config().build().unwrap()]);
    let rocket = rocket::custom(rocket_config())
        .attach(auth)
        .mount("/", rocket::routes![private]);
    let error = Client::tracked(rocket).await.expect_err("duplicate issuer");
    assert!(
        matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(_)),
        "{error:?}"
    );
}
