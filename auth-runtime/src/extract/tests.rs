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
fn a_word_ends_at_its_first_white_space_wherever_the_chunks_fall() {
    let naive = |bytes: &[u8]| {
        bytes
            .iter()
            .position(|&b| is_space(b))
            .unwrap_or(bytes.len())
    };
    for len in [0, 1, 63, 64, 65, 127, 128, 129, 200] {
        let word = vec![b'a'; len];
        assert_eq!(end_of_word(&word), len, "no space, {len} bytes");
        for at in 0..len {
            for space in [b' ', b'\t', b'\n', 0x0B, 0x0C, b'\r'] {
                let mut bytes = word.clone();
                bytes[at] = space;
                assert_eq!(end_of_word(&bytes), at, "{space:#x} at {at} of {len}");
            }
            // A control byte that is not white space ends no word.
            let mut bytes = word.clone();
            bytes[at] = 0x01;
            assert_eq!(end_of_word(&bytes), naive(&bytes), "0x01 at {at} of {len}");
        }
    }
}

#[test]
fn the_scheme_is_checked_before_the_part_count() {
    assert_eq!(extract_bearer("Basic a b c"), Err(AuthError::NotBearer));
    assert_eq!(extract_bearer("Bearer a b c"), Err(AuthError::TooManyParts));
}
