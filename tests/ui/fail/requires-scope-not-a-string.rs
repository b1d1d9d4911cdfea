use auth_runtime::requires_scope;
use rocket::get;

const READ: &str = "read:messages";

#[requires_scope(READ, 42, "ok")]
#[get("/api/private-scoped")]
fn private_scoped() -> &'static str {
    "scoped"
}

fn main() {
    let _ = rocket::routes![private_scoped];
}
