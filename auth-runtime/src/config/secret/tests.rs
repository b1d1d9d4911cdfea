use super::*;

#[test]
fn base64_secrets_decode_in_either_alphabet() {
    assert_eq!(HmacSecret::base64("_-8").unwrap().bytes(), [0xff, 0xef]);
    assert_eq!(HmacSecret::base64("/+8=").unwrap().bytes(), [0xff, 0xef]);
    assert!(HmacSecret::base64("not base64!").is_err());
}

#[test]
fn a_secret_is_never_printed() {
    assert_eq!(
        format!("{:?}", HmacSecret::raw("hunter2")),
        "HmacSecret(7 bytes, redacted)"
    );
}
