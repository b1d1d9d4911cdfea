//! Attributes, docs, visibility and the rest of the function survive.
#![deny(missing_docs)]

use auth_runtime::{requires_auth, requires_scope};

/// Routes in a module, with visibility.
pub mod api {
    use super::*;

    /// A documented, public, deprecated route.
    #[requires_scope("read:messages")]
    #[rocket::get("/api/private-scoped")]
    #[deprecated = "use v2"]
    pub fn private_scoped() -> &'static str {
        "scoped"
    }

    /// A crate-visible route using `#[rocket::route]`.
    #[requires_auth]
    #[rocket::route(GET, uri = "/api/private")]
    #[allow(dead_code)]
    pub(crate) fn private() -> &'static str {
        "private"
    }
}

#[allow(deprecated)]
fn main() {
    let _ = rocket::routes![api::private_scoped, api::private];
}
