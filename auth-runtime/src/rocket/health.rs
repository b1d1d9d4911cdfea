//! Health routes for load balancers and orchestrators: liveness, and
//! readiness read from the key-set caches and the dependencies' last known
//! states, without I/O.

use rocket::http::{ContentType, Status};
use rocket::{Route, State};

use crate::validator::IssuerRouter;

/// `GET /healthz/live` (always 200) and `GET /healthz/ready`, both without
/// authentication: 200 when a request can be served now (every issuer holds
/// usable keys, and the shared DPoP replay store and the introspection
/// endpoint, where configured, answered their last call or background
/// probe), else 503 with a JSON body naming what is missing:
/// `{"status": "not ready", "missing": [...], "issuers": [...],
/// "dependencies": [...]}`, where `missing` holds `usable signing keys`
/// (the issuers without them in `issuers`) and/or `reachable dependencies`
/// (`dpop_replay_store`, `introspection_endpoint` in `dependencies`). No
/// URL, credential or secret is named. Mount them where the application
/// wants them:
///
/// ```no_run
/// # #[macro_use] extern crate rocket;
/// #[launch]
/// fn rocket() -> _ {
///     rocket::build()
///         .attach(auth_runtime::Auth::from_env())
///         .mount("/", auth_runtime::rocket::health_routes())
/// }
/// ```
///
/// Readiness takes two short locks per issuer and reads one atomic per
/// dependency; it never waits for a fetch or a probe: see
/// [`IssuerRouter::is_ready`]. Keys within the staleness cap count as
/// ready.
pub fn health_routes() -> Vec<Route> {
    rocket::routes![live, ready]
}

#[rocket::get("/healthz/live")]
fn live() -> (ContentType, &'static str) {
    (ContentType::JSON, r#"{"status":"live"}"#)
}

#[rocket::get("/healthz/ready")]
fn ready(router: Option<&State<IssuerRouter>>) -> (Status, (ContentType, String)) {
    let body =
        |status: Status, json: serde_json::Value| (status, (ContentType::JSON, json.to_string()));
    let Some(router) = router else {
        return body(
            Status::ServiceUnavailable,
            serde_json::json!({ "status": "not ready", "missing": ["the auth fairing is not attached"] }),
        );
    };
    if router.is_ready() {
        return body(Status::Ok, serde_json::json!({ "status": "ready" }));
    }
    let issuers: Vec<&str> = router.not_ready().collect();
    let dependencies: Vec<&str> = router.unreachable().collect();
    let mut missing = Vec::new();
    if !issuers.is_empty() {
        missing.push("usable signing keys");
    }
    if !dependencies.is_empty() {
        missing.push("reachable dependencies");
    }
    body(
        Status::ServiceUnavailable,
        serde_json::json!({
            "status": "not ready",
            "missing": missing,
            "issuers": issuers,
            "dependencies": dependencies,
        }),
    )
}
