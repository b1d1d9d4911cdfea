//! Configuration from Rocket's figment (`[default.auth]` in Rocket.toml).

use auth_runtime::Auth;
use auth_tests::*;
use rocket::figment::Figment;
use rocket::http::Status;
use rocket::local::asynchronous::Client;

#[rocket::get("/private")]
fn private(user: auth_runtime::Claims) -> String {
    user.sub().unwrap_or_default().to_owned()
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
    let rocket = rocket::custom(figment)
        .attach(Auth::from_rocket_config())
        .mount("/", rocket::routes![private]);
    let client = Client::tracked(rocket).await.unwrap();
    assert_eq!(
        get_with(&client, "/private", &ks.token(&RSA_A).build())
            .await
            .status,
        Status::Ok
    );
    // leeway = 0: a token expired 5 s ago is refused (the default 60 s would accept it).
    let answer = get_with(
        &client,
        "/private",
        &ks.token(&RSA_A).expires_in(-5).build(),
    )
    .await;
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
    let rocket = rocket::custom(unknown)
        .attach(Auth::from_rocket_config())
        .mount("/", rocket::routes![private]);
    let error = Client::tracked(rocket)
        .await
        .expect_err("a misspelt key is an error, not ignored");
    assert!(
        matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(_)),
        "{error:?}"
    );
    let incomplete = figment().merge(("auth.issuer", "https://i/"));
    let rocket = rocket::custom(incomplete)
        .attach(Auth::from_rocket_config())
        .mount("/", rocket::routes![private]);
    let error = Client::tracked(rocket)
        .await
        .expect_err("no audience anywhere");
    assert!(
        matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(_)),
        "{error:?}"
    );
}
