//! This API as an OAuth protected resource, framework-free: its public
//! URL, the URL of a request (for DPoP's `htu`), and its RFC 9728 metadata
//! document.

use reqwest::Url;
use serde_json::{json, Map, Value};

use crate::config::{AuthConfig, DpopMode};

/// Where RFC 9728 section 3 puts the metadata document (followed by the
/// resource's path prefix, if it has one).
pub(crate) const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// This API as clients see it: its public base URL (if configured), and
/// what its metadata document says.
///
/// With several issuers, the settings of the first configuration apply,
/// and every issuer is listed in `authorization_servers`.
#[derive(Debug, Clone)]
pub(crate) struct ProtectedResource {
    /// Normalised, without a trailing `/`.
    public_url: Option<String>,
    metadata: bool,
    issuers: Vec<String>,
    scopes: Vec<String>,
    /// The proof algorithms' names; `None` when DPoP is disabled.
    dpop_algorithms: Option<Vec<String>>,
    dpop_required: bool,
    /// A client-certificate header is configured (RFC 8705); the
    /// framework layer adds its own mutual TLS to the document.
    certificate_bound: bool,
}

impl ProtectedResource {
    /// The resource the first of `configs` describes, with the issuers of
    /// them all.
    pub(crate) fn new(configs: &[AuthConfig]) -> ProtectedResource {
        let first = configs.first();
        let mode = first.map_or_else(crate::config::defaults::dpop, AuthConfig::dpop_mode);
        ProtectedResource {
            public_url: first.and_then(|c| c.public_url()).map(str::to_owned),
            certificate_bound: first.is_some_and(|c| c.client_cert_header().is_some()),
            metadata: first.is_some_and(AuthConfig::resource_metadata_enabled),
            issuers: configs.iter().map(|c| c.issuer().to_owned()).collect(),
            scopes: first.map_or_else(Vec::new, |c| c.scopes_supported().to_vec()),
            dpop_algorithms: mode.accepts_dpop().then(|| {
                first
                    .map_or_else(crate::config::defaults::dpop_algorithms, |c| {
                        c.tuning.dpop_algorithms.clone()
                    })
                    .iter()
                    .map(|alg| format!("{alg:?}"))
                    .collect()
            }),
            dpop_required: mode == DpopMode::Required,
        }
    }

    /// Whether the metadata document is served (and named in challenges).
    pub(crate) fn metadata_enabled(&self) -> bool {
        self.metadata
    }

    /// The configured public base URL, normalised, without a trailing `/`.
    #[cfg(test)]
    pub(crate) fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    /// The URL of a request to `path` (its path as received, without the
    /// query): the public base URL followed by `path` when one is
    /// configured, else `scheme://host` followed by `path`. `None` when
    /// `host` (the request's `Host`) is missing or cannot form a URL.
    pub(crate) fn request_url(
        &self,
        scheme: &str,
        host: Option<&str>,
        path: &str,
    ) -> Option<String> {
        let base = match &self.public_url {
            Some(url) => url.clone(),
            None => origin(scheme, host?)?,
        };
        let path = if path.starts_with('/') { path } else { "/" };
        Some(format!("{base}{path}"))
    }

    /// This API's resource identifier: the public base URL, else the
    /// origin (`scheme://host`) of the request. It is not the token
    /// audience.
    pub(crate) fn resource(&self, scheme: &str, host: Option<&str>) -> Option<String> {
        match &self.public_url {
            Some(url) => Some(url.clone()),
            None => origin(scheme, host?),
        }
    }

    /// The path the metadata document is served at: [`METADATA_PATH`],
    /// followed by the public base URL's path prefix if it has one (RFC 9728
    /// section 3.1).
    pub(crate) fn metadata_path(&self) -> String {
        let prefix = self
            .public_url
            .as_deref()
            .and_then(|url| Url::parse(url).ok())
            .map(|url| url.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        format!("{METADATA_PATH}{prefix}")
    }

    /// The absolute URL of the metadata document, for the challenges'
    /// `resource_metadata`: the public base URL's origin, else the
    /// request's, followed by [`metadata_path`](Self::metadata_path).
    pub(crate) fn metadata_url(&self, scheme: &str, host: Option<&str>) -> Option<String> {
        let origin = match &self.public_url {
            Some(url) => Url::parse(url).ok()?.origin().ascii_serialization(),
            None => origin(scheme, host?)?,
        };
        Some(format!("{origin}{}", self.metadata_path()))
    }

    /// The metadata document (RFC 9728 section 2) of `resource`.
    #[cfg(test)]
    pub(crate) fn document(&self, resource: &str) -> Value {
        self.document_with(resource, false)
    }

    /// The metadata document, saying `tls_client_certificate_bound_access_tokens`
    /// also when `mutual_tls` (the server's own mutual TLS is configured: the
    /// framework layer knows).
    pub(crate) fn document_with(&self, resource: &str, mutual_tls: bool) -> Value {
        let mut document = Map::new();
        document.insert("resource".into(), resource.into());
        document.insert("authorization_servers".into(), json!(self.issuers));
        document.insert("bearer_methods_supported".into(), json!(["header"]));
        if !self.scopes.is_empty() {
            document.insert("scopes_supported".into(), json!(self.scopes));
        }
        if let Some(algorithms) = &self.dpop_algorithms {
            document.insert(
                "dpop_signing_alg_values_supported".into(),
                json!(algorithms),
            );
        }
        if self.dpop_required {
            document.insert("dpop_bound_access_tokens_required".into(), true.into());
        }
        if self.certificate_bound || mutual_tls {
            document.insert(
                "tls_client_certificate_bound_access_tokens".into(),
                true.into(),
            );
        }
        Value::Object(document)
    }
}

/// `scheme://host` normalised (RFC 3986: lower-case host, no default port),
/// or `None` when `host` is not a plain host with an optional port.
fn origin(scheme: &str, host: &str) -> Option<String> {
    let plain = !host.is_empty()
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'[' | b']')
        });
    if !plain {
        return None;
    }
    let url = Url::parse(&format!("{scheme}://{host}/")).ok()?;
    if url.host().is_none() || url.path() != "/" {
        return None;
    }
    Some(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests;
