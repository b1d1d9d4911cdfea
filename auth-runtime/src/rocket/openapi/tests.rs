use super::requirement::alternatives;
use super::*;
use ScopeExpr::{All, Any, Scope};

#[test]
fn a_scope_expression_becomes_an_or_of_ands() {
    let cases: [(ScopeExpr, Vec<Vec<&str>>); 8] = [
        (Scope("a"), vec![vec!["a"]]),
        (All(&[]), vec![vec![]]),
        (All(&[Scope("a"), Scope("b")]), vec![vec!["a", "b"]]),
        (Any(&[Scope("a"), Scope("b")]), vec![vec!["a"], vec!["b"]]),
        (
            Any(&[Scope("a"), All(&[Scope("b"), Scope("c")])]),
            vec![vec!["a"], vec!["b", "c"]],
        ),
        // An AND over ORs multiplies out.
        (
            All(&[
                Any(&[Scope("a"), Scope("b")]),
                Any(&[Scope("c"), Scope("d")]),
            ]),
            vec![
                vec!["a", "c"],
                vec!["a", "d"],
                vec!["b", "c"],
                vec!["b", "d"],
            ],
        ),
        // An alternative holding another adds nothing; a scope named twice counts once.
        (
            Any(&[Scope("a"), All(&[Scope("a"), Scope("b")])]),
            vec![vec!["a"]],
        ),
        (
            All(&[Scope("a"), Any(&[Scope("a"), Scope("b")])]),
            vec![vec!["a"]],
        ),
    ];
    for (expr, expected) in cases {
        assert_eq!(alternatives(&expr), expected, "{expr:?}");
    }
}

#[test]
fn equal_alternatives_are_listed_once() {
    let expr = Any(&[
        Scope("a"),
        Scope("a"),
        All(&[Scope("b"), Scope("c")]),
        All(&[Scope("c"), Scope("b")]),
    ]);
    assert_eq!(alternatives(&expr), vec![vec!["a"], vec!["b", "c"]]);
}

#[test]
fn a_product_is_kept_minimal_and_cut_at_the_limit() {
    const FOUR: ScopeExpr = Any(&[Scope("c"), Scope("d"), Scope("e"), Scope("f")]);
    // The same `any` three times: 8 minimal alternatives, not 128.
    let expr = All(&[Any(&[Scope("a"), Scope("b")]), FOUR, FOUR, FOUR]);
    assert_eq!(alternatives(&expr).len(), 8);
    // Six `any`s of distinct scopes: 64 alternatives, the first 32 listed.
    let expr = All(&[
        Any(&[Scope("a"), Scope("b")]),
        Any(&[Scope("c"), Scope("d")]),
        Any(&[Scope("e"), Scope("f")]),
        Any(&[Scope("g"), Scope("h")]),
        Any(&[Scope("i"), Scope("j")]),
        Any(&[Scope("k"), Scope("l")]),
    ]);
    let listed = alternatives(&expr);
    assert_eq!(listed.len(), MAX_ALTERNATIVES);
    assert_eq!(listed[0], vec!["a", "c", "e", "g", "i", "k"]);
}

#[test]
fn markers_become_security_and_descriptions() {
    let mut operation = json!({
        "responses": {
            "200": { "description": "ok" },
            "401": { "description": "401." },
            "403": { "description": "403." },
            "x-auth-runtime-token": true,
            "x-auth-runtime-requirement a": {
                "alternatives": [["a"], ["b", "c"]],
                "stepUp": { "acrValues": ["urn:mfa"], "maxAge": 300 },
                "claims": [{ "name": "org", "kind": "equals" }],
            },
        }
    });
    secure(&mut operation, &["oidc".to_owned()]);
    assert_eq!(
        operation["security"],
        json!([{ "oidc": ["a"] }, { "oidc": ["b", "c"] }])
    );
    let responses = operation["responses"].as_object().unwrap();
    assert!(
        responses.keys().all(|key| !key.starts_with("x-")),
        "{responses:?}"
    );
    let unauthorized = responses["401"]["description"].as_str().unwrap();
    assert!(
        unauthorized.contains("`urn:mfa`") && unauthorized.contains("300 seconds"),
        "{unauthorized}"
    );
    let forbidden = responses["403"]["description"].as_str().unwrap();
    assert!(forbidden.contains("`a`, or `b` and `c`"), "{forbidden}");
    assert!(
        forbidden.contains("`org` claim must equal a value"),
        "{forbidden}"
    );
}

#[test]
fn two_requirements_on_one_operation_both_apply() {
    let mut operation = json!({
        "responses": {
            "x-auth-runtime-requirement a": { "alternatives": [["a"], ["b"]], "stepUp": null, "claims": [] },
            "x-auth-runtime-requirement b": { "alternatives": [["c"]], "stepUp": null, "claims": [] },
        }
    });
    secure(&mut operation, &["oidc".to_owned(), "oidc2".to_owned()]);
    assert_eq!(
        operation["security"],
        json!([
            { "oidc": ["a", "c"] }, { "oidc2": ["a", "c"] },
            { "oidc": ["b", "c"] }, { "oidc2": ["b", "c"] },
        ])
    );
}

#[test]
fn optional_claims_make_the_token_optional_and_a_public_operation_stays_open() {
    let mut optional = json!({ "responses": { "x-auth-runtime-optional": true } });
    secure(&mut optional, &["oidc".to_owned()]);
    assert_eq!(optional["security"], json!([{}, { "oidc": [] }]));
    let mut public = json!({ "responses": { "200": { "description": "ok" } } });
    secure(&mut public, &["oidc".to_owned()]);
    assert!(public.get("security").is_none(), "{public}");
}
