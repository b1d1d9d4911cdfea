use super::*;

// Found by the token_structure fuzz target: the `application/` prefix
// was stripped case-sensitively, so strict mode refused
// `Application/at+jwt` (a media type is case-insensitive, RFC 7515
// section 4.1.9, as the DPoP typ check already has it).
#[test]
fn at_jwt_is_recognised_in_any_case_with_or_without_the_prefix() {
    for typ in [
        "at+jwt",
        "AT+JWT",
        "application/at+jwt",
        "Application/AT+JWT",
        "APPLICATION/at+jwt",
    ] {
        assert!(is_access_token_type(Some(typ)), "{typ}");
    }
    for typ in [
        "jwt",
        "application/jwt",
        "applications/at+jwt",
        "application/",
        "",
        "xapplication/at+jwt",
    ] {
        assert!(!is_access_token_type(Some(typ)), "{typ}");
    }
    assert!(!is_access_token_type(None));
}

#[test]
fn only_the_application_prefix_is_stripped_from_typ() {
    // Twelve characters before `at+jwt` that are not `application/`.
    for typ in ["vnd.example/at+jwt", "xxxxxxxxxxxxat+jwt"] {
        assert!(!is_access_token_type(Some(typ)), "{typ}");
    }
}

fn header_of(json: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

#[test]
fn a_compact_jws_has_exactly_three_segments() {
    let header = header_of(r#"{"alg":"RS256"}"#);
    assert!(parse_structure(&format!("{header}.e30.sig")).is_ok());
    for token in [
        header.clone(),
        format!("{header}.e30"),
        format!("{header}.e30.sig.more"),
        format!("{header}.e30.sig.more.five"),
    ] {
        assert_eq!(
            parse_structure(&token).err(),
            Some(AuthError::Malformed("not a compact JWS (three segments)")),
            "{token}"
        );
    }
}

#[test]
fn the_header_yields_its_alg_kid_and_typ() {
    let header = header_of(r#"{"alg":"ES256","kid":"k1","typ":"at+jwt"}"#);
    let parsed = parse_header(&format!("{header}.e30.sig")).expect("a valid header");
    assert_eq!(parsed.alg, Algorithm::ES256);
    assert_eq!(parsed.kid.as_deref(), Some("k1"));
    assert_eq!(parsed.typ.as_deref(), Some("at+jwt"));

    let header = header_of(r#"{"alg":"PS384"}"#);
    let parsed = parse_header(&format!("{header}.e30.sig")).expect("a valid header");
    assert_eq!(parsed.alg, Algorithm::PS384);
    assert_eq!((parsed.kid, parsed.typ), (None, None));

    for (json, error) in [
        (r#"{"kid":"k1"}"#, "header has no alg"),
        (r#"{"alg":256}"#, "header has no alg"),
        (r#"{"alg":"none"}"#, "alg is unknown"),
        (r#"{"alg":"RS256","kid":1}"#, "kid or typ is not a string"),
        (
            r#"{"alg":"RS256","crit":["exp"]}"#,
            "header has crit extensions, none of which we support",
        ),
        (
            r#"{"alg":"RS256","alg":"HS256"}"#,
            "header is not base64url JSON with distinct members",
        ),
    ] {
        let token = format!("{}.e30.sig", header_of(json));
        assert_eq!(
            parse_header(&token).err(),
            Some(AuthError::Malformed(error)),
            "{json}"
        );
    }
}

#[test]
fn jwt_library_errors_map_to_the_contract_errors() {
    let wrong = AuthError::WrongAudienceOrIssuer;
    // The library's own base64 error (its base64 version, not ours).
    let base64_error = jsonwebtoken::decode_header("@@@.e30.sig")
        .expect_err("not base64url")
        .into_kind();
    assert!(
        matches!(base64_error, ErrorKind::Base64(_)),
        "{base64_error:?}"
    );
    let cases = [
        (ErrorKind::ExpiredSignature, AuthError::Expired),
        (ErrorKind::InvalidIssuer, wrong.clone()),
        (ErrorKind::InvalidAudience, wrong.clone()),
        (ErrorKind::MissingRequiredClaim("iss".into()), wrong.clone()),
        (ErrorKind::MissingRequiredClaim("aud".into()), wrong.clone()),
        (
            ErrorKind::MissingRequiredClaim("exp".into()),
            AuthError::InvalidClaims("the token has no exp claim".into()),
        ),
        (ErrorKind::InvalidClaimFormat("iss".into()), wrong.clone()),
        (ErrorKind::InvalidClaimFormat("aud".into()), wrong.clone()),
        (
            ErrorKind::InvalidClaimFormat("nbf".into()),
            AuthError::InvalidClaims("the nbf claim is not a valid NumericDate".into()),
        ),
        (
            ErrorKind::ImmatureSignature,
            AuthError::InvalidClaims("the token is not valid yet (nbf is in the future)".into()),
        ),
        (ErrorKind::InvalidSignature, AuthError::BadSignature),
        (
            base64_error,
            AuthError::Malformed("payload or signature is not base64url JSON"),
        ),
        (
            ErrorKind::Json(std::sync::Arc::new(
                serde_json::from_str::<Value>("{").unwrap_err(),
            )),
            AuthError::Malformed("payload or signature is not base64url JSON"),
        ),
        (
            ErrorKind::Utf8(String::from_utf8(vec![0xff]).unwrap_err()),
            AuthError::Malformed("payload or signature is not base64url JSON"),
        ),
        (
            ErrorKind::InvalidAlgorithm,
            AuthError::Malformed("token rejected by the JWT library"),
        ),
    ];
    for (kind, expected) in cases {
        let name = format!("{kind:?}");
        assert_eq!(map_jwt_error(kind), expected, "{name}");
    }
}

#[test]
fn numeric_dates_are_non_negative_integers_or_rounded_floats() {
    use serde_json::json;
    assert_eq!(numeric_date(&json!(0)), Some(0));
    assert_eq!(numeric_date(&json!(1_700_000_000)), Some(1_700_000_000));
    assert_eq!(numeric_date(&json!(1_700_000_000.4)), Some(1_700_000_000));
    assert_eq!(numeric_date(&json!(2.6)), Some(3));
    assert_eq!(numeric_date(&json!(0.0)), Some(0));
    for refused in [json!(-1), json!(-1.5), json!("1700000000"), json!(null)] {
        assert_eq!(numeric_date(&refused), None, "{refused}");
    }
}
