//! What a route demands of a token's scopes: the algebra behind
//! `#[requires_scope(...)]`, with no framework in sight; and what a token
//! grants (`claims::ScopeSet`), computed once when its claims are verified.

use crate::claims::Claims;
use crate::error::AuthError;

/// What a route demands of a token's scopes: a scope, all of several, or
/// any of several, nested as deep as needed.
///
/// `#[requires_scope("a", any("b", all("c", "d")))]` builds
/// `All(&[Scope("a"), Any(&[Scope("b"), All(&[Scope("c"), Scope("d")])])])`
/// at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeExpr {
    /// This scope, as a whole word.
    Scope(&'static str),
    /// Every one of these.
    All(&'static [ScopeExpr]),
    /// At least one of these.
    Any(&'static [ScopeExpr]),
}

impl ScopeExpr {
    /// Whether `claims` grant what this expression demands.
    pub(crate) fn is_satisfied_by(&self, claims: &Claims) -> bool {
        match self {
            ScopeExpr::Scope(scope) => claims.has_scope(scope),
            ScopeExpr::All(all) => all.iter().all(|expr| expr.is_satisfied_by(claims)),
            ScopeExpr::Any(any) => any.iter().any(|expr| expr.is_satisfied_by(claims)),
        }
    }

    /// A smallest set of scopes that would satisfy the expression (the
    /// first of the smallest alternatives of each `Any`): what a 403's
    /// `WWW-Authenticate` names in `scope="..."`.
    pub(crate) fn sufficient_scopes(&self) -> Vec<&'static str> {
        match self {
            ScopeExpr::Scope(scope) => vec![scope],
            ScopeExpr::All(all) => {
                let mut scopes: Vec<&'static str> = Vec::new();
                for scope in all.iter().flat_map(ScopeExpr::sufficient_scopes) {
                    if !scopes.contains(&scope) {
                        scopes.push(scope);
                    }
                }
                scopes
            }
            ScopeExpr::Any(any) => any
                .iter()
                .map(ScopeExpr::sufficient_scopes)
                .min_by_key(Vec::len)
                .unwrap_or_default(),
        }
    }

    /// Every scope the expression names, each once, in order: what a 401 of
    /// the route names in its challenge's `scope`, so that a client asks
    /// for all it may need.
    pub(crate) fn all_scopes(&self) -> Vec<&'static str> {
        let mut scopes = Vec::new();
        self.collect(&mut scopes);
        scopes
    }

    fn collect(&self, into: &mut Vec<&'static str>) {
        match self {
            ScopeExpr::Scope(scope) => {
                if !into.contains(scope) {
                    into.push(scope);
                }
            }
            ScopeExpr::All(items) | ScopeExpr::Any(items) => {
                items.iter().for_each(|item| item.collect(into));
            }
        }
    }

    /// `Ok` when `claims` satisfy the expression, else the 403 naming the
    /// scopes that would have sufficed.
    pub(crate) fn check(&self, claims: &Claims) -> Result<(), AuthError> {
        if self.is_satisfied_by(claims) {
            Ok(())
        } else {
            Err(AuthError::InsufficientScope(
                self.sufficient_scopes().join(" ").into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests;
