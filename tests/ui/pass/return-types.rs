use auth_runtime::{requires_auth, requires_scope, AuthError, Claims};
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{get, post};

#[requires_auth]
#[get("/json")]
fn json() -> Json<Vec<u32>> {
    Json(vec![1, 2, 3])
}

#[requires_auth]
#[get("/str")]
fn borrowed_str() -> &'static str {
    "text"
}

/// Early `return` and `?` keep working.
#[requires_scope("read:messages")]
#[get("/result?<fail>")]
fn result(fail: bool) -> Result<String, Status> {
    if fail {
        return Err(Status::NotFound);
    }
    let number: u32 = "42".parse().map_err(|_| Status::InternalServerError)?;
    Ok(number.to_string())
}

#[requires_auth]
#[post("/nothing")]
fn nothing() {}

#[requires_auth]
#[get("/auth-error")]
fn auth_error(user: Claims) -> Result<&'static str, AuthError> {
    user.require_scopes(&["admin"])?;
    Ok("admin")
}

fn main() {
    let _ = rocket::routes![json, borrowed_str, result, nothing, auth_error];
}
