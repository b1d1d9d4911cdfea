//! DPoP (RFC 9449) proofs through HTTP, one test per check of the
//! contract's DPoP section: `typ`, `alg`, a public `jwk`, its thumbprint,
//! the signature, `htm`, `htu` (normalised, without query, behind a proxy),
//! `iat`, `ath` and `jti`. The sender-constraint rows are in
//! `dpop_sender.rs`; nonces and replay stores in `dpop_state.rs`; the
//! metadata in `resource_metadata.rs`.

use auth_runtime::config::Algorithm;
use auth_runtime::testing::DpopKey;
use auth_runtime::Auth;
use auth_tests::dpop::{
    assert_bad_proof, assert_body, assert_private, proof, url, Call, Setup, ALGS, HOST,
};
use auth_tests::*;

#[rocket::async_test]
async fn a_bound_token_with_a_valid_proof_is_accepted() {
    let s = Setup::start().await;
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
    let s = Setup::start().await;
    let why = "The DPoP proof's typ is not dpop+jwt";
    for typ in [Some("JWT"), Some("at+jwt"), None] {
        s.assert_refused(&s.proof().typ(typ), why, &format!("{typ:?}"))
            .await;
    }
    let answer = s
        .private(s.proof().typ(Some("application/DPoP+JWT")).build())
        .await;
    assert_private(&answer, "application/ prefix, other case");
}

#[rocket::async_test]
async fn proof_alg_must_be_an_allowed_asymmetric_one() {
    let s = Setup::start().await;
    let why = "The DPoP proof's alg is not one of the allowed asymmetric algorithms";
    for alg in ["none", "HS256", "RS512", "ES512", "es256"] {
        s.assert_refused(&s.proof().alg(alg), why, alg).await;
    }
    // The allowed list is configurable: without ES256, the same valid proof is refused.
    let narrow = Setup::with(|config| config.dpop_algorithms([Algorithm::PS256])).await;
    let answer = narrow.private(narrow.proof().build()).await;
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
    let s = Setup::start().await;
    let why = "The DPoP proof's jwk holds private key members";
    for member in ["d", "p", "k"] {
        let answer = s
            .assert_refused(&s.proof().private_member(member), why, member)
            .await;
        assert!(!answer.body.contains(&s.token), "{member}: echo");
    }
    let no_jwk = s.proof().without_header("jwk");
    s.assert_refused(
        &no_jwk,
        "The DPoP proof's header has no jwk object",
        "no jwk",
    )
    .await;
}

#[rocket::async_test]
async fn proof_key_must_match_cnf_jkt() {
    let s = Setup::start().await;
    // A valid proof by another key: the thief's own key.
    let thief = proof(&DpopKey::generate(), "/private", &s.token);
    let why = "The DPoP proof's key is not the one the token is bound to (cnf.jkt)";
    s.assert_refused(&thief, why, "other key").await;
}

#[rocket::async_test]
async fn proof_signature_must_verify() {
    let s = Setup::start().await;
    let why = "The DPoP proof's signature does not verify";
    s.assert_refused(
        &s.proof().signed_by(&DpopKey::generate()),
        why,
        "signed by another",
    )
    .await;
    // One character of the signature changed (not the last, whose low bits
    // are padding).
    let mut tampered = s.proof().build().into_bytes();
    let at = tampered.len() - 10;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let answer = s.private(String::from_utf8(tampered).unwrap()).await;
    assert_bad_proof(&answer, why, "tampered");
}

#[rocket::async_test]
async fn proof_htm_must_match_the_method() {
    let s = Setup::start().await;
    let why = "The DPoP proof's htm does not match the request method";
    for method in ["POST", "get"] {
        let proof = s.key.proof(method, &url("/private")).access_token(&s.token);
        s.assert_refused(&proof, why, method).await;
    }
}

#[rocket::async_test]
async fn proof_htu_must_match_the_request_url() {
    let s = Setup::start().await;
    let wrong = [
        url("/scoped"),
        url("/private/"),
        "https://api.test/private".to_owned(),
        "http://evil.test/private".to_owned(),
        "http://api.test:8080/private".to_owned(),
    ];
    let why = "The DPoP proof's htu does not match the request URL";
    for htu in wrong {
        s.assert_refused(&s.proof_at(&htu), why, &htu).await;
    }
}

#[rocket::async_test]
async fn proof_htu_is_compared_normalised_and_without_query() {
    let s = Setup::start().await;
    for htu in [
        "HTTP://API.TEST/private",
        "http://api.test:80/private",
        "http://api.test/private?page=2",
        "http://api.test/private#top",
        "http://api.test/%70rivate",
    ] {
        assert_private(&s.private(s.proof_at(htu).build()).await, htu);
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

#[rocket::get("/dots/<_a>/<_b>")]
fn dots(_a: &str, _b: &str, _user: auth_runtime::Claims) -> &'static str {
    "dots"
}

/// Rocket routes a path as received, dot-segments and all, while a URL
/// resolves them: a proof for the resolved URL must not open the raw path
/// (here `/dots/x/..`, which resolves to `/dots/`), nor any proof at all.
#[rocket::async_test]
async fn a_path_with_dot_segments_matches_no_proof() {
    let s = Setup::start().await;
    let rocket = AppKind::Library
        .rocket(Auth::new(s.ks.config().build().unwrap()))
        .mount("/", rocket::routes![dots]);
    let app = TestApp {
        kind: AppKind::Library,
        client: rocket::local::asynchronous::Client::tracked(rocket)
            .await
            .unwrap(),
    };
    let send = |path: &'static str, htu: String| {
        Call::get(path)
            .dpop(&s.token, s.proof_at(&htu).build())
            .send(&app)
    };
    let answer = send("/dots/x/y", url("/dots/x/y")).await;
    assert_eq!((answer.status.code, answer.body.as_str()), (200, "dots"));
    let why = "The request URL cannot be formed (no usable Host, or a dot-segment in its path) to compare it with the DPoP proof's htu";
    for (path, htu) in [
        ("/dots/x/..", url("/dots/")),
        ("/dots/x/..", url("/dots/x/..")),
        ("/dots/./y", url("/dots/y")),
        ("/dots/%2e%2e/y", url("/y")),
    ] {
        assert_bad_proof(&send(path, htu).await, why, path);
    }
}

#[rocket::async_test]
async fn behind_a_proxy_the_public_url_makes_the_htu() {
    let s = Setup::with(|config| config.public_url("https://api.example.com/orders/")).await;
    // GET /private with `host`, and a proof for `htu`.
    let send = |host: Option<&'static str>, htu: &str| {
        let call = Call::get("/private").host(host);
        call.dpop(&s.token, s.proof_at(htu).build()).send(&s.app)
    };
    let public = "https://api.example.com/orders/private";
    let answer = send(Some("10.0.0.7:8000"), public).await;
    assert_private(&answer, "the public URL");
    // Even without any Host.
    assert_private(&send(None, public).await, "no Host");
    // The URL the proxy forwarded to is not the one the client signed.
    let internal = "http://10.0.0.7:8000/private";
    let answer = send(Some("10.0.0.7:8000"), internal).await;
    let why = "The DPoP proof's htu does not match the request URL";
    assert_bad_proof(&answer, why, internal);
}

#[rocket::async_test]
async fn proof_iat_must_be_in_the_window() {
    let s = Setup::start().await;
    let cases = [
        (
            s.proof().iat_offset(-310),
            "The DPoP proof is too old (iat)",
            "310 s old",
        ),
        (
            s.proof().iat_offset(40),
            "The DPoP proof is issued in the future (iat)",
            "40 s ahead",
        ),
        (
            s.proof().without_claim("iat"),
            "The DPoP proof has no numeric iat",
            "no iat",
        ),
    ];
    for (proof, why, context) in cases {
        s.assert_refused(&proof, why, context).await;
    }
    for offset in [-280, 20] {
        assert_private(
            &s.private(s.proof().iat_offset(offset).build()).await,
            &format!("{offset}"),
        );
    }
    // The window is configurable.
    let short =
        Setup::with(|config| config.dpop_proof_max_age(std::time::Duration::from_secs(10))).await;
    let old = short.proof().iat_offset(-30);
    let why = "The DPoP proof is too old (iat)";
    short
        .assert_refused(&old, why, "30 s old, 10 s window")
        .await;
}

#[rocket::async_test]
async fn proof_ath_must_hash_the_token() {
    let s = Setup::start().await;
    let no_ath = s.proof().without_claim("ath");
    s.assert_refused(&no_ath, "The DPoP proof has no ath", "no ath")
        .await;
    let other =
        s.ks.token(&RSA_A)
            .bound_to(&s.key)
            .sub("someone-else")
            .build();
    let why = "The DPoP proof's ath does not match the access token";
    s.assert_refused(&s.proof().access_token(&other), why, "other token")
        .await;
}

#[rocket::async_test]
async fn a_replayed_proof_is_refused() {
    let s = Setup::start().await;
    let proof = s.proof().build();
    let why = "The DPoP proof was used before (its jti was seen)";
    assert_private(&s.private(proof.clone()).await, "first use");
    assert_bad_proof(&s.private(proof).await, why, "replay");
    // A fresh proof with a jti of its own still passes; a fresh proof
    // reusing a jti does not.
    assert_private(&s.private(s.proof().jti("j-1").build()).await, "new jti");
    s.assert_refused(&s.proof().jti("j-1"), why, "same jti")
        .await;
}

#[rocket::async_test]
async fn a_post_needs_a_proof_for_post() {
    let s = Setup::start().await;
    let token = s.ks.granted(&RSA_A).bound_to(&s.key).build();
    // POST /messages with the bound token and a proof for `method`.
    let send = |method: &str| {
        let proof = s.key.proof(method, &url("/messages")).access_token(&token);
        let request = s
            .app
            .post("/messages")
            .header(rocket::http::ContentType::JSON)
            .header(rocket::http::Header::new("Host", HOST))
            .header(rocket::http::Header::new(
                "Authorization",
                format!("DPoP {token}"),
            ))
            .header(rocket::http::Header::new("DPoP", proof.build()))
            .body(MESSAGE);
        async move { Answer::from(request.dispatch().await).await }
    };
    let answer = send("POST").await;
    assert_eq!(answer.status.code, 201, "{answer:?}");
    let answer = send("GET").await;
    assert_bad_proof(
        &answer,
        "The DPoP proof's htm does not match the request method",
        "GET proof",
    );
}

#[rocket::async_test]
async fn dpop_challenges_say_algs_and_escape_nothing_raw() {
    let s = Setup::start().await;
    let answer = s.private(s.proof().typ(None).build()).await;
    for challenge in &answer.challenges {
        assert!(
            challenge.contains(&format!(r#"algs="{ALGS}""#)),
            "{challenge}"
        );
        assert!(!challenge.contains(&s.token), "{challenge}");
    }
}
