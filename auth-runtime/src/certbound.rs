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
pub const MAX_CLIENT_CERT_HEADER_BYTES: usize = 16 * 1024;

/// The `cnf` member that binds a token to a certificate (RFC 8705 section 3.1).
pub const CNF_X5T_S256: &str = "x5t#S256";

/// Why a certificate-bound token is refused; each is a 401 `invalid_token`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertBindingError {
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
    pub fn description(&self) -> &'static str {
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
pub fn thumbprint(der: &[u8]) -> String {
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
pub fn parse_client_cert<'a>(
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
pub fn bound_thumbprint(cnf: Option<&Value>) -> Result<Option<&str>, CertBindingError> {
    match cnf.and_then(|cnf| cnf.get(CNF_X5T_S256)) {
        None => Ok(None),
        Some(Value::String(x5t)) => Ok(Some(x5t)),
        Some(_) => Err(CertBindingError::BadConfirmation),
    }
}

/// Checks that the presented certificate (DER) has the thumbprint
/// `x5t_s256`, in constant time.
pub fn check_certificate(x5t_s256: &str, presented: Option<&[u8]>) -> Result<(), CertBindingError> {
    let der = presented.ok_or(CertBindingError::Missing)?;
    let actual = thumbprint(der);
    aws_lc_rs::constant_time::verify_slices_are_equal(actual.as_bytes(), x5t_s256.as_bytes())
        .map_err(|_| CertBindingError::Mismatch)
}

/// The whole check for a token's `cnf` and the request's certificate
/// header values, on a connection without a TLS client certificate: a
/// token without `x5t#S256` passes whatever the header holds (and the
/// header is not even parsed).
pub fn check_binding<'a>(
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
pub fn check_binding_with<'a>(
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
mod tests {
    use super::*;
    use serde_json::json;

    /// The fixture certificate, made by `openssl req -x509` (not by this
    /// crate), and its thumbprint as openssl computed it:
    /// `openssl dgst -sha256 -binary client-cert.der | base64 | tr '+/' '-_' | tr -d =`.
    const CERT: &[u8] = include_bytes!("../../tests/fixtures/client-cert.der");
    const CERT_X5T: &str = "dRhQ9UucC06BhnDftLVaMAI-xdik75qmGs-CzWkItgU";
    const OTHER: &[u8] = include_bytes!("../../tests/fixtures/other-client-cert.der");

    fn header(der: &[u8]) -> String {
        format!(":{}:", STANDARD.encode(der))
    }

    #[test]
    fn thumbprint_is_base64url_sha256_of_the_der_as_openssl_computes_it() {
        assert_eq!(thumbprint(CERT), CERT_X5T);
        assert_ne!(thumbprint(OTHER), CERT_X5T);
    }

    #[test]
    fn an_rfc_9440_byte_sequence_gives_the_der() {
        assert_eq!(
            parse_client_cert([header(CERT).as_str()])
                .unwrap()
                .as_deref(),
            Some(CERT)
        );
        let spaced = format!("  {}  ", header(CERT));
        assert_eq!(
            parse_client_cert([spaced.as_str()]).unwrap().as_deref(),
            Some(CERT)
        );
        assert_eq!(parse_client_cert([]).unwrap(), None);
    }

    #[test]
    fn garbage_oversized_or_repeated_headers_do_not_parse() {
        let good = header(CERT);
        let unpadded = good.trim_end_matches(':').trim_end_matches('=').to_owned() + ":";
        let huge = format!(":{}:", "A".repeat(MAX_CLIENT_CERT_HEADER_BYTES));
        let with_params = format!("{good};a=1");
        let url_safe = format!(":{}:", URL_SAFE_NO_PAD.encode(CERT));
        let not_der = format!(":{}:", STANDARD.encode(b"hello world"));
        for bad in [
            "",
            ":",
            "::",
            "garbage",
            STANDARD.encode(CERT).as_str(),
            unpadded.as_str(),
            huge.as_str(),
            with_params.as_str(),
            url_safe.as_str(),
            not_der.as_str(),
            ":AA==:",
            ":not base64!:",
            "\u{e9}\u{e9}",
        ] {
            assert_eq!(
                parse_client_cert([bad]),
                Err(CertBindingError::Unparsable),
                "{bad:.40} should not parse"
            );
        }
        assert_eq!(
            parse_client_cert([good.as_str(), good.as_str()]),
            Err(CertBindingError::Unparsable),
            "a repeated header is refused"
        );
        let list = format!("{good}, {good}");
        assert_eq!(
            parse_client_cert([list.as_str()]),
            Err(CertBindingError::Unparsable)
        );
    }

    #[test]
    fn the_size_limit_and_the_der_tag_are_checked_at_their_edges() {
        assert_eq!(MAX_CLIENT_CERT_HEADER_BYTES, 16_384);
        // Leading spaces are allowed around the byte sequence: they pad a
        // real certificate to the limit, and one byte past it.
        let padded = |len: usize| format!("{:>len$}", header(CERT));
        let (at_limit, over) = (
            padded(MAX_CLIENT_CERT_HEADER_BYTES),
            padded(MAX_CLIENT_CERT_HEADER_BYTES + 1),
        );
        assert_eq!(at_limit.len(), MAX_CLIENT_CERT_HEADER_BYTES);
        // `0x30` alone is no SEQUENCE; `0x30 0x00` (an empty one) is the
        // shortest value this check passes (the thumbprint decides).
        for (value, parsed) in [
            (at_limit.as_str(), Ok(Some(CERT.to_vec()))),
            (over.as_str(), Err(CertBindingError::Unparsable)),
            (":MA==:", Err(CertBindingError::Unparsable)),
            (":MAA=:", Ok(Some(vec![0x30, 0x00]))),
            (":MAAA:", Ok(Some(vec![0x30, 0x00, 0x00]))),
        ] {
            assert_eq!(parse_client_cert([value]), parsed, "{value:.40}");
        }
    }

    #[test]
    fn the_matching_certificate_passes_and_others_say_which() {
        let cnf = json!({ "x5t#S256": CERT_X5T });
        assert_eq!(check_binding(Some(&cnf), [header(CERT).as_str()]), Ok(()));
        assert_eq!(
            check_binding(Some(&cnf), [header(OTHER).as_str()]),
            Err(CertBindingError::Mismatch)
        );
        assert_eq!(
            check_binding(Some(&cnf), []),
            Err(CertBindingError::Missing)
        );
        assert_eq!(
            check_binding(Some(&cnf), ["garbage"]),
            Err(CertBindingError::Unparsable)
        );
        let descriptions = [
            CertBindingError::Missing,
            CertBindingError::Mismatch,
            CertBindingError::Unparsable,
        ]
        .map(|e| e.description());
        assert!(descriptions[0].contains("none was presented"));
        assert!(descriptions[1].contains("different"));
        assert!(descriptions[2].contains("does not parse"));
    }

    #[test]
    fn a_token_without_x5t_ignores_the_header_entirely() {
        for cnf in [None, Some(json!({ "jkt": "abc" }))] {
            assert_eq!(check_binding(cnf.as_ref(), ["garbage", "twice"]), Ok(()));
            assert_eq!(check_binding(cnf.as_ref(), []), Ok(()));
        }
    }

    #[test]
    fn a_confirmation_that_is_not_a_string_is_refused() {
        let cnf = json!({ "x5t#S256": 42 });
        assert_eq!(
            check_binding(Some(&cnf), [header(CERT).as_str()]),
            Err(CertBindingError::BadConfirmation)
        );
    }

    #[test]
    fn the_tls_certificate_wins_over_the_header() {
        let cnf = json!({ "x5t#S256": CERT_X5T });
        let right = header(CERT);
        let other = header(OTHER);
        let tls = TlsClientCertificate::Der;
        // The right TLS certificate passes whatever the header holds.
        for values in [vec![], vec![other.as_str()], vec!["garbage", "twice"]] {
            assert_eq!(
                check_binding_with(Some(&cnf), tls(CERT), values.iter().copied()),
                Ok(()),
                "{values:?}"
            );
        }
        // Another TLS certificate is a mismatch, even with the right header.
        assert_eq!(
            check_binding_with(Some(&cnf), tls(OTHER), [right.as_str()]),
            Err(CertBindingError::Mismatch)
        );
        // An unreadable TLS certificate is refused, not replaced by the header.
        assert_eq!(
            check_binding_with(
                Some(&cnf),
                TlsClientCertificate::Unreadable,
                [right.as_str()]
            ),
            Err(CertBindingError::UnreadableTlsCertificate)
        );
        assert!(CertBindingError::UnreadableTlsCertificate
            .description()
            .contains("TLS client certificate cannot be read"));
        // Without a TLS certificate, the header is the source.
        assert_eq!(
            check_binding_with(Some(&cnf), TlsClientCertificate::None, [right.as_str()]),
            Ok(())
        );
        assert_eq!(
            check_binding_with(Some(&cnf), TlsClientCertificate::None, []),
            Err(CertBindingError::Missing)
        );
    }

    #[test]
    fn a_token_without_x5t_ignores_the_tls_certificate_too() {
        for tls in [
            TlsClientCertificate::Der(b"not even a certificate"),
            TlsClientCertificate::Unreadable,
            TlsClientCertificate::None,
        ] {
            assert_eq!(check_binding_with(None, tls, ["garbage"]), Ok(()));
        }
    }

    #[test]
    fn an_almost_equal_thumbprint_is_a_mismatch() {
        let mut near = CERT_X5T.to_owned();
        near.pop();
        near.push('V');
        assert_eq!(
            check_certificate(&near, Some(CERT)),
            Err(CertBindingError::Mismatch)
        );
        assert_eq!(
            check_certificate(&CERT_X5T[..10], Some(CERT)),
            Err(CertBindingError::Mismatch)
        );
    }
}
