//! Discovery documents: where they are, and what one found there says.
//!
//! OpenID Connect Discovery 1.0 section 4: the document is at the issuer
//! with `/.well-known/openid-configuration` appended. RFC 8414 section 3:
//! `/.well-known/oauth-authorization-server` is inserted between the host
//! and the issuer's path. Both: the document's `issuer` must be identical to
//! the issuer it was asked for (OIDC section 4.3, RFC 8414 section 3.3).

use reqwest::Url;

use crate::config::check_network_url;
use crate::config::http::{oauth_metadata_url, openid_configuration_url};

/// The discovery documents of `issuer`, in the order they are tried:
/// OpenID Connect, then RFC 8414.
pub(super) fn document_urls(issuer: &Url) -> [(Kind, Url); 2] {
    [
        (Kind::OpenId, openid_configuration_url(issuer)),
        (Kind::OAuth, oauth_metadata_url(issuer)),
    ]
}

/// Which kind of discovery document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// OpenID Connect Discovery.
    OpenId,
    /// RFC 8414 authorization server metadata.
    OAuth,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::OpenId => "OpenID Connect discovery document",
            Kind::OAuth => "RFC 8414 metadata",
        })
    }
}

/// What a document found at a discovery URL says.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Not a discovery document (not a JSON object naming an `issuer` or a
    /// `jwks_uri`): try the next place.
    NotADocument,
    /// A document for this issuer that announces no key set: try the next
    /// place.
    NoKeySet,
    /// A document for this issuer: its key set is here.
    KeysAt(Url),
    /// A document for another issuer (or for none): an answer, not an
    /// absence. No key is taken from it and nothing else is tried.
    OtherIssuer(String),
    /// A document for this issuer announcing a key set that must not be
    /// fetched (not https, nor http on loopback; or not a URL).
    Refused(String),
}

/// Judges a discovery document asked of `issuer` (exactly as configured).
pub(super) fn judge(body: &[u8], issuer: &str) -> Verdict {
    let Ok(serde_json::Value::Object(document)) = serde_json::from_slice(body) else {
        return Verdict::NotADocument;
    };
    let named = document.get("issuer");
    let jwks_uri = document.get("jwks_uri");
    if named.is_none() && jwks_uri.is_none() {
        return Verdict::NotADocument;
    }
    match named.and_then(|named| named.as_str()) {
        Some(named) if named == issuer => {}
        Some(named) => return Verdict::OtherIssuer(shorten(named)),
        None => return Verdict::OtherIssuer("no issuer".to_owned()),
    }
    let Some(jwks_uri) = jwks_uri else {
        return Verdict::NoKeySet;
    };
    let Some(text) = jwks_uri.as_str() else {
        return Verdict::Refused("a jwks_uri that is not a string".to_owned());
    };
    match Url::parse(text) {
        Ok(url) if check_network_url(&url).is_ok() => Verdict::KeysAt(url),
        _ => Verdict::Refused(shorten(text)),
    }
}

/// A remote value for a log line: quoted, escaped and at most 200 characters.
fn shorten(value: &str) -> String {
    let cut: String = value.chars().take(200).collect();
    format!("{cut:?}")
}

#[cfg(test)]
mod tests {
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
}
