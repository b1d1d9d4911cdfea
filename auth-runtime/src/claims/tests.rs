use super::*;
use serde_json::json;

fn claims(value: Value) -> Claims {
    match value {
        Value::Object(map) => Claims::from_payload(map),
        _ => unreachable!(),
    }
}

#[test]
fn scopes_come_from_scope_scp_and_permissions() {
    let c = claims(json!({
        "scope": "openid read:messages",
        "scp": ["a:b", 3],
        "permissions": ["write:messages"]
    }));
    assert_eq!(
        c.scopes().collect::<Vec<_>>(),
        ["openid", "read:messages", "a:b", "write:messages"]
    );
    let c = claims(json!({ "scp": "x y" }));
    assert!(c.has_scope("x") && c.has_scope("y"));
}

#[test]
fn only_the_ascii_space_separates_scopes() {
    let c = claims(json!({ "scope": "a\tb c\u{a0}d  e\u{2003}f" }));
    assert_eq!(
        c.scopes().collect::<Vec<_>>(),
        ["a\tb", "c\u{a0}d", "e\u{2003}f"]
    );
    assert!(!c.has_scope("a") && !c.has_scope("b") && !c.has_scope("d"));
    let c = claims(json!({ "scp": "x\ty z" }));
    assert_eq!(c.scopes().collect::<Vec<_>>(), ["x\ty", "z"]);
}

#[test]
fn array_elements_are_taken_whole() {
    let c = claims(json!({
        "permissions": ["read:x admin", "write:y"],
        "scp": ["p q", ""]
    }));
    assert_eq!(
        c.scopes().collect::<Vec<_>>(),
        ["p q", "read:x admin", "write:y"]
    );
    for part in ["read:x", "admin", "p", "q", ""] {
        assert!(!c.has_scope(part), "{part:?} must not be granted");
    }
    assert!(c.has_scope("write:y"));
}

#[test]
fn only_the_configured_sources_count() {
    let payload = json!({ "scope": "a", "scp": ["b"], "permissions": ["c"] });
    let Value::Object(map) = payload else {
        unreachable!()
    };
    let c = Claims::with_scope_sources(map.clone(), &[ScopeSource::Permissions]);
    assert_eq!(c.scopes().collect::<Vec<_>>(), ["c"]);
    let c = Claims::with_scope_sources(map, &[ScopeSource::Scp, ScopeSource::Scope]);
    assert_eq!(c.scopes().collect::<Vec<_>>(), ["b", "a"]);
}

#[test]
fn scopes_match_whole_words_only() {
    let c = claims(json!({ "scope": "read:messagesX xread:messages" }));
    assert!(!c.has_scope("read:messages"));
    assert_eq!(
        c.require_scopes(&["read:messages"]),
        Err(AuthError::InsufficientScope("read:messages".into()))
    );
}

#[test]
fn require_scopes_needs_all_of_them() {
    let c = claims(json!({ "scope": "a b" }));
    assert!(c.require_scopes(&["a", "b"]).is_ok());
    assert_eq!(
        c.require_scopes(&["a", "c"]),
        Err(AuthError::InsufficientScope("a c".into()))
    );
}

#[test]
fn sub_get_and_payload_read_the_verified_payload() {
    let c = claims(json!({ "sub": "auth0|42", "n": 7 }));
    assert_eq!(c.sub(), Some("auth0|42"));
    assert_eq!(c.get("n"), Some(&json!(7)));
    assert_eq!(c.payload().len(), 2);
    assert_eq!(c.payload().get("sub"), Some(&json!("auth0|42")));
    assert_eq!(claims(json!({ "sub": 42 })).sub(), None);
    assert_eq!(claims(json!({})).sub(), None);
}

#[test]
fn scope_is_only_a_string_and_permissions_only_an_array() {
    let c = claims(json!({ "scope": ["x"], "permissions": "y z" }));
    assert_eq!(c.scopes().count(), 0);
    for scope in ["x", "y", "z", "y z"] {
        assert!(!c.has_scope(scope), "{scope:?} must not be granted");
    }
}

/// The algorithm before the scopes became a precomputed set (a `Vec` of
/// owned strings, searched linearly), kept as the reference the set must
/// agree with.
fn reference_scopes(payload: &Map<String, Value>, sources: &[ScopeSource]) -> Vec<String> {
    let mut scopes = Vec::new();
    for source in sources {
        match payload.get(source.name()) {
            Some(Value::String(text)) if *source != ScopeSource::Permissions => scopes.extend(
                text.split(' ')
                    .filter(|word| !word.is_empty())
                    .map(str::to_owned),
            ),
            Some(Value::Array(items)) if *source != ScopeSource::Scope => scopes.extend(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|element| !element.is_empty())
                    .map(str::to_owned),
            ),
            _ => {}
        }
    }
    scopes
}

mod against_the_reference {
    use super::*;
    use proptest::prelude::*;

    /// Words made of the characters the rules are about: the ASCII space
    /// (the only separator), a tab and a no-break space (never separators),
    /// and a few letters, so that words repeat and nest in one another.
    const WORD: &str = "[ab: \t\u{a0}]{0,6}";

    /// A claim value: a string, an array of strings (and a number), or
    /// another JSON type that grants nothing.
    fn claim() -> impl Strategy<Value = Option<Value>> {
        prop_oneof![
            Just(None),
            WORD.prop_map(|text| Some(Value::String(text))),
            proptest::collection::vec(WORD, 0..5).prop_map(|items| {
                let mut items: Vec<Value> = items.into_iter().map(Value::String).collect();
                items.push(json!(3));
                Some(Value::Array(items))
            }),
            Just(Some(json!({ "a": "b" }))),
            Just(Some(json!(true))),
        ]
    }

    fn sources() -> impl Strategy<Value = Vec<ScopeSource>> {
        Just(ScopeSource::ALL.to_vec())
            .prop_shuffle()
            .prop_flat_map(|all| (Just(all), 0..=3usize))
            .prop_map(|(all, n)| all[..n].to_vec())
    }

    proptest! {
        #[test]
        fn scopes_and_has_scope_agree_with_the_reference(
            scope in claim(),
            scp in claim(),
            permissions in claim(),
            sources in sources(),
            probes in proptest::collection::vec(WORD, 0..8),
        ) {
            let mut payload = Map::new();
            for (name, value) in [("scope", scope), ("scp", scp), ("permissions", permissions)] {
                if let Some(value) = value {
                    payload.insert(name.into(), value);
                }
            }
            let expected = reference_scopes(&payload, &sources);
            let c = Claims::with_scope_sources(payload.clone(), &sources);
            prop_assert_eq!(c.scopes().collect::<Vec<_>>(), expected.iter().map(String::as_str).collect::<Vec<_>>());
            // Every word of every claim, split or not, and the probes.
            let mut candidates: Vec<String> = probes;
            for value in payload.values() {
                match value {
                    Value::String(text) => {
                        candidates.push(text.clone());
                        candidates.extend(text.split(' ').map(str::to_owned));
                    }
                    Value::Array(items) => candidates.extend(
                        items.iter().filter_map(Value::as_str).map(str::to_owned),
                    ),
                    _ => {}
                }
            }
            for candidate in &candidates {
                prop_assert_eq!(
                    c.has_scope(candidate),
                    expected.iter().any(|granted| granted == candidate),
                    "{:?}", candidate
                );
            }
        }
    }
}
