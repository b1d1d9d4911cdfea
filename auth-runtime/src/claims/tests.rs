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
