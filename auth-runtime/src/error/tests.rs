#[test]
fn one_of_each_holds_every_kind_once() {
    let all = AuthError::one_of_each();
    for error in &all {
        // No wildcard: a new kind breaks this match, and is then added
        // to `one_of_each` and counted below.
        match error {
            AuthError::MissingHeader
            | AuthError::NotBearer
            | AuthError::TokenNotFound
            | AuthError::TooManyParts
            | AuthError::Malformed(_)
            | AuthError::KeyNotFound
            | AuthError::BadSignature
            | AuthError::Expired
            | AuthError::WrongAudienceOrIssuer
            | AuthError::InvalidClaims(_)
            | AuthError::InsufficientScope(_)
            | AuthError::JwksUnavailable
            | AuthError::IntrospectionUnavailable
            | AuthError::InsufficientUserAuthentication { .. }
            | AuthError::ClaimCheckFailed(_)
            | AuthError::InvalidToken(_)
            | AuthError::InvalidDpopProof(_)
            | AuthError::UseDpopNonce
            | AuthError::ReplayStoreUnavailable => {}
        }
    }
    let kinds: std::collections::HashSet<_> = all.iter().map(std::mem::discriminant).collect();
    assert_eq!(kinds.len(), 19, "the arms of the match above");
    let codes: std::collections::HashSet<_> = all.iter().map(AuthError::code).collect();
    assert_eq!(
        codes.len(),
        12,
        "the JSON codes of the contract, `ok` aside"
    );
}

use super::*;

#[test]
fn statuses_follow_the_contract() {
    assert_eq!(AuthError::MissingHeader.status(), 401);
    assert_eq!(AuthError::InsufficientScope("a".into()).status(), 403);
    assert_eq!(AuthError::JwksUnavailable.status(), 503);
    assert!(!AuthError::JwksUnavailable.has_challenge());
    assert_eq!(AuthError::JwksUnavailable.challenge_error(), None);
    assert_eq!(AuthError::MissingHeader.challenge_error(), None);
}

#[test]
fn dpop_errors_have_the_contract_codes() {
    let cases = [
        (
            AuthError::InvalidToken("t"),
            401,
            "invalid_token",
            Some("invalid_token"),
        ),
        (
            AuthError::InvalidDpopProof("p"),
            401,
            "invalid_dpop_proof",
            Some("invalid_dpop_proof"),
        ),
        (
            AuthError::UseDpopNonce,
            401,
            "use_dpop_nonce",
            Some("use_dpop_nonce"),
        ),
        (
            AuthError::ReplayStoreUnavailable,
            503,
            "replay_store_unavailable",
            None,
        ),
    ];
    for (error, status, code, challenge) in cases {
        assert_eq!(error.status(), status, "{error:?}");
        assert_eq!(error.code(), code);
        assert_eq!(error.challenge_error(), challenge);
        assert!(!error.description().is_empty());
    }
    assert!(!AuthError::ReplayStoreUnavailable.has_challenge());
    assert!(AuthError::UseDpopNonce.is_dpop_proof_error());
    assert!(!AuthError::InvalidToken("t").is_dpop_proof_error());
    assert_eq!(
        AuthError::from(crate::dpop::DpopError::InvalidProof("why")),
        AuthError::InvalidDpopProof("why")
    );
}

#[test]
fn challenge_and_oauth_errors_follow_rfc_6750() {
    let scope = || AuthError::InsufficientScope("read".into());
    let cases = [
        (AuthError::MissingHeader, None, "invalid_request"),
        (
            AuthError::NotBearer,
            Some("invalid_request"),
            "invalid_request",
        ),
        (
            AuthError::TokenNotFound,
            Some("invalid_request"),
            "invalid_request",
        ),
        (
            AuthError::TooManyParts,
            Some("invalid_request"),
            "invalid_request",
        ),
        (AuthError::Expired, Some("invalid_token"), "invalid_token"),
        (scope(), Some("insufficient_scope"), "insufficient_scope"),
        (AuthError::JwksUnavailable, None, "temporarily_unavailable"),
        (
            AuthError::IntrospectionUnavailable,
            None,
            "temporarily_unavailable",
        ),
        (
            AuthError::ReplayStoreUnavailable,
            None,
            "temporarily_unavailable",
        ),
    ];
    for (error, challenge, oauth) in cases {
        assert_eq!(error.challenge_error(), challenge, "{error:?}");
        assert_eq!(error.oauth_error(), oauth, "{error:?}");
    }
}

#[test]
fn log_reasons_and_the_display_name_the_failure() {
    assert_eq!(
        AuthError::Malformed("three segments").log_reason(),
        "three segments"
    );
    assert_eq!(
        AuthError::BadSignature.log_reason(),
        "signature does not verify"
    );
    assert_eq!(
        AuthError::InsufficientScope("read".into()).log_reason(),
        "required scope absent"
    );
    assert_eq!(
        AuthError::ClaimCheckFailed("org").log_reason(),
        "a claim check of the route fails"
    );
    assert_eq!(
        AuthError::Expired.log_reason(),
        AuthError::Expired.description()
    );
    assert_eq!(
        AuthError::Expired.to_string(),
        format!("token_expired: {}", AuthError::Expired.description())
    );
}
