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
pub(crate) fn route_requirement() -> TokenStream {
    quote!(::auth_runtime::__private::RouteRequirement)
}

/// The step-up requirement's type.
pub(crate) fn step_up() -> TokenStream {
    quote!(::auth_runtime::__private::StepUp)
}

/// A claim check's type, how it compares, and its value's type.
pub(crate) fn claim_check() -> TokenStream {
    quote!(::auth_runtime::__private::ClaimCheck)
}

/// How a claim check compares.
pub(crate) fn claim_check_kind() -> TokenStream {
    quote!(::auth_runtime::__private::ClaimCheckKind)
}

/// The value a claim is compared with.
pub(crate) fn claim_value() -> TokenStream {
    quote!(::auth_runtime::__private::ClaimValue)
}

/// The scope expression type of the requirement's constant.
pub(crate) fn scope_expr() -> TokenStream {
    quote!(::auth_runtime::__private::ScopeExpr)
}
