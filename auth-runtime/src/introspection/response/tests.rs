use super::*;

const NOW: u64 = 1_419_350_000;

fn issuers() -> Vec<String> {
    vec!["https://server.example.com/".to_owned()]
}

fn audiences() -> Vec<String> {
    vec!["https://protected.example.net/resource".to_owned()]
}

fn judged(body: &str) -> Result<Accepted, IntrospectionError> {
    let (issuers, audiences) = (issuers(), audiences());
    let policy = Policy {
        issuers: &issuers,
        audiences: &audiences,
        leeway: Duration::from_secs(60),
    };
    judge(body.as_bytes(), NOW, &policy)
}

/// RFC 7662 section 2.2's example response, as printed there.
const RFC_7662_EXAMPLE: &str = r#"{
  "active": true,
  "client_id": "l238j323ds-23ij4",
  "username": "jdoe",
  "scope": "read write dolphin",
  "sub": "Z5O3upPC88QrAjx00dis",
  "aud": "https://protected.example.net/resource",
  "iss": "https://server.example.com/",
  "exp": 1419356238,
  "iat": 1419350238,
  "extension_field": "twenty-seven"
}"#;

#[test]
fn rfc_7662_example_response_is_accepted_with_its_claims() {
    let accepted = judged(RFC_7662_EXAMPLE).unwrap();
    assert_eq!(accepted.exp, Some(1_419_356_238));
    assert_eq!(accepted.claims["sub"], "Z5O3upPC88QrAjx00dis");
    assert_eq!(accepted.claims["scope"], "read write dolphin");
    assert_eq!(accepted.claims["extension_field"], "twenty-seven");
    assert!(!accepted.claims.contains_key("active"));
}

#[test]
fn a_date_that_is_not_a_number_is_named_in_the_refusal() {
    for (body, named) in [
        (r#"{"active": true, "exp": "soon"}"#, "exp"),
        (r#"{"active": true, "nbf": "1419350000"}"#, "nbf"),
    ] {
        let why = match judged(body) {
            Err(IntrospectionError::Malformed(why)) => why,
            other => panic!("{body}: {other:?}"),
        };
        assert_eq!(
            why,
            format!("the introspection response's {named} is not a number")
        );
    }
}

#[test]
fn rfc_7662_inactive_response_is_inactive() {
    // Section 2.2's second example.
    assert_eq!(
        judged(r#"{"active": false}"#).unwrap_err(),
        IntrospectionError::Inactive
    );
}

/// Each of `bodies` is a malformed answer.
fn assert_malformed(bodies: &[&str]) {
    for body in bodies {
        assert!(
            matches!(judged(body), Err(IntrospectionError::Malformed(_))),
            "{body:?}"
        );
    }
}

#[test]
fn active_must_be_a_json_boolean() {
    assert_malformed(&[
        r#"{"active": "true"}"#,
        r#"{"active": 1}"#,
        r#"{"active": null}"#,
        r#"{"scope": "a"}"#,
    ]);
}

#[test]
fn a_body_that_is_not_a_json_object_is_malformed() {
    assert_malformed(&[
        "",
        "not json",
        "[true]",
        "true",
        "{\"active\": tru",
        "\u{0}",
    ]);
}

/// Each active answer whose `member` is one of the JSON `values` is for
/// another issuer or audience.
fn assert_wrong_party(member: &str, values: &[&str]) {
    for value in values {
        let body = format!(r#"{{"active": true, "{member}": {value}}}"#);
        assert_eq!(
            judged(&body).unwrap_err(),
            IntrospectionError::WrongIssuerOrAudience,
            "{member} {value}"
        );
    }
}

#[test]
fn issuer_if_present_must_be_configured() {
    assert!(judged(r#"{"active": true}"#).is_ok());
    assert!(judged(r#"{"active": true, "iss": "https://server.example.com/"}"#).is_ok());
    assert_wrong_party(
        "iss",
        &[
            r#""https://evil.example/""#,
            "42",
            r#"["https://server.example.com/"]"#,
        ],
    );
}

#[test]
fn audience_if_present_must_hold_a_configured_one() {
    let ok = [
        r#""https://protected.example.net/resource""#,
        r#"["x", "https://protected.example.net/resource"]"#,
    ];
    for aud in ok {
        let body = format!(r#"{{"active": true, "aud": {aud}}}"#);
        assert!(judged(&body).is_ok(), "{aud}");
    }
    assert_wrong_party("aud", &[r#""other""#, r#"["x", "y"]"#, "[]", "7"]);
}

#[test]
fn exp_in_the_past_beyond_the_leeway_is_expired() {
    let at = |exp: u64| judged(&format!(r#"{{"active": true, "exp": {exp}}}"#));
    assert!(at(NOW + 1).is_ok());
    assert!(at(NOW - 59).is_ok(), "within the leeway");
    assert!(at(NOW - 60).is_ok(), "at exp + leeway, as for a JWT");
    assert_eq!(at(NOW - 61).unwrap_err(), IntrospectionError::Expired);
    assert_eq!(at(NOW - 3600).unwrap_err(), IntrospectionError::Expired);
}

#[test]
fn exp_or_nbf_that_is_not_a_number_is_malformed() {
    assert_malformed(&[
        r#"{"active": true, "exp": "1419356238"}"#,
        r#"{"active": true, "exp": null}"#,
        r#"{"active": true, "nbf": "soon"}"#,
    ]);
}

#[test]
fn nbf_in_the_future_beyond_the_leeway_is_not_yet_valid() {
    let at = |nbf: u64| judged(&format!(r#"{{"active": true, "nbf": {nbf}}}"#));
    assert!(at(NOW).is_ok());
    assert!(at(NOW + 60).is_ok(), "within the leeway");
    assert_eq!(at(NOW + 61).unwrap_err(), IntrospectionError::NotYetValid);
}

#[test]
fn fractional_exp_and_nbf_are_rounded_as_for_a_jwt() {
    // jsonwebtoken rounds a float NumericDate to the nearest second (half
    // away from zero) before comparing with a whole-second leeway.
    let exp = |exp: &str| judged(&format!(r#"{{"active": true, "exp": {exp}}}"#));
    let at = NOW - 60;
    assert!(
        exp(&format!("{at}.4")).is_ok(),
        "rounds to exp + leeway = now"
    );
    assert!(exp(&format!("{}.5", at - 1)).is_ok(), "half rounds up");
    assert_eq!(
        exp(&format!("{}.4", at - 1)).unwrap_err(),
        IntrospectionError::Expired
    );
    assert_eq!(
        judged(r#"{"active": true, "exp": 1419356238.5}"#)
            .unwrap()
            .exp,
        Some(1_419_356_239)
    );
    let nbf = |nbf: &str| judged(&format!(r#"{{"active": true, "nbf": {nbf}}}"#));
    let at = NOW + 60;
    assert!(nbf(&format!("{at}.4")).is_ok(), "rounds to now + leeway");
    assert_eq!(
        nbf(&format!("{at}.5")).unwrap_err(),
        IntrospectionError::NotYetValid
    );
}

#[test]
fn exp_or_nbf_that_is_no_numeric_date_is_malformed() {
    // What a JWT's NumericDate refuses: negative or beyond u64.
    assert_malformed(&[
        r#"{"active": true, "exp": -1}"#,
        r#"{"active": true, "nbf": -0.6}"#,
        r#"{"active": true, "exp": 1e30}"#,
    ]);
}

#[test]
fn an_audience_array_with_a_non_string_is_refused_as_for_a_jwt() {
    assert_wrong_party(
        "aud",
        &[
            r#"["https://protected.example.net/resource", 7]"#,
            r#"["https://protected.example.net/resource", null]"#,
            r#"[{"aud": "x"}, "https://protected.example.net/resource"]"#,
            r#"[["https://protected.example.net/resource"]]"#,
        ],
    );
}
