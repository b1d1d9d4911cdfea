#![doc = include_str!("telemetry.md")]

/// `auth_requests_total{code}`: every authenticated request's outcome, a
/// JSON code of the contract or `ok`.
pub const REQUESTS: &str = "auth_requests_total";
/// `auth_jwks_fetches_total{result}`: key-set fetches, `ok` or `error`.
pub const JWKS_FETCHES: &str = "auth_jwks_fetches_total";
/// `auth_jwks_fetch_duration_seconds`: how long each key-set fetch took.
pub const JWKS_FETCH_DURATION: &str = "auth_jwks_fetch_duration_seconds";
/// `auth_token_cache_hits_total`: tokens served by the verified-token cache.
pub const TOKEN_CACHE_HITS: &str = "auth_token_cache_hits_total";
/// `auth_token_cache_misses_total`: tokens that went through a full
/// verification while the cache was on.
pub const TOKEN_CACHE_MISSES: &str = "auth_token_cache_misses_total";

/// `auth_introspection_calls_total{result}`: calls of the introspection
/// endpoint (cached answers are not calls): `active`, `inactive` (refused
/// tokens: inactive, expired, for another issuer or audience) or `error`
/// (endpoint unavailable, unusable answer).
pub const INTROSPECTION_CALLS: &str = "auth_introspection_calls_total";
/// `auth_dpop_replays_total`: DPoP proofs refused because their `jti` was
/// seen before.
pub const DPOP_REPLAYS: &str = "auth_dpop_replays_total";

/// Adds one to the counter `name`, with one label where `label` gives it.
#[inline]
fn count(name: &'static str, label: Option<(&'static str, &'static str)>) {
    #[cfg(feature = "metrics")]
    match label {
        Some((key, value)) => metrics::counter!(name, key => value).increment(1),
        None => metrics::counter!(name).increment(1),
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (name, label);
}

/// Counts one request's outcome.
#[inline]
pub(crate) fn request(code: &'static str) {
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

/// Counts a lookup of the verified-token cache.
#[inline]
pub(crate) fn token_cache(hit: bool) {
    count(
        if hit {
            TOKEN_CACHE_HITS
        } else {
            TOKEN_CACHE_MISSES
        },
        None,
    );
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
