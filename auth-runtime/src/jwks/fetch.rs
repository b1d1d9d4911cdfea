//! Getting a key set: over HTTPS (discovery, bounded reads, checked
//! redirects), from a file, or from the configuration itself.
//!
//! Keys travel over HTTPS only: every URL asked for (configured, discovered,
//! or redirected to) is `https`, or `http` on a loopback host; a redirect
//! never leads from `https` to `http`.

use std::path::PathBuf;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use reqwest::Url;

mod discovery;
mod local;

use super::parse::{parse_key_set, KeySet, SetError};
use crate::config::http::{self, read_bounded, BodyError};
use crate::config::{
    check_network_url, issuer_url, key_location, without_userinfo, AuthConfig, ConfigError,
    JwksSource, KeyLocation, HTTPS_RULE,
};
use discovery::Verdict;
use local::{fixed_set, read_key_file, ReadError};

/// Why a fetch failed; for logs.
#[derive(Debug)]
pub(super) enum FetchError {
    Http(String),
    Status(u16),
    TooLarge,
    Timeout,
    Set(SetError),
    /// A key-set file could not be read.
    File(String),
    /// A URL that keys must not come from (not HTTPS, nor HTTP on loopback).
    Insecure(String),
    /// A redirect that was not followed, and why.
    Redirect(String),
    /// A discovery document for another issuer.
    OtherIssuer {
        document: Url,
        named: String,
    },
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Http(e) => write!(f, "request failed: {e}"),
            FetchError::Status(s) => write!(f, "answered HTTP {s}"),
            FetchError::TooLarge => f.write_str("response larger than the size limit"),
            FetchError::Timeout => f.write_str("timed out"),
            FetchError::Set(error) => error.fmt(f),
            FetchError::File(e) => write!(f, "key-set file unreadable: {e}"),
            FetchError::Insecure(what) => {
                write!(f, "refused {what}: keys come only from {HTTPS_RULE}")
            }
            FetchError::Redirect(why) => write!(f, "redirect refused: {why}"),
            FetchError::OtherIssuer { document, named } => write!(
                f,
                "the discovery document at {document} names issuer {named}, not the configured \
                 one; no key is taken from it (OpenID Connect Discovery section 4.3)"
            ),
        }
    }
}

/// Where the key set comes from, parsed once.
#[derive(Debug)]
enum Source {
    /// Discovery from the issuer (its URL).
    Discover(Url),
    Net(Url),
    File(PathBuf),
    /// Given in the configuration: the same keys every time.
    Fixed(KeySet),
}

/// Gets one issuer's key set.
#[derive(Debug)]
pub(super) struct Fetcher {
    client: reqwest::Client,
    /// Whether `client` is the user's, whose redirects cannot be checked
    /// hop by hop.
    users_client: bool,
    pub(super) issuer: String,
    source: Source,
    algorithms: Vec<Algorithm>,
    max_bytes: usize,
    /// The time all discovery documents together may take.
    discovery_budget: Duration,
}

impl Fetcher {
    pub(super) fn new(config: &AuthConfig) -> Result<Fetcher, ConfigError> {
        let timeout = config.tuning.fetch_timeout;
        let (client, users_client) = match &config.http_client {
            Some(client) => (client.clone(), true),
            None => (
                http::client(timeout)
                    .map_err(|e| ConfigError::HttpClient(std::sync::Arc::new(e)))?,
                false,
            ),
        };
        let invalid = |setting, value: &str, reason| ConfigError::InvalidUrl {
            setting,
            value: without_userinfo(value),
            reason,
        };
        let source = match fixed_set(&config.jwks, &config.tuning.algorithms)? {
            Some(set) => Source::Fixed(set),
            None => match &config.jwks {
                JwksSource::Uri(uri) => match key_location(uri) {
                    Ok(KeyLocation::Net(url)) => Source::Net(url),
                    Ok(KeyLocation::File(path)) => Source::File(path),
                    Err(reason) => return Err(invalid("the key set URL", uri, reason)),
                },
                _ => Source::Discover(
                    issuer_url(&config.issuer)
                        .map_err(|reason| invalid("the issuer", &config.issuer, reason))?,
                ),
            },
        };
        Ok(Fetcher {
            client,
            users_client,
            issuer: config.issuer.clone(),
            source,
            algorithms: config.tuning.algorithms.clone(),
            max_bytes: config.tuning.max_jwks_bytes,
            discovery_budget: timeout / 2,
        })
    }

    /// Gets and parses the set; `discovered` remembers the `jwks_uri`
    /// that discovery found, so that it runs until it succeeds once.
    pub(super) async fn fetch_set(
        &self,
        discovered: &mut Option<String>,
    ) -> Result<KeySet, FetchError> {
        let body = match &self.source {
            Source::Fixed(set) => return Ok(set.renewed()),
            Source::File(path) => {
                read_key_file(path, self.max_bytes)
                    .await
                    .map_err(|error| match error {
                        ReadError::TooLarge => FetchError::TooLarge,
                        ReadError::Io(e) => FetchError::File(e),
                    })?
            }
            Source::Net(url) => self.get_bounded(url).await?,
            Source::Discover(issuer) => {
                let known = discovered.as_deref().and_then(|uri| Url::parse(uri).ok());
                let url = match known {
                    Some(url) => url,
                    None => match self.discover(issuer).await? {
                        Some(url) => {
                            *discovered = Some(url.to_string());
                            url
                        }
                        // No document: `<issuer>/.well-known/jwks.json`.
                        None => http::well_known_jwks_url(issuer),
                    },
                };
                self.get_bounded(&url).await?
            }
        };
        parse_key_set(&body, &self.algorithms).map_err(FetchError::Set)
    }

    /// The key-set URL that the issuer's discovery documents announce
    /// (`None`: no document, try `jwks.json`). All documents together get
    /// at most the discovery budget (half the fetch timeout), so that a
    /// hanging endpoint leaves time for `jwks.json`.
    async fn discover(&self, issuer: &Url) -> Result<Option<Url>, FetchError> {
        let documents = async {
            for (kind, url) in discovery::document_urls(issuer) {
                let body = match self.get_bounded(&url).await {
                    Ok(body) => body,
                    Err(error) => {
                        log::info!("auth: no {kind} at {url} ({error})");
                        continue;
                    }
                };
                match discovery::judge(&body, &self.issuer) {
                    Verdict::KeysAt(keys) => return Ok(Some(keys)),
                    Verdict::NotADocument => log::info!("auth: no {kind} at {url}"),
                    Verdict::NoKeySet => log::info!("auth: the {kind} at {url} has no jwks_uri"),
                    Verdict::OtherIssuer(named) => {
                        return Err(FetchError::OtherIssuer {
                            document: url,
                            named,
                        })
                    }
                    Verdict::Refused(jwks_uri) => {
                        return Err(FetchError::Insecure(format!(
                            "the jwks_uri {jwks_uri} of the {kind} at {url}"
                        )))
                    }
                }
            }
            Ok(None)
        };
        match tokio::time::timeout(self.discovery_budget, documents).await {
            Ok(found) => found,
            Err(_) => {
                log::info!(
                    "auth: discovery for {} took longer than {:?}; trying jwks.json",
                    self.issuer,
                    self.discovery_budget
                );
                Ok(None)
            }
        }
    }

    /// GETs `url`, reading at most `max_bytes` of a 2xx answer.
    async fn get_bounded(&self, url: &Url) -> Result<Vec<u8>, FetchError> {
        check_network_url(url).map_err(|_| FetchError::Insecure(url.to_string()))?;
        let response = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(request_error)?;
        if self.users_client && response.url() != url {
            return Err(FetchError::Redirect(format!(
                "the application's HTTP client followed redirects to {}, whose hops cannot be \
                 checked (configure the final URL)",
                response.url()
            )));
        }
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        read_bounded(response, self.max_bytes)
            .await
            .map_err(|error| match error {
                BodyError::TooLarge => FetchError::TooLarge,
                BodyError::Read(error) => request_error(error),
            })
    }
}

/// A request error for the log: a refused redirect says why.
fn request_error(error: reqwest::Error) -> FetchError {
    let error = error.without_url();
    if error.is_redirect() {
        let why = std::error::Error::source(&error)
            .map(ToString::to_string)
            .unwrap_or_else(|| error.to_string());
        return FetchError::Redirect(why);
    }
    FetchError::Http(crate::config::http::request_failure(error))
}

#[cfg(test)]
mod tests;
