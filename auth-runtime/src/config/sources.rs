//! Reading a configuration from the environment and from a table of settings
//! (Rocket's `[auth]`): the one place that knows each variable and key.

use std::sync::Arc;

use serde_json::Value;

use super::table::{split_audiences, Audiences, Identity};
use super::{
    AuthConfig, AuthConfigBuilder, ClientAuth, ConfigError, DpopMode, HmacSecret, JwksSource,
    Tuning,
};

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
    /// | `AUTH_INTROSPECTION_URL` | the RFC 7662 endpoint for opaque tokens ([`introspection_url`](Self::introspection_url)) |
    /// | `AUTH_INTROSPECTION` | `on`: the endpoint from the issuer's metadata ([`introspection_from_metadata`](Self::introspection_from_metadata)) |
    /// | `AUTH_CLIENT_ID`, `AUTH_CLIENT_SECRET` | the API's credentials there ([`introspection_client`](Self::introspection_client)) |
    /// | `AUTH_CLIENT_AUTH` | `basic` (default) or `form`: how they travel ([`introspection_client_auth`](Self::introspection_client_auth)) |
    /// | `AUTH_INTROSPECT_JWTS` | `on`: JWTs are introspected too, after the local checks ([`introspect_jwts`](Self::introspect_jwts)) |
    /// | `AUTH_CLIENT_CERT_HEADER` | the header a TLS-terminating proxy forwards the client certificate in, e.g. `Client-Cert` ([`client_cert_header`](Self::client_cert_header)) |
    /// | `AUTH_DPOP_REPLAY_REDIS` | a `redis://host:port` replay store shared by instances, with the `redis` feature ([`dpop_replay_redis`](Self::dpop_replay_redis)) |
    pub fn env_settings(self) -> Result<AuthConfigBuilder, ConfigError> {
        self.settings_from(&env_var)
    }

    /// [`env_settings`](Self::env_settings) with the variables `var` gives.
    pub(crate) fn settings_from(
        mut self,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<AuthConfigBuilder, ConfigError> {
        if let Some(mode) = choice(
            var,
            "AUTH_DPOP",
            &[
                ("disabled", DpopMode::Disabled),
                ("allowed", DpopMode::Allowed),
                ("required", DpopMode::Required),
            ],
            "must be disabled, allowed or required",
        )? {
            self = self.dpop(mode);
        }
        if let Some(url) = var("AUTH_PUBLIC_URL") {
            self = self.public_url(url.trim());
        }
        if let Some(on) = switch(var, "AUTH_DPOP_NONCE")? {
            self = self.dpop_nonce(on);
        }
        // The secret's bytes as given: not trimmed.
        if let Some(secret) = var("AUTH_DPOP_NONCE_SECRET") {
            self = self.dpop_nonce_secret(secret);
        }
        if let Some(url) = var("AUTH_DPOP_REPLAY_REDIS") {
            self = self.dpop_replay_redis(url.trim());
        }
        if let Some(url) = var("AUTH_INTROSPECTION_URL").filter(|url| !url.trim().is_empty()) {
            self = self.introspection_url(url.trim());
        }
        if let Some(on) = switch(var, "AUTH_INTROSPECTION")? {
            self = self.introspection_from_metadata(on);
        }
        if let Some(on) = switch(var, "AUTH_INTROSPECT_JWTS")? {
            self = self.introspect_jwts(on);
        }
        if let Some(auth) = choice(
            var,
            "AUTH_CLIENT_AUTH",
            &[("basic", ClientAuth::Basic), ("form", ClientAuth::Form)],
            "must be basic or form",
        )? {
            self = self.introspection_client_auth(auth);
        }
        if let Some(id) = var("AUTH_CLIENT_ID") {
            // The secret's bytes as given: not trimmed.
            let secret = var("AUTH_CLIENT_SECRET").unwrap_or_default();
            self = self.introspection_client(id.trim(), secret);
        }
        if let Some(name) = var("AUTH_CLIENT_CERT_HEADER").filter(|name| !name.trim().is_empty()) {
            self = self.client_cert_header(name.trim());
        }
        Ok(self)
    }
}

/// The variable `name` as one of `choices` (case and surrounding blanks
/// aside); anything else is out of range for `reason`.
fn choice<T: Copy>(
    var: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
    choices: &[(&str, T)],
    reason: &'static str,
) -> Result<Option<T>, ConfigError> {
    let Some(value) = var(name) else {
        return Ok(None);
    };
    let value = value.trim().to_ascii_lowercase();
    choices
        .iter()
        .find(|(word, _)| *word == value)
        .map(|(_, chosen)| Some(*chosen))
        .ok_or(ConfigError::OutOfRange {
            setting: name,
            reason,
        })
}

/// An on/off variable: `on`, `true`, `1` or `off`, `false`, `0`.
fn switch(
    var: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<bool>, ConfigError> {
    const WORDS: [(&str, bool); 6] = [
        ("on", true),
        ("true", true),
        ("1", true),
        ("off", false),
        ("false", false),
        ("0", false),
    ];
    choice(var, name, &WORDS, "must be on or off")
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
            value: super::without_userinfo(value),
            reason: "a tenant's domain such as example.eu.auth0.com (an https:// prefix is \
                     tolerated, no other scheme)",
        })
    }
}

#[cfg(test)]
mod tests;
