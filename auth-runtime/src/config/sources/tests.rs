//! The tests of config/sources.rs: the environment and the `[auth]` table.

use super::*;
use crate::config::{ClientAuth, DpopMode};
use std::collections::HashMap;
use std::time::Duration;

const ISSUER: (&str, &str) = ("AUTH_ISSUER", "https://i.example/");
const AUDIENCE: (&str, &str) = ("AUTH_AUDIENCE", "a");

/// `from_env` with these variables.
fn from(vars: &[(&str, &str)]) -> Result<AuthConfig, ConfigError> {
    read(None, vars, Sources::Env)
}

/// The fairing's path: the `[auth]` table and these variables.
fn from_table(table: Option<Value>, vars: &[(&str, &str)]) -> Result<AuthConfig, ConfigError> {
    read(table, vars, Sources::Table)
}

fn read(
    table: Option<Value>,
    vars: &[(&str, &str)],
    sources: Sources,
) -> Result<AuthConfig, ConfigError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    AuthConfig::from_sources(table, &|name| Ok(vars.get(name).cloned()), sources)
}

#[test]
fn auth0_domain_gives_issuer_and_key_set() {
    let config = from(&[
        ("AUTH0_DOMAIN", "example.eu.auth0.com"),
        ("AUTH0_AUDIENCE", "https://q/api"),
    ])
    .unwrap();
    assert_eq!(config.issuer(), "https://example.eu.auth0.com/");
    assert_eq!(config.audiences(), ["https://q/api"]);
    assert_eq!(
        config.jwks_source(),
        &JwksSource::Uri("https://example.eu.auth0.com/.well-known/jwks.json".into())
    );
}

#[test]
fn issuer_uses_discovery_unless_a_uri_is_given() {
    let issuer = ("AUTH_ISSUER", "http://127.0.0.1:8081/");
    let config = from(&[issuer, AUDIENCE]).unwrap();
    assert_eq!(config.issuer(), "http://127.0.0.1:8081/");
    assert_eq!(config.jwks_source(), &JwksSource::Discover);
    let keys = "http://127.0.0.1:9/keys";
    let config = from(&[issuer, AUDIENCE, ("AUTH_JWKS_URI", keys)]).unwrap();
    assert_eq!(config.jwks_source(), &JwksSource::Uri(keys.into()));
}

#[test]
fn incomplete_environment_names_what_is_missing() {
    let err = from(&[("AUTH0_DOMAIN", "x.auth0.com")]).unwrap_err();
    assert!(matches!(
        err,
        ConfigError::Missing("AUTH0_AUDIENCE or AUTH_AUDIENCE")
    ));
    assert!(err.to_string().contains("AUTH0_AUDIENCE"));
    let err = from(&[("AUTH_AUDIENCE", "a")]).unwrap_err();
    assert!(matches!(
        err,
        ConfigError::Missing("AUTH0_DOMAIN (an Auth0 tenant) or AUTH_ISSUER")
    ));
}

#[test]
fn the_table_sets_tuning_and_the_environment_wins() {
    let table = serde_json::json!({
        "issuer": "https://table/",
        "audience": "from-table",
        "leeway": 7,
        "jwks_ttl": 120,
        "realm": "r",
    });
    let config = from_table(Some(table.clone()), &[]).unwrap();
    assert_eq!(config.issuer(), "https://table/");
    assert_eq!(config.audiences(), ["from-table"]);
    assert_eq!(config.tuning.leeway, Duration::from_secs(7));
    assert_eq!(config.tuning.jwks_ttl, Duration::from_secs(120));
    assert_eq!(config.realm(), "r");
    let config = from_table(Some(table), &[("AUTH_AUDIENCE", "from-env")]).unwrap();
    assert_eq!(config.audiences(), ["from-env"]);
}

#[test]
fn no_configuration_error_shows_a_secret() {
    for (key, secret) in [
        ("shared_secret", serde_json::json!(123456789)),
        ("shared_secret", serde_json::json!(["hunter2-hunter2"])),
        ("client_secret", serde_json::json!(123456789)),
        ("client_secret", serde_json::json!({ "hunter2": 1 })),
    ] {
        let mut table = serde_json::json!({ "issuer": "https://i/", "audience": "a" });
        table[key] = secret;
        let err = from_table(Some(table), &[]).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(
            !text.contains("123456789") && !text.contains("hunter2"),
            "{text}"
        );
        let expected = match key {
            "shared_secret" => "shared secret must be a string",
            _ => "client_secret must be a string",
        };
        assert!(text.contains(expected), "{text}");
    }
    for variable in [
        ("AUTH_SHARED_SECRET_BASE64", "not base64! hunter2"),
        ("AUTH_SHARED_SECRET", "hunter2"),
    ] {
        let err = from(&[ISSUER, AUDIENCE, variable]).unwrap_err();
        assert!(
            !format!("{err} {err:?}").contains("hunter2"),
            "{variable:?}"
        );
    }
    let err = AuthConfig::builder("ftp://user:hunter2@i/", "a")
        .build()
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains("hunter2"), "{err}");
}

#[test]
fn several_audiences_and_a_maximum_age_come_from_either_source() {
    let base = [("AUTH_ISSUER", "https://i/")];
    let config = from(&[base[0], ("AUTH_AUDIENCE", " https://a/api  https://b/api ")]).unwrap();
    assert_eq!(config.audiences(), ["https://a/api", "https://b/api"]);
    let config = from(&[base[0], ("AUTH0_AUDIENCE", "q"), ("AUTH_AUDIENCE", "w")]).unwrap();
    assert_eq!(config.audiences(), ["w"], "AUTH_AUDIENCE wins");
    let table = serde_json::json!({
        "issuer": "https://i/", "audience": ["x", "y"], "max_token_age": 600,
        "scope_claims": ["permissions"]
    });
    let config = from_table(Some(table.clone()), &[]).unwrap();
    assert_eq!(config.audiences(), ["x", "y"]);
    assert_eq!(config.tuning.max_token_age, Some(Duration::from_secs(600)));
    assert_eq!(
        config.tuning.scope_claims,
        [crate::config::ScopeSource::Permissions]
    );
    let config = from_table(Some(table), &[("AUTH_MAX_TOKEN_AGE", "60")]).unwrap();
    assert_eq!(config.tuning.max_token_age, Some(Duration::from_secs(60)));
    let err = from(&[
        base[0],
        ("AUTH_AUDIENCE", "a"),
        ("AUTH_MAX_TOKEN_AGE", "soon"),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("AUTH_MAX_TOKEN_AGE"), "{err}");
    let table =
        serde_json::json!({ "issuer": "https://i/", "audience": "a", "scope_claims": ["roles"] });
    assert!(matches!(
        from_table(Some(table), &[]),
        Err(ConfigError::Table(_))
    ));
}

#[test]
fn an_unknown_key_of_the_table_is_refused() {
    let table = serde_json::json!({ "issuer": "https://i/", "audience": "a", "leway": 7 });
    let err = from_table(Some(table), &[]).unwrap_err();
    assert!(matches!(err, ConfigError::Table(_)), "{err:?}");
    assert!(err.to_string().contains("leway"), "{err}");
}

#[test]
fn auth0_domain_takes_no_scheme_but_https() {
    for domain in [
        "http://tenant.auth0.com",
        "HTTP://tenant.auth0.com/",
        "ftp://t",
        "tenant.auth0.com/path",
        "me@tenant.auth0.com",
        "tenant.auth0.com?x",
        "tenant.auth0.com#x",
        "tenant\\auth0.com",
        "ten ant.auth0.com",
        "ten\u{a0}ant.auth0.com",
        "ten\u{1}ant.auth0.com",
        "ten\u{85}ant.auth0.com",
    ] {
        let err = from(&[("AUTH0_DOMAIN", domain), ("AUTH_AUDIENCE", "a")]).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::InvalidUrl {
                    setting: "AUTH0_DOMAIN",
                    ..
                }
            ),
            "{domain}: {err:?}"
        );
        assert!(err.to_string().contains("AUTH0_DOMAIN"), "{err}");
    }
    for domain in [
        "https://tenant.auth0.com",
        "HTTPS://tenant.auth0.com/",
        " tenant.auth0.com/ ",
    ] {
        let config = from(&[("AUTH0_DOMAIN", domain), ("AUTH_AUDIENCE", "a")]).unwrap();
        assert_eq!(config.issuer(), "https://tenant.auth0.com/", "{domain}");
    }
    let table = serde_json::json!({ "domain": "http://tenant.auth0.com", "audience": "a" });
    let err = from_table(Some(table), &[]).unwrap_err();
    assert!(
        err.to_string().contains("domain in Rocket's [auth] table"),
        "{err}"
    );
}

#[test]
fn key_urls_from_the_environment_follow_the_https_rule() {
    let plain_keys = ("AUTH_JWKS_URI", "http://keys.example/jwks.json");
    let err = from(&[ISSUER, AUDIENCE, plain_keys]).unwrap_err();
    assert!(err.to_string().contains("AUTH_JWKS_URI"), "{err}");
    let err = from(&[("AUTH_ISSUER", "http://i.example/"), AUDIENCE]).unwrap_err();
    assert!(err.to_string().contains("AUTH_ISSUER"), "{err}");
    let file = "file:///etc/auth/jwks.json";
    let config = from(&[ISSUER, AUDIENCE, ("AUTH_JWKS_URI", file)]).unwrap();
    assert_eq!(config.jwks_source(), &JwksSource::Uri(file.into()));
}

#[test]
fn the_table_may_hold_the_key_set_itself() {
    let keys = serde_json::json!({ "keys": [{ "kty": "RSA", "n": "sXch", "e": "AQAB" }] });
    let table = serde_json::json!({ "issuer": "https://i/", "audience": "a", "jwks": keys });
    let config = from_table(Some(table), &[]).unwrap();
    let JwksSource::Inline(text) = config.jwks_source() else {
        panic!("{:?}", config.jwks_source());
    };
    assert_eq!(serde_json::from_str::<Value>(text).unwrap(), keys);
    let as_text =
        serde_json::json!({ "issuer": "https://i/", "audience": "a", "jwks": keys.to_string() });
    assert_eq!(
        from_table(Some(as_text), &[]).unwrap().jwks_source(),
        &JwksSource::Inline(keys.to_string())
    );
    let both = serde_json::json!({
        "issuer": "https://i/", "audience": "a", "jwks": keys, "jwks_uri": "https://i/k"
    });
    assert!(matches!(
        from_table(Some(both), &[]),
        Err(ConfigError::OutOfRange { .. })
    ));
}

#[test]
fn the_dpop_variables_set_their_settings() {
    let config = from(&[
        ISSUER,
        AUDIENCE,
        ("AUTH_DPOP", "Required"),
        ("AUTH_PUBLIC_URL", "https://api.example.com/v1/"),
        ("AUTH_DPOP_NONCE", "on"),
        ("AUTH_DPOP_NONCE_SECRET", "0123456789abcdef0123456789abcdef"),
    ])
    .unwrap();
    assert_eq!(config.dpop_mode(), DpopMode::Required);
    assert_eq!(config.public_url(), Some("https://api.example.com/v1"));
    assert!(config.dpop_nonce_enabled());
    for (mode, expected) in [
        ("disabled", DpopMode::Disabled),
        ("allowed", DpopMode::Allowed),
    ] {
        let config = from(&[ISSUER, AUDIENCE, ("AUTH_DPOP", mode)]).unwrap();
        assert_eq!(config.dpop_mode(), expected);
    }
    let config = from(&[ISSUER, AUDIENCE, ("AUTH_DPOP_NONCE", "off")]).unwrap();
    assert!(!config.dpop_nonce_enabled());
}

#[test]
fn a_bad_dpop_variable_is_refused_naming_it() {
    for (name, value) in [
        ("AUTH_DPOP", "sometimes"),
        ("AUTH_DPOP_NONCE", "maybe"),
        ("AUTH_PUBLIC_URL", "api.example.com"),
        ("AUTH_DPOP_NONCE_SECRET", "too short"),
    ] {
        let err = from(&[ISSUER, AUDIENCE, (name, value)]).unwrap_err();
        assert!(err.to_string().contains(name), "{name}: {err}");
        if name == "AUTH_DPOP_NONCE_SECRET" {
            assert!(!format!("{err} {err:?}").contains("too short"), "{err}");
        }
    }
}

#[test]
fn the_table_sets_dpop_and_metadata_and_the_environment_wins() {
    let table = serde_json::json!({
        "issuer": "https://table/",
        "audience": "a",
        "dpop": "disabled",
        "public_url": "https://api.example.com",
        "resource_metadata": true,
        "scopes_supported": ["read:messages"],
        "dpop_proof_max_age": 60,
        "dpop_nonce_secret": "0123456789abcdef0123456789abcdef",
    });
    let config = from_table(Some(table.clone()), &[]).unwrap();
    assert_eq!(config.dpop_mode(), DpopMode::Disabled);
    assert!(config.resource_metadata_enabled());
    assert_eq!(config.scopes_supported(), ["read:messages"]);
    assert_eq!(config.tuning.dpop_proof_max_age, Duration::from_secs(60));
    let config = from_table(Some(table), &[("AUTH_DPOP", "required")]).unwrap();
    assert_eq!(config.dpop_mode(), DpopMode::Required);
    let secret = serde_json::json!({ "issuer": "https://i/", "audience": "a", "dpop_nonce_secret": 12345678 });
    let err = from_table(Some(secret), &[]).unwrap_err();
    assert!(!format!("{err} {err:?}").contains("12345678"), "{err}");
}

#[test]
fn the_introspection_variables_and_keys_choose_discovery_credentials_and_jwts() {
    let config = from(&[
        ISSUER,
        AUDIENCE,
        ("AUTH_INTROSPECTION_URL", "https://as.example/introspect"),
        ("AUTH_CLIENT_ID", "api"),
        ("AUTH_CLIENT_AUTH", " Form "),
        ("AUTH_INTROSPECTION", "on"),
        ("AUTH_INTROSPECT_JWTS", "true"),
    ])
    .unwrap();
    assert_eq!(config.tuning.client_auth, ClientAuth::Form);
    assert!(config.tuning.introspection_discovery && config.tuning.introspect_jwts);
    // The defaults: Basic, no discovery, JWTs not introspected.
    let plain = from(&[
        ISSUER,
        AUDIENCE,
        ("AUTH_INTROSPECTION_URL", "https://as.example/introspect"),
    ])
    .unwrap();
    assert_eq!(plain.tuning.client_auth, ClientAuth::Basic);
    assert!(!plain.tuning.introspection_discovery && !plain.tuning.introspect_jwts);
    // The table's keys.
    let table = serde_json::json!({
        "issuer": "https://table/",
        "audience": "a",
        "client_auth": "form",
        "introspection_discovery": true,
        "introspect_jwts": true,
    });
    let config = from_table(Some(table), &[]).unwrap();
    assert_eq!(config.tuning.client_auth, ClientAuth::Form);
    assert!(config.tuning.introspection_discovery && config.tuning.introspect_jwts);
    for (name, value) in [
        ("AUTH_CLIENT_AUTH", "digest"),
        ("AUTH_INTROSPECTION", "maybe"),
        ("AUTH_INTROSPECT_JWTS", "sometimes"),
    ] {
        let err = from(&[ISSUER, AUDIENCE, (name, value)]).unwrap_err();
        assert!(err.to_string().contains(name), "{name}: {err}");
    }
}

#[test]
fn env_var_reads_the_process_environment() {
    // PATH is set for every test process; the other name never is.
    assert_eq!(env_var("PATH"), Ok(std::env::var("PATH").ok()));
    assert!(env_var("PATH").is_ok_and(|path| path.is_some_and(|path| !path.is_empty())));
    assert_eq!(env_var("AUTH_RUNTIME_NEVER_SET_8d2f"), Ok(None));
}

#[cfg(unix)]
#[test]
fn a_process_value_that_is_not_utf8_is_not_unicode_never_unset() {
    use std::os::unix::ffi::OsStringExt;
    let stray = std::ffi::OsString::from_vec(b"required\xff".to_vec());
    assert_eq!(os_text(Some(stray)), Err(NotUnicode));
    assert_eq!(
        os_text(Some("required".into())),
        Ok(Some("required".to_owned()))
    );
    assert_eq!(os_text(None), Ok(None));
    // And through the sources, it stops the configuration naming AUTH_DPOP.
    let err = AuthConfig::from_sources(
        None,
        &|name| match name {
            "AUTH_ISSUER" => Ok(Some("https://i.example/".to_owned())),
            "AUTH_AUDIENCE" => Ok(Some("a".to_owned())),
            "AUTH_DPOP" => os_text(Some(std::ffi::OsString::from_vec(b"required\xff".to_vec()))),
            _ => Ok(None),
        },
        Sources::Env,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::OutOfRange {
                setting: "AUTH_DPOP",
                ..
            }
        ),
        "{err:?}"
    );
}

/// A shared secret comes from one place: the environment beats the table
/// whichever encoding each uses, and two secrets of one source are refused.
#[test]
fn one_shared_secret_and_the_environment_wins() {
    let raw = "a shared secret of 32 bytes, ok!";
    let encoded = "YW5vdGhlciBzaGFyZWQgc2VjcmV0IG9mIDMyIGJ5dGVzIQ"; // another shared secret of 32 bytes!
    let table = |entries: serde_json::Value| {
        let mut table = serde_json::json!({ "issuer": "https://i.example/", "audience": "a" });
        for (key, value) in entries.as_object().unwrap() {
            table[key] = value.clone();
        }
        Some(table)
    };
    // The variable (base64) wins over the table's raw secret.
    let config = from_table(
        table(serde_json::json!({ "shared_secret": raw })),
        &[("AUTH_SHARED_SECRET_BASE64", encoded)],
    )
    .unwrap();
    let secret = config.shared_secret.as_ref().unwrap();
    assert_eq!(secret.bytes(), b"another shared secret of 32 bytes!");
    // Two variables, or two keys: refused, naming both, showing neither.
    for (table, vars) in [
        (
            table(serde_json::json!({})),
            vec![
                ("AUTH_SHARED_SECRET", raw),
                ("AUTH_SHARED_SECRET_BASE64", encoded),
            ],
        ),
        (
            table(serde_json::json!({ "shared_secret": raw, "shared_secret_base64": encoded })),
            vec![],
        ),
    ] {
        let error = from_table(table, &vars).unwrap_err().to_string();
        assert!(error.contains("set one"), "{error}");
        assert!(!error.contains(raw) && !error.contains(encoded), "{error}");
    }
}
