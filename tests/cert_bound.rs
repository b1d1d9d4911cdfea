//! Certificate-bound tokens (RFC 8705) through HTTP: the contract's rows for
//! a token whose `cnf` carries `x5t#S256`, with the certificate in the
//! configured RFC 9440 `Client-Cert` header; and the metadata's
//! `tls_client_certificate_bound_access_tokens`.

use auth_runtime::config::AuthConfigBuilder;
use auth_runtime::testing::ClientCert;
use auth_tests::*;
use rocket::http::{Header, Status};

const HEADER: &str = "Client-Cert";

async fn app(
    ks: &KeyServer,
    configure: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
) -> TestApp {
    TestApp::library(configure(ks.config())).await
}

/// Calls `route` with `Bearer <token>` and each of `certs` as a `Client-Cert` header.
async fn call(app: &TestApp, route: Route, token: &str, certs: &[&str]) -> Answer {
    let mut request = app.request(route);
    request.add_header(Header::new("Authorization", format!("Bearer {token}")));
    for cert in certs {
        request.add_header(Header::new(HEADER, (*cert).to_owned()));
    }
    Answer::from(request.dispatch().await).await
}

/// The library's app (reading [`HEADER`] if `read_header`),
/// the client's certificate, and a token bound to it.
struct Bound {
    app: TestApp,
    cert: ClientCert,
    token: String,
}

impl Bound {
    async fn start(read_header: bool) -> Bound {
        let ks = KeyServer::start(&[&RSA_A]).await;
        let app = match read_header {
            true => app(&ks, |c| c.client_cert_header(HEADER)).await,
            false => app(&ks, |c| c).await,
        };
        let cert = ClientCert::client();
        let token = ks
            .token(&RSA_A)
            .bound_to_certificate(&cert.thumbprint())
            .build();
        Bound { app, cert, token }
    }

    /// Calls `route` with the bound token and each of `certs`.
    async fn call(&self, route: Route, certs: &[&str]) -> Answer {
        call(&self.app, route, &self.token, certs).await
    }

    /// Calls `/private` with the bound token and the certificate it is bound to.
    async fn present_the_certificate(&self) -> Answer {
        self.call(Route::Private, &[&self.cert.header_value()])
            .await
    }
}

fn assert_invalid_token(answer: &Answer, says: &str, context: &str) {
    assert_eq!(answer.status, Status::Unauthorized, "{context}: {answer:?}");
    let body = answer.json();
    assert_eq!(body["code"], "invalid_token", "{context}");
    let description = body["description"].as_str().unwrap_or_default();
    assert!(description.contains(says), "{context}: {description}");
    let challenge = answer.www_authenticate.as_deref().unwrap_or_default();
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{context}: {challenge}"
    );
}

#[rocket::async_test]
async fn a_bound_token_with_its_certificate_is_accepted() {
    let bound = Bound::start(true).await;
    let answer = bound.present_the_certificate().await;
    assert_eq!(answer.status, Status::Ok, "{answer:?}");
}

#[rocket::async_test]
async fn a_bound_token_without_a_certificate_or_with_another_is_invalid_token() {
    let bound = Bound::start(true).await;
    let none = bound.call(Route::Private, &[]).await;
    assert_invalid_token(&none, "none was presented", "no certificate");
    let other = ClientCert::other().header_value();
    let other = bound.call(Route::Private, &[&other]).await;
    assert_invalid_token(
        &other,
        "different client certificate",
        "another certificate",
    );
    // On a scoped route, without the scope: still 401, never 403.
    let scoped = bound.call(Route::Scoped, &[]).await;
    assert_invalid_token(&scoped, "none was presented", "scoped route");
}

#[rocket::async_test]
async fn garbage_oversized_or_repeated_certificate_headers_do_not_parse() {
    let bound = Bound::start(true).await;
    let right = bound.cert.header_value();
    let huge = format!(":{}:", "A".repeat(64 * 1024));
    let cases: [(&str, Vec<&str>); 5] = [
        ("garbage", vec!["garbage"]),
        ("not base64", vec![":*not base64*:"]),
        ("not a certificate", vec![":aGVsbG8=:"]),
        ("oversized", vec![huge.as_str()]),
        ("repeated", vec![right.as_str(), right.as_str()]),
    ];
    for (context, certs) in cases {
        let answer = bound.call(Route::Private, &certs).await;
        assert_invalid_token(&answer, "does not parse", context);
    }
}

#[rocket::async_test]
async fn a_token_without_cnf_ignores_the_header() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = app(&ks, |c| c.client_cert_header(HEADER)).await;
    let token = ks.token(&RSA_A).build();
    for certs in [vec![], vec!["garbage"], vec!["a", "b"]] {
        let answer = call(&app, Route::Private, &token, &certs).await;
        assert_eq!(answer.status, Status::Ok, "{certs:?}: {answer:?}");
    }
}

#[rocket::async_test]
async fn the_header_is_not_read_unless_configured() {
    let bound = Bound::start(false).await;
    let answer = bound.present_the_certificate().await;
    assert_invalid_token(&answer, "none was presented", "header not configured");
}

#[rocket::async_test]
async fn the_metadata_says_certificate_bound_tokens_when_the_header_is_configured() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    for (configured, expected) in [(true, Some(true)), (false, None)] {
        let app = app(&ks, |c| {
            let c = c.resource_metadata(true);
            if configured {
                c.client_cert_header(HEADER)
            } else {
                c
            }
        })
        .await;
        let request = app
            .get("/.well-known/oauth-protected-resource")
            .header(Header::new("Host", "api.test"));
        let answer = Answer::from(request.dispatch().await).await;
        assert_eq!(answer.status, Status::Ok, "{answer:?}");
        let document = answer.json();
        assert_eq!(
            document
                .get("tls_client_certificate_bound_access_tokens")
                .and_then(serde_json::Value::as_bool),
            expected,
            "{document}"
        );
    }
}
