//! Token validation: structure, key, signature, claims.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use crate::claims::Claims;
use crate::config::{AuthConfig, ConfigError};
use crate::error::AuthError;
use crate::extract::extract_bearer;
use crate::jwks::{JwksCache, VerifyKey};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Validates access tokens against one issuer's key set.
///
/// The [`Auth`](crate::Auth) fairing manages one per issuer, inside
/// [`Issuers`], as Rocket state; it can also
/// be used on its own, outside Rocket.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use auth_runtime::{AuthConfig, Validator};
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

/// Verified tokens, keyed by the SHA-256 of the whole token.
struct TokenCache {
    entries: quick_cache::sync::Cache<[u8; 32], Arc<Verified>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("len", &self.entries.len())
            .finish()
    }
}

/// A token that passed every check, and what its cache entry depends on.
struct Verified {
    claims: Claims,
    /// `exp`, as validated.
    expires: u64,
    /// The key that verified it: the entry dies when the set drops it.
    kid: Option<String>,
    key: Arc<VerifyKey>,
    cached_at: Instant,
}

impl Validator {
    /// A validator for `config`. Nothing is fetched until the first token
    /// needs a key.
    pub fn new(config: AuthConfig) -> Result<Validator, ConfigError> {
        let jwks = JwksCache::new(&config)?;
        let secret = config.shared_secret.as_ref().map(|secret| {
            Arc::new(VerifyKey {
                algorithms: config.algorithms.clone(),
                key: jsonwebtoken::DecodingKey::from_secret(secret.bytes()),
            })
        });
        let validations = config
            .algorithms
            .iter()
            .map(|&alg| {
                let mut validation = Validation::new(alg);
                validation.leeway = config.leeway.as_secs();
                validation.validate_exp = true;
                validation.validate_nbf = true;
                validation.validate_aud = true;
                validation.set_required_spec_claims(&["exp", "iss", "aud"]);
                validation.set_issuer(&[&config.issuer]);
                validation.set_audience(&[&config.audience]);
                (alg, validation)
            })
            .collect();
        let verified = (config.token_cache_capacity > 0).then(|| TokenCache {
            entries: quick_cache::sync::Cache::new(config.token_cache_capacity),
        });
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
    /// [`AuthConfigBuilder::token_cache_capacity`](crate::AuthConfigBuilder::token_cache_capacity))
    /// while its `exp`, the cache's age limit and its key allow.
    pub async fn validate(&self, token: &str) -> Result<Claims, AuthError> {
        let Some(cache) = self
            .verified
            .as_ref()
            .filter(|_| token.len() <= self.config.token_cache_max_token_bytes)
        else {
            return self.verify(token).await.map(|verified| verified.claims);
        };
        let digest = sha256(token);
        if let Some(hit) = cache.entries.get(&digest) {
            if self.still_valid(&hit).await {
                return Ok(hit.claims.clone());
            }
            cache.entries.remove(&digest);
        }
        let verified = self.verify(token).await?;
        let claims = verified.claims.clone();
        cache.entries.insert(digest, Arc::new(verified));
        Ok(claims)
    }

    /// Whether a cached verification still holds: not expired (with the
    /// same leeway as a fresh check), younger than the age limit, and its
    /// key still in the key set.
    async fn still_valid(&self, hit: &Verified) -> bool {
        let now = jsonwebtoken::get_current_timestamp();
        hit.expires.saturating_add(self.config.leeway.as_secs()) >= now
            && hit.cached_at.elapsed() < self.config.token_cache_max_age
            && (self.secret.is_some()
                || self.jwks.still_current(hit.kid.as_deref(), &hit.key).await)
    }

    /// The full validation, with no cache.
    async fn verify(&self, token: &str) -> Result<Verified, AuthError> {
        self.verifications.fetch_add(1, Ordering::Relaxed);
        if token.len() > self.config.max_token_bytes {
            return Err(AuthError::Malformed("token larger than the size limit"));
        }
        if token.split('.').count() != 3 {
            return Err(AuthError::Malformed("not a compact JWS (three segments)"));
        }
        let header = parse_header(token)?;
        if self.config.require_at_jwt && !is_access_token_type(header.typ.as_deref()) {
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
    /// to the issuer (it accepts arrays), and `iat` must not be in the future.
    fn check_extra_claims(&self, payload: &Map<String, Value>) -> Result<(), AuthError> {
        match payload.get("iss") {
            Some(Value::String(iss)) if *iss == self.config.issuer => {}
            _ => return Err(AuthError::WrongAudienceOrIssuer),
        }
        if let Some(iat) = payload.get("iat") {
            let Some(iat) = iat.as_f64().filter(|t| t.is_finite()) else {
                return Err(AuthError::InvalidClaims(
                    "the iat claim is not a number".into(),
                ));
            };
            let latest =
                jsonwebtoken::get_current_timestamp().saturating_add(self.config.leeway.as_secs());
            if iat > latest as f64 {
                return Err(AuthError::InvalidClaims(
                    "the iat claim is in the future".into(),
                ));
            }
        }
        Ok(())
    }
}

/// A NumericDate as jsonwebtoken reads it: a non-negative integer, or a
/// float rounded to one.
fn numeric_date(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| f.round() as u64)
    })
}

fn sha256(token: &str) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// RFC 9068 section 2.1: `at+jwt`, with or without the `application/` prefix.
fn is_access_token_type(typ: Option<&str>) -> bool {
    typ.is_some_and(|typ| {
        let typ = typ.strip_prefix("application/").unwrap_or(typ);
        typ.eq_ignore_ascii_case("at+jwt")
    })
}

/// What this crate reads of a token's header before choosing a key.
struct TokenHeader {
    alg: Algorithm,
    kid: Option<String>,
    typ: Option<String>,
}

/// Parses the header once: base64url JSON naming no member twice (JSON
/// parsers disagree on which one wins: RFC 7515 section 4), with a known
/// `alg`, a string `kid` and `typ` if present, and no `crit` (no extension
/// is supported: RFC 7515 section 4.1.11).
fn parse_header(token: &str) -> Result<TokenHeader, AuthError> {
    use base64::Engine;
    let malformed = || AuthError::Malformed("header is not base64url JSON with distinct members");
    let segment = token.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| malformed())?;
    let StrictObject(mut header) = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    if header.contains_key("crit") {
        return Err(AuthError::Malformed(
            "header has crit extensions, none of which we support",
        ));
    }
    let alg = match header.get("alg") {
        Some(Value::String(alg)) => alg
            .parse()
            .map_err(|_| AuthError::Malformed("alg is unknown"))?,
        _ => return Err(AuthError::Malformed("header has no alg")),
    };
    let mut text = |name: &str| match header.remove(name) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(AuthError::Malformed("kid or typ is not a string")),
    };
    Ok(TokenHeader {
        alg,
        kid: text("kid")?,
        typ: text("typ")?,
    })
}

/// A JSON object whose members are all distinct: a repeated member is an
/// error rather than "the last one wins".
struct StrictObject(Map<String, Value>);

impl<'de> serde::Deserialize<'de> for StrictObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = StrictObject;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object without repeated members")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<StrictObject, A::Error> {
                let mut object = Map::new();
                while let Some((name, value)) = map.next_entry::<String, Value>()? {
                    if object.contains_key(&name) {
                        return Err(serde::de::Error::custom(format_args!(
                            "member {name:?} repeated"
                        )));
                    }
                    object.insert(name, value);
                }
                Ok(StrictObject(object))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

fn map_jwt_error(kind: ErrorKind) -> AuthError {
    match kind {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => AuthError::WrongAudienceOrIssuer,
        ErrorKind::MissingRequiredClaim(claim) if claim == "iss" || claim == "aud" => {
            AuthError::WrongAudienceOrIssuer
        }
        ErrorKind::MissingRequiredClaim(claim) => {
            AuthError::InvalidClaims(format!("the token has no {claim} claim").into())
        }
        ErrorKind::InvalidClaimFormat(claim) => {
            AuthError::InvalidClaims(format!("the {claim} claim is not a valid NumericDate").into())
        }
        ErrorKind::ImmatureSignature => {
            AuthError::InvalidClaims("the token is not valid yet (nbf is in the future)".into())
        }
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::Json(_) | ErrorKind::Utf8(_) | ErrorKind::Base64(_) => {
            AuthError::Malformed("payload or signature is not base64url JSON")
        }
        _ => AuthError::Malformed("token rejected by the JWT library"),
    }
}

/// The validators of one or several issuers (tenants, staging and
/// production): a token's `iss` picks the one that verifies it (only to
/// choose keys and audience; that validator then checks `iss` exactly). A
/// token from an issuer not in the list is refused with 401
/// `invalid_claims`, with no fetch.
///
/// The [`Auth`](crate::Auth) fairing manages one as Rocket state; a handler
/// may take `&State<Issuers>` for metrics such as
/// [`Validator::full_verifications`].
#[derive(Debug)]
pub struct Issuers {
    validators: Vec<Validator>,
}

impl Issuers {
    /// One validator per configuration; at least one, with distinct issuers.
    pub fn new(configs: impl IntoIterator<Item = AuthConfig>) -> Result<Issuers, ConfigError> {
        let validators = configs
            .into_iter()
            .map(Validator::new)
            .collect::<Result<Vec<_>, _>>()?;
        if validators.is_empty() {
            return Err(ConfigError::Invalid(
                "at least one issuer must be configured".into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = validators
            .iter()
            .find(|v| !seen.insert(v.config.issuer.as_str()))
        {
            return Err(ConfigError::Invalid(format!(
                "the issuer {} is configured twice",
                twice.config.issuer
            )));
        }
        Ok(Issuers { validators })
    }

    /// The validators, in the order of their configurations.
    pub fn validators(&self) -> &[Validator] {
        &self.validators
    }

    /// The `WWW-Authenticate` realm: the first configuration's.
    pub(crate) fn realm(&self) -> &str {
        self.validators
            .first()
            .map_or(crate::error::DEFAULT_REALM, |v| v.config.realm.as_str())
    }

    /// Validates the value of an `Authorization` header, as
    /// [`Validator::authorize`] does.
    pub async fn authorize(&self, header: Option<&str>) -> Result<Claims, AuthError> {
        let token = extract_bearer(header.unwrap_or(""))?;
        self.validate(token).await
    }

    /// Validates a bare token with the validator of its issuer.
    pub async fn validate(&self, token: &str) -> Result<Claims, AuthError> {
        match self.validators.as_slice() {
            [only] => only.validate(token).await,
            all => {
                let largest = all
                    .iter()
                    .map(|v| v.config.max_token_bytes)
                    .max()
                    .unwrap_or(0);
                if token.len() > largest {
                    return Err(AuthError::Malformed("token larger than the size limit"));
                }
                let issuer = unverified_issuer(token)?;
                match all
                    .iter()
                    .find(|v| Some(v.config.issuer.as_str()) == issuer.as_deref())
                {
                    Some(validator) => validator.validate(token).await,
                    None => Err(AuthError::WrongAudienceOrIssuer),
                }
            }
        }
    }
}

/// The `iss` of a token's payload, read without verification, only to pick
/// the validator that will verify it.
fn unverified_issuer(token: &str) -> Result<Option<String>, AuthError> {
    use base64::Engine;
    #[derive(serde::Deserialize)]
    struct Peek {
        iss: Option<Value>,
    }
    let malformed = || AuthError::Malformed("not a compact JWS with a JSON payload");
    let mut segments = token.split('.');
    let (Some(_), Some(payload), Some(_), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(malformed());
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| malformed())?;
    let peek: Peek = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    Ok(match peek.iss {
        Some(Value::String(iss)) => Some(iss),
        _ => None,
    })
}
