//! Plain requests, ignition failures, real HTTP on loopback, captured logs and challenges.

use super::*;

/// GET `path` with an optional `Authorization` header value.
pub async fn get(client: &Client, path: &str, authorization: Option<&str>) -> Answer {
    let mut request = client.get(path.to_owned());
    if let Some(value) = authorization {
        request.add_header(Header::new("Authorization", value.to_owned()));
    }
    Answer::from(request.dispatch().await).await
}

/// GET `path` with `Bearer <token>`.
pub async fn get_with(client: &Client, path: &str, token: &str) -> Answer {
    get(client, path, Some(&format!("Bearer {token}"))).await
}

/// The status of GET `path` with `Bearer <token>`.
pub async fn status(client: &Client, path: &str, token: &str) -> Status {
    get_with(client, path, token).await.status
}

/// The statuses of `times` GETs of `path` with `Bearer <token>`, one after
/// another.
pub async fn statuses(client: &Client, path: &str, token: &str, times: usize) -> Vec<Status> {
    let mut statuses = Vec::with_capacity(times);
    for _ in 0..times {
        statuses.push(status(client, path, token).await);
    }
    statuses
}

/// The error `rocket` fails to ignite with.
pub async fn ignition_error(rocket: Rocket<Build>) -> rocket::Error {
    match Client::tracked(rocket).await {
        Ok(_) => panic!("the app ignited"),
        Err(error) => error,
    }
}

/// Asserts that `rocket` does not ignite because a fairing failed (the
/// authentication fairing, with a configuration it refuses).
pub async fn assert_a_fairing_fails(rocket: Rocket<Build>, why: &str) {
    let error = ignition_error(rocket).await;
    assert!(
        matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(_)),
        "{why}: {error:?}"
    );
}

/// Asserts that `rocket` does not launch because a sentinel aborted it
/// (a guard whose fairing is missing).
pub async fn assert_a_sentinel_aborts(rocket: Rocket<Build>, why: &str) {
    let error = ignition_error(rocket).await;
    assert!(
        matches!(error.kind(), rocket::error::ErrorKind::SentinelAborts(_)),
        "{why}: {error:?}"
    );
}

/// A Rocket launched in the background, listening.
pub struct Launched {
    /// The port it bound: the one its configuration names, or the free
    /// port the system chose for port 0.
    pub port: u16,
    /// The handle that stops it.
    pub shutdown: rocket::Shutdown,
    /// The launch task, which ends when the server stops.
    pub server: tokio::task::JoinHandle<Result<Rocket<rocket::Ignite>, rocket::Error>>,
}

/// Launches `rocket` in the background and waits until it listens; panics
/// if it does not ignite or stops before liftoff.
pub async fn launch(rocket: Rocket<Build>) -> Launched {
    let (port_tx, port_rx) = tokio::sync::oneshot::channel::<u16>();
    let report_port = AdHoc::on_liftoff("report port", move |rocket| {
        let _ = port_tx.send(rocket.config().port);
        Box::pin(async {})
    });
    let rocket = rocket.attach(report_port).ignite().await;
    let rocket = rocket.expect("the test app ignites");
    let shutdown = rocket.shutdown();
    let server = tokio::spawn(rocket.launch());
    match port_rx.await {
        Ok(port) => Launched {
            port,
            shutdown,
            server,
        },
        // Launch ended before liftoff (dropping the sender): say why.
        Err(_) => panic!("the test app did not launch: {:?}", server.await),
    }
}

/// Launches `rocket` on 127.0.0.1 on a free port, for tests that need real
/// HTTP; returns the port and the handle that stops it.
pub async fn serve(rocket: Rocket<Build>) -> (u16, rocket::Shutdown) {
    let config = rocket::Config {
        address: std::net::Ipv4Addr::LOCALHOST.into(),
        port: 0,
        ..rocket_config()
    };
    let launched = launch(rocket.configure(config)).await;
    (launched.port, launched.shutdown)
}

/// Every line the runtime logged, as "LEVEL message".
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

/// Installs the process's logger: it keeps the runtime's lines for
/// [`log_lines`]. [`rocket_config`] calls it.
pub fn capture_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        log::set_logger(&Capture).expect("the test's logger is the first");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// The lines the runtime logged so far that contain `needle` ("" for all).
pub fn log_lines(needle: &str) -> Vec<String> {
    let lines = LINES.lock().unwrap();
    lines
        .iter()
        .filter(|line| line.contains(needle))
        .cloned()
        .collect()
}

/// Checks an RFC 6750 challenge: `Bearer` then `name="quoted-string"`
/// pairs separated by `, `, with `\` escaping and no raw control characters.
/// Returns the pairs, unescaped.
pub fn parse_challenge(value: &str) -> Result<Vec<(String, String)>, String> {
    let rest = value.strip_prefix("Bearer ").ok_or("no Bearer scheme")?;
    let mut pairs = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        let name: String =
            std::iter::from_fn(|| chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_'))
                .collect();
        if name.is_empty() || chars.next() != Some('=') || chars.next() != Some('"') {
            return Err(format!("bad attribute start in {value:?}"));
        }
        let mut text = String::new();
        loop {
            match chars.next().ok_or("unterminated quoted-string")? {
                '"' => break,
                '\\' => text.push(chars.next().ok_or("dangling escape")?),
                c if c.is_control() => return Err("control character".into()),
                c => text.push(c),
            }
        }
        pairs.push((name, text));
        match (chars.next(), chars.next()) {
            (None, _) => return Ok(pairs),
            (Some(','), Some(' ')) => continue,
            _ => return Err(format!("bad separator in {value:?}")),
        }
    }
}
