//! Parsing the attributes' arguments.
//!
//! `#[requires_scope(item, ...)]`, where an item is a scope string, or
//! `any(item, ...)` / `all(item, ...)`; the top-level list is "all of".

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, LitStr, Token};

/// A scope expression as written.
pub(crate) enum ScopeItem {
    /// `"read:messages"`
    Scope(LitStr),
    /// `any(...)` or `all(...)`.
    Call {
        kind: Combinator,
        items: Vec<ScopeItem>,
    },
}

/// The two combinators.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Combinator {
    Any,
    All,
}

/// The arguments of `#[requires_scope]`.
pub(crate) struct ScopeArgs {
    pub(crate) items: Vec<ScopeItem>,
}

fn combine(errors: &mut Option<syn::Error>, error: syn::Error) {
    match errors {
        Some(errors) => errors.combine(error),
        None => *errors = Some(error),
    }
}

const EXPECTED: &str = "expected a scope as a string literal such as `\"read:messages\"`, \
     or `any(...)` / `all(...)` of scopes";

fn item(expr: Expr, errors: &mut Option<syn::Error>) -> Option<ScopeItem> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Some(ScopeItem::Scope(lit)),
        Expr::Call(call) => {
            let kind = match &*call.func {
                Expr::Path(path) if path.path.is_ident("any") => Combinator::Any,
                Expr::Path(path) if path.path.is_ident("all") => Combinator::All,
                other => {
                    combine(
                        errors,
                        syn::Error::new_spanned(
                            other,
                            "unknown scope combinator: use `any(...)` (at least one) or `all(...)` (every one)",
                        ),
                    );
                    return None;
                }
            };
            if call.args.is_empty() {
                let name = if kind == Combinator::Any {
                    "any"
                } else {
                    "all"
                };
                combine(
                    errors,
                    syn::Error::new_spanned(&call, format!("`{name}()` needs at least one scope")),
                );
                return None;
            }
            let items = call
                .args
                .into_iter()
                .filter_map(|arg| item(arg, errors))
                .collect();
            Some(ScopeItem::Call { kind, items })
        }
        other => {
            combine(errors, syn::Error::new_spanned(other, EXPECTED));
            None
        }
    }
}

impl Parse for ScopeArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut errors = None;
        let exprs = Punctuated::<Expr, Token![,]>::parse_terminated(input)?;
        let items = exprs
            .into_iter()
            .filter_map(|expr| item(expr, &mut errors))
            .collect();
        match errors {
            Some(errors) => Err(errors),
            None => Ok(ScopeArgs { items }),
        }
    }
}

/// Parses the arguments of `#[requires_scope]`; none at all is an error.
pub(crate) fn parse_scope_args(args: TokenStream) -> syn::Result<ScopeArgs> {
    if args.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "`#[requires_scope]` needs at least one scope: \
             write `#[requires_scope(\"read:messages\")]`, \
             or use `#[requires_auth]` to require a valid token only",
        ));
    }
    ScopeArgs::parse.parse2(args)
}

/// `#[requires_auth]` takes no arguments.
pub(crate) fn check_no_args(args: TokenStream) -> syn::Result<()> {
    match args.into_iter().next() {
        None => Ok(()),
        Some(first) => Err(syn::Error::new(
            first.span(),
            "`#[requires_auth]` takes no arguments; \
             to require scopes, use `#[requires_scope(\"read:messages\")]` instead",
        )),
    }
}
