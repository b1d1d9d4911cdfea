//! The protected-resource metadata (RFC 9728) through HTTP: the document,
//! where it is served, and `resource_metadata` in every 401 challenge,
//! with the `Bearer` challenge first; in the library's app and the
//! quickstart (whose metadata is on).

use auth_runtime::config::{AuthConfigBuilder, DpopMode};
use auth_runtime::testing::DpopKey;
use auth_tests::dpop::{proof, Call, ALGS, HOST};
use auth_tests::*;
use serde_json::json;

const DOCUMENT: &str = "/.well-known/oauth-protected-resource";
const METADATA_URL: &str = "http://api.test/.well-known/oauth-protected-resource";

/// A key server, and the library's app with the metadata on and the key
/// server's configuration as `configure` changes it.
async fn app(
    configure: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
) -> (KeyServer, TestApp) {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = TestApp::library(configure(ks.config().resource_metadata(true))).await;
    (ks, app)
}

#[rocket::async_test]
async fn the_document_has_the_contract_members() {
    let (ks, app) =
        app(|config| config.scopes_supported(["read:messages", "write:messages"])).await;
    // No authentication, and no token needed.
    let answer = Call::get(DOCUMENT).send(&app).await;
    assert_eq!(answer.status.code, 200, "{answer:?}");
    assert_eq!(answer.content_type, Some(rocket::http::ContentType::JSON));
    assert_eq!(
        answer.json(),
        json!({
            "resource": "http://api.test",
            "authorization_servers": [ks.issuer()],
            "bearer_methods_supported": ["header"],
            "scopes_supported": ["read:messages", "write:messages"],
            "dpop_signing_alg_values_supported": ["ES256", "ES384", "PS256", "RS256", "EdDSA"],
        })
    );
}

#[rocket::async_test]
async fn the_document_follows_the_dpop_mode_and_collects_unset_scopes() {
    // Each app has a key server of its own; none is asked for keys here.
    let (_ks, required) = app(|config| config.dpop(DpopMode::Required)).await;
    let document = Call::get(DOCUMENT).send(&required).await.json();
    assert_eq!(document["dpop_bound_access_tokens_required"], true);
    // None configured: those of the app's routes (`/scoped`, `/messages`, `/either`).
    assert_eq!(
        document["scopes_supported"],
        json!(["admin", "audit", "read:messages", "write:messages"]),
        "{document}"
    );
    let (_ks, disabled) = app(|config| config.dpop(DpopMode::Disabled)).await;
    let document = Call::get(DOCUMENT).send(&disabled).await.json();
    assert!(
        document.get("dpop_signing_alg_values_supported").is_none(),
        "{document}"
    );
    assert!(
        document.get("dpop_bound_access_tokens_required").is_none(),
        "{document}"
    );
    let (_ks, allowed) = app(|config| config).await;
    let document = Call::get(DOCUMENT).send(&allowed).await.json();
    assert!(
        document.get("dpop_bound_access_tokens_required").is_none(),
        "{document}"
    );
}

#[rocket::async_test]
async fn the_resource_is_the_public_url_not_the_audience() {
    let (_ks, app) = app(|config| config.public_url("https://api.example.com/")).await;
    let document = Call::get(DOCUMENT)
        .host(Some("10.0.0.7:8000"))
        .send(&app)
        .await
        .json();
    assert_eq!(document["resource"], "https://api.example.com");
    assert_ne!(document["resource"], AUDIENCE);
    let answer = app.call(Route::Private, None).await;
    assert!(
        answer.challenges[0].contains(
            r#"resource_metadata="https://api.example.com/.well-known/oauth-protected-resource""#
        ),
        "{:?}",
        answer.challenges
    );
}

#[rocket::async_test]
async fn a_path_prefix_moves_the_document_where_rfc_9728_puts_it() {
    let (_ks, app) = app(|config| config.public_url("https://gw.example.com/orders")).await;
    let answer = Call::get("/.well-known/oauth-protected-resource/orders")
        .send(&app)
        .await;
    assert_eq!(answer.status.code, 200, "{answer:?}");
    assert_eq!(answer.json()["resource"], "https://gw.example.com/orders");
    assert_eq!(Call::get(DOCUMENT).send(&app).await.status.code, 404);
    let answer = app.call(Route::Private, None).await;
    let expected =
        r#"resource_metadata="https://gw.example.com/.well-known/oauth-protected-resource/orders""#;
    assert!(
        answer.challenges.iter().all(|c| c.contains(expected)),
        "{:?}",
        answer.challenges
    );
}

#[rocket::async_test]
async fn a_host_that_cannot_form_the_resource_is_a_400() {
    let (_ks, app) = app(|config| config).await;
    for host in [None, Some("bad host")] {
        let answer = Call::get(DOCUMENT).host(host).send(&app).await;
        assert_eq!(answer.status.code, 400, "{host:?}: {answer:?}");
        assert_eq!(answer.json()["code"], "invalid_request");
    }
}

/// Every challenge of `answer` names the metadata.
#[track_caller]
fn assert_names_metadata(answer: &Answer, context: &str) {
    assert_eq!(answer.status.code, 401, "{context}: {answer:?}");
    assert!(!answer.challenges.is_empty(), "{context}");
    for challenge in &answer.challenges {
        assert!(
            challenge.contains(&format!(r#"resource_metadata="{METADATA_URL}""#)),
            "{context}: {challenge}"
        );
    }
}

#[rocket::async_test]
async fn every_401_challenge_names_the_metadata() {
    let (ks, app) = app(|config| config.dpop_nonce(true).dpop_nonce_secret(vec![1u8; 32])).await;
    let key = DpopKey::generate();
    let bound = ks.token(&RSA_A).bound_to(&key).build();
    let expired = ks.token(&RSA_A).expires_in(-120).build();
    let calls = [
        ("no header", Call::get("/private")),
        (
            "not Bearer",
            Call::get("/private").scheme("Basic", "dXNlcjpwYXNz"),
        ),
        ("expired", Call::get("/private").scheme("Bearer", &expired)),
        (
            "bound as Bearer",
            Call::get("/private").scheme("Bearer", &bound),
        ),
        (
            "bad proof",
            Call::get("/private").dpop(&bound, "not a proof"),
        ),
        (
            "no nonce",
            Call::get("/private").dpop(&bound, proof(&key, "/private", &bound).build()),
        ),
        ("scoped, no header", Call::get("/scoped")),
    ];
    for (name, call) in calls {
        let answer = call.send(&app).await;
        assert_names_metadata(&answer, name);
    }
    // A 403 is not an authentication challenge: no metadata there.
    let plain = ks.token(&RSA_A).build();
    let answer = app.call_with(Route::Scoped, &plain).await;
    assert_eq!(answer.status.code, 403);
    assert!(
        !answer.challenges[0].contains("resource_metadata"),
        "{:?}",
        answer.challenges
    );
}

#[rocket::async_test]
async fn the_bearer_challenge_comes_first() {
    let (_ks, app) = app(|config| config).await;
    let answer = Call::get("/scoped").send(&app).await;
    assert_eq!(
        answer.challenges,
        [
            format!(
                r#"Bearer realm="api", resource_metadata="{METADATA_URL}", scope="read:messages""#
            ),
            format!(
                r#"DPoP algs="{ALGS}", resource_metadata="{METADATA_URL}", scope="read:messages""#
            ),
        ]
    );
    // The first header is what clients that read one see.
    assert_eq!(
        answer.www_authenticate.as_deref(),
        Some(answer.challenges[0].as_str())
    );
}

#[rocket::async_test]
async fn with_metadata_off_nothing_is_served_or_named() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = TestApp::library(ks.config()).await;
    assert_eq!(Call::get(DOCUMENT).send(&app).await.status.code, 404);
    let answer = Call::get("/private").send(&app).await;
    assert_eq!(answer.challenges.len(), 2);
    assert!(answer
        .challenges
        .iter()
        .all(|c| !c.contains("resource_metadata")));
}

#[rocket::async_test]
async fn the_quickstart_serves_its_metadata_and_names_it() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = TestApp::start(AppKind::Quickstart, auth_examples::settings(ks.config())).await;
    let answer = Call::get(DOCUMENT).send(&app).await;
    assert_eq!(
        answer.json()["scopes_supported"],
        json!(["read:messages", "write:messages"])
    );
    assert_eq!(answer.json()["resource"], format!("http://{HOST}"));
    for path in [
        "/api/private",
        "/api/private-scoped",
        "/api/private-step-up",
    ] {
        let answer = Call::get(path).send(&app).await;
        assert_names_metadata(&answer, path);
        assert!(answer.challenges[0].starts_with("Bearer realm="), "{path}");
    }
    // A step-up failure names it too.
    let plain = ks.token(&RSA_A).build();
    let answer = Call::get("/api/private-step-up")
        .scheme("Bearer", &plain)
        .send(&app)
        .await;
    assert_eq!(answer.json()["code"], "insufficient_user_authentication");
    assert_names_metadata(&answer, "step-up");
    // The contract's table still holds with the metadata on.
    let answer = app.call(Route::Private, None).await;
    answer.assert(Expect::Missing, "quickstart, no header");
}

#[rocket::async_test]
async fn with_several_issuers_the_first_configuration_decides_and_all_are_listed() {
    let (first, second) = (
        KeyServer::start(&[&RSA_A]).await,
        KeyServer::start(&[&RSA_B]).await,
    );
    let auth = auth_runtime::Auth::issuers([
        first
            .config()
            .resource_metadata(true)
            .dpop(DpopMode::Required)
            .build()
            .unwrap(),
        second.config().build().unwrap(),
    ]);
    let app = TestApp::with_auth(AppKind::Library, auth).await;
    let document = Call::get(DOCUMENT).send(&app).await.json();
    assert_eq!(
        document["authorization_servers"],
        json!([first.issuer(), second.issuer()])
    );
    assert_eq!(document["dpop_bound_access_tokens_required"], true);
    // The first configuration's mode holds for the second issuer's tokens too.
    let plain = second.token(&RSA_B).build();
    let answer = app.call_with(Route::Private, &plain).await;
    assert_eq!(answer.json()["code"], "invalid_token", "{answer:?}");
    let key = DpopKey::generate();
    let bound = second.token(&RSA_B).bound_to(&key).build();
    let answer = Call::get("/private")
        .dpop(&bound, proof(&key, "/private", &bound).build())
        .send(&app)
        .await;
    assert_eq!(answer.status.code, 200, "{answer:?}");
}
