//! Fetching a key set over HTTP: discovery, bounded reads.

use jsonwebtoken::Algorithm;
use serde::Deserialize;

use super::parse::{parse_key_set, KeySet, SetError};
use crate::config::{AuthConfig, ConfigError, JwksSource};

/// Why a fetch failed; for logs.
#[derive(Debug)]
pub(super) enum FetchError {
    Http(String),
    Status(u16),
    TooLarge,
    Timeout,
    Set(SetError),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Http(e) => write!(f, "request failed: {e}"),
            FetchError::Status(s) => write!(f, "answered HTTP {s}"),
            FetchError::TooLarge => f.write_str("response larger than the size limit"),
            FetchError::Timeout => f.write_str("timed out"),
            FetchError::Set(error) => error.fmt(f),
        }
    }
}

/// Fetches one issuer's key set.
#[derive(Debug)]
pub(super) struct Fetcher {
    client: reqwest::Client,
    pub(super) issuer: String,
    source: JwksSource,
    algorithms: Vec<Algorithm>,
    max_bytes: usize,
}

impl Fetcher {
    pub(super) fn new(config: &AuthConfig) -> Result<Fetcher, ConfigError> {
        let timeout = config.tuning.fetch_timeout;
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("auth-runtime/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::HttpClient(std::sync::Arc::new(e)))?;
        Ok(Fetcher {
            client,
            issuer: config.issuer.clone(),
            source: config.jwks.clone(),
            algorithms: config.tuning.algorithms.clone(),
            max_bytes: config.tuning.max_jwks_bytes,
        })
    }

    /// Fetches and parses the set; `discovered` remembers the `jwks_uri`
    /// that discovery found, so that it runs once.
    pub(super) async fn fetch_set(
        &self,
        discovered: &mut Option<String>,
    ) -> Result<KeySet, FetchError> {
        let uri = match (&self.source, &*discovered) {
            (JwksSource::Uri(uri), _) => uri.clone(),
            (JwksSource::Discover, Some(uri)) => uri.clone(),
            (JwksSource::Discover, None) => match self.discover().await {
                Some(uri) => {
                    *discovered = Some(uri.clone());
                    uri
                }
                None => format!(
                    "{}/.well-known/jwks.json",
                    self.issuer.trim_end_matches('/')
                ),
            },
        };
        let body = self.get_bounded(&uri).await?;
        parse_key_set(&body, &self.algorithms).map_err(FetchError::Set)
    }

    /// The `jwks_uri` of the issuer's OpenID configuration, if it has one.
    async fn discover(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Discovery {
            jwks_uri: String,
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let body = match self.get_bounded(&url).await {
            Ok(body) => body,
            Err(error) => {
                log::info!("auth: no discovery document at {url} ({error}); trying jwks.json");
                return None;
            }
        };
        let uri = serde_json::from_slice::<Discovery>(&body).ok()?.jwks_uri;
        (uri.starts_with("https://") || uri.starts_with("http://")).then_some(uri)
    }

    /// GETs `url`, reading at most `max_bytes` of a 2xx answer.
    async fn get_bounded(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let http = |e: reqwest::Error| FetchError::Http(e.without_url().to_string());
        let mut response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(http)?;
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|len| len > self.max_bytes as u64)
        {
            return Err(FetchError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(http)? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}
