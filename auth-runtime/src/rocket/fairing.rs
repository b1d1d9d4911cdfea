//! The [`Auth`] fairing: builds the validators at ignition, and renders
//! authentication failures on the way out.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::Header;
use rocket::request::Request;
use rocket::{Build, Orbit, Response, Rocket};

use super::response::{self, render_on_route, Auth0Json, ErrorRenderer, Rendering};
use super::{state, take_rejection_marker};
use crate::config::{AuthConfig, ConfigError};
use crate::validator::IssuerRouter;

/// The fairing that makes [`Claims`](crate::Claims) and the attributes work.
///
/// On ignite it builds the [`IssuerRouter`] (one
/// [`Validator`](crate::validator::Validator) per configuration) and
/// manages it as Rocket state; at liftoff it fetches the key sets of the
/// issuers configured with
/// [`warm_up`](crate::config::AuthConfigBuilder::warm_up); on
/// response it renders every authentication failure as the contract's JSON
/// with its `WWW-Authenticate` header, whatever catchers the application
/// registers, and gives the next `DPoP-Nonce` after a DPoP request when
/// server nonces are on. With the protected-resource metadata on, it mounts
/// its route (`GET /.well-known/oauth-protected-resource`, no
/// authentication). A protected route in an application that forgot to attach it
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

/// The `auth` table of Rocket's configuration, if there is one.
fn auth_table(rocket: &Rocket<Build>) -> Result<Option<serde_json::Value>, ConfigError> {
    let figment = rocket.figment();
    if !figment.contains("auth") {
        return Ok(None);
    }
    figment
        .extract_inner("auth")
        .map(Some)
        .map_err(|error| ConfigError::Table(Arc::new(error)))
}

impl Auth {
    /// The fairing for configurations from `config`, with the default renderer.
    fn with_source(config: Source) -> Auth {
        Auth {
            config,
            renderer: Arc::new(Auth0Json),
        }
    }

    /// The fairing for `config`.
    pub fn new(config: AuthConfig) -> Auth {
        Auth::with_source(Source::Ready(Box::new(Ok(config))))
    }

    /// The fairing configured by [`AuthConfig::from_env`]. An incomplete
    /// environment makes ignition fail with a message naming the variable.
    pub fn from_env() -> Auth {
        Auth::with_source(Source::Ready(Box::new(AuthConfig::from_env())))
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
        Auth::with_source(Source::Rocket)
    }

    /// The fairing for several issuers (tenants, staging and production):
    /// each token's `iss` picks its configuration (see [`IssuerRouter`]). The
    /// first configuration's realm is used in challenges, and its DPoP and
    /// protected-resource settings (mode, nonces, replay store, public URL,
    /// metadata) apply to every request.
    pub fn issuers(configs: impl IntoIterator<Item = AuthConfig>) -> Auth {
        Auth::with_source(Source::Many(configs.into_iter().collect()))
    }

    /// Replaces the body of error responses (default: [`Auth0Json`]), e.g.
    /// with [`ProblemJson`](super::ProblemJson) or
    /// [`OAuthJson`](super::OAuthJson). Status codes and `WWW-Authenticate`
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
            kind: Kind::Ignite | Kind::Liftoff | Kind::Response | Kind::Singleton,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        let configs = match &self.config {
            Source::Ready(config) => (**config).clone().map(|config| vec![config]),
            Source::Many(configs) => Ok(configs.clone()),
            Source::Rocket => auth_table(&rocket)
                .and_then(AuthConfig::from_table)
                .map(|config| vec![config]),
        };
        let built = match configs {
            Ok(configs) => {
                let rendering = Rendering::new(&configs, self.renderer.clone());
                IssuerRouter::discover(configs).await.and_then(|router| {
                    let metadata = super::metadata::route(&router)?;
                    Ok((router, rendering, metadata))
                })
            }
            Err(error) => Err(error),
        };
        match built {
            Ok((router, rendering, metadata)) => {
                for validator in router.validators() {
                    log::info!(
                        "auth: tokens from {} for audience {}",
                        validator.config().issuer(),
                        validator.config().audiences().join(", ")
                    );
                }
                let rocket = match metadata {
                    Some(route) => {
                        log::info!("auth: protected-resource metadata at {}", route.uri);
                        rocket.mount("/", vec![route])
                    }
                    None => rocket,
                };
                let catchers = refusal_catchers(&rocket);
                Ok(rocket
                    .register("/", catchers)
                    .manage(router)
                    .manage(rendering)
                    .manage(super::metadata::RouteScopes::default()))
            }
            Err(error) => {
                log::error!("{error}");
                Err(rocket)
            }
        }
    }

    /// Starts the background probes of the dependencies readiness tracks
    /// ([`IssuerRouter::watch_dependencies`]); then warm-up: fetches the key
    /// set of each issuer configured with
    /// [`warm_up`](crate::config::AuthConfigBuilder::warm_up), waiting at
    /// most one fetch timeout; a failure is logged and launch goes on.
    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        if let Some(router) = rocket.state::<IssuerRouter>() {
            // Readiness learns the state of the replay store and the
            // introspection endpoint from their probes, without traffic.
            router.watch_dependencies();
            router.warm_up().await;
        }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        give_next_nonce(request, response);
        let state = state(request);
        let count = |code| {
            if let Some(router) = request.rocket().state::<IssuerRouter>() {
                router.count_request(code);
            }
        };
        let Some(recorded) = state.rejection.get() else {
            if state.attempted.load(Ordering::Relaxed) {
                count("ok");
            }
            return;
        };
        count(recorded.error.code());
        {
            // Only the response that the failed guard led to (its catcher) is
            // rewritten; a handler that ran despite it (e.g. through an
            // `Option<Claims>` guard) keeps its own answer, whatever its status.
            let handler_ran = take_rejection_marker(response);
            if !handler_ran && response.status() == response::status(&recorded.error) {
                render_on_route(
                    &recorded.error,
                    recorded.route_scopes.as_deref(),
                    request,
                    response,
                );
            }
        }
    }
}

/// The next server nonce (`DPoP-Nonce`), on the answer to a request that
/// authenticated with DPoP while nonces are on.
fn give_next_nonce(request: &Request<'_>, response: &mut Response<'_>) {
    if !state(request).nonce_due.load(Ordering::Relaxed) {
        return;
    }
    if let Some(nonce) = request
        .rocket()
        .state::<IssuerRouter>()
        .and_then(|router| router.dpop_nonce(router.clock().unix()))
    {
        response.set_header(Header::new("DPoP-Nonce", nonce));
    }
}

/// The statuses the guards refuse with: 401, 403 and 503.
const REFUSALS: [u16; 3] = [401, 403, 503];

/// A catcher for each status the guards refuse with that the application
/// does not catch itself at `/` (with a catcher of that status or a default
/// one): Rocket's own default body (which the
/// fairing then replaces with the library's JSON for a refusal of ours),
/// registered so that Rocket does not announce, on every refused request,
/// that no catcher is registered and it falls back on its default.
fn refusal_catchers(rocket: &Rocket<Build>) -> Vec<rocket::Catcher> {
    REFUSALS
        .into_iter()
        .filter(|&code| {
            // The application's own catcher at `/`, for this status or for
            // every status (`#[catch(default)]`), is kept.
            !rocket.catchers().any(|catcher| {
                (catcher.code == Some(code) || catcher.code.is_none()) && catcher.base.path() == "/"
            })
        })
        .map(|code| rocket::Catcher {
            code: Some(code),
            name: Some("auth-runtime".into()),
            ..rocket::Catcher::default()
        })
        .collect()
}

#[cfg(test)]
mod tests;
