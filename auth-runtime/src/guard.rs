//! Rocket integration: the fairing, the request guards and their sentinels.

use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Build, Ignite, Response, Rocket, Sentinel};

use crate::claims::Claims;
use crate::config::{AuthConfig, ConfigError};
use crate::error::{Auth0Json, AuthError, ErrorRenderer, DEFAULT_REALM};
use crate::validator::Issuers;

/// The fairing that makes [`Claims`] and the attributes work.
///
/// On ignite it builds the [`Issuers`] (one [`Validator`](crate::Validator)
/// per configuration) and manages them as Rocket state; on
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
#[derive(Clone)]
pub struct Auth {
    config: Source,
    renderer: Arc<dyn ErrorRenderer>,
}

/// Where the fairing's configuration comes from.
#[derive(Debug, Clone)]
enum Source {
    /// Made before ignition (or failed to be).
    Ready(Box<Result<AuthConfig, ConfigError>>),
    /// Rocket's `[auth]` table and the environment, read at ignition.
    Rocket,
    /// Several issuers.
    Many(Vec<AuthConfig>),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The `auth` table of Rocket's configuration; none is an empty one.
fn rocket_settings(rocket: &Rocket<Build>) -> Result<crate::config::Settings, ConfigError> {
    let figment = rocket.figment();
    if !figment.contains("auth") {
        return Ok(Default::default());
    }
    figment
        .extract_inner("auth")
        .map_err(|error| ConfigError::Invalid(format!("Rocket's [auth] configuration: {error}")))
}

/// The renderer, as Rocket state.
struct Rendering(Arc<dyn ErrorRenderer>);

impl Auth {
    /// The fairing for `config`.
    pub fn new(config: AuthConfig) -> Auth {
        Auth {
            config: Source::Ready(Box::new(Ok(config))),
            renderer: Arc::new(Auth0Json),
        }
    }

    /// The fairing configured by [`AuthConfig::from_env`]. An incomplete
    /// environment makes ignition fail with a message naming the variable.
    pub fn from_env() -> Auth {
        Auth {
            config: Source::Ready(Box::new(AuthConfig::from_env())),
            renderer: Arc::new(Auth0Json),
        }
    }

    /// The fairing configured, at ignition, from Rocket's configuration
    /// (`[default.auth]` and its profiles in `Rocket.toml`, or `ROCKET_AUTH`),
    /// with the variables of [`AuthConfig::from_env`] taking precedence over
    /// the keys they name. An unknown key or an incomplete configuration
    /// makes ignition fail with a message saying what is wrong.
    ///
    /// ```toml
    /// [default.auth]
    /// domain = "example.eu.auth0.com"
    /// audience = "https://quickstarts/api"
    /// leeway = 30
    ///
    /// [debug.auth]
    /// issuer = "http://127.0.0.1:8081/"
    /// ```
    pub fn from_rocket_config() -> Auth {
        Auth {
            config: Source::Rocket,
            renderer: Arc::new(Auth0Json),
        }
    }

    /// The fairing for several issuers (tenants, staging and production):
    /// each token's `iss` picks its configuration (see [`Issuers`]). The
    /// first configuration's realm is used in challenges.
    pub fn issuers(configs: impl IntoIterator<Item = AuthConfig>) -> Auth {
        Auth {
            config: Source::Many(configs.into_iter().collect()),
            renderer: Arc::new(Auth0Json),
        }
    }

    /// Replaces the body of error responses (default: [`Auth0Json`]), e.g.
    /// with [`ProblemJson`](crate::ProblemJson) or
    /// [`OAuthJson`](crate::OAuthJson). Status codes and `WWW-Authenticate`
    /// stay the contract's.
    pub fn error_renderer(mut self, renderer: impl ErrorRenderer) -> Auth {
        self.renderer = Arc::new(renderer);
        self
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
        let configs = match &self.config {
            Source::Ready(config) => (**config).clone().map(|config| vec![config]),
            Source::Many(configs) => Ok(configs.clone()),
            Source::Rocket => rocket_settings(&rocket)
                .and_then(|settings| {
                    AuthConfig::from_sources(&settings, |name| {
                        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
                    })
                })
                .map(|config| vec![config]),
        };
        match configs.and_then(Issuers::new) {
            Ok(issuers) => {
                for validator in issuers.validators() {
                    log::info!(
                        "auth: tokens from {} for audience {}",
                        validator.config().issuer(),
                        validator.config().audience()
                    );
                }
                Ok(rocket
                    .manage(issuers)
                    .manage(Rendering(self.renderer.clone())))
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
                render(error, request, response);
            }
        }
    }
}

/// The first authentication failure of a request, for the fairing.
#[derive(Default)]
struct Rejection(OnceLock<AuthError>);

/// The outcome of authenticating a request, computed once per request.
struct Authenticated(Result<Claims, AuthError>);

/// Writes `error` into `response` with the application's realm and renderer.
pub(crate) fn render(error: &AuthError, request: &Request<'_>, response: &mut Response<'_>) {
    let rocket = request.rocket();
    let realm = rocket
        .state::<Issuers>()
        .map_or(DEFAULT_REALM, Issuers::realm);
    match rocket.state::<Rendering>() {
        Some(Rendering(renderer)) => error.render_into(realm, renderer.as_ref(), response),
        None => error.render_into(realm, &Auth0Json, response),
    }
}

/// Authenticates `request` once; later calls (other guards) share the result.
async fn authenticate<'r>(request: &'r Request<'_>) -> &'r Result<Claims, AuthError> {
    let outcome = request
        .local_cache_async(async {
            let Some(issuers) = request.rocket().state::<Issuers>() else {
                log::error!("auth: {NOT_ATTACHED}");
                return Authenticated(Err(AuthError::JwksUnavailable));
            };
            let mut headers = request.headers().get("Authorization");
            let result = match (headers.next(), headers.next()) {
                (_, Some(_)) => Err(AuthError::TooManyParts),
                (value, None) => issuers.authorize(value).await,
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
    if rocket.state::<Issuers>().is_some() {
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
    typed: std::sync::Arc<T>,
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
struct Typed<T>(Result<std::sync::Arc<T>, AuthError>);

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
            Typed(
                claims
                    .deserialize::<T>()
                    .map(std::sync::Arc::new)
                    .map_err(|error| {
                        log::info!(
                            "auth: the token's claims do not fit {}: {error}",
                            std::any::type_name::<T>()
                        );
                        AuthError::InvalidClaims(
                            "the token's claims do not have the expected shape".into(),
                        )
                    }),
            )
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

/// What a route demands of a token's scopes: a scope, all of several, or
/// any of several, nested as deep as needed.
///
/// `#[requires_scope("a", any("b", all("c", "d")))]` builds
/// `All(&[Scope("a"), Any(&[Scope("b"), All(&[Scope("c"), Scope("d")])])])`
/// at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeExpr {
    /// This scope, as a whole word.
    Scope(&'static str),
    /// Every one of these.
    All(&'static [ScopeExpr]),
    /// At least one of these.
    Any(&'static [ScopeExpr]),
}

impl ScopeExpr {
    /// Whether `claims` grant what this expression demands.
    pub fn is_satisfied_by(&self, claims: &Claims) -> bool {
        match self {
            ScopeExpr::Scope(scope) => claims.has_scope(scope),
            ScopeExpr::All(all) => all.iter().all(|expr| expr.is_satisfied_by(claims)),
            ScopeExpr::Any(any) => any.iter().any(|expr| expr.is_satisfied_by(claims)),
        }
    }

    /// A smallest set of scopes that would satisfy the expression (the
    /// first of the smallest alternatives of each `Any`): what a 403's
    /// `WWW-Authenticate` names in `scope="..."`.
    pub fn sufficient_scopes(&self) -> Vec<&'static str> {
        match self {
            ScopeExpr::Scope(scope) => vec![scope],
            ScopeExpr::All(all) => {
                let mut scopes: Vec<&'static str> = Vec::new();
                for scope in all.iter().flat_map(ScopeExpr::sufficient_scopes) {
                    if !scopes.contains(&scope) {
                        scopes.push(scope);
                    }
                }
                scopes
            }
            ScopeExpr::Any(any) => any
                .iter()
                .map(ScopeExpr::sufficient_scopes)
                .min_by_key(Vec::len)
                .unwrap_or_default(),
        }
    }

    /// `Ok` when `claims` satisfy the expression, else the 403 naming the
    /// scopes that would have sufficed.
    pub fn check(&self, claims: &Claims) -> Result<(), AuthError> {
        if self.is_satisfied_by(claims) {
            Ok(())
        } else {
            Err(AuthError::InsufficientScope(
                self.sufficient_scopes().join(" ").into(),
            ))
        }
    }
}

/// The scopes a [`RequireScopes`] guard demands.
///
/// `#[requires_scope(...)]` implements it on a hidden type; implement it
/// yourself to protect a route without the attribute.
pub trait ScopeRequirement: Send + Sync + 'static {
    /// What the token must grant.
    const REQUIRED: ScopeExpr;
}

/// A request guard: the request carries a valid token whose scopes satisfy
/// `S`, else 401 (invalid token) or 403 (scopes insufficient).
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use auth_runtime::{RequireScopes, ScopeExpr, ScopeRequirement};
///
/// struct ReadMessages;
/// impl ScopeRequirement for ReadMessages {
///     const REQUIRED: ScopeExpr = ScopeExpr::Scope("read:messages");
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
            .field("scopes", &S::REQUIRED)
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
        match S::REQUIRED.check(claims) {
            Ok(()) => Outcome::Success(RequireScopes {
                claims: claims.clone(),
                requirement: PhantomData,
            }),
            Err(error) => {
                log::info!(
                    "auth: {} {} rejected (403): {:?} not granted",
                    request.method(),
                    request.uri().path(),
                    S::REQUIRED
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

#[cfg(test)]
mod tests {
    use super::ScopeExpr::{self, All, Any, Scope};
    use crate::Claims;

    fn claims(scope: &str) -> Claims {
        let mut payload = serde_json::Map::new();
        payload.insert("scope".into(), scope.into());
        Claims::from_payload(payload)
    }

    const NESTED: ScopeExpr = Any(&[All(&[Scope("a"), Scope("b")]), Scope("admin")]);

    #[test]
    fn expressions_combine_all_and_any() {
        assert!(NESTED.is_satisfied_by(&claims("a b")));
        assert!(NESTED.is_satisfied_by(&claims("admin")));
        assert!(!NESTED.is_satisfied_by(&claims("a")));
        assert!(!NESTED.is_satisfied_by(&claims("ab adminX")));
        assert!(All(&[]).is_satisfied_by(&claims("")));
        assert!(!Any(&[]).is_satisfied_by(&claims("a")));
    }

    #[test]
    fn the_smallest_sufficient_alternative_is_named() {
        assert_eq!(NESTED.sufficient_scopes(), ["admin"]);
        let expr = All(&[Scope("x"), Any(&[Scope("y"), Scope("z")]), Scope("x")]);
        assert_eq!(expr.sufficient_scopes(), ["x", "y"]);
        assert_eq!(
            expr.check(&claims("x")),
            Err(crate::AuthError::InsufficientScope("x y".into()))
        );
        assert_eq!(expr.check(&claims("x z")), Ok(()));
    }
}
