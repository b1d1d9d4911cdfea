use super::*;
use serde_json::json;

/// The fixture certificate, made by `openssl req -x509` (not by this
/// crate), and its thumbprint as openssl computed it:
/// `openssl dgst -sha256 -binary client-cert.der | base64 | tr '+/' '-_' | tr -d =`.
const CERT: &[u8] = include_bytes!("../../../tests/fixtures/client-cert.der");
const CERT_X5T: &str = "dRhQ9UucC06BhnDftLVaMAI-xdik75qmGs-CzWkItgU";
const OTHER: &[u8] = include_bytes!("../../../tests/fixtures/other-client-cert.der");

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
