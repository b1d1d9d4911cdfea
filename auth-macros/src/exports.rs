//! Every path the generated code names, in one place.

use proc_macro2::TokenStream;
use quote::quote;

/// One function per item of `auth_runtime::__private`: `name => Item`
/// defines `name()`, the tokens `::auth_runtime::__private::Item`.
macro_rules! private_paths {
    ($($(#[doc = $doc:literal])+ $name:ident => $item:ident,)+) => {$(
        $(#[doc = $doc])+
        pub(crate) fn $name() -> TokenStream {
            quote!(::auth_runtime::__private::$item)
        }
    )+};
}

private_paths! {
    /// The guard injected by `#[requires_auth]`.
    claims_guard => Claims,
    /// The guard injected by `#[requires_scope]`, generic over the requirement.
    scopes_guard => Authorized,
    /// The trait the hidden requirement type implements.
    route_requirement => RouteRequirement,
    /// The step-up requirement's type.
    step_up => StepUp,
    /// A claim check's type, how it compares, and its value's type.
    claim_check => ClaimCheck,
    /// How a claim check compares.
    claim_check_kind => ClaimCheckKind,
    /// The value a claim is compared with.
    claim_value => ClaimValue,
    /// The scope expression type of the requirement's constant.
    scope_expr => ScopeExpr,
}
