#![doc = include_str!("settings.md")]

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use jsonwebtoken::Algorithm;

use crate::clock::Clock;

mod builder;
mod certbound;
mod claims_policy;
mod dpop;
pub(crate) mod http;
mod introspection;
mod key_refresh;
mod secret;
mod sources;
mod table;
mod transport;

pub use builder::AuthConfigBuilder;
pub use certbound::DEFAULT_CLIENT_CERT_HEADER;
pub(crate) use claims_policy::ClaimPolicy;
pub use claims_policy::{ScopeSource, MAX_MAX_TOKEN_AGE};
pub(crate) use dpop::DpopExtras;
pub use dpop::{
    DpopMode, DEFAULT_DPOP_MODE, DEFAULT_DPOP_NONCE, DEFAULT_PUBLIC_URL, DEFAULT_RESOURCE_METADATA,
    DEFAULT_SCOPES_SUPPORTED,
};
pub use introspection::ClientAuth;
pub use secret::{ClientSecret, HmacSecret};
pub(crate) use transport::{
    check_network_url, issuer_url, key_location, redirect_policy, without_userinfo, KeyLocation,
    HTTPS_RULE,
};
pub use transport::{JwksSource, PublicKey};

/// The asymmetric algorithms accepted by default. HMAC is never among them.
pub const DEFAULT_ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// The HMAC algorithms, accepted only with a shared secret.
pub(crate) const HMAC_ALGORITHMS: [Algorithm; 3] =
    [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];

/// Default `realm` of `WWW-Authenticate` challenges.
pub const DEFAULT_REALM: &str = "api";
/// Default clock skew tolerated on `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
/// The longest leeway accepted: beyond it, tokens that expired long ago
/// would pass (and jsonwebtoken's `now - leeway` would underflow).
pub const MAX_LEEWAY: Duration = Duration::from_secs(3600);
/// The longest fetch timeout accepted.
pub const MAX_FETCH_TIMEOUT: Duration = Duration::from_secs(300);
/// The longest any other duration setting may be (TTL, cooldown, retry
/// interval, staleness cap, cache age): longer values would only overflow
/// a clock.
pub const MAX_DURATION: Duration = Duration::from_secs(400 * 24 * 3600);
/// Default time a fetched key set is used before it is refreshed.
pub const DEFAULT_JWKS_TTL: Duration = Duration::from_secs(600);
/// Default least time between two refreshes for unknown `kid`s.
pub const DEFAULT_REFRESH_COOLDOWN: Duration = Duration::from_secs(30);
/// Default least time between a failed fetch of an empty cache and the next.
pub const DEFAULT_RETRY_INTERVAL: Duration = Duration::from_secs(5);
/// Default longest time a fetch (discovery and key set together) may take.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Default largest key-set (or discovery) response read.
pub const DEFAULT_MAX_JWKS_BYTES: usize = 1024 * 1024;
/// Default largest token accepted.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Default number of verified tokens remembered.
pub const DEFAULT_TOKEN_CACHE_CAPACITY: usize = 10_000;
/// Default longest time a verified token is remembered.
pub const DEFAULT_TOKEN_CACHE_MAX_AGE: Duration = Duration::from_secs(300);
/// Default size above which a token is never remembered.
pub const DEFAULT_TOKEN_CACHE_MAX_TOKEN_BYTES: usize = 4 * 1024;
/// Default fraction of the key set's TTL after which the next request starts
/// a background refresh (refresh ahead), so that under steady traffic the set
/// never goes stale.
pub const DEFAULT_REFRESH_AHEAD: f64 = 0.8;
/// Default longest time keys are served after their last successful fetch
/// while refreshes fail: 24 hours. Long enough to ride out an identity
/// provider's outage of a night or a working day without refusing a single
/// valid token; short enough that an instance cut off from its issuer (or
/// kept from it by an attacker, to keep a revoked key alive) stops trusting
/// old keys within a day, which is also the lifetime of Auth0's access tokens
/// by default (86,400 s): past it, tokens signed before the last successful
/// fetch have mostly expired anyway.
pub const DEFAULT_MAX_STALE: Duration = Duration::from_secs(24 * 60 * 60);
/// Default for fetching the key set at launch (warm-up): off.
pub const DEFAULT_WARM_UP: bool = false;

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

/// The tuning settings, as Rocket's `[auth]` table spells them (durations in
/// whole seconds). Every field's default is its `DEFAULT_*` constant; the
/// builder method of the same name documents it.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Tuning {
    pub(crate) realm: String,
    pub(crate) algorithms: Vec<Algorithm>,
    #[serde(with = "seconds")]
    pub(crate) leeway: Duration,
    #[serde(with = "seconds")]
    pub(crate) jwks_ttl: Duration,
    #[serde(with = "seconds")]
    pub(crate) refresh_cooldown: Duration,
    #[serde(with = "seconds")]
    pub(crate) retry_interval: Duration,
    #[serde(with = "seconds")]
    pub(crate) fetch_timeout: Duration,
    pub(crate) max_jwks_bytes: usize,
    pub(crate) max_token_bytes: usize,
    pub(crate) require_access_token_type: bool,
    pub(crate) token_cache_capacity: usize,
    #[serde(with = "seconds")]
    pub(crate) token_cache_max_age: Duration,
    pub(crate) token_cache_max_token_bytes: usize,
    #[serde(with = "optional_seconds")]
    pub(crate) max_token_age: Option<Duration>,
    pub(crate) scope_claims: Vec<ScopeSource>,
    pub(crate) refresh_ahead: f64,
    #[serde(with = "seconds")]
    pub(crate) max_stale: Duration,
    pub(crate) warm_up: bool,
    // DPoP (RFC 9449) and protected-resource metadata (RFC 9728): their
    // builder methods and checks are in config/dpop.rs.
    pub(crate) dpop: DpopMode,
    pub(crate) public_url: Option<String>,
    pub(crate) dpop_nonce: bool,
    #[serde(with = "seconds")]
    pub(crate) dpop_nonce_window: Duration,
    pub(crate) dpop_algorithms: Vec<Algorithm>,
    #[serde(with = "seconds")]
    pub(crate) dpop_proof_max_age: Duration,
    #[serde(with = "seconds")]
    pub(crate) dpop_proof_max_ahead: Duration,
    pub(crate) dpop_replay_capacity: usize,
    #[serde(with = "seconds")]
    pub(crate) dpop_replay_timeout: Duration,
    pub(crate) resource_metadata: bool,
    pub(crate) scopes_supported: Vec<String>,
    // Certificate-bound tokens (RFC 8705): config/certbound.rs.
    pub(crate) client_cert_header: Option<String>,
    // Introspection (RFC 7662): config/introspection.rs.
    pub(crate) introspection_url: Option<String>,
    pub(crate) introspection_discovery: bool,
    pub(crate) client_auth: ClientAuth,
    pub(crate) introspect_jwts: bool,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<ClientSecret>,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            realm: DEFAULT_REALM.to_owned(),
            algorithms: DEFAULT_ALGORITHMS.to_vec(),
            leeway: DEFAULT_LEEWAY,
            jwks_ttl: DEFAULT_JWKS_TTL,
            refresh_cooldown: DEFAULT_REFRESH_COOLDOWN,
            retry_interval: DEFAULT_RETRY_INTERVAL,
            fetch_timeout: DEFAULT_FETCH_TIMEOUT,
            max_jwks_bytes: DEFAULT_MAX_JWKS_BYTES,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            require_access_token_type: false,
            token_cache_capacity: DEFAULT_TOKEN_CACHE_CAPACITY,
            token_cache_max_age: DEFAULT_TOKEN_CACHE_MAX_AGE,
            token_cache_max_token_bytes: DEFAULT_TOKEN_CACHE_MAX_TOKEN_BYTES,
            max_token_age: None,
            scope_claims: ScopeSource::ALL.to_vec(),
            refresh_ahead: DEFAULT_REFRESH_AHEAD,
            max_stale: DEFAULT_MAX_STALE,
            warm_up: DEFAULT_WARM_UP,
            dpop: DEFAULT_DPOP_MODE,
            public_url: DEFAULT_PUBLIC_URL.map(str::to_owned),
            dpop_nonce: DEFAULT_DPOP_NONCE,
            dpop_nonce_window: crate::dpop::DEFAULT_DPOP_NONCE_WINDOW,
            dpop_algorithms: crate::dpop::DEFAULT_DPOP_ALGORITHMS.to_vec(),
            dpop_proof_max_age: crate::dpop::DEFAULT_DPOP_PROOF_MAX_AGE,
            dpop_proof_max_ahead: crate::dpop::DEFAULT_DPOP_PROOF_MAX_AHEAD,
            dpop_replay_capacity: crate::dpop::DEFAULT_DPOP_REPLAY_CAPACITY,
            dpop_replay_timeout: crate::dpop::DEFAULT_DPOP_REPLAY_STORE_TIMEOUT,
            resource_metadata: DEFAULT_RESOURCE_METADATA,
            scopes_supported: DEFAULT_SCOPES_SUPPORTED
                .iter()
                .map(|scope| (*scope).to_owned())
                .collect(),
            client_cert_header: DEFAULT_CLIENT_CERT_HEADER.map(str::to_owned),
            introspection_url: None,
            introspection_discovery: false,
            client_auth: ClientAuth::Basic,
            introspect_jwts: false,
            client_id: None,
            client_secret: None,
        }
    }
}

/// An optional duration as whole seconds.
mod optional_seconds {
    use std::time::Duration;

    pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        <Option<u64> as serde::Deserialize>::deserialize(deserializer)
            .map(|secs| secs.map(Duration::from_secs))
    }
}

/// Durations as whole seconds, as Rocket.toml writes them.
mod seconds {
    use std::time::Duration;

    pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Duration, D::Error> {
        <u64 as serde::Deserialize>::deserialize(deserializer).map(Duration::from_secs)
    }
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

    /// The (first) audience: `aud` must be or contain one of
    /// [`audiences`](Self::audiences).
    pub fn audience(&self) -> &str {
        self.audiences.first().map_or("", String::as_str)
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
    pub fn realm(&self) -> &str {
        &self.tuning.realm
    }

    /// The least time between a failed fetch of an empty cache and the next
    /// try: what a 503's `Retry-After` tells clients.
    pub fn retry_interval(&self) -> Duration {
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
    /// A required setting is not set; names its variable and `Rocket.toml` key.
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
    /// A value outside what its setting allows.
    OutOfRange {
        /// The setting.
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
    /// `AUTH_INTROSPECTION=on`, but the issuer's metadata names no usable
    /// introspection endpoint; says what each document gave.
    IntrospectionDiscovery {
        /// The issuer asked.
        issuer: String,
        /// Why no endpoint was found.
        reason: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(name) => write!(
                f,
                "auth configuration is incomplete: set {name} \
                 (see the configuration table in auth-runtime's README)"
            ),
            ConfigError::InvalidUrl {
                setting,
                value,
                reason,
            } => write!(
                f,
                "auth configuration is invalid: {setting} must be {reason}, got {value:?}"
            ),
            ConfigError::OutOfRange { setting, reason } => {
                write!(f, "auth configuration is invalid: {setting} {reason}")
            }
            ConfigError::Algorithm { algorithm, reason } => {
                write!(f, "auth configuration is invalid: {algorithm:?} {reason}")
            }
            ConfigError::Secret(why) => write!(f, "auth configuration is invalid: {why}"),
            ConfigError::Issuers(why) => write!(f, "auth configuration is invalid: {why}"),
            ConfigError::Table(error) => {
                write!(
                    f,
                    "auth configuration is invalid: Rocket's [auth] table: {error}"
                )
            }
            ConfigError::HttpClient(error) => {
                write!(f, "auth configuration is invalid: HTTP client: {error}")
            }
            ConfigError::IntrospectionDiscovery { issuer, reason } => write!(
                f,
                "auth configuration is incomplete: AUTH_INTROSPECTION=on, but the metadata of \
                 {issuer} names no usable introspection_endpoint ({reason}); set \
                 AUTH_INTROSPECTION_URL instead"
            ),
        }
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
