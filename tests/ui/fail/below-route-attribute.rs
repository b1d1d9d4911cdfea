use auth_runtime::requires_auth;
use rocket::get;

#[get("/api/private")]
#[requires_auth]
fn private() -> &'static str {
    "private"
}

fn main() {
    let _ = rocket::routes![private];
}
