//! Every row of the HTTP contract (shared/CONTRACT.md), written once and
//! checked against both apps, each through Rocket's local client against its
//! own key-set server on 127.0.0.1: the library's test app (the guards:
//! `/private`, `/scoped`, `POST /messages`) and the quickstart (the
//! attributes: `/api/private`, `/api/private-scoped`, `POST /api/messages`).
//! A row for any valid token runs on every protected route, with a token
//! granted every scope.

use auth_tests::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;
use wiremock::ResponseTemplate;

/// Runs `test` against each app, each with a fresh key-set server that
/// answers `response`.
async fn on_both_apps(response: ResponseTemplate, test: impl AsyncFn(&KeyServer, &TestApp)) {
    for kind in AppKind::BOTH {
        let ks = KeyServer::answering(response.clone()).await;
        let app = TestApp::start(kind, ks.config()).await;
        test(&ks, &app).await;
    }
}

/// A token assembled by hand from a header and payload, with `signature`.
fn raw_token(header: serde_json::Value, payload: &serde_json::Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        B64.encode(header.to_string()),
        B64.encode(payload.to_string()),
        B64.encode(signature)
    )
}

/// Requests without a token (no header, an empty one, a blank one), each
/// expecting `expect`.
fn without_a_token(expect: Expect) -> [Row; 3] {
    [
        Row::anonymous("no header", expect),
        Row::header("an empty header", "", expect),
        Row::header("a blank header", "   ", expect),
    ]
}

/// Checks `rows` on every protected route of `app`, then that none of
/// them fetched the key set: `why` says why none should.
async fn check_rows_without_a_fetch(ks: &KeyServer, app: &TestApp, rows: &[Row], why: &str) {
    app.check_rows(&Route::PROTECTED, rows).await;
    ks.assert_not_fetched(why).await;
}

/// Checks `refused` on every protected route of `app`, then `accepted`:
/// a token near those, named, that the same rule lets through.
async fn check_refused_and_accepted(app: &TestApp, refused: &[Row], accepted: (&str, String)) {
    let (name, token) = accepted;
    let accepted = Row::bearer(name, token, Expect::Accepted);
    app.check_rows(&Route::PROTECTED, &[refused, &[accepted]].concat())
        .await;
}

fn valid_payload(ks: &KeyServer) -> serde_json::Value {
    let now = jsonwebtoken::get_current_timestamp();
    json!({ "iss": ks.issuer(), "aud": AUDIENCE, "sub": "u", "iat": now, "exp": now + 600, "scope": GRANTED })
}

#[rocket::async_test]
async fn a_missing_or_empty_header_is_authorization_header_missing() {
    on_both_apps(key_set_response(&[&RSA_A]), async |ks, app| {
        let rows = without_a_token(Expect::Missing);
        check_rows_without_a_fetch(ks, app, &rows, "a request without a token").await;
    })
    .await;
}

#[rocket::async_test]
async fn header_shape_errors_follow_the_quickstart() {
    on_both_apps(key_set_response(&[&RSA_A]), async |ks, app| {
        let rows = [
            (
                "Basic dXNlcjpwYXNz",
                "Authorization header must start with Bearer",
            ),
            ("Token abc", "Authorization header must start with Bearer"),
            ("Bearer", "Token not found"),
            ("bearer   ", "Token not found"),
            ("Bearer a b", "Authorization header must be Bearer token"),
            (
                "Bearer a.b.c extra more",
                "Authorization header must be Bearer token",
            ),
        ]
        .map(|(value, description)| Row::header(value, value, Expect::BadHeader(description)));
        check_rows_without_a_fetch(ks, app, &rows, "a header of the wrong shape").await;
    })
    .await;
}

#[rocket::async_test]
async fn the_scheme_is_case_insensitive() {
    on_both_apps(key_set_response(&[&RSA_A]), async |ks, app| {
        let token = ks.granted(&RSA_A).build();
        let rows = ["Bearer", "bearer", "BEARER"]
            .map(|scheme| Row::header(scheme, format!("{scheme} {token}"), Expect::Accepted));
        app.check_rows(&Route::PROTECTED, &rows).await;
    })
    .await;
}

#[rocket::async_test]
async fn malformed_tokens_are_unable_to_parse_and_fetch_nothing() {
    on_both_apps(key_set_response(&[&RSA_A]), async |ks, app| {
        let payload = valid_payload(ks);
        let hs256_with_public_key = jsonwebtoken::encode(
            &Header {
                kid: Some("rsa-a".into()),
                ..Header::new(jsonwebtoken::Algorithm::HS256)
            },
            &payload,
            &EncodingKey::from_secret(RSA_A_PUBLIC_PEM).unwrap(),
        )
        .unwrap();
        let header_not_json = format!("{}.{}.c2ln", B64.encode("nope"), B64.encode("{}"));
        let alg = |alg: &str| json!({ "alg": alg, "kid": "rsa-a" });
        let oversized = format!("{}.{}.{}", "a".repeat(10_000), "b".repeat(7_000), "c");
        let rows = [
            ("one segment", "abc".to_owned()),
            ("two segments", "abc.def".to_owned()),
            ("empty segments", "..".to_owned()),
            ("not base64", "!!!.###.$$$".to_owned()),
            ("header not JSON", header_not_json),
            (
                "JWE, five segments",
                "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d".to_owned(),
            ),
            ("five junk segments", "a.b.c.d.e".to_owned()),
            ("alg none", raw_token(alg("none"), &payload, b"")),
            (
                "alg none, no kid",
                raw_token(json!({ "alg": "none" }), &payload, b""),
            ),
            ("alg None", raw_token(alg("None"), &payload, b"")),
            ("HS256 keyed with the RSA public key", hs256_with_public_key),
            ("unknown alg", raw_token(alg("RS1"), &payload, b"x")),
            ("oversized", oversized),
        ]
        .map(|(name, token)| Row::bearer(name, token, UNPARSABLE));
        let why = "alg and structure are checked before any fetch";
        check_rows_without_a_fetch(ks, app, &rows, why).await;
    })
    .await;
}

#[rocket::async_test]
async fn a_crit_header_is_refused() {
    on_both_apps(key_set_response(&[&RSA_A]), async |ks, app| {
        let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some("rsa-a".into());
        header.crit = Some(vec!["exp-ext".into()]);
        let token = RSA_A.sign(&header, &valid_payload(ks)).unwrap();
        let rows = [Row::bearer("crit exp-ext", token, UNPARSABLE)];
        app.check_rows(&Route::PROTECTED, &rows).await;
    })
    .await;
}

#[rocket::async_test]
async fn an_unknown_kid_is_unable_to_find_appropriate_key() {
    on_both_apps(key_set_response(&[&RSA_A]), async |ks, app| {
        let unknown = |kid: &str| {
            let token = ks.granted(&RSA_A).kid(Some(kid)).build();
            Row::bearer(format!("kid {kid}"), token, UNKNOWN_KEY)
        };
        // Cold: the first fetch already is the fresh set, so no refresh follows.
        app.check_rows(&[Route::Private], &[unknown("somebody-else")])
            .await;
        assert_eq!(ks.fetches().await, 1);
        // Warm: one refresh for an unknown kid, then none within the cooldown.
        let rows = [
            unknown("another-one"),
            unknown("another-one"),
            unknown("nope"),
        ];
        app.check_rows(&Route::PROTECTED, &rows).await;
        assert_eq!(ks.fetches().await, 2);
    })
    .await;
}

#[rocket::async_test]
async fn a_signature_that_does_not_verify_is_unable_to_parse() {
    on_both_apps(key_set_response(&[&RSA_A]), async |ks, app| {
        // Signed by key B but claiming key A's kid.
        let forged = ks.granted(&RSA_B).kid(Some("rsa-a")).build();
        // A genuine token whose payload was changed after signing.
        let genuine = ks.granted(&RSA_A).build();
        let tampered = tampered(&genuine, |payload| {
            payload["scope"] = json!("read:messages write:messages admin");
        });
        let rows = [
            Row::bearer("forged", forged, UNPARSABLE),
            Row::bearer("tampered", tampered, UNPARSABLE),
            Row::bearer("the genuine token still works", genuine, Expect::Accepted),
        ];
        app.check_rows(&Route::PROTECTED, &rows).await;
    })
    .await;
}

#[rocket::async_test]
async fn an_algorithm_is_bound_to_its_key() {
    on_both_apps(key_set_response(&[&RSA_A, &EC]), async |ks, app| {
        let rows = [
            // ES256 and RS256 keys in one set: each verifies its own tokens.
            Row::bearer("RS256", ks.granted(&RSA_A).build(), Expect::Accepted),
            Row::bearer("ES256", ks.granted(&EC).build(), Expect::Accepted),
            // An RS256 header naming the EC key is refused before verification.
            Row::bearer(
                "RS256 on the EC key",
                ks.granted(&RSA_A).kid(Some("ec-1")).build(),
                UNPARSABLE,
            ),
        ];
        app.check_rows(&Route::PROTECTED, &rows).await;
    })
    .await;
}

#[rocket::async_test]
async fn an_expired_token_is_token_expired() {
    on_both_apps(key_set_response(&[&RSA_A]), async |ks, app| {
        let expired = |seconds: i64| ks.granted(&RSA_A).expires_in(-seconds).build();
        let rows = [
            Row::bearer("expired 2 min ago", expired(120), TOKEN_EXPIRED),
            Row::bearer("expired 10 min ago", expired(600), TOKEN_EXPIRED),
            // Within the default leeway of 60 s it is still accepted.
            Row::bearer("expired 5 s ago", expired(5), Expect::Accepted),
        ];
        app.check_rows(&Route::PROTECTED, &rows).await;
    })
    .await;
}

#[rocket::async_test]
async fn wrong_or_missing_audience_or_issuer_is_invalid_claims() {
    on_both_apps(key_set_response(&[&RSA_A]), async |ks, app| {
        let issuer = ks.issuer();
        let token = || ks.granted(&RSA_A);
        let rows = [
            ("wrong aud", token().audience("https://other/api")),
            ("another wrong aud", token().audience("https://other")),
            ("missing aud", token().without("aud")),
            (
                "aud array without ours",
                token().claim("aud", ["https://a", "https://b"]),
            ),
            (
                "empty aud array",
                token().claim("aud", Vec::<String>::new()),
            ),
            ("wrong iss", token().issuer("https://evil.example/")),
            ("another wrong iss", token().issuer("https://evil/")),
            (
                "iss without the trailing slash",
                token().issuer(issuer.trim_end_matches('/')),
            ),
            (
                "iss in another case",
                token().issuer(&issuer.to_uppercase()),
            ),
            ("iss as an array", token().claim("iss", [issuer.as_str()])),
            ("missing iss", token().without("iss")),
        ]
        .map(|(name, token)| Row::bearer(name, token.build(), WRONG_AUD_OR_ISS));
        let with_ours = token().claim("aud", ["https://a", AUDIENCE]).build();
        let accepted = ("aud array containing ours", with_ours);
        check_refused_and_accepted(app, &rows, accepted).await;
    })
    .await;
}

#[rocket::async_test]
async fn other_claim_errors_name_the_claim() {
    on_both_apps(key_set_response(&[&RSA_A]), async |ks, app| {
        let in_an_hour = jsonwebtoken::get_current_timestamp() + 3600;
        let token = || ks.granted(&RSA_A);
        let rows = [
            ("exp", token().without("exp")),
            ("exp", token().claim("exp", "tomorrow")),
            ("nbf", token().claim("nbf", in_an_hour)),
            ("iat", token().claim("iat", in_an_hour)),
            ("iat", token().claim("iat", "yesterday")),
        ]
        .map(|(claim, token)| Row::bearer(claim, token.build(), Expect::BadClaim(claim)));
        let long_ago = 1_000_000_000u64;
        let fine = token().claim("nbf", long_ago).claim("iat", long_ago);
        check_refused_and_accepted(
            app,
            &rows,
            ("nbf and iat in the past are fine", fine.build()),
        )
        .await;
    })
    .await;
}

#[rocket::async_test]
async fn a_missing_scope_is_403_with_insufficient_scope() {
    on_both_apps(key_set_response(&[&RSA_A]), async |ks, app| {
        let token = || ks.token(&RSA_A);
        let read = Expect::Forbidden("read:messages");
        let rows = [
            ("no scope", token()),
            ("other scopes", token().scope("openid profile")),
            (
                "near misses",
                token().scope("read:messagesX xread:messages"),
            ),
            (
                "near misses and the other scope",
                token().scope("read:messagesX xread:messages write:messages"),
            ),
            (
                "a longer permission",
                token().permissions(["read:messages:all"]),
            ),
            ("another scp", token().claim("scp", ["read"])),
        ]
        .map(|(name, token)| Row::bearer(name, token.build(), read));
        app.check_rows(&[Route::Scoped], &rows).await;
        let write = Expect::Forbidden("write:messages");
        let rows = [
            ("the other scope", token().scope("read:messages")),
            (
                "a longer permission",
                token().permissions(["write:messages:all"]),
            ),
        ]
        .map(|(name, token)| Row::bearer(name, token.build(), write));
        app.check_rows(&[Route::Messages], &rows).await;
    })
    .await;
}

#[rocket::async_test]
async fn scopes_are_read_from_scope_scp_and_permissions() {
    on_both_apps(key_set_response(&[&RSA_A]), async |ks, app| {
        let granting = |scope: &str| {
            let token = || ks.token(&RSA_A);
            [
                ("scope", token().scope(&format!("openid {scope}"))),
                ("scp string", token().claim("scp", scope)),
                ("scp array", token().claim("scp", [scope])),
                (
                    "scp array with others",
                    token().claim("scp", ["other", scope]),
                ),
                ("permissions", token().permissions([scope])),
            ]
            .map(|(name, token)| Row::bearer(name, token.build(), Expect::Accepted))
        };
        app.check_rows(&[Route::Scoped], &granting("read:messages"))
            .await;
        app.check_rows(&[Route::Messages], &granting("write:messages"))
            .await;
        // A route that only requires authentication asks for no scope.
        let rows = [Row::bearer(
            "no scope",
            ks.token(&RSA_A).build(),
            Expect::Accepted,
        )];
        app.check_rows(&[Route::Private], &rows).await;
    })
    .await;
}

#[rocket::async_test]
async fn an_invalid_token_on_a_scoped_route_is_401_not_403() {
    on_both_apps(key_set_response(&[&RSA_A]), async |ks, app| {
        let expired = ks.granted(&RSA_A).expires_in(-3600).build();
        let rows = [
            Row::bearer("expired", expired, TOKEN_EXPIRED),
            Row::anonymous("no header", Expect::Missing),
        ];
        app.check_rows(&[Route::Scoped, Route::Messages], &rows)
            .await;
    })
    .await;
}

#[rocket::async_test]
async fn an_unreachable_key_set_is_503_jwks_unavailable() {
    on_both_apps(ResponseTemplate::new(500), async |ks, app| {
        let rows = [Row::bearer(
            "key set answers 500",
            ks.granted(&RSA_A).build(),
            Expect::Unavailable,
        )];
        app.check_rows(&Route::PROTECTED, &rows).await;
    })
    .await;
}

#[rocket::async_test]
async fn several_authorization_headers_are_refused() {
    on_both_apps(key_set_response(&[&RSA_A]), async |ks, app| {
        let bearer = format!("Bearer {}", ks.granted(&RSA_A).build());
        let b = bearer.as_str();
        // An empty header is a header: beside a valid one it makes several.
        let sets: [&[&str]; 5] = [
            &[b, "Bearer other"],
            &["", b],
            &[b, ""],
            &["junk", b],
            &[b, b, b],
        ];
        for route in Route::PROTECTED {
            for values in sets {
                let mut request = app.request(route);
                for value in values {
                    request = request.header(rocket::http::Header::new(
                        "Authorization",
                        value.to_string(),
                    ));
                }
                let expect = Expect::BadHeader("Authorization header must be Bearer token");
                let context = format!("{:?} {route:?} {} headers", app.kind, values.len());
                Answer::from(request.dispatch().await).await.assert_on(
                    route.scopes(),
                    expect,
                    &context,
                );
            }
        }
    })
    .await;
}

#[rocket::async_test]
async fn an_open_route_needs_nothing() {
    on_both_apps(key_set_response(&[&RSA_A]), async |ks, app| {
        let garbage = Row::header("a garbage token", "Bearer garbage", Expect::Accepted);
        let rows = [&without_a_token(Expect::Accepted)[..], &[garbage]].concat();
        app.check_rows(&[Route::Public], &rows).await;
        ks.assert_not_fetched("an open route").await;
    })
    .await;
}
