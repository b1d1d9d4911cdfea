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
mod tests {
    use super::*;

    #[test]
    fn the_header_must_be_a_header_name() {
        let build = |name: &str| {
            AuthConfig::builder("https://issuer.example/", "https://api")
                .client_cert_header(name)
                .build()
        };
        for good in [
            "Client-Cert",
            "X-SSL-Client-Cert",
            "x_cert",
            "!#$%&'*+-.^_`|~",
        ] {
            assert_eq!(build(good).unwrap().client_cert_header(), Some(good));
        }
        for bad in [
            "",
            " ",
            "Client Cert",
            "Client-Cert:",
            "Cli\u{e9}nt",
            "a\tb",
            "(x)",
        ] {
            let error = build(bad).unwrap_err();
            assert!(
                error.to_string().contains("AUTH_CLIENT_CERT_HEADER"),
                "{bad:?}: {error}"
            );
        }
    }

    fn with(var: &dyn Fn(&str) -> Option<String>) -> AuthConfig {
        AuthConfig::builder("https://issuer.example/", "https://api")
            .settings_from(var)
            .unwrap()
            .build()
            .unwrap()
    }

    #[test]
    fn auth_client_cert_header_names_the_header_and_none_is_the_default() {
        let set =
            |name: &str| (name == "AUTH_CLIENT_CERT_HEADER").then(|| " Client-Cert ".to_owned());
        assert_eq!(with(&set).client_cert_header(), Some("Client-Cert"));
        assert_eq!(with(&|_| None).client_cert_header(), None);
        let empty = |name: &str| (name == "AUTH_CLIENT_CERT_HEADER").then(String::new);
        assert_eq!(with(&empty).client_cert_header(), None);
    }
}
