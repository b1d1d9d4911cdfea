//! Token validation: structure, key, signature, claims.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

pub(crate) mod jws;
pub(crate) mod router;
mod token_cache;

pub use router::IssuerRouter;

use crate::claims::Claims;
use crate::config::{AuthConfig, ConfigError};
use crate::error::AuthError;
use crate::extract::extract_bearer;
use crate::jwks::{JwksCache, VerifyKey};
use jws::{is_access_token_type, map_jwt_error, numeric_date, parse_structure, StrictObject};
use token_cache::{sha256, TokenCache, Verified};

/// Validates access tokens against one issuer's key set.
///
/// The [`Auth`](crate::Auth) fairing manages one per issuer, inside an
/// [`IssuerRouter`]; it can also be used on its own, with no framework.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use auth_runtime::{validator::Validator, AuthConfig};
///
/// let validator = Validator::new(
///     AuthConfig::builder("https://example.eu.auth0.com/", "https://quickstarts/api").build()?,
/// )?;
/// let claims = validator.authorize(Some("Bearer eyJhbGciOi...")).await?;
/// println!("hello {:?}", claims.sub());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Validator {
    config: AuthConfig,
    jwks: JwksCache,
    /// With a shared secret: the one HMAC key, and no key set.
    secret: Option<Arc<VerifyKey>>,
    validations: Vec<(Algorithm, Validation)>,
    verified: Option<TokenCache>,
    verifications: AtomicU64,
}

impl Validator {
    /// A validator for `config`. Nothing is fetched until the first token
    /// needs a key.
    pub fn new(config: AuthConfig) -> Result<Validator, ConfigError> {
        crate::crypto::install_provider();
        let jwks = JwksCache::new(&config)?;
        let secret = match &config.shared_secret {
            Some(secret) => Some(Arc::new(VerifyKey {
                algorithms: config.tuning.algorithms.clone(),
                key: jsonwebtoken::DecodingKey::from_secret(secret.bytes())
                    .map_err(|_| ConfigError::Secret("the shared secret must not be empty"))?,
            })),
            None => None,
        };
        let validations = config
            .tuning
            .algorithms
            .iter()
            .map(|&alg| {
                let mut validation = Validation::new(alg);
                validation.leeway = config.tuning.leeway.as_secs();
                validation.validate_exp = true;
                validation.validate_nbf = true;
                validation.validate_aud = true;
                // Only `exp` here: jsonwebtoken checks its required claims in
                // the order of a HashSet, so that a token missing two of them
                // would get either sentence. `iss` and `aud` are required by
                // `check_extra_claims`, in a fixed order.
                validation.set_required_spec_claims(&["exp"]);
                validation.set_issuer(&[&config.issuer]);
                validation.set_audience(&[&config.audience]);
                (alg, validation)
            })
            .collect();
        let verified = (config.tuning.token_cache_capacity > 0)
            .then(|| TokenCache::new(config.tuning.token_cache_capacity));
        Ok(Validator {
            config,
            jwks,
            secret,
            validations,
            verified,
            verifications: AtomicU64::new(0),
        })
    }

    /// The configuration this validator was made with.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// How many key-set fetches were attempted so far (for metrics and tests).
    pub fn jwks_fetch_attempts(&self) -> u64 {
        self.jwks.fetch_attempts()
    }

    /// How many tokens went through a full verification (signature and
    /// claims) rather than the verified-token cache, failures included: with
    /// the number of requests, the cache's hit ratio.
    pub fn full_verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Validates the value of an `Authorization` header (`None` when the
    /// request has none): extraction, then [`validate`](Self::validate).
    pub async fn authorize(&self, header: Option<&str>) -> Result<Claims, AuthError> {
        let token = extract_bearer(header.unwrap_or(""))?;
        self.validate(token).await
    }

    /// Validates a bare token, in the contract's order: structure, key,
    /// signature, claims. The algorithm is checked before any network call.
    ///
    /// A token verified before is taken from the verified-token cache (see
    /// [`AuthConfigBuilder::token_cache_capacity`](crate::config::AuthConfigBuilder::token_cache_capacity))
    /// while its `exp`, the cache's age limit and its key allow.
    pub async fn validate(&self, token: &str) -> Result<Claims, AuthError> {
        let Some(cache) = self
            .verified
            .as_ref()
            .filter(|_| token.len() <= self.config.tuning.token_cache_max_token_bytes)
        else {
            return self.verify(token).await.map(|verified| verified.claims);
        };
        let digest = sha256(token);
        if let Some(hit) = cache.get(&digest) {
            if self.still_valid(&hit).await {
                return Ok(hit.claims.clone());
            }
            cache.remove(&digest);
        }
        let verified = self.verify(token).await?;
        let claims = verified.claims.clone();
        cache.insert(digest, verified);
        Ok(claims)
    }

    /// Whether a cached verification still holds: not expired (with the
    /// same leeway as a fresh check), younger than the age limit, and its
    /// key still in the key set.
    async fn still_valid(&self, hit: &Verified) -> bool {
        let now = jsonwebtoken::get_current_timestamp();
        hit.expires
            .saturating_add(self.config.tuning.leeway.as_secs())
            >= now
            && hit.cached_at.elapsed() < self.config.tuning.token_cache_max_age
            && (self.secret.is_some()
                || self.jwks.still_current(hit.kid.as_deref(), &hit.key).await)
    }

    /// The full validation, with no cache.
    async fn verify(&self, token: &str) -> Result<Verified, AuthError> {
        self.verifications.fetch_add(1, Ordering::Relaxed);
        if token.len() > self.config.tuning.max_token_bytes {
            return Err(AuthError::Malformed("token larger than the size limit"));
        }
        let header = parse_structure(token)?;
        if self.config.tuning.require_access_token_type
            && !is_access_token_type(header.typ.as_deref())
        {
            return Err(AuthError::Malformed(
                "typ is not at+jwt (RFC 9068 strict mode)",
            ));
        }
        let Some(validation) = self
            .validations
            .iter()
            .find(|(alg, _)| *alg == header.alg)
            .map(|(_, v)| v)
        else {
            return Err(AuthError::Malformed("alg is not allowed"));
        };
        let key = match &self.secret {
            Some(secret) => secret.clone(),
            None => self.jwks.key_for(header.kid.as_deref()).await?,
        };
        if !key.algorithms.contains(&header.alg) {
            return Err(AuthError::Malformed("alg is not allowed for this key"));
        }
        let StrictObject(payload) =
            jsonwebtoken::decode::<StrictObject>(token, &key.key, validation)
                .map_err(|error| map_jwt_error(error.into_kind()))?
                .claims;
        self.check_extra_claims(&payload)?;
        // jsonwebtoken has checked that exp is a NumericDate in the future.
        let expires = payload.get("exp").and_then(numeric_date).unwrap_or(0);
        Ok(Verified {
            claims: Claims::from_payload(payload),
            expires,
            kid: header.kid,
            key,
            cached_at: Instant::now(),
        })
    }

    /// What jsonwebtoken leaves to us: `iss` must be a single string equal
    /// to the issuer (it accepts arrays), `aud` must be present (it checks a
    /// present one), and `iat` must not be in the future.
    fn check_extra_claims(&self, payload: &Map<String, Value>) -> Result<(), AuthError> {
        match payload.get("iss") {
            Some(Value::String(iss)) if *iss == self.config.issuer => {}
            _ => return Err(AuthError::WrongAudienceOrIssuer),
        }
        if !matches!(payload.get("aud"), Some(Value::String(_) | Value::Array(_))) {
            return Err(AuthError::WrongAudienceOrIssuer);
        }
        if let Some(iat) = payload.get("iat") {
            let Some(iat) = iat.as_f64().filter(|t| t.is_finite()) else {
                return Err(AuthError::InvalidClaims(
                    "the iat claim is not a number".into(),
                ));
            };
            let latest = jsonwebtoken::get_current_timestamp()
                .saturating_add(self.config.tuning.leeway.as_secs());
            if iat > latest as f64 {
                return Err(AuthError::InvalidClaims(
                    "the iat claim is in the future".into(),
                ));
            }
        }
        Ok(())
    }
}
