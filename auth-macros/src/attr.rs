//! Parsing the attributes' arguments.
//!
//! `#[requires_scope(item, ..., option, ...)]`, where an item is a scope
//! string, or `any(item, ...)` / `all(item, ...)` (the top-level list is "all
//! of"), and `#[requires_auth(option, ...)]`. An option is
//! `acr_values = "v"` or `acr_values = ["v", ...]`, `max_age = <seconds>`,
//! `claim_equals("name", value)` or `claim_includes("name", value)`.

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
        span: Span,
    },
}

/// The two combinators.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Combinator {
    Any,
    All,
}

/// A claim check as written.
pub(crate) struct ClaimCheckArg {
    pub(crate) includes: bool,
    pub(crate) name: LitStr,
    pub(crate) value: syn::Lit,
}

/// The arguments of either attribute.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) items: Vec<ScopeItem>,
    /// `acr_values = ...`: the `acr_values` token and the values.
    pub(crate) acr_values: Option<(syn::Ident, Vec<LitStr>)>,
    /// `max_age = ...`: the `max_age` token and the literal.
    pub(crate) max_age: Option<(syn::Ident, syn::Lit)>,
    pub(crate) claims: Vec<ClaimCheckArg>,
}

impl Args {
    /// Whether anything beyond a valid token is required.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
            && self.acr_values.is_none()
            && self.max_age.is_none()
            && self.claims.is_empty()
    }
}

fn combine(errors: &mut Option<syn::Error>, error: syn::Error) {
    match errors {
        Some(errors) => errors.combine(error),
        None => *errors = Some(error),
    }
}

const EXPECTED: &str = "expected a scope as a string literal such as `\"read:messages\"`, \
     or `any(...)` / `all(...)` of scopes";

/// `expr` without the invisible groups `macro_rules!` wraps its fragments
/// in (`$scope:literal` reaches us as a group holding the literal).
fn ungroup(expr: Expr) -> Expr {
    match expr {
        Expr::Group(group) => ungroup(*group.expr),
        other => other,
    }
}

fn item(expr: Expr, errors: &mut Option<syn::Error>) -> Option<ScopeItem> {
    match ungroup(expr) {
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
            let span = syn::spanned::Spanned::span(&call.func);
            let items = call
                .args
                .into_iter()
                .filter_map(|arg| item(arg, errors))
                .collect();
            Some(ScopeItem::Call { kind, items, span })
        }
        other => {
            combine(errors, syn::Error::new_spanned(other, EXPECTED));
            None
        }
    }
}

const OPTIONS: &str = "`acr_values = [\"...\"]`, `max_age = <seconds>`, \
     `claim_equals(\"claim\", value)` or `claim_includes(\"claim\", value)`";

/// `name = value` with `name` an option of ours.
fn option(args: &mut Args, assign: syn::ExprAssign, errors: &mut Option<syn::Error>) {
    let name = match &*assign.left {
        Expr::Path(path) => path.path.get_ident().cloned(),
        _ => None,
    };
    let Some(name) = name else {
        combine(
            errors,
            syn::Error::new_spanned(&assign.left, format!("expected one of {OPTIONS}")),
        );
        return;
    };
    if name == "acr_values" {
        if let Some(values) = acr_values(&name, ungroup(*assign.right), errors) {
            set_once(&mut args.acr_values, name, values, errors);
        }
    } else if name == "max_age" {
        match ungroup(*assign.right) {
            Expr::Lit(lit) => set_once(&mut args.max_age, name, lit.lit, errors),
            other => combine(
                errors,
                syn::Error::new_spanned(
                    other,
                    "`max_age` is a positive whole number of seconds, e.g. `max_age = 300`",
                ),
            ),
        }
    } else if SCOPE_NAMES.iter().any(|scope| name == scope) {
        combine(
            errors,
            syn::Error::new_spanned(
                &name,
                format!("unknown option `{name}`: {SCOPES_ARE_STRINGS}"),
            ),
        );
    } else {
        combine(
            errors,
            syn::Error::new_spanned(
                &name,
                format!("unknown option `{name}`: expected one of {OPTIONS}"),
            ),
        );
    }
}

/// Option names a user may reach for to give scopes (`scope = "..."`).
const SCOPE_NAMES: [&str; 4] = ["scope", "scopes", "scp", "permissions"];

const SCOPES_ARE_STRINGS: &str = "scopes are plain strings, not an option: \
     `#[requires_scope(\"read:messages\")]`; several are all required: \
     `#[requires_scope(\"read:messages\", \"write:messages\")]`";

/// The values of `acr_values = <right>`: one string, or an array of them
/// (each element that is not a string is an error, and so is an empty
/// array). `None` when `right` is neither.
fn acr_values(
    name: &syn::Ident,
    right: Expr,
    errors: &mut Option<syn::Error>,
) -> Option<Vec<LitStr>> {
    match right {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Some(vec![lit]),
        Expr::Array(array) => {
            let mut values = Vec::new();
            for element in array.elems {
                match element {
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(lit),
                        ..
                    }) => values.push(lit),
                    other => combine(
                        errors,
                        syn::Error::new_spanned(other, "an acr value is a string literal"),
                    ),
                }
            }
            if values.is_empty() && errors.is_none() {
                combine(
                    errors,
                    syn::Error::new_spanned(
                        name,
                        "`acr_values` needs at least one value, e.g. `acr_values = [\"http://schemas.openid.net/pape/policies/2007/06/multi-factor\"]`",
                    ),
                );
            }
            Some(values)
        }
        other => {
            combine(
                errors,
                syn::Error::new_spanned(
                    other,
                    "expected a string or an array of strings: `acr_values = [\"...\"]`",
                ),
            );
            None
        }
    }
}

/// Records option `name`'s `value` in `slot`, or an error if the option was
/// given before.
fn set_once<T>(
    slot: &mut Option<(syn::Ident, T)>,
    name: syn::Ident,
    value: T,
    errors: &mut Option<syn::Error>,
) {
    if slot.is_some() {
        combine(
            errors,
            syn::Error::new_spanned(&name, format!("`{name}` is given twice; give it once")),
        );
    } else {
        *slot = Some((name, value));
    }
}

/// `claim_equals("name", value)` or `claim_includes("name", value)`.
fn claim_check(
    includes: bool,
    call: syn::ExprCall,
    errors: &mut Option<syn::Error>,
) -> Option<ClaimCheckArg> {
    let which = if includes {
        "claim_includes"
    } else {
        "claim_equals"
    };
    let usage = format!(
        "`{which}` takes a claim name and a value: `{which}(\"https://example.com/org\", \"acme\")`"
    );
    let mut args = call.args.iter();
    let (Some(name), Some(value), None) = (args.next(), args.next(), args.next()) else {
        combine(errors, syn::Error::new_spanned(&call, usage));
        return None;
    };
    let name = match name {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => lit.clone(),
        other => {
            combine(errors, syn::Error::new_spanned(other, usage));
            return None;
        }
    };
    let value = match value {
        Expr::Lit(syn::ExprLit { lit, .. }) => lit.clone(),
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => match &**expr {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(int),
                ..
            }) => syn::Lit::Int(syn::LitInt::new(
                &format!("-{}", int.base10_digits()),
                int.span(),
            )),
            other => {
                combine(
                    errors,
                    syn::Error::new_spanned(other, "expected a literal value"),
                );
                return None;
            }
        },
        other => {
            combine(
                errors,
                syn::Error::new_spanned(
                    other,
                    "a claim's value is a string, an integer (i64) or a boolean literal",
                ),
            );
            return None;
        }
    };
    Some(ClaimCheckArg {
        includes,
        name,
        value,
    })
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut errors = None;
        let mut args = Args::default();
        let exprs = Punctuated::<Expr, Token![,]>::parse_terminated(input)?;
        for expr in exprs {
            match ungroup(expr) {
                Expr::Assign(assign) => option(&mut args, assign, &mut errors),
                Expr::Call(call) if is_call(&call, "claim_equals") => {
                    args.claims.extend(claim_check(false, call, &mut errors));
                }
                Expr::Call(call) if is_call(&call, "claim_includes") => {
                    args.claims.extend(claim_check(true, call, &mut errors));
                }
                other => args.items.extend(item(other, &mut errors)),
            }
        }
        match errors {
            Some(errors) => Err(errors),
            None => Ok(args),
        }
    }
}

fn is_call(call: &syn::ExprCall, name: &str) -> bool {
    matches!(&*call.func, Expr::Path(path) if path.path.is_ident(name))
}

/// Parses the arguments of `#[requires_scope]`: at least one scope.
pub(crate) fn parse_scope_args(args: TokenStream) -> syn::Result<Args> {
    let parsed = Args::parse.parse2(args)?;
    if parsed.items.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "`#[requires_scope]` needs at least one scope: \
             write `#[requires_scope(\"read:messages\")]`, \
             or use `#[requires_auth]` to require a valid token only",
        ));
    }
    Ok(parsed)
}

/// Parses the arguments of `#[requires_auth]`: options only, no scope.
pub(crate) fn parse_auth_args(args: TokenStream) -> syn::Result<Args> {
    let parsed = Args::parse.parse2(args)?;
    if let Some(first) = parsed.items.first() {
        let span = match first {
            ScopeItem::Scope(lit) => lit.span(),
            ScopeItem::Call { span, .. } => *span,
        };
        return Err(syn::Error::new(
            span,
            "`#[requires_auth]` takes no scopes; \
             to require scopes, use `#[requires_scope(\"read:messages\")]` instead",
        ));
    }
    Ok(parsed)
}
