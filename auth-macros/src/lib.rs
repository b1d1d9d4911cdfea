//! Procedural macros of [`auth-runtime`](https://docs.rs/auth-runtime):
//! `#[requires_auth]` and `#[requires_scope(...)]`.
//!
//! Do not depend on this crate directly: depend on `auth-runtime`, which
//! re-exports both attributes, documents them, and provides everything the
//! generated code calls.
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]

mod attr;
mod expand;
mod exports;
mod valid;

use proc_macro::TokenStream;

/// Requires a valid bearer token for a Rocket route. Documented in `auth-runtime`.
#[proc_macro_attribute]
pub fn requires_auth(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::requires_auth(args.into(), item.into()).into()
}

/// Requires a valid bearer token granting scopes. Documented in `auth-runtime`.
#[proc_macro_attribute]
pub fn requires_scope(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::requires_scope(args.into(), item.into()).into()
}
