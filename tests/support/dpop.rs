//! DPoP (RFC 9449) and protected-resource metadata (RFC 9728) helpers:
//! requests with proofs to a [`TestApp`], the contract's DPoP answers,
//! a replay store that fails, and a Redis server on loopback.

use std::sync::atomic::{AtomicUsize, Ordering};

use auth_runtime::dpop::{ReplayKey, ReplayStore, StoreFuture, StoreUnavailable};
use auth_runtime::testing::{DpopKey, ProofBuilder};
use rocket::http::{ContentType, Header, Method, Status};
use serde_json::json;

use auth_runtime::config::AuthConfigBuilder;

use crate::{Answer, KeyServer, TestApp, RSA_A};

/// The host the tests' DPoP requests are addressed to (their `Host` header).
pub const HOST: &str = "api.test";
/// The `algs` of every `DPoP` challenge, with the default algorithms.
pub const ALGS: &str = "ES256 ES384 PS256 RS256 EdDSA";

/// The URL of `path` on [`HOST`], as a proof's `htu` names it.
pub fn url(path: &str) -> String {
    format!("http://{HOST}{path}")
}

/// A valid proof of `key` for GET `path` on [`HOST`], for `token`.
pub fn proof(key: &DpopKey, path: &str, token: &str) -> ProofBuilder {
    key.proof("GET", &url(path)).access_token(token)
}

/// A key server, the library's app, a client key, and a token bound to it.
pub struct Setup {
    pub ks: KeyServer,
    pub app: TestApp,
    pub key: DpopKey,
    pub token: String,
}

impl Setup {
    /// With the key server's configuration.
    pub async fn start() -> Setup {
        Setup::with(|config| config).await
    }

    /// With the key server's configuration as `configure` changes it.
    pub async fn with(configure: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder) -> Setup {
        let ks = KeyServer::start(&[&RSA_A]).await;
        let app = TestApp::library(configure(ks.config())).await;
        let key = DpopKey::generate();
        let token = ks.token(&RSA_A).bound_to(&key).build();
        Setup {
            ks,
            app,
            key,
            token,
        }
    }

    /// GET `/private` with the bound token and `proof`.
    pub async fn private(&self, proof: String) -> Answer {
        Call::get("/private")
            .dpop(&self.token, proof)
            .send(&self.app)
            .await
    }

    /// Sends `proof` as [`private`](Self::private) does and asserts 401
    /// `invalid_dpop_proof` with `description`; returns the answer.
    pub async fn assert_refused(
        &self,
        proof: &ProofBuilder,
        description: &str,
        context: &str,
    ) -> Answer {
        let answer = self.private(proof.build()).await;
        assert_bad_proof(&answer, description, context);
        answer
    }

    /// A valid proof of the client key for GET `/private`.
    pub fn proof(&self) -> ProofBuilder {
        proof(&self.key, "/private", &self.token)
    }

    /// A proof of the client key for GET `htu`, for the bound token.
    pub fn proof_at(&self, htu: &str) -> ProofBuilder {
        self.key.proof("GET", htu).access_token(&self.token)
    }
}

/// One request: method, path, headers.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    pub method: Method,
    pub path: &'a str,
    pub host: Option<&'a str>,
    pub authorization: Option<String>,
    pub proofs: Vec<String>,
}

impl<'a> Call<'a> {
    /// GET `path` with `Host: api.test` and no credentials.
    pub fn get(path: &'a str) -> Call<'a> {
        Call {
            method: Method::Get,
            path,
            host: Some(HOST),
            authorization: None,
            proofs: Vec::new(),
        }
    }

    /// `Authorization: DPoP <token>` with one proof.
    pub fn dpop(self, token: &str, proof: impl Into<String>) -> Call<'a> {
        self.scheme("DPoP", token).proof(proof)
    }

    /// `Authorization: <scheme> <token>`.
    pub fn scheme(mut self, scheme: &str, token: &str) -> Call<'a> {
        self.authorization = Some(format!("{scheme} {token}"));
        self
    }

    /// One more `DPoP` header.
    pub fn proof(mut self, proof: impl Into<String>) -> Call<'a> {
        self.proofs.push(proof.into());
        self
    }

    /// Another `Host` header (`None`: none).
    pub fn host(mut self, host: Option<&'a str>) -> Call<'a> {
        self.host = host;
        self
    }

    /// Sends it to `app`.
    pub async fn send(self, app: &TestApp) -> Answer {
        let mut request = app.req(self.method, self.path.to_owned());
        if let Some(host) = self.host {
            request.add_header(Header::new("Host", host.to_owned()));
        }
        if let Some(authorization) = self.authorization {
            request.add_header(Header::new("Authorization", authorization));
        }
        for proof in self.proofs {
            request.add_header(Header::new("DPoP", proof));
        }
        Answer::from(request.dispatch().await).await
    }
}

/// Asserts the contract's JSON body and status.
#[track_caller]
pub fn assert_body(answer: &Answer, status: u16, code: &str, description: &str, context: &str) {
    assert_eq!(answer.status.code, status, "{context}: {answer:?}");
    assert_eq!(answer.content_type, Some(ContentType::JSON), "{context}");
    assert_eq!(
        answer.json(),
        json!({ "code": code, "description": description }),
        "{context}"
    );
}

/// Asserts 401 `code` with `description` and one `DPoP` challenge naming
/// them and `algs` (RFC 9449 section 7.1): the answer to a request that
/// used the `DPoP` scheme.
#[track_caller]
pub fn assert_dpop_error(answer: &Answer, code: &str, description: &str, context: &str) {
    let [challenge] = assert_challenged(answer, code, description, context);
    let error = if code == "token_expired" || code.starts_with("invalid_header") {
        "invalid_token"
    } else {
        code
    };
    let start =
        format!(r#"DPoP error="{error}", error_description="{description}", algs="{ALGS}""#);
    assert!(challenge.starts_with(&start), "{context}: {challenge}");
}

/// Asserts 401 `invalid_dpop_proof` with `description`.
#[track_caller]
pub fn assert_bad_proof(answer: &Answer, description: &str, context: &str) {
    assert_dpop_error(answer, "invalid_dpop_proof", description, context);
}

/// Asserts the answer of a request that used `Bearer` where DPoP is also
/// accepted: 401 `code` with `description`, the `Bearer` challenge first
/// (with `error`), then a bare `DPoP` one.
#[track_caller]
pub fn assert_bearer_error(answer: &Answer, code: &str, description: &str, context: &str) {
    let [bearer, dpop] = assert_challenged(answer, code, description, context);
    let start =
        format!(r#"Bearer realm="api", error="invalid_token", error_description="{description}""#);
    let all = &answer.challenges;
    assert!(bearer.starts_with(&start), "{context}: {all:?}");
    assert!(
        dpop.starts_with(&format!(r#"DPoP algs="{ALGS}""#)),
        "{context}: {all:?}"
    );
}

/// Asserts 401 `code` with `description` and `N` challenges; returns them.
#[track_caller]
pub fn assert_challenged<'a, const N: usize>(
    answer: &'a Answer,
    code: &str,
    description: &str,
    context: &str,
) -> &'a [String; N] {
    assert_body(answer, 401, code, description, context);
    let challenges = answer.challenges.as_slice().try_into();
    challenges.unwrap_or_else(|_| panic!("{context}: not {N} challenges: {:?}", answer.challenges))
}

/// Asserts a 200 of the library app's `/private` for `sub`.
#[track_caller]
pub fn assert_private(answer: &Answer, context: &str) {
    assert_eq!(answer.status, Status::Ok, "{context}: {answer:?}");
    assert_eq!(answer.json()["message"], "private", "{context}");
}

/// A replay store that cannot record anything (an unreachable server).
#[derive(Debug, Default)]
pub struct FailingStore {
    pub calls: AtomicUsize,
}

impl ReplayStore for FailingStore {
    fn check_and_record<'a>(&'a self, _: &'a ReplayKey, _: u64, _: u64) -> StoreFuture<'a> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(std::future::ready(Err(StoreUnavailable)))
    }
}

/// A `redis-server` on a free loopback port, stopped when dropped; `None`
/// (with a message) where none is installed, unless
/// `AUTH_REDIS_TESTS_REQUIRED` is set, which makes that a failure.
pub struct RedisServer {
    child: std::process::Child,
    port: u16,
}

impl RedisServer {
    pub fn start() -> Option<RedisServer> {
        use std::process::{Command, Stdio};
        let installed = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !installed {
            assert!(
                std::env::var_os("AUTH_REDIS_TESTS_REQUIRED").is_none(),
                "AUTH_REDIS_TESTS_REQUIRED is set but redis-server is not on PATH"
            );
            eprintln!("SKIPPED: redis-server is not installed (apt-get install redis-server)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .expect("a free port");
        Some(RedisServer::on(port))
    }

    /// A server on `port`, once it accepts connections.
    fn on(port: u16) -> RedisServer {
        use std::process::{Command, Stdio};
        let server = RedisServer {
            child: Command::new("redis-server")
                .args([
                    "--port",
                    &port.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .stdout(Stdio::null())
                .spawn()
                .expect("redis-server starts"),
            port,
        };
        // Wait until it accepts connections: an event in another process,
        // which only polling can see (a pause of 20 ms between polls), with
        // a deadline generous for a loaded machine.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not listen on {port}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        server
    }

    /// Stops the server (an outage), until [`restart`](Self::restart).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same port, empty.
    pub fn restart(&mut self) {
        self.stop();
        *self = RedisServer::on(self.port);
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
