#![doc = include_str!("settings.md")]

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use jsonwebtoken::Algorithm;

use crate::clock::Clock;

#[macro_use]
mod declare;
mod builder;
mod certbound;
mod claims_policy;
mod dpop;
pub(crate) mod http;
mod introspection;
mod secret;
mod settings;
mod sources;
mod table;
mod transport;

pub use crate::claims::ScopeSource;
pub use builder::AuthConfigBuilder;
pub(crate) use claims_policy::ClaimPolicy;
pub(crate) use declare::SettingInfo;
pub(crate) use dpop::DpopExtras;
pub use dpop::DpopMode;
pub use introspection::ClientAuth;
pub use secret::{ClientSecret, HmacSecret};
pub(crate) use settings::{defaults, Tuning, SETTINGS};
pub(crate) use transport::{
    check_network_url, issuer_url, key_location, redirect_policy, without_userinfo, KeyLocation,
    HTTPS_RULE,
};
pub use transport::{JwksSource, PublicKey};

/// The HMAC algorithms, accepted only with a shared secret.
pub(crate) const HMAC_ALGORITHMS: [Algorithm; 3] =
    [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];

/// Everything the validator needs to know. Build one with
/// [`AuthConfig::builder`] or [`AuthConfig::from_env`].
///
/// ```
/// use std::time::Duration;
/// use auth_runtime::AuthConfig;
///
/// let config = AuthConfig::builder("https://example.eu.auth0.com/", "https://quickstarts/api")
///     .leeway(Duration::from_secs(30))
///     .build()?;
/// assert_eq!(config.issuer(), "https://example.eu.auth0.com/");
/// # Ok::<(), auth_runtime::config::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub(crate) issuer: String,
    pub(crate) audiences: Vec<String>,
    pub(crate) jwks: JwksSource,
    /// The user's own client for key fetches (see the builder's `http_client`).
    pub(crate) http_client: Option<reqwest::Client>,
    pub(crate) shared_secret: Option<HmacSecret>,
    pub(crate) claim_policy: Option<ClaimPolicy>,
    pub(crate) tuning: Tuning,
    /// DPoP's settings that are secrets or stores (config/dpop.rs).
    pub(crate) dpop_extras: DpopExtras,
    /// The time every rule reads (see the builder's `clock`).
    pub(crate) clock: Clock,
}

impl AuthConfig {
    /// Starts a configuration for tokens whose `iss` is exactly `issuer` and
    /// whose `aud` is or contains `audience`. Every other setting has the
    /// default documented on its builder method.
    pub fn builder(issuer: impl Into<String>, audience: impl Into<String>) -> AuthConfigBuilder {
        AuthConfigBuilder::new(AuthConfig {
            issuer: issuer.into(),
            audiences: vec![audience.into()],
            jwks: JwksSource::Discover,
            http_client: None,
            shared_secret: None,
            claim_policy: None,
            tuning: Tuning::default(),
            dpop_extras: DpopExtras::default(),
            clock: Clock::system(),
        })
    }

    /// The issuer: `iss` must equal it exactly.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The audiences: `aud` must be or contain one of them.
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// Where the key set is found.
    pub fn jwks_source(&self) -> &JwksSource {
        &self.jwks
    }

    /// The `realm` of challenges.
    pub(crate) fn realm(&self) -> &str {
        &self.tuning.realm
    }

    /// The least time between a failed fetch of an empty cache and the next
    /// try: what a 503's `Retry-After` tells clients.
    pub(crate) fn retry_interval(&self) -> Duration {
        self.tuning.retry_interval
    }

    /// The clock every time-dependent rule reads (see
    /// [`AuthConfigBuilder::clock`]).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }
}

/// Why a configuration could not be made. Each variant names the setting.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required setting is not set; names what to set, in the terms of
    /// the sources the constructor read (the environment for
    /// [`AuthConfig::from_env`], Rocket's `[auth]` table and its variables
    /// for the fairing's `Auth::from_rocket_config`).
    Missing(&'static str),
    /// A URL setting holds something that is not an acceptable URL.
    InvalidUrl {
        /// The setting.
        setting: &'static str,
        /// What it holds.
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A value outside what its setting allows, or an environment variable
    /// that is set but empty, not valid UTF-8 or not one of its words.
    OutOfRange {
        /// The setting (its `[auth]` key and builder method), or the
        /// variable.
        setting: &'static str,
        /// What it allows.
        reason: &'static str,
    },
    /// An algorithm the configured keys cannot verify.
    Algorithm {
        /// The algorithm.
        algorithm: Algorithm,
        /// Why it cannot be used.
        reason: &'static str,
    },
    /// The shared secret cannot be used; says why (never what it is).
    Secret(&'static str),
    /// Several issuers: none given, or one given twice (named).
    Issuers(String),
    /// Rocket's `[auth]` table (or `ROCKET_AUTH`) does not parse: an unknown
    /// key, or a value of the wrong type.
    Table(Arc<dyn std::error::Error + Send + Sync>),
    /// The HTTP client that fetches keys could not be built.
    HttpClient(Arc<reqwest::Error>),
    /// More than one of the other errors: every missing or invalid setting
    /// found, in the order checked, so that one run names them all.
    Several(Vec<ConfigError>),
    /// `AUTH_INTROSPECTION=on`, but the issuer's metadata names no usable
    /// introspection endpoint; says what each document gave.
    IntrospectionDiscovery {
        /// The issuer asked.
        issuer: String,
        /// Why no endpoint was found.
        reason: String,
    },
}

impl ConfigError {
    /// `None` for no error, the error itself for one, [`ConfigError::Several`]
    /// for more (a `Several` among them is flattened).
    pub(crate) fn from_list(errors: Vec<ConfigError>) -> Option<ConfigError> {
        let mut flat: Vec<ConfigError> = Vec::with_capacity(errors.len());
        for error in errors {
            match error {
                ConfigError::Several(inner) => flat.extend(inner),
                other => flat.push(other),
            }
        }
        match flat.len() {
            0 => None,
            1 => flat.pop(),
            _ => Some(ConfigError::Several(flat)),
        }
    }

    /// Whether the error is that something is missing (else, invalid).
    fn is_missing(&self) -> bool {
        match self {
            ConfigError::Missing(_) | ConfigError::IntrospectionDiscovery { .. } => true,
            ConfigError::Several(all) => all.iter().all(ConfigError::is_missing),
            _ => false,
        }
    }

    /// Whether a required setting is missing, alone or among others.
    fn names_a_missing_setting(&self) -> bool {
        match self {
            ConfigError::Missing(_) => true,
            ConfigError::Several(all) => all.iter().any(ConfigError::is_missing),
            _ => false,
        }
    }

    /// What is wrong, without the leading "auth configuration is ...".
    fn problem(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(name) => write!(f, "set {name}"),
            ConfigError::InvalidUrl {
                setting,
                value,
                reason,
            } => write!(f, "{setting} must be {reason}, got {value:?}"),
            ConfigError::OutOfRange { setting, reason } => {
                // A setting that has a variable is named with it.
                match SETTINGS.iter().find(|info| info.key == *setting) {
                    Some(SettingInfo { env: Some(env), .. }) => {
                        write!(f, "{setting} ({env}) {reason}")
                    }
                    _ => write!(f, "{setting} {reason}"),
                }
            }
            ConfigError::Algorithm { algorithm, reason } => write!(f, "{algorithm:?} {reason}"),
            ConfigError::Secret(why) => f.write_str(why),
            ConfigError::Issuers(why) => f.write_str(why),
            ConfigError::Table(error) => write!(f, "Rocket's [auth] table: {error}"),
            ConfigError::HttpClient(error) => write!(f, "HTTP client: {error}"),
            ConfigError::Several(all) => {
                for (i, error) in all.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    error.problem(f)?;
                }
                Ok(())
            }
            ConfigError::IntrospectionDiscovery { issuer, reason } => write!(
                f,
                "AUTH_INTROSPECTION=on, but the metadata of {issuer} names no usable \
                 introspection_endpoint ({reason}); set AUTH_INTROSPECTION_URL instead"
            ),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Several(all) if self.is_missing() => write!(
                f,
                "auth configuration is incomplete ({} settings): ",
                all.len()
            )?,
            ConfigError::Several(all) => write!(
                f,
                "auth configuration is incomplete or invalid ({} problems): ",
                all.len()
            )?,
            _ if self.is_missing() => f.write_str("auth configuration is incomplete: ")?,
            _ => f.write_str("auth configuration is invalid: ")?,
        }
        self.problem(f)?;
        if self.names_a_missing_setting() {
            f.write_str(" (auth-runtime's README lists every setting)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Table(error) => Some(error.as_ref()),
            ConfigError::HttpClient(error) => Some(error.as_ref()),
            _ => None,
        }
    }
}

/// The builder the configuration's tests start from: issuer `https://i/`,
/// audience `a`.
#[cfg(test)]
fn base() -> AuthConfigBuilder {
    AuthConfig::builder("https://i/", "a")
}

/// Each builder of `cases` is refused by `build` as out of range, the error
/// naming the setting it gives (as a value and in its message).
#[cfg(test)]
fn assert_out_of_range<'a>(cases: impl IntoIterator<Item = (AuthConfigBuilder, &'a str)>) {
    for (builder, name) in cases {
        let err = builder.build().unwrap_err();
        assert!(
            matches!(err, ConfigError::OutOfRange { setting, .. } if setting == name),
            "{err:?}"
        );
        assert!(err.to_string().contains(name), "{err}");
    }
}
