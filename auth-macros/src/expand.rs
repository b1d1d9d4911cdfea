//! Generating the guarded handler.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{parse_quote, FnArg, Item, ItemFn};

use crate::attr::{Combinator, ScopeItem};
use crate::{attr, exports, valid};

/// `#[requires_auth]`.
pub(crate) fn requires_auth(args: TokenStream, item: TokenStream) -> TokenStream {
    let expanded = parse_handler(&item, "requires_auth").and_then(|function| {
        attr::check_no_args(args)?;
        let guard = exports::claims_guard();
        Ok(inject_guard(function, guard, TokenStream::new()))
    });
    expanded.unwrap_or_else(|error| with_error(item, error))
}

/// `#[requires_scope("a", ...)]`.
pub(crate) fn requires_scope(args: TokenStream, item: TokenStream) -> TokenStream {
    let expanded = parse_handler(&item, "requires_scope").and_then(|function| {
        let args = attr::parse_scope_args(args)?;
        valid::check_scopes(&args.items)?;
        let requirement = format_ident!("__auth_scopes_{}", function.sig.ident);
        let vis = &function.vis;
        let required = match args.items.as_slice() {
            [single] => scope_expr(single),
            items => combination(quote!(All), items),
        };
        let trait_path = exports::scope_requirement();
        let expr_type = exports::scope_expr();
        let definition = quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #vis struct #requirement;
            #[automatically_derived]
            impl #trait_path for #requirement {
                const REQUIRED: #expr_type = #required;
            }
        };
        let guard_type = exports::scopes_guard();
        Ok(inject_guard(
            function,
            quote!(#guard_type<#requirement>),
            definition,
        ))
    });
    expanded.unwrap_or_else(|error| with_error(item, error))
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
