use super::{Count, HeaderValues, RequestParts, TlsClientCertificate};

#[test]
fn debug_counts_the_headers_and_never_prints_their_values() {
    let parts = RequestParts::new("GET", Some("https://api.example/x".into()))
        .authorization("Bearer secret-token")
        .dpop("secret-proof")
        .tls_client_certificate(TlsClientCertificate::Der(b"secret-der"))
        .at(7);
    let text = format!("{parts:?}");
    assert_eq!(
        text,
        "RequestParts { authorization_headers: 1, dpop_headers: 1, client_cert_headers: 0, \
         tls_client_certificate: \"present\", method: \"GET\", \
         url: Some(\"https://api.example/x\"), now: Some(7) }"
    );
    assert!(!text.contains("secret"));
}

#[test]
fn header_values_tell_none_one_and_several_and_keep_their_order() {
    let mut values = HeaderValues::default();
    assert!(matches!(values.count(), Count::None));
    assert_eq!(values.len(), 0);
    values.push("a");
    assert!(matches!(values.count(), Count::One("a")));
    assert_eq!(values.len(), 1);
    values.push("b");
    values.push("c");
    assert!(matches!(values.count(), Count::Several));
    assert_eq!(values.len(), 3);
    // An empty value is a value: one empty header is one, beside
    // another it makes several.
    let mut empty = HeaderValues::default();
    empty.push("");
    assert!(matches!(empty.count(), Count::One("")));
    empty.push("Bearer t");
    assert!(matches!(empty.count(), Count::Several));
    assert_eq!(values.iter().collect::<Vec<_>>(), ["a", "b", "c"]);
}

#[test]
fn the_scheme_is_that_of_the_one_authorization_header() {
    use crate::extract::Scheme;
    let parts = |values: &[&'static str]| {
        values
            .iter()
            .fold(RequestParts::new("GET", None), |parts, value| {
                parts.authorization(value)
            })
    };
    assert_eq!(parts(&[]).scheme(true), None);
    assert_eq!(parts(&["Bearer t"]).scheme(true), Some(Scheme::Bearer));
    assert_eq!(parts(&["DPoP t"]).scheme(true), Some(Scheme::Dpop));
    assert_eq!(parts(&["dpop t"]).scheme(true), Some(Scheme::Dpop));
    // DPoP not accepted, or two headers: no scheme (no nonce is due).
    assert_eq!(parts(&["DPoP t"]).scheme(false), None);
    assert_eq!(parts(&["DPoP t", "DPoP t"]).scheme(true), None);
    assert_eq!(parts(&["Basic x"]).scheme(true), None);
}
