//! Every contract row again, through the quickstart's routes and the
//! attributes: `/api/private` (`#[requires_auth]`), `/api/private-scoped`
//! (`#[requires_scope("read:messages")]`) and `POST /api/messages`
//! (`#[requires_scope("write:messages")]`, with a JSON data guard).

use auth_runtime::Auth;
use auth_tests::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use rocket::http::{ContentType, Header, Method, Status};
use rocket::local::asynchronous::Client;
use serde_json::json;
use wiremock::ResponseTemplate;

const PRIVATE: &str = "/api/private";
const SCOPED: &str = "/api/private-scoped";
const MESSAGES: &str = "/api/messages";
const PROTECTED: [&str; 3] = [PRIVATE, SCOPED, MESSAGES];

async fn quickstart(ks: &KeyServer) -> Client {
    let auth = Auth::new(ks.config().build().unwrap());
    let rocket = auth_examples::rocket_with(rocket::custom(rocket_config()), auth);
    Client::tracked(rocket)
        .await
        .expect("the quickstart ignites")
}

/// Calls a protected route: GET for the first two, POST with a valid body for the last.
async fn call(client: &Client, route: &str, authorization: Option<&str>) -> Answer {
    let mut request = match route {
        MESSAGES => client
            .post(MESSAGES)
            .header(ContentType::JSON)
            .body(r#"{"text":"hello"}"#),
        _ => client.get(route),
    };
    if let Some(value) = authorization {
        request.add_header(Header::new("Authorization", value.to_owned()));
    }
    Answer::from(request.dispatch().await).await
}

async fn call_with(client: &Client, route: &str, token: &str) -> Answer {
    call(client, route, Some(&format!("Bearer {token}"))).await
}

const PARSE: &str = "Unable to parse authentication token.";
const CLAIMS: &str = "incorrect claims, please check the audience and issuer";

#[rocket::async_test]
async fn the_public_route_is_open_and_the_protected_ones_answer_with_a_valid_token() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = quickstart(&ks).await;
    let answer = call(&client, "/api/public", None).await;
    assert_eq!(answer.status, Status::Ok);
    assert!(answer.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("Hello from a public endpoint!"));

    let all = ks
        .token(&RSA_A)
        .scope("read:messages write:messages")
        .build();
    let answer = call_with(&client, PRIVATE, &all).await;
    assert_eq!(answer.status, Status::Ok);
    assert!(answer.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("Hello from a private endpoint!"));
    let answer = call_with(&client, SCOPED, &all).await;
    assert_eq!(answer.status, Status::Ok);
    assert!(answer.json()["message"]
        .as_str()
        .unwrap()
        .contains("read:messages"));
    let answer = call_with(&client, MESSAGES, &all).await;
    assert_eq!(answer.status, Status::Created);
    assert_eq!(
        answer.json(),
        json!({ "id": 1, "text": "hello", "author": "user-1" })
    );
    assert_eq!(ks.fetches().await, 1);
}

#[rocket::async_test]
async fn header_rows() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = quickstart(&ks).await;
    for route in PROTECTED {
        for missing in [None, Some("")] {
            call(&client, route, missing).await.assert_error(
                401,
                "authorization_header_missing",
                "Authorization header is expected",
                None,
            );
        }
        let rows = [
            (
                "Basic dXNlcjpwYXNz",
                "Authorization header must start with Bearer",
            ),
            ("Bearer", "Token not found"),
            ("Bearer a b", "Authorization header must be Bearer token"),
        ];
        for (value, description) in rows {
            call(&client, route, Some(value)).await.assert_error(
                401,
                "invalid_header",
                description,
                Some("invalid_request"),
            );
        }
    }
    assert_eq!(ks.fetches().await, 0);
}

#[rocket::async_test]
async fn token_rows() {
    let ks = KeyServer::start(&[&RSA_A, &EC]).await;
    let client = quickstart(&ks).await;
    let now = jsonwebtoken::get_current_timestamp();
    let payload = json!({ "iss": ks.issuer(), "aud": AUDIENCE, "exp": now + 600, "scope": "read:messages write:messages" });
    let none = format!(
        "{}.{}.",
        B64.encode(r#"{"alg":"none"}"#),
        B64.encode(payload.to_string())
    );
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header {
            kid: Some("rsa-a".into()),
            ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
        },
        &payload,
        &jsonwebtoken::EncodingKey::from_secret(RSA_A_PUBLIC_PEM),
    )
    .unwrap();
    let granted = |builder: auth_runtime::testing::TokenBuilder| {
        builder.scope("read:messages write:messages").build()
    };
    let rows: Vec<(&str, String, u16, &str, &str)> = vec![
        ("not a JWS", "abc.def".into(), 401, "invalid_header", PARSE),
        ("JWE", "a.b.c.d.e".into(), 401, "invalid_header", PARSE),
        ("alg none", none, 401, "invalid_header", PARSE),
        (
            "HS256 with the public key",
            hs256,
            401,
            "invalid_header",
            PARSE,
        ),
        (
            "RS256 on the EC key",
            granted(ks.token(&RSA_A).kid(Some("ec-1"))),
            401,
            "invalid_header",
            PARSE,
        ),
        (
            "unknown kid",
            granted(ks.token(&RSA_A).kid(Some("nope"))),
            401,
            "invalid_header",
            "Unable to find appropriate key",
        ),
        (
            "forged signature",
            granted(ks.token(&RSA_B).kid(Some("rsa-a"))),
            401,
            "invalid_header",
            PARSE,
        ),
        (
            "expired",
            granted(ks.token(&RSA_A).expires_in(-600)),
            401,
            "token_expired",
            "token is expired",
        ),
        (
            "wrong aud",
            granted(ks.token(&RSA_A).audience("https://other")),
            401,
            "invalid_claims",
            CLAIMS,
        ),
        (
            "missing aud",
            granted(ks.token(&RSA_A).without("aud")),
            401,
            "invalid_claims",
            CLAIMS,
        ),
        (
            "wrong iss",
            granted(ks.token(&RSA_A).issuer("https://evil/")),
            401,
            "invalid_claims",
            CLAIMS,
        ),
        (
            "missing iss",
            granted(ks.token(&RSA_A).without("iss")),
            401,
            "invalid_claims",
            CLAIMS,
        ),
    ];
    for route in PROTECTED {
        for (name, token, status, code, description) in &rows {
            let answer = call_with(&client, route, token).await;
            assert_eq!(answer.status.code, *status, "{route} {name}: {answer:?}");
            answer.assert_error(*status, code, description, Some("invalid_token"));
        }
        for (claim, builder) in [
            ("exp", ks.token(&RSA_A).without("exp")),
            ("nbf", ks.token(&RSA_A).claim("nbf", now + 3600)),
            ("iat", ks.token(&RSA_A).claim("iat", now + 3600)),
        ] {
            call_with(&client, route, &granted(builder))
                .await
                .assert_invalid_claim(claim);
        }
    }
}

#[rocket::async_test]
async fn scope_rows() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = quickstart(&ks).await;
    let forbidden = [
        (SCOPED, ks.token(&RSA_A).build(), "read:messages"),
        (
            SCOPED,
            ks.token(&RSA_A)
                .scope("read:messagesX xread:messages write:messages")
                .build(),
            "read:messages",
        ),
        (
            MESSAGES,
            ks.token(&RSA_A).scope("read:messages").build(),
            "write:messages",
        ),
        (
            MESSAGES,
            ks.token(&RSA_A).permissions(["write:messages:all"]).build(),
            "write:messages",
        ),
    ];
    for (route, token, scope) in forbidden {
        let answer = call_with(&client, route, &token).await;
        answer.assert_error(
            403,
            "Unauthorized",
            "You don't have access to this resource",
            Some("insufficient_scope"),
        );
        assert!(answer
            .www_authenticate
            .unwrap()
            .ends_with(&format!(r#"scope="{scope}""#)));
    }
    let allowed = [
        (
            SCOPED,
            ks.token(&RSA_A).scope("openid read:messages").build(),
            Status::Ok,
        ),
        (
            SCOPED,
            ks.token(&RSA_A).claim("scp", ["read:messages"]).build(),
            Status::Ok,
        ),
        (
            MESSAGES,
            ks.token(&RSA_A).permissions(["write:messages"]).build(),
            Status::Created,
        ),
        // requires_auth asks for no scope.
        (PRIVATE, ks.token(&RSA_A).build(), Status::Ok),
    ];
    for (route, token, status) in allowed {
        assert_eq!(
            call_with(&client, route, &token).await.status,
            status,
            "{route}"
        );
    }
    // An invalid token on a scoped route is a 401, never a 403.
    let expired = ks
        .token(&RSA_A)
        .scope("read:messages")
        .expires_in(-600)
        .build();
    assert_eq!(
        call_with(&client, SCOPED, &expired).await.status,
        Status::Unauthorized
    );
}

#[rocket::async_test]
async fn an_unauthenticated_post_with_a_malformed_body_is_401() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = quickstart(&ks).await;
    let response = client
        .post(MESSAGES)
        .header(ContentType::JSON)
        .body("{oops")
        .dispatch()
        .await;
    Answer::from(response).await.assert_error(
        401,
        "authorization_header_missing",
        "Authorization header is expected",
        None,
    );
    let token = ks.token(&RSA_A).scope("write:messages").build();
    let response = client
        .post(MESSAGES)
        .header(ContentType::JSON)
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .body("{oops")
        .dispatch()
        .await;
    assert_eq!(
        response.status(),
        Status::BadRequest,
        "an authorised caller's body is judged"
    );
}

#[rocket::async_test]
async fn an_unavailable_key_set_is_503() {
    let ks = KeyServer::empty().await;
    ks.respond(ResponseTemplate::new(500)).await;
    let client = quickstart(&ks).await;
    let token = ks
        .token(&RSA_A)
        .scope("read:messages write:messages")
        .build();
    for route in PROTECTED {
        let answer = call_with(&client, route, &token).await;
        assert_eq!(answer.status, Status::ServiceUnavailable, "{route}");
        assert_eq!(answer.json()["code"], "jwks_unavailable");
        assert!(answer.retry_after.is_some());
    }
}

#[rocket::async_test]
async fn preflight_requests_need_no_token_and_get_cors_headers() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = quickstart(&ks).await;
    for route in PROTECTED {
        let response = client
            .req(Method::Options, route)
            .header(Header::new("Origin", "https://app.example"))
            .header(Header::new("Access-Control-Request-Method", "GET"))
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::NoContent);
        let allowed = response
            .headers()
            .get_one("Access-Control-Allow-Headers")
            .unwrap_or_default();
        assert!(
            allowed.contains("Authorization") && allowed.contains("Content-Type"),
            "{allowed}"
        );
    }
    // Errors carry the CORS header too, so browsers can read them.
    let answer = client.get(PRIVATE).dispatch().await;
    assert_eq!(
        answer.headers().get_one("Access-Control-Allow-Origin"),
        Some("*")
    );
    assert_eq!(ks.fetches().await, 0);
}

#[rocket::async_test]
async fn the_quickstart_routes_without_the_fairing_do_not_launch() {
    let rocket = rocket::custom(rocket_config()).mount(
        "/",
        rocket::routes![auth_examples::private, auth_examples::private_scoped],
    );
    let error = Client::tracked(rocket)
        .await
        .expect_err("sentinels abort the launch");
    assert!(
        matches!(error.kind(), rocket::error::ErrorKind::SentinelAborts(_)),
        "{error:?}"
    );
}

#[rocket::async_test]
async fn the_development_issuer_tokens_work_against_the_quickstart() {
    let issuer = auth_runtime::testing::TestIssuer::start(AUDIENCE)
        .await
        .unwrap();
    let auth = Auth::new(issuer.config().build().unwrap());
    let client = Client::tracked(auth_examples::rocket_with(
        rocket::custom(rocket_config()),
        auth,
    ))
    .await
    .unwrap();
    let plain = issuer.token().build();
    let read = issuer.token().scope("read:messages").build();
    assert_eq!(call_with(&client, PRIVATE, &plain).await.status, Status::Ok);
    assert_eq!(
        call_with(&client, SCOPED, &plain).await.status,
        Status::Forbidden
    );
    assert_eq!(call_with(&client, SCOPED, &read).await.status, Status::Ok);
    assert_eq!(issuer.jwks_fetches(), 1, "found by discovery, fetched once");
}
