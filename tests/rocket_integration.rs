//! How the guard and the fairing sit in a Rocket application.

use std::time::Duration;

use auth_runtime::{Auth, AuthError, Claims};
use auth_tests::*;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;

#[rocket::async_test]
async fn a_post_without_a_token_and_with_a_malformed_body_is_401_and_the_body_is_not_read() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    for body in ["{not json", "", "{\"text\": 42}"] {
        let response = client
            .post("/messages")
            .header(ContentType::JSON)
            .body(body)
            .dispatch()
            .await;
        Answer::from(response).await.assert_error(
            401,
            "authorization_header_missing",
            "Authorization header is expected",
            None,
        );
    }
    // With a token lacking the scope: 403, still before the body.
    let token = ks.token(&RSA_A).scope("read:messages").build();
    let response = client
        .post("/messages")
        .header(ContentType::JSON)
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .body("{not json")
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Forbidden);
    // With the scope, the data guard runs and judges the body.
    let token = ks.token(&RSA_A).scope("write:messages").build();
    let bearer = Header::new("Authorization", format!("Bearer {token}"));
    let response = client
        .post("/messages")
        .header(ContentType::JSON)
        .header(bearer.clone())
        .body("{not json")
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::BadRequest);
    let response = client
        .post("/messages")
        .header(ContentType::JSON)
        .header(bearer)
        .body(r#"{"text":"hi"}"#)
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Created);
    assert_eq!(
        response.into_json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({ "text": "hi", "sub": "user-1" })
    );
}

#[rocket::async_test]
async fn authentication_runs_once_per_request_whatever_the_number_of_guards() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    // TTL zero and no cooldown: each validation would find the set stale
    // and refetch, so fetches count validations.
    let config = ks
        .config()
        .jwks_ttl(Duration::ZERO)
        .refresh_cooldown(Duration::ZERO)
        .build()
        .unwrap();
    let client = client(config).await;
    let token = ks.token(&RSA_A).scope("read:messages").build();
    let answer = get_with(&client, "/many-guards", &token).await;
    assert_eq!(answer.status, Status::Ok, "{answer:?}");
    assert_eq!(
        answer.body,
        r#"Some("user-1") Some("user-1") Some("user-1")"#
    );
    assert_eq!(ks.fetches().await, 1, "three guards, one validation");
}

#[rocket::async_test]
async fn the_contract_body_wins_over_the_applications_catcher() {
    // the shared test app registers an HTML catcher for 401.
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let answer = get(&client, "/private", None).await;
    assert_eq!(answer.content_type, Some(ContentType::JSON));
    assert!(!answer.body.contains("<h1>"));
    // Other 401s of the application are its own business.
}

#[rocket::get("/private")]
fn private(user: Claims) -> String {
    user.sub().unwrap_or_default().to_owned()
}

#[rocket::async_test]
async fn forgetting_to_attach_the_fairing_fails_at_launch() {
    let rocket = rocket::custom(rocket_config()).mount("/", rocket::routes![private]);
    let error = Client::tracked(rocket).await.expect_err("launch must fail");
    assert!(
        matches!(error.kind(), rocket::error::ErrorKind::SentinelAborts(_)),
        "{error:?}"
    );
}

#[rocket::async_test]
async fn an_incomplete_environment_fails_at_ignition() {
    // Auth::from_env with none of the variables set (the test runner's
    // environment has none of them).
    assert!(std::env::var("AUTH0_DOMAIN").is_err() && std::env::var("AUTH_ISSUER").is_err());
    let rocket = rocket::custom(rocket_config())
        .attach(Auth::from_env())
        .mount("/", rocket::routes![private]);
    let error = Client::tracked(rocket)
        .await
        .expect_err("ignition must fail");
    assert!(
        matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(_)),
        "{error:?}"
    );
}

#[rocket::get("/admin")]
fn admin(user: Claims) -> Result<&'static str, AuthError> {
    user.require_scopes(&["admin"])?;
    Ok("welcome")
}

#[rocket::async_test]
async fn a_handler_may_return_the_error_itself() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let rocket = rocket::custom(rocket_config())
        .attach(Auth::new(ks.config().build().unwrap()))
        .mount("/", rocket::routes![admin]);
    let client = Client::tracked(rocket).await.unwrap();
    let answer = get_with(&client, "/admin", &ks.token(&RSA_A).scope("user").build()).await;
    answer.assert_error(
        403,
        "Unauthorized",
        "You don't have access to this resource",
        Some("insufficient_scope"),
    );
    let answer = get_with(&client, "/admin", &ks.token(&RSA_A).scope("admin").build()).await;
    assert_eq!(answer.body, "welcome");
}

#[rocket::async_test]
async fn the_realm_is_configurable_and_escaped() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().realm(r#"my "api""#).build().unwrap()).await;
    let answer = get(&client, "/private", None).await;
    assert_eq!(
        answer.www_authenticate.as_deref(),
        Some(r#"Bearer realm="my \"api\"""#)
    );
}

#[rocket::async_test]
async fn an_error_body_never_echoes_the_token() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let expired = ks.token(&RSA_A).expires_in(-3600).build();
    let tokens = [expired.as_str(), "garbage.garbage.garbage", "x\"y"];
    for token in tokens {
        let answer = get_with(&client, "/private", token).await;
        assert_eq!(answer.status, Status::Unauthorized);
        assert!(!answer.body.contains(token));
        assert!(!answer.www_authenticate.unwrap_or_default().contains(token));
    }
}
