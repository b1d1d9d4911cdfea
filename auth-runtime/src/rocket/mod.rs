//! The Rocket layer: the [`Auth`] fairing, the request guards, and how an
//! [`AuthError`] becomes a response (status, headers, body renderers).
//!
//! Everything Rocket-specific lives here; the core below (configuration,
//! keys, validation, claims, scopes, error values) knows nothing of it.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::task::Poll;

use ::rocket::http::{Cookie, Header};
use ::rocket::request::{Outcome, Request};
use ::rocket::{Ignite, Rocket};

mod challenge;
mod fairing;
mod guards;
mod health;
mod metadata;
#[cfg(feature = "okapi")]
mod openapi;
mod parts;
mod response;

pub use fairing::Auth;
pub use guards::{Authorized, ClaimsAs, OptionalClaims};
pub use health::health_routes;
#[cfg(feature = "okapi")]
pub use openapi::openapi_route;
pub use response::{Auth0Json, ErrorBody, ErrorRenderer, OAuthJson, ProblemJson};

use crate::claims::Claims;
use crate::error::AuthError;
use crate::validator::IssuerRouter;

/// What the guards of a request share, and tell the fairing's
/// `on_response`, kept in one request-local value (one allocation per
/// request, not one per flag).
#[derive(Default)]
struct RequestState {
    /// Whether a guard asked for authentication (the request counter).
    attempted: AtomicBool,
    /// Set when the request authenticated with a DPoP proof while server
    /// nonces are on: its answer carries the next nonce (`DPoP-Nonce`).
    nonce_due: AtomicBool,
    /// The first authentication failure.
    rejection: OnceLock<Recorded>,
    /// The outcome of authenticating the request, computed once: later
    /// guards of the request share it.
    authenticated: tokio::sync::OnceCell<Result<Claims, AuthError>>,
}

/// The request's [`RequestState`].
fn state<'r>(request: &'r Request<'_>) -> &'r RequestState {
    request.local_cache(RequestState::default)
}

/// A failure, and what the route it happened on requires.
struct Recorded {
    error: AuthError,
    /// Every scope the route's requirement names, space-separated: a 401
    /// names them in its challenge. `None` on a route that requires none.
    route_scopes: Option<String>,
}

/// Authenticates `request` once; later calls (other guards) share the result.
async fn authenticate<'r>(request: &'r Request<'_>) -> &'r Result<Claims, AuthError> {
    let state = state(request);
    state.attempted.store(true, Ordering::Relaxed);
    state
        .authenticated
        .get_or_init(|| async {
            let Some(router) = request.rocket().state::<IssuerRouter>() else {
                log::error!("auth: {NOT_ATTACHED}");
                return Err(AuthError::JwksUnavailable);
            };
            let parts = parts::request_parts(request, router);
            let mut authorizing =
                std::pin::pin!(router
                    .authorize_request_with(&parts, || parts::tls_client_certificate(request)));
            // A cached token is decided on the first poll. A request that
            // waits (on the key set, on introspection) stops waiting when
            // the server shuts down (503), so that shutdown completes.
            let first = std::future::poll_fn(|cx| Poll::Ready(authorizing.as_mut().poll(cx))).await;
            let result = match first {
                Poll::Ready(result) => result,
                Poll::Pending => tokio::select! {
                    biased;
                    result = &mut authorizing => result,
                    () = request.rocket().shutdown() => Err(AuthError::JwksUnavailable),
                },
            };
            if result.is_ok()
                && parts.scheme(router.dpop_mode().accepts_dpop())
                    == Some(crate::extract::Scheme::Dpop)
            {
                state.nonce_due.store(true, Ordering::Relaxed);
            }
            if let Err(error) = &result {
                log_rejection(request, error);
            }
            result
        })
        .await
}

/// Logs (at debug level) that `request` was refused with `error`, and why.
fn log_rejection(request: &Request<'_>, error: &AuthError) {
    log::debug!(
        "auth: {} {} rejected: {} {} ({})",
        request.method(),
        request.uri().path(),
        error.status(),
        error.code(),
        error.log_reason()
    );
}

/// Fails the guard with `error`, remembering it for the fairing's response.
///
/// How the fairing tells the response the failure led to (a catcher's) from
/// a handler's own: a marker cookie is added to the request's jar. Rocket
/// resets the jar's changes before it calls a catcher, and sends them with a
/// handler's response; [`take_rejection_marker`] finds (and removes) it.
fn reject<T>(request: &Request<'_>, error: AuthError) -> Outcome<T, AuthError> {
    reject_on_route(request, error, &[])
}

/// [`reject`] on a route that requires `scopes`.
fn reject_on_route<T>(
    request: &Request<'_>,
    error: AuthError,
    scopes: &[&str],
) -> Outcome<T, AuthError> {
    let recorded = Recorded {
        error: error.clone(),
        route_scopes: (!scopes.is_empty()).then(|| scopes.join(" ")),
    };
    if state(request).rejection.set(recorded).is_ok() {
        request.cookies().add(Cookie::new(MARKER, "1"));
    }
    Outcome::Error((response::status(&error), error))
}

/// The marker cookie of [`reject`].
const MARKER: &str = "__auth_rejected";

/// Whether `response` carries the rejection marker, i.e. a handler ran after
/// a guard failed (then its response is the handler's own); the marker is
/// removed from the response either way.
fn take_rejection_marker(response: &mut ::rocket::Response<'_>) -> bool {
    let is_marker = |value: &str| {
        value
            .split_once('=')
            .is_some_and(|(name, _)| name.trim() == MARKER)
    };
    let cookies: Vec<String> = response
        .headers()
        .get("Set-Cookie")
        .map(str::to_owned)
        .collect();
    if !cookies.iter().any(|value| is_marker(value)) {
        return false;
    }
    response.remove_header("Set-Cookie");
    for value in cookies.into_iter().filter(|value| !is_marker(value)) {
        response.adjoin_header(Header::new("Set-Cookie", value));
    }
    true
}

const NOT_ATTACHED: &str = "a route needs authentication but the auth fairing is not attached: \
     add `.attach(auth_runtime::Auth::from_env())` (or `Auth::new(config)`) to your Rocket";

/// The sentinels' test: true (abort the launch) without the fairing's state.
fn abort_unless_attached(rocket: &Rocket<Ignite>) -> bool {
    if rocket.state::<IssuerRouter>().is_some() {
        return false;
    }
    log::error!("auth: {NOT_ATTACHED}");
    true
}
