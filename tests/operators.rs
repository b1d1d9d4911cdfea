//! What operators see: readiness and key-set status without I/O, the
//! health routes, and an instance with no keys that keeps trying.

use std::time::{Duration, Instant};

use auth_runtime::config::HmacSecret;
use auth_runtime::testing::ManualClock;
use auth_runtime::validator::IssuerRouter;
use auth_runtime::{rocket::health_routes, Auth};
use auth_tests::*;
use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::Client;
use wiremock::ResponseTemplate;

async fn app_with_health(auth: Auth) -> Client {
    let rocket = rocket::custom(rocket_config())
        .attach(auth)
        .mount("/", health_routes());
    Client::tracked(rocket).await.unwrap()
}

fn router(client: &Client) -> &IssuerRouter {
    client.rocket().state::<IssuerRouter>().unwrap()
}

#[rocket::async_test]
async fn readiness_follows_the_key_set_through_its_states() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = app_with_health(Auth::new(ks.config().build().unwrap())).await;
    // Lazy: nothing fetched, not ready, and asking fetches nothing.
    let status = router(&client).validators()[0].key_set_status().unwrap();
    assert!(!status.ready && status.keys == 0 && status.last_attempt.is_none());
    assert!(!router(&client).is_ready());
    let answer = get(&client, "/healthz/ready", None).await;
    assert_eq!(answer.status, Status::ServiceUnavailable);
    assert_eq!(answer.json()["issuers"][0], ks.issuer());
    assert_eq!(ks.fetches().await, 0, "readiness does no I/O");
    // Alive all the same, and says so in JSON.
    let live = get(&client, "/healthz/live", None).await;
    assert_eq!(live.status, Status::Ok);
    assert_eq!(live.content_type, Some(ContentType::JSON));
    assert_eq!(live.json(), serde_json::json!({ "status": "live" }));

    // After a token needed keys: ready.
    let token = ks.token(&RSA_A).build();
    assert_eq!(status_of(&client, &token).await, Status::Ok);
    let status = router(&client).validators()[0].key_set_status().unwrap();
    assert!(status.ready && status.keys == 1, "{status:?}");
    assert!(status.last_success.is_some() && status.last_error.is_none());
    assert_eq!(
        get(&client, "/healthz/ready", None).await.status,
        Status::Ok
    );
}

/// The status a protected request with `token` gets from the app's router.
async fn status_of(client: &Client, token: &str) -> Status {
    match router(client)
        .authorize(Some(&format!("Bearer {token}")))
        .await
    {
        Ok(_) => Status::Ok,
        Err(error) => Status::new(error.status()),
    }
}

#[rocket::async_test]
async fn cached_keys_stay_ready_while_refreshes_fail_and_an_empty_set_is_not_ready() {
    let (ks, clock) = (KeyServer::start(&[&RSA_A]).await, ManualClock::new());
    let ttl = Duration::from_millis(200);
    let config = ks.config_stale_after(ttl).clock(clock.clock());
    let client = app_with_health(Auth::new(config.build().unwrap())).await;
    let key_set_status = || router(&client).validators()[0].key_set_status().unwrap();
    let token = ks.token(&RSA_A).build();
    assert_eq!(status_of(&client, &token).await, Status::Ok);
    ks.respond(ResponseTemplate::new(500)).await;
    clock.advance(ttl * 3 / 2);
    // Stale: answered at once, refreshed in the background, which fails.
    assert_eq!(status_of(&client, &token).await, Status::Ok);
    ks.await_fetches(1).await;
    eventually("the refresh fails", || {
        key_set_status().last_error.is_some()
    })
    .await;
    let status = key_set_status();
    assert!(status.ready, "within the staleness cap: {status:?}");
    assert!(status
        .last_error
        .as_deref()
        .unwrap_or_default()
        .contains("500"));

    // The issuer revokes every key: an answer, not ready any more.
    ks.respond(ResponseTemplate::new(200).set_body_json(serde_json::json!({ "keys": [] })))
        .await;
    clock.advance(ttl * 3 / 2); // past the TTL and the cooldown of the failure
    let _ = status_of(&client, &token).await;
    ks.await_fetches(1).await;
    eventually("the empty set is taken", || !router(&client).is_ready()).await;
    let status = key_set_status();
    assert_eq!(status.keys, 0);
    assert!(status
        .last_error
        .unwrap_or_default()
        .contains("no usable key"));
}

#[rocket::async_test]
async fn a_shared_secret_is_always_ready() {
    let config = auth_runtime::AuthConfig::builder(STATIC_ISSUER, AUDIENCE)
        .shared_secret(HmacSecret::raw([7u8; 32]));
    let client = app_with_health(Auth::new(config.build().unwrap())).await;
    assert!(router(&client).is_ready());
    assert_eq!(router(&client).validators()[0].key_set_status(), None);
    assert_eq!(
        get(&client, "/healthz/ready", None).await.status,
        Status::Ok
    );
}

#[rocket::async_test]
async fn readiness_never_waits_for_a_fetch_in_flight() {
    let ks =
        KeyServer::answering(key_set_response(&[&RSA_A]).set_delay(Duration::from_secs(1))).await;
    let client = app_with_health(Auth::new(ks.config().build().unwrap())).await;
    let token = ks.token(&RSA_A).build();
    let pending = async { status_of(&client, &token).await };
    let check = async {
        ks.await_fetches(1).await;
        let started = Instant::now();
        let ready = router(&client).is_ready();
        (ready, started.elapsed())
    };
    let (answer, (ready, took)) = tokio::join!(pending, check);
    assert!(!ready);
    // `is_ready` is not async; the fetch takes 1 s. Far below that, and
    // far above a lock's cost, whatever else the machine runs.
    assert!(took < Duration::from_millis(500), "took {took:?}");
    assert_eq!(answer, Status::Ok);
}

#[rocket::async_test]
async fn an_instance_without_keys_keeps_trying_and_becomes_ready_without_traffic() {
    let ks = KeyServer::empty().await;
    let config = ks
        .config()
        .warm_up(true)
        .retry_interval(Duration::from_secs(1));
    let client = app_with_health(Auth::new(config.build().unwrap())).await;
    // Warm-up failed at liftoff (404).
    assert!(!router(&client).is_ready());
    ks.serve_keys(&[&RSA_A]).await;
    // The background retries wait on tokio's time (the retry interval, 1 s),
    // not on the configuration's clock: real time, awaited as an event.
    eventually("ready without traffic", || router(&client).is_ready()).await;
    assert_eq!(
        get(&client, "/healthz/ready", None).await.status,
        Status::Ok
    );
    // One attempt per retry interval, not a spin.
    let fetches = ks.fetches().await;
    assert!(fetches <= 8, "{fetches} fetches in a few seconds");
}
