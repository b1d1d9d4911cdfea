//! A route requirement as the document's markers carry it: its scopes as
//! an OR of ANDs (their disjunctive normal form), its step-up requirement
//! and its claim checks.

use super::*;

/// The marker of `R`: its scopes as alternatives (each a list of scopes
/// that suffices), its step-up requirement and its claim checks.
pub(super) fn requirement<R: RouteRequirement>() -> Value {
    let claims: Vec<Value> = R::CLAIMS
        .iter()
        .map(|check| {
            let kind = match check.kind {
                ClaimCheckKind::Equals => "equals",
                ClaimCheckKind::Includes => "includes",
            };
            json!({ "name": check.name, "kind": kind })
        })
        .collect();
    json!({
        "alternatives": alternatives(&R::SCOPES),
        "stepUp": step_up(&R::STEP_UP),
        "claims": claims,
    })
}

pub(super) fn step_up(step_up: &StepUp) -> Value {
    if step_up.is_none() {
        return Value::Null;
    }
    json!({ "acrValues": step_up.acr_values, "maxAge": step_up.max_age })
}

/// The scope expression as an OR of ANDs (its disjunctive normal form):
/// each inner list is a set of scopes that suffices, in the order written.
/// A list that holds another is left out (`any("a", all("a", "b"))` is
/// `[["a"]]`). `All([])` is `[[]]`: a token with no scope suffices.
pub(super) fn alternatives(expr: &ScopeExpr) -> Vec<Vec<&'static str>> {
    let raw = match expr {
        ScopeExpr::Scope(scope) => vec![vec![*scope]],
        ScopeExpr::Any(items) => items.iter().flat_map(alternatives).collect(),
        // Each step is kept minimal (and within the limit), so that a long
        // `all` of `any`s never holds more than the limit squared.
        ScopeExpr::All(items) => items.iter().fold(vec![Vec::new()], |so_far, item| {
            minimal(and(&so_far, &alternatives(item)))
        }),
    };
    minimal(raw)
}

/// Every union of one list of `left` and one of `right`.
pub(super) fn and(
    left: &[Vec<&'static str>],
    right: &[Vec<&'static str>],
) -> Vec<Vec<&'static str>> {
    let mut out = Vec::new();
    for a in left {
        for b in right {
            let mut union = a.clone();
            union.extend(b.iter().filter(|scope| !a.contains(scope)));
            out.push(union);
        }
    }
    out
}

/// `lists` without the ones that hold another (or repeat one), at most
/// [`MAX_ALTERNATIVES`] of them.
pub(super) fn minimal(lists: Vec<Vec<&'static str>>) -> Vec<Vec<&'static str>> {
    let holds = |big: &[&str], small: &[&str]| small.iter().all(|scope| big.contains(scope));
    let mut kept: Vec<Vec<&'static str>> = Vec::new();
    for (index, list) in lists.iter().enumerate() {
        let redundant = lists.iter().enumerate().any(|(other, smaller)| {
            other != index
                && holds(list, smaller)
                // Of two equal lists, the first is kept.
                && (smaller.len() < list.len() || other < index)
        });
        if !redundant && kept.len() < MAX_ALTERNATIVES {
            kept.push(list.clone());
        }
    }
    kept
}
