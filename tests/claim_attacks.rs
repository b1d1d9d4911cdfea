//! The attack catalogue, second part: attacks on the claims (types, times,
//! audiences, issuers, token types), and RFC 9068 strict mode.

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

    let rows = vec![
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
        row(
            "exp as a string",
            "RFC 7519 §2 NumericDate",
            with("exp", json!("9999999999")),
            Expect::BadClaim("exp"),
        ),
        row(
            "exp as a huge float",
            "RFC 7519 §2",
            with("exp", json!(1e300)),
            Expect::BadClaim("exp"),
        ),
        row(
            "exp negative",
            "RFC 7519 §2",
            with("exp", json!(-1)),
            Expect::BadClaim("exp"),
        ),
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
        row(
            "nbf as a string",
            "RFC 7519 §2",
            with("nbf", json!("0")),
            Expect::BadClaim("nbf"),
        ),
        row(
            "nbf huge",
            "RFC 7519 §2",
            with("nbf", json!(u64::MAX)),
            Expect::BadClaim("nbf"),
        ),
        row(
            "iat as a string",
            "RFC 7519 §2",
            with("iat", json!("0")),
            Expect::BadClaim("iat"),
        ),
        row(
            "iat far in the future",
            "RFC 7519 §4.1.6",
            with("iat", json!(now + 86_400)),
            Expect::BadClaim("iat"),
        ),
        row(
            "aud as a number",
            "RFC 7519 §4.1.3",
            with("aud", json!(42)),
            WRONG_AUD_OR_ISS,
        ),
        row(
            "aud as an object",
            "RFC 7519 §4.1.3",
            with("aud", json!({ "aud": AUDIENCE })),
            WRONG_AUD_OR_ISS,
        ),
        row(
            "aud as an empty array",
            "RFC 7519 §4.1.3",
            with("aud", json!([])),
            WRONG_AUD_OR_ISS,
        ),
        row(
            "aud for another API",
            "RFC 8725 §3.9",
            with("aud", json!("https://other/api")),
            WRONG_AUD_OR_ISS,
        ),
        row(
            "iss without the trailing slash",
            "RFC 7519 §4.1.1",
            with("iss", json!(issuer.trim_end_matches('/'))),
            WRONG_AUD_OR_ISS,
        ),
        row(
            "iss in upper case",
            "RFC 7519 §4.1.1",
            with("iss", json!(issuer.to_uppercase())),
            WRONG_AUD_OR_ISS,
        ),
        row(
            "iss as an array holding ours",
            "RFC 7519 §4.1.1",
            with("iss", json!([issuer])),
            WRONG_AUD_OR_ISS,
        ),
        row(
            "ID token: aud is the client id",
            "RFC 9068 §4; RFC 8725 §3.11",
            with("aud", json!("client-id-123")),
            WRONG_AUD_OR_ISS,
        ),
    ];
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
