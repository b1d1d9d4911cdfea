use super::*;
use std::time::Duration;

use crate::config::settings::MAX_MAX_TOKEN_AGE;
use crate::config::{assert_out_of_range, base, ScopeSource};

#[test]
fn the_bounds_name_their_setting() {
    assert_out_of_range([
        (base().audiences(Vec::<String>::new()), "the audience"),
        (base().audiences(["a", " "]), "the audience"),
        (base().max_token_age(Duration::ZERO), "max_token_age"),
        (
            base().max_token_age(MAX_MAX_TOKEN_AGE + Duration::from_secs(1)),
            "max_token_age",
        ),
        (base().scope_claims([]), "scope_claims"),
    ]);
    let config = base()
        .audiences(["x", "y"])
        .max_token_age(MAX_MAX_TOKEN_AGE)
        .scope_claims([ScopeSource::Permissions])
        .build()
        .unwrap();
    assert_eq!(config.audiences(), ["x", "y"]);
    assert_eq!(config.audiences().first().map(String::as_str), Some("x"));
    assert_eq!(MAX_MAX_TOKEN_AGE, Duration::from_secs(604_800), "a week");
}

#[test]
fn a_claim_policy_runs_its_check_and_prints_nothing_of_it() {
    let policy = ClaimPolicy(Arc::new(|claims: &Map<String, Value>| {
        match claims.get("org").and_then(Value::as_str) {
            Some("acme") => Ok(()),
            _ => Err("not of acme".to_owned()),
        }
    }));
    let mut claims = Map::new();
    assert_eq!(policy.check(&claims), Err("not of acme".to_owned()));
    claims.insert("org".into(), "acme".into());
    assert_eq!(policy.check(&claims), Ok(()));
    assert_eq!(format!("{policy:?}"), "ClaimPolicy(..)");
}
