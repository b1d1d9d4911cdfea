use super::Auth;
use crate::config::{AuthConfig, HmacSecret};

/// An operator may log the fairing: its `Debug` says where its
/// configuration comes from, and never shows a shared secret.
#[test]
fn the_fairings_debug_shows_its_configuration_and_hides_the_secret() {
    let secret = "a shared secret of thirty-two b.";
    let config = AuthConfig::builder("https://issuer.example/", "https://api.example/")
        .shared_secret(HmacSecret::raw(secret))
        .build()
        .unwrap();
    let shown = format!("{:?}", Auth::new(config));
    assert!(shown.starts_with("Auth { config: Ready("), "{shown}");
    assert!(shown.contains("https://issuer.example/"), "{shown}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(shown.contains("HmacSecret(32 bytes, redacted)"), "{shown}");
    assert!(format!("{:?}", Auth::from_rocket_config()).contains("Rocket"));
}
