//! The tests of config/settings.rs: the declarations against what they
//! show, against settings.md, and against the readers they generate.

use super::*;
use crate::config::declare::Value as _;
use crate::config::sources::{NotUnicode, Read, Sources};
use crate::config::AuthConfig;

/// The part of settings.md generated from [`SETTINGS`].
fn table_of_settings() -> String {
    let mut table = String::from(
        "| `[auth]` key and builder method | variable | value | default | bound |\n|---|---|---|---|---|\n",
    );
    for setting in SETTINGS {
        table.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            setting.key,
            setting
                .env
                .map_or("none".to_owned(), |env| format!("`{env}`")),
            setting.kind,
            setting.default,
            setting.bounds.unwrap_or("none"),
        ));
    }
    table
}

const BEGIN: &str = "<!-- settings: begin -->\n";
const END: &str = "<!-- settings: end -->";

#[test]
fn each_declared_default_shows_as_its_text() {
    let shown = shown_defaults();
    assert_eq!(shown.len(), SETTINGS.len());
    for ((key, value), setting) in shown.iter().zip(SETTINGS) {
        assert_eq!(*key, setting.key);
        assert_eq!(value, setting.default, "the default of {key}");
        assert!(setting.doc.trim_end().ends_with('.'), "the doc of {key}");
    }
}

#[test]
fn settings_md_lists_every_setting_with_its_declared_default() {
    let page = include_str!("../settings.md");
    let start = page.find(BEGIN).expect("settings.md has the begin marker") + BEGIN.len();
    let end = page.find(END).expect("settings.md has the end marker");
    let expected = table_of_settings();
    assert!(
        page[start..end] == expected,
        "settings.md's table of settings is not the declarations'; paste this between its \
         markers:\n{expected}"
    );
}

#[test]
fn every_key_is_unique_and_read_from_the_table() {
    let mut keys: Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), SETTINGS.len(), "a key declared twice");
    // Every key is accepted by the table reader with a value of its type.
    let defaults = Tuning::default();
    assert!(Tuning::from_table(serde_json::Map::new()).is_ok());
    let unknown = serde_json::json!({ "leway": 7 });
    let serde_json::Value::Object(unknown) = unknown else {
        unreachable!()
    };
    let errors = Tuning::from_table(unknown).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].to_string().contains("unknown key `leway`"),
        "{}",
        errors[0]
    );
    assert_eq!(defaults.leeway, std::time::Duration::from_secs(60));
}

#[test]
fn every_variable_names_a_distinct_setting() {
    let mut vars: Vec<&str> = SETTINGS.iter().filter_map(|s| s.env).collect();
    let count = vars.len();
    vars.sort_unstable();
    vars.dedup();
    assert_eq!(vars.len(), count, "a variable declared twice");
    assert!(vars.iter().all(|var| var.starts_with("AUTH_")));
}

/// `from_env` (or the table path) with these variables, one of them
/// possibly not unicode.
fn from_vars(vars: &[(&str, Read)], sources: Sources) -> Result<AuthConfig, ConfigError> {
    let var = |name: &str| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map_or(Ok(None), |(_, value)| value.clone())
    };
    AuthConfig::from_sources(None, &var, sources)
}

fn set(value: &str) -> Read {
    Ok(Some(value.to_owned()))
}

#[test]
fn a_variable_that_is_not_unicode_stops_ignition_naming_it() {
    for name in [
        "AUTH_DPOP",
        "AUTH_CLIENT_SECRET",
        "AUTH_AUDIENCE",
        "AUTH_ISSUER",
        "AUTH_DPOP_NONCE_SECRET",
    ] {
        let mut vars = vec![
            ("AUTH_ISSUER", set("https://i.example/")),
            ("AUTH_AUDIENCE", set("a")),
        ];
        vars.retain(|(key, _)| *key != name);
        vars.push((name, Err(NotUnicode)));
        let err = from_vars(&vars, Sources::Env).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(name) && text.contains("UTF-8"),
            "{name}: {text}"
        );
    }
}

#[test]
fn a_variable_set_but_empty_stops_ignition_naming_it() {
    for name in [
        "AUTH_DPOP",
        "AUTH_CLIENT_CERT_HEADER",
        "AUTH_JWKS_URI",
        "AUTH_MAX_TOKEN_AGE",
    ] {
        for empty in ["", "  "] {
            let vars = [
                ("AUTH_ISSUER", set("https://i.example/")),
                ("AUTH_AUDIENCE", set("a")),
                (name, set(empty)),
            ];
            let text = from_vars(&vars, Sources::Env).unwrap_err().to_string();
            assert!(
                text.contains(name) && text.contains("empty"),
                "{name}: {text}"
            );
        }
    }
}

#[test]
fn a_variable_not_among_its_words_stops_ignition_naming_it() {
    for (name, value) in [
        ("AUTH_DPOP", "sometimes"),
        ("AUTH_DPOP_NONCE", "yes"),
        ("AUTH_CLIENT_AUTH", "digest"),
        ("AUTH_INTROSPECTION", "enabled"),
        ("AUTH_INTROSPECT_JWTS", "2"),
        ("AUTH_MAX_TOKEN_AGE", "1h"),
    ] {
        let vars = [
            ("AUTH_ISSUER", set("https://i.example/")),
            ("AUTH_AUDIENCE", set("a")),
            (name, set(value)),
        ];
        let err = from_vars(&vars, Sources::Env).unwrap_err();
        assert!(
            matches!(err, ConfigError::OutOfRange { setting, .. } if setting == name),
            "{name}: {err:?}"
        );
        assert!(!err.to_string().contains(value), "{err}");
    }
}

#[test]
fn a_secret_that_is_not_unicode_is_never_shown() {
    let vars = [
        ("AUTH_ISSUER", set("https://i.example/")),
        ("AUTH_AUDIENCE", set("a")),
        ("AUTH_CLIENT_SECRET", Err(NotUnicode)),
        ("AUTH_DPOP_NONCE_SECRET", set("   ")),
    ];
    let err = from_vars(&vars, Sources::Env).unwrap_err();
    assert!(
        matches!(&err, ConfigError::Several(all) if all.len() == 2),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("AUTH_CLIENT_SECRET") && text.contains("AUTH_DPOP_NONCE_SECRET"),
        "{text}"
    );
}

#[test]
fn nothing_configured_names_every_missing_variable_and_no_rocket_toml() {
    let err = from_vars(&[], Sources::Env).unwrap_err();
    assert!(
        matches!(&err, ConfigError::Several(all) if all.len() == 2),
        "{err:?}"
    );
    let text = err.to_string();
    for name in [
        "AUTH0_DOMAIN",
        "AUTH_ISSUER",
        "AUTH0_AUDIENCE",
        "AUTH_AUDIENCE",
    ] {
        assert!(text.contains(name), "{name}: {text}");
    }
    assert!(
        !text.contains("Rocket.toml") && !text.contains("[auth]"),
        "{text}"
    );
    assert!(!text.contains("from_rocket_config"), "{text}");
}

#[test]
fn from_env_suggests_the_rocket_constructor_where_rocket_auth_is_set() {
    let err = from_vars(
        &[("ROCKET_AUTH", set("{issuer=\"https://i/\"}"))],
        Sources::Env,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("from_rocket_config"), "{err}");
}

#[test]
fn the_table_path_names_the_auth_keys_and_their_variables() {
    let text = from_vars(&[], Sources::Table).unwrap_err().to_string();
    for word in [
        "[auth]",
        "domain or issuer",
        "audience",
        "AUTH_ISSUER",
        "AUTH_AUDIENCE",
    ] {
        assert!(text.contains(word), "{word}: {text}");
    }
}

#[test]
fn every_invalid_setting_is_in_one_error() {
    let vars = [
        ("AUTH_DPOP", set("maybe")),
        ("AUTH_CLIENT_AUTH", set("digest")),
    ];
    let err = from_vars(&vars, Sources::Env).unwrap_err();
    let ConfigError::Several(all) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(all.len(), 4, "two missing, two invalid: {err}");
    let built = AuthConfig::builder("https://i/", "a")
        .leeway(std::time::Duration::from_secs(7200))
        .fetch_timeout(std::time::Duration::ZERO)
        .max_token_bytes(0)
        .build()
        .unwrap_err();
    let ConfigError::Several(all) = &built else {
        panic!("{built:?}")
    };
    let names: Vec<String> = all
        .iter()
        .map(|error| match error {
            ConfigError::OutOfRange { setting, .. } => (*setting).to_owned(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["leeway", "fetch_timeout", "max_token_bytes"]);
    let text = built.to_string();
    assert!(
        text.starts_with("auth configuration is incomplete or invalid (3 problems): "),
        "{text}"
    );
}

#[test]
fn a_bound_error_names_the_variable_beside_the_key() {
    let err = AuthConfig::builder("https://i/", "a")
        .max_token_age(std::time::Duration::ZERO)
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("max_token_age (AUTH_MAX_TOKEN_AGE) must be above zero"),
        "{text}"
    );
    assert_eq!(defaults::max_token_age().show(), "none");
}

#[test]
fn the_builder_methods_carry_the_keys_names() {
    // The renamed methods set the fields of their [auth] keys.
    let config = AuthConfig::builder("https://i.example/", "a")
        .introspection_url("https://as.example/introspect")
        .introspection_discovery(true)
        .client_auth(ClientAuth::Form)
        .build()
        .unwrap();
    assert!(config.tuning.introspection_discovery);
    assert_eq!(config.tuning.client_auth, ClientAuth::Form);
    let table = serde_json::json!({
        "issuer": "https://i.example/",
        "audience": "a",
        "introspection_discovery": true,
        "client_auth": "form",
        "client_id": "api",
    });
    let from_table = AuthConfig::from_sources(Some(table), &|_| Ok(None), Sources::Table).unwrap();
    assert!(from_table.tuning.introspection_discovery);
    assert_eq!(from_table.tuning.client_auth, ClientAuth::Form);
    assert_eq!(from_table.tuning.client_id.as_deref(), Some("api"));
}

/// DPoP's windows are whole seconds (a sub-second window would truncate to
/// none) and at most an hour (longer keeps replay records for days).
#[test]
fn dpop_windows_are_at_least_a_second_and_at_most_an_hour() {
    use crate::config::{assert_out_of_range, base};
    assert_out_of_range([
        (
            base().dpop_nonce_window(Duration::from_millis(500)),
            "dpop_nonce_window",
        ),
        (
            base().dpop_nonce_window(Duration::from_secs(3601)),
            "dpop_nonce_window",
        ),
        (
            base().dpop_proof_max_age(Duration::from_millis(999)),
            "dpop_proof_max_age",
        ),
        (
            base().dpop_proof_max_age(Duration::MAX),
            "dpop_proof_max_age",
        ),
        (
            base().dpop_proof_max_ahead(Duration::from_secs(3601)),
            "dpop_proof_max_ahead",
        ),
    ]);
    let edges = base()
        .dpop_nonce_window(Duration::from_secs(3600))
        .dpop_proof_max_age(Duration::from_secs(1))
        .dpop_proof_max_ahead(Duration::ZERO);
    assert!(edges.build().is_ok(), "an hour, a second, no lead at all");
}

#[test]
fn build_checks_join_the_missing_settings_in_one_error() {
    // An audience missing, and what only build() checks: the public URL
    // and the DPoP nonce secret's length. One error names all three.
    let vars = [
        ("AUTH_ISSUER", set("https://issuer.example/")),
        ("AUTH_PUBLIC_URL", set("not a url")),
        ("AUTH_DPOP_NONCE_SECRET", set("short")),
    ];
    let err = from_vars(&vars, Sources::Env).unwrap_err();
    let ConfigError::Several(all) = &err else {
        panic!("{err:?}")
    };
    let text = err.to_string();
    assert!(text.contains("AUTH_AUDIENCE"), "{text}");
    assert!(text.contains("AUTH_DPOP_NONCE_SECRET"), "{text}");
    assert!(text.contains("public"), "{text}");
    assert!(!text.contains("short"), "a secret's value: {text}");
    assert_eq!(all.len(), 3, "{err}");
    // build() itself: the DPoP secret beside an algorithm error.
    let built = AuthConfig::builder("https://i/", "a")
        .algorithms([jsonwebtoken::Algorithm::HS256])
        .dpop_nonce_secret("short")
        .build()
        .unwrap_err();
    assert!(
        matches!(&built, ConfigError::Several(all) if all.len() == 2),
        "{built:?}"
    );
}
