//! Custom error bodies: status codes and headers stay the contract's.

use auth_runtime::{Auth, AuthError, ErrorBody, ErrorRenderer, OAuthJson, ProblemJson};
use auth_tests::*;
use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::Client;
use serde_json::json;

async fn client_with(ks: &KeyServer, renderer: impl ErrorRenderer) -> Client {
    let auth = Auth::new(ks.config().build().unwrap()).error_renderer(renderer);
    // the shared test app attaches the default fairing; build the same app with ours.
    let rocket = rocket::custom(rocket_config())
        .attach(auth)
        .mount("/", rocket::routes![private, scoped]);
    Client::tracked(rocket).await.unwrap()
}

#[rocket::get("/private")]
fn private(_user: auth_runtime::Claims) -> &'static str {
    "ok"
}

#[auth_runtime::requires_scope("read:messages")]
#[rocket::get("/scoped")]
fn scoped() -> &'static str {
    "ok"
}

#[rocket::async_test]
async fn problem_details_keep_status_and_challenge() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client_with(&ks, ProblemJson).await;
    let answer = get(&client, "/private", None).await;
    assert_eq!(answer.status, Status::Unauthorized);
    assert_eq!(
        answer.content_type,
        Some(ContentType::new("application", "problem+json"))
    );
    assert_eq!(
        answer.www_authenticate.as_deref(),
        Some(r#"Bearer realm="api""#)
    );
    assert_eq!(
        answer.json(),
        json!({
            "type": "about:blank",
            "title": "Unauthorized",
            "status": 401,
            "detail": "Authorization header is expected",
            "code": "authorization_header_missing",
        })
    );
    let answer = get_with(&client, "/scoped", &ks.token(&RSA_A).build()).await;
    assert_eq!(answer.status, Status::Forbidden);
    assert_eq!(answer.json()["title"], "Forbidden");
    assert!(answer
        .www_authenticate
        .unwrap()
        .contains(r#"error="insufficient_scope""#));
}

#[rocket::async_test]
async fn the_oauth_style_names_the_oauth_error() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client_with(&ks, OAuthJson).await;
    let expired = ks.token(&RSA_A).expires_in(-3600).build();
    let answer = get_with(&client, "/private", &expired).await;
    assert_eq!(answer.status, Status::Unauthorized);
    assert_eq!(answer.content_type, Some(ContentType::JSON));
    assert_eq!(
        answer.json(),
        json!({ "error": "invalid_token", "error_description": "token is expired" })
    );
    let answer = get(&client, "/private", Some("Basic x")).await;
    assert_eq!(answer.json()["error"], "invalid_request");
}

#[rocket::async_test]
async fn a_closure_renders_too_and_503_keeps_retry_after() {
    let ks = KeyServer::empty().await;
    ks.respond(wiremock::ResponseTemplate::new(500)).await;
    let plain = |error: &AuthError| ErrorBody {
        content_type: ContentType::Plain,
        body: format!("{} {}", error.status().code, error.code()),
    };
    let client = client_with(&ks, plain).await;
    let answer = get_with(&client, "/private", &ks.token(&RSA_A).build()).await;
    assert_eq!(answer.status, Status::ServiceUnavailable);
    assert_eq!(answer.content_type, Some(ContentType::Plain));
    assert_eq!(answer.body, "503 jwks_unavailable");
    assert!(answer.retry_after.is_some());
}
