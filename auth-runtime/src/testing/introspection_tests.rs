//! The introspector against the `testing` feature's endpoint, and the
//! certificate helpers against the core's checks.

use serde_json::json;

use std::time::Duration;

use crate::certbound::{check_binding, CertBindingError};
use crate::config::{ClientAuth, ClientSecret};
use crate::introspection::*;
use crate::testing::{ClientCert, SigningKey, TestIntrospection, TokenBuilder};

mod endpoint;

const ISSUER: &str = "https://issuer.example/";
const AUDIENCE: &str = "https://my/api";

fn introspector(endpoint: &TestIntrospection, auth: ClientAuth) -> Introspector {
    let mut settings = endpoint.settings();
    settings.issuers = vec![ISSUER.to_owned()];
    settings.audiences = vec![AUDIENCE.to_owned()];
    settings.client_auth = auth;
    settings.inactive_ttl = Duration::ZERO;
    Introspector::new(settings).unwrap()
}

#[tokio::test]
async fn the_test_endpoint_answers_for_active_inactive_revoked_and_bound_tokens() {
    let endpoint = TestIntrospection::start().await.unwrap();
    let exp = jsonwebtoken::get_current_timestamp() + 3600;
    let claims = json!({ "sub": "alice", "scope": "read:messages", "iss": ISSUER, "aud": AUDIENCE, "exp": exp });
    let active = endpoint.active(claims.clone());
    let inactive = endpoint.inactive();
    let cert = ClientCert::client();
    let bound = endpoint.bound(claims.clone(), &cert.thumbprint());
    for auth in [ClientAuth::Basic, ClientAuth::Form] {
        let introspector = introspector(&endpoint, auth);
        let user = introspector.introspect(&active).await.unwrap();
        assert_eq!(user.sub(), Some("alice"));
        assert!(user.scopes().any(|scope| scope == "read:messages"));
        assert_eq!(
            introspector.introspect(&inactive).await.unwrap_err(),
            IntrospectionError::Inactive
        );
        assert_eq!(
            introspector.introspect("never-minted").await.unwrap_err(),
            IntrospectionError::Inactive
        );
        let bound_claims = introspector.introspect(&bound).await.unwrap();
        let header = cert.header_value();
        assert_eq!(
            check_binding(bound_claims.get("cnf"), [header.as_str()]),
            Ok(())
        );
        let other = ClientCert::other().header_value();
        assert_eq!(
            check_binding(bound_claims.get("cnf"), [other.as_str()]),
            Err(CertBindingError::Mismatch)
        );
    }
    let revoked = endpoint.active(claims);
    let fresh = introspector(&endpoint, ClientAuth::Basic);
    fresh.introspect(&revoked).await.unwrap();
    endpoint.revoke(&revoked);
    let after = introspector(&endpoint, ClientAuth::Basic);
    assert_eq!(
        after.introspect(&revoked).await.unwrap_err(),
        IntrospectionError::Inactive
    );
}

#[tokio::test]
async fn refused_credentials_are_unavailable_not_inactive() {
    let endpoint = TestIntrospection::start().await.unwrap();
    let token = endpoint.active(json!({ "sub": "alice" }));
    let mut settings = endpoint.settings();
    settings.client_secret = ClientSecret::new("wrong");
    let error = Introspector::new(settings)
        .unwrap()
        .introspect(&token)
        .await
        .unwrap_err();
    assert_eq!(
        (error.status(), error.code()),
        (503, "introspection_unavailable")
    );
    assert!(matches!(&error, IntrospectionError::Unavailable(why) if why.contains("401")));
}

#[test]
fn token_builder_binds_a_jwt_to_a_certificate() {
    let cert = ClientCert::client();
    let key = std::sync::Arc::new(SigningKey::generate_ec("k"));
    let builder = TokenBuilder::new(key)
        .claim("cnf", json!({ "jkt": "kept" }))
        .bound_to_certificate(&cert.thumbprint());
    let token = builder.build();
    let payload = token.split('.').nth(1).unwrap();
    let payload: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(payload["cnf"]["x5t#S256"], cert.thumbprint());
    assert_eq!(payload["cnf"]["jkt"], "kept");
    assert_eq!(
        cert.thumbprint(),
        "dRhQ9UucC06BhnDftLVaMAI-xdik75qmGs-CzWkItgU"
    );
}
