//! Checks on what was parsed.

use std::collections::HashSet;

use syn::{Attribute, ItemFn};

use crate::attr::{Args, ScopeItem};

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

/// Each scope is non-empty and made of scope-token characters, and no
/// list (the top level, or one `any`/`all`) names a scope twice.
pub(crate) fn check_scopes(items: &[ScopeItem]) -> syn::Result<()> {
    let mut errors: Option<syn::Error> = None;
    check_list(items, &mut errors);
    errors.map_or(Ok(()), Err)
}

fn check_list(items: &[ScopeItem], errors: &mut Option<syn::Error>) {
    let mut seen = HashSet::new();
    for item in items {
        match item {
            ScopeItem::Scope(lit) => {
                let value = lit.value();
                let problem = scope_problem(&value).or_else(|| {
                    (!seen.insert(value.clone()))
                        .then(|| format!("the scope {value:?} is listed twice; remove one"))
                });
                if let Some(message) = problem {
                    let error = syn::Error::new_spanned(lit, message);
                    match errors {
                        Some(errors) => errors.combine(error),
                        None => *errors = Some(error),
                    }
                }
            }
            ScopeItem::Call { items, .. } => check_list(items, errors),
        }
    }
}

/// Why `value` is not an RFC 6749 scope-token, if it is not.
fn scope_problem(value: &str) -> Option<String> {
    if value.is_empty() {
        return Some("a scope cannot be empty".to_owned());
    }
    let bad = value.chars().find(|&c| !is_scope_char(c))?;
    let hint = if bad.is_whitespace() {
        ": to require several scopes, give one string each, e.g. `#[requires_scope(\"read:messages\", \"write:messages\")]`"
    } else {
        ""
    };
    Some(format!(
        "{value:?} is not a valid scope: {bad:?} is not allowed in a scope \
         (RFC 6749 section 3.3 allows printable ASCII except space, `\"` and `\\`){hint}"
    ))
}

/// The options: acr values non-empty, distinct, and free of space, `"`,
/// `\\` and control characters (RFC 9470's `acr_values` is space-separated);
/// `max_age` a positive whole number of seconds; claim checks naming a
/// claim and comparing with a string, integer or boolean.
pub(crate) fn check_options(args: &Args) -> syn::Result<()> {
    let mut errors: Option<syn::Error> = None;
    let mut fail = |error: syn::Error| match &mut errors {
        Some(errors) => errors.combine(error),
        None => errors = Some(error),
    };
    if let Some((_, values)) = &args.acr_values {
        let mut seen = HashSet::new();
        for lit in values {
            let value = lit.value();
            let problem = if value.is_empty() {
                Some("an acr value cannot be empty".to_owned())
            } else if let Some(bad) = value
                .chars()
                .find(|c| *c == ' ' || *c == '"' || *c == '\\' || c.is_control())
            {
                Some(format!(
                    "{value:?} is not a valid acr value: {bad:?} is not allowed \
                     (acr_values are space-separated): give each value as its own string"
                ))
            } else if !seen.insert(value.clone()) {
                Some(format!(
                    "the acr value {value:?} is listed twice; remove one"
                ))
            } else {
                None
            };
            if let Some(message) = problem {
                fail(syn::Error::new_spanned(lit, message));
            }
        }
    }
    if let Some((_, lit)) = &args.max_age {
        let seconds = match lit {
            syn::Lit::Int(int) => int.base10_parse::<u32>().ok().filter(|s| *s > 0),
            _ => None,
        };
        if seconds.is_none() {
            fail(syn::Error::new_spanned(
                lit,
                "`max_age` is a positive whole number of seconds, e.g. `max_age = 300`",
            ));
        }
    }
    for check in &args.claims {
        if check.name.value().is_empty() {
            fail(syn::Error::new_spanned(
                &check.name,
                "a claim name cannot be empty",
            ));
        }
        let fits = match &check.value {
            syn::Lit::Str(_) | syn::Lit::Bool(_) => true,
            syn::Lit::Int(int) => int.base10_parse::<i64>().is_ok(),
            _ => false,
        };
        if !fits {
            fail(syn::Error::new_spanned(
                &check.value,
                "a claim's value is a string, an integer (i64) or a boolean literal",
            ));
        }
    }
    errors.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;
    use syn::parse::{Parse, Parser};

    use super::*;

    /// The messages of `result`'s error, in order; none for `Ok`.
    fn messages(result: syn::Result<()>) -> Vec<String> {
        result
            .err()
            .map(|error| error.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default()
    }

    fn args(tokens: TokenStream) -> Args {
        Args::parse.parse2(tokens).unwrap()
    }

    fn handler(tokens: TokenStream) -> Vec<String> {
        let function: ItemFn = syn::parse2(tokens).unwrap();
        messages(check_handler(&function, "requires_auth"))
    }

    #[test]
    fn a_handler_needs_a_route_attribute_and_one_of_ours_only() {
        assert!(handler(quote! { #[get("/")] fn f() {} }).is_empty());
        assert!(handler(quote! { #[rocket::post("/")] #[inline] fn f() {} }).is_empty());
        assert!(handler(quote! { #[route(GET, uri = "/")] fn f() {} }).is_empty());
        let none = handler(quote! { #[inline] fn f() {} });
        assert_eq!(none.len(), 1);
        assert!(none[0].contains("must be placed above a Rocket route attribute"));
        assert!(handler(quote! { fn f() {} })[0].contains("must be placed above"));
        // `getter` is not `get`: whole names only.
        assert!(handler(quote! { #[getter] fn f() {} })[0].contains("must be placed above"));
        let both = handler(quote! { #[auth_runtime::requires_scope("a")] #[get("/")] fn f() {} });
        assert_eq!(both.len(), 1);
        assert!(both[0].contains("not both"), "{both:?}");
        assert!(both[0].contains("`#[requires_auth]`"));
    }

    fn scopes(tokens: TokenStream) -> Vec<String> {
        messages(check_scopes(&args(tokens).items))
    }

    #[test]
    fn scopes_are_rfc_6749_scope_tokens() {
        // The edges of each range RFC 6749 allows.
        assert!(scopes(quote! { "read:messages", "!", "#", "[", "]", "~" }).is_empty());
        for (scope, bad) in [
            ("read messages", "' '"),
            ("a\"b", "'\"'"),
            ("a\\b", "'\\\\'"),
            ("caf\u{e9}", "'\u{e9}'"),
            ("tab\tbed", "'\\t'"),
            ("\u{7f}", "'\\u{7f}'"),
        ] {
            let found = scopes(quote! { #scope });
            assert_eq!(found.len(), 1, "{scope:?}");
            assert!(
                found[0].contains(&format!("{bad} is not allowed")),
                "{found:?}"
            );
        }
        assert!(scopes(quote! { "read messages" })[0].contains("give one string each"));
        assert!(!scopes(quote! { "a\"b" })[0].contains("give one string each"));
        assert_eq!(scopes(quote! { "" }), ["a scope cannot be empty"]);
    }

    #[test]
    fn no_list_names_a_scope_twice_and_every_problem_is_reported() {
        assert_eq!(
            scopes(quote! { "a", "a" }),
            ["the scope \"a\" is listed twice; remove one"]
        );
        assert_eq!(
            scopes(quote! { any("b", all("c", "c")) }),
            ["the scope \"c\" is listed twice; remove one"]
        );
        // Each list is its own: a scope at the top and inside `any` is fine.
        assert!(scopes(quote! { "a", any("a", "b") }).is_empty());
        assert_eq!(scopes(quote! { "", "x y", any("") }).len(), 3);
    }

    fn options(tokens: TokenStream) -> Vec<String> {
        messages(check_options(&args(tokens)))
    }

    #[test]
    fn acr_values_are_non_empty_distinct_and_free_of_separators() {
        assert!(options(quote! { acr_values = ["urn:a", "urn:b"] }).is_empty());
        assert_eq!(
            options(quote! { acr_values = [""] }),
            ["an acr value cannot be empty"]
        );
        for value in ["a b", "a\"b", "a\\b", "a\tb", "a\u{0}b"] {
            let found = options(quote! { acr_values = [#value] });
            assert_eq!(found.len(), 1, "{value:?}");
            assert!(found[0].contains("is not a valid acr value"), "{found:?}");
        }
        assert_eq!(
            options(quote! { acr_values = ["urn:a", "urn:a"] }),
            ["the acr value \"urn:a\" is listed twice; remove one"]
        );
        assert_eq!(options(quote! { acr_values = ["", "a b"] }).len(), 2);
    }

    #[test]
    fn max_age_is_a_positive_whole_number_of_seconds() {
        for ok in [quote! { max_age = 1 }, quote! { max_age = 4294967295 }] {
            assert!(options(ok).is_empty());
        }
        for bad in [
            quote! { max_age = 0 },
            quote! { max_age = 4294967296 },
            quote! { max_age = "300" },
            quote! { max_age = 1.5 },
            quote! { max_age = true },
        ] {
            let found = options(bad.clone());
            assert_eq!(found.len(), 1, "{bad}");
            assert!(found[0].starts_with("`max_age` is a positive whole number"));
        }
    }

    #[test]
    fn claim_checks_name_a_claim_and_compare_with_a_string_integer_or_boolean() {
        assert!(options(quote! {
            claim_equals("org", "acme"),
            claim_equals("level", -3),
            claim_includes("roles", true)
        })
        .is_empty());
        assert_eq!(
            options(quote! { claim_equals("", "acme") }),
            ["a claim name cannot be empty"]
        );
        for bad in [
            quote! { claim_equals("level", 1.5) },
            quote! { claim_equals("level", 9223372036854775808) },
            quote! { claim_equals("level", b"bytes") },
            quote! { claim_equals("level", 'c') },
        ] {
            let found = options(bad.clone());
            assert_eq!(found.len(), 1, "{bad}");
            assert!(found[0].starts_with("a claim's value is a string, an integer"));
        }
        // Every problem of every option is reported at once.
        assert_eq!(
            options(quote! { acr_values = [""], max_age = 0, claim_equals("", 1.5) }).len(),
            4
        );
    }
}
