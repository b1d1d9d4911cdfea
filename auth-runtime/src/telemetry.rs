#![doc = include_str!("telemetry.md")]

/// `auth_requests_total{code}`: every authenticated request's outcome, a
/// JSON code of the contract or `ok`.
pub(crate) const REQUESTS: &str = "auth_requests_total";
/// `auth_jwks_fetches_total{result}`: key-set fetches, `ok` or `error`.
pub(crate) const JWKS_FETCHES: &str = "auth_jwks_fetches_total";
/// `auth_jwks_fetch_duration_seconds`: how long each key-set fetch took.
#[cfg(feature = "metrics")]
pub(crate) const JWKS_FETCH_DURATION: &str = "auth_jwks_fetch_duration_seconds";
/// `auth_token_cache_hits_total`: tokens served by the verified-token cache.
pub(crate) const TOKEN_CACHE_HITS: &str = "auth_token_cache_hits_total";
/// `auth_token_cache_misses_total`: tokens that went through a full
/// verification while the cache was on.
pub(crate) const TOKEN_CACHE_MISSES: &str = "auth_token_cache_misses_total";

/// `auth_introspection_calls_total{result}`: calls of the introspection
/// endpoint (cached answers are not calls): `active`, `inactive` (refused
/// tokens: inactive, expired, for another issuer or audience) or `error`
/// (endpoint unavailable, unusable answer).
pub(crate) const INTROSPECTION_CALLS: &str = "auth_introspection_calls_total";
/// `auth_dpop_replays_total`: DPoP proofs refused because their `jti` was
/// seen before.
pub(crate) const DPOP_REPLAYS: &str = "auth_dpop_replays_total";

/// `auth_dependency_up{dependency}`: 1 while a dependency a request may
/// need (`dpop_replay_store`, `introspection_endpoint`) answered its last
/// call or probe, else 0 (also before the first answer).
pub(crate) const DEPENDENCY_UP: &str = "auth_dependency_up";

/// Adds one to the counter `name`, with one label where `label` gives it.
#[inline]
fn count(name: &'static str, label: Option<(&'static str, &'static str)>) {
    Counter::register(name, label).increment();
}

/// One series, registered with the recorder once and then counted into
/// directly: the counters every request touches are held this way
/// (registering looks the series up in the recorder's registry, which
/// costs more than the rest of a cached request's bookkeeping). They are
/// registered when the router is built (at ignition), so the application
/// installs its recorder before that; a handle made with no recorder
/// installed counts nothing, as the facade's own handles do.
#[derive(Clone, Debug)]
pub(crate) struct Counter {
    #[cfg(feature = "metrics")]
    inner: metrics::Counter,
}

impl Counter {
    /// The handle of `name` (with one label where `label` gives it) in the
    /// recorder current now.
    fn register(name: &'static str, label: Option<(&'static str, &'static str)>) -> Counter {
        #[cfg(feature = "metrics")]
        let inner = match label {
            Some((key, value)) => metrics::counter!(name, key => value),
            None => metrics::counter!(name),
        };
        #[cfg(not(feature = "metrics"))]
        let _ = (name, label);
        Counter {
            #[cfg(feature = "metrics")]
            inner,
        }
    }

    /// Adds one.
    #[inline]
    fn increment(&self) {
        #[cfg(feature = "metrics")]
        self.inner.increment(1);
    }
}

/// `auth_requests_total`, one handle per label value (`ok` and every JSON
/// code), all registered at once: a recorder installed too late misses
/// the whole family, never the successes alone.
#[derive(Debug)]
pub(crate) struct RequestCounters {
    by_code: Vec<(&'static str, Counter)>,
}

impl RequestCounters {
    /// Every series of the family, `ok` and each of `codes` once, in the
    /// recorder current now.
    pub(crate) fn register(codes: impl IntoIterator<Item = &'static str>) -> RequestCounters {
        let mut by_code: Vec<(&'static str, Counter)> = Vec::new();
        for code in std::iter::once("ok").chain(codes) {
            if !by_code.iter().any(|(listed, _)| *listed == code) {
                by_code.push((code, Counter::register(REQUESTS, Some(("code", code)))));
            }
        }
        RequestCounters { by_code }
    }

    /// Counts one request's outcome: `ok` or its JSON code.
    #[inline]
    pub(crate) fn count(&self, code: &'static str) {
        match self.by_code.iter().find(|(listed, _)| *listed == code) {
            Some((_, counter)) => counter.increment(),
            None => request(code),
        }
    }
}

/// The verified-token cache's two counters, held by its validator.
#[derive(Clone, Debug)]
pub(crate) struct TokenCacheCounters {
    hits: Counter,
    misses: Counter,
}

impl TokenCacheCounters {
    /// Both handles, in the recorder current now.
    pub(crate) fn register() -> TokenCacheCounters {
        TokenCacheCounters {
            hits: Counter::register(TOKEN_CACHE_HITS, None),
            misses: Counter::register(TOKEN_CACHE_MISSES, None),
        }
    }

    /// Counts a lookup of the verified-token cache.
    #[inline]
    pub(crate) fn lookup(&self, hit: bool) {
        match hit {
            true => self.hits.increment(),
            false => self.misses.increment(),
        }
    }
}

/// Counts one request's outcome with a code [`RequestCounters`] was not
/// given (none: the router gives it every kind of error's).
#[cold]
fn request(code: &'static str) {
    count(REQUESTS, Some(("code", code)));
}

/// Counts one key-set fetch and its duration.
#[inline]
pub(crate) fn jwks_fetch(ok: bool, took: std::time::Duration) {
    count(
        JWKS_FETCHES,
        Some(("result", if ok { "ok" } else { "error" })),
    );
    #[cfg(feature = "metrics")]
    metrics::histogram!(JWKS_FETCH_DURATION).record(took.as_secs_f64());
    #[cfg(not(feature = "metrics"))]
    let _ = took;
}

/// Counts one call of the introspection endpoint.
#[inline]
pub(crate) fn introspection(result: &'static str) {
    count(INTROSPECTION_CALLS, Some(("result", result)));
}

/// Counts a replayed DPoP proof.
#[inline]
pub(crate) fn dpop_replay() {
    count(DPOP_REPLAYS, None);
}

/// Sets the gauge of one dependency's last known state.
#[inline]
pub(crate) fn dependency_up(dependency: &'static str, up: bool) {
    #[cfg(feature = "metrics")]
    metrics::gauge!(DEPENDENCY_UP, "dependency" => dependency).set(if up { 1.0 } else { 0.0 });
    #[cfg(not(feature = "metrics"))]
    let _ = (DEPENDENCY_UP, dependency, up);
}

mod spans;
pub(crate) use spans::Traced;

#[cfg(all(test, feature = "metrics"))]
mod tests;
