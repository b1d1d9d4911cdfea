use auth_runtime::requires_scope;
use rocket::get;

#[requires_scope("read messages")]
#[get("/a")]
fn a() -> &'static str {
    "a"
}

#[requires_scope("", "quote\"d", "ünïcode")]
#[get("/b")]
fn b() -> &'static str {
    "b"
}

#[requires_scope("read:messages", "read:messages")]
#[get("/c")]
fn c() -> &'static str {
    "c"
}

fn main() {
    let _ = rocket::routes![a, b, c];
}
