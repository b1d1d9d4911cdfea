//! Fixture keys, the paths and issuers they are served at, and the key-set
//! server the tests fetch from.

use super::*;

pub const AUDIENCE: &str = "https://quickstarts/api";
/// Where discovery looks, in this order, then for the key set itself.
pub const OPENID: &str = "/.well-known/openid-configuration";
pub const OAUTH: &str = "/.well-known/oauth-authorization-server";
pub const WELL_KNOWN_JWKS: &str = "/.well-known/jwks.json";
/// The issuer of configurations whose keys need no network.
pub const STATIC_ISSUER: &str = "https://issuer.example/";
/// The `sub` of the tokens of [`KeyServer::token`].
pub const SUB: &str = "user-1";

/// The PEM of the RSA key `rsa-a` (for other algorithms on the same key).
pub const RSA_A_PEM: &[u8] = include_bytes!("../fixtures/rsa_a.pem");
pub const RSA_A_PUBLIC_PEM: &[u8] = include_bytes!("../fixtures/rsa_a.pub.pem");

/// The fixture key `kid` for `alg`, from `pem`.
fn fixture_key(kid: &str, alg: Algorithm, pem: &[u8]) -> Arc<SigningKey> {
    Arc::new(SigningKey::from_pem(kid, alg, pem).expect("a fixture key"))
}

/// The RSA key `rsa-a` (RS256), the issuer's usual signing key.
pub static RSA_A: LazyLock<Arc<SigningKey>> =
    LazyLock::new(|| fixture_key("rsa-a", Algorithm::RS256, RSA_A_PEM));
/// The RSA key `rsa-b` (RS256): another key of the issuer, or an attacker's.
pub static RSA_B: LazyLock<Arc<SigningKey>> = LazyLock::new(|| {
    fixture_key(
        "rsa-b",
        Algorithm::RS256,
        include_bytes!("../fixtures/rsa_b.pem"),
    )
});
/// The P-256 key `ec-1` (ES256).
pub static EC: LazyLock<Arc<SigningKey>> = LazyLock::new(|| {
    fixture_key(
        "ec-1",
        Algorithm::ES256,
        include_bytes!("../fixtures/ec_p256.pem"),
    )
});

/// A `200` answer carrying `keys` as a key set.
pub fn key_set_response(keys: &[&SigningKey]) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(key_set(keys.iter().copied()))
}

/// The library's key-set server ([`KeySetServer`]: keys at [`JWKS_PATH`],
/// fetches counted, [`await_fetches`](KeySetServer::await_fetches)), with
/// what the integration tests add: other paths (discovery, redirects),
/// requests counted by path, and the configurations and tokens of this
/// package's apps. Every method of [`KeySetServer`] is at hand through
/// `Deref`.
pub struct KeyServer {
    keys: KeySetServer,
}

impl Deref for KeyServer {
    type Target = KeySetServer;

    fn deref(&self) -> &KeySetServer {
        &self.keys
    }
}

impl KeyServer {
    /// Serves `keys` at [`JWKS_PATH`].
    pub async fn start(keys: &[&SigningKey]) -> KeyServer {
        KeyServer {
            keys: KeySetServer::start(keys).await,
        }
    }

    /// Answers every request to [`JWKS_PATH`] with `response`.
    pub async fn answering(response: ResponseTemplate) -> KeyServer {
        let ks = KeyServer::empty().await;
        ks.respond(response).await;
        ks
    }

    /// Serves nothing yet (every path answers 404).
    pub async fn empty() -> KeyServer {
        KeyServer {
            keys: KeySetServer::empty().await,
        }
    }

    /// Also answers GET `at` with `response`.
    pub async fn serve_at(&self, at: &str, response: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(response)
            .mount(self.server())
            .await;
    }

    /// Also answers GET `at` with `body`, as JSON.
    pub async fn serve_json(&self, at: &str, body: Value) {
        self.serve_at(at, ResponseTemplate::new(200).set_body_json(body))
            .await;
    }

    /// Also redirects GET `from` to `to` (302).
    pub async fn redirect(&self, from: &str, to: &str) {
        let response = ResponseTemplate::new(302).insert_header("Location", to);
        self.serve_at(from, response).await;
    }

    /// The discovery document of this issuer, announcing `jwks_uri`.
    pub fn discovery(&self, jwks_uri: &str) -> Value {
        json!({ "issuer": self.issuer(), "jwks_uri": jwks_uri })
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server().uri())
    }

    /// `http://0.0.0.0:<port><at>`: this server by an address that is not
    /// loopback, so an HTTP URL the HTTPS rule must refuse; yet on Linux a
    /// connection to it reaches this server, so a broken refusal shows as
    /// a request.
    pub fn off_loopback(&self, at: &str) -> String {
        format!("http://0.0.0.0:{}{at}", self.server().address().port())
    }

    /// Asserts that no request reached the key-set path; `why` says why
    /// none should have.
    pub async fn assert_not_fetched(&self, why: &str) {
        assert_eq!(self.fetches().await, 0, "{why}");
    }

    /// How many requests reached `path`.
    pub async fn requests_to(&self, path: &str) -> usize {
        self.count_requests(|at| at == path).await
    }

    /// How many requests reached each of `paths`.
    pub async fn requests_to_each<const N: usize>(&self, paths: [&str; N]) -> [usize; N] {
        let mut counts = [0; N];
        for (count, path) in counts.iter_mut().zip(paths) {
            *count = self.requests_to(path).await;
        }
        counts
    }

    /// How many requests reached a path starting with `prefix`.
    pub async fn requests_under(&self, prefix: &str) -> usize {
        self.count_requests(|at| at.starts_with(prefix)).await
    }

    async fn count_requests(&self, path_fits: impl Fn(&str) -> bool) -> usize {
        let requests = self.server().received_requests().await;
        let requests = requests.unwrap_or_default();
        requests
            .iter()
            .filter(|request| path_fits(request.url.path()))
            .count()
    }

    /// A configuration for this server: explicit key-set URI, no retry
    /// delay after a failure (tests step through failures quickly).
    pub fn config(&self) -> AuthConfigBuilder {
        self.keys
            .config(AUDIENCE)
            .fetch_timeout(Duration::from_secs(2))
    }

    /// A configuration that discovers this issuer's keys (no key-set URI),
    /// with no retry delay after a failure.
    pub fn config_discovering(&self) -> AuthConfigBuilder {
        AuthConfig::builder(self.issuer(), AUDIENCE).retry_interval(Duration::ZERO)
    }

    /// [`config`](Self::config) with the shortest refresh cooldown (1 ms;
    /// zero is refused): each unknown `kid`, and each request that finds
    /// the set stale, may refresh it.
    pub fn config_short_cooldown(&self) -> AuthConfigBuilder {
        self.config().refresh_cooldown(Duration::from_millis(1))
    }

    /// [`config_short_cooldown`](Self::config_short_cooldown) whose key set
    /// goes stale `ttl` after each fetch: every request after that wants a
    /// refresh.
    pub fn config_stale_after(&self, ttl: Duration) -> AuthConfigBuilder {
        self.config_short_cooldown().jwks_ttl(ttl)
    }

    /// The status a new library app with `config` gives `/private` with a
    /// token of this server (signed by [`RSA_A`]).
    pub async fn status_with(&self, config: AuthConfigBuilder) -> Status {
        let app = TestApp::library(config).await;
        status(&app, "/private", &self.token(&RSA_A).build()).await
    }

    /// The library's test app with [`config`](Self::config).
    pub async fn app(&self) -> TestApp {
        TestApp::library(self.config()).await
    }

    /// A token from this issuer, for [`AUDIENCE`], about [`SUB`], signed by `key`.
    pub fn token(&self, key: &Arc<SigningKey>) -> TokenBuilder {
        token_from(&self.issuer(), key)
    }

    /// [`token`](Self::token) with both scopes of the protected routes.
    pub fn granted(&self, key: &Arc<SigningKey>) -> TokenBuilder {
        self.token(key).scope(GRANTED)
    }
}

/// Waits until `test` holds, polling every 5 ms: for an event a test
/// cannot await (a background fetch ending, a status changing); fails the
/// test after 10 s, a deadline no loaded machine reaches.
pub async fn eventually(what: &str, mut test: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !test() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never happened: {what}"
        );
        // The pause between polls, not a wait for time to pass: the event
        // (a background task's end) has no future a test could await.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The audience of the staging issuer of [`TwoIssuers`].
pub const STAGING_AUDIENCE: &str = "https://staging/api";

/// Two issuers behind one library app, each with its key server:
/// `production` (signing with [`RSA_A`], for [`AUDIENCE`]) and `staging`
/// (signing with [`EC`], for [`STAGING_AUDIENCE`]).
pub struct TwoIssuers {
    /// The first issuer's key server ([`KeyServer::config`]).
    pub production: KeyServer,
    /// The second issuer's key server.
    pub staging: KeyServer,
    /// The library's test app, configured for both.
    pub app: TestApp,
}

impl TwoIssuers {
    /// Starts both key servers and the app.
    pub async fn start() -> TwoIssuers {
        let production = KeyServer::start(&[&RSA_A]).await;
        let staging = KeyServer::start(&[&EC]).await;
        let staging_config = AuthConfig::builder(staging.issuer(), STAGING_AUDIENCE)
            .jwks_uri(staging.jwks_uri())
            .build()
            .unwrap();
        let auth = Auth::issuers([production.config().build().unwrap(), staging_config]);
        let app = TestApp::with_auth(AppKind::Library, auth).await;
        TwoIssuers {
            production,
            staging,
            app,
        }
    }

    /// The key-set fetches of (production, staging).
    pub async fn fetches(&self) -> (usize, usize) {
        (
            self.production.fetches().await,
            self.staging.fetches().await,
        )
    }
}

/// A token from `issuer`, for [`AUDIENCE`], about [`SUB`], signed by `key`.
pub fn token_from(issuer: &str, key: &Arc<SigningKey>) -> TokenBuilder {
    TokenBuilder::new(key.clone())
        .issuer(issuer)
        .audience(AUDIENCE)
        .sub(SUB)
}

/// The scopes every protected route of both apps is satisfied with.
pub const GRANTED: &str = "read:messages write:messages";

/// A row of the attack catalogue: the attack, its source, and the token
/// carrying it.
pub fn row(attack: &str, source: &str, token: String, expect: Expect) -> Row {
    Row::bearer(format!("{attack} ({source})"), token, expect)
}

/// `payload` signed by `key` under `header`, whatever they hold.
pub fn signed(key: &SigningKey, header: jsonwebtoken::Header, payload: &Value) -> String {
    key.sign(&header, payload).expect("signing a test token")
}

/// The header `key` signs with by default: its `alg` and `kid`.
pub fn header_of(key: &SigningKey) -> jsonwebtoken::Header {
    jsonwebtoken::Header {
        kid: Some(key.kid().to_owned()),
        ..jsonwebtoken::Header::new(key.alg())
    }
}

/// A library app whose key set goes stale `ttl` after each fetch, on a
/// manual clock, with its key server and a token of [`RSA_A`] from it.
pub async fn stale_app(
    ttl: Duration,
) -> (
    KeyServer,
    auth_runtime::testing::ManualClock,
    TestApp,
    String,
) {
    let (ks, clock) = (
        KeyServer::start(&[&RSA_A]).await,
        auth_runtime::testing::ManualClock::new(),
    );
    let app = TestApp::library(ks.config_stale_after(ttl).clock(clock.clock())).await;
    let token = ks.token(&RSA_A).build();
    (ks, clock, app, token)
}
