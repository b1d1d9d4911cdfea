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
mod tests;
