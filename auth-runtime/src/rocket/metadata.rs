//! The route of the protected-resource metadata (RFC 9728): `GET
//! /.well-known/oauth-protected-resource` (followed by the public base
//! URL's path prefix), without authentication, and the scopes of the
//! mounted routes it lists when none are configured.

use std::sync::Mutex;

use rocket::http::{ContentType, Method, Status};
use rocket::request::Request;
use rocket::route::{Handler, Outcome, Route};
use rocket::{Data, Ignite, Rocket};

use super::parts;
use crate::config::ConfigError;
use crate::validator::IssuerRouter;

/// Answers with the router's metadata document.
#[derive(Debug, Clone, Copy)]
struct MetadataDocument;

#[rocket::async_trait]
impl Handler for MetadataDocument {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> Outcome<'r> {
        let Some(router) = request.rocket().state::<IssuerRouter>() else {
            return Outcome::forward(data, Status::NotFound);
        };
        let resource = router.resource();
        match resource.resource(parts::scheme(request), parts::host(request).as_deref()) {
            Some(id) => {
                let mut document =
                    resource.document_with(&id, parts::mutual_tls_configured(request));
                // Configured scopes win; else those of the mounted routes.
                if let (Some(scopes), None) = (
                    request.rocket().state::<RouteScopes>(),
                    document.get("scopes_supported"),
                ) {
                    let scopes = scopes.sorted();
                    if let (false, Some(members)) = (scopes.is_empty(), document.as_object_mut()) {
                        members.insert("scopes_supported".into(), scopes.into());
                    }
                }
                Outcome::from(request, (ContentType::JSON, document.to_string()))
            }
            None => {
                let body = serde_json::json!({
                    "code": "invalid_request",
                    "description": "The Host header cannot form this API's URL",
                });
                Outcome::from(
                    request,
                    (Status::BadRequest, (ContentType::JSON, body.to_string())),
                )
            }
        }
    }
}

/// The metadata route of `router`, when it serves metadata.
pub(super) fn route(router: &IssuerRouter) -> Result<Option<Route>, ConfigError> {
    let resource = router.resource();
    if !resource.metadata_enabled() {
        return Ok(None);
    }
    let path = resource.metadata_path();
    // Route::new panics on a path Rocket cannot parse: refuse it first.
    if rocket::http::uri::Origin::parse_route(&path).is_err() || path.contains(['<', '>']) {
        return Err(ConfigError::OutOfRange {
            setting: "the public base URL (public_url, AUTH_PUBLIC_URL)",
            reason: "has a path prefix that cannot be part of the metadata's route",
        });
    }
    Ok(Some(Route::new(Method::Get, &path, MetadataDocument)))
}

/// The scopes the mounted routes' requirements name, recorded at ignition
/// by the guards' sentinels (Rocket queries the sentinel of every guard type
/// of every mounted route, once per type), for `scopes_supported`.
#[derive(Debug, Default)]
pub(super) struct RouteScopes(Mutex<Vec<&'static str>>);

impl RouteScopes {
    /// Records `scopes` in `rocket`'s state, where the fairing put one.
    pub(super) fn record(rocket: &Rocket<Ignite>, scopes: &[&'static str]) {
        if let Some(recorded) = rocket.state::<RouteScopes>() {
            let mut recorded = recorded
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            for scope in scopes {
                if !recorded.contains(scope) {
                    recorded.push(scope);
                }
            }
        }
    }

    /// The recorded scopes, sorted (whatever the order the routes were mounted in).
    fn sorted(&self) -> Vec<&'static str> {
        let mut scopes = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        scopes.sort_unstable();
        scopes
    }
}
