use auth_runtime::{requires_auth, requires_scope};
use rocket::get;

// A scope is a plain string, not `scope = ...`: the error shows how to write it.
#[requires_scope(scope = "read:messages")]
#[get("/api/private-scoped")]
fn private_scoped() -> &'static str {
    "scoped"
}

#[requires_scope(scopes = ["read:messages", "write:messages"])]
#[get("/api/private-both")]
fn private_both() -> &'static str {
    "both"
}

// On `#[requires_auth]` too: the same words lead to `#[requires_scope]`.
#[requires_auth(scope = "read:messages")]
#[get("/api/private")]
fn private() -> &'static str {
    "private"
}

fn main() {
    let _ = rocket::routes![private_scoped, private_both, private];
}
