use auth_runtime::requires_auth;
use rocket::get;

#[requires_auth("read:messages")]
#[get("/api/private")]
fn private() -> &'static str {
    "private"
}

fn main() {
    let _ = rocket::routes![private];
}
