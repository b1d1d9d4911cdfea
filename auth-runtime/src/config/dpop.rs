//! DPoP (RFC 9449) and the protected-resource metadata (RFC 9728) in the
//! configuration: the mode, the settings that are secrets or stores (the
//! nonce secret, the Redis URL, a replay store), which never print, and the
//! checks of `build` that the declarations in config/settings.rs cannot
//! make alone (the public URL's form, the secret's length, the store).

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use super::{defaults, AuthConfig, AuthConfigBuilder, ConfigError};
use crate::dpop::{DpopConfig, ReplayStore, MIN_NONCE_SECRET_BYTES};

/// How the `DPoP` scheme of RFC 9449 is treated.
///
/// Whatever the mode, a token bound to a key (`cnf.jkt`) is refused when it
/// is presented as `Bearer`: a stolen bound token is worth nothing without
/// its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DpopMode {
    /// The `DPoP` scheme is refused (`invalid_header`, as before DPoP).
    Disabled,
    /// `DPoP` with a proof for bound tokens, and plain `Bearer` for the
    /// others (as Auth0's own SDKs default to).
    Allowed,
    /// Only `DPoP`: a plain `Bearer` token is refused (401 `invalid_token`).
    Required,
}

impl DpopMode {
    /// Whether the `DPoP` scheme is accepted at all.
    pub(crate) fn accepts_dpop(self) -> bool {
        self != DpopMode::Disabled
    }
}

/// The settings that are secrets, or that are not plain values: kept out of
/// the declared [`Tuning`](super::Tuning), and out of every `Debug`.
#[derive(Clone, Default)]
pub(crate) struct DpopExtras {
    /// The server nonces' secret, as given.
    pub(crate) nonce_secret: Option<Vec<u8>>,
    /// A Redis URL, until [`AuthConfigBuilder::build`] makes it a store.
    pub(crate) replay_redis: Option<String>,
    /// The shared replay store; `None`: an in-memory one per router.
    pub(crate) replay_store: Option<Arc<dyn ReplayStore>>,
}

impl std::fmt::Debug for DpopExtras {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopExtras")
            .field(
                "nonce_secret",
                &self.nonce_secret.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "replay_redis",
                &self.replay_redis.as_ref().map(|_| "<redacted>"),
            )
            .field("replay_store", &self.replay_store)
            .finish()
    }
}

impl AuthConfigBuilder {
    /// The secret that seals server nonces: its bytes as given, at least
    /// 32 bytes. Instances behind one load balancer share
    /// it, so that each accepts the others' nonces. `AUTH_DPOP_NONCE_SECRET`.
    /// Default: none, and a random secret per process (a warning says so
    /// when nonces are on).
    pub fn dpop_nonce_secret(mut self, secret: impl Into<Vec<u8>>) -> Self {
        self.config.dpop_extras.nonce_secret = Some(secret.into());
        self
    }

    /// Records proofs in `store`, shared by several instances (or several
    /// applications of one process), instead of an in-memory cache of this
    /// application's own. Default: a
    /// [`MemoryReplayStore`](crate::dpop::MemoryReplayStore) per
    /// application, bounded by [`dpop_replay_capacity`](Self::dpop_replay_capacity).
    pub fn dpop_replay_store(mut self, store: Arc<dyn ReplayStore>) -> Self {
        self.config.dpop_extras.replay_store = Some(store);
        self.config.dpop_extras.replay_redis = None;
        self
    }

    /// Records proofs on the Redis server at `url` (`redis://host:port`),
    /// shared by every instance configured with it. Needs the `redis`
    /// feature: without it, [`build`](Self::build) refuses the setting.
    /// `AUTH_DPOP_REPLAY_REDIS`. Default: none (see
    /// [`dpop_replay_store`](Self::dpop_replay_store)). The URL, which may
    /// hold a password, is never printed.
    pub fn dpop_replay_redis(mut self, url: impl Into<String>) -> Self {
        self.config.dpop_extras.replay_redis = Some(url.into());
        self.config.dpop_extras.replay_store = None;
        self
    }
}

/// The checks of [`AuthConfigBuilder::build`] for these settings; a Redis
/// URL becomes its store here.
pub(super) fn check(config: &mut AuthConfig, errors: &mut Vec<ConfigError>) {
    let tuning = &mut config.tuning;
    if let Some(url) = &tuning.public_url {
        match public_base_url(url) {
            Ok(url) => tuning.public_url = Some(url),
            Err(error) => errors.push(error),
        }
    }
    if config
        .dpop_extras
        .nonce_secret
        .as_ref()
        .is_some_and(|secret| secret.len() < MIN_NONCE_SECRET_BYTES)
    {
        errors.push(ConfigError::Secret(
            "AUTH_DPOP_NONCE_SECRET (the DPoP nonce secret) must hold at least 32 bytes",
        ));
    }
    if let Some(url) = config.dpop_extras.replay_redis.take() {
        match redis_store(&url, tuning.dpop_replay_timeout) {
            Ok(store) => config.dpop_extras.replay_store = Some(store),
            Err(error) => errors.push(error),
        }
    }
}

#[cfg(feature = "redis")]
fn redis_store(url: &str, timeout: Duration) -> Result<Arc<dyn ReplayStore>, ConfigError> {
    match crate::dpop::RedisReplayStore::new(url, timeout) {
        Ok(store) => Ok(Arc::new(store)),
        Err(_) => Err(ConfigError::OutOfRange {
            setting: "AUTH_DPOP_REPLAY_REDIS",
            reason: "must be a redis://host:port URL (rediss:// is not supported); its value is \
                     not shown",
        }),
    }
}

#[cfg(not(feature = "redis"))]
fn redis_store(_: &str, _: Duration) -> Result<Arc<dyn ReplayStore>, ConfigError> {
    Err(ConfigError::OutOfRange {
        setting: "AUTH_DPOP_REPLAY_REDIS",
        reason: "needs auth-runtime's `redis` feature: enable it in Cargo.toml \
                 (auth-runtime = { features = [\"redis\"] })",
    })
}

/// RFC 6749 section 3.3's scope-token characters.
pub(super) fn is_scope_token(scope: &str) -> bool {
    !scope.is_empty()
        && scope
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

/// `url` as the public base URL: `http` or `https`, a host, no userinfo,
/// query or fragment; without a trailing `/` (`https://h/` is `https://h`,
/// `https://h/p/` is `https://h/p`).
fn public_base_url(url: &str) -> Result<String, ConfigError> {
    let invalid = |reason| ConfigError::InvalidUrl {
        setting: "the public base URL (public_url, AUTH_PUBLIC_URL)",
        value: super::without_userinfo(url),
        reason,
    };
    const RULE: &str = "an http or https URL of scheme, host, optional port and optional path \
                        prefix (no user, query or fragment)";
    let parsed = Url::parse(url.trim()).map_err(|_| invalid(RULE))?;
    let plain = matches!(parsed.scheme(), "http" | "https")
        && parsed.host().is_some()
        && parsed.username().is_empty()
        && parsed.password().is_none()
        && parsed.query().is_none()
        && parsed.fragment().is_none();
    if !plain {
        return Err(invalid(RULE));
    }
    let text = String::from(parsed);
    Ok(text.trim_end_matches('/').to_owned())
}

/// The proof checks' settings with the declared defaults (config/settings.rs);
/// here rather than beside [`DpopConfig`], so that `dpop` never imports
/// `config`.
impl Default for DpopConfig {
    fn default() -> DpopConfig {
        DpopConfig {
            algorithms: defaults::dpop_algorithms(),
            proof_max_age: defaults::dpop_proof_max_age(),
            proof_max_ahead: defaults::dpop_proof_max_ahead(),
            replay_capacity: defaults::dpop_replay_capacity(),
            replay_store_timeout: defaults::dpop_replay_timeout(),
            nonce_window: defaults::dpop_nonce_window(),
        }
    }
}

impl AuthConfig {
    /// How the `DPoP` scheme is treated.
    pub(crate) fn dpop_mode(&self) -> DpopMode {
        self.tuning.dpop
    }

    /// The public base URL, normalised (no trailing `/`), if one is set.
    pub(crate) fn public_url(&self) -> Option<&str> {
        self.tuning.public_url.as_deref()
    }

    /// Whether the protected-resource metadata is served.
    pub(crate) fn resource_metadata_enabled(&self) -> bool {
        self.tuning.resource_metadata
    }

    /// The scopes the metadata lists.
    pub(crate) fn scopes_supported(&self) -> &[String] {
        &self.tuning.scopes_supported
    }

    /// Whether server nonces are on.
    pub(crate) fn dpop_nonce_enabled(&self) -> bool {
        self.tuning.dpop_nonce
    }

    /// The proof checks' settings.
    pub(crate) fn dpop_config(&self) -> DpopConfig {
        DpopConfig {
            algorithms: self.tuning.dpop_algorithms.clone(),
            proof_max_age: self.tuning.dpop_proof_max_age,
            proof_max_ahead: self.tuning.dpop_proof_max_ahead,
            replay_capacity: self.tuning.dpop_replay_capacity,
            replay_store_timeout: self.tuning.dpop_replay_timeout,
            nonce_window: self.tuning.dpop_nonce_window,
        }
    }
}

#[cfg(test)]
mod tests;
