//! The endpoint's URL: which are refused, how logs name it, and where its
//! redirects may lead.

use super::*;

#[test]
fn the_endpoint_must_be_https_or_loopback_http() {
    let make = |url: &str| {
        Introspector::new(IntrospectionSettings::new(
            url,
            "id",
            ClientSecret::new("s"),
        ))
    };
    assert!(make("https://auth.example.com/oauth2/introspect").is_ok());
    assert!(make("http://127.0.0.1:8080/introspect").is_ok());
    for bad in [
        "http://auth.example.com/introspect",
        "file:///etc/passwd",
        "not a url",
        // Credentials in the URL would reach log lines: refused.
        "https://api:s3cret@auth.example.com/introspect",
        "https://api@auth.example.com/introspect",
    ] {
        let error = make(bad).unwrap_err();
        assert!(
            matches!(error, IntrospectionConfigError::Endpoint(_)),
            "{bad}"
        );
        assert!(error.to_string().contains("AUTH_INTROSPECTION_URL"));
    }
}

/// Log lines name the endpoint without its query string.
#[test]
fn log_lines_name_the_endpoint_without_its_query() {
    let url = Url::parse("https://auth.example.com/oauth2/introspect?key=k#frag").unwrap();
    assert_eq!(shown(&url), "https://auth.example.com/oauth2/introspect");
}

/// A redirect to another host is not followed: the call's body carries the
/// token, which a 307 would send on. The endpoint counts as unavailable.
#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed() {
    let endpoint = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("Location", format!("{}/introspect", elsewhere.uri())),
        )
        .mount(&endpoint)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(active(3600)))
        .mount(&elsewhere)
        .await;
    let introspector = Introspector::new(settings(&endpoint)).unwrap();
    let outcome = introspector.introspect("opaque-token").await;
    assert!(
        matches!(outcome, Err(IntrospectionError::Unavailable(_))),
        "{outcome:?}"
    );
    let reached = elsewhere.received_requests().await.unwrap_or_default();
    assert!(reached.is_empty(), "the token went to another host");
}
