use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

const LIMIT: usize = 64 * 1024;

#[test]
fn rfc_8414_comes_before_openid_connect() {
    let issuer = Url::parse("https://as.example/tenant/").unwrap();
    let [oauth, openid] = document_urls(&issuer);
    assert_eq!(
        oauth.as_str(),
        "https://as.example/.well-known/oauth-authorization-server/tenant"
    );
    assert_eq!(
        openid.as_str(),
        "https://as.example/tenant/.well-known/openid-configuration"
    );
}

/// Serves `document` as JSON at the path `at` of `server`.
async fn mount(server: &MockServer, at: &str, document: serde_json::Value) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_json(document))
        .mount(server)
        .await;
}

/// A server and the issuer at its root.
async fn issuer_server() -> (MockServer, String) {
    let server = MockServer::start().await;
    let issuer = format!("{}/", server.uri());
    (server, issuer)
}

async fn discover(issuer: &str) -> Result<String, String> {
    discover_endpoint(issuer, None, Duration::from_secs(2), LIMIT).await
}

#[tokio::test]
async fn the_endpoint_comes_from_rfc_8414_metadata_then_openid_connect() {
    let (server, issuer) = issuer_server().await;
    // Each step serves one more document, the earlier ones still served.
    for (document, endpoint, step) in [
        (
            "/.well-known/openid-configuration",
            "/oauth2/introspect",
            "OpenID Connect alone",
        ),
        (
            "/.well-known/oauth-authorization-server",
            "/rfc8414/introspect",
            "RFC 8414 first",
        ),
    ] {
        let endpoint = format!("{}{endpoint}", server.uri());
        let metadata = json!({ "issuer": issuer, "introspection_endpoint": endpoint });
        mount(&server, document, metadata).await;
        assert_eq!(
            discover(&issuer).await.as_deref(),
            Ok(endpoint.as_str()),
            "{step}"
        );
    }
}

#[tokio::test]
async fn a_document_for_another_issuer_or_an_http_endpoint_gives_nothing() {
    let (server, issuer) = issuer_server().await;
    mount(
        &server,
        "/.well-known/openid-configuration",
        json!({ "issuer": "https://evil.example/", "introspection_endpoint": "https://evil.example/i" }),
    )
    .await;
    let error = discover(&issuer).await.unwrap_err();
    assert!(error.contains("another issuer"), "{error}");

    let (server, issuer) = issuer_server().await;
    mount(
        &server,
        "/.well-known/oauth-authorization-server",
        json!({ "issuer": issuer, "introspection_endpoint": "http://as.example/introspect" }),
    )
    .await;
    let error = discover(&issuer).await.unwrap_err();
    assert!(error.contains("is not an https URL"), "{error}");
}

/// `discover_endpoints` fills in only the configurations that ask and
/// name no endpoint, and an issuer without one is an error naming it.
#[tokio::test]
async fn only_the_configurations_that_ask_take_the_discovered_endpoint() {
    use crate::config::{AuthConfig, ConfigError};
    use crate::introspection::{discover_endpoints, IntrospectionSettings, Introspector};

    let (server, issuer) = issuer_server().await;
    let endpoint = format!("{}/oauth2/introspect", server.uri());
    let metadata = json!({ "issuer": issuer, "introspection_endpoint": endpoint });
    mount(&server, "/.well-known/openid-configuration", metadata).await;
    let config = |issuer: &str, discovery: bool, url: Option<&str>| {
        let builder = AuthConfig::builder(issuer, "a").introspection_discovery(discovery);
        match url {
            Some(url) => builder.introspection_url(url),
            None => builder,
        }
        .build()
        .unwrap()
    };
    let own = "http://127.0.0.1:9/own";
    let mut configs = [
        config(&issuer, true, None),
        config(&issuer, true, Some(own)),
        config(&issuer, false, None),
    ];
    discover_endpoints(&mut configs).await.unwrap();
    let urls: Vec<_> = configs
        .iter()
        .map(|c| c.tuning.introspection_url.as_deref())
        .collect();
    assert_eq!(urls, [Some(endpoint.as_str()), Some(own), None]);
    let settings = IntrospectionSettings::from_config(&configs[0], vec![], vec![]).unwrap();
    assert_eq!(Introspector::new(settings).unwrap().endpoint(), endpoint);

    let (_empty, bare) = issuer_server().await;
    let mut configs = [config(&bare, true, None)];
    match discover_endpoints(&mut configs).await {
        Err(ConfigError::IntrospectionDiscovery { issuer, reason }) => {
            assert_eq!(issuer, bare);
            assert!(reason.contains("HTTP 404"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn no_documents_say_why() {
    let (_server, issuer) = issuer_server().await;
    let error = discover(&issuer).await.unwrap_err();
    assert!(error.contains("HTTP 404"), "{error}");
}

/// A server whose metadata is served only to requests carrying the
/// application's header, and a configuration that discovers from it with
/// the application's client (or the crate's own).
async fn header_guarded_issuer(
    with_users_client: bool,
) -> (MockServer, String, crate::config::AuthConfig) {
    use wiremock::matchers::header;
    let (server, issuer) = issuer_server().await;
    let endpoint = format!("{}/oauth2/introspect", server.uri());
    Mock::given(method("GET"))
        .and(path("/.well-known/openid-configuration"))
        .and(header("x-application", "ours"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "issuer": issuer, "introspection_endpoint": endpoint })),
        )
        .mount(&server)
        .await;
    let mut builder =
        crate::config::AuthConfig::builder(&issuer, "a").introspection_discovery(true);
    if with_users_client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "x-application",
            reqwest::header::HeaderValue::from_static("ours"),
        );
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .unwrap();
        builder = builder.http_client(client);
    }
    (server, endpoint, builder.build().unwrap())
}

#[tokio::test]
async fn discovery_uses_the_applications_http_client() {
    use crate::introspection::discover_endpoints;
    let (_server, endpoint, config) = header_guarded_issuer(true).await;
    let mut configs = [config];
    discover_endpoints(&mut configs).await.unwrap();
    assert_eq!(
        configs[0].tuning.introspection_url.as_deref(),
        Some(endpoint.as_str())
    );
    // The guard holds: without the application's client, nothing is found.
    let (_server, _, config) = header_guarded_issuer(false).await;
    assert!(discover_endpoints(&mut [config]).await.is_err());
}

#[tokio::test]
async fn with_the_applications_client_a_redirected_document_is_refused() {
    let (server, issuer) = issuer_server().await;
    let endpoint = format!("{}/oauth2/introspect", server.uri());
    for document in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        Mock::given(method("GET"))
            .and(path(document))
            .respond_with(
                ResponseTemplate::new(302)
                    .insert_header("Location", format!("{}/elsewhere", server.uri())),
            )
            .mount(&server)
            .await;
    }
    mount(
        &server,
        "/elsewhere",
        json!({ "issuer": issuer, "introspection_endpoint": endpoint }),
    )
    .await;
    let users = reqwest::Client::new();
    let error = discover_endpoint(&issuer, Some(&users), Duration::from_secs(2), LIMIT)
        .await
        .unwrap_err();
    assert!(error.contains("followed a redirect"), "{error}");
    assert!(!error.contains("/elsewhere"), "{error}");
}
