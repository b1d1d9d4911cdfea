//! What the runtime logs: one line per rejection with its reason, key-set
//! fetches and failures; never the token.

use auth_tests::*;
use rocket::http::Status;

#[rocket::async_test]
async fn rejections_and_fetches_are_logged_without_the_token() {
    capture_logs();
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let expired = ks.token(&RSA_A).expires_in(-3600).build();
    let answer = get_with(&app, "/many-guards", &expired).await;
    assert_eq!(answer.status, Status::Unauthorized);
    let forged = ks.token(&RSA_B).kid(Some("rsa-a")).build();
    get_with(&app, "/private", &forged).await;

    // This test's two refusals (the other tests of this file log theirs).
    let rejected: Vec<String> = log_lines("rejected: 401")
        .into_iter()
        .filter(|line| {
            line.contains("token is expired") || line.contains("signature does not verify")
        })
        .collect();
    assert_eq!(
        rejected.len(),
        2,
        "one line per rejected request: {rejected:?}"
    );
    assert!(
        rejected[0].starts_with("DEBUG")
            && rejected[0].contains("GET /many-guards")
            && rejected[0].contains("token is expired")
    );
    assert!(
        rejected[1].contains("signature does not verify"),
        "{rejected:?}"
    );
    let fetched = log_lines(&format!("fetched the key set of {}", ks.issuer()));
    assert_eq!(fetched.len(), 1, "{fetched:?}");

    let all = log_lines("").join("\n");
    for token in [&expired, &forged] {
        for part in token.split('.') {
            assert!(!all.contains(part), "a log line holds part of the token");
        }
    }
}

#[rocket::async_test]
async fn a_failed_fetch_is_a_warning() {
    capture_logs();
    let ks = KeyServer::answering(wiremock::ResponseTemplate::new(500)).await;
    let app = ks.app().await;
    get_with(&app, "/private", &ks.token(&RSA_A).build()).await;
    let failed = log_lines("fetching the key set");
    assert!(
        failed
            .iter()
            .any(|line| line.starts_with("WARN") && line.contains("HTTP 500")),
        "{failed:?}"
    );
}

#[rocket::async_test]
async fn without_warm_up_launch_says_the_issuer_is_not_contacted_yet() {
    capture_logs();
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let line = format!(
        "auth: the key set of {} has not been fetched yet",
        ks.issuer()
    );
    // One line per app of the issuer (TestApp serves the library's app and
    // the quickstart's), each at INFO.
    let said = log_lines(&line);
    assert!(!said.is_empty(), "{said:?}");
    assert!(
        said.iter().all(|line| line.starts_with("INFO")
            && line.contains("the first request that needs it fetches it")),
        "{said:?}"
    );
    assert_eq!(ks.fetches().await, 0, "saying so contacts nobody");
    drop(app);
}

#[rocket::async_test]
async fn a_fetch_to_a_closed_port_logs_why_in_the_os_words() {
    capture_logs();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let issuer = format!("http://127.0.0.1:{port}/");
    let config = auth_runtime::AuthConfig::builder(issuer.as_str(), AUDIENCE)
        .jwks_uri(format!("http://127.0.0.1:{port}/jwks.json"));
    let rocket = rocket::custom(rocket_config())
        .attach(auth_runtime::Auth::new(config.build().unwrap()))
        .mount("/", rocket::routes![private_route]);
    let app = rocket::local::asynchronous::Client::tracked(rocket)
        .await
        .unwrap();
    let token = token_from(&issuer, &RSA_A).build();
    let answer = get_with(&app, "/private", &token).await;
    assert_eq!(answer.status, Status::ServiceUnavailable);
    let failed = log_lines(&format!("fetching the key set of {issuer} failed"));
    assert!(
        failed
            .iter()
            .any(|line| line.starts_with("WARN")
                && line.to_lowercase().contains("connection refused")),
        "{failed:?}"
    );
}

#[rocket::get("/private")]
fn private_route(_user: auth_runtime::Claims) -> &'static str {
    "private"
}

#[rocket::async_test]
async fn a_refused_request_leaves_no_missing_catcher_line() {
    capture_logs();
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let before = log_lines("catcher registered").len();
    for path in ["/private", "/scoped"] {
        let answer = get(&app, path, None).await;
        assert_eq!(answer.status, Status::Unauthorized, "{path}");
        assert_eq!(answer.json()["code"], "authorization_header_missing");
    }
    let unscoped = ks.token(&RSA_A).scope("other").build();
    let answer = get_with(&app, "/scoped", &unscoped).await;
    assert_eq!(answer.status, Status::Forbidden);
    assert_eq!(answer.json()["code"], "Unauthorized");
    let missing = log_lines("catcher registered");
    assert_eq!(missing.len(), before, "{missing:?}");
}

/// An app with the application's own `catchers` at `/`: its own refusals
/// (`/refuses`) get its catcher's `body`, the library's get its JSON.
async fn own_catchers_keep_their_refusals(catchers: Vec<rocket::Catcher>, body: &str) {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let rocket = rocket::custom(rocket_config())
        .attach(auth_runtime::Auth::new(ks.config().build().unwrap()))
        .register("/", catchers)
        .mount("/", rocket::routes![refuses, private_route]);
    let app = rocket::local::asynchronous::Client::tracked(rocket)
        .await
        .expect("no catcher collision stops the launch");
    let own = app.get("/refuses").dispatch().await;
    assert_eq!(own.status(), Status::Unauthorized);
    assert_eq!(own.into_string().await.as_deref(), Some(body));
    let ours = get(&app, "/private", None).await;
    assert_eq!(ours.status, Status::Unauthorized);
    assert_eq!(ours.json()["code"], "authorization_header_missing");
}

#[rocket::async_test]
async fn the_applications_own_401_catcher_still_answers_its_own_refusals() {
    own_catchers_keep_their_refusals(rocket::catchers![mine], "the application's own 401").await;
}

#[rocket::async_test]
async fn the_applications_default_catcher_still_answers_its_own_refusals() {
    own_catchers_keep_their_refusals(
        rocket::catchers![every_status],
        "the application's own page",
    )
    .await;
}

#[rocket::catch(401)]
fn mine() -> &'static str {
    "the application's own 401"
}

#[rocket::get("/refuses")]
fn refuses() -> rocket::http::Status {
    Status::Unauthorized
}

#[rocket::catch(default)]
fn every_status() -> &'static str {
    "the application's own page"
}
