//! No log line holds a token, a secret or a claim's value, on every error
//! path: its own test binary, since the captured log is the process's and
//! the other logging tests count lines.

use auth_tests::*;

/// Every error path the contract lists, each with a token of its own, and
/// then every line the runtime logged: none holds a token (or a part of
/// one past its header) or a secret. Run at `trace`, the most verbose level.
#[rocket::async_test]
async fn no_error_path_logs_a_token_or_a_secret() {
    use auth_runtime::testing::{TestIntrospection, TEST_CLIENT_ID};
    use auth_runtime::Auth;
    use auth_tests::dpop::{Call, Setup};

    capture_logs();
    let mut secrets: Vec<String> = Vec::new();
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let now = jsonwebtoken::get_current_timestamp();
    let payload = serde_json::json!({
        "iss": ks.issuer(), "aud": AUDIENCE, "sub": "alg-none", "exp": now + 3600,
    });
    let alg_none = RSA_A
        .sign_raw(r#"{"alg":"none","kid":"rsa-a"}"#, &payload.to_string())
        .unwrap();
    let rows = [
        (Route::Private, "not-a-jwt-SECRETISH-1234".to_owned()),
        (
            Route::Private,
            "aGVhZGVy.cGF5bG9hZA.c2lnbmF0dXJl.ZXh0cmE".to_owned(),
        ),
        (Route::Private, alg_none),
        (Route::Private, ks.token(&RSA_B).kid(Some("rsa-a")).build()),
        (Route::Private, ks.token(&RSA_B).build()),
        (Route::Private, ks.token(&RSA_A).expires_in(-3600).build()),
        (
            Route::Private,
            ks.token(&RSA_A).audience("https://other/api").build(),
        ),
        (
            Route::Private,
            ks.token(&RSA_A).claim("nbf", now + 3600).build(),
        ),
        (
            Route::Private,
            ks.token(&RSA_A).claim("pad", "x".repeat(20_000)).build(),
        ),
        (Route::Scoped, ks.token(&RSA_A).sub("no-scope-sub").build()),
    ];
    for (route, token) in &rows {
        let answer = app.call_with(*route, token).await;
        assert!(answer.status.code >= 400, "{token}: {answer:?}");
        secrets.push(token.clone());
    }

    // The key set unavailable: 503.
    let down = KeyServer::answering(wiremock::ResponseTemplate::new(500)).await;
    let down_app = down.app().await;
    let token = down.token(&RSA_A).sub("while-down").build();
    assert_eq!(
        down_app.call_with(Route::Private, &token).await.status.code,
        503
    );
    secrets.push(token);

    // DPoP: a bound token as Bearer, a proof for another URL, a replay.
    let s = Setup::start().await;
    let bearer = Call::get("/private")
        .scheme("Bearer", &s.token)
        .send(&s.app)
        .await;
    assert_eq!(bearer.status.code, 401);
    let elsewhere = s
        .key
        .proof("GET", "http://api.test/other")
        .access_token(&s.token)
        .build();
    assert_eq!(s.private(elsewhere.clone()).await.status.code, 401);
    let proof = s.proof().build();
    s.private(proof.clone()).await;
    assert_eq!(s.private(proof.clone()).await.status.code, 401, "replayed");
    secrets.extend([s.token.clone(), elsewhere, proof]);

    // Introspection: inactive, credentials refused, endpoint down.
    let endpoint = TestIntrospection::start().await.unwrap();
    let client_secret = "wrong-client-secret-5f3a9c".to_owned();
    for secret in ["test-api-secret", client_secret.as_str()] {
        let config = ks
            .config()
            .introspection_url(endpoint.url())
            .client_id(TEST_CLIENT_ID)
            .client_secret(secret);
        let opaque_app = TestApp::library(config).await;
        let opaque = endpoint.inactive();
        let answer = opaque_app.call_with(Route::Private, &opaque).await;
        assert!(
            answer.status.code == 401 || answer.status.code == 503,
            "{answer:?}"
        );
        secrets.push(opaque);
    }
    secrets.extend([client_secret, "test-api-secret".to_owned()]);

    // Ignition refused: a shared secret too short, from Rocket's table.
    let short = "short-hmac-secret-77";
    let figment = rocket::Config::figment().merge((
        "auth",
        serde_json::json!({ "issuer": "https://i.example/", "audience": "a", "shared_secret": short }),
    ));
    let refused = AppKind::Library.build(rocket::custom(figment), Auth::from_rocket_config());
    assert_a_fairing_fails(refused, "a shared secret too short").await;
    secrets.push(short.to_owned());

    let all = log_lines("").join("\n");
    assert!(all.contains("rejected: 401"), "the rejections were logged");
    for secret in &secrets {
        // A JWT's header segment is not secret and is shared by many tokens;
        // its payload and signature are.
        let parts: Vec<&str> = secret.split('.').collect();
        let secret_parts = if parts.len() == 3 {
            &parts[1..]
        } else {
            &parts[..]
        };
        for part in secret_parts.iter().filter(|part| part.len() >= 6) {
            assert!(!all.contains(*part), "a log line holds {part:.20}...");
        }
    }
}

#[rocket::async_test]
async fn a_typed_claims_misfit_is_logged_without_the_claims_value() {
    capture_logs();
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    // MyClaims wants `sub` as a string.
    let token = ks.token(&RSA_A).claim("sub", 987_654_321_u64).build();
    let answer = get_with(&app, "/typed", &token).await;
    assert_eq!(answer.json()["code"], "invalid_claims");
    let lines = log_lines("do not fit");
    assert!(!lines.is_empty(), "the misfit is logged");
    assert!(
        log_lines("987654321").is_empty(),
        "no log line quotes a claim's value"
    );
}
