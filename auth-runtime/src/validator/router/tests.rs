use super::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

fn token(payload: &str) -> String {
    format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(payload))
}

#[test]
fn the_issuer_is_peeked_from_a_json_object() {
    assert_eq!(
        unverified_issuer(&token(r#"{"iss":"https://a/"}"#)),
        Ok(Some("https://a/".to_owned()))
    );
    assert_eq!(unverified_issuer(&token(r#"{"iss":5}"#)), Ok(None));
    assert_eq!(unverified_issuer(&token("{}")), Ok(None));
}

// Found by the token_structure fuzz target: serde reads a struct from a
// JSON array too, so `["https://a/"]` was routed as a token from
// https://a/ (and a foreign one answered invalid_claims, not invalid_header).
#[test]
fn a_payload_that_is_not_an_object_is_malformed() {
    for payload in [r#"["https://a/"]"#, "null", r#""https://a/""#, "5"] {
        assert!(
            matches!(
                unverified_issuer(&token(payload)),
                Err(AuthError::Malformed(_))
            ),
            "{payload}"
        );
    }
}

#[test]
fn a_repeated_member_is_malformed() {
    let repeated = token(r#"{"iss":"https://a/","iss":"https://b/"}"#);
    assert!(matches!(
        unverified_issuer(&repeated),
        Err(AuthError::Malformed(_))
    ));
}
