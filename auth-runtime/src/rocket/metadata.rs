//! The route of the protected-resource metadata (RFC 9728): `GET
//! /.well-known/oauth-protected-resource` (followed by the public base
//! URL's path prefix), without authentication.

use rocket::http::{ContentType, Method, Status};
use rocket::request::Request;
use rocket::route::{Handler, Outcome, Route};
use rocket::Data;

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
            Some(id) => Outcome::from(
                request,
                (
                    ContentType::JSON,
                    resource
                        .document_with(&id, parts::mutual_tls_configured(request))
                        .to_string(),
                ),
            ),
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
