//! Certificate-bound tokens (RFC 8705): the header a TLS-terminating proxy
//! forwards the client certificate in (declared in config/settings.rs), as
//! the validator reads it, and what a header name must be.

use super::AuthConfig;

impl AuthConfig {
    /// The header the client certificate is read from, if configured.
    pub(crate) fn client_cert_header(&self) -> Option<&str> {
        self.tuning.client_cert_header.as_deref()
    }
}

/// Whether `name` is an HTTP header name (RFC 9110's token), as the
/// configured header must be: a blank or malformed one would never match a
/// request, yet the metadata would still say certificate-bound tokens are
/// accepted.
pub(super) fn is_header_name(name: &str) -> bool {
    reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests;
