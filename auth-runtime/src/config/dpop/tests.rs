//! The tests of config/dpop.rs: defaults, the public URL, secrets, bounds.

use super::*;
use crate::config::Algorithm;

fn base() -> AuthConfigBuilder {
    AuthConfig::builder("https://i/", "a")
}

#[test]
fn the_defaults_are_the_declared_ones() {
    let config = base().build().unwrap();
    assert_eq!(config.dpop_mode(), DpopMode::Allowed);
    assert_eq!(config.public_url(), None);
    assert!(!config.dpop_nonce_enabled());
    assert!(!config.resource_metadata_enabled());
    assert!(config.scopes_supported().is_empty());
    assert_eq!(config.dpop_config(), DpopConfig::default());
}

#[test]
fn a_public_url_is_normalised_and_checked() {
    for (given, kept) in [
        ("https://api.example.com", "https://api.example.com"),
        ("https://API.example.com:443/", "https://api.example.com"),
        ("http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1"),
    ] {
        let config = base().public_url(given).build().unwrap();
        assert_eq!(config.public_url(), Some(kept), "{given}");
    }
    for bad in [
        "api.example.com",
        "ftp://h/",
        "https://h/?q=1",
        "https://h/#f",
        "https://user:hunter2@h/",
        "/v1",
    ] {
        let err = base().public_url(bad).build().unwrap_err();
        let text = err.to_string();
        assert!(text.contains("AUTH_PUBLIC_URL"), "{bad}: {text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}

#[test]
fn a_short_nonce_secret_is_refused_naming_the_variable() {
    let err = base().dpop_nonce_secret([1u8; 31]).build().unwrap_err();
    assert!(err.to_string().contains("AUTH_DPOP_NONCE_SECRET"), "{err}");
    assert!(base().dpop_nonce_secret([1u8; 32]).build().is_ok());
}

#[test]
fn secrets_never_print() {
    let builder = base()
        .dpop_nonce_secret("hunter2-hunter2-hunter2-hunter2-hunter2")
        .dpop_replay_redis("redis://:hunter2@127.0.0.1:6379");
    let debug = format!("{builder:?}");
    assert!(!debug.contains("hunter2"));
    assert!(
        debug.contains(
            r#"DpopExtras { nonce_secret: Some("<redacted>"), replay_redis: Some("<redacted>")"#
        ),
        "{debug}"
    );
    // Built with the `redis` feature, refused without it: neither the
    // configuration nor the error shows a secret.
    let built = builder.build();
    assert_eq!(built.is_ok(), cfg!(feature = "redis"), "{built:?}");
    let shown = match &built {
        Ok(config) => format!("{config:?}"),
        Err(error) => format!("{error} {error:?}"),
    };
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[cfg(not(feature = "redis"))]
#[test]
fn a_redis_url_without_the_feature_says_to_enable_it() {
    let err = base()
        .dpop_replay_redis("redis://:hunter2@127.0.0.1:6379")
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("AUTH_DPOP_REPLAY_REDIS") && text.contains("`redis` feature"),
        "{text}"
    );
    assert!(!text.contains("hunter2"));
}

#[cfg(feature = "redis")]
#[test]
fn a_redis_url_becomes_a_store() {
    let config = base()
        .dpop_replay_redis("redis://127.0.0.1:6379")
        .build()
        .unwrap();
    assert!(config.dpop_extras.replay_store.is_some());
    let err = base().dpop_replay_redis("http://h/").build().unwrap_err();
    assert!(err.to_string().contains("AUTH_DPOP_REPLAY_REDIS"), "{err}");
}

#[test]
fn dpop_bounds_are_checked() {
    let cases = [
        (base().dpop_algorithms([]), "dpop_algorithms"),
        (
            base().dpop_algorithms([Algorithm::HS256]),
            "dpop_algorithms",
        ),
        (
            base().dpop_proof_max_age(Duration::ZERO),
            "dpop_proof_max_age",
        ),
        (
            base().dpop_nonce_window(Duration::ZERO),
            "dpop_nonce_window",
        ),
        (
            base().dpop_replay_timeout(Duration::ZERO),
            "dpop_replay_timeout",
        ),
        (
            base().scopes_supported(["read messages"]),
            "scopes_supported",
        ),
    ];
    for (builder, name) in cases {
        let err = builder.build().unwrap_err();
        assert!(err.to_string().contains(name), "{err}");
    }
}
