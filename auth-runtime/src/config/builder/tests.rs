//! Tests of the builder's checks.

use super::*;
use std::time::Duration;

use crate::config::settings::{MAX_DURATION, MAX_FETCH_TIMEOUT, MAX_LEEWAY};

/// Asserts that `builder` is refused as out of range, naming `name` in the
/// error and in its text.
#[track_caller]
fn assert_out_of_range(builder: AuthConfigBuilder, name: &str) {
    let err = builder.build().unwrap_err();
    assert!(
        matches!(err, ConfigError::OutOfRange { setting, .. } if setting == name),
        "{name}: {err:?}"
    );
    assert!(err.to_string().contains(name), "{err}");
}

#[test]
fn shared_secrets_are_hmac_only_and_long_enough() {
    let secret = HmacSecret::raw([7u8; 32]);
    let config = AuthConfig::builder("https://i/", "a")
        .shared_secret(HmacSecret::raw([7u8; 64]))
        .build()
        .unwrap();
    assert_eq!(config.tuning.algorithms, HMAC_ALGORITHMS);
    let mixed = AuthConfig::builder("https://i/", "a")
        .shared_secret(secret)
        .algorithms([Algorithm::HS256, Algorithm::RS256])
        .build();
    assert!(matches!(
        mixed,
        Err(ConfigError::Algorithm {
            algorithm: Algorithm::RS256,
            ..
        })
    ));
    let short = AuthConfig::builder("https://i/", "a")
        .shared_secret(HmacSecret::raw("short"))
        .build();
    assert!(matches!(short, Err(ConfigError::Secret(_))));
}

#[test]
fn hs384_and_hs512_need_48_and_64_bytes() {
    let with = |bytes: usize| {
        AuthConfig::builder("https://i/", "a").shared_secret(HmacSecret::raw(vec![7u8; bytes]))
    };
    let config = with(32).build().unwrap();
    assert_eq!(config.tuning.algorithms, [Algorithm::HS256]);
    let config = with(48).build().unwrap();
    assert_eq!(
        config.tuning.algorithms,
        [Algorithm::HS256, Algorithm::HS384]
    );
    for (bytes, alg) in [(47, Algorithm::HS384), (63, Algorithm::HS512)] {
        let err = with(bytes).algorithms([alg]).build().unwrap_err();
        assert!(
            matches!(err, ConfigError::Algorithm { algorithm, .. } if algorithm == alg),
            "{err:?}"
        );
    }
    assert!(with(64).algorithms([Algorithm::HS512]).build().is_ok());
    assert!(matches!(with(31).build(), Err(ConfigError::Secret(_))));
}

#[test]
fn out_of_range_tuning_is_refused_naming_the_setting() {
    let base = || AuthConfig::builder("https://i/", "a");
    let cases = [
        (base().leeway(MAX_LEEWAY + Duration::from_secs(1)), "leeway"),
        (base().leeway(Duration::from_secs(u64::MAX)), "leeway"),
        (base().refresh_cooldown(Duration::ZERO), "refresh_cooldown"),
        (base().fetch_timeout(Duration::ZERO), "fetch_timeout"),
        (base().max_token_bytes(0), "max_token_bytes"),
        (base().max_jwks_bytes(0), "max_jwks_bytes"),
    ];
    for (builder, name) in cases {
        assert_out_of_range(builder, name);
    }
    assert!(base().leeway(MAX_LEEWAY).build().is_ok());
    assert!(base()
        .refresh_cooldown(Duration::from_millis(1))
        .build()
        .is_ok());
}

#[test]
fn huge_durations_are_refused_rather_than_overflowing_a_clock() {
    let base = || AuthConfig::builder("https://i/", "a");
    let huge = Duration::from_secs(u64::MAX);
    let cases = [
        (base().fetch_timeout(huge), "fetch_timeout"),
        (
            base().fetch_timeout(MAX_FETCH_TIMEOUT + Duration::from_secs(1)),
            "fetch_timeout",
        ),
        (base().jwks_ttl(huge), "jwks_ttl"),
        (base().refresh_cooldown(huge), "refresh_cooldown"),
        (base().retry_interval(huge), "retry_interval"),
        (base().token_cache_max_age(huge), "token_cache_max_age"),
    ];
    for (builder, name) in cases {
        assert_out_of_range(builder, name);
    }
    assert!(base().fetch_timeout(MAX_FETCH_TIMEOUT).build().is_ok());
}

#[test]
fn hmac_and_non_urls_are_refused() {
    let err = AuthConfig::builder("https://i/", "a")
        .algorithms([Algorithm::HS256])
        .build();
    assert!(matches!(
        err,
        Err(ConfigError::Algorithm {
            algorithm: Algorithm::HS256,
            ..
        })
    ));
    let err = AuthConfig::builder("i.example", "a").build().unwrap_err();
    assert!(matches!(
        err,
        ConfigError::InvalidUrl {
            setting: super::super::transport::ISSUER_SETTING,
            ..
        }
    ));
    assert!(err.to_string().contains("the issuer"));
    assert!(matches!(
        AuthConfig::builder("https://i/", " ").build(),
        Err(ConfigError::OutOfRange {
            setting: "the audience",
            ..
        })
    ));
    assert!(matches!(
        AuthConfig::builder("https://i/", "a")
            .algorithms([])
            .build(),
        Err(ConfigError::OutOfRange { .. })
    ));
}

/// The contract's defaults, in the units it gives them (so that a constant
/// written wrong fails here, not in production).
#[test]
fn the_defaults_are_the_contracts() {
    let tuning = AuthConfig::builder("https://i/", "a")
        .build()
        .unwrap()
        .tuning;
    let secs = Duration::from_secs;
    assert_eq!(tuning.leeway, secs(60));
    assert_eq!(tuning.jwks_ttl, secs(10 * 60));
    assert_eq!(tuning.refresh_cooldown, secs(30));
    assert_eq!(tuning.fetch_timeout, secs(5));
    assert_eq!(tuning.max_jwks_bytes, 1_048_576, "1 MiB");
    assert_eq!(tuning.max_stale, secs(86_400), "24 h");
    assert_eq!(tuning.max_token_bytes, 16_384);
    assert_eq!(tuning.token_cache_max_token_bytes, 4_096);
    assert_eq!(MAX_DURATION, secs(34_560_000), "400 days");
}

#[test]
fn durations_up_to_400_days_are_taken_and_longer_ones_refused() {
    let day = Duration::from_secs(86_400);
    // The staleness cap is at least the TTL: both move together.
    let builder = |ttl: Duration| {
        AuthConfig::builder("https://i/", "a")
            .jwks_ttl(ttl)
            .max_stale(ttl)
    };
    assert!(builder(day * 400).build().is_ok());
    // Both past 400 days: both named, in one error.
    let err = builder(day * 400 + Duration::from_secs(1))
        .build()
        .unwrap_err();
    let ConfigError::Several(all) = &err else {
        panic!("{err:?}")
    };
    let names: Vec<&str> = all
        .iter()
        .filter_map(|error| match error {
            ConfigError::OutOfRange { setting, .. } => Some(*setting),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["jwks_ttl", "max_stale"], "{err}");
    assert!(err.to_string().contains("jwks_ttl") && err.to_string().contains("max_stale"));
}

#[test]
fn table_and_http_client_errors_keep_their_cause() {
    use std::error::Error;
    let cause = serde_json::from_str::<u8>("x").unwrap_err();
    let table = ConfigError::Table(std::sync::Arc::new(cause));
    assert!(table
        .source()
        .is_some_and(|s| s.to_string().contains("expected value")));
    let bad_url = reqwest::Client::new().get("not a url").build().unwrap_err();
    let client = ConfigError::HttpClient(std::sync::Arc::new(bad_url));
    assert!(client
        .source()
        .is_some_and(|s| s.to_string().contains("builder error")));
    let missing = ConfigError::Missing("AUTH0_AUDIENCE");
    assert!(missing.source().is_none());
}

#[test]
fn the_configured_clock_is_the_one_read_back() {
    let manual = crate::clock::ManualClock::new();
    let config = AuthConfig::builder("https://i/", "a")
        .clock(manual.clock())
        .build()
        .unwrap();
    assert!(crate::clock::same(config.clock(), &manual.clock()));
    let system = AuthConfig::builder("https://i/", "a").build().unwrap();
    assert!(crate::clock::same(
        system.clock(),
        &crate::clock::Clock::system()
    ));
    assert!(!crate::clock::same(config.clock(), system.clock()));
}
