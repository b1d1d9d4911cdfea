//! Every tuning setting, declared once: its `[auth]` key (which is also its
//! builder method), type, default (and how the docs show it), builder
//! argument, bound, environment variable and doc. From this table follow
//! the [`Tuning`] struct and its `Default`, [`defaults`], the builder
//! methods with their docs, the bound checks of `build`, the readers of the
//! `[auth]` table and of the environment, and [`SETTINGS`], against which a
//! test checks settings.md.
//!
//! A declaration reads:
//!
//! ```text
//! /// One doc line (more may follow).
//! key: Type = default expression, "the default as shown";
//!     fn(argument: ArgumentType) expression giving a Type;
//!     check |value| condition on &Type, "what the condition allows";   (optional)
//!     env "AUTH_VARIABLE";                                             (optional)
//! ```
//!
//! A test checks that each "default as shown" is what the default
//! expression shows. Checks that involve two settings (or the issuer, the
//! keys, a secret) are in `build` (config/builder.rs, config/dpop.rs).

use std::time::Duration;

use super::{Algorithm, AuthConfigBuilder, ClientAuth, ClientSecret, ConfigError, DpopMode};
use crate::claims::ScopeSource;

/// The longest leeway accepted: beyond it, tokens that expired long ago
/// would pass (and jsonwebtoken's `now - leeway` would underflow).
pub(crate) const MAX_LEEWAY: Duration = Duration::from_secs(3600);
/// The longest fetch timeout accepted.
pub(crate) const MAX_FETCH_TIMEOUT: Duration = Duration::from_secs(300);
/// The longest any other duration setting may be (TTL, cooldown, retry
/// interval, staleness cap, cache age): longer values would only overflow
/// a clock.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(400 * 24 * 3600);
/// The longest DPoP time window (a proof's age or lead, a nonce's life):
/// longer windows keep replay records for days and make nonces worthless.
pub(crate) const MAX_DPOP_WINDOW: Duration = Duration::from_secs(3600);
/// The longest maximum token age accepted: a week.
pub(crate) const MAX_MAX_TOKEN_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

const fn secs(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
}

settings! {
    /// The `realm` of `WWW-Authenticate` challenges.
    realm: String = "api".to_owned(), "`api`";
        fn(realm: impl Into<String>) realm.into();

    /// The asymmetric algorithms accepted. HMAC algorithms are refused by
    /// `build`: a key set holds public keys, and a public key must never
    /// serve as an HMAC secret (a shared secret brings its own, see
    /// `shared_secret`).
    algorithms: Vec<Algorithm> = vec![
        Algorithm::RS256, Algorithm::RS384, Algorithm::RS512,
        Algorithm::PS256, Algorithm::PS384, Algorithm::PS512,
        Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA,
    ], "RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA";
        fn(algorithms: impl IntoIterator<Item = Algorithm>) algorithms.into_iter().collect();
        check |list| !list.is_empty(), "a list of at least one algorithm";

    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    leeway: Duration = secs(60), "60 s";
        fn(leeway: Duration) leeway;
        check |d| *d <= MAX_LEEWAY, "at most 3600 s";

    /// How long a fetched key set is used before it is stale: it answers at
    /// once while a background refresh runs.
    jwks_ttl: Duration = secs(600), "600 s";
        fn(ttl: Duration) ttl;
        check |d| *d <= MAX_DURATION, "at most 400 days";

    /// The least time between two refreshes caused by unknown `kid`s, and
    /// between two refreshes of a stale set.
    refresh_cooldown: Duration = secs(30), "30 s";
        fn(cooldown: Duration) cooldown;
        check |d| !d.is_zero() && *d <= MAX_DURATION, "above zero (it bounds the fetches that unknown kids can cause), at most 400 days";

    /// The least time between a failed fetch of an empty cache and the next
    /// try; meanwhile requests get 503 at once, whose `Retry-After` says
    /// this interval.
    retry_interval: Duration = secs(5), "5 s";
        fn(interval: Duration) interval;
        check |d| *d <= MAX_DURATION, "at most 400 days";

    /// The longest a fetch (discovery and key set together) may take; no
    /// request waits longer on keys.
    fetch_timeout: Duration = secs(5), "5 s";
        fn(timeout: Duration) timeout;
        check |d| !d.is_zero() && *d <= MAX_FETCH_TIMEOUT, "above zero, at most 300 s";

    /// The largest key-set (or discovery) response read, in bytes.
    max_jwks_bytes: usize = 1024 * 1024, "1048576";
        fn(bytes: usize) bytes;
        check |n| *n > 0, "above zero";

    /// The largest token accepted, in bytes, checked before any decoding.
    max_token_bytes: usize = 16 * 1024, "16384";
        fn(bytes: usize) bytes;
        check |n| *n > 0, "above zero";

    /// RFC 9068 strict mode: the token header's `typ` must be `at+jwt` (or
    /// `application/at+jwt`), so that an ID token or any other JWT of the
    /// issuer is never taken for an access token. Off suits Auth0, whose
    /// access tokens carry `typ: JWT`.
    require_access_token_type: bool = false, "off";
        fn(required: bool) required;

    /// How many verified tokens are remembered, so that a token seen again
    /// skips signature verification; `0` turns the cache off. Entries hold
    /// the whole token (a hit is the same token, byte for byte), never outlive the token's
    /// `exp` nor `token_cache_max_age`, and are dropped when the key that
    /// verified them leaves the key set; scopes are still checked on every
    /// request, and failures are never remembered.
    token_cache_capacity: usize = 10_000, "10000";
        fn(entries: usize) entries;

    /// The longest a verified token is remembered.
    token_cache_max_age: Duration = secs(300), "300 s";
        fn(max_age: Duration) max_age;
        check |d| *d <= MAX_DURATION, "at most 400 days";

    /// Tokens larger than this, in bytes, are verified every time, never
    /// remembered.
    token_cache_max_token_bytes: usize = 4 * 1024, "4096";
        fn(bytes: usize) bytes;

    /// The greatest age of a token, from its `iat`: when set, `iat` is
    /// required and a token issued longer ago (plus the leeway) is refused
    /// with 401 `invalid_claims`.
    max_token_age: Option<Duration> = None, "none";
        fn(age: Duration) Some(age);
        check |age| age.is_none_or(|d| !d.is_zero() && d <= MAX_MAX_TOKEN_AGE), "above zero, at most a week (604800 s)";
        env "AUTH_MAX_TOKEN_AGE";

    /// The claims that carry scopes, for `requires_scope` and
    /// `Claims::scopes`.
    scope_claims: Vec<ScopeSource> = ScopeSource::ALL.to_vec(), "scope, scp, permissions";
        fn(sources: impl IntoIterator<Item = ScopeSource>) sources.into_iter().collect();
        check |list| !list.is_empty(), "a list of at least one of scope, scp and permissions";

    /// The fraction of the key set's TTL after which the next request
    /// starts a background refresh (refresh ahead); `1.0` waits for the TTL
    /// itself. No request waits for it: a stale set serves while the refresh
    /// runs (stale-while-revalidate).
    refresh_ahead: f64 = 0.8, "0.8";
        fn(fraction: f64) fraction;
        check |f| *f > 0.0 && *f <= 1.0, "a fraction of jwks_ttl above 0, at most 1";

    /// The longest time keys are served after their last successful fetch
    /// while refreshes fail; past it, requests get 503 `jwks_unavailable`
    /// until a fetch succeeds. At least the `jwks_ttl`. 24 hours is long
    /// enough to ride out an identity provider's outage of a night or a
    /// working day without refusing a single valid token, and short enough
    /// that an instance cut off from its issuer (or kept from it by an
    /// attacker, to keep a revoked key alive) stops trusting old keys
    /// within a day, which is also the lifetime of Auth0's access tokens by
    /// default: past it, tokens signed before the last successful fetch
    /// have mostly expired anyway.
    max_stale: Duration = secs(24 * 3600), "86400 s";
        fn(max_stale: Duration) max_stale;
        check |d| *d <= MAX_DURATION, "at most 400 days";

    /// Fetches the key set at launch, so that the first request does not
    /// wait for it: the `Auth` fairing does it at liftoff, waiting at most
    /// the `fetch_timeout`; a failure is logged and launch goes on.
    warm_up: bool = false, "off";
        fn(warm_up: bool) warm_up;

    /// How the `DPoP` scheme of RFC 9449 is treated: `disabled`, `allowed`
    /// (`DPoP` with a proof for bound tokens, `Bearer` for the others) or
    /// `required`.
    dpop: DpopMode = DpopMode::Allowed, "allowed";
        fn(mode: DpopMode) mode;
        env "AUTH_DPOP";

    /// The API's external base URL, as clients call it behind a proxy:
    /// scheme, host, optional port and optional path prefix (the part of the
    /// path the proxy strips), e.g. `https://api.example.com`. A request's
    /// URL (for DPoP's `htu`) is this URL followed by the request's path,
    /// and the metadata's `resource` is this URL. Unset, the scheme and
    /// `Host` of each request make it.
    public_url: Option<String> = None, "none";
        fn(url: impl Into<String>) Some(url.into());
        env "AUTH_PUBLIC_URL";

    /// Server nonces (RFC 9449 section 8): a DPoP proof must carry a
    /// current `nonce`, else the answer is 401 `use_dpop_nonce` with a
    /// fresh `DPoP-Nonce` header.
    dpop_nonce: bool = false, "off";
        fn(on: bool) on;
        env "AUTH_DPOP_NONCE";

    /// How long a server nonce stays valid.
    dpop_nonce_window: Duration = secs(300), "300 s";
        fn(window: Duration) window;
        check |d| d.as_secs() >= 1 && *d <= MAX_DPOP_WINDOW, "at least 1 s, at most 3600 s";

    /// The algorithms a DPoP proof may be signed with; asymmetric ones only.
    dpop_algorithms: Vec<Algorithm> = vec![
        Algorithm::ES256, Algorithm::ES384, Algorithm::PS256, Algorithm::RS256, Algorithm::EdDSA,
    ], "ES256, ES384, PS256, RS256, EdDSA";
        fn(algorithms: impl IntoIterator<Item = Algorithm>) algorithms.into_iter().collect();
        check |list| !list.is_empty() && list.iter().all(|alg| crate::dpop::is_asymmetric(*alg)), "a list of at least one algorithm, asymmetric ones only";

    /// How old a proof's `iat` may be.
    dpop_proof_max_age: Duration = secs(300), "300 s";
        fn(max_age: Duration) max_age;
        check |d| d.as_secs() >= 1 && *d <= MAX_DPOP_WINDOW, "at least 1 s, at most 3600 s";

    /// How far ahead of this server's clock a proof's `iat` may be.
    dpop_proof_max_ahead: Duration = secs(30), "30 s";
        fn(max_ahead: Duration) max_ahead;
        check |d| *d <= MAX_DPOP_WINDOW, "at most 3600 s";

    /// The bound of the in-memory replay cache, in proofs (when no shared
    /// store is configured). An entry costs about 50 bytes, so the default
    /// stays under about 13 MiB; at the default proof window an entry lives
    /// at most 331 s, so it sustains about 600 fresh proofs per second,
    /// above which DPoP requests get the 503 until entries expire (use a
    /// shared store, or a larger bound, for more).
    dpop_replay_capacity: usize = 200_000, "200000";
        fn(proofs: usize) proofs;

    /// The longest one replay-store call may take before the store counts
    /// as unreachable (503).
    dpop_replay_timeout: Duration = secs(1), "1 s";
        fn(timeout: Duration) timeout;
        check |d| !d.is_zero(), "above zero";

    /// Serves the RFC 9728 protected-resource metadata at
    /// `/.well-known/oauth-protected-resource` (under the fairing), and
    /// names it in every 401 challenge (`resource_metadata`), so that a
    /// client finds the authorization server by itself.
    resource_metadata: bool = false, "off";
        fn(on: bool) on;

    /// The scopes the metadata document lists (`scopes_supported`); none
    /// leaves the member out.
    scopes_supported: Vec<String> = Vec::new(), "none";
        fn(scopes: impl IntoIterator<Item = impl Into<String>>) scopes.into_iter().map(Into::into).collect();
        check |list| list.iter().all(|scope| super::dpop::is_scope_token(scope)), "scope tokens: printable ASCII without space, quote or backslash";

    /// The request header in which a TLS-terminating proxy forwards the
    /// client certificate, as RFC 9440's `Client-Cert` (a structured-field
    /// byte sequence, `:<base64 DER>:`): a token whose `cnf` carries
    /// `x5t#S256` is accepted only with the certificate of that thumbprint
    /// in it. Read only when configured, and only for bound tokens; when
    /// configured it is the only source (a certificate on the connection is
    /// then the proxy's), and without it, with the `mtls` feature, the
    /// certificate Rocket's mutual TLS verified is. None: no header is ever
    /// read for a certificate (any client could send one).
    client_cert_header: Option<String> = None, "none";
        fn(name: impl Into<String>) Some(name.into());
        check |name| name.as_deref().is_none_or(super::certbound::is_header_name), "an HTTP header name, such as Client-Cert";
        env "AUTH_CLIENT_CERT_HEADER";

    /// The RFC 7662 introspection endpoint (`https`, or `http` on a loopback
    /// host): a token within the size limit that does not parse as a compact
    /// JWS is sent to it, with the credentials of `client_id` and
    /// `client_secret`. None: such a token is `invalid_header`.
    introspection_url: Option<String> = None, "none";
        fn(url: impl Into<String>) Some(url.into());
        env "AUTH_INTROSPECTION_URL";

    /// Takes the introspection endpoint from the issuer's metadata
    /// (`introspection_endpoint`: RFC 8414 first, then OpenID Connect
    /// discovery) when no `introspection_url` is set. The documents are read
    /// once, when the fairing ignites; a document counts only for its own
    /// issuer, and an endpoint that is neither `https` nor `http` on loopback
    /// is refused. When none is found, ignition fails saying why.
    introspection_discovery: bool = false, "off";
        fn(on: bool) on;
        env "AUTH_INTROSPECTION";

    /// The API's client id at the introspection endpoint.
    client_id: Option<String> = None, "none";
        fn(id: impl Into<String>) Some(id.into());
        env "AUTH_CLIENT_ID";

    /// The API's client secret at the introspection endpoint, its bytes as
    /// given. Never printed.
    client_secret: Option<ClientSecret> = None, "none";
        fn(secret: impl Into<String>) Some(ClientSecret::new(secret));
        env "AUTH_CLIENT_SECRET";

    /// How the API's credentials travel to the introspection endpoint:
    /// `basic` (HTTP Basic) or `form` (`client_id` and `client_secret` in
    /// the form body).
    client_auth: ClientAuth = ClientAuth::Basic, "basic";
        fn(auth: ClientAuth) auth;
        env "AUTH_CLIENT_AUTH";

    /// Introspects JWTs too, after every local check, for APIs that must see
    /// revocations: a token the endpoint calls inactive is refused (401
    /// `invalid_token`), and the endpoint being unavailable is a 503 for
    /// JWTs as well (fail closed). Needs the endpoint and the API's
    /// credentials in this same configuration.
    introspect_jwts: bool = false, "off";
        fn(on: bool) on;
        env "AUTH_INTROSPECT_JWTS";

    /// The longest an active introspection answer is cached (never past its
    /// `exp`).
    introspection_max_active_ttl: Duration = secs(60), "60 s";
        fn(ttl: Duration) ttl;
        check |d| *d <= MAX_DURATION, "at most 400 days";

    /// How long a refused introspection answer (inactive, wrong issuer or
    /// audience, expired) is cached.
    introspection_inactive_ttl: Duration = secs(10), "10 s";
        fn(ttl: Duration) ttl;
        check |d| *d <= MAX_DURATION, "at most 400 days";

    /// The most introspection answers cached.
    introspection_cache_capacity: usize = 10_000, "10000";
        fn(entries: usize) entries;

    /// The largest introspection answer read, in bytes.
    max_introspection_bytes: usize = 64 * 1024, "65536";
        fn(bytes: usize) bytes;
        check |n| *n > 0, "above zero";
}

#[cfg(test)]
mod tests;
