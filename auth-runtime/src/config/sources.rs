//! Reading a configuration from the environment and from a table of settings
//! (Rocket's `[auth]`): the one place that knows each variable and key.

use std::sync::Arc;

use serde_json::Value;

use super::table::{split_audiences, Audiences, Identity};
use super::{AuthConfig, AuthConfigBuilder, ConfigError, HmacSecret, JwksSource, Tuning};

/// A variable that is set to something that is not valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotUnicode;

/// What reading one environment variable gives: unset (`Ok(None)`), its
/// text, or [`NotUnicode`].
pub(crate) type Read = Result<Option<String>, NotUnicode>;

/// The process environment's variable `name`.
pub(crate) fn env_var(name: &str) -> Read {
    os_text(std::env::var_os(name))
}

/// A variable's value as the process holds it, as text: never lossily
/// (`std::env::var(..).ok()` would take a value that is not UTF-8 for
/// unset).
fn os_text(value: Option<std::ffi::OsString>) -> Read {
    match value {
        None => Ok(None),
        Some(value) => value.into_string().map(Some).map_err(|_| NotUnicode),
    }
}

/// The variable `name` through `var`, failing closed: set but not valid
/// UTF-8, or set but blank, is an error naming the variable (never its
/// value, which may be a secret).
fn checked(var: &dyn Fn(&str) -> Read, name: &'static str) -> Result<Option<String>, ConfigError> {
    match var(name) {
        Ok(None) => Ok(None),
        Ok(Some(text)) if text.trim().is_empty() => Err(ConfigError::OutOfRange {
            setting: name,
            reason: "is set but empty: give it a value, or unset it",
        }),
        Ok(Some(text)) => Ok(Some(text)),
        Err(NotUnicode) => Err(ConfigError::OutOfRange {
            setting: name,
            reason: "is set but is not valid UTF-8 (its value is not shown)",
        }),
    }
}

/// Which constructor reads the sources: what its errors may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sources {
    /// [`AuthConfig::from_env`]: the environment alone.
    Env,
    /// The fairing's `Auth::from_rocket_config`: Rocket's `[auth]` table,
    /// and the variables that override its keys.
    Table,
}

/// What to set for the issuer and for the audience, as each constructor
/// reads them.
fn missing(sources: Sources, rocket_auth_set: bool) -> (&'static str, &'static str) {
    match (sources, rocket_auth_set) {
        (Sources::Env, false) => (
            "AUTH0_DOMAIN (an Auth0 tenant) or AUTH_ISSUER",
            "AUTH0_AUDIENCE or AUTH_AUDIENCE",
        ),
        (Sources::Env, true) => (
            "AUTH0_DOMAIN (an Auth0 tenant) or AUTH_ISSUER (ROCKET_AUTH is set, but \
             from_env() reads no Rocket configuration: Auth::from_rocket_config() does)",
            "AUTH0_AUDIENCE or AUTH_AUDIENCE",
        ),
        (Sources::Table, _) => (
            "domain or issuer in Rocket's [auth] table (or the AUTH0_DOMAIN or AUTH_ISSUER \
             variable)",
            "audience in Rocket's [auth] table (or the AUTH0_AUDIENCE or AUTH_AUDIENCE variable)",
        ),
    }
}

impl AuthConfig {
    /// Reads the configuration from the environment:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `AUTH0_DOMAIN` | an Auth0 tenant such as `example.eu.auth0.com`: issuer `https://<domain>/`, keys at `https://<domain>/.well-known/jwks.json`; an `https://` prefix is tolerated, any other scheme is refused |
    /// | `AUTH_ISSUER` | any issuer, exactly as in `iss` (`https`, or `http` on a loopback host); keys found by discovery (used when `AUTH0_DOMAIN` is unset) |
    /// | `AUTH0_AUDIENCE` or `AUTH_AUDIENCE` | the API identifier, e.g. `https://quickstarts/api`; several separated by spaces; where both are set, `AUTH_AUDIENCE` wins |
    /// | `AUTH_MAX_TOKEN_AGE` | optional, seconds: a token whose `iat` is older (or absent) is refused ([`max_token_age`](AuthConfigBuilder::max_token_age)) |
    /// | `AUTH_JWKS_URI` | optional: the key set's URL, bypassing discovery (`https`, `http` on a loopback host, or `file:///path/jwks.json` to read it from a file) |
    /// | `AUTH_SHARED_SECRET` or `AUTH_SHARED_SECRET_BASE64` | optional: verify HS256/384/512 with this secret (raw, or base64/base64url) instead of a key set |
    /// | `AUTH_DPOP` | `disabled`, `allowed` or `required` ([`dpop`](AuthConfigBuilder::dpop)) |
    /// | `AUTH_PUBLIC_URL` | the API's external base URL ([`public_url`](AuthConfigBuilder::public_url)) |
    /// | `AUTH_DPOP_NONCE` | `on` (or `off`): server nonces ([`dpop_nonce`](AuthConfigBuilder::dpop_nonce)) |
    /// | `AUTH_DPOP_NONCE_SECRET` | the nonces' secret, at least 32 bytes ([`dpop_nonce_secret`](AuthConfigBuilder::dpop_nonce_secret)) |
    /// | `AUTH_INTROSPECTION_URL` | the RFC 7662 endpoint for opaque tokens ([`introspection_url`](AuthConfigBuilder::introspection_url)) |
    /// | `AUTH_INTROSPECTION` | `on`: the endpoint from the issuer's metadata ([`introspection_discovery`](AuthConfigBuilder::introspection_discovery)) |
    /// | `AUTH_CLIENT_ID`, `AUTH_CLIENT_SECRET` | the API's credentials there ([`client_id`](AuthConfigBuilder::client_id), [`client_secret`](AuthConfigBuilder::client_secret)) |
    /// | `AUTH_CLIENT_AUTH` | `basic` (default) or `form`: how they travel ([`client_auth`](AuthConfigBuilder::client_auth)) |
    /// | `AUTH_INTROSPECT_JWTS` | `on`: JWTs are introspected too, after the local checks ([`introspect_jwts`](AuthConfigBuilder::introspect_jwts)) |
    /// | `AUTH_CLIENT_CERT_HEADER` | the header a TLS-terminating proxy forwards the client certificate in, e.g. `Client-Cert` ([`client_cert_header`](AuthConfigBuilder::client_cert_header)) |
    /// | `AUTH_DPOP_REPLAY_REDIS` | a `redis://host:port` replay store shared by instances, with the `redis` feature ([`dpop_replay_redis`](AuthConfigBuilder::dpop_replay_redis)) |
    ///
    /// A variable that is set but empty, not valid UTF-8 or not one of its
    /// words stops here with an error naming it (never a secret's value); one error names every missing or invalid setting,
    /// and only variables (this reads no `Rocket.toml`: the fairing's
    /// `Auth::from_rocket_config()` does).
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
        AuthConfig::builder_from_sources(None, &env_var, Sources::Env)
    }

    /// The configuration from `table` (Rocket's `[auth]` table, as JSON),
    /// each value overridden by its environment variable where that is set.
    pub(crate) fn from_table(table: Option<Value>) -> Result<AuthConfig, ConfigError> {
        AuthConfig::from_sources(table, &env_var, Sources::Table)
    }

    /// The configuration from `table` and the variables `var` gives, as
    /// `sources` reads them.
    pub(crate) fn from_sources(
        table: Option<Value>,
        var: &dyn Fn(&str) -> Read,
        sources: Sources,
    ) -> Result<AuthConfig, ConfigError> {
        AuthConfig::builder_from_sources(table, var, sources)?.build()
    }

    /// [`from_sources`](Self::from_sources), before `build`. Every missing
    /// or invalid setting is in the error, not only the first.
    fn builder_from_sources(
        table: Option<Value>,
        var: &dyn Fn(&str) -> Read,
        sources: Sources,
    ) -> Result<AuthConfigBuilder, ConfigError> {
        let mut errors = Vec::new();
        let mut read = |name: &'static str| {
            checked(var, name).unwrap_or_else(|error| {
                errors.push(error);
                None
            })
        };
        let identity: Identity = match table {
            Some(table) => serde_json::from_value(table)
                .map_err(|error| ConfigError::Table(Arc::new(error)))?,
            None => Identity::default(),
        };
        // AUTH_AUDIENCE wins over the quickstart's AUTH0_AUDIENCE.
        let audience_var = read("AUTH_AUDIENCE");
        let auth0_audience_var = read("AUTH0_AUDIENCE");
        let domain_var = read("AUTH0_DOMAIN");
        let issuer_var = read("AUTH_ISSUER");
        let jwks_uri_var = read("AUTH_JWKS_URI");
        let raw_secret_var = read("AUTH_SHARED_SECRET");
        let encoded_secret_var = read("AUTH_SHARED_SECRET_BASE64");
        let rocket_auth_set = sources == Sources::Env && !matches!(var("ROCKET_AUTH"), Ok(None));
        let (missing_issuer, missing_audience) = missing(sources, rocket_auth_set);

        let audiences = audience_var
            .or(auth0_audience_var)
            .map(|text| split_audiences(&text))
            .or(identity.audience.map(Audiences::into_list))
            .filter(|list| !list.is_empty());
        let (domain, issuer, domain_setting) = match (domain_var, issuer_var) {
            (None, None) => (identity.domain, identity.issuer, DOMAIN_KEY),
            (domain, issuer) => (domain, issuer, "AUTH0_DOMAIN"),
        };
        let mut default_jwks = JwksSource::Discover;
        let issuer = match (domain, issuer) {
            (Some(domain), _) => match auth0_domain(&domain, domain_setting) {
                Ok(domain) => {
                    default_jwks =
                        JwksSource::Uri(format!("https://{domain}/.well-known/jwks.json"));
                    Some(format!("https://{domain}/"))
                }
                Err(error) => {
                    errors.push(error);
                    None
                }
            },
            (None, Some(issuer)) => Some(issuer.trim().to_owned()),
            (None, None) => {
                errors.push(ConfigError::Missing(missing_issuer));
                None
            }
        };
        if audiences.is_none() {
            errors.push(ConfigError::Missing(missing_audience));
        }
        let jwks = match (jwks_uri_var, identity.jwks_uri, identity.jwks) {
            (Some(uri), _, _) => JwksSource::Uri(uri.trim().to_owned()),
            (None, Some(_), Some(_)) => {
                errors.push(ConfigError::OutOfRange {
                    setting: "jwks_uri and jwks in Rocket's [auth] table",
                    reason: "exclude each other: set one",
                });
                default_jwks
            }
            (None, Some(uri), None) => JwksSource::Uri(uri),
            (None, None, Some(Value::String(text))) => JwksSource::Inline(text),
            (None, None, Some(table)) => JwksSource::Inline(table.to_string()),
            (None, None, None) => default_jwks,
        };
        let tuning = Tuning::from_table(identity.tuning).unwrap_or_else(|table_errors| {
            errors.extend(table_errors);
            Tuning::default()
        });
        let mut builder = AuthConfig::builder(issuer.unwrap_or_default(), String::new())
            .audiences(audiences.unwrap_or_default())
            .with_tuning(tuning)
            .jwks(jwks);
        // One shared secret, from one place: a variable beats any key of the
        // table (the operator's environment), and two secrets of the same
        // source are refused rather than one silently chosen.
        let table_secrets = (
            identity.shared_secret.map(|s| s.0),
            identity.shared_secret_base64.map(|s| s.0),
        );
        let (raw, encoded) = match ((raw_secret_var, encoded_secret_var), table_secrets) {
            ((Some(_), Some(_)), _) => {
                errors.push(ConfigError::Secret(
                    "AUTH_SHARED_SECRET and AUTH_SHARED_SECRET_BASE64 are both set: set one",
                ));
                (None, None)
            }
            ((None, None), (Some(_), Some(_))) => {
                errors.push(ConfigError::Secret(
                    "shared_secret and shared_secret_base64 are both in Rocket's [auth] table: \
                     set one",
                ));
                (None, None)
            }
            ((None, None), table) => table,
            (variables, _) => variables,
        };
        if let Some(secret) = raw {
            builder = builder.shared_secret(HmacSecret::raw(secret));
        } else if let Some(secret) = encoded {
            match HmacSecret::base64(&secret) {
                Ok(secret) => builder = builder.shared_secret(secret),
                Err(error) => errors.push(error),
            }
        }
        // DPoP's secrets from the table; their variables win (settings_from).
        if let Some(secret) = identity.dpop_nonce_secret {
            builder = builder.dpop_nonce_secret(secret.0);
        }
        if let Some(url) = identity.dpop_replay_redis {
            builder = builder.dpop_replay_redis(url.0);
        }
        builder.read_settings(var, &mut errors);
        if !errors.is_empty() {
            // build()'s checks too, on a copy, so that one error names
            // every setting to fix (the issuer and audience only when
            // neither is already reported missing or invalid).
            let identity = !errors
                .iter()
                .any(|error| error.is_missing() || matches!(error, ConfigError::InvalidUrl { .. }));
            super::builder::check(&mut builder.config.clone(), &mut errors, identity);
        }
        ConfigError::from_list(errors).map_or(Ok(builder), Err)
    }
}

impl AuthConfigBuilder {
    /// Applies the variables of the optional settings (the table of
    /// [`AuthConfig::from_env`] from `AUTH_DPOP` on), as `var` gives them,
    /// to this builder: for tests of those variables alone. A variable that
    /// is set but empty, not valid UTF-8 or not one of its words is an
    /// error naming it; every such variable is in the error.
    #[cfg(test)]
    pub(crate) fn settings_from(
        mut self,
        var: &dyn Fn(&str) -> Read,
    ) -> Result<AuthConfigBuilder, ConfigError> {
        let mut errors = Vec::new();
        self.read_settings(var, &mut errors);
        ConfigError::from_list(errors).map_or(Ok(self), Err)
    }

    /// Reads the variables of the optional settings through `var`; each one that cannot be used is pushed on `errors`.
    fn read_settings(&mut self, var: &dyn Fn(&str) -> Read, errors: &mut Vec<ConfigError>) {
        self.config
            .tuning
            .read_env(&|name| checked(var, name), errors);
        // The secret's bytes as given: not trimmed.
        match checked(var, "AUTH_DPOP_NONCE_SECRET") {
            Ok(Some(secret)) => self.config.dpop_extras.nonce_secret = Some(secret.into_bytes()),
            Ok(None) => {}
            Err(error) => errors.push(error),
        }
        match checked(var, "AUTH_DPOP_REPLAY_REDIS") {
            Ok(Some(url)) => {
                self.config.dpop_extras.replay_redis = Some(url.trim().to_owned());
                self.config.dpop_extras.replay_store = None;
            }
            Ok(None) => {}
            Err(error) => errors.push(error),
        }
    }
}

const DOMAIN_KEY: &str = "domain in Rocket's [auth] table";

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
