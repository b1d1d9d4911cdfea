use super::*;

#[test]
fn the_entry_points_reach_the_internals() {
    assert_eq!(header_to_token("Bearer a.b.c"), Ok("a.b.c"));
    // {"alg":"RS256","kid":"k","typ":"at+jwt"}
    let header =
        token_header("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsiLCJ0eXAiOiJhdCtqd3QifQ.e30.").unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), Some("k"));
    assert!(header.access_token_type);
    // {"iss":"i"}
    assert_eq!(
        unverified_issuer("e30.eyJpc3MiOiJpIn0.x"),
        Ok(Some("i".to_owned()))
    );
    let set =
        key_set(br#"{"keys":[{"kty":"EC","kid":"e","crv":"P-256","x":"AA","y":"AA"}]}"#).unwrap();
    assert_eq!(
        set.keys(),
        [Key {
            kid: Some("e".to_owned()),
            algorithms: vec![Algorithm::ES256]
        }]
    );
    assert_eq!(key_set(b"[]").unwrap_err(), KeySetError::NotAKeySet);
    assert_eq!(
        htu_normalize("HTTPS://A.example:443/%7e?q#f").as_deref(),
        Some("https://a.example/~")
    );
}
