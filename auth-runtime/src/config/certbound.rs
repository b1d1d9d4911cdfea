//! The setting of certificate-bound tokens (RFC 8705): the header a
//! TLS-terminating proxy forwards the client certificate in.

use super::{AuthConfig, AuthConfigBuilder, ConfigError, Tuning};

/// Default for [`AuthConfigBuilder::client_cert_header`]: none, so that no
/// header is ever read for a certificate (any client could send one).
pub const DEFAULT_CLIENT_CERT_HEADER: Option<&str> = None;

impl AuthConfigBuilder {
    /// The request header in which a TLS-terminating proxy forwards the
    /// client certificate, as RFC 9440's `Client-Cert` (a structured-field
    /// byte sequence, `:<base64 DER>:`): a token whose `cnf` carries
    /// `x5t#S256` is accepted only with the certificate of that thumbprint
    /// in it. Read only when configured, and only for bound tokens; when
    /// configured it is the only source (a certificate on the connection
    /// is then the proxy's), and without it, with the `mtls` feature, the
    /// certificate Rocket's mutual TLS verified is (see
    /// [`crate::certbound`]).
    /// `client_cert_header` in Rocket's `[auth]`, `AUTH_CLIENT_CERT_HEADER`.
    /// Default: [`DEFAULT_CLIENT_CERT_HEADER`] (none).
    pub fn client_cert_header(mut self, name: impl Into<String>) -> Self {
        self.config.tuning.client_cert_header = Some(name.into());
        self
    }
}

impl AuthConfig {
    /// The header the client certificate is read from, if configured.
    pub fn client_cert_header(&self) -> Option<&str> {
        self.tuning.client_cert_header.as_deref()
    }
}

/// The header, if configured, must be an HTTP header name (RFC 9110's
/// token): a blank or malformed one would never match a request, yet the
/// metadata would still say certificate-bound tokens are accepted.
pub(super) fn check_bounds(tuning: &Tuning) -> Result<(), ConfigError> {
    let is_header_name =
        |name: &str| reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok();
    match tuning.client_cert_header.as_deref() {
        Some(name) if !is_header_name(name) => Err(ConfigError::OutOfRange {
            setting: "client_cert_header (AUTH_CLIENT_CERT_HEADER)",
            reason: "must be an HTTP header name, such as Client-Cert",
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
