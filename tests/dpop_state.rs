//! DPoP's state through HTTP: server nonces (RFC 9449 section 8), the
//! replay store when it fails or fills up, and several instances sharing
//! one store (in memory, and on a real Redis server) or one nonce secret.

use std::sync::Arc;
use std::time::Duration;

use auth_runtime::config::AuthConfigBuilder;
use auth_runtime::dpop::{MemoryReplayStore, ReplayStore};
use auth_runtime::testing::dpop_nonce;
use auth_runtime::testing::{DpopKey, ManualClock};
use auth_tests::dpop::{
    assert_bad_proof, assert_body, assert_dpop_error, assert_private, proof, Call, FailingStore,
    RedisServer,
};
use auth_tests::*;

const SECRET: &[u8; 32] = b"0123456789abcdef0123456789abcdef";
const USE_NONCE: &str =
    "The resource server requires a DPoP nonce: retry with the one in the DPoP-Nonce header";
const REPLAYED: &str = "The DPoP proof was used before (its jti was seen)";

struct Client {
    key: DpopKey,
    token: String,
}

impl Client {
    fn new(ks: &KeyServer) -> Client {
        let key = DpopKey::generate();
        let token = ks.token(&RSA_A).bound_to(&key).build();
        Client { key, token }
    }

    fn proof(&self) -> auth_runtime::testing::ProofBuilder {
        proof(&self.key, "/private", &self.token)
    }

    async fn call(&self, app: &TestApp, proof: String) -> Answer {
        Call::get("/private")
            .dpop(&self.token, proof)
            .send(app)
            .await
    }

    /// Calls `app` with a fresh proof carrying `nonce`.
    async fn call_with_nonce(&self, app: &TestApp, nonce: &str) -> Answer {
        self.call(app, self.proof().nonce(nonce).build()).await
    }

    /// The nonce `app` hands out to a proof without one.
    async fn nonce_from(&self, app: &TestApp) -> String {
        let answer = self.call(app, self.proof().build()).await;
        answer.dpop_nonce.expect("a fresh DPoP-Nonce")
    }
}

async fn app(
    ks: &KeyServer,
    configure: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
) -> TestApp {
    TestApp::library(configure(ks.config())).await
}

fn with_nonces(config: AuthConfigBuilder) -> AuthConfigBuilder {
    config.dpop_nonce(true).dpop_nonce_secret(SECRET.to_vec())
}

#[rocket::async_test]
async fn nonces_challenge_a_proof_without_one_then_accept_it() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = app(&ks, with_nonces).await;
    let client = Client::new(&ks);
    let answer = client.call(&app, client.proof().build()).await;
    assert_dpop_error(&answer, "use_dpop_nonce", USE_NONCE, "no nonce");
    let nonce = answer.dpop_nonce.clone().expect("a fresh DPoP-Nonce");
    // The retry with it passes, and the answer gives the next nonce.
    let answer = client.call_with_nonce(&app, &nonce).await;
    assert_private(&answer, "with the nonce");
    let next = answer
        .dpop_nonce
        .clone()
        .expect("the next DPoP-Nonce on success");
    let answer = client.call_with_nonce(&app, &next).await;
    assert_private(&answer, "next nonce");
    // A nonce is stateless: the same one serves several proofs within its window.
    let answer = client.call_with_nonce(&app, &nonce).await;
    assert_private(&answer, "again");
}

#[rocket::async_test]
async fn a_forged_altered_or_expired_nonce_is_use_dpop_nonce_again() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = app(&ks, with_nonces).await;
    let client = Client::new(&ks);
    let now = jsonwebtoken::get_current_timestamp();
    let window = Duration::from_secs(300);
    let good = dpop_nonce(SECRET, window, now).unwrap();
    let mut altered = good.clone().into_bytes();
    altered[20] = if altered[20] == b'A' { b'B' } else { b'A' };
    let cases = [
        ("forged", "A".repeat(good.len())),
        ("altered", String::from_utf8(altered).unwrap()),
        ("expired", dpop_nonce(SECRET, window, now - 1000).unwrap()),
        (
            "another secret's",
            dpop_nonce(&[9u8; 32], window, now).unwrap(),
        ),
        ("garbage", "not a nonce \"\\".to_owned()),
        ("huge", "x".repeat(4000)),
    ];
    for (name, nonce) in cases {
        let answer = client.call_with_nonce(&app, &nonce).await;
        assert_dpop_error(&answer, "use_dpop_nonce", USE_NONCE, name);
        assert!(
            answer.dpop_nonce.is_some(),
            "{name}: a fresh nonce to retry with"
        );
    }
    assert_private(&client.call_with_nonce(&app, &good).await, "good");
}

#[rocket::async_test]
async fn the_nonce_is_checked_after_the_proof_signature() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = app(&ks, with_nonces).await;
    let client = Client::new(&ks);
    let bad = client.proof().signed_by(&DpopKey::generate()).build();
    let answer = client.call(&app, bad).await;
    assert_bad_proof(
        &answer,
        "The DPoP proof's signature does not verify",
        "bad signature, no nonce",
    );
    assert_eq!(
        answer.dpop_nonce, None,
        "no nonce for a proof that fails anyway"
    );
}

#[rocket::async_test]
async fn instances_sharing_the_nonce_secret_accept_each_others_nonces() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let (a, b) = (app(&ks, with_nonces).await, app(&ks, with_nonces).await);
    let other = app(&ks, |config| {
        config.dpop_nonce(true).dpop_nonce_secret(vec![7u8; 40])
    })
    .await;
    let client = Client::new(&ks);
    let nonce = client.nonce_from(&a).await;
    let answer = client.call_with_nonce(&b, &nonce).await;
    assert_private(&answer, "b takes a's");
    let answer = client.call_with_nonce(&other, &nonce).await;
    assert_dpop_error(&answer, "use_dpop_nonce", USE_NONCE, "another secret");
}

#[rocket::async_test]
async fn without_a_secret_nonces_are_per_process_and_a_warning_says_so() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = app(&ks, |config| config.dpop_nonce(true)).await;
    // The line the telemetry docs promise, word for word.
    let warnings = log_lines(
        "several instances behind one load balancer must share one secret (AUTH_DPOP_NONCE_SECRET)",
    );
    assert!(
        warnings.iter().any(|line| line.starts_with("WARN ")),
        "{warnings:?}"
    );
    let client = Client::new(&ks);
    let nonce = client.nonce_from(&app).await;
    let answer = client.call_with_nonce(&app, &nonce).await;
    assert_private(&answer, "per process");
}

#[rocket::async_test]
async fn an_unavailable_replay_store_is_503_with_retry_after() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let store = Arc::new(FailingStore::default());
    let shared: Arc<dyn ReplayStore> = store.clone();
    let app = app(&ks, |config| config.dpop_replay_store(shared)).await;
    let client = Client::new(&ks);
    let answer = client.call(&app, client.proof().build()).await;
    assert_body(
        &answer,
        503,
        "replay_store_unavailable",
        "The DPoP replay store cannot be reached right now; please retry later",
        "failing store",
    );
    assert!(answer.retry_after.is_some(), "{answer:?}");
    assert!(answer.challenges.is_empty(), "{:?}", answer.challenges);
    assert_eq!(store.calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    // Bearer requests without cnf are unaffected.
    let plain = ks.token(&RSA_A).build();
    let answer = app.call_with(Route::Private, &plain).await;
    assert_eq!(answer.status.code, 200, "{answer:?}");
    assert_eq!(store.calls.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[rocket::async_test]
async fn a_full_memory_store_is_503_and_keeps_what_it_holds() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = app(&ks, |config| config.dpop_replay_capacity(1)).await;
    let client = Client::new(&ks);
    let first = client.proof().build();
    assert_private(&client.call(&app, first.clone()).await, "first");
    let answer = client.call(&app, client.proof().build()).await;
    assert_eq!(answer.status.code, 503, "{answer:?}");
    assert_eq!(answer.json()["code"], "replay_store_unavailable");
    assert!(answer.retry_after.is_some());
    assert_bad_proof(&client.call(&app, first).await, REPLAYED, "still recorded");
}

#[rocket::async_test]
async fn the_replay_store_sees_only_valid_tokens_with_otherwise_valid_proofs() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    // What the store holds tells which proofs reached it: each call records
    // its jti (an expired one too, until a later call forgets it).
    let store = Arc::new(MemoryReplayStore::new(1000));
    let shared: Arc<dyn ReplayStore> = store.clone();
    let app = app(&ks, |config| config.dpop_replay_store(shared)).await;
    let client = Client::new(&ks);
    let expired = ks
        .token(&RSA_A)
        .bound_to(&client.key)
        .expires_in(-120)
        .build();
    let answer = Call::get("/private")
        .dpop(&expired, proof(&client.key, "/private", &expired).build())
        .send(&app)
        .await;
    assert_eq!(answer.json()["code"], "token_expired");
    let answer = client
        .call(&app, client.proof().iat_offset(-1000).build())
        .await;
    assert_eq!(answer.json()["code"], "invalid_dpop_proof");
    let answer = app.call_with(Route::Private, &client.token).await;
    assert_eq!(answer.json()["code"], "invalid_token");
    assert_eq!(store.len(), 0, "no invalid request reached the store");
    assert_private(&client.call(&app, client.proof().build()).await, "valid");
    assert_eq!(store.len(), 1, "the valid proof is recorded");
}

#[rocket::async_test]
async fn two_apps_sharing_a_memory_store_refuse_each_others_replays() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let store: Arc<dyn ReplayStore> = Arc::new(MemoryReplayStore::new(1000));
    let a = app(&ks, |config| config.dpop_replay_store(store.clone())).await;
    let b = app(&ks, |config| config.dpop_replay_store(store.clone())).await;
    let alone = app(&ks, |config| config).await;
    let client = Client::new(&ks);
    let proof = client.proof().build();
    assert_private(&client.call(&a, proof.clone()).await, "a");
    assert_bad_proof(
        &client.call(&b, proof.clone()).await,
        REPLAYED,
        "replayed at b",
    );
    // An instance with a store of its own does not know it (hence the shared store).
    assert_private(&client.call(&alone, proof).await, "its own store");
}

#[rocket::async_test]
async fn two_apps_sharing_redis_refuse_each_others_replays() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let ks = KeyServer::start(&[&RSA_A]).await;
    let redis = |config: AuthConfigBuilder| config.dpop_replay_redis(server.url());
    let (a, b) = (app(&ks, redis).await, app(&ks, redis).await);
    let client = Client::new(&ks);
    let proof = client.proof().build();
    assert_private(&client.call(&a, proof.clone()).await, "a");
    assert_bad_proof(&client.call(&b, proof).await, REPLAYED, "replayed at b");
    assert_private(
        &client.call(&b, client.proof().build()).await,
        "a fresh proof at b",
    );
    // The server goes away: proofs are refused with the 503, never accepted unchecked.
    drop(server);
    let answer = client.call(&a, client.proof().build()).await;
    assert_eq!(answer.status.code, 503, "{answer:?}");
    assert_eq!(answer.json()["code"], "replay_store_unavailable");
    assert!(answer.retry_after.is_some());
}

/// The nonces the fairing hands out, in a `use_dpop_nonce` challenge and on
/// a 200, are stamped with the router's clock: on a manual clock far from
/// the system's, each holds until exactly the end of its window and is
/// refused one second later.
#[rocket::async_test]
async fn the_nonces_handed_out_follow_the_routers_clock() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let manual = ManualClock::new();
    let window = Duration::from_secs(60);
    let clock = manual.clock();
    let app = app(&ks, |c| {
        with_nonces(c).dpop_nonce_window(window).clock(clock)
    })
    .await;
    let client = Client::new(&ks);
    let at_the_clock = |nonce: &str| client.proof().iat(manual.unix()).nonce(nonce).build();
    // Far from the system's time: a nonce stamped with it would be refused.
    manual.advance(Duration::from_secs(1000));
    let answer = client
        .call(&app, client.proof().iat(manual.unix()).build())
        .await;
    assert_dpop_error(&answer, "use_dpop_nonce", USE_NONCE, "no nonce");
    let challenged = answer.dpop_nonce.expect("a nonce in the challenge");
    let answer = client.call(&app, at_the_clock(&challenged)).await;
    assert_private(&answer, "the challenge's nonce, at once");
    let given = answer.dpop_nonce.expect("the next nonce on the 200");
    manual.advance(window);
    for nonce in [&challenged, &given] {
        assert_private(
            &client.call(&app, at_the_clock(nonce)).await,
            "at the end of its window",
        );
    }
    manual.advance(Duration::from_secs(1));
    for nonce in [&challenged, &given] {
        let answer = client.call(&app, at_the_clock(nonce)).await;
        assert_dpop_error(&answer, "use_dpop_nonce", USE_NONCE, "one second past it");
    }
}
