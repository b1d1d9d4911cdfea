//! Certificate-bound tokens (RFC 8705) on Rocket's own mutual TLS (the
//! `mtls` feature of auth-runtime), over real TLS on loopback: the library's
//! test app is served with `tls.mutual` (the fixture CA, `mandatory =
//! false`, so that a request without a certificate still reaches the
//! guard), and called with reqwest presenting the fixture client
//! certificates. The certificate Rocket's TLS listener verified is the
//! source where no `Client-Cert` header is configured; a configured header
//! is the only source (a proxy terminates TLS), as the contract says.
//!
//! Fixtures: `fixtures/mtls/make.sh`.

use auth_runtime::config::AuthConfigBuilder;
use auth_runtime::Auth;
use auth_tests::*;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rocket::config::{MutualTls, TlsConfig};
use serde_json::Value;

const CA: &str = include_str!("fixtures/mtls/ca.pem");
const SERVER_CERT: &str = include_str!("fixtures/mtls/server.pem");
const SERVER_KEY: &str = include_str!("fixtures/mtls/server.key.pem");
const CLIENT_CERT: &str = include_str!("fixtures/mtls/client.pem");
const CLIENT_IDENTITY: &str = include_str!("fixtures/mtls/client.identity.pem");
const OTHER_CERT: &str = include_str!("fixtures/mtls/other-client.pem");
const OTHER_IDENTITY: &str = include_str!("fixtures/mtls/other-client.identity.pem");
/// The client certificate's thumbprint as openssl computed it (make.sh).
const CLIENT_X5T_BY_OPENSSL: &str = include_str!("fixtures/mtls/client.x5t");

const HEADER: &str = "Client-Cert";

/// The DER of the one certificate in `pem`.
fn der_of(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    STANDARD.decode(body).expect("a PEM certificate")
}

/// The thumbprint the client certificate's tokens are bound to: openssl's,
/// so that a bound token accepted with the certificate shows that the
/// crate's thumbprint (base64url SHA-256 of the DER) agrees with openssl's.
fn client_x5t() -> String {
    CLIENT_X5T_BY_OPENSSL.trim().to_owned()
}

/// The `Client-Cert` header value (RFC 9440) of the PEM certificate `pem`.
fn header_value(pem: &str) -> String {
    format!(":{}:", STANDARD.encode(der_of(pem)))
}

/// The library's test app, configured by `configure`, served over TLS with
/// mutual TLS (optional client certificates) on 127.0.0.1; its port and
/// the handle that stops it.
async fn serve_mtls(
    ks: &KeyServer,
    configure: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
) -> (u16, rocket::Shutdown) {
    let mutual = MutualTls::from_bytes(CA.as_bytes()).mandatory(false);
    let tls =
        TlsConfig::from_bytes(SERVER_CERT.as_bytes(), SERVER_KEY.as_bytes()).with_mutual(mutual);
    let config = rocket::Config {
        address: std::net::Ipv4Addr::LOCALHOST.into(),
        port: 0,
        tls: Some(tls),
        ..rocket_config()
    };
    let auth = Auth::new(
        configure(ks.config())
            .build()
            .expect("a valid configuration"),
    );
    let rocket = AppKind::Library.build(rocket::custom(config), auth);
    let launched = launch(rocket).await;
    (launched.port, launched.shutdown)
}

/// A client that trusts only the fixture CA and presents `identity` (a
/// key and certificate, PEM), if any.
fn client(identity: Option<&str>) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(CA.as_bytes()).expect("the CA parses");
    let mut builder = reqwest::Client::builder().no_proxy().tls_certs_only([ca]);
    if let Some(pem) = identity {
        builder =
            builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).expect("an identity"));
    }
    builder.build().expect("a client")
}

/// What the app answered.
#[derive(Debug)]
struct Reply {
    status: u16,
    challenge: Option<String>,
    body: Value,
}

/// GET `/private` over TLS with `Bearer <token>` and, if given, a
/// `Client-Cert` header.
async fn call(
    client: &reqwest::Client,
    port: u16,
    token: &str,
    cert_header: Option<&str>,
) -> Reply {
    let mut request = client
        .get(format!("https://127.0.0.1:{port}/private"))
        .bearer_auth(token);
    if let Some(value) = cert_header {
        request = request.header(HEADER, value);
    }
    let response = request.send().await.expect("the TLS request completes");
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        challenge,
        body,
    }
}

fn assert_ok(reply: &Reply, context: &str) {
    assert_eq!(reply.status, 200, "{context}: {reply:?}");
}

/// The contract's refusal of a certificate-bound token: 401, `invalid_token`
/// in the body and the challenge, a description saying `says`.
fn assert_invalid_token(reply: &Reply, says: &str, context: &str) {
    assert_eq!(reply.status, 401, "{context}: {reply:?}");
    assert_eq!(reply.body["code"], "invalid_token", "{context}: {reply:?}");
    let description = reply.body["description"].as_str().unwrap_or_default();
    assert!(description.contains(says), "{context}: {description}");
    let challenge = reply.challenge.as_deref().unwrap_or_default();
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{context}: {challenge}"
    );
}

/// One call: the client's identity (PEM), the token, the `Client-Cert`
/// header, and the words of the expected 401 (`None`: a 200).
type Case<'a> = (
    Option<&'a str>,
    &'a String,
    Option<&'a str>,
    Option<&'a str>,
);

/// Calls the app on `port` once per case and checks each answer: 200, or
/// 401 `invalid_token` saying the refusal's words.
async fn check<const N: usize>(port: u16, cases: [Case<'_>; N]) {
    for (identity, token, header, refusal) in cases {
        let tls = match identity {
            Some(CLIENT_IDENTITY) => "the right one",
            Some(_) => "another",
            None => "none",
        };
        let context = format!(
            "TLS certificate: {tls}, header {:.20}, token {:.12}",
            header.unwrap_or("none"),
            token.rsplit('.').next().unwrap_or_default()
        );
        let reply = call(&client(identity), port, token, header).await;
        match refusal {
            None => assert_ok(&reply, &context),
            Some(says) => assert_invalid_token(&reply, says, &context),
        }
    }
}

#[rocket::async_test]
async fn a_bound_token_is_accepted_only_with_its_tls_client_certificate() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let (port, shutdown) = serve_mtls(&ks, |c| c).await;
    let bound = ks.token(&RSA_A).bound_to_certificate(&client_x5t()).build();
    let unbound = ks.token(&RSA_A).build();
    // Only the TLS connection carries the certificate here (no header is
    // configured): a 200 for the bound token is the mtls code path at work.
    // A token without cnf does not care; the right certificate in a header
    // that is not configured is not read.
    let header = header_value(CLIENT_CERT);
    check(
        port,
        [
            (Some(CLIENT_IDENTITY), &bound, None, None),
            (
                Some(OTHER_IDENTITY),
                &bound,
                None,
                Some("different client certificate"),
            ),
            (None, &bound, None, Some("none was presented")),
            (Some(CLIENT_IDENTITY), &unbound, None, None),
            (None, &unbound, None, None),
            (
                None,
                &bound,
                Some(header.as_str()),
                Some("none was presented"),
            ),
        ],
    )
    .await;
    shutdown.notify();
}

#[rocket::async_test]
async fn a_configured_header_is_the_source_whatever_the_connection_holds() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let (port, shutdown) = serve_mtls(&ks, |c| c.client_cert_header(HEADER)).await;
    let bound = ks.token(&RSA_A).bound_to_certificate(&client_x5t()).build();
    let right_header = header_value(CLIENT_CERT);
    let other_header = header_value(OTHER_CERT);

    // With the header configured, the connection's certificate (a proxy's
    // own, in a real deployment) is not read: the header decides.
    let cases = [
        (Some(OTHER_IDENTITY), Some(right_header.as_str()), None),
        (None, Some(right_header.as_str()), None),
        (
            Some(CLIENT_IDENTITY),
            Some(other_header.as_str()),
            Some("different client certificate"),
        ),
        (
            Some(CLIENT_IDENTITY),
            Some("garbage"),
            Some("certificate header does not parse"),
        ),
        (Some(CLIENT_IDENTITY), None, Some("none was presented")),
        (
            None,
            Some(other_header.as_str()),
            Some("different client certificate"),
        ),
    ];
    check(
        port,
        cases.map(|(identity, header, refusal)| (identity, &bound, header, refusal)),
    )
    .await;
    shutdown.notify();
}

#[rocket::async_test]
async fn the_metadata_says_certificate_bound_tokens_with_mutual_tls_alone() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let (port, shutdown) = serve_mtls(&ks, |c| c.resource_metadata(true)).await;
    let response = client(None)
        .get(format!(
            "https://127.0.0.1:{port}/.well-known/oauth-protected-resource"
        ))
        .send()
        .await
        .expect("the TLS request completes");
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.expect("a body");
    let document: Value = serde_json::from_str(&text).expect("a JSON document");
    assert_eq!(
        document["tls_client_certificate_bound_access_tokens"],
        Value::Bool(true),
        "{document}"
    );
    assert_eq!(
        document["resource"],
        format!("https://127.0.0.1:{port}"),
        "{document}"
    );
    shutdown.notify();
}
