//! `Authorization` header value -> bearer token.
//!
//! Invariants: the same value always gets the same answer; a token is a
//! non-empty slice of the value with no whitespace, and the value is exactly
//! `<bearer, any case> <token>` between whitespace; each error is the one
//! the quickstart's rules name for the value's words (found by an oracle
//! that does not use `split_whitespace`), a 401, and never quotes the token.
#![no_main]

use auth_runtime::{__fuzz, AuthError};
use auth_runtime_fuzz::{check_error, words};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);
    let value = value.as_ref();
    let result = __fuzz::header_to_token(value);
    assert_eq!(result, __fuzz::header_to_token(value), "not deterministic");

    let words = words(value);
    let is_bearer = words
        .first()
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer"));
    match result {
        Ok(token) => {
            assert!(!token.is_empty());
            assert!(!token.chars().any(char::is_whitespace), "{token:?}");
            let start = token.as_ptr() as usize - value.as_ptr() as usize;
            assert!(
                value.as_ptr() as usize <= token.as_ptr() as usize
                    && start + token.len() <= value.len(),
                "the token is not a slice of the header value"
            );
            assert_eq!(&value[start..start + token.len()], token);
            assert!(is_bearer && words.len() == 2, "{words:?} gave {token:?}");
            assert_eq!(words[1], token);
        }
        Err(error) => {
            let expected = match words.len() {
                0 => AuthError::MissingHeader,
                _ if !is_bearer => AuthError::NotBearer,
                1 => AuthError::TokenNotFound,
                2 => unreachable!("{words:?} refused with {error:?}"),
                _ => AuthError::TooManyParts,
            };
            assert_eq!(error, expected, "{words:?}");
            assert_eq!(error.status(), 401);
            check_error(&error, words.get(1).copied().unwrap_or(value));
            check_error(&error, value);
        }
    }
});
