//! Property tests on everything that reads client input: whatever the
//! `Authorization` header holds, the answer is a contract error (never a
//! panic, a 5xx or a hang), its body is small valid JSON that does not echo
//! the token, and its `WWW-Authenticate` header parses.

use std::io::{Read, Write};
use std::time::Duration;

use auth_tests::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rocket::local::asynchronous::Client;

const CODES: [&str; 4] = [
    "authorization_header_missing",
    "invalid_header",
    "invalid_claims",
    "token_expired",
];

/// Sends `value` as the `Authorization` header and checks the contract
/// properties; returns the error code.
async fn check(client: &Client, value: &str) -> Result<String, TestCaseError> {
    let answer = get(client, "/private", Some(value)).await;
    prop_assert_eq!(answer.status.code, 401, "{:?} -> {:?}", value, answer);
    prop_assert!(answer.body.len() < 1024);
    let body: serde_json::Value = serde_json::from_str(&answer.body)
        .map_err(|e| TestCaseError::fail(format!("body not JSON: {e}")))?;
    let object = body
        .as_object()
        .ok_or_else(|| TestCaseError::fail("body not an object"))?;
    prop_assert_eq!(object.len(), 2);
    let code = object["code"].as_str().unwrap_or_default().to_owned();
    prop_assert!(CODES.contains(&code.as_str()), "code {}", code);
    prop_assert!(object["description"].is_string());
    let challenge = answer.www_authenticate.unwrap_or_default();
    let pairs = parse_challenge(&challenge).map_err(TestCaseError::fail)?;
    prop_assert_eq!(&pairs[0], &("realm".to_owned(), "api".to_owned()));
    // No echo of the presented token (long enough not to be a common word).
    for part in value.split_whitespace().filter(|part| part.len() >= 12) {
        prop_assert!(!answer.body.contains(part), "body echoes {:?}", part);
        prop_assert!(!challenge.contains(part), "challenge echoes {:?}", part);
    }
    Ok(code)
}

/// Runs `strategy` through `check` on one runtime and one client.
fn run<S: Strategy<Value = String>>(cases: u32, strategy: S) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (ks, app) = runtime.block_on(TestApp::serving(&[&RSA_A, &EC]));
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |value| {
            runtime.block_on(async {
                tokio::time::timeout(Duration::from_secs(5), check(&app, &value))
                    .await
                    .map_err(|_| TestCaseError::fail("request hung"))?
                    .map(drop)
            })
        })
        .unwrap();
    // However many unknown kids were presented: the cold fetch and at most
    // one refresh within the cooldown.
    assert!(runtime.block_on(ks.fetches()) <= 2);
}

#[test]
fn any_header_value_gets_a_contract_error() {
    run(512, any::<String>());
}

#[test]
fn any_bearer_value_gets_a_contract_error() {
    let scheme = prop_oneof!["Bearer", "bearer", "BEARER", "Bearer\t", "Bearer  "];
    run(
        512,
        (scheme, any::<String>()).prop_map(|(scheme, rest)| format!("{scheme} {rest}")),
    );
}

#[test]
fn huge_and_degenerate_values_get_a_contract_error() {
    let degenerate = prop_oneof![
        " {0,20000}",
        "Bearer [.]{0,20000}",
        "Bearer [a-z.]{10000,30000}",
        "Bearer( [a-z]{1,3}){0,2000}",
        "[\\x00-\\x1f]{0,200}",
        "Bearer [\\x00-\\x1f\\x7f]{1,200}",
    ];
    run(64, degenerate);
}

/// A JSON value of bounded depth and size.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(
            |f| serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into)
        ),
        ".{0,20}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

#[test]
fn any_token_shaped_value_gets_a_contract_error() {
    let alg = prop_oneof![
        Just(serde_json::json!("RS256")),
        Just(serde_json::json!("ES256")),
        Just(serde_json::json!("HS256")),
        Just(serde_json::json!("none")),
        Just(serde_json::json!("EdDSA")),
        json_value(),
    ];
    let kid = prop_oneof![
        Just(serde_json::json!("rsa-a")),
        Just(serde_json::json!("ec-1")),
        json_value(),
    ];
    let token = (
        alg,
        kid,
        json_value(),
        json_value(),
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(alg, kid, extra, payload, signature)| {
            let header = serde_json::json!({ "alg": alg, "kid": kid, "x": extra });
            format!(
                "Bearer {}.{}.{}",
                B64.encode(header.to_string()),
                B64.encode(payload.to_string()),
                B64.encode(signature)
            )
        });
    run(512, token);
}

/// Bytes a client library would never send: invalid UTF-8, control
/// characters, a header line of 64 KiB. The server answers a contract 401
/// or refuses the request (4xx); never a 5xx, never a hang.
#[rocket::async_test]
async fn raw_header_bytes_never_get_a_5xx() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let auth = auth_runtime::Auth::new(ks.config().build().unwrap());
    let (port, shutdown) = serve(AppKind::Library.rocket(auth)).await;
    let long = format!("Bearer {}", "a".repeat(64 * 1024));
    let values: [&[u8]; 6] = [
        b"Bearer \xff\xfe\xfd",
        b"\xc3\x28 \xa0\xa1",
        b"Bearer a\x01b.c\x7fd.e",
        b"Bearer \xe2\x82",
        b"Bearer a.b.c\tmore",
        long.as_bytes(),
    ];
    for value in values.map(<[u8]>::to_vec) {
        let status = tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut request =
                b"GET /private HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: "
                    .to_vec();
            request.extend_from_slice(&value);
            request.extend_from_slice(b"\r\n\r\n");
            stream.write_all(&request).unwrap();
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
            let text = String::from_utf8_lossy(&answer).into_owned();
            let status: u16 = text
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            (status, text)
        })
        .await
        .unwrap();
        let (status, text) = status;
        assert!((400..500).contains(&status), "{text}");
        if status == 401 {
            let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
            let json: serde_json::Value = serde_json::from_str(body).unwrap();
            assert!(CODES.contains(&json["code"].as_str().unwrap()), "{body}");
        }
    }
    shutdown.notify();
}
