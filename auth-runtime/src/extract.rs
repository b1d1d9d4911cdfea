//! Reading the bearer token out of an `Authorization` header value.

use crate::error::AuthError;

/// Extracts the token from the value of an `Authorization` header.
///
/// Follows the quickstart's rules, in its order: an empty value is
/// [`AuthError::MissingHeader`]; a scheme other than `Bearer` (compared
/// case-insensitively) is [`AuthError::NotBearer`]; `Bearer` alone is
/// [`AuthError::TokenNotFound`]; more than two whitespace-separated parts is
/// [`AuthError::TooManyParts`]. The returned slice borrows from `value`.
pub(crate) fn extract_bearer(value: &str) -> Result<&str, AuthError> {
    let mut parts = value.split_whitespace();
    let Some(scheme) = parts.next() else {
        return Err(AuthError::MissingHeader);
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::NotBearer);
    }
    let Some(token) = parts.next() else {
        return Err(AuthError::TokenNotFound);
    };
    if parts.next().is_some() {
        return Err(AuthError::TooManyParts);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quickstart_rules_in_its_order() {
        assert_eq!(extract_bearer("Bearer abc.def.ghi"), Ok("abc.def.ghi"));
        assert_eq!(extract_bearer("bearer  abc"), Ok("abc"));
        assert_eq!(
            extract_bearer("Basic dXNlcjpwYXNz"),
            Err(AuthError::NotBearer)
        );
        assert_eq!(extract_bearer("Bearer"), Err(AuthError::TokenNotFound));
        assert_eq!(extract_bearer("Bearer a b"), Err(AuthError::TooManyParts));
    }

    #[test]
    fn empty_and_blank_values_are_missing() {
        assert_eq!(extract_bearer(""), Err(AuthError::MissingHeader));
        assert_eq!(extract_bearer("   \t "), Err(AuthError::MissingHeader));
    }

    #[test]
    fn scheme_is_case_insensitive_but_exact() {
        assert_eq!(extract_bearer("BEARER t"), Ok("t"));
        assert_eq!(extract_bearer("BeArEr t"), Ok("t"));
        assert_eq!(extract_bearer("Bearerx t"), Err(AuthError::NotBearer));
        assert_eq!(extract_bearer("Token t"), Err(AuthError::NotBearer));
    }

    #[test]
    fn the_scheme_is_checked_before_the_part_count() {
        assert_eq!(extract_bearer("Basic a b c"), Err(AuthError::NotBearer));
        assert_eq!(extract_bearer("Bearer a b c"), Err(AuthError::TooManyParts));
    }
}
