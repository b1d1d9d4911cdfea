//! What the crate's own HTTP requests (key sets, discovery, introspection)
//! share: the client, a bounded read of an answer, and where an issuer's
//! well-known documents are.

use std::time::Duration;

use reqwest::Url;

use super::redirect_policy;

/// The crate's own client: `timeout` for the whole request and for the
/// connection, the crate's [`redirect_policy`], and its user agent.
pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    client_with(timeout, redirect_policy())
}

/// [`client`], following redirects only within the origin asked
/// ([`same_origin_redirect_policy`](super::transport::same_origin_redirect_policy)):
/// the introspection call's.
pub(crate) fn same_origin_client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    client_with(timeout, super::transport::same_origin_redirect_policy())
}

fn client_with(
    timeout: Duration,
    redirects: reqwest::redirect::Policy,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(redirects)
        .user_agent(concat!("auth-runtime/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Why [`read_bounded`] read no body.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The answer is (or says it is) larger than the limit.
    TooLarge,
    /// Reading the answer failed.
    Read(reqwest::Error),
}

/// Reads the body of `response`, at most `max` bytes: a larger answer is
/// refused by its `Content-Length` before any of it is read, or as soon as
/// what arrived passes the limit.
pub(crate) async fn read_bounded(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > max as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A failed request for a log line: the error and every cause under it
/// (connection refused, a DNS failure, a TLS error), `: `-separated, each
/// said once. The request's URL is not in it (`without_url`): the caller
/// names the host it asked, and a query string never reaches a log.
pub(crate) fn request_failure(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(&error);
    while let Some(error) = cause {
        let said = error.to_string();
        if !said.is_empty() && !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = error.source();
    }
    text
}

/// OpenID Connect Discovery 1.0 section 4: the issuer's path with
/// `/.well-known/openid-configuration` appended.
pub(crate) fn openid_configuration_url(issuer: &Url) -> Url {
    at_path(issuer, |path| {
        format!("{path}/.well-known/openid-configuration")
    })
}

/// RFC 8414 section 3: `/.well-known/oauth-authorization-server` inserted
/// between the host and the issuer's path.
pub(crate) fn oauth_metadata_url(issuer: &Url) -> Url {
    at_path(issuer, |path| {
        format!("/.well-known/oauth-authorization-server{path}")
    })
}

/// `<issuer>/.well-known/jwks.json`.
pub(crate) fn well_known_jwks_url(issuer: &Url) -> Url {
    at_path(issuer, |path| format!("{path}/.well-known/jwks.json"))
}

/// `issuer` without its query and fragment, at the path that `path` makes
/// of the issuer's own path (without its final `/`).
fn at_path(issuer: &Url, path: impl FnOnce(&str) -> String) -> Url {
    let mut url = issuer.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.set_path(&path(issuer.path().trim_end_matches('/')));
    url
}

#[cfg(test)]
mod read_tests;
