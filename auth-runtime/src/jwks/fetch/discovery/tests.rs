use super::*;
use crate::config::http::well_known_jwks_url;

#[test]
fn log_lines_name_the_document_and_quote_remote_values_shortly() {
    assert_eq!(
        Kind::OpenId.to_string(),
        "OpenID Connect discovery document"
    );
    assert_eq!(Kind::OAuth.to_string(), "RFC 8414 metadata");
    assert_eq!(shorten("a\"b\n"), r#""a\"b\n""#);
    let long = shorten(&"x".repeat(500));
    assert_eq!(long, format!("{:?}", "x".repeat(200)));
}

fn urls(issuer: &str) -> Vec<String> {
    let issuer = Url::parse(issuer).unwrap();
    let mut all: Vec<String> = document_urls(&issuer)
        .into_iter()
        .map(|(_, url)| url.to_string())
        .collect();
    all.push(well_known_jwks_url(&issuer).to_string());
    all
}

#[test]
fn well_known_urls_follow_each_spec() {
    assert_eq!(
        urls("https://example.com/"),
        [
            "https://example.com/.well-known/openid-configuration",
            "https://example.com/.well-known/oauth-authorization-server",
            "https://example.com/.well-known/jwks.json",
        ]
    );
    // OIDC appends; RFC 8414 inserts before the path, without its final "/".
    for issuer in [
        "https://example.com/tenant/1",
        "https://example.com/tenant/1/",
    ] {
        assert_eq!(
            urls(issuer),
            [
                "https://example.com/tenant/1/.well-known/openid-configuration",
                "https://example.com/.well-known/oauth-authorization-server/tenant/1",
                "https://example.com/tenant/1/.well-known/jwks.json",
            ]
        );
    }
    assert_eq!(
        urls("http://127.0.0.1:8081")[1],
        "http://127.0.0.1:8081/.well-known/oauth-authorization-server"
    );
}

#[test]
fn a_document_is_trusted_only_for_the_exact_issuer() {
    let issuer = "https://id.example/";
    let doc = |body: serde_json::Value| judge(body.to_string().as_bytes(), issuer);
    assert_eq!(
        doc(serde_json::json!({ "issuer": issuer, "jwks_uri": "https://keys.example/k" })),
        Verdict::KeysAt(Url::parse("https://keys.example/k").unwrap())
    );
    for other in [
        "https://id.example",
        "https://ID.example/",
        "https://evil.example/",
    ] {
        assert!(matches!(
            doc(serde_json::json!({ "issuer": other, "jwks_uri": "https://id.example/k" })),
            Verdict::OtherIssuer(_)
        ));
    }
    assert!(matches!(
        doc(serde_json::json!({ "jwks_uri": "https://id.example/k" })),
        Verdict::OtherIssuer(_)
    ));
    assert!(matches!(
        doc(serde_json::json!({ "issuer": 7, "jwks_uri": "https://id.example/k" })),
        Verdict::OtherIssuer(_)
    ));
    for refused in [
        "http://id.example/k",
        "http://0.0.0.0/k",
        "file:///etc/jwks.json",
        "/relative",
    ] {
        assert!(matches!(
            doc(serde_json::json!({ "issuer": issuer, "jwks_uri": refused })),
            Verdict::Refused(_)
        ));
    }
    assert_eq!(
        doc(serde_json::json!({ "issuer": issuer })),
        Verdict::NoKeySet
    );
    assert_eq!(judge(b"<html>", issuer), Verdict::NotADocument);
    assert_eq!(
        doc(serde_json::json!({ "other": 1 })),
        Verdict::NotADocument
    );
    assert_eq!(doc(serde_json::json!([issuer])), Verdict::NotADocument);
}
