//! Opaque tokens: OAuth 2.0 token introspection (RFC 7662).
//!
//! An [`Introspector`] asks the authorization server about a token it
//! cannot verify itself: `POST token=...&token_type_hint=access_token`,
//! authenticated with the API's own client credentials (HTTP Basic by
//! default, in the form body on request), over HTTPS only (HTTP on a
//! loopback host aside), with the key fetcher's redirect rules, its
//! timeout and a size limit.
//!
//! Answers are cached, keyed by the SHA-256 of the token (the token itself
//! is never stored or logged): an active one until the earliest of its
//! `exp` and [`IntrospectionSettings::max_active_ttl`], a refusal for
//! [`IntrospectionSettings::inactive_ttl`]; the cache is bounded in entries,
//! and concurrent requests for one token make one call. Nothing is cached
//! from a failed call (endpoint down, unusable answer).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::Url;
use tokio::sync::OnceCell;

use crate::claims::{Claims, ScopeSource};
use crate::clock::Clock;
use crate::config::{check_network_url, defaults, AuthConfig, ConfigError};
use crate::config::{ClientAuth, ClientSecret};
use crate::readiness::{Dependency, Health};
pub(crate) use probe::shown;
#[cfg(any(test, feature = "testing"))]
pub(crate) use probe::PROBE_TOKEN;

mod cache;
mod discovery;
mod http;
mod probe;
mod response;
#[cfg(all(test, feature = "testing"))]
mod tests;

use cache::{Entry, InFlight, Key};
pub(crate) use discovery::discover_endpoint;
use response::Policy;

/// Fills in the introspection endpoint of each configuration that takes
/// it from its issuer's metadata
/// ([`introspection_discovery`](crate::config::AuthConfigBuilder::introspection_discovery))
/// and names none itself; the documents are read with the configuration's
/// `http_client` (if any), fetch timeout and size limit. A configuration without an endpoint found
/// is an error that says why.
pub(crate) async fn discover_endpoints(configs: &mut [AuthConfig]) -> Result<(), ConfigError> {
    for config in configs {
        let tuning = &config.tuning;
        if !tuning.introspection_discovery || tuning.introspection_url.is_some() {
            continue;
        }
        let endpoint = discover_endpoint(
            &config.issuer,
            config.http_client.as_ref(),
            tuning.fetch_timeout,
            tuning.max_jwks_bytes,
        )
        .await
        .map_err(|reason| ConfigError::IntrospectionDiscovery {
            issuer: config.issuer.clone(),
            reason,
        })?;
        log::info!(
            "auth: introspection endpoint of {} from its metadata: {endpoint}",
            config.issuer
        );
        config.tuning.introspection_url = Some(endpoint);
    }
    Ok(())
}

/// Everything an [`Introspector`] needs.
#[derive(Debug, Clone)]
pub(crate) struct IntrospectionSettings {
    /// The endpoint: `https`, or `http` on a loopback host.
    pub endpoint: String,
    /// The API's client id.
    pub client_id: String,
    /// The API's client secret.
    pub client_secret: ClientSecret,
    /// Basic (the default) or form body.
    pub client_auth: ClientAuth,
    /// An answer's `iss`, when present, must be one of these.
    pub issuers: Vec<String>,
    /// An answer's `aud`, when present, must hold one of these.
    pub audiences: Vec<String>,
    /// Leeway for `exp` and `nbf`, as for JWTs.
    pub leeway: Duration,
    /// The whole call's time limit (the key fetch timeout).
    pub timeout: Duration,
    /// The largest answer read.
    pub max_response_bytes: usize,
    /// The longest an active answer is cached.
    pub max_active_ttl: Duration,
    /// How long a refusal (inactive, wrong issuer or audience, expired) is
    /// cached.
    pub inactive_ttl: Duration,
    /// The most answers cached.
    pub cache_capacity: usize,
    /// Where scopes are read from, as for JWTs.
    pub scope_sources: Vec<ScopeSource>,
    /// The time of the cache's expiries and of the `exp` and `nbf` checks:
    /// by default [`Clock::system`]; the configuration's clock (see
    /// [`AuthConfigBuilder::clock`](crate::config::AuthConfigBuilder::clock))
    /// when made from one.
    pub clock: Clock,
}

impl IntrospectionSettings {
    /// Settings with every default (those of the configuration's settings:
    /// leeway, fetch timeout, the introspection cache's); `issuers` and
    /// `audiences` start empty.
    pub(crate) fn new(
        endpoint: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: ClientSecret,
    ) -> IntrospectionSettings {
        IntrospectionSettings {
            endpoint: endpoint.into(),
            client_id: client_id.into(),
            client_secret,
            client_auth: ClientAuth::Basic,
            issuers: Vec::new(),
            audiences: Vec::new(),
            leeway: defaults::leeway(),
            timeout: defaults::fetch_timeout(),
            max_response_bytes: defaults::max_introspection_bytes(),
            max_active_ttl: defaults::introspection_max_active_ttl(),
            inactive_ttl: defaults::introspection_inactive_ttl(),
            cache_capacity: defaults::introspection_cache_capacity(),
            scope_sources: defaults::scope_claims(),
            clock: Clock::system(),
        }
    }
}

impl IntrospectionSettings {
    /// The settings of `config`, when it names an endpoint: its
    /// credentials, leeway, fetch timeout, scope claims and clock, with `issuers`
    /// and `audiences` as given.
    pub(crate) fn from_config(
        config: &AuthConfig,
        issuers: Vec<String>,
        audiences: Vec<String>,
    ) -> Option<IntrospectionSettings> {
        let tuning = &config.tuning;
        let url = tuning.introspection_url.as_ref()?;
        let mut settings = IntrospectionSettings::new(
            url.clone(),
            tuning.client_id.clone().unwrap_or_default(),
            tuning
                .client_secret
                .clone()
                .unwrap_or_else(|| ClientSecret::new("")),
        );
        settings.client_auth = tuning.client_auth;
        settings.issuers = issuers;
        settings.audiences = audiences;
        settings.leeway = tuning.leeway;
        settings.timeout = tuning.fetch_timeout;
        settings.max_response_bytes = tuning.max_introspection_bytes;
        settings.max_active_ttl = tuning.introspection_max_active_ttl;
        settings.inactive_ttl = tuning.introspection_inactive_ttl;
        settings.cache_capacity = tuning.introspection_cache_capacity;
        settings.scope_sources = tuning.scope_claims.clone();
        settings.clock = config.clock.clone();
        Some(settings)
    }
}

/// Why an introspected token is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum IntrospectionError {
    /// `active: false`.
    Inactive,
    /// The answer is not usable (not a JSON object, `active` missing or not
    /// a boolean, `exp` or `nbf` not a number); why, for logs.
    Malformed(&'static str),
    /// `iss` not a configured issuer, or `aud` without a configured audience.
    WrongIssuerOrAudience,
    /// `exp` in the past, beyond the leeway.
    Expired,
    /// `nbf` in the future, beyond the leeway.
    NotYetValid,
    /// The endpoint could not answer (unreachable, slow, 4xx/5xx, too large,
    /// a refused redirect); why, for logs.
    Unavailable(String),
}

impl IntrospectionError {
    /// The HTTP status: 503 when the endpoint is unavailable, else 401.
    #[cfg(test)]
    pub(crate) fn status(&self) -> u16 {
        match self {
            IntrospectionError::Unavailable(_) => 503,
            _ => 401,
        }
    }

    /// The JSON error code of the contract.
    #[cfg(test)]
    pub(crate) fn code(&self) -> &'static str {
        match self {
            IntrospectionError::Inactive
            | IntrospectionError::Malformed(_)
            | IntrospectionError::NotYetValid => "invalid_token",
            IntrospectionError::WrongIssuerOrAudience => "invalid_claims",
            IntrospectionError::Expired => "token_expired",
            IntrospectionError::Unavailable(_) => "introspection_unavailable",
        }
    }

    /// The sentence for the error body (never the token, never the
    /// endpoint's words).
    pub(crate) fn description(&self) -> &'static str {
        match self {
            IntrospectionError::Inactive => "the token is not active",
            IntrospectionError::Malformed(_) => {
                "the token could not be confirmed: the introspection answer is not usable"
            }
            IntrospectionError::WrongIssuerOrAudience => {
                "incorrect claims, please check the audience and issuer"
            }
            IntrospectionError::Expired => "token is expired",
            IntrospectionError::NotYetValid => "the token is not valid yet (nbf)",
            IntrospectionError::Unavailable(_) => {
                "the token introspection endpoint is unavailable; the client may retry"
            }
        }
    }
}

impl From<IntrospectionError> for crate::error::AuthError {
    fn from(error: IntrospectionError) -> crate::error::AuthError {
        use IntrospectionError as E;
        match error {
            E::Unavailable(_) => crate::error::AuthError::IntrospectionUnavailable,
            E::Expired => crate::error::AuthError::Expired,
            E::WrongIssuerOrAudience => crate::error::AuthError::WrongAudienceOrIssuer,
            other => crate::error::AuthError::InvalidToken(other.description()),
        }
    }
}

/// The outcome of introspecting one token.
pub(crate) type Outcome = Result<Claims, IntrospectionError>;

/// Asks an RFC 7662 endpoint about tokens, with a cache.
#[derive(Debug)]
pub(crate) struct Introspector {
    client: reqwest::Client,
    endpoint: Url,
    settings: IntrospectionSettings,
    cache: quick_cache::sync::Cache<Key, Entry>,
    in_flight: Mutex<HashMap<Key, Arc<OnceCell<Outcome>>>>,
    calls: std::sync::atomic::AtomicU64,
    /// The endpoint's last known state, for readiness.
    health: Arc<Health>,
}

/// A setting that makes no [`Introspector`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum IntrospectionConfigError {
    /// The endpoint is not a URL, or not `https` (nor `http` on loopback).
    Endpoint(String),
    /// The HTTP client could not be made.
    HttpClient(String),
}

impl fmt::Display for IntrospectionConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntrospectionConfigError::Endpoint(why) => {
                write!(f, "the introspection endpoint (introspection_url, AUTH_INTROSPECTION_URL) must be {why}")
            }
            IntrospectionConfigError::HttpClient(e) => write!(f, "HTTP client: {e}"),
        }
    }
}

impl std::error::Error for IntrospectionConfigError {}

impl Introspector {
    /// An introspector for `settings`; refuses an endpoint that is not
    /// `https` (nor `http` on a loopback host).
    pub(crate) fn new(
        settings: IntrospectionSettings,
    ) -> Result<Introspector, IntrospectionConfigError> {
        let endpoint = Url::parse(&settings.endpoint).map_err(|_| {
            IntrospectionConfigError::Endpoint(crate::config::HTTPS_RULE.to_owned())
        })?;
        check_network_url(&endpoint)
            .map_err(|why| IntrospectionConfigError::Endpoint(why.to_owned()))?;
        // Credentials travel as client_id and client_secret, never in the
        // URL, which log lines name.
        if !endpoint.username().is_empty() || endpoint.password().is_some() {
            return Err(IntrospectionConfigError::Endpoint(
                "a URL without user or password (the API's credentials are client_id and \
                 client_secret)"
                    .to_owned(),
            ));
        }
        // The call's body carries the token: redirects stay on its origin.
        let client = crate::config::http::same_origin_client(settings.timeout)
            .map_err(|e| IntrospectionConfigError::HttpClient(e.to_string()))?;
        Ok(Introspector {
            client,
            endpoint,
            cache: quick_cache::sync::Cache::new(settings.cache_capacity.max(1)),
            settings,
            in_flight: Mutex::new(HashMap::new()),
            calls: std::sync::atomic::AtomicU64::new(0),
            health: Health::new(Dependency::Introspection),
        })
    }

    /// The endpoint asked.
    #[cfg(test)]
    pub(crate) fn endpoint(&self) -> &str {
        self.endpoint.as_str()
    }

    /// How many calls the endpoint got so far (cache misses that reached
    /// the network).
    #[cfg(test)]
    pub(crate) fn calls(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The claims of `token` when the endpoint says it is active and it
    /// passes the checks; from the cache when it can be.
    pub(crate) async fn introspect(&self, token: &str) -> Outcome {
        let key = cache::key(token);
        if let Some(hit) = self.cached(&key) {
            return hit;
        }
        let cell = {
            let mut map = self
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            map.entry(key).or_default().clone()
        };
        let _in_flight = InFlight::new(&self.in_flight, key, &cell);
        cell.get_or_init(|| async {
            if let Some(hit) = self.cached(&key) {
                return hit;
            }
            let (outcome, ttl) = self.ask(token).await;
            let until = ttl
                .filter(|ttl| !ttl.is_zero())
                .and_then(|ttl| self.settings.clock.now().checked_add(ttl));
            if let Some(until) = until {
                let entry = Entry {
                    until,
                    outcome: outcome.clone(),
                };
                self.cache.insert(key, entry);
            }
            outcome
        })
        .await
        .clone()
    }

    /// A cached, unexpired answer.
    fn cached(&self, key: &Key) -> Option<Outcome> {
        let entry = self.cache.get(key)?;
        if entry.until > self.settings.clock.now() {
            return Some(entry.outcome);
        }
        self.cache.remove(key);
        None
    }

    /// One call and its judgment, with how long the answer may be cached
    /// (`None`: not at all), counted in
    /// [`INTROSPECTION_CALLS`](crate::telemetry::INTROSPECTION_CALLS).
    async fn ask(&self, token: &str) -> (Outcome, Option<Duration>) {
        let traced = crate::telemetry::Traced::introspection(|| shown(&self.endpoint));
        let answer = traced.instrument(self.call(token)).await;
        let result = match &answer.0 {
            Ok(_) => "active",
            Err(IntrospectionError::Unavailable(_) | IntrospectionError::Malformed(_)) => "error",
            Err(_) => "inactive",
        };
        traced.finish(result);
        crate::telemetry::introspection(result);
        answer
    }

    /// [`ask`](Self::ask), uncounted.
    async fn call(&self, token: &str) -> (Outcome, Option<Duration>) {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let answer = http::post(&self.client, &self.endpoint, &self.settings, token).await;
        self.health.report(answer.is_ok());
        let body = match answer {
            Ok(body) => body,
            Err(why) => {
                log::warn!(
                    "auth: token introspection at {} failed: {why}",
                    shown(&self.endpoint)
                );
                return (Err(IntrospectionError::Unavailable(why)), None);
            }
        };
        let now = self.settings.clock.unix();
        let policy = Policy {
            issuers: &self.settings.issuers,
            audiences: &self.settings.audiences,
            leeway: self.settings.leeway,
        };
        match response::judge(&body, now, &policy) {
            Ok(accepted) => {
                let until_exp = accepted
                    .exp
                    .map(|exp| Duration::from_secs(exp.saturating_sub(now)));
                let ttl = until_exp.map_or(self.settings.max_active_ttl, |until_exp| {
                    until_exp.min(self.settings.max_active_ttl)
                });
                let claims =
                    Claims::with_scope_sources(accepted.claims, &self.settings.scope_sources);
                (Ok(claims), Some(ttl))
            }
            Err(error @ IntrospectionError::Malformed(why)) => {
                log::warn!(
                    "auth: the introspection answer from {} is not usable: {why}",
                    shown(&self.endpoint)
                );
                (Err(error), None)
            }
            Err(error @ IntrospectionError::NotYetValid) => (Err(error), None),
            Err(error) => (Err(error), Some(self.settings.inactive_ttl)),
        }
    }
}
