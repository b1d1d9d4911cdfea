//! Token validation: structure, key, signature, claims.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use jsonwebtoken::{Algorithm, Validation};

mod claims_check;
#[cfg(all(test, feature = "testing"))]
mod clock_step_tests;
#[cfg(all(test, feature = "testing"))]
mod clock_tests;
pub(crate) mod jws;
mod request;
pub(crate) mod router;
#[cfg(all(test, feature = "testing"))]
mod router_tests;
mod sender;
#[cfg(all(test, feature = "tracing"))]
mod spans_tests;
#[cfg(all(test, feature = "testing"))]
mod tests;
mod token_cache;

pub use crate::certbound::TlsClientCertificate;
pub use crate::jwks::KeySetStatus;
pub use request::RequestParts;
pub use router::IssuerRouter;

use crate::claims::Claims;
use crate::config::{AuthConfig, ConfigError};
use crate::error::AuthError;
use crate::extract::extract_bearer;
use crate::jwks::{JwksCache, VerifyKey};
use jws::{is_access_token_type, map_jwt_error, numeric_date, parse_structure, StrictObject};
use token_cache::{TokenCache, Verified};

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
            Some(secret) => Some(Arc::new(VerifyKey::new(
                config.tuning.algorithms.clone(),
                jsonwebtoken::DecodingKey::from_secret(secret.bytes())
                    .map_err(|_| ConfigError::Secret("the shared secret must not be empty"))?,
            ))),
            None => None,
        };
        let validations = config
            .tuning
            .algorithms
            .iter()
            .map(|&alg| {
                let mut validation = Validation::new(alg);
                // The signature and the presence of `exp` only: `exp`, `nbf`,
                // `iss` and `aud` are checked by `check_claims` at the
                // configuration's clock, as jsonwebtoken would (its own time
                // checks read the system clock, and come before `iss` and
                // `aud`, so those move with them to keep the order).
                validation.validate_exp = false;
                validation.validate_nbf = false;
                validation.validate_aud = false;
                // Only `exp` here: jsonwebtoken checks its required claims in
                // the order of a HashSet, so that a token missing two of them
                // would get either sentence. `iss` and `aud` are required by
                // `check_claims`, in a fixed order.
                validation.set_required_spec_claims(&["exp"]);
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

    /// How many key-set fetches were attempted so far (feature `testing`:
    /// operators count them with the `auth_jwks_fetches_total` metric).
    #[cfg(any(test, feature = "testing"))]
    #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
    pub fn jwks_fetch_attempts(&self) -> u64 {
        self.jwks.fetch_attempts()
    }

    /// Fetches the key set now, unless usable keys are cached or a shared
    /// secret is configured, waiting for it at most the fetch timeout: what
    /// [`IssuerRouter::warm_up`] does at launch. The error is the one a
    /// request would get now (503 `jwks_unavailable`); the next request then
    /// fetches as usual.
    pub async fn warm_up(&self) -> Result<(), AuthError> {
        self.begin_warm_up().finish().await
    }

    /// Whether a token can be verified now: a shared secret needs no key;
    /// a key set must hold usable keys within the staleness cap. No I/O, no
    /// waiting.
    pub fn is_ready(&self) -> bool {
        self.secret.is_some() || self.jwks.status().ready
    }

    /// The key set's status (keys held, last attempt, last success, last
    /// error), read without I/O; `None` with a shared secret (no key set).
    pub fn key_set_status(&self) -> Option<KeySetStatus> {
        self.secret.is_none().then(|| self.jwks.status())
    }

    /// Keeps loading the key set in the background while none serves (see
    /// the fairing's warm-up); nothing with a shared secret.
    pub(crate) fn keep_loading(&self) {
        if self.secret.is_none() {
            self.jwks.keep_loading();
        }
    }

    /// Starts [`warm_up`](Self::warm_up)'s fetch without waiting for it.
    fn begin_warm_up(&self) -> crate::jwks::WarmUp {
        self.jwks.begin_warm_up(self.secret.is_none())
    }

    /// How many tokens went through a full verification (signature and
    /// claims) rather than the verified-token cache, failures included: with
    /// the number of requests, the cache's hit ratio (feature `testing`:
    /// operators read it from the token-cache metrics).
    #[cfg(any(test, feature = "testing"))]
    #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
    pub fn full_verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Validates the value of an `Authorization: Bearer` header (`None`
    /// when the request has none): extraction, then
    /// [`validate`](Self::validate). A bound token (`cnf`) is refused, as
    /// it comes without its proof or certificate, and so is any token in
    /// DPoP's `required` mode; for those, use
    /// [`IssuerRouter::authorize_request`].
    pub async fn authorize(&self, header: Option<&str>) -> Result<Claims, AuthError> {
        let token = extract_bearer(header.unwrap_or(""))?;
        let claims = self.validate(token).await?;
        sender::check_plain_bearer(&claims, self.config.dpop_mode())?;
        Ok(claims)
    }

    /// Validates a bare token, in the contract's order: structure, key,
    /// signature, claims. The algorithm is checked before any network call.
    /// The sender constraint (DPoP) is the caller's next check.
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
            return self
                .verify_boxed(token)
                .await
                .map(|verified| verified.claims);
        };
        if let Some(hit) = cache.get(token) {
            if self.still_valid(&hit) {
                cache.counters.lookup(true);
                return Ok(hit.claims.clone());
            }
            cache.remove(token);
        }
        cache.counters.lookup(false);
        let verified = self.verify_boxed(token).await?;
        let claims = verified.claims.clone();
        cache.insert(token, verified);
        Ok(claims)
    }

    /// [`verify`](Self::verify) on the heap: its future (key fetches,
    /// discovery) is large, and a cached token must not pay for moving it
    /// into the request's future.
    fn verify_boxed<'a>(
        &'a self,
        token: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Verified, AuthError>> + Send + 'a>>
    {
        Box::pin(self.verify(token))
    }

    /// Whether a cached verification still holds: not expired, its `nbf`
    /// and `iat` not in the future (with the same leeway as a fresh check:
    /// the wall clock may have stepped back since), younger than the age
    /// limit, and its key still in the serving key set. A hit that fails is
    /// verified again in full, which gives the miss's error. Never waits on the key set: a
    /// request waits at most once, in [`verify`](Self::verify), for at most
    /// one fetch timeout.
    fn still_valid(&self, hit: &Verified) -> bool {
        let clock = &self.config.clock;
        // Before the epoch: verified in full, which refuses the token.
        let Some(now) = clock.unix_checked() else {
            return false;
        };
        let instant = clock.now();
        let leeway = self.config.tuning.leeway.as_secs();
        let latest = now.saturating_add(leeway);
        hit.expires.saturating_add(leeway) >= now
            && hit.not_before.is_none_or(|nbf| nbf <= latest)
            && hit.issued_at_ceil.is_none_or(|iat| iat <= latest)
            && instant.saturating_duration_since(hit.cached_at)
                < self.config.tuning.token_cache_max_age
            && (self.config.tuning.max_token_age.is_none()
                || hit.issued_at.is_some_and(|iat| self.young_enough(iat, now)))
            && (self.secret.is_some()
                || self
                    .jwks
                    .still_current(instant, hit.kid.as_deref(), &hit.key))
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
        self.check_claims(&payload)?;
        if let Some(policy) = &self.config.claim_policy {
            policy.check(&payload).map_err(|reason| {
                log::debug!("auth: the application's claim check refused a token: {reason}");
                AuthError::InvalidClaims(
                    "the token's claims are refused by this API's policy".into(),
                )
            })?;
        }
        // `check_claims` has checked that exp is a NumericDate, not past.
        let expires = payload.get("exp").and_then(numeric_date).unwrap_or(0);
        let issued_at = payload.get("iat").and_then(numeric_date);
        // `check_claims` has checked that iat, when present, is a finite
        // number (`as` saturates: a negative one is 0).
        let issued_at_ceil = payload
            .get("iat")
            .and_then(serde_json::Value::as_f64)
            .map(|iat| iat.ceil() as u64);
        let not_before = payload.get("nbf").and_then(numeric_date);
        Ok(Verified {
            claims: Claims::with_scope_sources(payload, &self.config.tuning.scope_claims),
            expires,
            issued_at,
            issued_at_ceil,
            not_before,
            kid: header.kid,
            key,
            cached_at: self.config.clock.now(),
        })
    }
}
