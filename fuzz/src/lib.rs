//! What the fuzz targets share: turning fuzz input into tokens, and the
//! invariants every error must keep.

use auth_runtime::__fuzz;
use auth_runtime::AuthError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::sync::OnceLock;

/// The shared secret of the fixed configuration of `validate_token`: 64
/// bytes, enough for HS512 (RFC 7518 section 3.2).
pub const SECRET: [u8; 64] = [7; 64];
/// The issuer of that configuration.
pub const ISSUER: &str = "https://fuzz.example/";
/// Its audience.
pub const AUDIENCE: &str = "https://fuzz.example/api";

/// base64url without padding, as JWS segments are written.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A JWS segment decoded, if it is base64url without padding.
pub fn unb64(segment: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(segment).ok()
}

/// `parse(input)`, checked to give the same answer when called again
/// (`what` names the parse in a failure).
pub fn deterministic<T: PartialEq + std::fmt::Debug>(
    what: &str,
    input: &str,
    parse: impl Fn(&str) -> T,
) -> T {
    let answer = parse(input);
    assert_eq!(answer, parse(input), "{what}: not deterministic");
    answer
}

/// The HMAC algorithm a built token is signed with.
#[derive(Debug, Clone, Copy)]
pub enum Hmac {
    /// HS256.
    Hs256,
    /// HS384.
    Hs384,
    /// HS512.
    Hs512,
}

impl Hmac {
    fn name(self) -> &'static str {
        match self {
            Hmac::Hs256 => "HS256",
            Hmac::Hs384 => "HS384",
            Hmac::Hs512 => "HS512",
        }
    }

    fn sign(self, input: &[u8]) -> Vec<u8> {
        use aws_lc_rs::hmac;
        let algorithm = match self {
            Hmac::Hs256 => hmac::HMAC_SHA256,
            Hmac::Hs384 => hmac::HMAC_SHA384,
            Hmac::Hs512 => hmac::HMAC_SHA512,
        };
        hmac::sign(&hmac::Key::new(algorithm, &SECRET), input)
            .as_ref()
            .to_vec()
    }
}

/// The token a fuzz input stands for. The first byte picks the form:
///
/// * even: the rest of the input is the token itself (lossy UTF-8, as a
///   header value arrives as text);
/// * odd: the rest is a header's JSON, a `0xFF` byte, and a payload's JSON
///   (or, with no `0xFF`, the payload alone under `{"alg":"HSxxx"}`), which
///   are base64url-encoded and signed with [`SECRET`] and the HMAC that
///   bits 1-2 of the first byte pick. The fuzzer then explores the JSON
///   behind a valid signature instead of the base64 in front of it.
pub fn token_from_input(data: &[u8]) -> String {
    let Some((&mode, rest)) = data.split_first() else {
        return String::new();
    };
    if mode & 1 == 0 {
        return String::from_utf8_lossy(rest).into_owned();
    }
    let hmac = match (mode >> 1) & 3 {
        1 => Hmac::Hs384,
        2 => Hmac::Hs512,
        _ => Hmac::Hs256,
    };
    let (header, payload) = match rest.iter().position(|&b| b == 0xFF) {
        Some(at) => (rest[..at].to_vec(), &rest[at + 1..]),
        None => (format!(r#"{{"alg":"{}"}}"#, hmac.name()).into_bytes(), rest),
    };
    let signing_input = format!("{}.{}", b64(&header), b64(payload));
    let signature = hmac.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", b64(&signature))
}

/// The maximal runs of non-whitespace characters of `text`, found without
/// `split_whitespace` (an oracle for the extraction).
pub fn words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(at),
            (true, Some(from)) => {
                words.push(&text[from..at]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        words.push(&text[from..]);
    }
    words
}

/// The claims whose names the validator's sentences may carry.
const CLAIM_NAMES: [&str; 6] = ["exp", "nbf", "iat", "iss", "aud", "sub"];

/// The sentences an `InvalidClaims` error may say: the crate's own, with
/// at most a claim name in them, never a claim's value.
pub fn claims_sentences() -> &'static [String] {
    static SENTENCES: OnceLock<Vec<String>> = OnceLock::new();
    SENTENCES.get_or_init(|| {
        let mut sentences = vec![
            "the token is not valid yet (nbf is in the future)".to_owned(),
            "the iat claim is not a number".to_owned(),
            "the iat claim is in the future".to_owned(),
        ];
        for claim in CLAIM_NAMES {
            sentences.push(format!("the token has no {claim} claim"));
            sentences.push(format!("the {claim} claim is not a valid NumericDate"));
        }
        sentences
    })
}

/// Every fixed text an error can say (descriptions and log reasons).
fn fixed_texts() -> &'static [String] {
    static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        let errors = __fuzz::one_of_each();
        let mut texts: Vec<String> = errors
            .iter()
            .flat_map(|e| [e.description(), __fuzz::log_reason(e)])
            .map(str::to_owned)
            .collect();
        texts.extend(claims_sentences().iter().cloned());
        texts
    })
}

/// The invariants of every error, whatever the input:
///
/// * a 401, 403 or 503 with one of the contract's codes, and `Display` is
///   exactly `code: description`;
/// * an `InvalidClaims` description is one of [`claims_sentences`];
/// * neither the description nor the log reason contains `token` when it is
///   longer than 8 bytes, unless `token` happens to be part of one of the
///   crate's fixed sentences (a `Malformed` reason is `&'static` by type).
pub fn check_error(error: &AuthError, token: &str) {
    assert!(
        matches!(error.status(), 401 | 403 | 503),
        "status {} for {error:?}",
        error.status()
    );
    assert!(
        __fuzz::one_of_each()
            .iter()
            .any(|kind| kind.code() == error.code()),
        "code {} for {error:?}",
        error.code()
    );
    assert_eq!(
        error.to_string(),
        format!("{}: {}", error.code(), error.description())
    );
    if let AuthError::InvalidClaims(text) = error {
        assert!(
            claims_sentences().iter().any(|s| s == text),
            "{error:?} is not one of the crate's sentences"
        );
    }
    if token.len() > 8 {
        for text in [error.description(), __fuzz::log_reason(error)] {
            if text.contains(token) {
                let static_reason =
                    matches!(error, AuthError::Malformed(reason) if *reason == text);
                assert!(
                    static_reason || fixed_texts().iter().any(|f| f.contains(token)),
                    "{error:?} echoes the token in {text:?}"
                );
            }
        }
    }
}
