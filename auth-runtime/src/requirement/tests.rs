use super::*;
use serde_json::json;

const MFA: &str = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";
const NOW: u64 = 1_000_000;
const STEP_UP: StepUp = StepUp {
    acr_values: &[MFA],
    max_age: Some(300),
};

fn claims(value: Value) -> Claims {
    match value {
        Value::Object(map) => Claims::from_payload(map),
        _ => Claims::from_payload(Default::default()),
    }
}

fn code(result: Result<(), AuthError>) -> &'static str {
    result.err().map_or("ok", |error| error.code())
}

/// The code [`STEP_UP`] answers a token with this payload (`"ok"`: met).
fn step_up(payload: Value) -> &'static str {
    code(STEP_UP.check(&claims(payload), NOW, 60))
}

/// [`STEP_UP`] answers each `(value, code)` of `cases` with `code` for
/// `payload` with `value` as its `member`.
fn assert_codes(payload: Value, member: &str, cases: &[(Value, &str)]) {
    for (value, expected) in cases {
        let mut payload = payload.clone();
        payload[member] = value.clone();
        assert_eq!(step_up(payload), *expected, "{member} {value}");
    }
}

#[test]
fn acr_must_be_one_of_the_values_as_a_whole_string() {
    assert_codes(
        json!({ "auth_time": NOW }),
        "acr",
        &[
            (json!(MFA), "ok"),
            (json!(format!("{MFA}x")), "insufficient_user_authentication"),
            (json!(""), "insufficient_user_authentication"),
            (json!("multi-factor"), "insufficient_user_authentication"),
            (json!([MFA]), "invalid_claims"),
            (json!({ "v": MFA }), "invalid_claims"),
            (json!(1), "invalid_claims"),
            (json!(true), "invalid_claims"),
            (json!(null), "invalid_claims"),
        ],
    );
    assert_eq!(
        step_up(json!({ "auth_time": NOW })),
        "insufficient_user_authentication",
        "no acr"
    );
}

#[test]
fn auth_time_is_checked_against_the_age_plus_the_leeway() {
    assert_codes(
        json!({ "acr": MFA }),
        "auth_time",
        &[
            (json!(NOW - 360), "ok"),
            (json!(NOW - 361), "insufficient_user_authentication"),
            (json!((NOW - 100) as f64 + 0.5), "ok"),
            (json!(NOW + 60), "ok"),
            (json!(NOW + 61), "invalid_claims"),
            (json!("1000000"), "invalid_claims"),
            (json!(-1), "invalid_claims"),
            (json!(null), "invalid_claims"),
            (json!([NOW]), "invalid_claims"),
        ],
    );
    assert_eq!(
        step_up(json!({ "acr": MFA })),
        "insufficient_user_authentication",
        "no auth_time"
    );
}

#[test]
fn the_answer_names_the_routes_requirement_not_the_tokens_values() {
    let token = claims(json!({ "acr": "urn:weak", "auth_time": 5 }));
    let error = STEP_UP.check(&token, NOW, 60).unwrap_err();
    assert_eq!(error.status(), 401);
    assert_eq!(
        error.challenge_error(),
        Some("insufficient_user_authentication")
    );
    assert_eq!(error.step_up(), Some((MFA.to_owned(), Some(300))));
    assert!(!error.description().contains("urn:weak"));
}

#[test]
fn no_requirement_accepts_any_token() {
    assert_eq!(
        code(StepUp::NONE.check(&claims(json!({ "acr": 3 })), NOW, 0)),
        "ok"
    );
}

#[test]
fn claim_checks_compare_whole_values() {
    const ORG: ClaimCheck = ClaimCheck {
        name: "org",
        kind: ClaimCheckKind::Equals,
        value: ClaimValue::Str("acme"),
    };
    const ROLE: ClaimCheck = ClaimCheck {
        name: "roles",
        kind: ClaimCheckKind::Includes,
        value: ClaimValue::Str("admin"),
    };
    assert!(ORG.is_satisfied_by(&claims(json!({ "org": "acme" }))));
    for bad in [
        json!({ "org": "acme2" }),
        json!({ "org": ["acme"] }),
        json!({}),
    ] {
        assert!(!ORG.is_satisfied_by(&claims(bad)));
    }
    assert!(ROLE.is_satisfied_by(&claims(json!({ "roles": ["user", "admin"] }))));
    assert!(ROLE.is_satisfied_by(&claims(json!({ "roles": "user admin" }))));
    for bad in [
        json!({ "roles": ["administrator"] }),
        json!({ "roles": "user\tadmin" }),
        json!({ "roles": "admin2" }),
    ] {
        assert!(!ROLE.is_satisfied_by(&claims(bad)));
    }
    let level = ClaimCheck {
        name: "level",
        kind: ClaimCheckKind::Equals,
        value: ClaimValue::Int(3),
    };
    assert!(level.is_satisfied_by(&claims(json!({ "level": 3 }))));
    assert!(!level.is_satisfied_by(&claims(json!({ "level": "3" }))));
}

#[test]
fn an_acr_or_a_max_age_alone_is_still_a_requirement() {
    let acr_only = StepUp {
        acr_values: &[MFA],
        max_age: None,
    };
    let age_only = StepUp {
        acr_values: &[],
        max_age: Some(300),
    };
    assert!(!acr_only.is_none() && !age_only.is_none() && StepUp::NONE.is_none());
    let bare = claims(json!({}));
    for step_up in [acr_only, age_only] {
        assert_eq!(
            code(step_up.check(&bare, NOW, 60)),
            "insufficient_user_authentication"
        );
    }
    assert_eq!(
        code(acr_only.check(&claims(json!({ "acr": MFA })), NOW, 60)),
        "ok"
    );
    assert_eq!(
        code(age_only.check(&claims(json!({ "auth_time": NOW })), NOW, 60)),
        "ok"
    );
}

#[test]
fn a_boolean_claim_check_matches_the_boolean_only() {
    let check = ClaimCheck {
        name: "email_verified",
        kind: ClaimCheckKind::Equals,
        value: ClaimValue::Bool(true),
    };
    assert!(check.is_satisfied_by(&claims(json!({ "email_verified": true }))));
    for other in [json!(false), json!("true"), json!(1)] {
        assert!(!check.is_satisfied_by(&claims(json!({ "email_verified": other }))));
    }
}

struct AcmeAdmin;

impl RouteRequirement for AcmeAdmin {
    const SCOPES: ScopeExpr = ScopeExpr::Scope("admin");
    const CLAIMS: &'static [ClaimCheck] = &[ClaimCheck {
        name: "org",
        kind: ClaimCheckKind::Equals,
        value: ClaimValue::Str("acme"),
    }];
}

#[test]
fn check_applies_the_claim_checks_and_the_scopes() {
    let both = claims(json!({ "org": "acme", "scope": "admin" }));
    assert_eq!(check::<AcmeAdmin>(&both, NOW, 0), Ok(()));
    let other_org = claims(json!({ "org": "other", "scope": "admin" }));
    assert_eq!(
        check::<AcmeAdmin>(&other_org, NOW, 0),
        Err(AuthError::ClaimCheckFailed("org"))
    );
    let no_scope = claims(json!({ "org": "acme" }));
    assert!(matches!(
        check::<AcmeAdmin>(&no_scope, NOW, 0),
        Err(AuthError::InsufficientScope(_))
    ));
}
