//! DPoP's sender constraint through HTTP (RFC 9449), one test per row of
//! the contract: a bound token as `Bearer` in every mode, a token without
//! `cnf` as `DPoP`, the `required` and `disabled` modes, the `DPoP`
//! headers and `Host`, and the order of checks (the token before its
//! proof, the proof before the scope; the token cache never skips a proof);
//! a confirmation (`cnf`) this API cannot check is refused, and a
//! `Validator` used on its own keeps the sender constraint.

use auth_runtime::config::DpopMode;
use auth_runtime::testing::DpopKey;
use auth_tests::dpop::{
    assert_bad_proof, assert_bearer_error, assert_body, assert_challenged, assert_dpop_error,
    assert_private, proof, Call, Setup, HOST,
};
use auth_tests::*;
use rocket::http::Status;

const BOUND_AS_BEARER: &str =
    "The token is bound to a DPoP key (cnf.jkt): it must be presented with the DPoP scheme and a proof";

#[rocket::async_test]
async fn a_bound_token_as_bearer_is_invalid_token_in_every_mode() {
    for mode in [DpopMode::Allowed, DpopMode::Required] {
        let s = Setup::with(|config| config.dpop(mode)).await;
        // With its valid proof beside it, too: Bearer is the thief's scheme.
        let answer = Call::get("/private")
            .scheme("Bearer", &s.token)
            .proof(s.proof().build())
            .send(&s.app)
            .await;
        assert_bearer_error(
            &answer,
            "invalid_token",
            BOUND_AS_BEARER,
            &format!("{mode:?}"),
        );
        assert!(!answer.body.contains(&s.token));
    }
    let s = Setup::with(|config| config.dpop(DpopMode::Disabled)).await;
    let answer = s.app.call_with(Route::Private, &s.token).await;
    let [bearer] = assert_challenged(&answer, "invalid_token", BOUND_AS_BEARER, "disabled");
    let start = r#"Bearer realm="api", error="invalid_token""#;
    assert!(bearer.starts_with(start), "disabled: {bearer}");
}

#[rocket::async_test]
async fn a_token_without_cnf_under_dpop_is_invalid_token() {
    let s = Setup::start().await;
    let plain = s.ks.token(&RSA_A).build();
    let answer = Call::get("/private")
        .dpop(&plain, proof(&s.key, "/private", &plain).build())
        .send(&s.app)
        .await;
    assert_dpop_error(
        &answer,
        "invalid_token",
        "The token presented with the DPoP scheme is not bound to a key (it has no cnf.jkt)",
        "no cnf",
    );
}

#[rocket::async_test]
async fn required_mode_refuses_plain_bearer_and_takes_dpop() {
    let s = Setup::with(|config| config.dpop(DpopMode::Required)).await;
    let plain = s.ks.token(&RSA_A).build();
    let answer = s.app.call_with(Route::Private, &plain).await;
    assert_bearer_error(
        &answer,
        "invalid_token",
        "This resource requires DPoP: a DPoP-bound token presented with the DPoP scheme and a proof",
        "plain Bearer",
    );
    assert_private(&s.private(s.proof().build()).await, "DPoP");
}

#[rocket::async_test]
async fn allowed_mode_takes_plain_bearer_as_before() {
    let s = Setup::start().await;
    let plain = s.ks.token(&RSA_A).build();
    let answer = s.app.call_with(Route::Private, &plain).await;
    s.app.assert_success(
        Route::Private,
        &answer,
        &serde_json::json!(SUB),
        "plain Bearer",
    );
}

#[rocket::async_test]
async fn disabled_mode_refuses_the_dpop_scheme_as_before() {
    let s = Setup::with(|config| config.dpop(DpopMode::Disabled)).await;
    let answer = s.private(s.proof().build()).await;
    answer.assert(
        Expect::BadHeader("Authorization header must start with Bearer"),
        "DPoP scheme, disabled",
    );
    assert_eq!(
        answer.challenges.len(),
        1,
        "no DPoP challenge: {:?}",
        answer.challenges
    );
}

#[rocket::async_test]
async fn a_dpop_header_beside_a_plain_bearer_token_is_ignored() {
    let s = Setup::start().await;
    let plain = s.ks.token(&RSA_A).build();
    for proofs in [&["garbage"][..], &["a", "b"]] {
        let call = Call::get("/private").scheme("Bearer", &plain);
        let call = proofs.iter().fold(call, |call, proof| call.proof(*proof));
        assert_private(&call.send(&s.app).await, "ignored DPoP header");
    }
}

#[rocket::async_test]
async fn zero_or_two_dpop_headers_are_invalid_dpop_proof() {
    let s = Setup::start().await;
    let answer = Call::get("/private")
        .scheme("DPoP", &s.token)
        .send(&s.app)
        .await;
    assert_bad_proof(
        &answer,
        "The request has no DPoP header: the DPoP scheme needs one proof",
        "none",
    );
    let answer = Call::get("/private")
        .dpop(&s.token, s.proof().build())
        .proof(s.proof().build())
        .send(&s.app)
        .await;
    assert_bad_proof(&answer, "The request has more than one DPoP header", "two");
}

#[rocket::async_test]
async fn a_host_that_cannot_form_a_url_fails_the_proof() {
    let s = Setup::start().await;
    for host in [
        None,
        Some("bad host"),
        Some("api.test/private"),
        Some("user@api.test"),
    ] {
        let answer = Call::get("/private")
            .host(host)
            .dpop(&s.token, s.proof().build())
            .send(&s.app)
            .await;
        assert_bad_proof(
            &answer,
            "The request URL cannot be formed (no usable Host, or a dot-segment in its path) to compare it with the DPoP proof's htu",
            &format!("{host:?}"),
        );
    }
}

#[rocket::async_test]
async fn a_bad_proof_on_an_expired_token_is_token_expired() {
    let s = Setup::start().await;
    let expired = s.ks.token(&RSA_A).bound_to(&s.key).expires_in(-120).build();
    let answer = Call::get("/private")
        .dpop(&expired, "not a proof")
        .send(&s.app)
        .await;
    assert_dpop_error(&answer, "token_expired", EXPIRED, "expired, bad proof");
    // A token failure keeps its code under the scheme the client used.
    let forged = tampered(&s.token, |payload| payload["sub"] = "admin".into());
    let answer = Call::get("/private")
        .dpop(&forged, "not a proof")
        .send(&s.app)
        .await;
    assert_dpop_error(&answer, "invalid_header", PARSE, "bad signature, bad proof");
}

#[rocket::async_test]
async fn a_bound_token_as_bearer_on_a_scoped_route_is_401_not_403() {
    let s = Setup::start().await;
    // No read:messages, bound, as Bearer: the sender constraint comes before the scope.
    let answer = s.app.call_with(Route::Scoped, &s.token).await;
    assert_bearer_error(
        &answer,
        "invalid_token",
        BOUND_AS_BEARER,
        "scoped, no scope",
    );
    assert!(
        answer.challenges[0].ends_with(r#"scope="read:messages""#),
        "{:?}",
        answer.challenges
    );
    // With its proof it gets the 403, under the DPoP scheme.
    let answer = Call::get("/scoped")
        .dpop(&s.token, proof(&s.key, "/scoped", &s.token).build())
        .send(&s.app)
        .await;
    assert_body(&answer, 403, "Unauthorized", NO_ACCESS, "scoped, DPoP");
    assert!(
        answer.challenges[0].starts_with(r#"DPoP error="insufficient_scope""#)
            && answer.challenges[0].ends_with(r#"scope="read:messages""#),
        "{:?}",
        answer.challenges
    );
}

#[rocket::async_test]
async fn the_token_cache_never_skips_the_proof() {
    let s = Setup::start().await;
    assert_private(&s.private(s.proof().build()).await, "first");
    assert_private(&s.private(s.proof().build()).await, "second, fresh proof");
    // The token is cached now: its signature is not checked again, its proof is.
    assert_eq!(s.app.verifications(), 1);
    let why = "The DPoP proof's signature does not verify";
    let other_signer = s.proof().signed_by(&DpopKey::generate());
    s.assert_refused(&other_signer, why, "cached token").await;
    let answer = Call::get("/private")
        .scheme("DPoP", &s.token)
        .send(&s.app)
        .await;
    assert_eq!(
        answer.json()["code"],
        "invalid_dpop_proof",
        "cached token, no proof"
    );
}

#[rocket::async_test]
async fn odd_dpop_headers_and_hosts_never_get_a_5xx_nor_echo() {
    let s = Setup::start().await;
    let huge = "e".repeat(100_000);
    let proofs = [
        "",
        " ",
        "a.b.c",
        "..",
        "eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.AAAA",
        huge.as_str(),
        "\u{e9}\u{1f600}.\u{0}.x",
    ];
    for proof in proofs {
        for host in [
            Some(HOST),
            Some("[::1]:99999"),
            Some("\u{e9}xample"),
            Some(":"),
            None,
        ] {
            let answer = Call::get("/private")
                .host(host)
                .dpop(&s.token, proof)
                .send(&s.app)
                .await;
            let context = format!("{host:?} {:?}", proof.get(..20));
            assert_eq!(answer.status.code, 401, "{context}: {answer:?}");
            assert_eq!(answer.json()["code"], "invalid_dpop_proof", "{context}");
            assert!(
                answer.body.len() < 1024 && !answer.body.contains(&s.token),
                "{context}"
            );
        }
    }
}

#[rocket::async_test]
async fn a_binding_this_api_cannot_check_is_refused_not_ignored() {
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let cases = [
        (
            "a jwk confirmation",
            serde_json::json!({ "jwk": { "kty": "EC" } }),
        ),
        ("a cnf that is a string", serde_json::json!("jkt")),
        ("a jkt spelled otherwise", serde_json::json!({ "JKT": "x" })),
        ("an empty cnf", serde_json::json!({})),
        (
            "jkt beside an unknown member",
            serde_json::json!({ "jkt": "x", "kid": "y" }),
        ),
    ];
    for (name, cnf) in cases {
        let token = ks.token(&RSA_A).claim("cnf", cnf).build();
        let answer = get_with(&app, "/private", &token).await;
        assert_eq!(answer.status, Status::Unauthorized, "{name}: {answer:?}");
        assert_eq!(answer.json()["code"], "invalid_token", "{name}");
    }
    let plain = ks.token(&RSA_A).build();
    assert_eq!(status(&app, "/private", &plain).await, Status::Ok);
}

#[rocket::async_test]
async fn a_validator_on_its_own_keeps_the_sender_constraint() {
    use auth_runtime::validator::Validator;
    let ks = KeyServer::start(&[&RSA_A]).await;
    let required = Validator::new(ks.config().dpop(DpopMode::Required).build().unwrap()).unwrap();
    let plain = ks.token(&RSA_A).build();
    let header = format!("Bearer {plain}");
    let error = required.authorize(Some(&header)).await.unwrap_err();
    assert_eq!(
        error.code(),
        "invalid_token",
        "required mode refuses plain Bearer"
    );
    let allowed = Validator::new(ks.config().build().unwrap()).unwrap();
    assert!(allowed.authorize(Some(&header)).await.is_ok());
    let bound = ks
        .token(&RSA_A)
        .claim(
            "cnf",
            serde_json::json!({ "x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2" }),
        )
        .build();
    let error = allowed
        .authorize(Some(&format!("Bearer {bound}")))
        .await
        .unwrap_err();
    assert_eq!(
        error.code(),
        "invalid_token",
        "a certificate-bound token needs its certificate"
    );
}
