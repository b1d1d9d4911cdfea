//! What the runtime logs: one line per rejection with its reason, key-set
//! fetches and failures; never the token.

use std::sync::{Mutex, OnceLock};

use auth_tests::*;
use rocket::http::Status;

/// Every record logged by the process, as "LEVEL target: message".
static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        if record.target().starts_with("auth_runtime") {
            let line = format!("{} {}", record.level(), record.args());
            LINES.lock().unwrap().push(line);
        }
    }

    fn flush(&self) {}
}

fn capture() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        log::set_logger(&Capture).expect("the test's logger is the first");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

fn lines_with(needle: &str) -> Vec<String> {
    LINES
        .lock()
        .unwrap()
        .iter()
        .filter(|line| line.contains(needle))
        .cloned()
        .collect()
}

#[rocket::async_test]
async fn rejections_and_fetches_are_logged_without_the_token() {
    capture();
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let expired = ks.token(&RSA_A).expires_in(-3600).build();
    let answer = get_with(&app, "/many-guards", &expired).await;
    assert_eq!(answer.status, Status::Unauthorized);
    let forged = ks.token(&RSA_B).kid(Some("rsa-a")).build();
    get_with(&app, "/private", &forged).await;

    let rejected = lines_with("rejected: 401");
    assert_eq!(
        rejected.len(),
        2,
        "one line per rejected request: {rejected:?}"
    );
    assert!(
        rejected[0].starts_with("DEBUG")
            && rejected[0].contains("GET /many-guards")
            && rejected[0].contains("token is expired")
    );
    assert!(
        rejected[1].contains("signature does not verify"),
        "{rejected:?}"
    );
    assert_eq!(lines_with("fetched the key set").len(), 1);

    let all = LINES.lock().unwrap().join("\n");
    for token in [&expired, &forged] {
        for part in token.split('.') {
            assert!(!all.contains(part), "a log line holds part of the token");
        }
    }
}

#[rocket::async_test]
async fn a_failed_fetch_is_a_warning() {
    capture();
    let ks = KeyServer::answering(wiremock::ResponseTemplate::new(500)).await;
    let app = ks.app().await;
    get_with(&app, "/private", &ks.token(&RSA_A).build()).await;
    let failed = lines_with("fetching the key set");
    assert!(
        failed
            .iter()
            .any(|line| line.starts_with("WARN") && line.contains("HTTP 500")),
        "{failed:?}"
    );
}
