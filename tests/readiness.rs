//! Readiness over every dependency a request can need (CONTRACT, "What
//! operators see"): with the shared DPoP replay store (a real
//! `redis-server`) or the introspection endpoint unreachable,
//! `/healthz/ready` answers 503 naming it, and 200 again once it is back,
//! with no request in between: the background probes see both changes.
//! The keys are out of the picture (a shared secret needs none).

use std::time::{Duration, Instant};

use auth_runtime::config::{AuthConfigBuilder, HmacSecret};
use auth_runtime::{rocket::health_routes, Auth, AuthConfig};
use auth_tests::dpop::RedisServer;
use auth_tests::*;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The probes' pace: down, every 100 ms; up, every 600 ms.
const RETRY: Duration = Duration::from_millis(100);

fn config() -> AuthConfigBuilder {
    AuthConfig::builder(STATIC_ISSUER, AUDIENCE)
        .shared_secret(HmacSecret::raw([7u8; 32]))
        .retry_interval(RETRY)
}

async fn app(config: AuthConfigBuilder) -> Client {
    let rocket = rocket::custom(rocket_config())
        .attach(Auth::new(config.build().unwrap()))
        .mount("/", health_routes());
    Client::tracked(rocket).await.unwrap()
}

/// `/healthz/ready`'s answer once it is `want`, polled (no request but
/// readiness reaches the app meanwhile); fails after a generous deadline.
async fn ready_becomes(client: &Client, want: Status, what: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answer = get(client, "/healthz/ready", None).await;
        if answer.status == want {
            return answer.json();
        }
        assert!(
            Instant::now() < deadline,
            "{what}: readiness stayed {:?}: {}",
            answer.status,
            answer.json()
        );
        // A pause between polls, not a wait for time to pass: the change is
        // made by a background probe, which offers nothing to await.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[rocket::async_test]
async fn readiness_names_the_replay_store_while_redis_is_down_and_recovers_by_itself() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let client = app(config().dpop_replay_redis(redis.url())).await;
    ready_becomes(&client, Status::Ok, "redis up").await;

    redis.stop();
    let body = ready_becomes(&client, Status::ServiceUnavailable, "redis down").await;
    assert_eq!(body["dependencies"], json!(["dpop_replay_store"]), "{body}");
    assert_eq!(body["missing"], json!(["reachable dependencies"]), "{body}");
    assert_eq!(body["issuers"], json!([]), "{body}");
    assert!(
        !body.to_string().contains("redis://"),
        "no URL in the body: {body}"
    );

    redis.restart();
    ready_becomes(&client, Status::Ok, "redis back").await;
}

#[rocket::async_test]
async fn readiness_names_the_introspection_endpoint_while_it_fails_and_recovers_by_itself() {
    let endpoint = MockServer::start().await;
    let answers = |status: u16, body: Value| {
        Mock::given(method("POST"))
            .and(path("/introspect"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
    };
    answers(200, json!({ "active": false }))
        .mount(&endpoint)
        .await;
    let client = app(config()
        .introspection_url(format!("{}/introspect", endpoint.uri()))
        .client_id("api")
        .client_secret("secret"))
    .await;
    ready_becomes(&client, Status::Ok, "endpoint up").await;

    endpoint.reset().await;
    answers(503, json!({})).mount(&endpoint).await;
    let body = ready_becomes(&client, Status::ServiceUnavailable, "endpoint down").await;
    assert_eq!(
        body["dependencies"],
        json!(["introspection_endpoint"]),
        "{body}"
    );
    let text = body.to_string();
    assert!(
        !text.contains("127.0.0.1") && !text.contains("secret"),
        "no URL, no credential in the body: {text}"
    );

    endpoint.reset().await;
    answers(200, json!({ "active": false }))
        .mount(&endpoint)
        .await;
    ready_becomes(&client, Status::Ok, "endpoint back").await;
    // The probe never sends a real token: only the readiness probe's.
    let requests = endpoint.received_requests().await.unwrap_or_default();
    let probes = |request: &wiremock::Request| {
        String::from_utf8_lossy(&request.body).starts_with("token=auth-runtime-readiness-probe&")
    };
    assert!(!requests.is_empty() && requests.iter().all(probes));
}

#[rocket::async_test]
async fn an_in_memory_replay_store_is_not_a_dependency() {
    let client = app(config()).await;
    let answer = get(&client, "/healthz/ready", None).await;
    assert_eq!(answer.status, Status::Ok, "{}", answer.json());
}
