//! What the core needs of a Rocket request: its headers, method and URL
//! ([`RequestParts`]), and the scheme and host its URLs are made of.

use rocket::request::Request;

use crate::certbound::TlsClientCertificate;
use crate::extract::{scheme_of_only, Scheme};
use crate::validator::{IssuerRouter, RequestParts};

/// `https` when Rocket serves TLS itself, else `http` (behind a proxy that
/// terminates TLS, configure the public base URL).
pub(super) fn scheme(request: &Request<'_>) -> &'static str {
    if request.rocket().config().tls_enabled() {
        "https"
    } else {
        "http"
    }
}

/// The request's host: its one `Host` header (several: none), else the
/// host Rocket read from the request (HTTP/2's `:authority`).
pub(super) fn host(request: &Request<'_>) -> Option<String> {
    let mut hosts = request.headers().get("Host");
    match (hosts.next(), hosts.next()) {
        (Some(one), None) => Some(one.trim().to_owned()),
        (Some(_), Some(_)) => None,
        (None, _) => request.host().map(ToString::to_string),
    }
}

/// Whether `path` has a `.` or `..` segment, raw or percent-encoded.
fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|segment| {
        let lower = segment.to_ascii_lowercase().replace("%2e", ".");
        lower == "." || lower == ".."
    })
}

/// The parts of `request` that authentication reads; its URL is made by
/// the router's [`ProtectedResource`](crate::metadata::ProtectedResource)
/// (the public base URL, else the scheme and `Host`), from the path as
/// received, without the query.
///
/// The client certificate (RFC 8705), as the contract orders its sources:
/// the configured header (a TLS-terminating proxy's `Client-Cert`) when one
/// is configured, else, with the `mtls` feature, the one Rocket's TLS
/// listener verified ([`tls_client_certificate`], which the caller hands to
/// [`IssuerRouter::authorize_request_with`] so that it is parsed only for a
/// certificate-bound token).
pub(super) fn request_parts<'r>(
    request: &'r Request<'_>,
    router: &IssuerRouter,
) -> RequestParts<'r> {
    let path = request.uri().path().as_str();
    // The URL is compared with a DPoP proof's `htu`, and only then made.
    // A path with dot-segments forms no URL: the proof's htu would be
    // compared after resolving them, while Rocket routes the raw path, so
    // a proof made for one resource could serve another.
    // One lookup of the DPoP header, for the URL and the proofs (a header
    // lookup hashes its name: issue 31 counted them).
    let mut proofs = request.headers().get("DPoP").peekable();
    let url = (proofs.peek().is_some() && !has_dot_segment(path))
        .then(|| {
            router
                .resource()
                .request_url(scheme(request), host(request).as_deref(), path)
        })
        .flatten();
    let mut parts = RequestParts::new(request.method().as_str(), url);
    for value in request.headers().get("Authorization") {
        parts = parts.authorization(value);
    }
    for value in proofs {
        parts = parts.dpop(value);
    }
    // The certificate's one source: the configured header (a proxy
    // terminates TLS, so a certificate on the connection would be the
    // proxy's own), else Rocket's mutual TLS, read lazily. Only the
    // configured header is read: any client could send one otherwise.
    if let Some(name) = router.client_cert_header() {
        for value in request.headers().get(name) {
            parts = parts.client_cert(value);
        }
    }
    parts
}

/// The client certificate Rocket's mutual TLS verified on the connection
/// of `request`: none on plain HTTP, on TLS without `tls.mutual`, when the
/// client sent none (`mandatory = false`), and through the local client.
#[cfg(feature = "mtls")]
pub(super) async fn tls_client_certificate<'r>(
    request: &'r Request<'_>,
) -> TlsClientCertificate<'r> {
    use rocket::outcome::Outcome;

    match request.guard::<rocket::mtls::Certificate<'r>>().await {
        Outcome::Success(certificate) => TlsClientCertificate::Der(certificate.as_bytes()),
        // The handshake verified a certificate that Rocket cannot parse:
        // fail closed rather than fall back to a header.
        Outcome::Error((_, error)) => {
            log::debug!("auth: the TLS client certificate cannot be read: {error}");
            TlsClientCertificate::Unreadable
        }
        Outcome::Forward(_) => TlsClientCertificate::None,
    }
}

/// Without the `mtls` feature Rocket gives no client certificate.
#[cfg(not(feature = "mtls"))]
pub(super) async fn tls_client_certificate<'r>(
    _request: &'r Request<'_>,
) -> TlsClientCertificate<'r> {
    TlsClientCertificate::None
}

/// Whether Rocket's own mutual TLS is configured (`tls.mutual`), so that
/// certificate-bound tokens can be presented on the connection.
pub(super) fn mutual_tls_configured(request: &Request<'_>) -> bool {
    #[cfg(feature = "mtls")]
    {
        request
            .rocket()
            .config()
            .tls
            .as_ref()
            .is_some_and(|tls| tls.mutual().is_some())
    }
    #[cfg(not(feature = "mtls"))]
    {
        let _ = request;
        false
    }
}

/// The scheme the client used, if it is one the router accepts (for the
/// challenge of an answer).
pub(super) fn scheme_used(request: &Request<'_>, router: Option<&IssuerRouter>) -> Option<Scheme> {
    let dpop_accepted = router.is_some_and(|router| router.dpop_mode().accepts_dpop());
    scheme_of_only(request.headers().get("Authorization"), dpop_accepted)
}

/// The absolute URL of the metadata document for `request`, when the
/// router serves it.
pub(super) fn metadata_url(request: &Request<'_>, router: &IssuerRouter) -> Option<String> {
    let resource = router.resource();
    if !resource.metadata_enabled() {
        return None;
    }
    resource.metadata_url(scheme(request), host(request).as_deref())
}

#[cfg(test)]
mod tests;
