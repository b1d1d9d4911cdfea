//! Reading a configuration from the environment and from a table of settings
//! (Rocket's `[auth]`): the one place that knows each variable and key.

use std::sync::Arc;

use serde_json::Value;

use super::table::{split_audiences, Audiences, Identity};
use super::{AuthConfig, AuthConfigBuilder, ConfigError, DpopMode, HmacSecret, JwksSource, Tuning};

/// An environment variable; set but blank counts as unset.
pub(crate) fn env_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

impl AuthConfig {
    /// Reads the configuration from the environment:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `AUTH0_DOMAIN` | an Auth0 tenant such as `example.eu.auth0.com`: issuer `https://<domain>/`, keys at `https://<domain>/.well-known/jwks.json`; an `https://` prefix is tolerated, any other scheme is refused |
    /// | `AUTH_ISSUER` | any issuer, exactly as in `iss` (`https`, or `http` on a loopback host); keys found by discovery (used when `AUTH0_DOMAIN` is unset) |
    /// | `AUTH0_AUDIENCE` or `AUTH_AUDIENCE` | the API identifier, e.g. `https://quickstarts/api`; several separated by spaces; where both are set, `AUTH_AUDIENCE` wins |
    /// | `AUTH_MAX_TOKEN_AGE` | optional, seconds: a token whose `iat` is older (or absent) is refused |
    /// | `AUTH_JWKS_URI` | optional: the key set's URL, bypassing discovery (`https`, `http` on a loopback host, or `file:///path/jwks.json` to read it from a file) |
    /// | `AUTH_SHARED_SECRET` or `AUTH_SHARED_SECRET_BASE64` | optional: verify HS256/384/512 with this secret (raw, or base64/base64url) instead of a key set |
    ///
    /// and the optional settings of [`AuthConfigBuilder::env_settings`]
    /// (DPoP, the public URL). A variable that is set but blank counts as
    /// unset.
    pub fn from_env() -> Result<AuthConfig, ConfigError> {
        AuthConfig::builder_from_env()?.build()
    }

    /// What [`from_env`](Self::from_env) builds, still a builder: for
    /// settings the environment does not name (the metadata, say).
    ///
    /// ```no_run
    /// let config = auth_runtime::AuthConfig::builder_from_env()?
    ///     .resource_metadata(true)
    ///     .build()?;
    /// # Ok::<(), auth_runtime::config::ConfigError>(())
    /// ```
    pub fn builder_from_env() -> Result<AuthConfigBuilder, ConfigError> {
        AuthConfig::builder_from_sources(None, env_var)
    }

    /// The configuration from `table` (Rocket's `[auth]` table, as JSON),
    /// each value overridden by its environment variable where that is set.
    pub(crate) fn from_table(table: Option<Value>) -> Result<AuthConfig, ConfigError> {
        AuthConfig::from_sources(table, env_var)
    }

    /// The configuration from `table` and the variables `var` gives.
    pub(crate) fn from_sources(
        table: Option<Value>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<AuthConfig, ConfigError> {
        AuthConfig::builder_from_sources(table, var)?.build()
    }

    /// [`from_sources`](Self::from_sources), before `build`.
    fn builder_from_sources(
        table: Option<Value>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<AuthConfigBuilder, ConfigError> {
        let table_error = |error: serde_json::Error| ConfigError::Table(Arc::new(error));
        let identity: Identity = match table {
            Some(table) => serde_json::from_value(table).map_err(table_error)?,
            None => Identity::default(),
        };
        let mut tuning: Tuning =
            serde_json::from_value(Value::Object(identity.tuning)).map_err(table_error)?;
        if let Some(age) = var("AUTH_MAX_TOKEN_AGE") {
            let seconds = age
                .trim()
                .parse::<u64>()
                .map_err(|_| ConfigError::OutOfRange {
                    setting: "AUTH_MAX_TOKEN_AGE",
                    reason: "must be a whole number of seconds",
                })?;
            tuning.max_token_age = Some(std::time::Duration::from_secs(seconds));
        }
        // AUTH_AUDIENCE wins over the quickstart's AUTH0_AUDIENCE.
        let audiences = var("AUTH_AUDIENCE")
            .or_else(|| var("AUTH0_AUDIENCE"))
            .map(|text| split_audiences(&text))
            .or(identity.audience.map(Audiences::into_list))
            .filter(|list| !list.is_empty())
            .ok_or(ConfigError::Missing(
                "AUTH0_AUDIENCE (or AUTH_AUDIENCE, or audience in Rocket.toml's [auth])",
            ))?;
        let (domain, issuer, domain_setting) = match (var("AUTH0_DOMAIN"), var("AUTH_ISSUER")) {
            (None, None) => (identity.domain, identity.issuer, DOMAIN_KEY),
            (domain, issuer) => (domain, issuer, "AUTH0_DOMAIN"),
        };
        let (issuer, default_jwks) = match (domain, issuer) {
            (Some(domain), _) => {
                let domain = auth0_domain(&domain, domain_setting)?;
                (
                    format!("https://{domain}/"),
                    JwksSource::Uri(format!("https://{domain}/.well-known/jwks.json")),
                )
            }
            (None, Some(issuer)) => (issuer.trim().to_owned(), JwksSource::Discover),
            (None, None) => {
                return Err(ConfigError::Missing(
                    "AUTH0_DOMAIN or AUTH_ISSUER (or domain or issuer in Rocket.toml's [auth])",
                ))
            }
        };
        let jwks = match (var("AUTH_JWKS_URI"), identity.jwks_uri, identity.jwks) {
            (Some(uri), _, _) => JwksSource::Uri(uri),
            (None, Some(_), Some(_)) => {
                return Err(ConfigError::OutOfRange {
                    setting: "jwks_uri and jwks in Rocket.toml's [auth]",
                    reason: "exclude each other: set one",
                })
            }
            (None, Some(uri), None) => JwksSource::Uri(uri),
            (None, None, Some(Value::String(text))) => JwksSource::Inline(text),
            (None, None, Some(table)) => JwksSource::Inline(table.to_string()),
            (None, None, None) => default_jwks,
        };
        let mut builder = AuthConfig::builder(issuer, String::new())
            .audiences(audiences)
            .with_tuning(tuning)
            .jwks(jwks);
        let raw = var("AUTH_SHARED_SECRET").or(identity.shared_secret.map(|s| s.0));
        let encoded =
            var("AUTH_SHARED_SECRET_BASE64").or(identity.shared_secret_base64.map(|s| s.0));
        if let Some(secret) = raw {
            builder = builder.shared_secret(HmacSecret::raw(secret));
        } else if let Some(secret) = encoded {
            builder = builder.shared_secret(HmacSecret::base64(&secret)?);
        }
        // DPoP's secrets from the table; their variables win (settings_from).
        if let Some(secret) = identity.dpop_nonce_secret {
            builder = builder.dpop_nonce_secret(secret.0);
        }
        if let Some(url) = identity.dpop_replay_redis {
            builder = builder.dpop_replay_redis(url.0);
        }
        builder.settings_from(&var)
    }
}

impl AuthConfigBuilder {
    /// Applies the optional settings of the environment to this builder
    /// (the development issuer of an example, say, which sets the issuer
    /// itself); [`AuthConfig::from_env`] applies them too:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `AUTH_DPOP` | `disabled`, `allowed` or `required` ([`dpop`](Self::dpop)) |
    /// | `AUTH_PUBLIC_URL` | the API's external base URL ([`public_url`](Self::public_url)) |
    /// | `AUTH_DPOP_NONCE` | `on` (or `off`): server nonces ([`dpop_nonce`](Self::dpop_nonce)) |
    /// | `AUTH_DPOP_NONCE_SECRET` | the nonces' secret, at least 32 bytes ([`dpop_nonce_secret`](Self::dpop_nonce_secret)) |
    /// | `AUTH_DPOP_REPLAY_REDIS` | a `redis://host:port` replay store shared by instances, with the `redis` feature ([`dpop_replay_redis`](Self::dpop_replay_redis)) |
    pub fn env_settings(self) -> Result<AuthConfigBuilder, ConfigError> {
        self.settings_from(&env_var)
    }

    /// [`env_settings`](Self::env_settings) with the variables `var` gives.
    pub(crate) fn settings_from(
        mut self,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<AuthConfigBuilder, ConfigError> {
        if let Some(mode) = var("AUTH_DPOP") {
            self = self.dpop(match mode.trim().to_ascii_lowercase().as_str() {
                "disabled" => DpopMode::Disabled,
                "allowed" => DpopMode::Allowed,
                "required" => DpopMode::Required,
                _ => {
                    return Err(ConfigError::OutOfRange {
                        setting: "AUTH_DPOP",
                        reason: "must be disabled, allowed or required",
                    })
                }
            });
        }
        if let Some(url) = var("AUTH_PUBLIC_URL") {
            self = self.public_url(url.trim());
        }
        if let Some(on) = var("AUTH_DPOP_NONCE") {
            self = self.dpop_nonce(match on.trim().to_ascii_lowercase().as_str() {
                "on" | "true" | "1" => true,
                "off" | "false" | "0" => false,
                _ => {
                    return Err(ConfigError::OutOfRange {
                        setting: "AUTH_DPOP_NONCE",
                        reason: "must be on or off",
                    })
                }
            });
        }
        // The secret's bytes as given: not trimmed.
        if let Some(secret) = var("AUTH_DPOP_NONCE_SECRET") {
            self = self.dpop_nonce_secret(secret);
        }
        if let Some(url) = var("AUTH_DPOP_REPLAY_REDIS") {
            self = self.dpop_replay_redis(url.trim());
        }
        Ok(self)
    }
}

const DOMAIN_KEY: &str = "domain in Rocket.toml's [auth]";

/// The host of an Auth0 tenant: `example.eu.auth0.com`, tolerating an
/// `https://` prefix and a trailing `/`. Any other scheme is refused rather
/// than folded into `https://http://...`, and so is anything that is not a
/// bare host (a path, userinfo, a query).
fn auth0_domain<'a>(value: &'a str, setting: &'static str) -> Result<&'a str, ConfigError> {
    let trimmed = value.trim();
    let host = match trimmed.get(..8) {
        Some(scheme) if scheme.eq_ignore_ascii_case("https://") => trimmed.get(8..).unwrap_or(""),
        _ => trimmed,
    };
    let host = host.strip_suffix('/').unwrap_or(host);
    let bare = !host.is_empty()
        && !host.contains("://")
        && !host.contains(|c: char| "/\\@?#".contains(c) || c.is_whitespace() || c.is_control());
    if bare {
        Ok(host)
    } else {
        Err(ConfigError::InvalidUrl {
            setting,
            value: super::builder::without_userinfo(value),
            reason: "a tenant's domain such as example.eu.auth0.com (an https:// prefix is \
                     tolerated, no other scheme)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::time::Duration;

    fn from(vars: &[(&str, &str)]) -> Result<AuthConfig, ConfigError> {
        from_table(None, vars)
    }

    fn from_table(table: Option<Value>, vars: &[(&str, &str)]) -> Result<AuthConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AuthConfig::from_sources(table, |name| vars.get(name).cloned())
    }

    #[test]
    fn auth0_domain_gives_issuer_and_key_set() {
        let config = from(&[
            ("AUTH0_DOMAIN", "example.eu.auth0.com"),
            ("AUTH0_AUDIENCE", "https://q/api"),
        ])
        .unwrap();
        assert_eq!(config.issuer(), "https://example.eu.auth0.com/");
        assert_eq!(config.audience(), "https://q/api");
        assert_eq!(
            config.jwks_source(),
            &JwksSource::Uri("https://example.eu.auth0.com/.well-known/jwks.json".into())
        );
    }

    #[test]
    fn issuer_uses_discovery_unless_a_uri_is_given() {
        let config = from(&[
            ("AUTH_ISSUER", "http://127.0.0.1:8081/"),
            ("AUTH_AUDIENCE", "a"),
        ])
        .unwrap();
        assert_eq!(config.issuer(), "http://127.0.0.1:8081/");
        assert_eq!(config.jwks_source(), &JwksSource::Discover);
        let config = from(&[
            ("AUTH_ISSUER", "http://127.0.0.1:8081/"),
            ("AUTH_AUDIENCE", "a"),
            ("AUTH_JWKS_URI", "http://127.0.0.1:9/keys"),
        ])
        .unwrap();
        assert_eq!(
            config.jwks_source(),
            &JwksSource::Uri("http://127.0.0.1:9/keys".into())
        );
    }

    #[test]
    fn incomplete_environment_names_what_is_missing() {
        let err = from(&[("AUTH0_DOMAIN", "x.auth0.com")]).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Missing(
                "AUTH0_AUDIENCE (or AUTH_AUDIENCE, or audience in Rocket.toml's [auth])"
            )
        ));
        assert!(err.to_string().contains("AUTH0_AUDIENCE"));
        let err = from(&[("AUTH_AUDIENCE", "a")]).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Missing(
                "AUTH0_DOMAIN or AUTH_ISSUER (or domain or issuer in Rocket.toml's [auth])"
            )
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
        assert_eq!(config.audience(), "from-table");
        assert_eq!(config.tuning.leeway, Duration::from_secs(7));
        assert_eq!(config.tuning.jwks_ttl, Duration::from_secs(120));
        assert_eq!(config.realm(), "r");
        let config = from_table(Some(table), &[("AUTH_AUDIENCE", "from-env")]).unwrap();
        assert_eq!(config.audience(), "from-env");
    }

    #[test]
    fn no_configuration_error_shows_a_secret() {
        for secret in [
            serde_json::json!(123456789),
            serde_json::json!(["hunter2-hunter2"]),
        ] {
            let table = serde_json::json!({
                "issuer": "https://i/", "audience": "a", "shared_secret": secret
            });
            let err = from_table(Some(table), &[]).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(
                !text.contains("123456789") && !text.contains("hunter2"),
                "{text}"
            );
            assert!(text.contains("shared secret must be a string"), "{text}");
        }
        let err = from(&[
            ("AUTH_ISSUER", "https://i/"),
            ("AUTH_AUDIENCE", "a"),
            ("AUTH_SHARED_SECRET_BASE64", "not base64! hunter2"),
        ])
        .unwrap_err();
        assert!(!format!("{err} {err:?}").contains("hunter2"));
        let err = from(&[
            ("AUTH_ISSUER", "https://i/"),
            ("AUTH_AUDIENCE", "a"),
            ("AUTH_SHARED_SECRET", "hunter2"),
        ])
        .unwrap_err();
        assert!(!format!("{err} {err:?}").contains("hunter2"));
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
        let table = serde_json::json!({ "issuer": "https://i/", "audience": "a", "scope_claims": ["roles"] });
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
        assert!(err.to_string().contains("domain in Rocket.toml"), "{err}");
    }

    #[test]
    fn key_urls_from_the_environment_follow_the_https_rule() {
        let err = from(&[
            ("AUTH_ISSUER", "https://i.example/"),
            ("AUTH_AUDIENCE", "a"),
            ("AUTH_JWKS_URI", "http://keys.example/jwks.json"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("AUTH_JWKS_URI"), "{err}");
        let err =
            from(&[("AUTH_ISSUER", "http://i.example/"), ("AUTH_AUDIENCE", "a")]).unwrap_err();
        assert!(err.to_string().contains("AUTH_ISSUER"), "{err}");
        let config = from(&[
            ("AUTH_ISSUER", "https://i.example/"),
            ("AUTH_AUDIENCE", "a"),
            ("AUTH_JWKS_URI", "file:///etc/auth/jwks.json"),
        ])
        .unwrap();
        assert_eq!(
            config.jwks_source(),
            &JwksSource::Uri("file:///etc/auth/jwks.json".into())
        );
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
        let as_text = serde_json::json!({ "issuer": "https://i/", "audience": "a", "jwks": keys.to_string() });
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
}
