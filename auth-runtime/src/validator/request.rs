//! [`RequestParts`]: what a framework layer hands the core to authenticate
//! one request, and [`IssuerRouter::authorize_request`].

use super::IssuerRouter;
use crate::certbound::TlsClientCertificate;
use crate::claims::Claims;
use crate::error::AuthError;
use crate::extract::extract_credentials;

/// The parts of an HTTP request that authentication reads: its
/// `Authorization` and `DPoP` header values, its client certificate (the
/// connection's own, or the configured header's), its method and URL, and
/// possibly the time. A framework layer gathers them (the Rocket layer does); the token
/// and the proof are never printed.
///
/// ```
/// use auth_runtime::validator::RequestParts;
///
/// let parts = RequestParts::new("GET", Some("https://api.example.com/orders".into()))
///     .authorization("DPoP eyJhbGciOi...")
///     .dpop("eyJ0eXAiOiJkcG9wK2p3dCIs...");
/// assert!(!format!("{parts:?}").contains("eyJ"));
/// ```
#[derive(Clone)]
pub struct RequestParts<'a> {
    pub(super) authorization: HeaderValues<'a>,
    pub(super) dpop: HeaderValues<'a>,
    pub(super) client_cert: HeaderValues<'a>,
    pub(super) tls_client_cert: TlsClientCertificate<'a>,
    pub(super) method: &'a str,
    pub(super) url: Option<String>,
    /// Set by [`at`](RequestParts::at); else the router's clock.
    pub(super) now: Option<u64>,
}

impl std::fmt::Debug for RequestParts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestParts")
            .field("authorization_headers", &self.authorization.len())
            .field("dpop_headers", &self.dpop.len())
            .field("client_cert_headers", &self.client_cert.len())
            .field(
                "tls_client_certificate",
                &match self.tls_client_cert {
                    TlsClientCertificate::None => "none",
                    TlsClientCertificate::Der(_) => "present",
                    TlsClientCertificate::Unreadable => "unreadable",
                },
            )
            .field("method", &self.method)
            .field("url", &self.url)
            .field("now", &self.now)
            .finish()
    }
}

impl<'a> RequestParts<'a> {
    /// A request with `method` (e.g. `GET`, compared exactly with a
    /// proof's `htm`) to `url`, its absolute URL as the client addressed
    /// it (the query is ignored); `None` when it cannot be formed, which
    /// fails any DPoP proof. No headers yet; the time is the router's
    /// clock's when it authorizes the request.
    pub fn new(method: &'a str, url: Option<String>) -> RequestParts<'a> {
        RequestParts {
            authorization: HeaderValues::default(),
            dpop: HeaderValues::default(),
            client_cert: HeaderValues::default(),
            tls_client_cert: TlsClientCertificate::None,
            method,
            url,
            now: None,
        }
    }

    /// Adds the value of an `Authorization` header (call once per header:
    /// several are refused).
    pub fn authorization(mut self, value: &'a str) -> Self {
        self.authorization.push(value);
        self
    }

    /// Adds the value of a `DPoP` header (call once per header: with the
    /// `DPoP` scheme, exactly one is required).
    pub fn dpop(mut self, value: &'a str) -> Self {
        self.dpop.push(value);
        self
    }

    /// Adds the value of the configured client-certificate header (RFC
    /// 9440's `Client-Cert`, set by a TLS-terminating proxy; call once per
    /// header: several are refused). Parsed only for a token bound to a
    /// certificate (`cnf["x5t#S256"]`), and only when the configuration
    /// names a client-certificate header
    /// ([`client_cert_header`](crate::config::AuthConfigBuilder::client_cert_header)):
    /// otherwise any client could send one, and these values are ignored.
    /// Give either these values or the connection's certificate
    /// ([`tls_client_certificate`](Self::tls_client_certificate)): the
    /// Rocket layer gives the configured header's, and the connection's
    /// only when no header is configured.
    pub fn client_cert(mut self, value: &'a str) -> Self {
        self.client_cert.push(value);
        self
    }

    /// Sets the client certificate that the connection's own mutual TLS
    /// verified (its DER form; the Rocket layer gives it with the `mtls`
    /// feature), for an application that does not configure a
    /// client-certificate header; where one is configured, this is ignored
    /// (the connection is then the proxy's) and the header is read. Use
    /// [`TlsClientCertificate::Unreadable`] when the handshake verified
    /// one that cannot be had: a bound token is then refused.
    pub fn tls_client_certificate(mut self, certificate: TlsClientCertificate<'a>) -> Self {
        self.tls_client_cert = certificate;
        self
    }

    /// Sets the time (Unix seconds) against which the DPoP proof's `iat`,
    /// its nonce and the replay window are checked, in place of the router's
    /// clock (the first configuration's `clock`). The token's own times are
    /// checked against its configuration's clock.
    pub fn at(mut self, now: u64) -> Self {
        self.now = Some(now);
        self
    }

    /// The scheme of the request's one `Authorization` header, if it is
    /// one the router accepts (`DPoP` only when `dpop_accepted`); `None`
    /// for no header or several.
    pub(crate) fn scheme(&self, dpop_accepted: bool) -> Option<crate::extract::Scheme> {
        crate::extract::scheme_of_only(self.authorization.iter(), dpop_accepted)
    }
}

/// The values of one header, in order. A request has one `Authorization`
/// header and at most one `DPoP` header: the first value is held inline,
/// so that gathering them allocates nothing; any further ones (refused
/// later) go to the heap.
#[derive(Clone, Default)]
pub(super) struct HeaderValues<'a> {
    first: Option<&'a str>,
    more: Vec<&'a str>,
}

/// How many values a header has, and the one when it has one.
pub(super) enum Count<'a> {
    None,
    One(&'a str),
    Several,
}

impl<'a> HeaderValues<'a> {
    fn push(&mut self, value: &'a str) {
        match self.first {
            None => self.first = Some(value),
            Some(_) => self.more.push(value),
        }
    }

    fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.more.len()
    }

    /// None, one, or several values. (`push` fills `first` before `more`;
    /// were it ever not so, values in `more` would still count as several.)
    pub(super) fn count(&self) -> Count<'a> {
        match (self.first, self.more.is_empty()) {
            (None, true) => Count::None,
            (Some(one), true) => Count::One(one),
            (_, false) => Count::Several,
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.first.into_iter().chain(self.more.iter().copied())
    }
}

impl IssuerRouter {
    /// Authenticates a request, in the contract's order: the
    /// `Authorization` header (`Bearer`, or `DPoP` unless DPoP is
    /// disabled), the token (structure, key, signature, claims; the
    /// verified-token cache may skip its signature), then the sender
    /// constraint: a token bound to a key (`cnf.jkt`) must come with the
    /// `DPoP` scheme and one valid proof of that key (checked on every
    /// request, never cached), then the server nonce when nonces are on,
    /// then the replay store; then, for a token bound to a certificate
    /// (`cnf["x5t#S256"]`, RFC 8705), the certificate: the configured
    /// header's when a header is configured, else the connection's TLS
    /// client certificate.
    /// A route's step-up requirement and scopes are the caller's next
    /// checks.
    ///
    /// With several issuers, the DPoP settings of the first configuration
    /// apply.
    pub async fn authorize_request(&self, request: &RequestParts<'_>) -> Result<Claims, AuthError> {
        let tls = request.tls_client_cert;
        self.authorize_request_with(request, || std::future::ready(tls))
            .await
    }

    /// [`authorize_request`](Self::authorize_request) with the connection's
    /// client certificate read lazily: `tls_certificate` is called (once)
    /// only for a token whose `cnf` carries `x5t#S256` and when no
    /// certificate header is configured, so that a plain token costs no
    /// certificate parsing; `request`'s own TLS certificate is not read.
    pub(crate) async fn authorize_request_with<'c, F, Fut>(
        &self,
        request: &RequestParts<'_>,
        tls_certificate: F,
    ) -> Result<Claims, AuthError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = TlsClientCertificate<'c>>,
    {
        let traced = crate::telemetry::Traced::authentication();
        let result = traced
            .instrument(async {
                let header = match request.authorization.count() {
                    Count::None => "",
                    Count::One(one) => one,
                    Count::Several => return Err(AuthError::TooManyParts),
                };
                let (scheme, token) = extract_credentials(header, self.sender.mode.accepts_dpop())?;
                let claims = self.validate(token).await?;
                let now = request.now.unwrap_or_else(|| self.clock().unix());
                self.sender
                    .check(scheme, token, &claims, request, now)
                    .await?;
                // RFC 8705: a token bound to a certificate needs that certificate,
                // from one source: the header when one is configured (a proxy
                // terminates TLS: a certificate on the connection is its own), else
                // the connection's. Header values are ignored where no header is
                // configured: any client could send one.
                let header_configured = self.client_cert_header().is_some();
                let cnf = claims.get("cnf");
                let bound = matches!(crate::certbound::bound_thumbprint(cnf), Ok(Some(_)));
                let tls = if header_configured || !bound {
                    TlsClientCertificate::None
                } else {
                    tls_certificate().await
                };
                let header_values = request.client_cert.iter().filter(|_| header_configured);
                crate::certbound::check_binding_with(cnf, tls, header_values)
                    .map_err(|error| AuthError::InvalidToken(error.description()))?;
                Ok::<Claims, AuthError>(claims)
            })
            .await;
        match &result {
            Ok(claims) => {
                traced.issuer(|| claims.get("iss").and_then(serde_json::Value::as_str));
                traced.finish("ok");
            }
            Err(error) => traced.finish(error.code()),
        }
        result
    }

    /// A fresh server nonce for a `DPoP-Nonce` header, when nonces are on
    /// (and DPoP is not disabled), stamped `now` (Unix seconds: the
    /// router's [`clock`](Self::clock) for a response).
    pub(crate) fn dpop_nonce(&self, now: u64) -> Option<String> {
        self.sender.issue_nonce(now)
    }

    /// The header the client certificate is read from (the first
    /// configuration's), if configured.
    pub(crate) fn client_cert_header(&self) -> Option<&str> {
        self.validators()
            .first()
            .and_then(|validator| validator.config.client_cert_header())
    }

    /// How the `DPoP` scheme is treated (the first configuration's mode).
    pub(crate) fn dpop_mode(&self) -> crate::config::DpopMode {
        self.sender.mode
    }

    /// The accepted proof algorithms, space-separated, as the `algs` of a
    /// `DPoP` challenge.
    pub(crate) fn dpop_algs(&self) -> String {
        self.sender.algs()
    }
}

#[cfg(test)]
mod tests;
