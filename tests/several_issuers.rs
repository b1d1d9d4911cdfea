//! Several issuers: the token's `iss` picks the configuration, after the
//! token's structure was checked.

use auth_runtime::Auth;
use auth_tests::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
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

#[rocket::async_test]
async fn several_issuers_check_structure_before_the_issuer() {
    let issuers = TwoIssuers::start().await;
    let foreign = issuers
        .production
        .token(&RSA_A)
        .issuer("https://evil.example/")
        .build();
    let mut segments: Vec<String> = foreign.split('.').map(str::to_owned).collect();
    segments[0] = B64.encode(br#"{"alg":"RS256","alg":"none"}"#);
    let repeated_alg = segments.join(".");
    segments[0] = "not-base64!".to_owned();
    let bad_header = segments.join(".");
    let two_segments = foreign.rsplit_once('.').unwrap().0.to_owned();
    let rows = [
        Row::bearer("repeated alg", repeated_alg, UNPARSABLE),
        Row::bearer("header not base64", bad_header, UNPARSABLE),
        Row::bearer("two segments", two_segments, UNPARSABLE),
        // A well-formed token from a foreign issuer is still invalid_claims.
        Row::bearer("foreign issuer", foreign, WRONG_AUD_OR_ISS),
    ];
    issuers.app.check_rows(&[Route::Private], &rows).await;
    assert_eq!(issuers.fetches().await, (0, 0), "no fetch");
}
