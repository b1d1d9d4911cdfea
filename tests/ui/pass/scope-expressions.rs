use auth_runtime::{requires_scope, ClaimsAs, OptionalClaims};
use rocket::get;

#[requires_scope(any("read:messages", "read:all"))]
#[get("/any")]
fn any_of() -> &'static str {
    "any"
}

#[requires_scope("a", all("b", "c"), any(all("d", "e"), "admin"),)]
#[get("/nested")]
async fn nested() -> &'static str {
    "nested"
}

#[derive(serde::Deserialize)]
struct MyClaims {
    sub: String,
}

#[requires_scope(any("read:messages"))]
#[get("/typed")]
fn typed(user: ClaimsAs<MyClaims>) -> String {
    user.sub.clone()
}

#[get("/optional")]
fn optional(user: OptionalClaims) -> &'static str {
    if user.0.is_some() { "signed in" } else { "anonymous" }
}

fn main() {
    let _ = rocket::routes![any_of, nested, typed, optional];
}
