//! The `htu` comparison: both URLs normalised as RFC 3986 section 6.2.2
//! and 6.2.3 say (RFC 9449 section 4.3 asks for it), without query and
//! fragment.

use reqwest::Url;

/// `url` in the form compared with a proof's `htu`, or `None` when it is not
/// an absolute `http` or `https` URL (a request's URL never is anything
/// else, and other schemes, `file:` among them, have normal forms of their
/// own that the fuzz target found unstable).
///
/// Parsing with the WHATWG rules of the `url` crate lower-cases the scheme
/// and the host, drops a default port (80 for `http`, 443 for `https`), makes
/// an empty path `/` and removes dot segments; then the query and the
/// fragment are dropped, and in the path each percent-encoded unreserved
/// character is decoded and every other percent-encoding upper-cased
/// (RFC 3986 section 6.2.2.1 and 6.2.2.2). The result normalises to itself.
pub(crate) fn normalize(url: &str) -> Option<String> {
    let mut url = Url::parse(url).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return None;
    }
    url.set_query(None);
    url.set_fragment(None);
    let path = normalize_percent_encoding(url.path());
    if let Some(path) = path {
        url.set_path(&path);
    }
    Some(url.into())
}

/// The path with its percent-encodings normalised, or `None` when it needs
/// no change (the common case: no allocation).
fn normalize_percent_encoding(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let needs_change = bytes.windows(3).any(|w| {
        matches!(w, [b'%', hi, lo] if hi.is_ascii_hexdigit() && lo.is_ascii_hexdigit()
            && (hi.is_ascii_lowercase() || lo.is_ascii_lowercase()
                || is_unreserved(hex_value(*hi) << 4 | hex_value(*lo))))
    });
    if !needs_change {
        return None;
    }
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(at) = rest.find('%') {
        let (before, from_percent) = rest.split_at(at);
        out.push_str(before);
        match from_percent.as_bytes() {
            [b'%', hi, lo, ..] if hi.is_ascii_hexdigit() && lo.is_ascii_hexdigit() => {
                let byte = hex_value(*hi) << 4 | hex_value(*lo);
                if is_unreserved(byte) && !joins_a_stray_percent(&out, byte) {
                    out.push(char::from(byte));
                } else {
                    out.push('%');
                    out.push(char::from(hi.to_ascii_uppercase()));
                    out.push(char::from(lo.to_ascii_uppercase()));
                }
                rest = from_percent.get(3..).unwrap_or_default();
            }
            _ => {
                out.push('%');
                rest = from_percent.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    Some(out)
}

/// Whether `byte`, decoded right after `out`, could make a percent-encoding
/// with a stray `%` before it (`%4%41` must not become `%4A`, which the next
/// normalisation would decode to `J`): then it stays encoded, so that the
/// normal form is stable.
fn joins_a_stray_percent(out: &str, byte: u8) -> bool {
    byte.is_ascii_hexdigit()
        && match out.as_bytes() {
            [.., b'%'] => true,
            [.., b'%', digit] => digit.is_ascii_hexdigit(),
            _ => false,
        }
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => 0,
    }
}

/// RFC 3986 section 2.3.
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

#[cfg(test)]
mod tests {
    use super::normalize;

    fn same(a: &str, b: &str) -> bool {
        matches!((normalize(a), normalize(b)), (Some(a), Some(b)) if a == b)
    }

    #[test]
    fn scheme_and_host_case_do_not_matter() {
        assert!(same(
            "HTTPS://API.Example.COM/orders",
            "https://api.example.com/orders"
        ));
    }

    #[test]
    fn default_ports_are_dropped_and_others_kept() {
        assert!(same(
            "https://api.example.com:443/a",
            "https://api.example.com/a"
        ));
        assert!(same(
            "http://api.example.com:80/a",
            "http://api.example.com/a"
        ));
        assert!(!same(
            "https://api.example.com:8443/a",
            "https://api.example.com/a"
        ));
        assert!(!same(
            "http://api.example.com:443/a",
            "http://api.example.com/a"
        ));
    }

    #[test]
    fn an_empty_path_is_the_root() {
        assert!(same("https://api.example.com", "https://api.example.com/"));
    }

    #[test]
    fn query_and_fragment_are_ignored_on_both_sides() {
        assert!(same(
            "https://api.example.com/a?x=1#frag",
            "https://api.example.com/a"
        ));
        assert!(same(
            "https://api.example.com/a",
            "https://api.example.com/a?y=2"
        ));
    }

    #[test]
    fn percent_encoding_is_normalised() {
        assert!(same("https://h/a%2fb", "https://h/a%2Fb"));
        assert!(same("https://h/%7Euser/%41", "https://h/~user/A"));
        assert!(!same("https://h/a%2Fb", "https://h/a/b"));
        assert_eq!(
            normalize("https://h/100%").as_deref(),
            Some("https://h/100%")
        );
    }

    // Found by the dpop_proof fuzz target: decoding `%41` after a stray
    // `%4` made `%4A`, which the next normalisation decoded to `J`: the
    // normal form was not stable. An unreserved hex digit that would make
    // a new percent-encoding with a stray `%` before it stays encoded.
    #[test]
    fn normalising_twice_changes_nothing() {
        for url in [
            "https://h/%4%41",
            "https://h/%%34A",
            "https://h/%%34%41",
            "https://h/%2%35",
            "https://h/a%%3ab",
            "https://h/100%",
            "https://h/%7euser/%41%42",
        ] {
            let once = normalize(url).unwrap();
            assert_eq!(normalize(&once).as_deref(), Some(once.as_str()), "{url}");
        }
        assert_eq!(
            normalize("https://h/%4%41").as_deref(),
            Some("https://h/%4%41")
        );
        assert_eq!(
            normalize("https://h/%%34A").as_deref(),
            Some("https://h/%%34A")
        );
        assert!(!same("https://h/%4%41", "https://h/%4A"));
    }

    #[test]
    fn paths_scheme_host_and_port_still_count() {
        assert!(!same(
            "https://api.example.com/a",
            "https://api.example.com/a/"
        ));
        assert!(!same(
            "https://api.example.com/a",
            "https://api.example.com/A"
        ));
        assert!(!same(
            "http://api.example.com/a",
            "https://api.example.com/a"
        ));
        assert!(!same(
            "https://api.example.com/a",
            "https://evil.example.com/a"
        ));
        assert!(!same("https://h:8080/a", "https://h:8081/a"));
    }

    // `file:` URLs with a drive letter did not normalise to themselves
    // (found by the dpop_proof fuzz target): only web URLs are compared.
    #[test]
    fn anything_but_an_absolute_http_or_https_url_is_none() {
        for bad in [
            "file:///C:/a",
            "file://h/C:/a",
            "ftp://h/a",
            "ws://h/a",
            "urn:x:y",
            "",
            "/a",
            "api.example.com/a",
            "mailto:a@b",
            "https://",
            "%%",
        ] {
            assert_eq!(normalize(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_percent_encoding_decodes_if_unreserved_and_is_upper_cased_if_not() {
        for byte in 0..=255u8 {
            let unreserved = byte.is_ascii_alphanumeric() || b"-._~".contains(&byte);
            let expected = if unreserved {
                format!("https://h/x{}y", char::from(byte))
            } else {
                format!("https://h/x%{byte:02X}y")
            };
            for url in [
                format!("https://h/x%{byte:02x}y"),
                format!("https://h/x%{byte:02X}y"),
            ] {
                assert_eq!(normalize(&url).as_deref(), Some(expected.as_str()), "{url}");
            }
        }
    }

    #[test]
    fn a_percent_without_two_hex_digits_is_left_as_it_is() {
        assert_eq!(
            normalize("https://h/%41%zz%4g%g4").as_deref(),
            Some("https://h/A%zz%4g%g4")
        );
    }
}
