//! Checks on what was parsed.

use std::collections::HashSet;

use syn::{Attribute, ItemFn, LitStr};

/// The last segments of Rocket's route attributes.
const ROUTE_ATTRIBUTES: [&str; 8] = [
    "get", "put", "post", "delete", "head", "patch", "options", "route",
];

/// The attributes of this crate.
const OUR_ATTRIBUTES: [&str; 2] = ["requires_auth", "requires_scope"];

fn last_segment_is(attr: &Attribute, names: &[&str]) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| names.iter().any(|name| segment.ident == name))
}

/// The function must still carry a Rocket route attribute (so ours runs
/// first and Rocket sees the injected guard), and no other attribute of ours.
pub(crate) fn check_handler(function: &ItemFn, ours: &str) -> syn::Result<()> {
    if let Some(other) = function
        .attrs
        .iter()
        .find(|attr| last_segment_is(attr, &OUR_ATTRIBUTES))
    {
        return Err(syn::Error::new_spanned(
            other,
            format!(
                "use one of `#[requires_auth]` and `#[requires_scope(...)]` on a handler, not both \
                 (`#[requires_scope]` already requires a valid token); remove this one or `#[{ours}]`"
            ),
        ));
    }
    if !function
        .attrs
        .iter()
        .any(|attr| last_segment_is(attr, &ROUTE_ATTRIBUTES))
    {
        return Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            format!(
                "`#[{ours}]` must be placed above a Rocket route attribute such as `#[get(\"/path\")]`, \
                 and none follows it: if the route attribute is above `#[{ours}]`, place `#[{ours}]` above it"
            ),
        ));
    }
    Ok(())
}

/// RFC 6749 section 3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
fn is_scope_char(c: char) -> bool {
    matches!(c, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E')
}

/// Each scope is non-empty, made of scope-token characters, and unique.
pub(crate) fn check_scopes(scopes: &[LitStr]) -> syn::Result<()> {
    let mut errors: Option<syn::Error> = None;
    let mut seen = HashSet::new();
    for lit in scopes {
        let value = lit.value();
        let problem = if value.is_empty() {
            Some("a scope cannot be empty".to_owned())
        } else if let Some(bad) = value.chars().find(|&c| !is_scope_char(c)) {
            let hint = if bad.is_whitespace() {
                ": to require several scopes, give one string each, e.g. `#[requires_scope(\"read:messages\", \"write:messages\")]`"
            } else {
                ""
            };
            Some(format!(
                "{value:?} is not a valid scope: {bad:?} is not allowed in a scope \
                 (RFC 6749 section 3.3 allows printable ASCII except space, `\"` and `\\`){hint}"
            ))
        } else if !seen.insert(value.clone()) {
            Some(format!("the scope {value:?} is listed twice; remove one"))
        } else {
            None
        };
        if let Some(message) = problem {
            let error = syn::Error::new_spanned(lit, message);
            match &mut errors {
                Some(errors) => errors.combine(error),
                None => errors = Some(error),
            }
        }
    }
    errors.map_or(Ok(()), Err)
}
