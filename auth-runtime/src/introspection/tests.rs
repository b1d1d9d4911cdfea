//! The introspector against a loopback endpoint (wiremock); its time rules
//! in `clock`.

use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

mod clock;
mod endpoint_url;
mod in_flight;

const ISSUER: &str = "https://server.example.com/";
const AUDIENCE: &str = "https://protected.example.net/resource";

fn settings(server: &MockServer) -> IntrospectionSettings {
    let mut settings = IntrospectionSettings::new(
        format!("{}/introspect", server.uri()),
        "api client",
        ClientSecret::new("s3cr&t"),
    );
    settings.issuers = vec![ISSUER.to_owned()];
    settings.audiences = vec![AUDIENCE.to_owned()];
    settings.timeout = Duration::from_millis(500);
    settings
}

fn active(exp_in: i64) -> Value {
    let now = jsonwebtoken::get_current_timestamp() as i64;
    json!({
        "active": true, "sub": "Z5O3upPC88QrAjx00dis", "scope": "read write dolphin",
        "iss": ISSUER, "aud": AUDIENCE, "exp": now + exp_in,
    })
}

async fn answering(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/introspect"))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

/// An endpoint answering 200 with the JSON `answer`.
async fn answering_json(answer: Value) -> MockServer {
    answering(ResponseTemplate::new(200).set_body_json(answer)).await
}

/// An active answer (for an hour) given after `delay`.
fn active_after(delay: Duration) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(active(3600))
        .set_delay(delay)
}

/// The error of introspecting `tok` once at `server`.
async fn refusal(server: &MockServer) -> IntrospectionError {
    introspector(settings(server))
        .introspect("tok")
        .await
        .unwrap_err()
}

/// Asserts that `error` is `Unavailable`; `case` names the case in a failure.
#[track_caller]
fn assert_unavailable(error: &IntrospectionError, case: impl std::fmt::Display) {
    assert!(
        matches!(error, IntrospectionError::Unavailable(_)),
        "{case}: {error:?}"
    );
}

/// `n` tasks introspecting `tok` at once.
async fn concurrently(introspector: &Arc<Introspector>, n: usize) -> Vec<Outcome> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let introspector = Arc::clone(introspector);
        tasks.spawn(async move { introspector.introspect("tok").await });
    }
    tasks.join_all().await
}

fn introspector(settings: IntrospectionSettings) -> Introspector {
    Introspector::new(settings).unwrap()
}

#[tokio::test]
async fn posts_the_token_form_with_basic_credentials() {
    let server = MockServer::start().await;
    // RFC 6749 2.3.1: id and secret form-encoded, then Basic.
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "api+client:s3cr%26t"
        )
    );
    Mock::given(method("POST"))
        .and(path("/introspect"))
        .and(header("authorization", basic.as_str()))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains(
            "token=opaque%2Ftoken&token_type_hint=access_token",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(active(3600)))
        .expect(1)
        .mount(&server)
        .await;
    let claims = introspector(settings(&server))
        .introspect("opaque/token")
        .await
        .unwrap();
    assert_eq!(claims.sub(), Some("Z5O3upPC88QrAjx00dis"));
    assert!(claims.scopes().any(|scope| scope == "dolphin"));
    assert!(claims.get("active").is_none());
}

#[tokio::test]
async fn form_credentials_go_in_the_body_and_not_in_a_header() {
    let server = answering_json(active(3600)).await;
    let mut settings = settings(&server);
    settings.client_auth = ClientAuth::Form;
    introspector(settings).introspect("tok").await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let request = requests.first().unwrap();
    let body = String::from_utf8_lossy(&request.body);
    assert!(
        body.contains("&client_id=api+client&client_secret=s3cr%26t"),
        "{body}"
    );
    assert!(request.headers.get("authorization").is_none());
}

#[tokio::test]
async fn an_active_answer_is_cached_and_the_endpoint_asked_once() {
    let server = answering_json(active(3600)).await;
    let introspector = introspector(settings(&server));
    for _ in 0..5 {
        introspector.introspect("tok").await.unwrap();
    }
    assert_eq!(introspector.calls(), 1);
    introspector.introspect("another").await.unwrap();
    assert_eq!(introspector.calls(), 2, "the key is the token's");
}

#[tokio::test]
async fn concurrent_requests_for_one_token_make_one_call() {
    let server = answering(active_after(Duration::from_millis(200))).await;
    let introspector = Arc::new(introspector(settings(&server)));
    let outcomes = concurrently(&introspector, 20).await;
    assert!(outcomes.iter().all(Result::is_ok));
    assert_eq!(introspector.calls(), 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(introspector.in_flight.lock().unwrap().is_empty());
}

#[tokio::test]
async fn concurrent_requests_share_a_failure_and_nothing_is_cached() {
    let server = answering(ResponseTemplate::new(500).set_delay(Duration::from_millis(200))).await;
    let introspector = Arc::new(introspector(settings(&server)));
    for outcome in concurrently(&introspector, 10).await {
        let error = outcome.unwrap_err();
        assert_eq!(
            (error.status(), error.code()),
            (503, "introspection_unavailable")
        );
    }
    assert_eq!(introspector.calls(), 1);
    introspector.introspect("tok").await.unwrap_err();
    assert_eq!(introspector.calls(), 2, "the failure was not cached");
}

#[tokio::test]
async fn endpoint_errors_are_unavailable_never_a_200() {
    for status in [500, 502, 503, 400, 404, 401, 403, 302] {
        let server = answering(ResponseTemplate::new(status)).await;
        let error = refusal(&server).await;
        assert_unavailable(&error, format_args!("HTTP {status}"));
        assert_eq!(error.status(), 503);
    }
}

#[tokio::test]
async fn a_slow_endpoint_is_unavailable_after_the_timeout() {
    let server = answering(active_after(Duration::from_secs(3))).await;
    let started = std::time::Instant::now();
    let error = refusal(&server).await;
    assert_unavailable(&error, "a slow endpoint");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn an_unreachable_endpoint_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut settings = IntrospectionSettings::new(
        format!("http://127.0.0.1:{port}/introspect"),
        "id",
        ClientSecret::new("secret"),
    );
    settings.timeout = Duration::from_millis(500);
    let error = introspector(settings).introspect("tok").await.unwrap_err();
    assert_unavailable(&error, "an unreachable endpoint");
}

#[tokio::test]
async fn a_huge_answer_is_unavailable_and_not_cached() {
    let mut huge = active(3600);
    huge["padding"] = json!("x".repeat(2 * crate::config::defaults::max_introspection_bytes()));
    let server = answering_json(huge).await;
    let introspector = introspector(settings(&server));
    for _ in 0..2 {
        let error = introspector.introspect("tok").await.unwrap_err();
        assert_unavailable(&error, "a huge answer");
    }
    assert_eq!(introspector.calls(), 2);
}

#[tokio::test]
async fn unusable_answers_are_invalid_tokens_and_not_cached() {
    for body in [
        "not json",
        r#"{"active": "true"}"#,
        r#"{"scope": "a"}"#,
        r#"{"active": true, "exp": "4102444800"}"#,
    ] {
        let server = answering(ResponseTemplate::new(200).set_body_string(body)).await;
        let introspector = introspector(settings(&server));
        for _ in 0..2 {
            let error = introspector.introspect("tok").await.unwrap_err();
            assert!(matches!(error, IntrospectionError::Malformed(_)), "{body}");
            assert_eq!((error.status(), error.code()), (401, "invalid_token"));
        }
        assert_eq!(introspector.calls(), 2, "{body}");
    }
}

#[tokio::test]
async fn wrong_audience_or_issuer_is_invalid_claims_and_expired_is_token_expired() {
    let cases = [
        (
            json!({"active": true, "aud": "https://other/api"}),
            "invalid_claims",
        ),
        (
            json!({"active": true, "iss": "https://evil.example/"}),
            "invalid_claims",
        ),
        (active(-3600), "token_expired"),
        (
            json!({"active": true, "nbf": 4_102_444_800u64}),
            "invalid_token",
        ),
    ];
    for (answer, code) in cases {
        let server = answering_json(answer.clone()).await;
        let error = refusal(&server).await;
        assert_eq!((error.status(), error.code()), (401, code), "{answer}");
    }
}

#[tokio::test]
async fn a_redirect_to_plain_http_off_loopback_is_not_followed() {
    let server = answering(
        ResponseTemplate::new(307).insert_header("location", "http://evil.example/introspect"),
    )
    .await;
    let error = refusal(&server).await;
    let IntrospectionError::Unavailable(why) = &error else {
        panic!("{error:?}");
    };
    assert!(why.contains("redirect"), "{why}");
}

#[tokio::test]
async fn a_flood_of_distinct_tokens_stays_within_the_cache_bound() {
    let server = answering_json(json!({"active": false})).await;
    let mut settings = settings(&server);
    settings.cache_capacity = 16;
    let introspector = introspector(settings);
    for i in 0..200 {
        introspector
            .introspect(&format!("random-{i}"))
            .await
            .unwrap_err();
    }
    assert!(
        introspector.cache.len() <= 32,
        "{}",
        introspector.cache.len()
    );
    assert!(introspector.in_flight.lock().unwrap().is_empty());
}

#[test]
fn the_client_secret_is_never_printed() {
    let settings = IntrospectionSettings::new("https://a/", "id", ClientSecret::new("hunter2"));
    let printed = format!("{settings:?}");
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(printed.contains("redacted"));
}

#[test]
fn the_cache_key_is_a_hash_not_the_token() {
    let key = cache::key("tok");
    assert_eq!(key.len(), 32);
    assert_ne!(&key[..3], b"tok");
    assert_ne!(cache::key("tok"), cache::key("tok2"));
}

#[tokio::test]
async fn a_cancelled_call_leaves_nothing_behind_and_blocks_no_one() {
    let server = answering(active_after(Duration::from_millis(200))).await;
    let introspector = Arc::new(introspector(settings(&server)));
    let first = {
        let introspector = Arc::clone(&introspector);
        tokio::spawn(async move { introspector.introspect("tok").await })
    };
    // Cancelled once its call reached the endpoint.
    let started = std::time::Instant::now();
    while server
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty()
    {
        assert!(started.elapsed() < Duration::from_secs(5), "never called");
        tokio::task::yield_now().await;
    }
    first.abort();
    let _ = first.await;
    assert!(introspector.in_flight.lock().unwrap().is_empty());
    introspector.introspect("tok").await.unwrap();
    assert_eq!(introspector.calls(), 2);
}

#[test]
fn the_variables_set_the_endpoint_and_credentials_and_the_secret_is_never_printed() {
    let var = |name: &str| match name {
        "AUTH_INTROSPECTION_URL" => Some(" https://as.example/introspect ".to_owned()),
        "AUTH_CLIENT_ID" => Some("api".to_owned()),
        "AUTH_CLIENT_SECRET" => Some("hunter2".to_owned()),
        _ => None,
    };
    let config = AuthConfig::builder("https://issuer.example/", "https://api")
        .settings_from(&|name| Ok(var(name)))
        .unwrap()
        .build()
        .unwrap();
    let settings = IntrospectionSettings::from_config(&config, vec![], vec![])
        .expect("an endpoint is configured");
    assert_eq!(settings.endpoint, "https://as.example/introspect");
    assert_eq!(settings.client_id, "api");
    assert!(!format!("{config:?}").contains("hunter2"));
    assert!(!format!("{settings:?}").contains("hunter2"));
    let none = AuthConfig::builder("https://issuer.example/", "https://api")
        .build()
        .unwrap();
    assert!(IntrospectionSettings::from_config(&none, vec![], vec![]).is_none());
}

#[test]
fn each_error_says_what_failed_without_the_endpoints_words() {
    use IntrospectionError::*;
    for (error, sentence) in [
        (Inactive, "the token is not active"),
        (
            Malformed("no active member"),
            "the token could not be confirmed: the introspection answer is not usable",
        ),
        (
            WrongIssuerOrAudience,
            "incorrect claims, please check the audience and issuer",
        ),
        (Expired, "token is expired"),
        (NotYetValid, "the token is not valid yet (nbf)"),
        (
            Unavailable("HTTP 500 from the endpoint".into()),
            "the token introspection endpoint is unavailable; the client may retry",
        ),
    ] {
        assert_eq!(error.description(), sentence, "{error:?}");
    }
    assert_eq!(
        crate::config::defaults::max_introspection_bytes(),
        65_536,
        "64 KiB"
    );
}

#[test]
fn the_introspection_settings_come_from_the_configuration_alone() {
    let config = crate::AuthConfig::builder("https://i.example/", "a")
        .introspection_url("https://as.example/introspect")
        .client_id("api")
        .client_secret("hunter2")
        .leeway(Duration::from_secs(7))
        .introspection_max_active_ttl(Duration::from_secs(11))
        .introspection_inactive_ttl(Duration::from_secs(3))
        .introspection_cache_capacity(5)
        .max_introspection_bytes(1000)
        .build()
        .unwrap();
    let settings = IntrospectionSettings::from_config(&config, vec![], vec![]).unwrap();
    assert_eq!(settings.leeway, Duration::from_secs(7));
    assert_eq!(settings.max_active_ttl, Duration::from_secs(11));
    assert_eq!(settings.inactive_ttl, Duration::from_secs(3));
    assert_eq!(settings.cache_capacity, 5);
    assert_eq!(settings.max_response_bytes, 1000);
    assert_eq!(settings.client_id, "api");
    assert!(!format!("{settings:?} {config:?}").contains("hunter2"));
    // Without a configuration, the declared defaults: no second default.
    let plain = IntrospectionSettings::new("https://as.example/", "api", ClientSecret::new("s"));
    assert_eq!(plain.leeway, defaults::leeway());
    assert_eq!(plain.timeout, defaults::fetch_timeout());
    assert_eq!(plain.max_active_ttl, Duration::from_secs(60));
    assert_eq!(plain.inactive_ttl, Duration::from_secs(10));
    assert_eq!(plain.cache_capacity, 10_000);
    assert_eq!(plain.max_response_bytes, 65_536);
}
