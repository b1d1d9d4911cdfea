//! DPoP (RFC 9449) through HTTP, one test per row of the contract's DPoP
//! section: each proof check, the sender-constraint rows of every mode, the
//! headers, and the order of checks. Nonces, replay stores and several
//! instances are in `dpop_state.rs`; the metadata in `resource_metadata.rs`.

use auth_runtime::config::Algorithm;
use auth_runtime::config::DpopMode;
use auth_runtime::testing::DpopKey;
use auth_tests::dpop::{
    assert_bad_proof, assert_bearer_error, assert_body, assert_dpop_error, assert_private, proof,
    url, Call, ALGS, HOST,
};
use auth_tests::*;

/// A key server, the library's app configured by `configure`, a client key,
/// and a token bound to it.
struct Setup {
    ks: KeyServer,
    app: TestApp,
    key: DpopKey,
    token: String,
}

async fn setup_with(
    configure: impl FnOnce(
        auth_runtime::config::AuthConfigBuilder,
    ) -> auth_runtime::config::AuthConfigBuilder,
) -> Setup {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = TestApp::library(configure(ks.config())).await;
    let key = DpopKey::generate();
    let token = ks.token(&RSA_A).bound_to(&key).build();
    Setup {
        ks,
        app,
        key,
        token,
    }
}

async fn setup() -> Setup {
    setup_with(|config| config).await
}

impl Setup {
    /// GET `/private` with the bound token and `proof`.
    async fn private(&self, proof: String) -> Answer {
        Call::get("/private")
            .dpop(&self.token, proof)
            .send(&self.app)
            .await
    }

    /// A valid proof of the client key for GET `/private`.
    fn proof(&self) -> auth_runtime::testing::ProofBuilder {
        proof(&self.key, "/private", &self.token)
    }
}

#[rocket::async_test]
async fn a_bound_token_with_a_valid_proof_is_accepted() {
    let s = setup().await;
    assert_private(&s.private(s.proof().build()).await, "a valid proof");
    // The scheme is compared case-insensitively.
    let answer = Call::get("/private")
        .scheme("dpop", &s.token)
        .proof(s.proof().build())
        .send(&s.app)
        .await;
    assert_private(&answer, "lower-case scheme");
    // No nonce is asked for or given while nonces are off.
    assert_eq!(answer.dpop_nonce, None);
}

#[rocket::async_test]
async fn proof_typ_must_be_dpop_jwt() {
    let s = setup().await;
    for typ in [Some("JWT"), Some("at+jwt"), None] {
        let answer = s.private(s.proof().typ(typ).build()).await;
        assert_bad_proof(
            &answer,
            "The DPoP proof's typ is not dpop+jwt",
            &format!("{typ:?}"),
        );
    }
    let answer = s
        .private(s.proof().typ(Some("application/DPoP+JWT")).build())
        .await;
    assert_private(&answer, "application/ prefix, other case");
}

#[rocket::async_test]
async fn proof_alg_must_be_an_allowed_asymmetric_one() {
    let s = setup().await;
    for alg in ["none", "HS256", "RS512", "ES512", "es256"] {
        let answer = s.private(s.proof().alg(alg).build()).await;
        assert_bad_proof(
            &answer,
            "The DPoP proof's alg is not one of the allowed asymmetric algorithms",
            alg,
        );
    }
    // The allowed list is configurable: without ES256, the same valid proof is refused.
    let narrow = setup_with(|config| config.dpop_algorithms([Algorithm::PS256])).await;
    let answer = narrow.private(narrow.proof().build()).await;
    let why = "The DPoP proof's alg is not one of the allowed asymmetric algorithms";
    assert_body(&answer, 401, "invalid_dpop_proof", why, "ES256 not allowed");
    // The challenge names the algorithms allowed.
    assert!(
        answer.challenges[0].starts_with(&format!(
            r#"DPoP error="invalid_dpop_proof", error_description="{why}", algs="PS256""#
        )),
        "{:?}",
        answer.challenges
    );
}

#[rocket::async_test]
async fn proof_jwk_must_be_public() {
    let s = setup().await;
    for member in ["d", "p", "k"] {
        let answer = s.private(s.proof().private_member(member).build()).await;
        assert_bad_proof(
            &answer,
            "The DPoP proof's jwk holds private key members",
            member,
        );
        assert!(!answer.body.contains(&s.token), "{member}: echo");
    }
    let answer = s.private(s.proof().without_header("jwk").build()).await;
    assert_bad_proof(
        &answer,
        "The DPoP proof's header has no jwk object",
        "no jwk",
    );
}

#[rocket::async_test]
async fn proof_key_must_match_cnf_jkt() {
    let s = setup().await;
    // A valid proof by another key: the thief's own key.
    let other = DpopKey::generate();
    let answer = s.private(proof(&other, "/private", &s.token).build()).await;
    assert_bad_proof(
        &answer,
        "The DPoP proof's key is not the one the token is bound to (cnf.jkt)",
        "other key",
    );
}

#[rocket::async_test]
async fn proof_signature_must_verify() {
    let s = setup().await;
    let other = DpopKey::generate();
    let answer = s.private(s.proof().signed_by(&other).build()).await;
    assert_bad_proof(
        &answer,
        "The DPoP proof's signature does not verify",
        "signed by another",
    );
    let mut tampered = s.proof().build();
    tampered.pop();
    tampered.push('A');
    let answer = s.private(tampered).await;
    assert_eq!(answer.json()["code"], "invalid_dpop_proof", "{answer:?}");
}

#[rocket::async_test]
async fn proof_htm_must_match_the_method() {
    let s = setup().await;
    let post = s.key.proof("POST", &url("/private")).access_token(&s.token);
    let answer = s.private(post.build()).await;
    assert_bad_proof(
        &answer,
        "The DPoP proof's htm does not match the request method",
        "POST",
    );
    let lower = s.key.proof("get", &url("/private")).access_token(&s.token);
    let answer = s.private(lower.build()).await;
    assert_bad_proof(
        &answer,
        "The DPoP proof's htm does not match the request method",
        "get",
    );
}

#[rocket::async_test]
async fn proof_htu_must_match_the_request_url() {
    let s = setup().await;
    let wrong = [
        url("/scoped"),
        url("/private/"),
        "https://api.test/private".to_owned(),
        "http://evil.test/private".to_owned(),
        "http://api.test:8080/private".to_owned(),
    ];
    for htu in wrong {
        let answer = s
            .private(s.key.proof("GET", &htu).access_token(&s.token).build())
            .await;
        assert_bad_proof(
            &answer,
            "The DPoP proof's htu does not match the request URL",
            &htu,
        );
    }
}

#[rocket::async_test]
async fn proof_htu_is_compared_normalised_and_without_query() {
    let s = setup().await;
    for htu in [
        "HTTP://API.TEST/private",
        "http://api.test:80/private",
        "http://api.test/private?page=2",
        "http://api.test/private#top",
        "http://api.test/%70rivate",
    ] {
        let answer = s
            .private(s.key.proof("GET", htu).access_token(&s.token).build())
            .await;
        assert_private(&answer, htu);
    }
    // The request's own query is ignored too.
    let answer = Call::get("/private?page=2")
        .dpop(&s.token, s.proof().build())
        .send(&s.app)
        .await;
    assert_private(&answer, "request with a query");
    // And its Host is normalised as well.
    let answer = Call::get("/private")
        .host(Some("API.Test:80"))
        .dpop(&s.token, s.proof().build())
        .send(&s.app)
        .await;
    assert_private(&answer, "Host in capitals with the default port");
}

#[rocket::async_test]
async fn behind_a_proxy_the_public_url_makes_the_htu() {
    let s = setup_with(|config| config.public_url("https://api.example.com/orders/")).await;
    let public = "https://api.example.com/orders/private";
    let answer = Call::get("/private")
        .host(Some("10.0.0.7:8000"))
        .dpop(
            &s.token,
            s.key.proof("GET", public).access_token(&s.token).build(),
        )
        .send(&s.app)
        .await;
    assert_private(&answer, "the public URL");
    // Even without any Host.
    let answer = Call::get("/private")
        .host(None)
        .dpop(
            &s.token,
            s.key.proof("GET", public).access_token(&s.token).build(),
        )
        .send(&s.app)
        .await;
    assert_private(&answer, "no Host");
    // The URL the proxy forwarded to is not the one the client signed.
    let internal = "http://10.0.0.7:8000/private";
    let answer = Call::get("/private")
        .host(Some("10.0.0.7:8000"))
        .dpop(
            &s.token,
            s.key.proof("GET", internal).access_token(&s.token).build(),
        )
        .send(&s.app)
        .await;
    assert_bad_proof(
        &answer,
        "The DPoP proof's htu does not match the request URL",
        internal,
    );
}

#[rocket::async_test]
async fn proof_iat_must_be_in_the_window() {
    let s = setup().await;
    let answer = s.private(s.proof().iat_offset(-310).build()).await;
    assert_bad_proof(&answer, "The DPoP proof is too old (iat)", "310 s old");
    let answer = s.private(s.proof().iat_offset(40).build()).await;
    assert_bad_proof(
        &answer,
        "The DPoP proof is issued in the future (iat)",
        "40 s ahead",
    );
    let answer = s.private(s.proof().without_claim("iat").build()).await;
    assert_bad_proof(&answer, "The DPoP proof has no numeric iat", "no iat");
    for offset in [-280, 20] {
        assert_private(
            &s.private(s.proof().iat_offset(offset).build()).await,
            &format!("{offset}"),
        );
    }
    // The window is configurable.
    let short =
        setup_with(|config| config.dpop_proof_max_age(std::time::Duration::from_secs(10))).await;
    let answer = short.private(short.proof().iat_offset(-30).build()).await;
    assert_bad_proof(
        &answer,
        "The DPoP proof is too old (iat)",
        "30 s old, 10 s window",
    );
}

#[rocket::async_test]
async fn proof_ath_must_hash_the_token() {
    let s = setup().await;
    let answer = s.private(s.proof().without_claim("ath").build()).await;
    assert_bad_proof(&answer, "The DPoP proof has no ath", "no ath");
    let other =
        s.ks.token(&RSA_A)
            .bound_to(&s.key)
            .sub("someone-else")
            .build();
    let answer = s.private(s.proof().access_token(&other).build()).await;
    assert_bad_proof(
        &answer,
        "The DPoP proof's ath does not match the access token",
        "other token",
    );
}

#[rocket::async_test]
async fn a_replayed_proof_is_refused() {
    let s = setup().await;
    let proof = s.proof().build();
    assert_private(&s.private(proof.clone()).await, "first use");
    let answer = s.private(proof).await;
    assert_bad_proof(
        &answer,
        "The DPoP proof was used before (its jti was seen)",
        "replay",
    );
    // A fresh proof with a jti of its own still passes; a fresh proof
    // reusing a jti does not.
    assert_private(&s.private(s.proof().jti("j-1").build()).await, "new jti");
    let answer = s.private(s.proof().jti("j-1").build()).await;
    assert_bad_proof(
        &answer,
        "The DPoP proof was used before (its jti was seen)",
        "same jti",
    );
}

const BOUND_AS_BEARER: &str =
    "The token is bound to a DPoP key (cnf.jkt): it must be presented with the DPoP scheme and a proof";

#[rocket::async_test]
async fn a_bound_token_as_bearer_is_invalid_token_in_every_mode() {
    for mode in [DpopMode::Allowed, DpopMode::Required] {
        let s = setup_with(|config| config.dpop(mode)).await;
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
    let s = setup_with(|config| config.dpop(DpopMode::Disabled)).await;
    let answer = s.app.call_with(Route::Private, &s.token).await;
    assert_body(&answer, 401, "invalid_token", BOUND_AS_BEARER, "disabled");
    assert_eq!(answer.challenges.len(), 1, "{:?}", answer.challenges);
    assert!(
        answer.challenges[0].starts_with(r#"Bearer realm="api", error="invalid_token""#),
        "{:?}",
        answer.challenges
    );
}

#[rocket::async_test]
async fn a_token_without_cnf_under_dpop_is_invalid_token() {
    let s = setup().await;
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
    let s = setup_with(|config| config.dpop(DpopMode::Required)).await;
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
    let s = setup().await;
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
    let s = setup_with(|config| config.dpop(DpopMode::Disabled)).await;
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
    let s = setup().await;
    let plain = s.ks.token(&RSA_A).build();
    for proofs in [vec!["garbage".to_owned()], vec!["a".into(), "b".into()]] {
        let mut call = Call::get("/private").scheme("Bearer", &plain);
        for proof in proofs {
            call = call.proof(proof);
        }
        let answer = call.send(&s.app).await;
        assert_private(&answer, "ignored DPoP header");
    }
}

#[rocket::async_test]
async fn zero_or_two_dpop_headers_are_invalid_dpop_proof() {
    let s = setup().await;
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
    let s = setup().await;
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
            "The request URL cannot be formed (no usable Host) to compare it with the DPoP proof's htu",
            &format!("{host:?}"),
        );
    }
}

#[rocket::async_test]
async fn a_bad_proof_on_an_expired_token_is_token_expired() {
    let s = setup().await;
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
    let s = setup().await;
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
    let s = setup().await;
    assert_private(&s.private(s.proof().build()).await, "first");
    assert_private(&s.private(s.proof().build()).await, "second, fresh proof");
    // The token is cached now: its signature is not checked again, its proof is.
    assert_eq!(s.app.verifications(), 1);
    let answer = s
        .private(s.proof().signed_by(&DpopKey::generate()).build())
        .await;
    assert_bad_proof(
        &answer,
        "The DPoP proof's signature does not verify",
        "cached token",
    );
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
async fn a_post_needs_a_proof_for_post() {
    let s = setup().await;
    let token = s.ks.granted(&RSA_A).bound_to(&s.key).build();
    let send = |proof: String| {
        let app = &s.app;
        let token = token.clone();
        async move {
            let request = app
                .post("/messages")
                .header(rocket::http::ContentType::JSON)
                .header(rocket::http::Header::new("Host", HOST))
                .header(rocket::http::Header::new(
                    "Authorization",
                    format!("DPoP {token}"),
                ))
                .header(rocket::http::Header::new("DPoP", proof))
                .body(MESSAGE);
            Answer::from(request.dispatch().await).await
        }
    };
    let answer = send(
        s.key
            .proof("POST", &url("/messages"))
            .access_token(&token)
            .build(),
    )
    .await;
    assert_eq!(answer.status.code, 201, "{answer:?}");
    let answer = send(
        s.key
            .proof("GET", &url("/messages"))
            .access_token(&token)
            .build(),
    )
    .await;
    assert_bad_proof(
        &answer,
        "The DPoP proof's htm does not match the request method",
        "GET proof",
    );
}

#[rocket::async_test]
async fn dpop_challenges_say_algs_and_escape_nothing_raw() {
    let s = setup().await;
    let answer = s.private(s.proof().typ(None).build()).await;
    for challenge in &answer.challenges {
        assert!(
            challenge.contains(&format!(r#"algs="{ALGS}""#)),
            "{challenge}"
        );
        assert!(!challenge.contains(&s.token), "{challenge}");
    }
}

#[rocket::async_test]
async fn odd_dpop_headers_and_hosts_never_get_a_5xx_nor_echo() {
    let s = setup().await;
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
