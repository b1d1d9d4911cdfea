use super::*;

fn resource(
    build: impl FnOnce(crate::config::AuthConfigBuilder) -> crate::config::AuthConfigBuilder,
) -> ProtectedResource {
    let config = build(AuthConfig::builder("https://i/", "https://quickstarts/api"))
        .build()
        .unwrap();
    ProtectedResource::new(&[config])
}

#[test]
fn without_a_public_url_the_request_gives_the_origin() {
    let r = resource(|b| b);
    assert_eq!(
        r.request_url("http", Some("API.example.com:80"), "/a/b")
            .as_deref(),
        Some("http://api.example.com/a/b")
    );
    assert_eq!(
        r.resource("https", Some("api.example.com:8443")).as_deref(),
        Some("https://api.example.com:8443")
    );
    assert_eq!(
        r.metadata_url("http", Some("127.0.0.1:8000")).as_deref(),
        Some("http://127.0.0.1:8000/.well-known/oauth-protected-resource")
    );
    assert_eq!(r.metadata_path(), METADATA_PATH);
}

#[test]
fn a_host_that_cannot_form_a_url_gives_none() {
    let r = resource(|b| b);
    for bad in [
        "",
        "a b",
        "evil.com/path",
        "u@h",
        "h?x",
        "h#f",
        "ex\u{e9}.com",
        "[::1",
    ] {
        assert_eq!(r.request_url("http", Some(bad), "/"), None, "{bad:?}");
        assert_eq!(r.metadata_url("http", Some(bad)), None, "{bad:?}");
    }
    assert_eq!(r.request_url("http", None, "/"), None);
}

#[test]
fn a_public_url_wins_over_the_request() {
    let r = resource(|b| b.public_url("https://api.example.com/svc/"));
    assert_eq!(
        r.request_url("http", Some("internal:8000"), "/a")
            .as_deref(),
        Some("https://api.example.com/svc/a")
    );
    assert_eq!(
        r.resource("http", None).as_deref(),
        Some("https://api.example.com/svc")
    );
    assert_eq!(
        r.metadata_path(),
        "/.well-known/oauth-protected-resource/svc"
    );
    assert_eq!(
        r.metadata_url("http", Some("bad host")).as_deref(),
        Some("https://api.example.com/.well-known/oauth-protected-resource/svc")
    );
}

#[test]
fn the_document_follows_the_mode_and_the_scopes() {
    let r = resource(|b| b.scopes_supported(["read:messages"]));
    assert_eq!(
        r.document("https://r"),
        json!({
            "resource": "https://r",
            "authorization_servers": ["https://i/"],
            "bearer_methods_supported": ["header"],
            "scopes_supported": ["read:messages"],
            "dpop_signing_alg_values_supported": ["ES256", "ES384", "PS256", "RS256", "EdDSA"],
        })
    );
    let required = resource(|b| b.dpop(DpopMode::Required)).document("https://r");
    assert_eq!(required["dpop_bound_access_tokens_required"], true);
    assert!(required.get("scopes_supported").is_none());
    let disabled = resource(|b| b.dpop(DpopMode::Disabled)).document("https://r");
    assert!(disabled.get("dpop_signing_alg_values_supported").is_none());
    assert!(disabled.get("dpop_bound_access_tokens_required").is_none());
}

#[test]
fn the_document_says_certificate_bound_tokens_when_a_source_is_configured() {
    const BOUND: &str = "tls_client_certificate_bound_access_tokens";
    let plain = resource(|b| b);
    assert!(plain.document_with("https://r", false).get(BOUND).is_none());
    // The server's own mutual TLS (the framework layer says so)...
    assert_eq!(plain.document_with("https://r", true)[BOUND], true);
    // ... or a configured header.
    let header = resource(|b| b.client_cert_header("Client-Cert"));
    assert_eq!(header.document("https://r")[BOUND], true);
    assert_eq!(header.document_with("https://r", true)[BOUND], true);
}

#[test]
fn the_settings_read_back_as_configured() {
    assert!(resource(|b| b.resource_metadata(true)).metadata_enabled());
    assert!(!resource(|b| b.resource_metadata(false)).metadata_enabled());
    assert_eq!(resource(|b| b).public_url(), None);
    assert_eq!(
        resource(|b| b.public_url("https://API.example.com/svc/")).public_url(),
        Some("https://api.example.com/svc")
    );
}

/// The URLs of a resource behind a proxy with a path prefix (once the
/// module's doc example).
#[test]
fn request_and_metadata_urls_follow_the_public_url_and_its_prefix() {
    let config = AuthConfig::builder("https://example.eu.auth0.com/", "https://quickstarts/api")
        .public_url("https://api.example.com/orders")
        .resource_metadata(true)
        .build()
        .unwrap();
    let resource = ProtectedResource::new(&[config]);
    assert_eq!(
        resource
            .request_url("http", Some("10.0.0.7:8000"), "/v1/list")
            .as_deref(),
        Some("https://api.example.com/orders/v1/list"),
    );
    assert_eq!(
        resource.metadata_path(),
        "/.well-known/oauth-protected-resource/orders"
    );
    assert_eq!(
        resource.metadata_url("http", None).as_deref(),
        Some("https://api.example.com/.well-known/oauth-protected-resource/orders"),
    );
}
