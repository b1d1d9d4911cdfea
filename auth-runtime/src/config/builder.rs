//! [`AuthConfigBuilder`]: the methods of the settings that are not tuning
//! (where keys come from, the shared secret, the clock; the tuning
//! settings' methods follow from config/settings.rs), and `build`.

use super::{
    defaults, Algorithm, AuthConfig, ConfigError, HmacSecret, JwksSource, PublicKey,
    HMAC_ALGORITHMS,
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

    /// Verifies HS256/384/512 tokens with this shared secret instead of a
    /// key set (which is then never fetched). Asymmetric tokens are refused;
    /// the secret must be at least 32 bytes (RFC 7518 section 3.2).
    ///
    /// Unless [`algorithms`](Self::algorithms) names them, the algorithms
    /// become those of HS256/384/512 the secret is long enough for: RFC 7518
    /// asks for at least 32, 48 and 64 bytes respectively.
    pub fn shared_secret(mut self, secret: HmacSecret) -> Self {
        if self.config.tuning.algorithms == defaults::algorithms() {
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

    /// Checks the configuration and returns it. Every setting that is out
    /// of range is in the error, not only the first: one error
    /// ([`ConfigError::Several`] where there are more).
    pub fn build(self) -> Result<AuthConfig, ConfigError> {
        let mut config = self.config;
        let mut errors = Vec::new();
        check(&mut config, &mut errors, true);
        ConfigError::from_list(errors).map_or(Ok(config), Err)
    }
}

/// Every check of [`AuthConfigBuilder::build`], each failure pushed on
/// `errors` (one error names them all); the issuer and the audiences only
/// when `identity` (a constructor that found them missing or invalid has
/// said so already).
pub(super) fn check(config: &mut AuthConfig, errors: &mut Vec<ConfigError>, identity: bool) {
    if identity {
        errors.extend(super::transport::check_urls(config).err());
        errors.extend(super::claims_policy::check_bounds(&config.audiences).err());
    }
    errors.extend(check_algorithms(config).err());
    config.tuning.check_bounds(errors);
    let ttl_refused = errors.iter().any(
        |error| matches!(error, ConfigError::OutOfRange { setting, .. } if *setting == "jwks_ttl"),
    );
    if config.tuning.max_stale < config.tuning.jwks_ttl && !ttl_refused {
        errors.push(ConfigError::OutOfRange {
            setting: "max_stale",
            reason: "must be at least jwks_ttl",
        });
    }
    super::dpop::check(config, errors);
}

/// The algorithms against the keys: HMAC with a shared secret long enough
/// for each, never without one.
fn check_algorithms(config: &AuthConfig) -> Result<(), ConfigError> {
    let algorithms = &config.tuning.algorithms;
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
    Ok(())
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

#[cfg(test)]
mod refresh_tests;
