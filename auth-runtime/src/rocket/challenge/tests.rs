use super::*;

const ALGS: &str = "ES256 ES384 PS256 RS256 EdDSA";

fn bearer_only<'a>(realm: &'a str, route_scopes: Option<&'a str>) -> ChallengeContext<'a> {
    ChallengeContext {
        realm,
        route_scopes,
        ..ChallengeContext::default()
    }
}

fn one(error: &AuthError, context: &ChallengeContext<'_>) -> String {
    let values = challenges(error, context);
    assert_eq!(values.len(), 1, "{values:?}");
    values.into_iter().next().unwrap_or_default()
}

fn with_dpop(used: Option<Scheme>) -> ChallengeContext<'static> {
    ChallengeContext {
        realm: "api",
        route_scopes: None,
        used,
        dpop_algs: Some(ALGS.to_owned()),
        resource_metadata: Some(
            "https://api.example.com/.well-known/oauth-protected-resource".into(),
        ),
    }
}

#[test]
fn quoted_values_cannot_break_out() {
    let mut out = String::new();
    push_quoted(&mut out, "a\"b\\c\r\nd");
    assert_eq!(out, r#""a\"b\\cd""#);
}

#[test]
fn missing_header_gets_a_bare_challenge() {
    assert_eq!(
        one(&AuthError::MissingHeader, &bearer_only("api", None)),
        r#"Bearer realm="api""#
    );
}

#[test]
fn insufficient_scope_names_the_scope() {
    let value = one(
        &AuthError::InsufficientScope("read:messages".into()),
        &bearer_only("my \"realm\"", Some("read:messages write:messages")),
    );
    assert_eq!(
        value,
        r#"Bearer realm="my \"realm\"", error="insufficient_scope", error_description="You don't have access to this resource", scope="read:messages""#
    );
}

#[test]
fn unavailable_has_no_challenge() {
    assert!(challenges(&AuthError::JwksUnavailable, &with_dpop(None)).is_empty());
    assert!(challenges(
        &AuthError::ReplayStoreUnavailable,
        &with_dpop(Some(Scheme::Dpop))
    )
    .is_empty());
}

#[test]
fn a_401_of_a_scoped_route_names_every_scope_of_its_requirement() {
    assert_eq!(
        one(&AuthError::MissingHeader, &bearer_only("api", Some("a b"))),
        r#"Bearer realm="api", scope="a b""#
    );
    let expired = one(&AuthError::Expired, &bearer_only("api", Some("a")));
    assert!(expired.ends_with(r#", error_description="token is expired", scope="a""#));
    assert!(!one(&AuthError::Expired, &bearer_only("api", None)).contains("scope="));
}

#[test]
fn a_step_up_401_names_acr_values_and_max_age() {
    let error = AuthError::InsufficientUserAuthentication {
        description: "the user authenticated too long ago for this resource",
        acr_values: &["urn:mfa", "urn:hwk"],
        max_age: Some(300),
    };
    assert_eq!(
        one(&error, &bearer_only("api", Some("pay"))),
        r#"Bearer realm="api", error="insufficient_user_authentication", error_description="the user authenticated too long ago for this resource", acr_values="urn:mfa urn:hwk", max_age="300", scope="pay""#
    );
    let any_acr = AuthError::InsufficientUserAuthentication {
        description: "d",
        acr_values: &[],
        max_age: Some(60),
    };
    let value = one(&any_acr, &bearer_only("api", None));
    assert!(value.ends_with(r#"max_age="60""#) && !value.contains("acr_values"));
}

#[test]
fn a_proof_failure_is_a_dpop_challenge_with_algs() {
    let value = one(
        &AuthError::InvalidDpopProof("The DPoP proof's htm does not match the request method"),
        &with_dpop(Some(Scheme::Dpop)),
    );
    assert_eq!(
        value,
        r#"DPoP error="invalid_dpop_proof", error_description="The DPoP proof's htm does not match the request method", algs="ES256 ES384 PS256 RS256 EdDSA", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource""#
    );
}

#[test]
fn a_token_failure_keeps_the_scheme_the_client_used() {
    let dpop = one(&AuthError::Expired, &with_dpop(Some(Scheme::Dpop)));
    assert!(
        dpop.starts_with(
            r#"DPoP error="invalid_token", error_description="token is expired", algs=""#
        ),
        "{dpop}"
    );
    let bearer = challenges(&AuthError::Expired, &with_dpop(Some(Scheme::Bearer)));
    assert_eq!(bearer.len(), 2);
    assert!(
        bearer[0].starts_with(r#"Bearer realm="api", error="invalid_token""#),
        "{bearer:?}"
    );
    assert!(bearer[0].contains("resource_metadata="), "{bearer:?}");
    assert_eq!(
        bearer[1],
        format!(
            r#"DPoP algs="{ALGS}", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource""#
        )
    );
}

#[test]
fn both_challenges_come_bearer_first_and_name_the_scopes() {
    let mut context = with_dpop(None);
    context.route_scopes = Some("read:messages");
    let values = challenges(&AuthError::MissingHeader, &context);
    assert_eq!(values.len(), 2);
    assert!(
        values[0].starts_with("Bearer realm=") && values[0].ends_with(r#"scope="read:messages""#)
    );
    assert!(values[1].starts_with("DPoP algs=") && values[1].ends_with(r#"scope="read:messages""#));
}

/// Only a 401 (and a missing scope's 403) names scopes: a claim check's
/// 403 on a scoped route is refused for its claim (claim checks run
/// before the scopes), and a client that asked for the route's scopes
/// again would get the same claim. The contract is silent on this 403.
#[test]
fn a_claim_checks_403_on_a_scoped_route_names_no_scope() {
    let value = one(
        &AuthError::ClaimCheckFailed("org"),
        &bearer_only("api", Some("read:messages")),
    );
    assert!(
        value.starts_with(r#"Bearer realm="api", error="insufficient_scope""#),
        "{value}"
    );
    assert!(!value.contains("scope=\""), "{value}");
}

#[test]
fn a_403_names_no_metadata_and_gets_one_challenge() {
    let values = challenges(
        &AuthError::InsufficientScope("a".into()),
        &with_dpop(Some(Scheme::Bearer)),
    );
    assert_eq!(values.len(), 1);
    assert!(!values[0].contains("resource_metadata"), "{values:?}");
    let dpop = one(
        &AuthError::InsufficientScope("a".into()),
        &with_dpop(Some(Scheme::Dpop)),
    );
    assert!(
        dpop.starts_with(r#"DPoP error="insufficient_scope""#) && dpop.ends_with(r#"scope="a""#),
        "{dpop}"
    );
}
