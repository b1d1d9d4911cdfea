//! Health routes for load balancers and orchestrators: liveness, and
//! readiness read from the key-set caches without I/O.

use rocket::http::{ContentType, Status};
use rocket::{Route, State};

use crate::validator::IssuerRouter;

/// `GET /healthz/live` (always 200) and `GET /healthz/ready` (200 when every
/// issuer can verify tokens now, else 503 with a JSON body naming the
/// issuers without usable keys), both without authentication. Mount them
/// where the application wants them:
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
/// Readiness takes two short locks per issuer and never waits for a fetch:
/// see [`IssuerRouter::is_ready`]. Keys within the staleness cap count as
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
    match router {
        None => body(
            Status::ServiceUnavailable,
            serde_json::json!({ "status": "not ready", "missing": "the auth fairing is not attached" }),
        ),
        Some(router) if router.is_ready() => {
            body(Status::Ok, serde_json::json!({ "status": "ready" }))
        }
        Some(router) => {
            let issuers: Vec<&str> = router.not_ready().collect();
            body(
                Status::ServiceUnavailable,
                serde_json::json!({
                    "status": "not ready",
                    "missing": "usable signing keys",
                    "issuers": issuers,
                }),
            )
        }
    }
}
