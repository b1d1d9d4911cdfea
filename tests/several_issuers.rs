//! Several issuers: the token's `iss` picks the configuration.

use auth_runtime::Auth;
use auth_tests::*;
use rocket::http::Status;

#[rocket::async_test]
async fn each_issuers_tokens_are_verified_with_its_own_keys_and_audience() {
    let issuers = TwoIssuers::start().await;
    let (production, staging, app) = (&issuers.production, &issuers.staging, &issuers.app);
    let from_production = production.token(&RSA_A).sub("prod-user").build();
    let answer = get_with(app, "/private", &from_production).await;
    assert_eq!(answer.json()["sub"], "prod-user");
    let from_staging = staging
        .token(&EC)
        .audience(STAGING_AUDIENCE)
        .sub("staging-user")
        .build();
    let answer = get_with(app, "/private", &from_staging).await;
    assert_eq!(answer.json()["sub"], "staging-user");
    assert_eq!(issuers.fetches().await, (1, 1));

    // Staging's token with production's audience: staging's audience rules.
    let wrong_audience = staging.token(&EC).build();
    let answer = get_with(app, "/private", &wrong_audience).await;
    assert_eq!(answer.json()["code"], "invalid_claims");
    // Production's iss, signed with staging's key: production's keys decide.
    let cross = production.token(&EC).build();
    assert_eq!(status(app, "/private", &cross).await, Status::Unauthorized);
}

#[rocket::async_test]
async fn an_unknown_issuer_is_invalid_claims_with_no_fetch() {
    let issuers = TwoIssuers::start().await;
    let (production, app) = (&issuers.production, &issuers.app);
    let unknown = production
        .token(&RSA_A)
        .issuer("https://evil.example/")
        .build();
    get_with(app, "/private", &unknown)
        .await
        .assert(WRONG_AUD_OR_ISS, "unknown issuer");
    let missing = production.token(&RSA_A).without("iss").build();
    let answer = get_with(app, "/private", &missing).await;
    assert_eq!(answer.json()["code"], "invalid_claims");
    get_with(app, "/private", "not.a-token")
        .await
        .assert(UNPARSABLE, "not a token");
    assert_eq!(issuers.fetches().await, (0, 0), "no fetch");
}

#[rocket::async_test]
async fn the_same_issuer_twice_fails_ignition() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let auth = Auth::issuers([ks.config().build().unwrap(), ks.config().build().unwrap()]);
    assert_a_fairing_fails(AppKind::Library.rocket(auth), "duplicate issuer").await;
}
