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

/// The scheme of a request's one `Authorization` header (`values` are its
/// values, in order), if it is one accepted (`DPoP` only when
/// `dpop_accepted`); `None` for no header or several.
pub(crate) fn scheme_of_only<'a>(
    mut values: impl Iterator<Item = &'a str>,
    dpop_accepted: bool,
) -> Option<Scheme> {
    match (values.next(), values.next()) {
        (Some(value), None) => scheme_of(value, dpop_accepted),
        _ => None,
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
/// white space, or its length. `bytes` is ASCII, and every white-space
/// byte is at most `b' '`: a 64-byte chunk with no byte that low is passed
/// whole (a token of a kilobyte costs a few hundred instructions).
fn end_of_word(bytes: &[u8]) -> usize {
    let (chunks, rest) = bytes.as_chunks::<64>();
    let mut offset = 0;
    for chunk in chunks {
        if has_low_byte(chunk) {
            if let Some(at) = chunk.iter().position(|&byte| is_space(byte)) {
                return offset + at;
            }
        }
        offset += chunk.len();
    }
    offset
        + rest
            .iter()
            .position(|&byte| is_space(byte))
            .unwrap_or(rest.len())
}

/// Whether `chunk` holds a byte of at most `b' '`: a fold without a
/// branch over a fixed-size array, which the compiler turns into a few
/// vector compares (measured under callgrind: 635 instructions for a
/// 1,300-byte token, against 825 for a fold over slices and 7,600 for a
/// minimum over exact slices).
fn has_low_byte(chunk: &[u8; 64]) -> bool {
    chunk
        .iter()
        .fold(0u8, |low, &byte| low | u8::from(byte <= b' '))
        != 0
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
mod tests;
