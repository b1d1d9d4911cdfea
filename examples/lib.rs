//! The routes of the quickstart, as a library so that the end-to-end tests
//! serve exactly what `cargo run --example quickstart` serves.
//!
//! As in Auth0's Python quickstart: `GET /api/public` (open),
//! `GET /api/private` (`#[requires_auth]`), `GET /api/private-scoped`
//! (`#[requires_scope("read:messages")]`), and beyond it
//! `POST /api/messages` (`#[requires_scope("write:messages")]`) and
//! `GET /api/private-step-up` (a recent multi-factor login). Their OpenAPI
//! document, whose security comes from the attributes, at `GET /openapi.json`
//! and Swagger UI at `/docs`, both open. For operators,
//! without authentication: `GET /healthz/live`, `GET /healthz/ready` and
//! `GET /metrics` (Prometheus text). CORS allows `Content-Type` and
//! `Authorization`, and preflight requests are answered without
//! authentication.
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]

use std::sync::{Mutex, OnceLock};

use auth_runtime::config::AuthConfigBuilder;
use auth_runtime::{requires_auth, requires_scope, Auth, Claims};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use rocket::fairing::{Fairing, Info, Kind};
use rocket::figment::Figment;
use rocket::http::{ContentType, Header, Method, Status};
use rocket::serde::json::Json;
// rocket_okapi finds the route attribute by its bare name (`get`, not `rocket::get`).
use rocket::{get, post, Build, Request, Response, Rocket, State};
use rocket_okapi::settings::OpenApiSettings;
use rocket_okapi::swagger_ui::{make_swagger_ui, SwaggerUIConfig};
use rocket_okapi::{openapi, openapi_get_routes_spec, JsonSchema};
use serde::{Deserialize, Serialize};

/// The body of every answer of the three quickstart routes.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(crate = "rocket_okapi::okapi::schemars")]
pub struct Message {
    /// The text.
    pub message: String,
}

fn message(text: &str) -> Json<Message> {
    Json(Message {
        message: text.to_owned(),
    })
}

/// This doesn't need authentication.
#[openapi]
#[get("/api/public")]
pub fn public() -> Json<Message> {
    message("Hello from a public endpoint! You don't need to be authenticated to see this.")
}

/// This needs authentication.
#[requires_auth]
#[openapi]
#[get("/api/private")]
pub fn private() -> Json<Message> {
    message("Hello from a private endpoint! You need to be authenticated to see this.")
}

/// This needs authorization: the `read:messages` scope.
#[requires_scope("read:messages")]
#[openapi]
#[get("/api/private-scoped")]
pub fn private_scoped() -> Json<Message> {
    message(
        "Hello from a private endpoint! You need to be authenticated and have a scope of \
         read:messages to see this.",
    )
}

/// The `acr` Auth0 puts in a token after multi-factor authentication.
pub const MFA: &str = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

/// This needs a recent multi-factor login: `acr` is [`MFA`] and the user
/// authenticated at most five minutes ago (RFC 9470 step-up).
#[requires_auth(
    acr_values = ["http://schemas.openid.net/pape/policies/2007/06/multi-factor"],
    max_age = 300
)]
#[openapi]
#[get("/api/private-step-up")]
pub fn private_step_up() -> Json<Message> {
    message(
        "Hello from a private endpoint! You need a multi-factor login of the last five minutes \
         to see this.",
    )
}

/// A message to store.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "rocket_okapi::okapi::schemars")]
pub struct NewMessage {
    /// Its text.
    pub text: String,
}

/// A stored message and who wrote it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(crate = "rocket_okapi::okapi::schemars")]
pub struct StoredMessage {
    /// Its position in the store, from 1.
    pub id: usize,
    /// Its text.
    pub text: String,
    /// The `sub` of the token that wrote it.
    pub author: String,
}

/// The messages written so far, in memory.
#[derive(Debug, Default)]
pub struct MessageStore(Mutex<Vec<StoredMessage>>);

/// Stores a message: needs `write:messages`. The body is read only for an
/// authorised caller.
///
/// The route names no `format = "json"`: Rocket matches `format` against the
/// `Content-Type` before any guard runs, so a caller without a token and
/// without that header would get a 404 instead of the 401. The `Json` data
/// guard reads the body as JSON whatever its `Content-Type`.
#[requires_scope("write:messages")]
#[openapi]
#[post("/api/messages", data = "<new>")]
pub fn create_message(
    new: Json<NewMessage>,
    user: Claims,
    store: &State<MessageStore>,
) -> (Status, Json<StoredMessage>) {
    let mut messages = store
        .0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let stored = StoredMessage {
        id: messages.len() + 1,
        text: new.into_inner().text,
        author: user.sub().unwrap_or_default().to_owned(),
    };
    messages.push(stored.clone());
    (Status::Created, Json(stored))
}

/// Answers CORS preflight requests, without authentication.
#[rocket::options("/<_..>")]
pub fn preflight() -> Status {
    Status::NoContent
}

/// CORS as in the quickstart (`flask-cors` with
/// `headers=["Content-Type", "Authorization"]`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Cors;

#[rocket::async_trait]
impl Fairing for Cors {
    fn info(&self) -> Info {
        Info {
            name: "CORS",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        response.set_header(Header::new("Access-Control-Allow-Origin", "*"));
        if request.method() == Method::Options {
            response.set_header(Header::new(
                "Access-Control-Allow-Headers",
                "Content-Type, Authorization",
            ));
            response.set_header(Header::new(
                "Access-Control-Allow-Methods",
                "GET, POST, OPTIONS",
            ));
            response.set_header(Header::new("Access-Control-Max-Age", "600"));
        }
    }
}

/// The quickstart's own settings on top of a configuration built in code:
/// the same as [`figment`]'s defaults (the tests build the quickstart this
/// way around a key server of their own).
pub fn settings(builder: AuthConfigBuilder) -> AuthConfigBuilder {
    builder
        .resource_metadata(DEFAULTS.resource_metadata)
        .warm_up(DEFAULTS.warm_up)
}

/// The quickstart's defaults under `[auth]`.
struct Defaults {
    resource_metadata: bool,
    warm_up: bool,
}

/// The RFC 9728 metadata served (its `scopes_supported` collected from the
/// routes' attributes), and the key set fetched at liftoff; DPoP stays in
/// the default `allowed` mode.
const DEFAULTS: Defaults = Defaults {
    resource_metadata: true,
    warm_up: true,
};

/// Rocket's configuration for the quickstart: Rocket's own (`Rocket.toml`,
/// `ROCKET_*`, `ROCKET_AUTH`), with the quickstart's defaults in `[auth]`
/// where it says nothing (metadata on, warm-up on). With
/// [`Auth::from_rocket_config`] the `[auth]` table then tunes the library
/// (`jwks_ttl`, `refresh_cooldown`, `token_cache_capacity`, ...) whether the
/// issuer comes from the table or from `AUTH_ISSUER` / `AUTH0_DOMAIN`, whose
/// variables win over the keys they name.
pub fn figment() -> Figment {
    rocket::Config::figment()
        .join(("auth.resource_metadata", DEFAULTS.resource_metadata))
        .join(("auth.warm_up", DEFAULTS.warm_up))
}

/// Whether [`figment`] or the environment names an issuer (`AUTH0_DOMAIN`,
/// `AUTH_ISSUER`, or `domain` or `issuer` in `[auth]`); without one the
/// quickstart starts its development issuer.
pub fn issuer_configured(figment: &Figment) -> bool {
    let set = |name: &str| std::env::var(name).is_ok_and(|value| !value.trim().is_empty());
    set("AUTH0_DOMAIN")
        || set("AUTH_ISSUER")
        || figment.contains("auth.domain")
        || figment.contains("auth.issuer")
}

/// The process's Prometheus exporter, installed on first use (the quickstart
/// installs it when it builds its Rocket); `None` where another recorder was
/// installed first.
fn prometheus() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .as_ref()
}

/// The library's metrics in Prometheus text, without authentication; a 503
/// where another metrics recorder is installed.
#[rocket::get("/metrics")]
pub fn metrics() -> (Status, (ContentType, String)) {
    match prometheus() {
        Some(handle) => (
            Status::Ok,
            (
                ContentType::new("text", "plain").with_params(("version", "0.0.4")),
                handle.render(),
            ),
        ),
        None => (
            Status::ServiceUnavailable,
            (
                ContentType::Plain,
                "another metrics recorder is installed\n".to_owned(),
            ),
        ),
    }
}

/// The quickstart application on `figment` (see [`figment`]),
/// authenticating with `auth`.
pub fn rocket(figment: Figment, auth: Auth) -> Rocket<Build> {
    rocket_with(rocket::custom(figment), auth)
}

/// The quickstart's routes, fairings and state added to `base`.
pub fn rocket_with(base: Rocket<Build>, auth: Auth) -> Rocket<Build> {
    // Counting starts now, not at the first scrape.
    let _ = prometheus();
    // The API's routes, and their document; the operators' routes and the
    // preflight answer stay out of it.
    let settings = OpenApiSettings::default();
    let (api, spec) = openapi_get_routes_spec![
        settings: public,
        private,
        private_scoped,
        private_step_up,
        create_message
    ];
    base.attach(auth)
        .attach(Cors)
        .manage(MessageStore::default())
        .mount("/", api)
        .mount("/", rocket::routes![preflight, metrics])
        .mount(
            "/",
            vec![auth_runtime::rocket::openapi_route(spec, &settings)],
        )
        .mount("/docs", make_swagger_ui(&swagger_ui(&settings)))
        .mount("/", auth_runtime::rocket::health_routes())
}

/// Swagger UI reading the document at `settings.json_path`.
fn swagger_ui(settings: &OpenApiSettings) -> SwaggerUIConfig {
    SwaggerUIConfig {
        url: settings.json_path.clone(),
        ..SwaggerUIConfig::default()
    }
}

#[cfg(test)]
mod tests {
    use auth_runtime::testing::TestIssuer;
    use rocket::local::asynchronous::Client;

    use super::*;

    const AUDIENCE: &str = "https://quickstarts/api";

    #[rocket::async_test]
    async fn the_quickstart_defaults_apply_where_the_auth_table_is_silent() {
        let issuer = TestIssuer::start(AUDIENCE).await.unwrap();
        let figment = figment()
            .merge(("auth.issuer", issuer.issuer()))
            .merge(("auth.audience", AUDIENCE));
        assert!(issuer_configured(&figment));
        let client = Client::tracked(rocket(figment, Auth::from_rocket_config()))
            .await
            .unwrap();
        assert_eq!(issuer.jwks_fetches(), 1, "warm-up fetched at liftoff");
        let answer = client
            .get("/.well-known/oauth-protected-resource")
            .header(rocket::http::Header::new("Host", "api.example"))
            .dispatch()
            .await;
        assert_eq!(answer.status(), Status::Ok);
        let document: serde_json::Value = answer.into_json().await.unwrap();
        // Collected from the routes' attributes: the quickstart configures none.
        assert_eq!(
            document["scopes_supported"],
            serde_json::json!(["read:messages", "write:messages"]),
            "{document}"
        );
    }
}
