//! Every path the generated code names, in one place.

use proc_macro2::TokenStream;
use quote::quote;

/// The guard injected by `#[requires_auth]`.
pub(crate) fn claims_guard() -> TokenStream {
    quote!(::auth_runtime::__private::Claims)
}

/// The guard injected by `#[requires_scope]`, generic over the requirement.
pub(crate) fn scopes_guard() -> TokenStream {
    quote!(::auth_runtime::__private::ScopedClaims)
}

/// The trait the hidden requirement type implements.
pub(crate) fn scope_requirement() -> TokenStream {
    quote!(::auth_runtime::__private::ScopeRequirement)
}

/// The scope expression type of the requirement's constant.
pub(crate) fn scope_expr() -> TokenStream {
    quote!(::auth_runtime::__private::ScopeExpr)
}
