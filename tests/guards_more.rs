//! Scope expressions, optional authentication and typed claims.

use auth_tests::*;
use rocket::http::Status;

#[rocket::async_test]
async fn a_scope_expression_takes_any_sufficient_alternative() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    for scope in ["read:messages", "admin audit", "audit x admin"] {
        let answer = get_with(&client, "/either", &ks.token(&RSA_A).scope(scope).build()).await;
        assert_eq!(answer.status, Status::Ok, "{scope}: {answer:?}");
    }
    for scope in ["", "admin", "audit", "read:messagesX"] {
        let answer = get_with(&client, "/either", &ks.token(&RSA_A).scope(scope).build()).await;
        answer.assert_error(
            403,
            "Unauthorized",
            "You don't have access to this resource",
            Some("insufficient_scope"),
        );
        // What would have sufficed: the smallest alternative.
        assert!(answer
            .www_authenticate
            .unwrap()
            .ends_with(r#"scope="read:messages""#));
    }
}

#[rocket::async_test]
async fn optional_authentication_serves_anonymous_callers_but_never_downgrades_a_bad_token() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    for anonymous in [None, Some(""), Some("  ")] {
        let answer = get(&client, "/greeting", anonymous).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (Status::Ok, "hello stranger")
        );
    }
    let answer = get_with(&client, "/greeting", &ks.token(&RSA_A).build()).await;
    assert_eq!(answer.body, "hello user-1");
    let expired = ks.token(&RSA_A).expires_in(-3600).build();
    get_with(&client, "/greeting", &expired).await.assert_error(
        401,
        "token_expired",
        "token is expired",
        Some("invalid_token"),
    );
    get(&client, "/greeting", Some("Basic abc"))
        .await
        .assert_error(
            401,
            "invalid_header",
            "Authorization header must start with Bearer",
            Some("invalid_request"),
        );
    get_with(&client, "/greeting", "forged.token.here")
        .await
        .assert_error(
            401,
            "invalid_header",
            "Unable to parse authentication token.",
            Some("invalid_token"),
        );
}

#[rocket::async_test]
async fn typed_claims_are_read_once_and_a_misfit_is_401_invalid_claims() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(ks.config().build().unwrap()).await;
    let token = ks.token(&RSA_A).permissions(["read:messages"]).build();
    let answer = get_with(&client, "/typed", &token).await;
    assert_eq!(answer.body, r#"user-1 ["read:messages"] true"#);
    // `permissions` of the wrong type: the payload does not fit MyClaims.
    let misfit = ks.token(&RSA_A).claim("permissions", 42).build();
    let answer = get_with(&client, "/typed", &misfit).await;
    answer.assert_error(
        401,
        "invalid_claims",
        "the token's claims do not have the expected shape",
        Some("invalid_token"),
    );
    let no_sub = ks.token(&RSA_A).without("sub").build();
    assert_eq!(
        get_with(&client, "/typed", &no_sub).await.status,
        Status::Unauthorized
    );
}
