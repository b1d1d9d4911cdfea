//! The quickstart end to end, beyond the contract rows (which `contract.rs`
//! checks against it and the library's test app alike): its bodies, CORS,
//! and the development issuer it falls back to.

use auth_tests::*;
use rocket::http::{Header, Method, Status};
use serde_json::json;

#[rocket::async_test]
async fn the_public_route_is_open_and_the_protected_ones_answer_with_a_valid_token() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = TestApp::start(AppKind::Quickstart, ks.config()).await;
    let answer = app.call(Route::Public, None).await;
    assert_eq!(answer.status, Status::Ok);
    assert!(answer.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("Hello from a public endpoint!"));

    let all = ks.granted(&RSA_A).build();
    for route in [Route::Private, Route::Scoped] {
        let answer = app.call_with(route, &all).await;
        app.assert_success(route, &answer, &json!(SUB), &format!("{route:?}"));
    }
    let answer = app.call_with(Route::Messages, &all).await;
    assert_eq!(answer.status, Status::Created);
    assert_eq!(
        answer.json(),
        json!({ "id": 1, "text": "hello", "author": "user-1" })
    );
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn preflight_requests_need_no_token_and_get_cors_headers() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = TestApp::start(AppKind::Quickstart, ks.config()).await;
    for route in Route::PROTECTED {
        let response = app
            .req(Method::Options, app.path(route))
            .header(Header::new("Origin", "https://app.example"))
            .header(Header::new("Access-Control-Request-Method", "GET"))
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::NoContent);
        let allowed = response
            .headers()
            .get_one("Access-Control-Allow-Headers")
            .unwrap_or_default();
        assert!(
            allowed.contains("Authorization") && allowed.contains("Content-Type"),
            "{allowed}"
        );
    }
    // Errors carry the CORS header too, so browsers can read them.
    let answer = app.get(app.path(Route::Private)).dispatch().await;
    assert_eq!(
        answer.headers().get_one("Access-Control-Allow-Origin"),
        Some("*")
    );
    assert_eq!(ks.fetches().await, 0);
}

#[rocket::async_test]
async fn the_development_issuer_tokens_work_against_the_quickstart() {
    // Before the issuer's own Rocket starts (it would install its logger).
    capture_logs();
    let issuer = auth_runtime::testing::TestIssuer::start(AUDIENCE)
        .await
        .unwrap();
    let app = TestApp::start(AppKind::Quickstart, issuer.config()).await;
    let plain = issuer.token().build();
    let read = issuer.token().scope("read:messages").build();
    let status = async |route, token| app.call_with(route, token).await.status;
    assert_eq!(status(Route::Private, &plain).await, Status::Ok);
    assert_eq!(status(Route::Scoped, &plain).await, Status::Forbidden);
    assert_eq!(status(Route::Scoped, &read).await, Status::Ok);
    assert_eq!(issuer.jwks_fetches(), 1, "found by discovery, fetched once");
}
