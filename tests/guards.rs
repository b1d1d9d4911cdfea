//! The guards beyond `Claims`, through HTTP: scope expressions (`/either`),
//! optional authentication (`OptionalClaims`) and typed claims (`ClaimsAs`).

use auth_tests::*;
use rocket::http::Status;

#[rocket::async_test]
async fn a_scope_expression_takes_any_sufficient_alternative() {
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    for scope in ["read:messages", "admin audit", "audit x admin"] {
        let answer = get_with(&app, "/either", &ks.token(&RSA_A).scope(scope).build()).await;
        assert_eq!(answer.status, Status::Ok, "{scope}: {answer:?}");
    }
    for scope in ["", "admin", "audit", "read:messagesX"] {
        let answer = get_with(&app, "/either", &ks.token(&RSA_A).scope(scope).build()).await;
        // What would have sufficed: the smallest alternative.
        answer.assert(Expect::Forbidden("read:messages"), scope);
    }
}

#[rocket::async_test]
async fn optional_authentication_serves_anonymous_callers_but_never_downgrades_a_bad_token() {
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    for anonymous in [None, Some(""), Some("  ")] {
        let answer = get(&app, "/greeting", anonymous).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (Status::Ok, "hello stranger")
        );
    }
    let answer = get_with(&app, "/greeting", &ks.token(&RSA_A).build()).await;
    assert_eq!(answer.body, "hello user-1");
    let expired = ks.token(&RSA_A).expires_in(-3600).build();
    let bad = [
        (format!("Bearer {expired}"), TOKEN_EXPIRED),
        (
            "Basic abc".to_owned(),
            Expect::BadHeader("Authorization header must start with Bearer"),
        ),
        ("Bearer forged.token.here".to_owned(), UNPARSABLE),
    ];
    for (authorization, expect) in bad {
        let answer = get(&app, "/greeting", Some(&authorization)).await;
        answer.assert(expect, &authorization);
    }
}

#[rocket::async_test]
async fn typed_claims_are_read_once_and_a_misfit_is_401_invalid_claims() {
    let (ks, app) = TestApp::serving(&[&RSA_A]).await;
    let token = ks.token(&RSA_A).permissions(["read:messages"]).build();
    let answer = get_with(&app, "/typed", &token).await;
    assert_eq!(answer.body, r#"user-1 ["read:messages"] true"#);
    // `permissions` of the wrong type: the payload does not fit MyClaims.
    let misfit = ks.token(&RSA_A).claim("permissions", 42).build();
    let answer = get_with(&app, "/typed", &misfit).await;
    let shape = "the token's claims do not have the expected shape";
    answer.assert(Expect::BadToken("invalid_claims", shape), "misfit");
    let no_sub = ks.token(&RSA_A).without("sub").build();
    assert_eq!(status(&app, "/typed", &no_sub).await, Status::Unauthorized);
}
