//! The key-set (JWKS) cache.
//!
//! * Fetched lazily on first need, then cached for a time to live.
//! * One fetch at a time: concurrent requests that need a fetch wait for the
//!   one in flight and share its outcome (single flight).
//! * An unknown `kid` causes at most one refresh per cooldown.
//! * A stale set is refreshed by the first request that finds it stale while
//!   every other request keeps using the stale keys; a failed refresh keeps
//!   them too.
//! * Fetches are bounded in time (discovery and key set together) and size.
//! * Readers take only a short read lock on the current set, never the lock
//!   held across a fetch.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use serde::Deserialize;

use crate::config::{AuthConfig, JwksSource};
use crate::error::AuthError;

/// One verification key of the set, with the algorithms it may verify.
#[derive(Debug)]
pub(crate) struct VerifyKey {
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) key: DecodingKey,
}

/// A fetched key set.
#[derive(Debug)]
pub(crate) struct KeySet {
    by_kid: HashMap<String, Arc<VerifyKey>>,
    without_kid: Vec<Arc<VerifyKey>>,
    fetched_at: Instant,
}

impl KeySet {
    /// The key for `kid`. A token without a `kid` is accepted only when the
    /// set holds exactly one key.
    fn get(&self, kid: Option<&str>) -> Option<Arc<VerifyKey>> {
        match kid {
            Some(kid) => self.by_kid.get(kid).cloned(),
            None => {
                let mut all = self.by_kid.values().chain(self.without_kid.iter());
                match (all.next(), all.next()) {
                    (Some(only), None) => Some(only.clone()),
                    _ => None,
                }
            }
        }
    }

    fn len(&self) -> usize {
        self.by_kid.len() + self.without_kid.len()
    }
}

/// Why a fetch failed; for logs.
#[derive(Debug)]
enum FetchError {
    Http(String),
    Status(u16),
    TooLarge,
    Timeout,
    NotAKeySet,
    NoUsableKey,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Http(e) => write!(f, "request failed: {e}"),
            FetchError::Status(s) => write!(f, "answered HTTP {s}"),
            FetchError::TooLarge => f.write_str("response larger than the size limit"),
            FetchError::Timeout => f.write_str("timed out"),
            FetchError::NotAKeySet => f.write_str("response is not a JSON key set"),
            FetchError::NoUsableKey => f.write_str("key set holds no usable signing key"),
        }
    }
}

/// What the fetch lock guards.
#[derive(Debug, Default)]
struct FetchState {
    /// The key-set URL found by discovery, once it succeeded.
    discovered: Option<String>,
    last_attempt: Option<Instant>,
    last_failed: bool,
    last_kid_refresh: Option<Instant>,
}

/// Why a refresh is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Nothing is cached.
    Cold,
    /// The token's `kid` is not in the cached set.
    UnknownKid,
}

/// The cache itself.
#[derive(Debug)]
pub(crate) struct JwksCache {
    client: reqwest::Client,
    issuer: String,
    source: JwksSource,
    algorithms: Vec<Algorithm>,
    ttl: Duration,
    cooldown: Duration,
    retry_interval: Duration,
    timeout: Duration,
    max_bytes: usize,
    current: RwLock<Option<Arc<KeySet>>>,
    /// Fetch attempts completed; read before waiting on `fetch` to learn
    /// whether another request fetched meanwhile.
    attempts: AtomicU64,
    fetch: tokio::sync::Mutex<FetchState>,
}

impl JwksCache {
    pub(crate) fn new(config: &AuthConfig) -> Result<Self, crate::ConfigError> {
        let client = reqwest::Client::builder()
            .timeout(config.fetch_timeout)
            .connect_timeout(config.fetch_timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("auth-runtime/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| crate::ConfigError::Invalid(format!("HTTP client: {e}")))?;
        Ok(JwksCache {
            client,
            issuer: config.issuer.clone(),
            source: config.jwks.clone(),
            algorithms: config.algorithms.clone(),
            ttl: config.jwks_ttl,
            cooldown: config.refresh_cooldown,
            retry_interval: config.retry_interval,
            timeout: config.fetch_timeout,
            max_bytes: config.max_jwks_bytes,
            current: RwLock::new(None),
            attempts: AtomicU64::new(0),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
        })
    }

    /// How many fetches of the key set were attempted so far.
    pub(crate) fn fetch_attempts(&self) -> u64 {
        self.attempts.load(Ordering::Acquire)
    }

    fn snapshot(&self) -> Option<Arc<KeySet>> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The key that verifies tokens carrying `kid`, fetching or refreshing
    /// the set as the rules above allow.
    pub(crate) async fn key_for(&self, kid: Option<&str>) -> Result<Arc<VerifyKey>, AuthError> {
        let seen = self.fetch_attempts();
        let Some(set) = self.snapshot() else {
            self.refresh(Need::Cold, seen).await?;
            let set = self.snapshot().ok_or(AuthError::JwksUnavailable)?;
            return set.get(kid).ok_or(AuthError::KeyNotFound);
        };
        let set = self.refreshed_if_stale(set).await;
        if let Some(key) = set.get(kid) {
            return Ok(key);
        }
        if kid.is_none() {
            return Err(AuthError::KeyNotFound);
        }
        self.refresh(Need::UnknownKid, seen).await?;
        self.snapshot()
            .and_then(|set| set.get(kid))
            .ok_or(AuthError::KeyNotFound)
    }

    /// Whether `key` is still the set's key for `kid` (a stale set is
    /// refreshed first, as for any request; an unknown `kid` fetches nothing).
    pub(crate) async fn still_current(&self, kid: Option<&str>, key: &Arc<VerifyKey>) -> bool {
        let Some(set) = self.snapshot() else {
            return false;
        };
        let set = self.refreshed_if_stale(set).await;
        set.get(kid)
            .is_some_and(|current| Arc::ptr_eq(&current, key))
    }

    /// `set`, or the set that replaced it if it was stale and a refresh ran.
    async fn refreshed_if_stale(&self, set: Arc<KeySet>) -> Arc<KeySet> {
        if set.fetched_at.elapsed() < self.ttl {
            return set;
        }
        self.refresh_stale().await;
        self.snapshot().unwrap_or(set)
    }

    /// Refreshes a stale set unless a fetch is in flight (then the stale set
    /// serves) or one was tried within the cooldown. Never fails: the stale
    /// keys stay.
    async fn refresh_stale(&self) {
        let Ok(mut state) = self.fetch.try_lock() else {
            return;
        };
        if state
            .last_attempt
            .is_some_and(|t| t.elapsed() < self.cooldown)
        {
            return;
        }
        let _ = self.fetch_locked(&mut state).await;
    }

    /// Fetches for `need`, unless another request completed a fetch since
    /// `seen` (then its outcome is shared) or the rate limits say no.
    async fn refresh(&self, need: Need, seen: u64) -> Result<(), AuthError> {
        let mut state = self.fetch.lock().await;
        if self.fetch_attempts() != seen {
            return match (need, state.last_failed) {
                (Need::Cold, true) if self.snapshot().is_none() => Err(AuthError::JwksUnavailable),
                _ => Ok(()),
            };
        }
        match need {
            Need::Cold => {
                if state.last_failed
                    && state
                        .last_attempt
                        .is_some_and(|t| t.elapsed() < self.retry_interval)
                {
                    return Err(AuthError::JwksUnavailable);
                }
            }
            Need::UnknownKid => {
                if state
                    .last_kid_refresh
                    .is_some_and(|t| t.elapsed() < self.cooldown)
                {
                    return Ok(());
                }
                state.last_kid_refresh = Some(Instant::now());
            }
        }
        match self.fetch_locked(&mut state).await {
            Ok(()) => Ok(()),
            Err(()) if need == Need::Cold => Err(AuthError::JwksUnavailable),
            Err(()) => Ok(()),
        }
    }

    /// Fetches the set with the fetch lock held, and installs it on success.
    async fn fetch_locked(&self, state: &mut FetchState) -> Result<(), ()> {
        let outcome = match tokio::time::timeout(self.timeout, self.fetch_set(state)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(FetchError::Timeout),
        };
        state.last_attempt = Some(Instant::now());
        let result = match outcome {
            Ok(set) => {
                log::info!(
                    "auth: fetched the key set of {} ({} usable keys)",
                    self.issuer,
                    set.len()
                );
                *self
                    .current
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::new(set));
                state.last_failed = false;
                Ok(())
            }
            Err(error) => {
                log::warn!(
                    "auth: fetching the key set of {} failed: {error}",
                    self.issuer
                );
                state.last_failed = true;
                Err(())
            }
        };
        self.attempts.fetch_add(1, Ordering::AcqRel);
        result
    }

    async fn fetch_set(&self, state: &mut FetchState) -> Result<KeySet, FetchError> {
        let uri = match (&self.source, &state.discovered) {
            (JwksSource::Uri(uri), _) => uri.clone(),
            (JwksSource::Discover, Some(uri)) => uri.clone(),
            (JwksSource::Discover, None) => match self.discover().await {
                Some(uri) => {
                    state.discovered = Some(uri.clone());
                    uri
                }
                None => format!(
                    "{}/.well-known/jwks.json",
                    self.issuer.trim_end_matches('/')
                ),
            },
        };
        let body = self.get_bounded(&uri).await?;
        parse_key_set(&body, &self.algorithms)
    }

    /// The `jwks_uri` of the issuer's OpenID configuration, if it has one.
    async fn discover(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Discovery {
            jwks_uri: String,
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let body = match self.get_bounded(&url).await {
            Ok(body) => body,
            Err(error) => {
                log::info!("auth: no discovery document at {url} ({error}); trying jwks.json");
                return None;
            }
        };
        let uri = serde_json::from_slice::<Discovery>(&body).ok()?.jwks_uri;
        (uri.starts_with("https://") || uri.starts_with("http://")).then_some(uri)
    }

    /// GETs `url`, reading at most `max_bytes` of a 2xx answer.
    async fn get_bounded(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let http = |e: reqwest::Error| FetchError::Http(e.without_url().to_string());
        let mut response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(http)?;
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|len| len > self.max_bytes as u64)
        {
            return Err(FetchError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(http)? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// Parses a key set, keeping each key that can verify one of `allowed`
/// and skipping (with a log line) each one that cannot.
fn parse_key_set(body: &[u8], allowed: &[Algorithm]) -> Result<KeySet, FetchError> {
    #[derive(Deserialize)]
    struct RawSet {
        keys: Vec<serde_json::Value>,
    }
    let raw: RawSet = serde_json::from_slice(body).map_err(|_| FetchError::NotAKeySet)?;
    let mut set = KeySet {
        by_kid: HashMap::new(),
        without_kid: Vec::new(),
        fetched_at: Instant::now(),
    };
    for (index, value) in raw.keys.into_iter().enumerate() {
        let kid = value
            .get("kid")
            .and_then(|kid| kid.as_str())
            .map(str::to_owned);
        match usable_key(value, allowed) {
            Ok(key) => match kid {
                Some(kid) if set.by_kid.contains_key(&kid) => {
                    log::warn!("auth: key set repeats kid {kid:?}; the first one is used");
                }
                Some(kid) => {
                    set.by_kid.insert(kid, Arc::new(key));
                }
                None => set.without_kid.push(Arc::new(key)),
            },
            Err(why) => log::info!("auth: skipping key #{index} (kid {kid:?}): {why}"),
        }
    }
    if set.len() == 0 {
        return Err(FetchError::NoUsableKey);
    }
    Ok(set)
}

/// The algorithms a key of this shape may verify.
fn family_algorithms(jwk: &Jwk) -> Result<&'static [Algorithm], &'static str> {
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Ok(AlgorithmFamily::Rsa.algorithms()),
        AlgorithmParameters::EllipticCurve(params) => match params.curve {
            EllipticCurve::P256 => Ok(&[Algorithm::ES256]),
            EllipticCurve::P384 => Ok(&[Algorithm::ES384]),
            _ => Err("unsupported elliptic curve"),
        },
        AlgorithmParameters::OctetKeyPair(params) => match params.curve {
            EllipticCurve::Ed25519 => Ok(&[Algorithm::EdDSA]),
            _ => Err("unsupported Edwards curve"),
        },
        AlgorithmParameters::OctetKey(_) => Err("symmetric (oct) keys are never used"),
        _ => Err("unsupported key type"),
    }
}

/// The signature algorithm named by a JWK's `alg`, if it is one.
fn signature_algorithm(alg: KeyAlgorithm) -> Option<Algorithm> {
    Some(match alg {
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::ES384 => Algorithm::ES384,
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::RS384 => Algorithm::RS384,
        KeyAlgorithm::RS512 => Algorithm::RS512,
        KeyAlgorithm::PS256 => Algorithm::PS256,
        KeyAlgorithm::PS384 => Algorithm::PS384,
        KeyAlgorithm::PS512 => Algorithm::PS512,
        KeyAlgorithm::EdDSA => Algorithm::EdDSA,
        _ => return None,
    })
}

fn usable_key(value: serde_json::Value, allowed: &[Algorithm]) -> Result<VerifyKey, &'static str> {
    let jwk: Jwk = serde_json::from_value(value).map_err(|_| "not a JWK of a supported type")?;
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
    {
        return Err("its use is not \"sig\"");
    }
    if jwk
        .common
        .key_operations
        .as_ref()
        .is_some_and(|ops| !ops.contains(&KeyOperations::Verify))
    {
        return Err("its key_ops do not include \"verify\"");
    }
    let family = family_algorithms(&jwk)?;
    let mut algorithms: Vec<Algorithm> = match jwk.common.key_algorithm {
        Some(alg) => match signature_algorithm(alg) {
            Some(alg) if family.contains(&alg) => vec![alg],
            _ => return Err("its alg is not a signature algorithm for this key type"),
        },
        None => family.to_vec(),
    };
    algorithms.retain(|alg| allowed.contains(alg));
    if algorithms.is_empty() {
        return Err("none of its algorithms is allowed by the configuration");
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| "its key material is not valid base64url")?;
    Ok(VerifyKey { algorithms, key })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_ALGORITHMS;

    const RSA: &str = r#"{"kty":"RSA","kid":"r","n":"sXch","e":"AQAB"}"#;

    fn parse(keys: &str) -> Result<KeySet, FetchError> {
        parse_key_set(
            format!(r#"{{"keys":[{keys}]}}"#).as_bytes(),
            &DEFAULT_ALGORITHMS,
        )
    }

    #[test]
    fn unusable_keys_are_skipped_one_by_one() {
        let set = parse(&format!(
            r#"{RSA},
            {{"kty":"RSA","kid":"enc","use":"enc","n":"sXch","e":"AQAB"}},
            {{"kty":"oct","kid":"h","k":"c2VjcmV0"}},
            {{"kty":"EC","kid":"p521","crv":"P-521","x":"AA","y":"AA"}},
            {{"kty":"XYZ","kid":"odd"}},
            {{"kid":"nokty"}},
            {{"kty":"RSA","kid":"hs","alg":"HS256","n":"sXch","e":"AQAB"}}"#
        ))
        .unwrap();
        assert_eq!(set.len(), 1);
        assert!(set.get(Some("r")).is_some());
        for skipped in ["enc", "h", "p521", "odd", "nokty", "hs"] {
            assert!(
                set.get(Some(skipped)).is_none(),
                "{skipped} should be skipped"
            );
        }
    }

    #[test]
    fn algorithms_are_bound_to_the_key() {
        let set = parse(&format!(
            r#"{RSA},
            {{"kty":"RSA","kid":"pinned","alg":"PS256","n":"sXch","e":"AQAB"}},
            {{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"}}"#
        ))
        .unwrap();
        assert_eq!(
            set.get(Some("r")).unwrap().algorithms,
            AlgorithmFamily::Rsa.algorithms()
        );
        assert_eq!(
            set.get(Some("pinned")).unwrap().algorithms,
            vec![Algorithm::PS256]
        );
        assert_eq!(
            set.get(Some("ec")).unwrap().algorithms,
            vec![Algorithm::ES256]
        );
    }

    #[test]
    fn a_set_with_no_usable_key_is_an_error() {
        assert!(matches!(
            parse(r#"{"kty":"oct","k":"AA"}"#),
            Err(FetchError::NoUsableKey)
        ));
        assert!(matches!(
            parse_key_set(b"<html>", &DEFAULT_ALGORITHMS),
            Err(FetchError::NotAKeySet)
        ));
    }

    #[test]
    fn a_token_without_kid_needs_a_single_key() {
        let one = parse(RSA).unwrap();
        assert!(one.get(None).is_some());
        let two = parse(&format!(
            r#"{RSA}, {{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"}}"#
        ))
        .unwrap();
        assert!(two.get(None).is_none());
    }

    #[test]
    fn a_repeated_kid_keeps_the_first_key() {
        let set = parse(&format!(
            r#"{RSA}, {{"kty":"EC","kid":"r","crv":"P-256","x":"AA","y":"AA"}}"#
        ))
        .unwrap();
        assert_eq!(set.len(), 1);
        assert_eq!(
            set.get(Some("r")).unwrap().algorithms,
            AlgorithmFamily::Rsa.algorithms()
        );
    }
}
