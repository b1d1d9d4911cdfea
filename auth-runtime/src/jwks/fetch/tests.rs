use super::*;

/// What the `warn` line of a failed fetch and the key set's status say.
#[test]
fn each_fetch_error_says_what_went_wrong() {
    let document = Url::parse("https://i.example/.well-known/openid-configuration").unwrap();
    for (error, text) in [
        (FetchError::Status(502), "answered HTTP 502".to_owned()),
        (
            FetchError::TooLarge,
            "response larger than the size limit".to_owned(),
        ),
        (FetchError::Timeout, "timed out".to_owned()),
        (
            FetchError::Insecure("http://evil.example/jwks.json".into()),
            format!("refused http://evil.example/jwks.json: keys come only from {HTTPS_RULE}"),
        ),
        (
            FetchError::Redirect("to http".into()),
            "redirect refused: to http".to_owned(),
        ),
        (
            FetchError::OtherIssuer {
                document,
                named: "https://evil.example/".into(),
            },
            "the discovery document at https://i.example/.well-known/openid-configuration \
             names issuer https://evil.example/, not the configured one; no key is taken \
             from it (OpenID Connect Discovery section 4.3)"
                .to_owned(),
        ),
    ] {
        assert_eq!(error.to_string(), text);
    }
}

/// A fetch from a closed port says why in the OS's words, not only
/// "error sending request": the whole cause chain reaches the log line.
#[tokio::test]
async fn a_refused_connection_says_so() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let client = crate::config::http::client(std::time::Duration::from_secs(5)).unwrap();
    let error = client
        .get(format!("http://127.0.0.1:{port}/jwks.json?secret=q"))
        .send()
        .await
        .unwrap_err();
    let said = match request_error(error) {
        FetchError::Http(said) => said,
        other => panic!("{other:?}"),
    };
    assert!(said.to_lowercase().contains("refused"), "{said}");
    assert!(!said.contains("secret=q"), "no query string: {said}");
    assert!(said.starts_with("error sending request"), "{said}");
}
