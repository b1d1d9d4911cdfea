//! Reading the token out of an `Authorization` header value: `Bearer`, and
//! `DPoP` (RFC 9449) where it is accepted.

use crate::error::AuthError;

/// The scheme a token was presented with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// `Bearer` (RFC 6750).
    Bearer,
    /// `DPoP` (RFC 9449): the request carries a proof.
    Dpop,
}

/// The scheme of an `Authorization` header value, if it is one of ours
/// (`DPoP` only where `dpop_accepted`); for choosing the challenge.
pub(crate) fn scheme_of(value: &str, dpop_accepted: bool) -> Option<Scheme> {
    let scheme = value.split_whitespace().next()?;
    if scheme.eq_ignore_ascii_case("bearer") {
        Some(Scheme::Bearer)
    } else if dpop_accepted && scheme.eq_ignore_ascii_case("dpop") {
        Some(Scheme::Dpop)
    } else {
        None
    }
}

/// Extracts the scheme and token from the value of an `Authorization`
/// header, with the rules of [`extract_bearer`]; `DPoP` (compared
/// case-insensitively) is accepted beside `Bearer` when `dpop_accepted`,
/// and is otherwise [`AuthError::NotBearer`].
pub(crate) fn extract_credentials(
    value: &str,
    dpop_accepted: bool,
) -> Result<(Scheme, &str), AuthError> {
    let [first, token, third] = first_three_words(value);
    let Some(first) = first else {
        return Err(AuthError::MissingHeader);
    };
    let Some(scheme) = scheme_of(first, dpop_accepted) else {
        return Err(AuthError::NotBearer);
    };
    let Some(token) = token else {
        return Err(AuthError::TokenNotFound);
    };
    if third.is_some() {
        return Err(AuthError::TooManyParts);
    }
    Ok((scheme, token))
}

/// The first three words of `value`, as [`str::split_whitespace`] splits
/// it (Unicode `White_Space`, as the quickstart's `str.split()` nearly
/// does). An ASCII value (every real header) is scanned as bytes, with the
/// six ASCII characters that are `White_Space`; any other value takes
/// `split_whitespace` itself.
fn first_three_words(value: &str) -> [Option<&str>; 3] {
    if !value.is_ascii() {
        let mut words = value.split_whitespace();
        return [words.next(), words.next(), words.next()];
    }
    let mut words = [None; 3];
    let mut rest = value;
    for word in &mut words {
        rest = rest.trim_start_matches(|c: char| c.is_ascii() && is_space(c as u8));
        if rest.is_empty() {
            break;
        }
        // ASCII: every index is a character boundary.
        let (found, after) = rest.split_at(end_of_word(rest.as_bytes()));
        *word = Some(found);
        rest = after;
    }
    words
}

/// The ASCII characters that are Unicode `White_Space`.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

/// The length of the word `bytes` starts with: the index of its first
/// white space, or its length. Every such byte is at most `b' '`, so a
/// 32-byte chunk without one is passed whole (the check vectorises: a
/// token of a few hundred bytes costs a few dozen steps).
fn end_of_word(bytes: &[u8]) -> usize {
    let mut offset = 0;
    for chunk in bytes.chunks(32) {
        if chunk.iter().fold(false, |low, &byte| low | (byte <= b' ')) {
            if let Some(at) = chunk.iter().position(|&byte| is_space(byte)) {
                return offset + at;
            }
        }
        offset += chunk.len();
    }
    bytes.len()
}

/// Extracts the token from the value of an `Authorization` header.
///
/// Follows the quickstart's rules, in its order: an empty value is
/// [`AuthError::MissingHeader`]; a scheme other than `Bearer` (compared
/// case-insensitively) is [`AuthError::NotBearer`]; `Bearer` alone is
/// [`AuthError::TokenNotFound`]; more than two whitespace-separated parts is
/// [`AuthError::TooManyParts`]. The returned slice borrows from `value`.
pub(crate) fn extract_bearer(value: &str) -> Result<&str, AuthError> {
    extract_credentials(value, false).map(|(_, token)| token)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        // The byte scan of ASCII values splits exactly as split_whitespace.
        #[test]
        fn the_first_three_words_are_split_whitespaces(
            value in "[ \t\n\x0B\x0C\r\x1C-\x1F\u{85}\u{A0}\u{2003}a-zA-Z0-9._~+/=-]{0,100}"
        ) {
            let mut expected = value.split_whitespace();
            let expected = [expected.next(), expected.next(), expected.next()];
            proptest::prop_assert_eq!(first_three_words(&value), expected);
        }
    }

    // The byte scan passes 32 bytes at a time: words and gaps on either
    // side of a chunk's edge, and a gap filling a whole chunk.
    #[test]
    fn words_across_chunk_edges_are_split_whitespaces() {
        for length in [1, 31, 32, 33, 64, 65] {
            for gap in [1, 31, 32, 33, 64] {
                let value = format!(
                    "{}{}{} c",
                    "a".repeat(length),
                    " ".repeat(gap),
                    "b".repeat(length)
                );
                let mut expected = value.split_whitespace();
                let expected = [expected.next(), expected.next(), expected.next()];
                assert_eq!(first_three_words(&value), expected, "{length} {gap}");
            }
        }
    }

    #[test]
    fn ascii_white_space_is_unicodes_and_nothing_else() {
        for byte in 0u8..=0x7F {
            let text = format!("a{}b", char::from(byte));
            let words = first_three_words(&text);
            let split = char::from(byte).is_whitespace();
            assert_eq!(words[1].is_some(), split, "byte {byte:#04x}");
        }
    }

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
    fn dpop_is_a_scheme_only_where_accepted() {
        assert_eq!(
            extract_credentials("DPoP abc", true),
            Ok((Scheme::Dpop, "abc"))
        );
        assert_eq!(
            extract_credentials("dpop abc", true),
            Ok((Scheme::Dpop, "abc"))
        );
        assert_eq!(
            extract_credentials("Bearer abc", true),
            Ok((Scheme::Bearer, "abc"))
        );
        assert_eq!(
            extract_credentials("DPoP abc", false),
            Err(AuthError::NotBearer)
        );
        assert_eq!(
            extract_credentials("DPoP", true),
            Err(AuthError::TokenNotFound)
        );
        assert_eq!(
            extract_credentials("DPoP a b", true),
            Err(AuthError::TooManyParts)
        );
        assert_eq!(
            extract_credentials("DPoPx a", true),
            Err(AuthError::NotBearer)
        );
        assert_eq!(scheme_of("DPoP a", false), None);
        assert_eq!(scheme_of("", true), None);
    }

    #[test]
    fn the_scheme_is_checked_before_the_part_count() {
        assert_eq!(extract_bearer("Basic a b c"), Err(AuthError::NotBearer));
        assert_eq!(extract_bearer("Bearer a b c"), Err(AuthError::TooManyParts));
    }
}
