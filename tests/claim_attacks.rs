//! The attack catalogue, second part: attacks on the claims (types, times,
//! audiences, issuers, token types), and RFC 9068 strict mode; a token
//! missing two claims gets the same description every time.

use auth_tests::*;
use jsonwebtoken::Header;
use serde_json::{json, Value};

#[rocket::async_test]
async fn claim_attacks() {
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let now = jsonwebtoken::get_current_timestamp();
    let issuer = ks.issuer();
    let base = json!({ "iss": issuer, "aud": AUDIENCE, "sub": "u", "exp": now + 600 });
    let with = |name: &str, value: Value| {
        let mut payload = base.clone();
        payload[name] = value;
        signed(&RSA_A, header_of(&RSA_A), &payload)
    };
    let raw_payload = |text: String| {
        RSA_A
            .sign_raw(r#"{"alg":"RS256","kid":"rsa-a"}"#, &text)
            .unwrap()
    };

    let repeated_members = [
        row(
            "repeated aud, the wrong one first",
            "RFC 8725 §3.x (parser differentials)",
            raw_payload(format!(
                r#"{{"iss":"{issuer}","aud":"https://other","aud":"{AUDIENCE}","exp":{}}}"#,
                now + 600
            )),
            UNPARSABLE,
        ),
        row(
            "repeated scope",
            "RFC 7519 §4",
            raw_payload(format!(
                r#"{{"iss":"{issuer}","aud":"{AUDIENCE}","exp":{},"scope":"a","scope":"admin"}}"#,
                now + 600
            )),
            UNPARSABLE,
        ),
    ];
    // A time claim that is not a usable NumericDate: refused, naming it.
    let bad_times = [
        (
            "exp as a string",
            "RFC 7519 §2 NumericDate",
            "exp",
            json!("9999999999"),
        ),
        ("exp as a huge float", "RFC 7519 §2", "exp", json!(1e300)),
        ("exp negative", "RFC 7519 §2", "exp", json!(-1)),
        ("nbf as a string", "RFC 7519 §2", "nbf", json!("0")),
        ("nbf huge", "RFC 7519 §2", "nbf", json!(u64::MAX)),
        ("iat as a string", "RFC 7519 §2", "iat", json!("0")),
        (
            "iat far in the future",
            "RFC 7519 §4.1.6",
            "iat",
            json!(now + 86_400),
        ),
    ]
    .map(|(attack, source, claim, value)| {
        row(attack, source, with(claim, value), Expect::BadClaim(claim))
    });
    let fractional_exp = [
        row(
            "exp as a float in the future",
            "RFC 7519 §2 (fractions allowed)",
            with("exp", json!(now as f64 + 600.5)),
            Expect::Accepted,
        ),
        row(
            "exp as a float in the past",
            "RFC 7519 §2",
            with("exp", json!(now as f64 - 3600.5)),
            TOKEN_EXPIRED,
        ),
    ];
    // An audience or issuer that is not exactly ours.
    let not_ours = [
        ("aud as a number", "RFC 7519 §4.1.3", "aud", json!(42)),
        (
            "aud as an object",
            "RFC 7519 §4.1.3",
            "aud",
            json!({ "aud": AUDIENCE }),
        ),
        ("aud as an empty array", "RFC 7519 §4.1.3", "aud", json!([])),
        (
            "aud for another API",
            "RFC 8725 §3.9",
            "aud",
            json!("https://other/api"),
        ),
        (
            "iss without the trailing slash",
            "RFC 7519 §4.1.1",
            "iss",
            json!(issuer.trim_end_matches('/')),
        ),
        (
            "iss in upper case",
            "RFC 7519 §4.1.1",
            "iss",
            json!(issuer.to_uppercase()),
        ),
        (
            "iss as an array holding ours",
            "RFC 7519 §4.1.1",
            "iss",
            json!([issuer]),
        ),
        (
            "ID token: aud is the client id",
            "RFC 9068 §4; RFC 8725 §3.11",
            "aud",
            json!("client-id-123"),
        ),
    ]
    .map(|(attack, source, claim, value)| {
        row(attack, source, with(claim, value), WRONG_AUD_OR_ISS)
    });
    let rows = [
        &repeated_members[..],
        &bad_times,
        &fractional_exp,
        &not_ours,
    ]
    .concat();
    app.check_rows(&[Route::Private], &rows).await;
}

#[rocket::async_test]
async fn strict_rfc_9068_mode_refuses_other_token_types() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let strict = ks.config().require_access_token_type(true);
    let app = TestApp::library(strict).await;
    let now = jsonwebtoken::get_current_timestamp();
    let payload = json!({ "iss": ks.issuer(), "aud": AUDIENCE, "sub": "u", "exp": now + 600, "nonce": "n-0S6_WzA2Mj" });
    let typed = |typ: Option<&str>| {
        signed(
            &RSA_A,
            Header {
                typ: typ.map(str::to_owned),
                ..header_of(&RSA_A)
            },
            &payload,
        )
    };
    let rows = vec![
        row(
            "ID token (typ JWT, nonce) for our audience",
            "RFC 9068 §4",
            typed(Some("JWT")),
            UNPARSABLE,
        ),
        row("no typ", "RFC 9068 §2.1", typed(None), UNPARSABLE),
        row(
            "typ at+jwt",
            "RFC 9068 §2.1",
            typed(Some("at+jwt")),
            Expect::Accepted,
        ),
        row(
            "typ application/at+JWT",
            "RFC 9068 §2.1",
            typed(Some("application/at+JWT")),
            Expect::Accepted,
        ),
    ];
    app.check_rows(&[Route::Private], &rows).await;
    // Off by default: Auth0 access tokens say typ JWT.
    let lenient = ks.app().await;
    let rows = [row(
        "typ JWT",
        "strict mode off",
        typed(Some("JWT")),
        Expect::Accepted,
    )];
    lenient.check_rows(&[Route::Private], &rows).await;
}

#[rocket::async_test]
async fn a_token_missing_two_claims_always_gets_the_same_answer() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let token = ks.token(&RSA_A).without("exp").without("aud").build();
    // Each validator has its own hash seeds: before the fix, jsonwebtoken's
    // HashSet of required claims named exp or aud depending on them.
    let mut descriptions = std::collections::BTreeSet::new();
    for _ in 0..12 {
        let app = TestApp::library(ks.config()).await;
        let answer = get_with(&app, "/private", &token).await;
        answer.assert(Expect::BadClaim("exp"), "missing exp and aud");
        descriptions.insert(answer.json()["description"].to_string());
    }
    assert_eq!(descriptions.len(), 1, "{descriptions:?}");
    // And an aud of the wrong JSON type is the audience sentence.
    let typed = ks.token(&RSA_A).claim("aud", 42).build();
    let app = ks.app().await;
    get_with(&app, "/private", &typed)
        .await
        .assert(WRONG_AUD_OR_ISS, "aud is a number");
}
