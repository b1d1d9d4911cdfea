//! The validator's checks before the claims (the size limit, RFC 9068's
//! `typ`) and what it tells operators (readiness, the key set's status,
//! warm-up), on HS256 tokens or an unreachable key set: no network.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::Algorithm;

use super::Validator;
use crate::config::{AuthConfig, AuthConfigBuilder, HmacSecret};
use crate::error::AuthError;
use crate::testing::{ClientCert, SigningKey, TestIssuer, TokenBuilder};

const ISSUER: &str = "https://issuer.example/";
const AUDIENCE: &str = "https://api.example/";
const SECRET: &[u8] = b"a shared secret of 32 bytes, ok!";

fn key() -> SigningKey {
    SigningKey::from_secret("k", Algorithm::HS256, SECRET).unwrap()
}

fn hmac(configure: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder) -> Validator {
    let builder = AuthConfig::builder(ISSUER, AUDIENCE).shared_secret(HmacSecret::raw(SECRET));
    Validator::new(configure(builder).build().unwrap()).unwrap()
}

fn token() -> String {
    TokenBuilder::new(Arc::new(key()))
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .build()
}

#[tokio::test]
async fn a_token_of_exactly_the_size_limit_passes_and_one_byte_more_does_not() {
    let token = token();
    let at_the_limit = hmac(|b| b.max_token_bytes(token.len()));
    assert!(at_the_limit.validate(&token).await.is_ok());
    let one_byte_short = hmac(|b| b.max_token_bytes(token.len() - 1));
    assert_eq!(
        one_byte_short.validate(&token).await.err(),
        Some(AuthError::Malformed("token larger than the size limit"))
    );
    let roomy = hmac(|b| b.max_token_bytes(token.len() + 1));
    assert!(roomy.validate(&token).await.is_ok());
}

#[tokio::test]
async fn the_strict_mode_takes_at_jwt_only_and_the_default_takes_both() {
    let exp = jsonwebtoken::get_current_timestamp() + 3600;
    let payload = format!(r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{exp}}}"#);
    let typed = |typ: &str| {
        key()
            .sign_raw(&format!(r#"{{"alg":"HS256","typ":"{typ}"}}"#), &payload)
            .unwrap()
    };
    let (access, plain) = (typed("at+jwt"), typed("JWT"));
    let strict = hmac(|b| b.require_access_token_type(true).token_cache_capacity(0));
    assert!(strict.validate(&access).await.is_ok());
    assert_eq!(
        strict.validate(&plain).await.err(),
        Some(AuthError::Malformed(
            "typ is not at+jwt (RFC 9068 strict mode)"
        ))
    );
    let lenient = hmac(|b| b.token_cache_capacity(0));
    assert!(lenient.validate(&access).await.is_ok());
    assert!(lenient.validate(&plain).await.is_ok());
}

#[tokio::test]
async fn a_shared_secret_is_ready_with_no_key_set() {
    let validator = hmac(|b| b);
    assert!(validator.is_ready());
    assert!(validator.key_set_status().is_none());
    assert_eq!(validator.warm_up().await, Ok(()));
    validator.keep_loading();
    assert_eq!(validator.jwks_fetch_attempts(), 0, "nothing to fetch");
}

// On tokio's paused time: the background retry's pause passes as soon as the
// runtime is idle. The retry interval is zero, so only the pause's
// one-second floor holds the retry back.
#[tokio::test(start_paused = true)]
async fn an_unreachable_key_set_is_not_ready_and_its_warm_up_fails() {
    // Port 9 on loopback (discard): nothing listens; refused at once.
    let validator = Validator::new(
        AuthConfig::builder("http://127.0.0.1:9/", AUDIENCE)
            .fetch_timeout(Duration::from_millis(50))
            .retry_interval(Duration::ZERO)
            .build()
            .unwrap(),
    )
    .unwrap();
    assert!(!validator.is_ready());
    assert_eq!(validator.jwks_fetch_attempts(), 0);
    assert_eq!(validator.warm_up().await, Err(AuthError::JwksUnavailable));
    assert_eq!(validator.jwks_fetch_attempts(), 1);
    let status = validator.key_set_status().expect("a key set's status");
    assert!(!status.ready);
    assert!(!validator.is_ready());
    // Keeps trying in the background: a second attempt comes by itself, a
    // second later (tokio's clock), not before.
    let paused_start = tokio::time::Instant::now();
    validator.keep_loading();
    tokio::time::sleep(Duration::from_millis(999)).await;
    assert_eq!(
        validator.jwks_fetch_attempts(),
        1,
        "retried before a second"
    );
    let waited = second_attempt_after(&validator, paused_start).await;
    assert!(
        (Duration::from_secs(1)..Duration::from_millis(1200)).contains(&waited),
        "{waited:?}"
    );
}

/// On tokio's paused time: how long after `since` the second fetch attempt
/// of `validator` was counted (an attempt counts once it ends).
pub(super) async fn second_attempt_after(
    validator: &Validator,
    since: tokio::time::Instant,
) -> Duration {
    while validator.jwks_fetch_attempts() < 2 {
        assert!(since.elapsed() < Duration::from_secs(10), "never retried");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    since.elapsed()
}

/// The router reads the client certificate from one source: the configured
/// header, else the connection's own (RFC 8705, the contract's order); a
/// header is never read where none is configured.
#[tokio::test]
async fn a_configured_certificate_header_is_the_only_certificate_source() {
    use super::{IssuerRouter, RequestParts};
    use crate::certbound::{thumbprint, CertBindingError, TlsClientCertificate};
    use base64::Engine;

    const CERT: &[u8] = include_bytes!("../../../tests/fixtures/client-cert.der");
    let bound = TokenBuilder::new(Arc::new(key()))
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .claim("cnf", serde_json::json!({ "x5t#S256": thumbprint(CERT) }))
        .build();
    let authorization = format!("Bearer {bound}");
    let header = format!(
        ":{}:",
        base64::engine::general_purpose::STANDARD.encode(CERT)
    );
    let on_tls = RequestParts::new("GET", None)
        .authorization(&authorization)
        .tls_client_certificate(TlsClientCertificate::Der(CERT));
    let in_header = RequestParts::new("GET", None)
        .authorization(&authorization)
        .client_cert(&header);
    let missing = Some(AuthError::InvalidToken(
        CertBindingError::Missing.description(),
    ));
    let router = |configure: fn(AuthConfigBuilder) -> AuthConfigBuilder| {
        let builder = AuthConfig::builder(ISSUER, AUDIENCE).shared_secret(HmacSecret::raw(SECRET));
        IssuerRouter::new([configure(builder).build().unwrap()]).unwrap()
    };

    // The header configured: the connection's certificate is the proxy's
    // and does not count; the header's does.
    let with_header = router(|b| b.client_cert_header("Client-Cert"));
    assert_eq!(with_header.client_cert_header(), Some("Client-Cert"));
    assert_eq!(with_header.authorize_request(&on_tls).await.err(), missing);
    assert!(with_header.authorize_request(&in_header).await.is_ok());

    // None configured: the connection's certificate is the source, and a
    // header any client could send is ignored.
    let without = router(|b| b);
    assert_eq!(without.client_cert_header(), None);
    assert!(without.authorize_request(&on_tls).await.is_ok());
    assert_eq!(without.authorize_request(&in_header).await.err(), missing);
}

/// The connection's certificate is read (in Rocket: parsed) only for a
/// token bound to one: a plain token on a mutual-TLS connection does no
/// certificate work, and a configured header is the only source.
#[tokio::test]
async fn the_tls_certificate_is_read_only_for_a_certificate_bound_token() {
    use super::{IssuerRouter, RequestParts};
    use crate::certbound::{thumbprint, TlsClientCertificate};
    use std::sync::atomic::{AtomicUsize, Ordering};

    const CERT: &[u8] = include_bytes!("../../../tests/fixtures/client-cert.der");
    let token = |cnf: Option<serde_json::Value>| {
        let token = TokenBuilder::new(Arc::new(key()))
            .issuer(ISSUER)
            .audience(AUDIENCE);
        match cnf {
            Some(cnf) => token.claim("cnf", cnf),
            None => token,
        }
        .build()
    };
    let router = |header: bool| {
        let builder = AuthConfig::builder(ISSUER, AUDIENCE).shared_secret(HmacSecret::raw(SECRET));
        let builder = if header {
            builder.client_cert_header("Client-Cert")
        } else {
            builder
        };
        IssuerRouter::new([builder.build().unwrap()]).unwrap()
    };
    /// Authorizes `token` as a `Bearer` token on a connection whose
    /// certificate is `CERT`, counting the certificate's reads.
    async fn authorize(
        router: &IssuerRouter,
        token: &str,
        reads: &AtomicUsize,
    ) -> Result<crate::claims::Claims, AuthError> {
        let authorization = format!("Bearer {token}");
        let parts = RequestParts::new("GET", None).authorization(&authorization);
        router
            .authorize_request_with(&parts, || async {
                reads.fetch_add(1, Ordering::Relaxed);
                TlsClientCertificate::Der(CERT)
            })
            .await
    }
    let reads = AtomicUsize::new(0);
    let (mtls, behind_proxy) = (router(false), router(true));
    let plain = token(None);
    let dpop_bound = token(Some(serde_json::json!({ "jkt": "abc" })));
    let cert_bound = token(Some(serde_json::json!({ "x5t#S256": thumbprint(CERT) })));

    assert!(authorize(&mtls, &plain, &reads).await.is_ok());
    assert_eq!(reads.load(Ordering::Relaxed), 0, "a plain token");
    let _ = authorize(&mtls, &dpop_bound, &reads).await;
    assert_eq!(reads.load(Ordering::Relaxed), 0, "a key-bound token");
    assert!(authorize(&mtls, &cert_bound, &reads).await.is_ok());
    assert_eq!(reads.load(Ordering::Relaxed), 1, "a certificate-bound one");
    assert!(authorize(&behind_proxy, &cert_bound, &reads).await.is_err());
    assert_eq!(reads.load(Ordering::Relaxed), 1, "the header is the source");
}

#[tokio::test]
async fn a_jwt_bound_with_the_token_builder_is_checked_like_an_introspected_one() {
    let issuer = TestIssuer::start("https://my/api").await.unwrap();
    let validator = Validator::new(issuer.config().build().unwrap()).unwrap();
    let cert = ClientCert::client();
    let bound = issuer
        .token()
        .bound_to_certificate(&cert.thumbprint())
        .build();
    let plain = issuer.token().build();
    let bound_claims = validator.validate(&bound).await.unwrap();
    let plain_claims = validator.validate(&plain).await.unwrap();
    let right = cert.header_value();
    assert_eq!(
        crate::certbound::check_binding(bound_claims.get("cnf"), [right.as_str()]),
        Ok(())
    );
    assert_eq!(
        crate::certbound::check_binding(bound_claims.get("cnf"), []),
        Err(crate::certbound::CertBindingError::Missing)
    );
    // A token without cnf ignores whatever the header holds.
    assert_eq!(
        crate::certbound::check_binding(plain_claims.get("cnf"), ["garbage", "twice"]),
        Ok(())
    );
}
