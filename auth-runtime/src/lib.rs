//! Auth0-style bearer-token authentication for [Rocket] 0.5.
//!
//! Protects Rocket handlers the way Auth0's Python quickstarts protect Flask
//! handlers with `@requires_auth` and `requires_scope`: the `Authorization:
//! Bearer` token is validated against the issuer's JSON Web Key Set, and a
//! failure is answered with the quickstart's JSON error
//! (`{"code": "...", "description": "..."}`) and an RFC 6750
//! `WWW-Authenticate` header.
//!
//! ```no_run
//! # #[macro_use] extern crate rocket;
//! use auth_runtime::{Auth, Claims};
//!
//! // Taking `Claims` protects the route: no valid token, no call.
//! #[get("/api/private")]
//! fn private(user: Claims) -> String {
//!     format!("Hello {}", user.sub().unwrap_or("stranger"))
//! }
//!
//! #[launch]
//! fn rocket() -> _ {
//!     // Reads AUTH0_DOMAIN (or AUTH_ISSUER) and AUTH0_AUDIENCE.
//!     rocket::build().attach(Auth::from_env()).mount("/", routes![private])
//! }
//! ```
//!
//! * [`Auth`] is the fairing to attach; it manages one
//!   [`Validator`](validator::Validator) per issuer.
//! * [`Claims`] is the request guard giving the verified claims;
//!   [`Authorized`] also demands scopes (403 without them).
//! * Authentication runs once per request, however many guards ask, and a
//!   failing request never reaches later guards, so a request body is not
//!   read for an unauthenticated caller.
//! * Keys are fetched lazily (or at launch, with warm-up), cached, and
//!   refreshed in the background ahead of their TTL, so that a stale set
//!   answers at once; one fetch runs at a time, in a task of its own. Only a
//!   cold cache or an unknown `kid` (at most once per cooldown) waits, at
//!   most one fetch timeout; keys serve at most `max_stale` while refreshes
//!   fail, and a set with no usable key replaces them: see [`AuthConfig`]
//!   for every limit.
//!
//! # Cargo features
//!
//! | feature | adds |
//! |---|---|
//! | (none, the default) | everything above: the attributes, the guards, the fairing, the core |
//! | `testing` | the `testing` module: a loopback development issuer, signing keys, a token builder, DPoP keys and proofs, an introspection endpoint and client certificates, for tests |
//! | `metrics` | the counters and histogram named in [`telemetry`], through the `metrics` facade (the application installs the exporter) |
//! | `redis` | a DPoP replay store on Redis, shared by several instances (`AUTH_DPOP_REPLAY_REDIS`) |
//! | `tracing` | the spans named in [`telemetry`] through the `tracing` facade: `auth.authenticate`, `auth.jwks_fetch`, `auth.introspection` (the application installs the subscriber) |
//! | `mtls` | RFC 8705 certificate-bound tokens on Rocket's own mutual TLS (`tls.mutual`; enables `rocket/mtls`): the client certificate Rocket's TLS listener verified, where no `Client-Cert` header is configured |
//! | `okapi` | `rocket_okapi` 0.9 documents each `#[openapi]` route's security from its guards, served by `rocket::openapi_route` with the issuers' OpenID Connect schemes (holds Rocket at `=0.5.1`, rocket_okapi's pin) |
//! | `fuzzing` | entry points for the `fuzz/` targets; not public API |
//!
//! # Architecture
//!
//! A framework-free core, and one Rocket layer that calls into it. Every
//! concern, in the order a request meets it, and its file (under `src/`):
//!
//! | what | where |
//! |---|---|
//! | settings: declared once, their defaults, bounds and sources (environment, `[auth]`) | `config/` |
//! | the `Authorization` header is read | `extract.rs` |
//! | a token's header is parsed, before any key is chosen | `validator/jws.rs` |
//! | a token is verified (key, signature, claims) | `validator/mod.rs`, the claims in `validator/claims_check.rs` |
//! | verified tokens are remembered | `validator/token_cache.rs` |
//! | several issuers: the token's `iss` picks its validator; readiness | `validator/router.rs` |
//! | a request is authenticated: scheme, token, then the sender constraint | `validator/request.rs`, `validator/sender.rs` |
//! | keys are fetched, cached and refreshed | `jwks/mod.rs` (its decisions in `jwks/policy.rs`, its status in `jwks/status.rs`, HTTP in `jwks/fetch.rs` and `jwks/fetch/`, key sets in `jwks/parse.rs`) |
//! | opaque tokens (RFC 7662 introspection) | `introspection/` |
//! | DPoP proofs, replay stores, server nonces (RFC 9449) | `dpop/` |
//! | a token bound to a client certificate (RFC 8705) | `certbound.rs` (the certificate gathered in `rocket/parts.rs`) |
//! | the route's decision: step-up, then claim checks, then scopes | `requirement.rs` (the scope algebra in `scope.rs`; scopes are read from the claims in `claims.rs`) |
//! | this API's public URL and its RFC 9728 metadata | `metadata.rs` (its route in `rocket/metadata.rs`) |
//! | errors, as values | `error.rs` |
//! | the time every rule reads | `clock.rs` |
//! | the one crypto backend | `crypto.rs` |
//! | metrics and log lines | `telemetry.rs` (the table in `telemetry.md`) |
//! | the fairing, the guards, challenges, responses, health routes | `rocket/` |
//! | test helpers (feature `testing`) | `testing/` |
//! | what the macros emit | `auth-macros/src/expand.rs` (its paths in `exports.rs`) |
//!
//! Unit tests live beside their subject, as `mod tests;` in a file of
//! their own at Rust's default path (`claims.rs` → `claims/tests.rs`).
//!
//! [Rocket]: https://rocket.rs
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]
// docs.rs builds with every feature and marks what each one adds.
#![cfg_attr(docsrs, feature(doc_cfg))]
// Nothing reachable from a request may panic: CI denies these warnings.
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

mod certbound;
mod claims;
pub mod clock;
pub mod config;
mod crypto;
pub mod dpop;
mod error;
mod extract;
mod introspection;
mod jwks;
mod metadata;
mod readiness;
pub mod requirement;
pub mod rocket;
mod scope;
pub mod telemetry;
pub mod validator;

pub use crate::claims::Claims;
pub use crate::config::AuthConfig;
pub use crate::error::AuthError;
pub use crate::rocket::{Auth, Authorized, ClaimsAs, OptionalClaims};

/// Requires a valid bearer token for a Rocket route.
///
/// Place it **above** the route attribute. The handler is called only for a
/// request whose `Authorization: Bearer` token is valid (signature, issuer,
/// audience, times); any other request gets the contract's 401 (or 503 when
/// the key set cannot be had), before any other guard runs and before the
/// body is read.
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use auth_runtime::{requires_auth, Claims};
///
/// #[requires_auth]
/// #[get("/api/private")]
/// fn private() -> &'static str {
///     "Hello from a private endpoint!"
/// }
///
/// // The claims are there for the asking, validated once per request.
/// #[requires_auth]
/// #[get("/api/me")]
/// fn me(user: Claims) -> String {
///     user.sub().unwrap_or_default().to_owned()
/// }
/// ```
///
/// It is the same as taking [`Claims`] as the first parameter:
///
/// ```
/// # #[macro_use] extern crate rocket;
/// # use auth_runtime::Claims;
/// #[get("/api/private")]
/// fn private(_user: Claims) -> &'static str {
///     "Hello from a private endpoint!"
/// }
/// ```
///
/// Grammar: `#[requires_auth]`, or `#[requires_auth(option, ...)]` with the
/// options of [`requires_scope`] (step-up and claim checks; no scopes). The
/// application must attach the [`Auth`] fairing; a forgotten one stops the
/// launch.
///
/// A route may demand a recent login with a second factor (RFC 9470
/// step-up authentication): a token without one of the `acr_values`, or
/// whose `auth_time` is older than `max_age` seconds (plus the leeway), gets
/// 401 `insufficient_user_authentication` with a challenge naming
/// `acr_values` and `max_age`, which tells the client to have the user log
/// in again (with Auth0: the `acr_values` parameter of the authorization
/// request). It is checked before claim checks and scopes.
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use auth_runtime::requires_auth;
///
/// #[requires_auth(
///     acr_values = ["http://schemas.openid.net/pape/policies/2007/06/multi-factor"],
///     max_age = 300
/// )]
/// #[get("/api/private-step-up")]
/// fn private_step_up() -> &'static str {
///     "a recent multi-factor login"
/// }
/// ```
///
/// It is the same as taking a [`Authorized`] guard whose requirement says so:
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use auth_runtime::requirement::{RouteRequirement, StepUp};
/// use auth_runtime::Authorized;
///
/// struct RecentMfa;
/// impl RouteRequirement for RecentMfa {
///     const STEP_UP: StepUp = StepUp {
///         acr_values: &["http://schemas.openid.net/pape/policies/2007/06/multi-factor"],
///         max_age: Some(300),
///     };
/// }
///
/// #[get("/api/private-step-up")]
/// fn private_step_up(_auth: Authorized<RecentMfa>) -> &'static str {
///     "a recent multi-factor login"
/// }
/// ```
///
/// Rocket matches a route's `format = "..."` against the request before any
/// guard runs: a request whose `Content-Type` (or `Accept`) does not match
/// gets Rocket's 404 without being authenticated. Leave `format` out of a
/// protected route when every caller without a token must get the 401
/// (Rocket's `Json` data guard reads JSON whatever the `Content-Type`).
///
/// Placed below the route attribute it cannot add its guard, and says so:
///
/// ```compile_fail
/// # #[macro_use] extern crate rocket;
/// # use auth_runtime::requires_auth;
/// #[get("/api/private")]
/// #[requires_auth] // error: must be placed above a Rocket route attribute
/// fn private() -> &'static str { "no" }
/// ```
pub use auth_macros::requires_auth;

/// Requires a valid bearer token that grants every listed scope.
///
/// Place it **above** the route attribute. An invalid token gets the
/// contract's 401 (never a 403); a valid one without all of the scopes
/// gets 403 `Unauthorized` with `WWW-Authenticate: Bearer ...,
/// error="insufficient_scope", scope="..."`. Scopes are read from the
/// verified `scope`, `scp` and `permissions` claims and match whole words.
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use auth_runtime::{requires_scope, Claims};
/// use rocket::serde::json::Json;
///
/// #[requires_scope("read:messages")]
/// #[get("/api/private-scoped")]
/// fn private_scoped() -> &'static str {
///     "Hello from a private endpoint with read:messages!"
/// }
///
/// #[derive(serde::Deserialize)]
/// struct NewMessage { text: String }
///
/// // Both of them (a list means all); the data guard runs only after the
/// // scopes were checked.
/// #[requires_scope(all("write:messages", "admin"))]
/// #[post("/api/messages", data = "<message>")]
/// async fn create(message: Json<NewMessage>, user: Claims) -> String {
///     format!("{} wrote {}", user.sub().unwrap_or("?"), message.text)
/// }
/// ```
///
/// It is the same as taking a [`Authorized`] guard first:
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use auth_runtime::requirement::RouteRequirement;
/// use auth_runtime::requirement::ScopeExpr;
/// use auth_runtime::Authorized;
///
/// struct ReadMessages;
/// impl RouteRequirement for ReadMessages {
///     const SCOPES: ScopeExpr = ScopeExpr::Scope("read:messages");
/// }
///
/// #[get("/api/private-scoped")]
/// fn private_scoped(_auth: Authorized<ReadMessages>) -> &'static str {
///     "Hello from a private endpoint with read:messages!"
/// }
/// ```
///
/// Grammar:
///
/// ```text
/// #[requires_scope(item (, item)* (, option)* ,?)]   the items are all required
/// item   := "scope" | any(item (, item)*) | all(item (, item)*)
/// option := acr_values = "acr" | acr_values = ["acr" (, "acr")*]
///         | max_age = <seconds>
///         | claim_equals("claim", value) | claim_includes("claim", value)
/// value  := "string" | integer | true | false
/// ```
///
/// so `#[requires_scope(any("read:messages", "read:all"))]` takes either
/// scope, and `#[requires_scope(any(all("a", "b"), "admin"))]` nests. A 403
/// names in `scope="..."` a smallest set of scopes that would have sufficed;
/// every 401 of the route names in `scope="..."` every scope the expression
/// mentions, so that a client (an MCP client, say) asks for them all when it
/// gets a new token.
///
/// `claim_equals("https://example.com/org", "acme")` demands that a claim
/// equal a value; `claim_includes("roles", "admin")` that a claim (an array,
/// or a space-separated string) include one; a token that fails one gets
/// 403. `acr_values` and `max_age` are the step-up requirement described
/// under [`requires_auth`]. Each option is given at most once; acr values
/// are non-empty and hold no space; `max_age` is a positive whole number.
/// Each scope is a non-empty string of RFC 6749 scope-token characters
/// (printable ASCII but space, `"` and `\\`), listed once per list;
/// anything else, an empty `any()`/`all()`, or another function name is a
/// compile error at the offending token:
///
/// ```compile_fail
/// # #[macro_use] extern crate rocket;
/// # use auth_runtime::requires_scope;
/// #[requires_scope("read messages")] // error: ' ' is not allowed in a scope
/// #[get("/api/private-scoped")]
/// fn private_scoped() -> &'static str { "no" }
/// ```
pub use auth_macros::requires_scope;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

/// What the code generated by the attributes names. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::claims::Claims;
    pub use crate::requirement::{
        ClaimCheck, ClaimCheckKind, ClaimValue, RouteRequirement, StepUp,
    };
    pub use crate::rocket::Authorized;
    pub use crate::scope::ScopeExpr;
}

/// The README's examples, compiled (and run) as doctests so that they cannot
/// rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// Entry points for the fuzz targets in `fuzz/` (cargo feature `fuzzing`).
/// Not public API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
/// The fuzz targets' name for [`fuzzing`]. Not public API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub use fuzzing as __fuzz;
