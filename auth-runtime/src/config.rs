//! Configuration: who issues the tokens, for which audience, and the limits
//! of the key-set cache.

use std::fmt;
use std::time::Duration;

use jsonwebtoken::Algorithm;

/// Where the key set (JWKS) is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// `<issuer>/.well-known/openid-configuration`, its `jwks_uri`; if that
    /// document cannot be had, `<issuer>/.well-known/jwks.json`.
    Discover,
    /// This URL, with no discovery.
    Uri(String),
}

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
/// # Ok::<(), auth_runtime::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub(crate) issuer: String,
    pub(crate) audience: String,
    pub(crate) jwks: JwksSource,
    pub(crate) realm: String,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) leeway: Duration,
    pub(crate) jwks_ttl: Duration,
    pub(crate) refresh_cooldown: Duration,
    pub(crate) retry_interval: Duration,
    pub(crate) fetch_timeout: Duration,
    pub(crate) max_jwks_bytes: usize,
    pub(crate) max_token_bytes: usize,
    pub(crate) require_at_jwt: bool,
    pub(crate) token_cache_capacity: usize,
    pub(crate) token_cache_max_age: Duration,
    pub(crate) token_cache_max_token_bytes: usize,
    pub(crate) shared_secret: Option<HmacSecret>,
}

/// The shared secret of an issuer that signs with HMAC (HS256/384/512), as
/// Auth0's older APIs and client secrets did. Never printed.
#[derive(Clone)]
pub struct HmacSecret(Vec<u8>);

impl HmacSecret {
    /// The secret's bytes as they are.
    pub fn raw(secret: impl Into<Vec<u8>>) -> HmacSecret {
        HmacSecret(secret.into())
    }

    /// A secret given in base64 or base64url, padded or not (Auth0 issued
    /// client secrets in base64url).
    pub fn base64(encoded: &str) -> Result<HmacSecret, ConfigError> {
        use base64::engine::general_purpose::{
            STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
        };
        use base64::Engine;
        let encoded = encoded.trim();
        [URL_SAFE_NO_PAD, URL_SAFE, STANDARD_NO_PAD, STANDARD]
            .iter()
            .find_map(|engine| engine.decode(encoded).ok())
            .map(HmacSecret)
            .ok_or_else(|| {
                ConfigError::Invalid("the shared secret is not base64 or base64url".into())
            })
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for HmacSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HmacSecret({} bytes, redacted)", self.0.len())
    }
}

/// The HMAC algorithms, accepted only with a shared secret.
const HMAC_ALGORITHMS: [Algorithm; 3] = [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];

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

impl AuthConfig {
    /// Starts a configuration for tokens whose `iss` is exactly `issuer` and
    /// whose `aud` is or contains `audience`. Every other setting has the
    /// default documented on its builder method.
    pub fn builder(issuer: impl Into<String>, audience: impl Into<String>) -> AuthConfigBuilder {
        AuthConfigBuilder {
            config: AuthConfig {
                issuer: issuer.into(),
                audience: audience.into(),
                jwks: JwksSource::Discover,
                realm: crate::error::DEFAULT_REALM.to_owned(),
                algorithms: DEFAULT_ALGORITHMS.to_vec(),
                leeway: Duration::from_secs(60),
                jwks_ttl: Duration::from_secs(600),
                refresh_cooldown: Duration::from_secs(30),
                retry_interval: Duration::from_secs(crate::error::RETRY_AFTER_SECS),
                fetch_timeout: Duration::from_secs(5),
                max_jwks_bytes: 1024 * 1024,
                max_token_bytes: 16 * 1024,
                require_at_jwt: false,
                token_cache_capacity: 10_000,
                token_cache_max_age: Duration::from_secs(300),
                token_cache_max_token_bytes: 4 * 1024,
                shared_secret: None,
            },
        }
    }

    /// Reads the configuration from the environment:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `AUTH0_DOMAIN` | an Auth0 tenant such as `example.eu.auth0.com`: issuer `https://<domain>/`, keys at `https://<domain>/.well-known/jwks.json` |
    /// | `AUTH_ISSUER` | any issuer, exactly as in `iss`; keys found by discovery (used when `AUTH0_DOMAIN` is unset) |
    /// | `AUTH0_AUDIENCE` or `AUTH_AUDIENCE` | the API identifier, e.g. `https://quickstarts/api` |
    /// | `AUTH_JWKS_URI` | optional: the key set's URL, bypassing discovery |
    /// | `AUTH_SHARED_SECRET` or `AUTH_SHARED_SECRET_BASE64` | optional: verify HS256/384/512 with this secret (raw, or base64/base64url) instead of a key set |
    pub fn from_env() -> Result<AuthConfig, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// [`AuthConfig::from_env`] over any source of variables.
    pub(crate) fn from_lookup(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<AuthConfig, ConfigError> {
        AuthConfig::from_sources(&Settings::default(), var)
    }

    /// The configuration from `settings` (Rocket's `[auth]` table), each
    /// value overridden by its environment variable where that is set.
    pub(crate) fn from_sources(
        settings: &Settings,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<AuthConfig, ConfigError> {
        let audience = var("AUTH0_AUDIENCE")
            .or_else(|| var("AUTH_AUDIENCE"))
            .or_else(|| settings.audience.clone())
            .ok_or(ConfigError::Missing(
                "AUTH0_AUDIENCE (or AUTH_AUDIENCE, or audience in Rocket.toml's [auth])",
            ))?;
        let (domain, issuer) = match (var("AUTH0_DOMAIN"), var("AUTH_ISSUER")) {
            (None, None) => (settings.domain.clone(), settings.issuer.clone()),
            from_env => from_env,
        };
        let (issuer, default_jwks) = match (domain, issuer) {
            (Some(domain), _) => {
                let domain = domain
                    .trim()
                    .trim_start_matches("https://")
                    .trim_end_matches('/');
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
        let jwks = var("AUTH_JWKS_URI")
            .or_else(|| settings.jwks_uri.clone())
            .map(JwksSource::Uri)
            .unwrap_or(default_jwks);
        let mut builder = settings.apply(AuthConfig::builder(issuer, audience.trim()).jwks(jwks));
        let raw = var("AUTH_SHARED_SECRET").or_else(|| settings.shared_secret.clone());
        let encoded =
            var("AUTH_SHARED_SECRET_BASE64").or_else(|| settings.shared_secret_base64.clone());
        if let Some(secret) = raw {
            builder = builder.shared_secret(HmacSecret::raw(secret));
        } else if let Some(secret) = encoded {
            builder = builder.shared_secret(HmacSecret::base64(&secret)?);
        }
        builder.build()
    }

    /// The issuer: `iss` must equal it exactly.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The audience: `aud` must be or contain it.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Where the key set is found.
    pub fn jwks_source(&self) -> &JwksSource {
        &self.jwks
    }
}

/// Rocket's `[<profile>.auth]` table (see the README for every key).
/// Durations are whole seconds.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Settings {
    domain: Option<String>,
    issuer: Option<String>,
    audience: Option<String>,
    jwks_uri: Option<String>,
    shared_secret: Option<String>,
    shared_secret_base64: Option<String>,
    realm: Option<String>,
    algorithms: Option<Vec<Algorithm>>,
    leeway: Option<u64>,
    jwks_ttl: Option<u64>,
    refresh_cooldown: Option<u64>,
    retry_interval: Option<u64>,
    fetch_timeout: Option<u64>,
    max_jwks_bytes: Option<usize>,
    max_token_bytes: Option<usize>,
    require_access_token_type: Option<bool>,
    token_cache_capacity: Option<usize>,
    token_cache_max_age: Option<u64>,
    token_cache_max_token_bytes: Option<usize>,
}

impl Settings {
    /// Sets on `builder` every tuning value these settings hold.
    fn apply(&self, mut b: AuthConfigBuilder) -> AuthConfigBuilder {
        let secs = Duration::from_secs;
        if let Some(v) = &self.realm {
            b = b.realm(v.clone());
        }
        if let Some(v) = &self.algorithms {
            b = b.algorithms(v.iter().copied());
        }
        if let Some(v) = self.leeway {
            b = b.leeway(secs(v));
        }
        if let Some(v) = self.jwks_ttl {
            b = b.jwks_ttl(secs(v));
        }
        if let Some(v) = self.refresh_cooldown {
            b = b.refresh_cooldown(secs(v));
        }
        if let Some(v) = self.retry_interval {
            b = b.retry_interval(secs(v));
        }
        if let Some(v) = self.fetch_timeout {
            b = b.fetch_timeout(secs(v));
        }
        if let Some(v) = self.max_jwks_bytes {
            b = b.max_jwks_bytes(v);
        }
        if let Some(v) = self.max_token_bytes {
            b = b.max_token_bytes(v);
        }
        if let Some(v) = self.require_access_token_type {
            b = b.require_access_token_type(v);
        }
        if let Some(v) = self.token_cache_capacity {
            b = b.token_cache_capacity(v);
        }
        if let Some(v) = self.token_cache_max_age {
            b = b.token_cache_max_age(secs(v));
        }
        if let Some(v) = self.token_cache_max_token_bytes {
            b = b.token_cache_max_token_bytes(v);
        }
        b
    }
}

/// Builds an [`AuthConfig`]; see [`AuthConfig::builder`].
#[derive(Debug, Clone)]
#[must_use = "call .build() to get the configuration"]
pub struct AuthConfigBuilder {
    config: AuthConfig,
}

impl AuthConfigBuilder {
    /// Where the key set is found. Default: [`JwksSource::Discover`].
    pub fn jwks(mut self, source: JwksSource) -> Self {
        self.config.jwks = source;
        self
    }

    /// The key set's URL, bypassing discovery.
    pub fn jwks_uri(self, uri: impl Into<String>) -> Self {
        self.jwks(JwksSource::Uri(uri.into()))
    }

    /// The `realm` of `WWW-Authenticate` challenges. Default: `api`.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.config.realm = realm.into();
        self
    }

    /// Verifies HS256/384/512 tokens with this shared secret instead of a
    /// key set (which is then never fetched). Asymmetric tokens are refused;
    /// the secret must be at least 32 bytes (RFC 7518 section 3.2).
    pub fn shared_secret(mut self, secret: HmacSecret) -> Self {
        self.config.shared_secret = Some(secret);
        if self.config.algorithms == DEFAULT_ALGORITHMS {
            self.config.algorithms = HMAC_ALGORITHMS.to_vec();
        }
        self
    }

    /// The asymmetric algorithms accepted. Default: [`DEFAULT_ALGORITHMS`].
    /// HMAC algorithms are refused by [`build`](Self::build): a key set holds
    /// public keys, and a public key must never serve as an HMAC secret.
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.config.algorithms = algorithms.into_iter().collect();
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat`. Default: 60 s.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.config.leeway = leeway;
        self
    }

    /// How long a fetched key set is used before it is refreshed. Default: 10 min.
    pub fn jwks_ttl(mut self, ttl: Duration) -> Self {
        self.config.jwks_ttl = ttl;
        self
    }

    /// The least time between two refreshes caused by unknown `kid`s, and
    /// between two refreshes of a stale set. Default: 30 s.
    pub fn refresh_cooldown(mut self, cooldown: Duration) -> Self {
        self.config.refresh_cooldown = cooldown;
        self
    }

    /// The least time between a failed fetch of an empty cache and the next
    /// try; meanwhile requests get 503 at once. Default: 5 s.
    pub fn retry_interval(mut self, interval: Duration) -> Self {
        self.config.retry_interval = interval;
        self
    }

    /// The longest a fetch (discovery and key set together) may take. Default: 5 s.
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.config.fetch_timeout = timeout;
        self
    }

    /// The largest key-set (or discovery) response read. Default: 1 MiB.
    pub fn max_jwks_bytes(mut self, bytes: usize) -> Self {
        self.config.max_jwks_bytes = bytes;
        self
    }

    /// The largest token accepted, checked before any decoding. Default: 16 KiB.
    pub fn max_token_bytes(mut self, bytes: usize) -> Self {
        self.config.max_token_bytes = bytes;
        self
    }

    /// RFC 9068 strict mode: the token header's `typ` must be `at+jwt`
    /// (or `application/at+jwt`), so that an ID token or any other JWT of
    /// the issuer is never taken for an access token. Default: off, as
    /// Auth0 access tokens carry `typ: JWT`.
    pub fn require_access_token_type(mut self, required: bool) -> Self {
        self.config.require_at_jwt = required;
        self
    }

    /// How many verified tokens are remembered, so that a token seen again
    /// skips signature verification. Entries are keyed by the SHA-256 of the
    /// whole token, never outlive the token's `exp` nor
    /// [`token_cache_max_age`](Self::token_cache_max_age), and are dropped
    /// when the key that verified them leaves the key set; scopes are still
    /// checked on every request, and failures are never remembered.
    /// Default: 10,000; `0` turns the cache off.
    pub fn token_cache_capacity(mut self, entries: usize) -> Self {
        self.config.token_cache_capacity = entries;
        self
    }

    /// The longest a verified token is remembered. Default: 5 min.
    pub fn token_cache_max_age(mut self, max_age: Duration) -> Self {
        self.config.token_cache_max_age = max_age;
        self
    }

    /// Tokens larger than this are verified every time, never remembered.
    /// Default: 4 KiB.
    pub fn token_cache_max_token_bytes(mut self, bytes: usize) -> Self {
        self.config.token_cache_max_token_bytes = bytes;
        self
    }

    /// Checks the configuration and returns it.
    pub fn build(self) -> Result<AuthConfig, ConfigError> {
        let config = self.config;
        if !(config.issuer.starts_with("https://") || config.issuer.starts_with("http://")) {
            return Err(ConfigError::Invalid(format!(
                "the issuer must be an http(s) URL, got {:?}",
                config.issuer
            )));
        }
        if config.audience.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "the audience must not be empty".into(),
            ));
        }
        if let JwksSource::Uri(uri) = &config.jwks {
            if !(uri.starts_with("https://") || uri.starts_with("http://")) {
                return Err(ConfigError::Invalid(format!(
                    "the key set URI must be an http(s) URL, got {uri:?}"
                )));
            }
        }
        if config.algorithms.is_empty() {
            return Err(ConfigError::Invalid(
                "at least one algorithm must be allowed".into(),
            ));
        }
        match &config.shared_secret {
            None => {
                if let Some(hmac) = config
                    .algorithms
                    .iter()
                    .find(|alg| HMAC_ALGORITHMS.contains(alg))
                {
                    return Err(ConfigError::Invalid(format!(
                        "{hmac:?} cannot be verified with a key set; only asymmetric algorithms are \
                         allowed (configure a shared secret for HMAC)"
                    )));
                }
            }
            Some(secret) => {
                if let Some(other) = config
                    .algorithms
                    .iter()
                    .find(|alg| !HMAC_ALGORITHMS.contains(alg))
                {
                    return Err(ConfigError::Invalid(format!(
                        "{other:?} cannot be verified with a shared secret; only HS256/384/512 are allowed"
                    )));
                }
                if secret.bytes().len() < 32 {
                    return Err(ConfigError::Invalid(
                        "the shared secret must be at least 32 bytes (RFC 7518 section 3.2)".into(),
                    ));
                }
            }
        }
        if config.max_token_bytes == 0 || config.max_jwks_bytes == 0 {
            return Err(ConfigError::Invalid(
                "size limits must be above zero".into(),
            ));
        }
        Ok(config)
    }
}

/// Why a configuration could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required environment variable is not set; names it.
    Missing(&'static str),
    /// A value is not acceptable; says which and why.
    Invalid(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(name) => write!(
                f,
                "auth configuration is incomplete: set {name} \
                 (see the configuration table in auth-runtime's README)"
            ),
            ConfigError::Invalid(why) => write!(f, "auth configuration is invalid: {why}"),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(vars: &[(&str, &str)]) -> Result<AuthConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AuthConfig::from_lookup(|name| vars.get(name).cloned())
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
        assert_eq!(
            err,
            ConfigError::Missing(
                "AUTH0_AUDIENCE (or AUTH_AUDIENCE, or audience in Rocket.toml's [auth])"
            )
        );
        assert!(err.to_string().contains("AUTH0_AUDIENCE"));
        let err = from(&[("AUTH_AUDIENCE", "a")]).unwrap_err();
        assert_eq!(
            err,
            ConfigError::Missing(
                "AUTH0_DOMAIN or AUTH_ISSUER (or domain or issuer in Rocket.toml's [auth])"
            )
        );
    }

    #[test]
    fn shared_secrets_are_hmac_only_and_long_enough() {
        let secret = HmacSecret::raw([7u8; 32]);
        let config = AuthConfig::builder("https://i/", "a")
            .shared_secret(secret.clone())
            .build()
            .unwrap();
        assert_eq!(config.algorithms, HMAC_ALGORITHMS);
        let mixed = AuthConfig::builder("https://i/", "a")
            .shared_secret(secret)
            .algorithms([Algorithm::HS256, Algorithm::RS256])
            .build();
        assert!(matches!(mixed, Err(ConfigError::Invalid(_))));
        let short = AuthConfig::builder("https://i/", "a")
            .shared_secret(HmacSecret::raw("short"))
            .build();
        assert!(matches!(short, Err(ConfigError::Invalid(_))));
        assert_eq!(
            format!("{:?}", HmacSecret::raw("hunter2")),
            "HmacSecret(7 bytes, redacted)"
        );
    }

    #[test]
    fn base64_secrets_decode_in_either_alphabet() {
        assert_eq!(HmacSecret::base64("_-8").unwrap().bytes(), [0xff, 0xef]);
        assert_eq!(HmacSecret::base64("/+8=").unwrap().bytes(), [0xff, 0xef]);
        assert!(HmacSecret::base64("not base64!").is_err());
    }

    #[test]
    fn hmac_and_non_urls_are_refused() {
        let err = AuthConfig::builder("https://i/", "a")
            .algorithms([Algorithm::HS256])
            .build();
        assert!(matches!(err, Err(ConfigError::Invalid(_))));
        assert!(AuthConfig::builder("i.example", "a").build().is_err());
        assert!(AuthConfig::builder("https://i/", " ").build().is_err());
    }
}
