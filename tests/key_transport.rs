//! How keys travel: HTTPS only (HTTP on loopback), checked redirects,
//! discovery documents trusted only for their own issuer (OpenID Connect,
//! then RFC 8414), a hanging discovery endpoint, and the application's own
//! HTTP client.
//!
//! Every server here is wiremock on 127.0.0.1. "Off loopback" is
//! `http://0.0.0.0:<port>`: not a loopback address, so it must be refused,
//! yet on Linux a connection to it reaches the local server, so a test
//! whose refusal broke would see the fetch arrive.

mod key_kit;

use std::time::{Duration, Instant};

use auth_runtime::testing::key_set;
use auth_runtime::{Auth, AuthConfig};
use key_kit::*;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

// --- discovery: the issuer check ---------------------------------------

#[rocket::async_test]
async fn a_discovery_document_for_another_issuer_gives_503_and_no_key_set_fetch() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    // The document names another issuer; everything else would work: its
    // jwks_uri, the RFC 8414 metadata, and jwks.json. None may be used.
    serve_json(
        &ks.server,
        OPENID,
        json!({ "issuer": "https://evil.example/", "jwks_uri": ks.jwks_uri() }),
    )
    .await;
    serve_json(
        &ks.server,
        OAUTH,
        json!({ "issuer": ks.issuer(), "jwks_uri": ks.jwks_uri() }),
    )
    .await;
    serve_json(&ks.server, WELL_KNOWN_JWKS, key_set([&**RSA_A])).await;
    let client = client(discovering(&ks).build().unwrap()).await;
    let token = ks.token(&RSA_A).build();
    for _ in 0..2 {
        let answer = get_with(&client, "/private", &token).await;
        assert_eq!(answer.status, Status::ServiceUnavailable, "{answer:?}");
        assert_eq!(answer.json()["code"], "jwks_unavailable");
    }
    assert_eq!(
        ks.fetches().await,
        0,
        "no key set fetched from the document"
    );
    assert_eq!(
        requests_to(&ks.server, OAUTH).await,
        0,
        "a mismatch is an answer"
    );
    assert_eq!(
        requests_to(&ks.server, WELL_KNOWN_JWKS).await,
        0,
        "no fallback"
    );
    assert_eq!(
        requests_to(&ks.server, OPENID).await,
        2,
        "asked again: 503 until fixed"
    );
}

#[rocket::async_test]
async fn a_fixed_discovery_document_is_trusted_on_the_next_try() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    Mock::given(method("GET"))
        .and(path(OPENID))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({ "issuer": "https://evil.example/", "jwks_uri": ks.jwks_uri() }),
            ),
        )
        .up_to_n_times(1)
        .mount(&ks.server)
        .await;
    serve_json(
        &ks.server,
        OPENID,
        json!({ "issuer": ks.issuer(), "jwks_uri": ks.jwks_uri() }),
    )
    .await;
    let client = client(discovering(&ks).build().unwrap()).await;
    let token = ks.token(&RSA_A).build();
    assert_eq!(status(&client, &token).await, Status::ServiceUnavailable);
    assert_eq!(status(&client, &token).await, Status::Ok);
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn rfc8414_metadata_for_another_issuer_gives_503_and_no_jwks_json_fetch() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    // No OpenID document (404), then RFC 8414 metadata naming another issuer.
    serve_json(
        &ks.server,
        OAUTH,
        json!({ "issuer": format!("{}other/", ks.issuer()), "jwks_uri": ks.jwks_uri() }),
    )
    .await;
    serve_json(&ks.server, WELL_KNOWN_JWKS, key_set([&**RSA_A])).await;
    let client = client(discovering(&ks).build().unwrap()).await;
    assert_eq!(
        status(&client, &ks.token(&RSA_A).build()).await,
        Status::ServiceUnavailable
    );
    assert_eq!(requests_to(&ks.server, OPENID).await, 1);
    assert_eq!(ks.fetches().await, 0);
    assert_eq!(requests_to(&ks.server, WELL_KNOWN_JWKS).await, 0);
}

// --- discovery: RFC 8414, paths, time ----------------------------------

#[rocket::async_test]
async fn keys_are_found_by_rfc8414_metadata_when_there_is_no_openid_document() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    serve_json(
        &ks.server,
        OAUTH,
        json!({ "issuer": ks.issuer(), "jwks_uri": ks.jwks_uri() }),
    )
    .await;
    let client = client(discovering(&ks).build().unwrap()).await;
    assert_eq!(status(&client, &ks.token(&RSA_A).build()).await, Status::Ok);
    assert_eq!(requests_to(&ks.server, OPENID).await, 1, "OpenID first");
    assert_eq!(requests_to(&ks.server, OAUTH).await, 1);
    assert_eq!(ks.fetches().await, 1);
    assert_eq!(requests_to(&ks.server, WELL_KNOWN_JWKS).await, 0);
}

#[rocket::async_test]
async fn rfc8414_metadata_of_an_issuer_with_a_path_is_at_the_inserted_well_known_url() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let issuer = format!("{}/tenant/1", ks.server.uri());
    serve_json(
        &ks.server,
        &format!("{OAUTH}/tenant/1"),
        json!({ "issuer": issuer, "jwks_uri": ks.jwks_uri() }),
    )
    .await;
    let config = AuthConfig::builder(&issuer, AUDIENCE).build().unwrap();
    let client = client(config).await;
    let token = ks.token(&RSA_A).issuer(&issuer).build();
    assert_eq!(status(&client, &token).await, Status::Ok);
    assert_eq!(
        requests_to(&ks.server, &format!("/tenant/1{OPENID}")).await,
        1,
        "the OpenID document is appended to the issuer"
    );
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn the_openid_document_of_an_issuer_with_a_path_is_appended_to_it() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let issuer = format!("{}/tenant/1/", ks.server.uri());
    serve_json(
        &ks.server,
        &format!("/tenant/1{OPENID}"),
        json!({ "issuer": issuer, "jwks_uri": ks.jwks_uri() }),
    )
    .await;
    let config = AuthConfig::builder(&issuer, AUDIENCE).build().unwrap();
    let client = client(config).await;
    let token = ks.token(&RSA_A).issuer(&issuer).build();
    assert_eq!(status(&client, &token).await, Status::Ok);
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn a_hanging_discovery_endpoint_leaves_time_for_jwks_json() {
    let ks = KeyServer::empty().await;
    for at in [OPENID, OAUTH] {
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "issuer": ks.issuer(), "jwks_uri": ks.jwks_uri() }))
                    .set_delay(Duration::from_secs(30)),
            )
            .mount(&ks.server)
            .await;
    }
    serve_json(&ks.server, WELL_KNOWN_JWKS, key_set([&**RSA_A])).await;
    let timeout = Duration::from_secs(2);
    let client = client(discovering(&ks).fetch_timeout(timeout).build().unwrap()).await;
    let started = Instant::now();
    assert_eq!(status(&client, &ks.token(&RSA_A).build()).await, Status::Ok);
    let took = started.elapsed();
    assert!(took < timeout + Duration::from_millis(500), "took {took:?}");
    assert_eq!(requests_to(&ks.server, WELL_KNOWN_JWKS).await, 1);
}

// --- the HTTPS rule at fetch time: discovered URLs, redirects ------------

#[rocket::async_test]
async fn a_discovered_http_jwks_uri_off_loopback_is_refused() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    serve_json(
        &ks.server,
        OPENID,
        json!({ "issuer": ks.issuer(), "jwks_uri": off_loopback(&ks, JWKS_PATH) }),
    )
    .await;
    serve_json(&ks.server, WELL_KNOWN_JWKS, key_set([&**RSA_A])).await;
    let client = client(discovering(&ks).build().unwrap()).await;
    assert_eq!(
        status(&client, &ks.token(&RSA_A).build()).await,
        Status::ServiceUnavailable
    );
    assert_eq!(ks.fetches().await, 0, "the http jwks_uri was not fetched");
    assert_eq!(
        requests_to(&ks.server, WELL_KNOWN_JWKS).await,
        0,
        "no fallback"
    );
}

#[rocket::async_test]
async fn a_redirect_to_http_off_loopback_is_refused_and_one_on_loopback_followed() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    redirect(&ks.server, "/away", &off_loopback(&ks, JWKS_PATH)).await;
    redirect(&ks.server, "/here", &ks.jwks_uri()).await;
    let token = ks.token(&RSA_A).build();

    let away = format!("{}/away", ks.server.uri());
    let client_away = client(ks.config().jwks_uri(away).build().unwrap()).await;
    assert_eq!(
        status(&client_away, &token).await,
        Status::ServiceUnavailable
    );
    assert_eq!(ks.fetches().await, 0, "the redirect was not followed");

    let here = format!("{}/here", ks.server.uri());
    let client_here = client(ks.config().jwks_uri(here).build().unwrap()).await;
    assert_eq!(status(&client_here, &token).await, Status::Ok);
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn at_most_three_redirects_are_followed() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let uri = ks.server.uri();
    for hop in 1..=4 {
        redirect(
            &ks.server,
            &format!("/r{hop}"),
            &format!("{uri}/r{}", hop + 1),
        )
        .await;
    }
    redirect(&ks.server, "/r5", &ks.jwks_uri()).await;
    let token = ks.token(&RSA_A).build();
    // /r2 -> /r3 -> /r4 -> /r5 -> /jwks.json: four redirects.
    let four = client(ks.config().jwks_uri(format!("{uri}/r2")).build().unwrap()).await;
    assert_eq!(status(&four, &token).await, Status::ServiceUnavailable);
    assert_eq!(ks.fetches().await, 0);
    let three = client(ks.config().jwks_uri(format!("{uri}/r3")).build().unwrap()).await;
    assert_eq!(status(&three, &token).await, Status::Ok);
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
        let rocket = rocket::custom(figment)
            .attach(Auth::from_rocket_config())
            .mount("/", rocket::routes![private]);
        let error = Client::tracked(rocket)
            .await
            .expect_err("an http URL off loopback must not ignite");
        assert!(
            matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(_)),
            "{table}: {error:?}"
        );
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
        .respond_with(ResponseTemplate::new(200).set_body_json(key_set([&**RSA_A])))
        .mount(&ks.server)
        .await;
    let token = ks.token(&RSA_A).build();
    let theirs = client(ks.config().http_client(users_client()).build().unwrap()).await;
    assert_eq!(status(&theirs, &token).await, Status::Ok);
    let ours = client(ks.config().build().unwrap()).await;
    assert_eq!(status(&ours, &token).await, Status::ServiceUnavailable);

    // Our size limit holds with their client.
    let small = ks
        .config()
        .http_client(users_client())
        .max_jwks_bytes(100)
        .build()
        .unwrap();
    assert_eq!(
        status(&client(small).await, &token).await,
        Status::ServiceUnavailable
    );

    // And our timeout: their client has none.
    let slow = KeyServer::empty().await;
    slow.respond(
        ResponseTemplate::new(200)
            .set_body_json(key_set([&**RSA_A]))
            .set_delay(Duration::from_secs(30)),
    )
    .await;
    let config = slow
        .config()
        .http_client(users_client())
        .fetch_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let client = client(config).await;
    let started = Instant::now();
    assert_eq!(
        status(&client, &slow.token(&RSA_A).build()).await,
        Status::ServiceUnavailable
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[rocket::async_test]
async fn a_response_the_applications_client_was_redirected_to_is_refused() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    redirect(&ks.server, "/moved", &ks.jwks_uri()).await;
    let token = ks.token(&RSA_A).build();
    let moved = format!("{}/moved", ks.server.uri());
    let config = ks
        .config()
        .jwks_uri(moved)
        .http_client(users_client())
        .build()
        .unwrap();
    assert_eq!(
        status(&client(config).await, &token).await,
        Status::ServiceUnavailable
    );
    assert_eq!(
        ks.fetches().await,
        1,
        "their client followed, we took nothing"
    );

    // The discovered jwks_uri is held to the HTTPS rule with their client too.
    serve_json(
        &ks.server,
        OPENID,
        json!({ "issuer": ks.issuer(), "jwks_uri": off_loopback(&ks, JWKS_PATH) }),
    )
    .await;
    let config = discovering(&ks)
        .http_client(users_client())
        .build()
        .unwrap();
    assert_eq!(
        status(&client(config).await, &token).await,
        Status::ServiceUnavailable
    );
    assert_eq!(ks.fetches().await, 1);
}

// --- logs ------------------------------------------------------------------

#[rocket::async_test]
async fn a_refused_discovery_document_is_logged_at_warn() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    serve_json(
        &ks.server,
        OPENID,
        json!({ "issuer": "https://evil.example/", "jwks_uri": ks.jwks_uri() }),
    )
    .await;
    let client = client(discovering(&ks).build().unwrap()).await;
    assert_eq!(
        status(&client, &ks.token(&RSA_A).build()).await,
        Status::ServiceUnavailable
    );
    let lines = LINES.lock().unwrap().clone();
    assert!(
        lines.iter().any(|line| line.starts_with("WARN")
            && line.contains(&ks.issuer())
            && line.contains("\"https://evil.example/\"")
            && line.contains("no key is taken")),
        "{lines:#?}"
    );
}
