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
mod tests;
