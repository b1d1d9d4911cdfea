use auth_runtime::requires_scope;
use rocket::get;

#[requires_scope]
#[get("/a")]
fn a() -> &'static str {
    "a"
}

#[requires_scope()]
#[get("/b")]
fn b() -> &'static str {
    "b"
}

fn main() {
    let _ = rocket::routes![a, b];
}
