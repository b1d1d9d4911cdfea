use super::*;
use crate::scope::ScopeExpr;

#[derive(Debug)]
struct Mine {
    sub: String,
}

struct Admin;
impl RouteRequirement for Admin {
    const SCOPES: ScopeExpr = ScopeExpr::Scope("admin");
}

/// What a handler that logs its guard sees: the typed payload, and the
/// route's requirement with the claims.
#[test]
fn the_guards_debug_shows_what_they_hold() {
    let payload = serde_json::json!({ "sub": "user-1", "scope": "admin" });
    let claims = Claims::from_payload(payload.as_object().cloned().unwrap_or_default());
    let typed = ClaimsAs {
        typed: Arc::new(Mine {
            sub: "user-1".into(),
        }),
        claims: claims.clone(),
    };
    assert_eq!(typed.sub, "user-1", "ClaimsAs derefs to the payload");
    assert_eq!(format!("{typed:?}"), r#"ClaimsAs(Mine { sub: "user-1" })"#);
    let scoped = Authorized::<Admin> {
        claims,
        requirement: PhantomData,
    };
    let shown = format!("{scoped:?}");
    assert!(
        shown.starts_with(r#"Authorized { scopes: Scope("admin"), step_up: "#),
        "{shown}"
    );
    assert!(shown.contains(r#""sub": String("user-1")"#), "{shown}");
}
