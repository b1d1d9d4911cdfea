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
