use super::form_encode;

#[test]
fn form_encoding_escapes_everything_but_the_unreserved() {
    assert_eq!(form_encode("a b+c&d=e/é~"), "a+b%2Bc%26d%3De%2F%C3%A9%7E");
    assert_eq!(form_encode("abc-._*09"), "abc-._*09");
}
