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

#[rocket::async_test]
async fn the_quickstart_serves_health_and_metrics_without_authentication() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    // The quickstart's own settings: warm-up, metadata.
    let config = auth_examples::settings(ks.config());
    let app = TestApp::start(AppKind::Quickstart, config).await;
    assert_eq!(
        ks.fetches().await,
        1,
        "warm-up fetched the key set at liftoff"
    );
    let live = get(&app, "/healthz/live", None).await;
    assert_eq!(live.status, Status::Ok);
    let ready = get(&app, "/healthz/ready", None).await;
    assert_eq!(ready.status, Status::Ok, "{ready:?}");
    assert_eq!(ready.json()["status"], "ready");

    let token = ks.token(&RSA_A).build();
    assert_eq!(
        app.call_with(Route::Private, &token).await.status,
        Status::Ok
    );
    app.call(Route::Private, None).await;
    let metrics = get(&app, "/metrics", None).await;
    assert_eq!(metrics.status, Status::Ok);
    assert!(
        metrics.body.contains(r#"auth_requests_total{code="ok"}"#)
            && metrics
                .body
                .contains(r#"auth_requests_total{code="authorization_header_missing"}"#),
        "{}",
        metrics.body
    );
    assert!(!metrics.body.contains(&token[..20]));
}
