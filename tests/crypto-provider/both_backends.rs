//! jsonwebtoken chooses its crypto provider from its cargo features, and
//! chooses none when both `aws_lc_rs` and `rust_crypto` are enabled, as
//! here: every verification would panic unless a provider is installed.
//! auth-runtime installs its own before first use.

use auth_runtime::testing::TestIssuer;
use auth_runtime::validator::Validator;
use auth_runtime::AuthConfig;
use jsonwebtoken::crypto::CryptoProvider;

#[tokio::test]
async fn a_token_verifies_with_both_backends_enabled() {
    // Nothing is installed yet, and the features cannot decide.
    assert!(
        CryptoProvider::try_get_default().is_none(),
        "this package must enable both jsonwebtoken backends"
    );
    // Making a validator installs the provider (before any test key does).
    let config = AuthConfig::builder("https://issuer.example/", "https://quickstarts/api");
    Validator::new(config.build().unwrap()).unwrap();
    assert!(CryptoProvider::try_get_default().is_some());

    let issuer = TestIssuer::start("https://quickstarts/api").await.unwrap();
    let validator = Validator::new(issuer.config().build().unwrap()).unwrap();
    let token = issuer.token().scope("read:messages").build();
    let claims = validator.validate(&token).await.unwrap();
    assert_eq!(claims.sub(), Some("test-user"));
}
