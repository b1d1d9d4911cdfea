//! [`AuthConfigBuilder`]: one method per setting, and the checks of `build`.

use std::time::Duration;

use super::{
    Algorithm, AuthConfig, ConfigError, HmacSecret, JwksSource, PublicKey, DEFAULT_ALGORITHMS,
    HMAC_ALGORITHMS, MAX_DURATION, MAX_FETCH_TIMEOUT, MAX_LEEWAY,
};

/// Builds an [`AuthConfig`]; see [`AuthConfig::builder`].
#[derive(Debug, Clone)]
#[must_use = "call .build() to get the configuration"]
pub struct AuthConfigBuilder {
    pub(super) config: AuthConfig,
}

impl AuthConfigBuilder {
    pub(super) fn new(config: AuthConfig) -> AuthConfigBuilder {
        AuthConfigBuilder { config }
    }

    /// Replaces every tuning setting at once (from a table of settings).
    pub(super) fn with_tuning(mut self, tuning: super::Tuning) -> Self {
        self.config.tuning = tuning;
        self
    }

    /// Where the key set is found. Default: [`JwksSource::Discover`].
    pub fn jwks(mut self, source: JwksSource) -> Self {
        self.config.jwks = source;
        self
    }

    /// The key set's URL, bypassing discovery: `https://...`, `http://...`
    /// on a loopback host only, or `file:///path/jwks.json` to read it from a
    /// file with no network (see [`JwksSource::Uri`]). Any other URL is
    /// refused by [`build`](Self::build).
    pub fn jwks_uri(self, uri: impl Into<String>) -> Self {
        self.jwks(JwksSource::Uri(uri.into()))
    }

    /// A key set (JWKS) document given as JSON text, used as it is with no
    /// network at all (see [`JwksSource::Inline`]).
    pub fn jwks_inline(self, key_set: impl Into<String>) -> Self {
        self.jwks(JwksSource::Inline(key_set.into()))
    }

    /// One PEM public key that verifies tokens signed with `algorithm`
    /// (whatever their `kid`), with no network at all (see [`JwksSource::Key`]).
    pub fn public_key_pem(self, algorithm: Algorithm, pem: impl Into<String>) -> Self {
        self.jwks(JwksSource::Key {
            algorithm,
            key: PublicKey::Pem(pem.into()),
        })
    }

    /// One public JWK (JSON text) that verifies tokens signed with
    /// `algorithm`, with no network at all (see [`JwksSource::Key`]).
    pub fn public_key_jwk(self, algorithm: Algorithm, jwk: impl Into<String>) -> Self {
        self.jwks(JwksSource::Key {
            algorithm,
            key: PublicKey::Jwk(jwk.into()),
        })
    }

    /// Fetches keys and discovery documents with this client (a proxy, a
    /// private CA, a client certificate) instead of the crate's own.
    ///
    /// The crate's rules still apply: the whole fetch is bounded by
    /// [`fetch_timeout`](Self::fetch_timeout), responses by
    /// [`max_jwks_bytes`](Self::max_jwks_bytes), and every URL asked for by
    /// the HTTPS rule of [`JwksSource`].
    ///
    /// Redirects: a request cannot override its client's redirect policy,
    /// and the hops a client followed cannot be seen afterwards (only where
    /// it ended), so the hops cannot be checked one by one as the crate's
    /// own client does (never from `https` to `http`, never to `http` off
    /// loopback, at most 3). An `https` → `http` → `https` chain would end
    /// on an acceptable URL after a hop anyone on the path could have
    /// steered. So with your client a response is accepted only from the URL
    /// asked for: if the client followed any redirect, the fetch fails
    /// closed (and the `warn` log says so). Configure the final URL, and
    /// preferably build the client with `reqwest::redirect::Policy::none()`.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.config.http_client = Some(client);
        self
    }

    /// The `realm` of `WWW-Authenticate` challenges. Default:
    /// [`DEFAULT_REALM`](super::DEFAULT_REALM).
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.config.tuning.realm = realm.into();
        self
    }

    /// Verifies HS256/384/512 tokens with this shared secret instead of a
    /// key set (which is then never fetched). Asymmetric tokens are refused;
    /// the secret must be at least 32 bytes (RFC 7518 section 3.2).
    ///
    /// Unless [`algorithms`](Self::algorithms) names them, the algorithms
    /// become those of HS256/384/512 the secret is long enough for: RFC 7518
    /// asks for at least 32, 48 and 64 bytes respectively.
    pub fn shared_secret(mut self, secret: HmacSecret) -> Self {
        if self.config.tuning.algorithms == DEFAULT_ALGORITHMS {
            let length = secret.bytes().len();
            self.config.tuning.algorithms = HMAC_ALGORITHMS
                .into_iter()
                .filter(|&alg| length >= min_secret_bytes(alg))
                .collect();
            if self.config.tuning.algorithms.is_empty() {
                // Too short for any: `build` says so.
                self.config.tuning.algorithms = vec![Algorithm::HS256];
            }
        }
        self.config.shared_secret = Some(secret);
        self
    }

    /// The asymmetric algorithms accepted. Default: [`DEFAULT_ALGORITHMS`].
    /// HMAC algorithms are refused by [`build`](Self::build): a key set holds
    /// public keys, and a public key must never serve as an HMAC secret.
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.config.tuning.algorithms = algorithms.into_iter().collect();
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat`. Default:
    /// [`DEFAULT_LEEWAY`](super::DEFAULT_LEEWAY); at most
    /// [`MAX_LEEWAY`](super::MAX_LEEWAY).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.config.tuning.leeway = leeway;
        self
    }

    /// How long a fetched key set is used before it is refreshed. Default:
    /// [`DEFAULT_JWKS_TTL`](super::DEFAULT_JWKS_TTL).
    pub fn jwks_ttl(mut self, ttl: Duration) -> Self {
        self.config.tuning.jwks_ttl = ttl;
        self
    }

    /// The least time between two refreshes caused by unknown `kid`s, and
    /// between two refreshes of a stale set; above zero. Default:
    /// [`DEFAULT_REFRESH_COOLDOWN`](super::DEFAULT_REFRESH_COOLDOWN).
    pub fn refresh_cooldown(mut self, cooldown: Duration) -> Self {
        self.config.tuning.refresh_cooldown = cooldown;
        self
    }

    /// The least time between a failed fetch of an empty cache and the next
    /// try; meanwhile requests get 503 at once, whose `Retry-After` says this
    /// interval. Default: [`DEFAULT_RETRY_INTERVAL`](super::DEFAULT_RETRY_INTERVAL).
    pub fn retry_interval(mut self, interval: Duration) -> Self {
        self.config.tuning.retry_interval = interval;
        self
    }

    /// The longest a fetch (discovery and key set together) may take; above
    /// zero. Default: [`DEFAULT_FETCH_TIMEOUT`](super::DEFAULT_FETCH_TIMEOUT).
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.config.tuning.fetch_timeout = timeout;
        self
    }

    /// The largest key-set (or discovery) response read. Default:
    /// [`DEFAULT_MAX_JWKS_BYTES`](super::DEFAULT_MAX_JWKS_BYTES).
    pub fn max_jwks_bytes(mut self, bytes: usize) -> Self {
        self.config.tuning.max_jwks_bytes = bytes;
        self
    }

    /// The largest token accepted, checked before any decoding. Default:
    /// [`DEFAULT_MAX_TOKEN_BYTES`](super::DEFAULT_MAX_TOKEN_BYTES).
    pub fn max_token_bytes(mut self, bytes: usize) -> Self {
        self.config.tuning.max_token_bytes = bytes;
        self
    }

    /// RFC 9068 strict mode: the token header's `typ` must be `at+jwt`
    /// (or `application/at+jwt`), so that an ID token or any other JWT of
    /// the issuer is never taken for an access token. Default: off, as
    /// Auth0 access tokens carry `typ: JWT`.
    pub fn require_access_token_type(mut self, required: bool) -> Self {
        self.config.tuning.require_access_token_type = required;
        self
    }

    /// How many verified tokens are remembered, so that a token seen again
    /// skips signature verification. Entries are keyed by the SHA-256 of the
    /// whole token, never outlive the token's `exp` nor
    /// [`token_cache_max_age`](Self::token_cache_max_age), and are dropped
    /// when the key that verified them leaves the key set; scopes are still
    /// checked on every request, and failures are never remembered.
    /// Default: [`DEFAULT_TOKEN_CACHE_CAPACITY`](super::DEFAULT_TOKEN_CACHE_CAPACITY);
    /// `0` turns the cache off.
    pub fn token_cache_capacity(mut self, entries: usize) -> Self {
        self.config.tuning.token_cache_capacity = entries;
        self
    }

    /// The longest a verified token is remembered. Default:
    /// [`DEFAULT_TOKEN_CACHE_MAX_AGE`](super::DEFAULT_TOKEN_CACHE_MAX_AGE).
    pub fn token_cache_max_age(mut self, max_age: Duration) -> Self {
        self.config.tuning.token_cache_max_age = max_age;
        self
    }

    /// Tokens larger than this are verified every time, never remembered.
    /// Default: [`DEFAULT_TOKEN_CACHE_MAX_TOKEN_BYTES`](super::DEFAULT_TOKEN_CACHE_MAX_TOKEN_BYTES).
    pub fn token_cache_max_token_bytes(mut self, bytes: usize) -> Self {
        self.config.tuning.token_cache_max_token_bytes = bytes;
        self
    }

    /// The clock every time-dependent rule reads: the key set's TTL,
    /// staleness cap, cooldowns and back-off, the verified-token cache, a
    /// token's `exp`, `nbf`, `iat` and maximum age, the introspection cache,
    /// DPoP's proof window, replay retention and nonces. Default:
    /// [`Clock::system`](crate::clock::Clock::system). Meant for tests, with
    /// a `ManualClock` (feature `testing`); it is never read from the
    /// environment or Rocket's configuration. With several issuers, the
    /// first configuration's clock also serves the router's own rules (DPoP).
    pub fn clock(mut self, clock: crate::clock::Clock) -> Self {
        self.config.clock = clock;
        self
    }

    /// Checks the configuration and returns it.
    pub fn build(self) -> Result<AuthConfig, ConfigError> {
        let config = self.config;
        super::transport::check_urls(&config)?;
        super::claims_policy::check_bounds(&config.audiences, &config.tuning)?;
        let algorithms = &config.tuning.algorithms;
        if algorithms.is_empty() {
            return Err(ConfigError::OutOfRange {
                setting: "algorithms",
                reason: "must allow at least one algorithm",
            });
        }
        match &config.shared_secret {
            None => {
                if let Some(&hmac) = algorithms.iter().find(|alg| HMAC_ALGORITHMS.contains(alg)) {
                    return Err(ConfigError::Algorithm {
                        algorithm: hmac,
                        reason: "cannot be verified with a key set; only asymmetric algorithms \
                                 are allowed (configure a shared secret for HMAC)",
                    });
                }
            }
            Some(secret) => {
                if let Some(&other) = algorithms.iter().find(|alg| !HMAC_ALGORITHMS.contains(alg)) {
                    return Err(ConfigError::Algorithm {
                        algorithm: other,
                        reason: "cannot be verified with a shared secret; only HS256/384/512 \
                                 are allowed",
                    });
                }
                if secret.bytes().len() < 32 {
                    return Err(ConfigError::Secret(
                        "the shared secret must be at least 32 bytes (RFC 7518 section 3.2)",
                    ));
                }
                if let Some(&alg) = algorithms
                    .iter()
                    .find(|&&alg| secret.bytes().len() < min_secret_bytes(alg))
                {
                    return Err(ConfigError::Algorithm {
                        algorithm: alg,
                        reason: "needs a longer shared secret: at least 48 bytes for HS384 and 64 \
                                 for HS512 (RFC 7518 section 3.2)",
                    });
                }
            }
        }
        check_bounds(&config.tuning)?;
        let mut config = config;
        super::dpop::check(&mut config)?;
        Ok(config)
    }
}

/// The ranges of the tuning settings.
fn check_bounds(tuning: &super::Tuning) -> Result<(), ConfigError> {
    let refuse = |setting, reason| Err(ConfigError::OutOfRange { setting, reason });
    if tuning.leeway > MAX_LEEWAY {
        return refuse("leeway", "must be at most 3600 seconds (MAX_LEEWAY)");
    }
    if tuning.refresh_cooldown.is_zero() {
        return refuse(
            "refresh_cooldown",
            "must be above zero: it bounds the fetches that unknown kids can cause",
        );
    }
    if tuning.fetch_timeout.is_zero() || tuning.fetch_timeout > MAX_FETCH_TIMEOUT {
        return refuse(
            "fetch_timeout",
            "must be above zero and at most 300 seconds (MAX_FETCH_TIMEOUT)",
        );
    }
    let durations = [
        ("jwks_ttl", tuning.jwks_ttl),
        ("refresh_cooldown", tuning.refresh_cooldown),
        ("retry_interval", tuning.retry_interval),
        ("token_cache_max_age", tuning.token_cache_max_age),
        ("max_stale", tuning.max_stale),
    ];
    if let Some((setting, _)) = durations.iter().find(|(_, d)| *d > MAX_DURATION) {
        return refuse(setting, "must be at most 400 days (MAX_DURATION)");
    }
    if tuning.max_token_bytes == 0 {
        return refuse("max_token_bytes", "must be above zero");
    }
    if tuning.max_jwks_bytes == 0 {
        return refuse("max_jwks_bytes", "must be above zero");
    }
    super::certbound::check_bounds(tuning)?;
    super::key_refresh::check_bounds(tuning)
}

/// The shortest secret RFC 7518 section 3.2 allows for an HMAC algorithm:
/// the size of its hash output.
fn min_secret_bytes(alg: Algorithm) -> usize {
    match alg {
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => 32,
    }
}

#[cfg(test)]
mod tests;
