use super::ScopeExpr::{self, All, Any, Scope};
use crate::claims::Claims;

fn claims(scope: &str) -> Claims {
    let mut payload = serde_json::Map::new();
    payload.insert("scope".into(), scope.into());
    Claims::from_payload(payload)
}

const NESTED: ScopeExpr = Any(&[All(&[Scope("a"), Scope("b")]), Scope("admin")]);

#[test]
fn expressions_combine_all_and_any() {
    assert!(NESTED.is_satisfied_by(&claims("a b")));
    assert!(NESTED.is_satisfied_by(&claims("admin")));
    assert!(!NESTED.is_satisfied_by(&claims("a")));
    assert!(!NESTED.is_satisfied_by(&claims("ab adminX")));
    assert!(All(&[]).is_satisfied_by(&claims("")));
    assert!(!Any(&[]).is_satisfied_by(&claims("a")));
}

#[test]
fn all_scopes_names_every_scope_once() {
    assert_eq!(NESTED.all_scopes(), ["a", "b", "admin"]);
    assert_eq!(
        All(&[Scope("x"), Any(&[Scope("y"), Scope("x")])]).all_scopes(),
        ["x", "y"]
    );
    assert!(All(&[]).all_scopes().is_empty());
}

#[test]
fn the_smallest_sufficient_alternative_is_named() {
    assert_eq!(NESTED.sufficient_scopes(), ["admin"]);
    let expr = All(&[Scope("x"), Any(&[Scope("y"), Scope("z")]), Scope("x")]);
    assert_eq!(expr.sufficient_scopes(), ["x", "y"]);
    assert_eq!(
        expr.check(&claims("x")),
        Err(crate::AuthError::InsufficientScope("x y".into()))
    );
    assert_eq!(expr.check(&claims("x z")), Ok(()));
}
