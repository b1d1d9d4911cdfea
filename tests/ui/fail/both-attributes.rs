use auth_runtime::{requires_auth, requires_scope};
use rocket::get;

#[requires_auth]
#[requires_scope("read:messages")]
#[get("/api/private-scoped")]
fn private_scoped() -> &'static str {
    "scoped"
}

fn main() {
    let _ = rocket::routes![private_scoped];
}
