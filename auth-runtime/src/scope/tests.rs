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

mod scope_set {
    use crate::claims::ScopeSet;

    #[test]
    fn lists_in_the_token_order_and_finds_whole_words() {
        let set = ScopeSet::new(&["write:x", "read:x", "a b", "read:x"]);
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            ["write:x", "read:x", "a b", "read:x"]
        );
        for granted in ["write:x", "read:x", "a b"] {
            assert!(set.contains(granted), "{granted:?}");
        }
        for absent in [
            "", "a", "b", "read:", "read:xx", "xread:x", "READ:X", "write:x ",
        ] {
            assert!(!set.contains(absent), "{absent:?} must not be granted");
        }
    }

    #[test]
    fn an_empty_set_grants_nothing() {
        let set = ScopeSet::new(&[]);
        assert_eq!(set.iter().count(), 0);
        assert!(!set.contains("") && !set.contains("a"));
        assert_eq!(set, ScopeSet::default());
    }

    #[test]
    fn bytes_not_characters_are_compared() {
        // Sorting and searching are byte-wise: a composed and a decomposed
        // "é" are different scopes, as a string comparison says.
        let set = ScopeSet::new(&["caf\u{e9}", "z", "\u{a0}", "a\tb"]);
        assert!(set.contains("caf\u{e9}") && set.contains("\u{a0}") && set.contains("a\tb"));
        assert!(!set.contains("cafe\u{301}") && !set.contains(" ") && !set.contains("a"));
    }

    #[test]
    fn debug_shows_the_listed_scopes() {
        let set = ScopeSet::new(&["b", "a"]);
        assert_eq!(format!("{set:?}"), r#"["b", "a"]"#);
    }

    proptest::proptest! {
        /// Against a linear search of the list: the same answer for every
        /// listed word and for words near them.
        #[test]
        fn contains_agrees_with_a_linear_search(
            words in proptest::collection::vec("[ab: \t\u{a0}]{0,4}", 0..12),
            probes in proptest::collection::vec("[ab: \t\u{a0}]{0,4}", 0..12),
        ) {
            let borrowed: Vec<&str> = words.iter().map(String::as_str).collect();
            let set = ScopeSet::new(&borrowed);
            proptest::prop_assert_eq!(set.iter().collect::<Vec<_>>(), borrowed.clone());
            for probe in words.iter().chain(&probes) {
                proptest::prop_assert_eq!(set.contains(probe), words.contains(probe));
            }
        }
    }
}
