//! How the guard and the fairing sit in a Rocket application: authentication
//! runs before the body is read (a request without a token is 401 whatever
//! its body or `Content-Type`), and the fairing leaves a handler's own
//! answer alone behind a failure an `Option` absorbed.

use auth_runtime::requirement::RouteRequirement;
use auth_runtime::requirement::ScopeExpr;
use auth_runtime::{Auth, AuthError, Authorized, Claims, ClaimsAs, OptionalClaims};
use auth_tests::*;
use rocket::http::{ContentType, Cookie, CookieJar, Header, Status};
use rocket::local::asynchronous::Client;
use serde_json::json;

#[rocket::async_test]
async fn a_post_without_a_token_and_with_a_malformed_body_is_401_and_the_body_is_not_read() {
    for kind in AppKind::BOTH {
        let ks = KeyServer::start(&[&RSA_A]).await;
        let app = TestApp::start(kind, ks.config()).await;
        let bearer = |scope: &str| format!("Bearer {}", ks.token(&RSA_A).scope(scope).build());
        for body in ["{not json", "{oops", "", "{\"text\": 42}"] {
            let answer = app.post_message(body, None).await;
            let context = format!("{kind:?} {body:?}");
            answer.assert_on(Route::Messages.scopes(), Expect::Missing, &context);
        }
        // With a token lacking the scope: 403, still before the body.
        let read = bearer("read:messages");
        let answer = app.post_message("{not json", Some(&read)).await;
        assert_eq!(answer.status, Status::Forbidden, "{kind:?}");
        // With the scope, the data guard runs and judges the body.
        let write = bearer("write:messages");
        let answer = app.post_message("{not json", Some(&write)).await;
        assert_eq!(answer.status, Status::BadRequest, "{kind:?}");
        let answer = app.post_message(MESSAGE, Some(&write)).await;
        app.assert_success(Route::Messages, &answer, &json!(SUB), "valid body");
    }
}

#[rocket::async_test]
async fn authentication_runs_once_per_request_whatever_the_number_of_guards() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    // No token cache: every validation is a full verification, and counted.
    let app = TestApp::library(ks.config().token_cache_capacity(0)).await;
    let token = ks.token(&RSA_A).scope("read:messages").build();
    let answer = get_with(&app, "/many-guards", &token).await;
    assert_eq!(answer.status, Status::Ok, "{answer:?}");
    assert_eq!(
        answer.body,
        r#"Some("user-1") Some("user-1") Some("user-1")"#
    );
    assert_eq!(app.verifications(), 1, "three guards, one validation");
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn the_contract_body_wins_over_the_applications_catcher() {
    // The library's test app registers an HTML catcher for 401.
    let (_ks, app) = TestApp::serving(&[&RSA_A]).await;
    let answer = get(&app, "/private", None).await;
    assert_eq!(answer.content_type, Some(ContentType::JSON));
    assert!(!answer.body.contains("<h1>"));
    // Other 401s of the application are its own business.
}

#[rocket::async_test]
async fn forgetting_to_attach_the_fairing_fails_at_launch() {
    for kind in AppKind::BOTH {
        let rocket = kind.without_auth(rocket::custom(rocket_config()));
        assert_a_sentinel_aborts(rocket, &format!("{kind:?}: launch must fail")).await;
    }
}

#[rocket::get("/claims")]
fn with_claims(_user: Claims) {}

#[rocket::get("/optional")]
fn with_optional_claims(_user: OptionalClaims) {}

#[rocket::get("/typed")]
fn with_typed_claims(_user: ClaimsAs<serde_json::Value>) {}

struct Admin;
impl RouteRequirement for Admin {
    const SCOPES: ScopeExpr = ScopeExpr::Scope("admin");
}

#[rocket::get("/scoped")]
fn with_scoped_claims(_user: Authorized<Admin>) {}

/// Each guard's own sentinel stops the launch: an application with a
/// single route, whichever guard it uses, cannot forget the fairing.
#[rocket::async_test]
async fn each_guard_alone_stops_a_launch_without_the_fairing() {
    let apps = [
        ("Claims", rocket::routes![with_claims]),
        ("OptionalClaims", rocket::routes![with_optional_claims]),
        ("ClaimsAs", rocket::routes![with_typed_claims]),
        ("Authorized", rocket::routes![with_scoped_claims]),
    ];
    for (guard, routes) in apps {
        let rocket = rocket::custom(rocket_config()).mount("/", routes);
        assert_a_sentinel_aborts(rocket, &format!("{guard}: launch must fail")).await;
    }
}

#[rocket::async_test]
async fn an_incomplete_environment_fails_at_ignition() {
    // Auth::from_env with none of the variables set (the test runner's
    // environment has none of them).
    assert!(std::env::var("AUTH0_DOMAIN").is_err() && std::env::var("AUTH_ISSUER").is_err());
    let rocket = AppKind::Library.rocket(Auth::from_env());
    assert_a_fairing_fails(rocket, "ignition must fail").await;
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
    answer.assert(Expect::Forbidden("admin"), "scope user");
    let answer = get_with(&client, "/admin", &ks.token(&RSA_A).scope("admin").build()).await;
    assert_eq!(answer.body, "welcome");
}

#[rocket::async_test]
async fn the_realm_is_configurable_and_escaped() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = TestApp::library(ks.config().realm(r#"my "api""#)).await;
    let answer = get(&app, "/private", None).await;
    assert_eq!(
        answer.www_authenticate.as_deref(),
        Some(r#"Bearer realm="my \"api\"""#)
    );
}

#[rocket::async_test]
async fn an_error_body_never_echoes_the_token() {
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let expired = ks.token(&RSA_A).expires_in(-3600).build();
    let tokens = [expired.as_str(), "garbage.garbage.garbage", "x\"y"];
    for token in tokens {
        let answer = get_with(&app, "/private", token).await;
        assert_eq!(answer.status, Status::Unauthorized);
        assert!(!answer.body.contains(token));
        assert!(!answer.www_authenticate.unwrap_or_default().contains(token));
    }
}

/// A handler that serves its own 503 whatever `Option<Claims>` holds.
#[rocket::get("/maintenance")]
fn maintenance(user: Option<Claims>, cookies: &CookieJar<'_>) -> (Status, &'static str) {
    cookies.add(Cookie::new("handler", "kept"));
    let _ = user;
    (Status::ServiceUnavailable, "down for maintenance")
}

#[rocket::get("/optional")]
fn optional(user: auth_runtime::OptionalClaims) -> &'static str {
    if user.0.is_some() {
        "signed in"
    } else {
        "anonymous"
    }
}

#[rocket::async_test]
async fn a_handlers_own_answer_behind_an_absorbed_failure_is_left_alone() {
    // No key set can be had: Claims fails with 503, which Option absorbs.
    let ks = KeyServer::empty().await;
    let rocket = rocket::custom(rocket_config())
        .attach(Auth::new(ks.config().build().unwrap()))
        .mount("/", rocket::routes![maintenance, optional]);
    let client = Client::tracked(rocket).await.unwrap();
    let token = ks.token(&RSA_A).build();

    let response = client
        .get("/maintenance")
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::ServiceUnavailable);
    let cookies: Vec<String> = response
        .headers()
        .get("Set-Cookie")
        .map(str::to_owned)
        .collect();
    assert_eq!(response.headers().get_one("Retry-After"), None);
    assert_eq!(
        response.into_string().await.as_deref(),
        Some("down for maintenance"),
        "the handler's body, not the contract's JSON"
    );
    assert!(
        cookies.iter().any(|c| c.starts_with("handler=kept")),
        "{cookies:?}"
    );
    assert!(
        !cookies.iter().any(|c| c.contains("__auth")),
        "the fairing's marker never reaches the client: {cookies:?}"
    );

    // A guard that fails the request still gets the contract's answer.
    let answer = get_with(&client, "/optional", &token).await;
    answer.assert(Expect::Unavailable, "OptionalClaims with no key set");
}

#[rocket::async_test]
async fn a_post_without_a_token_is_401_whatever_its_content_type() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = TestApp::start(AppKind::Quickstart, ks.config()).await;
    for content_type in [None, Some(ContentType::Plain), Some(ContentType::Form)] {
        let mut request = app.post("/api/messages").body("text=hello");
        if let Some(content_type) = content_type.clone() {
            request = request.header(content_type);
        }
        let answer = Answer::from(request.dispatch().await).await;
        answer.assert_on(
            Some("write:messages"),
            Expect::Missing,
            &format!("POST with {content_type:?}"),
        );
    }
    assert_eq!(ks.fetches().await, 0);
}
