#[test]
fn a_provider_is_available_after_installing() {
    super::install_provider();
    assert!(jsonwebtoken::crypto::CryptoProvider::try_get_default().is_some());
}
