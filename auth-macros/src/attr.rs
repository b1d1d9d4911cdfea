//! Parsing the attributes' arguments.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{LitStr, Token};

/// `#[requires_scope("a", "b", ...)]`: the scope literals, in order.
pub(crate) struct ScopeArgs {
    pub(crate) scopes: Vec<LitStr>,
}

impl Parse for ScopeArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut scopes = Vec::new();
        let mut errors: Option<syn::Error> = None;
        let items = Punctuated::<syn::Expr, Token![,]>::parse_terminated(input)?;
        for item in items {
            match item {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(lit),
                    ..
                }) => scopes.push(lit),
                other => {
                    let error = syn::Error::new_spanned(
                        other,
                        "expected a scope as a string literal, e.g. `\"read:messages\"`",
                    );
                    match &mut errors {
                        Some(errors) => errors.combine(error),
                        None => errors = Some(error),
                    }
                }
            }
        }
        match errors {
            Some(errors) => Err(errors),
            None => Ok(ScopeArgs { scopes }),
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
