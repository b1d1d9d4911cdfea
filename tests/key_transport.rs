//! How keys travel: HTTPS only (HTTP on loopback), checked redirects,
//! discovery documents trusted only for their own issuer (OpenID Connect,
//! then RFC 8414), a hanging discovery endpoint, and the application's own
//! HTTP client.
//!
//! Every server here is wiremock on 127.0.0.1. "Off loopback" is
//! `http://0.0.0.0:<port>` ([`KeyServer::off_loopback`]): not a loopback
//! address, so it must be refused, yet on Linux a connection to it reaches
//! the local server, so a test whose refusal broke would see the fetch
//! arrive.

use std::time::{Duration, Instant};

use auth_runtime::Auth;
use auth_runtime::AuthConfig;
use auth_tests::*;
use rocket::http::Status;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

// --- discovery: the issuer check ---------------------------------------

#[rocket::async_test]
async fn a_discovery_document_for_another_issuer_gives_503_and_no_key_set_fetch() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    // The document names another issuer; everything else would work: its
    // jwks_uri, the RFC 8414 metadata, and jwks.json. None may be used.
    let evil = json!({ "issuer": "https://evil.example/", "jwks_uri": ks.jwks_uri() });
    ks.serve_json(OPENID, evil).await;
    ks.serve_json(OAUTH, ks.discovery(&ks.jwks_uri())).await;
    ks.serve_at(WELL_KNOWN_JWKS, key_set_response(&[&RSA_A]))
        .await;
    let app = TestApp::library(ks.config_discovering()).await;
    let token = ks.token(&RSA_A).build();
    for _ in 0..2 {
        let answer = get_with(&app, "/private", &token).await;
        assert_eq!(answer.status, Status::ServiceUnavailable, "{answer:?}");
        assert_eq!(answer.json()["code"], "jwks_unavailable");
    }
    let requests = ks.requests_to_each([JWKS_PATH, OAUTH, WELL_KNOWN_JWKS, OPENID]);
    assert_eq!(
        requests.await,
        [0, 0, 0, 2],
        "no key set fetched from the document; a mismatch is an answer (no \
         RFC 8414 metadata); no fallback; the document asked again: 503 until fixed"
    );
}

#[rocket::async_test]
async fn a_fixed_discovery_document_is_trusted_on_the_next_try() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let evil = json!({ "issuer": "https://evil.example/", "jwks_uri": ks.jwks_uri() });
    Mock::given(method("GET"))
        .and(path(OPENID))
        .respond_with(ResponseTemplate::new(200).set_body_json(evil))
        .up_to_n_times(1)
        .mount(ks.server())
        .await;
    ks.serve_json(OPENID, ks.discovery(&ks.jwks_uri())).await;
    let app = TestApp::library(ks.config_discovering()).await;
    let token = ks.token(&RSA_A).build();
    let first = status(&app, "/private", &token).await;
    assert_eq!(first, Status::ServiceUnavailable);
    assert_eq!(status(&app, "/private", &token).await, Status::Ok);
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn rfc8414_metadata_for_another_issuer_gives_503_and_no_jwks_json_fetch() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    // No OpenID document (404), then RFC 8414 metadata naming another issuer.
    let other = json!({ "issuer": format!("{}other/", ks.issuer()), "jwks_uri": ks.jwks_uri() });
    ks.serve_json(OAUTH, other).await;
    ks.serve_at(WELL_KNOWN_JWKS, key_set_response(&[&RSA_A]))
        .await;
    let answered = ks.status_with(ks.config_discovering()).await;
    assert_eq!(answered, Status::ServiceUnavailable);
    let requests = ks.requests_to_each([OPENID, JWKS_PATH, WELL_KNOWN_JWKS]);
    assert_eq!(requests.await, [1, 0, 0]);
}

// --- discovery: RFC 8414, paths, time ----------------------------------

/// Serves at `at` the document of `issuer` (a path on `ks`), naming `ks`'s
/// key set, and asserts that an app discovering `issuer` accepts its token.
async fn assert_discovered_at(ks: &KeyServer, issuer: &str, at: &str) {
    let document = json!({ "issuer": issuer, "jwks_uri": ks.jwks_uri() });
    ks.serve_json(at, document).await;
    let app = TestApp::library(AuthConfig::builder(issuer, AUDIENCE)).await;
    let token = ks.token(&RSA_A).issuer(issuer).build();
    let answer = get_with(&app, "/private", &token).await;
    assert_eq!(
        answer.status,
        Status::Ok,
        "{issuer}'s document at {at}: {answer:?}"
    );
}

#[rocket::async_test]
async fn keys_are_found_by_rfc8414_metadata_when_there_is_no_openid_document() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    ks.serve_json(OAUTH, ks.discovery(&ks.jwks_uri())).await;
    assert_eq!(ks.status_with(ks.config_discovering()).await, Status::Ok);
    let requests = ks.requests_to_each([OPENID, OAUTH, JWKS_PATH, WELL_KNOWN_JWKS]);
    assert_eq!(requests.await, [1, 1, 1, 0], "OpenID first, then RFC 8414");
}

#[rocket::async_test]
async fn rfc8414_metadata_of_an_issuer_with_a_path_is_at_the_inserted_well_known_url() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let issuer = format!("{}/tenant/1", ks.server().uri());
    assert_discovered_at(&ks, &issuer, &format!("{OAUTH}/tenant/1")).await;
    let documents = ks.requests_to(&format!("/tenant/1{OPENID}")).await;
    assert_eq!(
        documents, 1,
        "the OpenID document is appended to the issuer"
    );
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn the_openid_document_of_an_issuer_with_a_path_is_appended_to_it() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let issuer = format!("{}/tenant/1/", ks.server().uri());
    assert_discovered_at(&ks, &issuer, &format!("/tenant/1{OPENID}")).await;
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn a_hanging_discovery_endpoint_leaves_time_for_jwks_json() {
    let ks = KeyServer::empty().await;
    for at in [OPENID, OAUTH] {
        let hanging = ResponseTemplate::new(200)
            .set_body_json(ks.discovery(&ks.jwks_uri()))
            .set_delay(Duration::from_secs(60));
        ks.serve_at(at, hanging).await;
    }
    ks.serve_at(WELL_KNOWN_JWKS, key_set_response(&[&RSA_A]))
        .await;
    let timeout = Duration::from_secs(2);
    let app = TestApp::library(ks.config_discovering().fetch_timeout(timeout)).await;
    let started = Instant::now();
    let token = ks.token(&RSA_A).build();
    assert_eq!(status(&app, "/private", &token).await, Status::Ok);
    // The 200 is the proof that discovery left time for jwks.json; the
    // bound (ten times the timeout, far below the 60 s hang) that nothing
    // waited for a hanging document.
    let took = started.elapsed();
    assert!(took < timeout * 10, "took {took:?}");
    assert_eq!(ks.requests_to(WELL_KNOWN_JWKS).await, 1);
}

// --- the HTTPS rule at fetch time: discovered URLs, redirects ------------

#[rocket::async_test]
async fn a_discovered_http_jwks_uri_off_loopback_is_refused() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let document = ks.discovery(&ks.off_loopback(JWKS_PATH));
    ks.serve_json(OPENID, document).await;
    ks.serve_at(WELL_KNOWN_JWKS, key_set_response(&[&RSA_A]))
        .await;
    let answered = ks.status_with(ks.config_discovering()).await;
    assert_eq!(answered, Status::ServiceUnavailable);
    assert_eq!(ks.fetches().await, 0, "the http jwks_uri was not fetched");
    assert_eq!(ks.requests_to(WELL_KNOWN_JWKS).await, 0, "no fallback");
}

#[rocket::async_test]
async fn a_redirect_to_http_off_loopback_is_refused_and_one_on_loopback_followed() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    ks.redirect("/away", &ks.off_loopback(JWKS_PATH)).await;
    ks.redirect("/here", &ks.jwks_uri()).await;
    let token = ks.token(&RSA_A).build();

    let away = TestApp::library(ks.config().jwks_uri(ks.url("/away"))).await;
    let answered = status(&away, "/private", &token).await;
    assert_eq!(answered, Status::ServiceUnavailable);
    assert_eq!(ks.fetches().await, 0, "the redirect was not followed");

    let here = TestApp::library(ks.config().jwks_uri(ks.url("/here"))).await;
    assert_eq!(status(&here, "/private", &token).await, Status::Ok);
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn at_most_three_redirects_are_followed() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    for hop in 1..=4 {
        let next = ks.url(&format!("/r{}", hop + 1));
        ks.redirect(&format!("/r{hop}"), &next).await;
    }
    ks.redirect("/r5", &ks.jwks_uri()).await;
    // /r2 -> /r3 -> /r4 -> /r5 -> /jwks.json: four redirects.
    let four = ks.status_with(ks.config().jwks_uri(ks.url("/r2"))).await;
    assert_eq!(four, Status::ServiceUnavailable, "four redirects");
    assert_eq!(ks.fetches().await, 0);
    let three = ks.status_with(ks.config().jwks_uri(ks.url("/r3"))).await;
    assert_eq!(three, Status::Ok, "three redirects");
}

// --- the HTTPS rule where configured: ignition ---------------------------

#[rocket::async_test]
async fn http_key_urls_off_loopback_fail_ignition() {
    let tables = [
        json!({ "issuer": "http://issuer.example/", "audience": AUDIENCE }),
        json!({ "issuer": "http://127.0.0.1.evil.example/", "audience": AUDIENCE }),
        json!({
            "issuer": STATIC_ISSUER,
            "audience": AUDIENCE,
            "jwks_uri": "http://keys.example/jwks.json",
        }),
        json!({
            "issuer": STATIC_ISSUER,
            "audience": AUDIENCE,
            "jwks_uri": "http://127.0.0.1@keys.example/jwks.json",
        }),
        json!({ "domain": "http://tenant.eu.auth0.com", "audience": AUDIENCE }),
    ];
    for table in tables {
        let figment = rocket::figment::Figment::from(rocket_config()).merge(("auth", &table));
        let rocket = AppKind::Library.build(rocket::custom(figment), Auth::from_rocket_config());
        let why = format!("{table}: an http URL off loopback must not ignite");
        assert_a_fairing_fails(rocket, &why).await;
    }
}

// --- the application's own HTTP client ------------------------------------

fn users_client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-client",
        reqwest::header::HeaderValue::from_static("mine"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

#[rocket::async_test]
async fn the_applications_http_client_is_used_within_our_limits() {
    let ks = KeyServer::empty().await;
    // Only the application's client (its default header) gets keys.
    Mock::given(method("GET"))
        .and(path(JWKS_PATH))
        .and(header("x-client", "mine"))
        .respond_with(key_set_response(&[&RSA_A]))
        .mount(ks.server())
        .await;
    let token = ks.token(&RSA_A).build();
    let theirs = TestApp::library(ks.config().http_client(users_client())).await;
    assert_eq!(status(&theirs, "/private", &token).await, Status::Ok);
    let ours = ks.app().await;
    let answered = status(&ours, "/private", &token).await;
    assert_eq!(answered, Status::ServiceUnavailable);

    // Our size limit holds with their client.
    let small = ks.config().http_client(users_client()).max_jwks_bytes(100);
    let small = TestApp::library(small).await;
    let answered = status(&small, "/private", &token).await;
    assert_eq!(answered, Status::ServiceUnavailable);

    // And our timeout: their client has none.
    let very_slow = key_set_response(&[&RSA_A]).set_delay(Duration::from_secs(60));
    let slow = KeyServer::answering(very_slow).await;
    let timeout = Duration::from_millis(300);
    let impatient = slow
        .config()
        .http_client(users_client())
        .fetch_timeout(timeout);
    let app = TestApp::library(impatient).await;
    let started = Instant::now();
    let answered = status(&app, "/private", &slow.token(&RSA_A).build()).await;
    assert_eq!(answered, Status::ServiceUnavailable);
    let took = started.elapsed();
    assert!(took < timeout * 10, "ours, not the 60 s: {took:?}");
}

#[rocket::async_test]
async fn a_response_the_applications_client_was_redirected_to_is_refused() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    ks.redirect("/moved", &ks.jwks_uri()).await;
    let token = ks.token(&RSA_A).build();
    let moved = ks.config().jwks_uri(ks.url("/moved"));
    let app = TestApp::library(moved.http_client(users_client())).await;
    let answered = status(&app, "/private", &token).await;
    assert_eq!(answered, Status::ServiceUnavailable);
    let fetches = ks.fetches().await;
    assert_eq!(fetches, 1, "their client followed, we took nothing");

    // The discovered jwks_uri is held to the HTTPS rule with their client too.
    let document = ks.discovery(&ks.off_loopback(JWKS_PATH));
    ks.serve_json(OPENID, document).await;
    let app = TestApp::library(ks.config_discovering().http_client(users_client())).await;
    let answered = status(&app, "/private", &token).await;
    assert_eq!(answered, Status::ServiceUnavailable);
    assert_eq!(ks.fetches().await, 1);
}

// --- logs ------------------------------------------------------------------

#[rocket::async_test]
async fn a_refused_discovery_document_is_logged_at_warn() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let evil = json!({ "issuer": "https://evil.example/", "jwks_uri": ks.jwks_uri() });
    ks.serve_json(OPENID, evil).await;
    let app = TestApp::library(ks.config_discovering()).await;
    let answered = status(&app, "/private", &ks.token(&RSA_A).build()).await;
    assert_eq!(answered, Status::ServiceUnavailable);
    let lines = log_lines("");
    assert!(
        lines.iter().any(|line| line.starts_with("WARN")
            && line.contains(&ks.issuer())
            && line.contains("\"https://evil.example/\"")
            && line.contains("no key is taken")),
        "{lines:#?}"
    );
}
