//! How keys travel: where the key set is found ([`JwksSource`]), and the rule
//! every URL that keys come from must follow — HTTPS, or HTTP only on a
//! loopback host — checked here for configured URLs, and by the fetcher for
//! discovered ones and for each redirect.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

use reqwest::Url;

use super::{Algorithm, AuthConfig, ConfigError};

/// Where the key set (JWKS) is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// Discovery from the issuer: its OpenID Connect configuration
    /// (`<issuer>/.well-known/openid-configuration`), else its RFC 8414
    /// metadata (`/.well-known/oauth-authorization-server` inserted between
    /// the issuer's host and path), else `<issuer>/.well-known/jwks.json`.
    ///
    /// A document is trusted only when its `issuer` is exactly the configured
    /// issuer (OpenID Connect Discovery section 4.3). One that names another
    /// issuer, or announces a `jwks_uri` that is not HTTPS, is an answer, not
    /// an absence: no key is taken and nothing else is tried, so requests get
    /// the 503 until the issuer is fixed (and each try logs why, at `warn`).
    /// Discovery gets at most half of the fetch timeout, so that a hanging
    /// discovery endpoint leaves time for `jwks.json`.
    Discover,
    /// This URL, with no discovery: `https://...`, `http://...` on a loopback
    /// host (`127.0.0.0/8`, `::1`, `localhost`), or `file:///path/jwks.json`,
    /// read from the file with no network, and re-read whenever the cache
    /// refreshes (after the TTL, or for an unknown `kid`), so that a rotated
    /// file is picked up. A missing, unreadable or malformed file is an
    /// unreachable key set: 503 while nothing is cached.
    Uri(String),
    /// A key set (JWKS) document, as JSON text: no network at all. It must
    /// hold a usable key, which the [`Validator`](crate::validator::Validator)
    /// checks when it is made (at ignition under the fairing).
    Inline(String),
    /// One public key, bound to one algorithm: no network at all. It
    /// verifies every token signed with `algorithm`, whatever the token's
    /// `kid` (a JWK with a `kid` of its own only matches that `kid`).
    Key {
        /// The one algorithm the key verifies; it must be among the allowed
        /// algorithms.
        algorithm: Algorithm,
        /// The key.
        key: PublicKey,
    },
}

/// A single public key given in the configuration: see [`JwksSource::Key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// PEM text: `PUBLIC KEY` (SubjectPublicKeyInfo), or `RSA PUBLIC KEY`
    /// (PKCS#1) for RSA.
    Pem(String),
    /// One JWK, as JSON text.
    Jwk(String),
}

/// `url` as an error may show it: neither a password in its userinfo nor
/// its query or fragment is shown.
pub(crate) fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    // A query or fragment may hold a key (`?sig=...`): not shown either.
    let path = match path.find(['?', '#']) {
        Some(at) => format!("{}?<redacted>", path.get(..at).unwrap_or_default()),
        None => path.to_owned(),
    };
    match authority.rsplit_once('@') {
        Some((_, host)) if scheme.is_empty() => format!("<redacted>@{host}{path}"),
        Some((_, host)) => format!("{scheme}://<redacted>@{host}{path}"),
        None => format!(
            "{}{authority}{path}",
            if scheme.is_empty() {
                String::new()
            } else {
                format!("{scheme}://")
            }
        ),
    }
}

/// Names of the URL settings, as error messages give them.
pub(super) const ISSUER_SETTING: &str = "the issuer (issuer, AUTH_ISSUER)";
pub(super) const JWKS_URI_SETTING: &str = "the key set URL (jwks_uri, AUTH_JWKS_URI)";

/// What a network URL for keys must be (the end of "... must be ...").
pub(crate) const HTTPS_RULE: &str =
    "an https URL (http only for a loopback host: 127.0.0.0/8, ::1 or localhost)";
const HTTPS_OR_FILE_RULE: &str = "an https URL (http only for a loopback host: 127.0.0.0/8, \
     ::1 or localhost), or a file:///absolute/path URL";

/// Where a checked key-set URL points.
#[derive(Debug, Clone)]
pub(crate) enum KeyLocation {
    /// Fetched over the network.
    Net(Url),
    /// Read from a local file.
    File(PathBuf),
}

/// Whether `url`'s host is loopback: an address in `127.0.0.0/8`, `::1`, or
/// the name `localhost`. The host is the parsed one, so neither
/// `127.0.0.1.evil.example`, nor `localhost.evil.example`, nor the userinfo
/// of `http://127.0.0.1@evil.example/` passes for loopback.
pub(crate) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback());
    }
    // The URL parser writes every IPv4 form (`127.1`, `0x7f.1`) as a
    // dotted quad, so a host that does not parse here is a name.
    match host.parse::<Ipv4Addr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// Checks a URL that keys (or a discovery document) are fetched from:
/// `https`, or `http` on a loopback host. Nothing else (no `file:`, no
/// `ftp:`) is fetched over the network.
pub(crate) fn check_network_url(url: &Url) -> Result<(), &'static str> {
    match url.scheme() {
        "https" if url.host_str().is_some() => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        _ => Err(HTTPS_RULE),
    }
}

/// Parses and checks a configured key-set URL (`jwks_uri`), which may also
/// be a `file:` URL with an absolute path.
pub(crate) fn key_location(value: &str) -> Result<KeyLocation, &'static str> {
    let url = Url::parse(value).map_err(|_| HTTPS_OR_FILE_RULE)?;
    if url.scheme() == "file" {
        return url
            .to_file_path()
            .map(KeyLocation::File)
            .map_err(|()| HTTPS_OR_FILE_RULE);
    }
    check_network_url(&url)
        .map(|()| KeyLocation::Net(url))
        .map_err(|_| HTTPS_OR_FILE_RULE)
}

/// Parses and checks the issuer as a URL keys may be discovered from.
pub(crate) fn issuer_url(value: &str) -> Result<Url, &'static str> {
    let url = Url::parse(value).map_err(|_| HTTPS_RULE)?;
    check_network_url(&url).map(|()| url)
}

/// The checks of `build`: the issuer, and a configured key-set URL.
///
/// The issuer is held to the HTTPS rule whatever the key source, as the
/// contract words it: an `http` issuer on another host is a mistake even
/// where keys do not come from it.
pub(super) fn check_urls(config: &AuthConfig) -> Result<(), ConfigError> {
    let invalid = |setting, value: &str, reason| ConfigError::InvalidUrl {
        setting,
        value: without_userinfo(value),
        reason,
    };
    issuer_url(&config.issuer).map_err(|reason| invalid(ISSUER_SETTING, &config.issuer, reason))?;
    if let JwksSource::Uri(uri) = &config.jwks {
        key_location(uri).map_err(|reason| invalid(JWKS_URI_SETTING, uri, reason))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;

/// Redirects followed, at most, by the crate's own clients.
const MAX_REDIRECTS: usize = 3;

/// The crate's own redirect policy: at most [`MAX_REDIRECTS`] hops, each to
/// a URL keys may come from, and never from `https` down to `http`.
pub(crate) fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        match redirect_refusal(attempt.previous(), attempt.url()) {
            None => attempt.follow(),
            Some(why) => attempt.error(why),
        }
    })
}

/// [`redirect_policy`], and never to another origin than the URL asked
/// for: the introspection call's, whose body carries the token (and, with
/// `client_auth = form`, the API's secret), which a 307 or 308 would send
/// on to wherever it points.
pub(crate) fn same_origin_redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let elsewhere = attempt
            .previous()
            .first()
            .is_some_and(|asked| asked.origin() != attempt.url().origin());
        let refusal = if elsewhere {
            Some("a redirect to another host")
        } else {
            redirect_refusal(attempt.previous(), attempt.url())
        };
        match refusal {
            None => attempt.follow(),
            Some(why) => attempt.error(why),
        }
    })
}

/// Why a redirect to `next` is not followed, after the URLs `previous`
/// (the first one is the URL asked for).
fn redirect_refusal(previous: &[Url], next: &Url) -> Option<&'static str> {
    if previous.len() > MAX_REDIRECTS {
        return Some("more than 3 redirects");
    }
    if next.scheme() != "https" && previous.iter().any(|url| url.scheme() == "https") {
        return Some("a redirect from https to http");
    }
    check_network_url(next)
        .err()
        .map(|_| "a redirect to a URL that is not https (nor http on a loopback host)")
}

#[cfg(test)]
mod redirect_tests;
