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
//! * [`Auth`] is the fairing to attach; it manages a [`Validator`].
//! * [`Claims`] is the request guard giving the verified claims;
//!   [`RequireScopes`] also demands scopes (403 without them).
//! * Authentication runs once per request, however many guards ask, and a
//!   failing request never reaches later guards, so a request body is not
//!   read for an unauthenticated caller.
//! * Keys are fetched lazily, cached, refreshed after a TTL, refetched at
//!   most once per cooldown for an unknown `kid`, and fetched by one request
//!   at a time: see [`AuthConfig`] for every limit.
//!
//! [Rocket]: https://rocket.rs
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod claims;
mod config;
mod error;
mod extract;
mod guard;
mod jwks;
mod validator;

pub use claims::Claims;
pub use config::{AuthConfig, AuthConfigBuilder, ConfigError, JwksSource, DEFAULT_ALGORITHMS};
pub use error::AuthError;
pub use extract::extract_bearer;
pub use guard::{Auth, RequireScopes, ScopeRequirement};
pub use jsonwebtoken::Algorithm;
pub use validator::Validator;

#[cfg(feature = "testing")]
pub mod testing;
