//! [`ScopeSet`]: the scopes a verified token grants, held with its claims.

/// The scopes a token grants, computed once, when its claims are verified
/// (a cached token keeps them with its claims): one buffer holding every
/// scope, their spans in the order the token lists them (for
/// [`Claims::scopes`](super::Claims::scopes)), and the same spans sorted (by length, then bytes)
/// without duplicates, so that asking whether a scope is granted allocates
/// nothing and is a binary search whose steps mostly compare two lengths. Which words are scopes (the splitting rules, the
/// configured sources) is decided by the caller, `claims.rs`.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct ScopeSet {
    text: Box<str>,
    listed: Box<[Span]>,
    sorted: Box<[Span]>,
}

/// A scope's bytes in [`ScopeSet::text`], always on character boundaries:
/// 8 bytes a scope, twice (listed and sorted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// Its bytes in `text`. Spans are made with their text and always lie
    /// within it; were one not to, it would read as the empty word, which
    /// no route can require (the attributes refuse an empty scope).
    fn bytes_of(self, text: &str) -> &[u8] {
        text.as_bytes()
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

impl ScopeSet {
    /// The set of `scopes`, each taken whole, in this order (duplicates
    /// are listed, and found, as one). Scopes past 4 GiB of text, were a
    /// token to carry that many (the size limit refuses it long before),
    /// are left out: fewer scopes granted, never more.
    pub(crate) fn new(scopes: &[&str]) -> ScopeSet {
        let mut text = String::with_capacity(scopes.iter().map(|scope| scope.len()).sum());
        let mut listed = Vec::with_capacity(scopes.len());
        for scope in scopes {
            let start = u32::try_from(text.len());
            let end = text.len().checked_add(scope.len()).map(u32::try_from);
            let (Ok(start), Some(Ok(end))) = (start, end) else {
                break;
            };
            text.push_str(scope);
            listed.push(Span { start, end });
        }
        let listed = listed.into_boxed_slice();
        let text = text.into_boxed_str();
        let bytes = |span: &Span| span.bytes_of(&text);
        let mut sorted = listed.to_vec();
        sorted.sort_unstable_by(|a, b| order(bytes(a), bytes(b)));
        sorted.dedup_by(|a, b| bytes(a) == bytes(b));
        ScopeSet {
            sorted: sorted.into_boxed_slice(),
            listed,
            text,
        }
    }

    fn word(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }

    /// The scopes in the order the token lists them, duplicates included.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        self.listed.iter().map(|span| self.word(*span))
    }

    /// Whether `scope` is granted, as a whole word (byte for byte).
    pub(crate) fn contains(&self, scope: &str) -> bool {
        self.sorted
            .binary_search_by(|span| order(span.bytes_of(&self.text), scope.as_bytes()))
            .is_ok()
    }
}

/// The set's order: shorter first, then byte-wise. Any total order finds
/// the same words; this one settles most steps of a search on the lengths.
fn order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// As the list of scopes, in the token's order (as `Vec<String>` shows).
impl std::fmt::Debug for ScopeSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}
