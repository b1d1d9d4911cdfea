//! Certificate-bound access tokens (RFC 8705): the client certificate of
//! the request, its thumbprint, and the check against a token's
//! `cnf["x5t#S256"]`.
//!
//! The certificate comes from one source, chosen by the configuration:
//!
//! 1. RFC 9440's `Client-Cert` header when the application configures it:
//!    a TLS-terminating proxy forwards in it the certificate it verified
//!    (any client could send one otherwise, so it is read only when
//!    configured; a certificate on the connection is then the proxy's);
//! 2. else the connection's own mutual TLS ([`TlsClientCertificate`]): the
//!    certificate the server's TLS listener verified.
//!
//! Framework-free: the caller hands over the header's values (all of them,
//! so that a repeated header is seen) and what its own mutual TLS saw (the
//! Rocket layer does, with the `mtls` feature).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::Value;

/// The longest `Client-Cert` header value read, in bytes. A certificate
/// chain's leaf is a few KiB; anything larger is refused unread.
pub(crate) const MAX_CLIENT_CERT_HEADER_BYTES: usize = 16 * 1024;

/// The `cnf` member that binds a token to a certificate (RFC 8705 section 3.1).
pub(crate) const CNF_X5T_S256: &str = "x5t#S256";

/// Why a certificate-bound token is refused; each is a 401 `invalid_token`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum CertBindingError {
    /// The request presented no client certificate.
    Missing,
    /// The certificate header is there but does not parse (not one RFC 8941
    /// byte sequence, repeated, too long, not base64, not DER).
    Unparsable,
    /// A certificate whose thumbprint is not the token's.
    Mismatch,
    /// The token's `cnf["x5t#S256"]` is not a string.
    BadConfirmation,
    /// The connection's mutual TLS verified a client certificate that the
    /// framework cannot give (see [`TlsClientCertificate::Unreadable`]).
    UnreadableTlsCertificate,
}

impl CertBindingError {
    /// The sentence for the error body and the challenge.
    pub(crate) fn description(&self) -> &'static str {
        match self {
            CertBindingError::Missing => {
                "the token is bound to a client certificate, and none was presented"
            }
            CertBindingError::Unparsable => {
                "the token is bound to a client certificate, and the certificate header does not parse"
            }
            CertBindingError::Mismatch => {
                "the token is bound to a different client certificate than the one presented"
            }
            CertBindingError::BadConfirmation => {
                "the token's certificate confirmation (cnf x5t#S256) is not a string"
            }
            CertBindingError::UnreadableTlsCertificate => {
                "the token is bound to a client certificate, and the TLS client certificate cannot be read"
            }
        }
    }
}

/// What the connection's own mutual TLS says of the client certificate
/// (RFC 8705 section 3: the certificate of the mutual-TLS connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsClientCertificate<'a> {
    /// No client certificate on the connection: plain HTTP, TLS without
    /// one, or a framework layer that does not say. The configured header
    /// is then the source.
    #[default]
    None,
    /// The DER form of the certificate the TLS handshake verified (the
    /// leaf of the chain the client sent).
    Der(&'a [u8]),
    /// The handshake verified a client certificate, but the framework
    /// cannot give its DER form (Rocket's `Certificate` guard failed). A
    /// bound token is then refused; the header is not read in its place.
    Unreadable,
}

/// The RFC 8705 thumbprint of a DER certificate: base64url (no padding) of
/// its SHA-256.
pub(crate) fn thumbprint(der: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// The DER certificate in the `Client-Cert` header (RFC 9440 section 2.2),
/// given every value the request carries for it.
///
/// Strict: exactly one value, at most [`MAX_CLIENT_CERT_HEADER_BYTES`], an
/// RFC 8941 byte sequence (`:` base64 with padding `:`, surrounding spaces
/// allowed) with no parameters, whose content is a DER `SEQUENCE`. `Ok(None)`
/// when the header is absent.
pub(crate) fn parse_client_cert<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<Option<Vec<u8>>, CertBindingError> {
    let mut values = values.into_iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() || value.len() > MAX_CLIENT_CERT_HEADER_BYTES {
        return Err(CertBindingError::Unparsable);
    }
    let inner = value
        .trim_matches(' ')
        .strip_prefix(':')
        .and_then(|rest| rest.strip_suffix(':'))
        .ok_or(CertBindingError::Unparsable)?;
    if !inner
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return Err(CertBindingError::Unparsable);
    }
    let der = STANDARD
        .decode(inner)
        .map_err(|_| CertBindingError::Unparsable)?;
    // A certificate is a DER SEQUENCE; an empty or other value is not one.
    if der.first() != Some(&0x30) || der.len() < 2 {
        return Err(CertBindingError::Unparsable);
    }
    Ok(Some(der))
}

/// The thumbprint a token is bound to: `Ok(None)` for a token without
/// `cnf["x5t#S256"]`.
pub(crate) fn bound_thumbprint(cnf: Option<&Value>) -> Result<Option<&str>, CertBindingError> {
    match cnf.and_then(|cnf| cnf.get(CNF_X5T_S256)) {
        None => Ok(None),
        Some(Value::String(x5t)) => Ok(Some(x5t)),
        Some(_) => Err(CertBindingError::BadConfirmation),
    }
}

/// Checks that the presented certificate (DER) has the thumbprint
/// `x5t_s256`, in constant time.
pub(crate) fn check_certificate(
    x5t_s256: &str,
    presented: Option<&[u8]>,
) -> Result<(), CertBindingError> {
    let der = presented.ok_or(CertBindingError::Missing)?;
    let actual = thumbprint(der);
    aws_lc_rs::constant_time::verify_slices_are_equal(actual.as_bytes(), x5t_s256.as_bytes())
        .map_err(|_| CertBindingError::Mismatch)
}

/// The whole check for a token's `cnf` and the request's certificate
/// header values, on a connection without a TLS client certificate: a
/// token without `x5t#S256` passes whatever the header holds (and the
/// header is not even parsed).
#[cfg(test)]
pub(crate) fn check_binding<'a>(
    cnf: Option<&Value>,
    header_values: impl IntoIterator<Item = &'a str>,
) -> Result<(), CertBindingError> {
    check_binding_with(cnf, TlsClientCertificate::None, header_values)
}

/// The whole check for a token's `cnf`, given the request's certificate
/// source: the caller passes the one it trusts (the Rocket layer passes the
/// configured header's values, or, with no header configured, the
/// connection's certificate `tls`). Should both be given, `tls` is checked
/// and the header values are ignored, unparsed. A token without
/// `x5t#S256` passes whatever either holds.
pub(crate) fn check_binding_with<'a>(
    cnf: Option<&Value>,
    tls: TlsClientCertificate<'_>,
    header_values: impl IntoIterator<Item = &'a str>,
) -> Result<(), CertBindingError> {
    let Some(x5t) = bound_thumbprint(cnf)? else {
        return Ok(());
    };
    match tls {
        TlsClientCertificate::Der(der) => check_certificate(x5t, Some(der)),
        TlsClientCertificate::Unreadable => Err(CertBindingError::UnreadableTlsCertificate),
        TlsClientCertificate::None => {
            let der = parse_client_cert(header_values)?;
            check_certificate(x5t, der.as_deref())
        }
    }
}

#[cfg(test)]
mod tests;
