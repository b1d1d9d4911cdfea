//! Custom error bodies: status codes and headers stay the contract's, on
//! the guards (the library's test app) and the attributes (the quickstart).

use auth_runtime::rocket::{ErrorBody, ErrorRenderer, OAuthJson, ProblemJson};
use auth_runtime::{Auth, AuthError};
use auth_tests::*;
use rocket::http::{ContentType, Status};
use serde_json::json;
use wiremock::ResponseTemplate;

/// Each app, authenticating for `ks` and rendering errors with `renderer`.
async fn both_apps(ks: &KeyServer, renderer: impl ErrorRenderer + Clone) -> [TestApp; 2] {
    let app = async |kind| {
        let auth = Auth::new(ks.config().build().unwrap()).error_renderer(renderer.clone());
        TestApp::with_auth(kind, auth).await
    };
    [app(AppKind::Library).await, app(AppKind::Quickstart).await]
}

#[rocket::async_test]
async fn problem_details_keep_status_and_challenge() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    for app in both_apps(&ks, ProblemJson).await {
        let answer = app.call(Route::Private, None).await;
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
        let answer = app
            .call_with(Route::Scoped, &ks.token(&RSA_A).build())
            .await;
        assert_eq!(answer.status, Status::Forbidden);
        assert_eq!(answer.json()["title"], "Forbidden");
        assert!(answer
            .www_authenticate
            .unwrap()
            .contains(r#"error="insufficient_scope""#));
    }
}

#[rocket::async_test]
async fn the_oauth_style_names_the_oauth_error() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    for app in both_apps(&ks, OAuthJson).await {
        let expired = ks.token(&RSA_A).expires_in(-3600).build();
        let answer = app.call_with(Route::Private, &expired).await;
        assert_eq!(answer.status, Status::Unauthorized);
        assert_eq!(answer.content_type, Some(ContentType::JSON));
        assert_eq!(
            answer.json(),
            json!({ "error": "invalid_token", "error_description": "token is expired" })
        );
        let answer = app.call(Route::Private, Some("Basic x")).await;
        assert_eq!(answer.json()["error"], "invalid_request");
    }
}

#[rocket::async_test]
async fn a_closure_renders_too_and_503_keeps_retry_after() {
    let ks = KeyServer::answering(ResponseTemplate::new(500)).await;
    let plain = |error: &AuthError| ErrorBody {
        content_type: ContentType::Plain,
        body: format!("{} {}", error.status(), error.code()),
    };
    for app in both_apps(&ks, plain).await {
        let answer = app
            .call_with(Route::Private, &ks.token(&RSA_A).build())
            .await;
        assert_eq!(answer.status, Status::ServiceUnavailable);
        assert_eq!(answer.content_type, Some(ContentType::Plain));
        assert_eq!(answer.body, "503 jwks_unavailable");
        assert!(answer.retry_after.is_some());
    }
}
