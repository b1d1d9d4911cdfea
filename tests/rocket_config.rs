//! Configuration from Rocket's figment (`[default.auth]` in Rocket.toml).

use auth_runtime::Auth;
use auth_tests::*;
use rocket::figment::Figment;
use rocket::http::Status;
use rocket::local::asynchronous::Client;

/// The library's test app on `figment`, configured by its `auth` table.
fn app_on(figment: Figment) -> rocket::Rocket<rocket::Build> {
    AppKind::Library.build(rocket::custom(figment), Auth::from_rocket_config())
}

fn figment() -> Figment {
    Figment::from(rocket_config())
}

#[rocket::async_test]
async fn the_auth_table_configures_the_fairing() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let figment = figment()
        .merge(("auth.issuer", ks.issuer()))
        .merge(("auth.audience", AUDIENCE))
        .merge(("auth.jwks_uri", ks.jwks_uri()))
        .merge(("auth.leeway", 0))
        .merge(("auth.realm", "from-rocket-toml"));
    let client = Client::tracked(app_on(figment)).await.unwrap();
    let token = ks.token(&RSA_A).build();
    assert_eq!(status(&client, "/private", &token).await, Status::Ok);
    // leeway = 0: a token expired 5 s ago is refused (the default 60 s would accept it).
    let just_expired = ks.token(&RSA_A).expires_in(-5).build();
    let answer = get_with(&client, "/private", &just_expired).await;
    assert_eq!(answer.json()["code"], "token_expired");
    assert!(answer
        .www_authenticate
        .unwrap()
        .starts_with(r#"Bearer realm="from-rocket-toml""#));
}

#[rocket::async_test]
async fn an_unknown_key_or_a_missing_audience_fails_ignition() {
    let unknown = figment()
        .merge(("auth.issuer", "https://i/"))
        .merge(("auth.audience", "a"))
        .merge(("auth.leway", 5));
    let why = "a misspelt key is an error, not ignored";
    assert_a_fairing_fails(app_on(unknown), why).await;
    let incomplete = figment().merge(("auth.issuer", "https://i/"));
    assert_a_fairing_fails(app_on(incomplete), "no audience anywhere").await;
}
