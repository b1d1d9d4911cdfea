//! The request guards: [`Claims`], [`OptionalClaims`], [`ClaimsAs`] and
//! [`Authorized`], each with the sentinel that stops a launch without the
//! fairing.

use std::marker::PhantomData;
use std::sync::Arc;

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use super::{abort_unless_attached, authenticate, log_rejection, reject, reject_on_route};
use crate::claims::Claims;
use crate::error::AuthError;
use crate::requirement::{self, RouteRequirement};
use crate::validator::IssuerRouter;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Claims {
    type Error = AuthError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, AuthError> {
        match authenticate(request).await {
            Ok(claims) => Outcome::Success(claims.clone()),
            Err(error) => reject(request, error.clone()),
        }
    }
}

impl Sentinel for Claims {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        abort_unless_attached(rocket)
    }
}

/// A request guard for routes that serve anonymous and signed-in callers.
///
/// No `Authorization` header (or an empty one): `OptionalClaims(None)`, and
/// the handler serves the anonymous caller. A header with a token that is
/// not valid is still refused with the contract's 401 (or 503): a bad token
/// never silently downgrades to anonymous.
///
/// Use it rather than `Option<Claims>`: Rocket turns any failing guard
/// inside an `Option` into `None`, which would let a forged or expired
/// token through as "anonymous".
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use auth_runtime::OptionalClaims;
///
/// #[get("/api/greeting")]
/// fn greeting(user: OptionalClaims) -> String {
///     match user.0 {
///         Some(claims) => format!("Hello {}", claims.sub().unwrap_or("?")),
///         None => "Hello stranger".to_owned(),
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct OptionalClaims(pub Option<Claims>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for OptionalClaims {
    type Error = AuthError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, AuthError> {
        let anonymous = request
            .headers()
            .get("Authorization")
            .all(|value| value.trim().is_empty());
        if anonymous {
            return Outcome::Success(OptionalClaims(None));
        }
        match authenticate(request).await {
            Ok(claims) => Outcome::Success(OptionalClaims(Some(claims.clone()))),
            Err(error) => reject(request, error.clone()),
        }
    }
}

impl Sentinel for OptionalClaims {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        abort_unless_attached(rocket)
    }
}

/// A request guard giving the verified payload as your own type, read once
/// per request.
///
/// A valid token whose payload does not fit `T` is refused with 401
/// `invalid_claims`, never a 500.
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use auth_runtime::ClaimsAs;
///
/// #[derive(serde::Deserialize)]
/// struct MyClaims {
///     sub: String,
///     #[serde(default)]
///     permissions: Vec<String>,
/// }
///
/// #[get("/api/me")]
/// fn me(user: ClaimsAs<MyClaims>) -> String {
///     format!("{} may {:?}", user.sub, user.permissions)
/// }
/// ```
pub struct ClaimsAs<T> {
    typed: Arc<T>,
    claims: Claims,
}

impl<T> ClaimsAs<T> {
    /// The untyped claims, for anything `T` does not hold.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }
}

impl<T> std::ops::Deref for ClaimsAs<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.typed
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for ClaimsAs<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ClaimsAs").field(&self.typed).finish()
    }
}

/// `T` read from the payload, once per request and type.
struct Typed<T>(Result<Arc<T>, AuthError>);

#[rocket::async_trait]
impl<'r, T> FromRequest<'r> for ClaimsAs<T>
where
    T: serde::de::DeserializeOwned + Send + Sync + 'static,
{
    type Error = AuthError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, AuthError> {
        let claims = match authenticate(request).await {
            Ok(claims) => claims,
            Err(error) => return reject(request, error.clone()),
        };
        let typed = request.local_cache(|| {
            Typed(claims.deserialize::<T>().map(Arc::new).map_err(|error| {
                // serde's message may quote a claim's value (personal data):
                // only its category and position are logged.
                log::debug!(
                    "auth: the token's claims do not fit {}: {:?} error at column {}",
                    std::any::type_name::<T>(),
                    error.classify(),
                    error.column()
                );
                AuthError::InvalidClaims("the token's claims do not have the expected shape".into())
            }))
        });
        match &typed.0 {
            Ok(typed) => Outcome::Success(ClaimsAs {
                typed: typed.clone(),
                claims: claims.clone(),
            }),
            Err(error) => reject(request, error.clone()),
        }
    }
}

impl<T> Sentinel for ClaimsAs<T> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        abort_unless_attached(rocket)
    }
}

/// A request guard: the request carries a valid token that meets the
/// route's requirement `R` (step-up, claim checks, scopes), else 401 (an
/// invalid token, or a step-up not met) or 403 (scopes or claims
/// insufficient).
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
/// fn private_scoped(user: Authorized<ReadMessages>) -> String {
///     format!("hello {}", user.claims().sub().unwrap_or("?"))
/// }
/// ```
pub struct Authorized<R: RouteRequirement> {
    claims: Claims,
    requirement: PhantomData<fn() -> R>,
}

impl<R: RouteRequirement> Authorized<R> {
    /// The verified claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The verified claims, owned.
    pub fn into_claims(self) -> Claims {
        self.claims
    }
}

impl<R: RouteRequirement> std::fmt::Debug for Authorized<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorized")
            .field("scopes", &R::SCOPES)
            .field("step_up", &R::STEP_UP)
            .field("claims", &self.claims)
            .finish()
    }
}

#[rocket::async_trait]
impl<'r, R: RouteRequirement> FromRequest<'r> for Authorized<R> {
    type Error = AuthError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, AuthError> {
        // The route's scopes are named only in a refusal's challenge.
        let refuse = |error| reject_on_route(request, error, &R::SCOPES.all_scopes());
        let claims = match authenticate(request).await {
            Ok(claims) => claims,
            Err(error) => return refuse(error.clone()),
        };
        // The time and the leeway matter only to a step-up requirement.
        let (now, leeway) = match R::STEP_UP.is_none() {
            true => (0, 0),
            false => {
                let router = request.rocket().state::<IssuerRouter>();
                let leeway = router.map_or(0, |router| router.leeway_for(claims));
                let now = router.map_or_else(
                    || crate::clock::Clock::system().unix(),
                    |router| router.clock().unix(),
                );
                (now, leeway)
            }
        };
        match requirement::check::<R>(claims, now, leeway) {
            Ok(()) => Outcome::Success(Authorized {
                claims: claims.clone(),
                requirement: PhantomData,
            }),
            Err(error) => {
                log_rejection(request, &error);
                refuse(error)
            }
        }
    }
}

impl<R: RouteRequirement> Sentinel for Authorized<R> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        // Queried for every mounted route taking this guard: its scopes
        // are the metadata's `scopes_supported` when none are configured.
        super::metadata::RouteScopes::record(rocket, &R::SCOPES.all_scopes());
        abort_unless_attached(rocket)
    }
}

#[cfg(test)]
mod tests;
