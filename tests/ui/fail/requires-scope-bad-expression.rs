use auth_runtime::requires_scope;
use rocket::get;

#[requires_scope(one_of("a", "b"))]
#[get("/a")]
fn a() -> &'static str {
    "a"
}

#[requires_scope(any())]
#[get("/b")]
fn b() -> &'static str {
    "b"
}

#[requires_scope(all("ok", 42))]
#[get("/c")]
fn c() -> &'static str {
    "c"
}

#[requires_scope(any("x", "x"), all(any("read messages")))]
#[get("/d")]
fn d() -> &'static str {
    "d"
}

fn main() {
    let _ = rocket::routes![a, b, c, d];
}
