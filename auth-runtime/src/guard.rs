//! Rocket integration: the fairing, the request guards and their sentinels.

use std::marker::PhantomData;
use std::sync::OnceLock;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Build, Ignite, Response, Rocket, Sentinel};

use crate::claims::Claims;
use crate::config::{AuthConfig, ConfigError};
use crate::error::{AuthError, DEFAULT_REALM};
use crate::validator::Validator;

/// The fairing that makes [`Claims`] and the attributes work.
///
/// On ignite it builds a [`Validator`] and manages it as Rocket state; on
/// response it renders every authentication failure as the contract's JSON
/// with its `WWW-Authenticate` header, whatever catchers the application
/// registers. A protected route in an application that forgot to attach it
/// fails at launch, naming this type.
///
/// ```no_run
/// # #[macro_use] extern crate rocket;
/// #[launch]
/// fn rocket() -> _ {
///     rocket::build().attach(auth_runtime::Auth::from_env())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Auth {
    config: Result<AuthConfig, ConfigError>,
}

impl Auth {
    /// The fairing for `config`.
    pub fn new(config: AuthConfig) -> Auth {
        Auth { config: Ok(config) }
    }

    /// The fairing configured by [`AuthConfig::from_env`]. An incomplete
    /// environment makes ignition fail with a message naming the variable.
    pub fn from_env() -> Auth {
        Auth {
            config: AuthConfig::from_env(),
        }
    }
}

#[rocket::async_trait]
impl Fairing for Auth {
    fn info(&self) -> Info {
        Info {
            name: "auth-runtime",
            kind: Kind::Ignite | Kind::Response | Kind::Singleton,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        let validator = match &self.config {
            Ok(config) => Validator::new(config.clone()),
            Err(error) => Err(error.clone()),
        };
        match validator {
            Ok(validator) => {
                log::info!(
                    "auth: tokens from {} for audience {}",
                    validator.config().issuer(),
                    validator.config().audience()
                );
                Ok(rocket.manage(validator))
            }
            Err(error) => {
                log::error!("{error}");
                Err(rocket)
            }
        }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        if let Some(error) = request.local_cache(Rejection::default).0.get() {
            // Only the response that the failed guard led to (its catcher) is
            // rewritten; a handler that ran despite it (e.g. through an
            // `Option<Claims>` guard) keeps its own answer.
            if response.status() == error.status() {
                error.render_into(realm_of(request), response);
            }
        }
    }
}

/// The first authentication failure of a request, for the fairing.
#[derive(Default)]
struct Rejection(OnceLock<AuthError>);

/// The outcome of authenticating a request, computed once per request.
struct Authenticated(Result<Claims, AuthError>);

pub(crate) fn realm_of<'r>(request: &'r Request<'_>) -> &'r str {
    request
        .rocket()
        .state::<Validator>()
        .map_or(DEFAULT_REALM, |v| v.config().realm.as_str())
}

/// Authenticates `request` once; later calls (other guards) share the result.
async fn authenticate<'r>(request: &'r Request<'_>) -> &'r Result<Claims, AuthError> {
    let outcome = request
        .local_cache_async(async {
            let Some(validator) = request.rocket().state::<Validator>() else {
                log::error!("auth: {NOT_ATTACHED}");
                return Authenticated(Err(AuthError::JwksUnavailable));
            };
            let mut headers = request.headers().get("Authorization");
            let result = match (headers.next(), headers.next()) {
                (_, Some(_)) => Err(AuthError::TooManyParts),
                (value, None) => validator.authorize(value).await,
            };
            if let Err(error) = &result {
                log::info!(
                    "auth: {} {} rejected ({}): {}",
                    request.method(),
                    request.uri().path(),
                    error.status().code,
                    error.log_reason()
                );
            }
            Authenticated(result)
        })
        .await;
    &outcome.0
}

fn reject<T>(request: &Request<'_>, error: AuthError) -> Outcome<T, AuthError> {
    let _ = request.local_cache(Rejection::default).0.set(error.clone());
    Outcome::Error((error.status(), error))
}

const NOT_ATTACHED: &str = "a route needs authentication but the auth fairing is not attached: \
     add `.attach(auth_runtime::Auth::from_env())` (or `Auth::new(config)`) to your Rocket";

fn abort_unless_attached(rocket: &Rocket<Ignite>) -> bool {
    if rocket.state::<Validator>().is_some() {
        return false;
    }
    log::error!("auth: {NOT_ATTACHED}");
    true
}

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

/// The scopes a [`RequireScopes`] guard demands: all of them.
///
/// `#[requires_scope(...)]` implements it on a hidden type; implement it
/// yourself to protect a route without the attribute.
pub trait ScopeRequirement: Send + Sync + 'static {
    /// The scopes, each of which the token must grant.
    const SCOPES: &'static [&'static str];
}

/// A request guard: the request carries a valid token that grants every
/// scope of `S`, else 401 (invalid token) or 403 (scope absent).
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use auth_runtime::{RequireScopes, ScopeRequirement};
///
/// struct ReadMessages;
/// impl ScopeRequirement for ReadMessages {
///     const SCOPES: &'static [&'static str] = &["read:messages"];
/// }
///
/// #[get("/api/private-scoped")]
/// fn private_scoped(user: RequireScopes<ReadMessages>) -> String {
///     format!("hello {}", user.claims().sub().unwrap_or("?"))
/// }
/// ```
pub struct RequireScopes<S: ScopeRequirement> {
    claims: Claims,
    requirement: PhantomData<fn() -> S>,
}

impl<S: ScopeRequirement> RequireScopes<S> {
    /// The verified claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The verified claims, owned.
    pub fn into_claims(self) -> Claims {
        self.claims
    }
}

impl<S: ScopeRequirement> std::fmt::Debug for RequireScopes<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireScopes")
            .field("scopes", &S::SCOPES)
            .field("claims", &self.claims)
            .finish()
    }
}

#[rocket::async_trait]
impl<'r, S: ScopeRequirement> FromRequest<'r> for RequireScopes<S> {
    type Error = AuthError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, AuthError> {
        let claims = match authenticate(request).await {
            Ok(claims) => claims,
            Err(error) => return reject(request, error.clone()),
        };
        match claims.require_scopes(S::SCOPES) {
            Ok(()) => Outcome::Success(RequireScopes {
                claims: claims.clone(),
                requirement: PhantomData,
            }),
            Err(error) => {
                log::info!(
                    "auth: {} {} rejected (403): {} absent",
                    request.method(),
                    request.uri().path(),
                    S::SCOPES.join(" ")
                );
                reject(request, error)
            }
        }
    }
}

impl<S: ScopeRequirement> Sentinel for RequireScopes<S> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        abort_unless_attached(rocket)
    }
}
