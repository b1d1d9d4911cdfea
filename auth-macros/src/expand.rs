//! Generating the guarded handler.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{parse_quote, FnArg, Item, ItemFn};

use crate::attr::{Args, Combinator, ScopeItem};
use crate::{attr, exports, valid};

/// `#[requires_auth]` and `#[requires_auth(option, ...)]`.
pub(crate) fn requires_auth(args: TokenStream, item: TokenStream) -> TokenStream {
    let expanded = parse_handler(&item, "requires_auth").and_then(|function| {
        let args = attr::parse_auth_args(args)?;
        valid::check_options(&args)?;
        if args.is_empty() {
            let guard = exports::claims_guard();
            return Ok(inject_guard(function, guard, TokenStream::new()));
        }
        Ok(with_requirement(function, &args))
    });
    expanded.unwrap_or_else(|error| with_error(item, error))
}

/// `#[requires_scope("a", ..., option, ...)]`.
pub(crate) fn requires_scope(args: TokenStream, item: TokenStream) -> TokenStream {
    let expanded = parse_handler(&item, "requires_scope").and_then(|function| {
        let args = attr::parse_scope_args(args)?;
        let scopes = valid::check_scopes(&args.items);
        let options = valid::check_options(&args);
        match (scopes, options) {
            (Err(mut a), Err(b)) => {
                a.combine(b);
                Err(a)
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
            (Ok(()), Ok(())) => Ok(with_requirement(function, &args)),
        }
    });
    expanded.unwrap_or_else(|error| with_error(item, error))
}

/// A hidden type implementing the route's requirement, and the handler
/// guarded by `Authorized<that type>`.
fn with_requirement(function: ItemFn, args: &Args) -> TokenStream {
    let requirement = format_ident!("__auth_requirement_{}", function.sig.ident);
    let vis = &function.vis;
    let trait_path = exports::route_requirement();
    let expr_type = exports::scope_expr();
    let mut constants = TokenStream::new();
    if !args.items.is_empty() {
        let scopes = match args.items.as_slice() {
            [single] => scope_expr(single),
            items => combination(quote!(All), items),
        };
        constants.extend(quote!(const SCOPES: #expr_type = #scopes;));
    }
    if args.acr_values.is_some() || args.max_age.is_some() {
        let step_up = exports::step_up();
        let values = args.acr_values.iter().flat_map(|(_, values)| values);
        // Checked by `valid::check_options`: a positive number that fits.
        let max_age = match &args.max_age {
            Some((_, syn::Lit::Int(int))) => {
                let seconds = proc_macro2::Literal::u64_unsuffixed(
                    int.base10_parse::<u64>().unwrap_or_default(),
                );
                quote!(::core::option::Option::Some(#seconds))
            }
            _ => quote!(::core::option::Option::None),
        };
        constants.extend(quote! {
            const STEP_UP: #step_up = #step_up { acr_values: &[#(#values),*], max_age: #max_age };
        });
    }
    if !args.claims.is_empty() {
        let check = exports::claim_check();
        let kind = exports::claim_check_kind();
        let value_type = exports::claim_value();
        let checks = args.claims.iter().map(|claim| {
            let name = &claim.name;
            let how = if claim.includes {
                quote!(#kind::Includes)
            } else {
                quote!(#kind::Equals)
            };
            let value = match &claim.value {
                syn::Lit::Int(int) => {
                    let int = proc_macro2::Literal::i64_unsuffixed(
                        int.base10_parse::<i64>().unwrap_or_default(),
                    );
                    quote!(#value_type::Int(#int))
                }
                syn::Lit::Bool(b) => quote!(#value_type::Bool(#b)),
                other => quote!(#value_type::Str(#other)),
            };
            quote!(#check { name: #name, kind: #how, value: #value })
        });
        constants.extend(quote!(const CLAIMS: &'static [#check] = &[#(#checks),*];));
    }
    let definition = quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #requirement;
        #[automatically_derived]
        impl #trait_path for #requirement {
            #constants
        }
    };
    let guard_type = exports::scopes_guard();
    inject_guard(function, quote!(#guard_type<#requirement>), definition)
}

/// The `ScopeExpr` constant for one parsed item.
fn scope_expr(item: &ScopeItem) -> TokenStream {
    match item {
        ScopeItem::Scope(lit) => {
            let expr_type = exports::scope_expr();
            quote!(#expr_type::Scope(#lit))
        }
        ScopeItem::Call {
            kind: Combinator::Any,
            items,
            ..
        } => combination(quote!(Any), items),
        ScopeItem::Call {
            kind: Combinator::All,
            items,
            ..
        } => combination(quote!(All), items),
    }
}

fn combination(variant: TokenStream, items: &[ScopeItem]) -> TokenStream {
    let expr_type = exports::scope_expr();
    let items = items.iter().map(scope_expr);
    quote!(#expr_type::#variant(&[#(#items),*]))
}

/// Parses `item` as a handler function carrying a route attribute.
fn parse_handler(item: &TokenStream, ours: &str) -> syn::Result<ItemFn> {
    match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(function)) => {
            valid::check_handler(&function, ours)?;
            Ok(function)
        }
        Ok(other) => Err(syn::Error::new_spanned(
            other,
            format!("`#[{ours}]` applies to a Rocket route handler: a `fn` with `#[get(...)]` or another route attribute"),
        )),
        Err(error) => Err(error),
    }
}

/// Adds the guard as the handler's first parameter, so that Rocket runs it
/// before every other guard, and keeps everything else of the function.
fn inject_guard(mut function: ItemFn, guard_type: TokenStream, before: TokenStream) -> TokenStream {
    let name = syn::Ident::new("__auth_guard", Span::mixed_site());
    let argument: FnArg = parse_quote!(#name: #guard_type);
    function.sig.inputs.insert(0, argument);
    quote! {
        #before
        #function
    }
}

/// The item unchanged plus the error, so the rest of the crate still
/// type-checks and only the macro's own error is reported.
fn with_error(item: TokenStream, error: syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    quote! {
        #item
        #error
    }
}
