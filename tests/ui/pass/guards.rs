use auth_runtime::{requires_auth, requires_scope, Claims};
use rocket::serde::json::Json;
use rocket::{get, post, State};

#[derive(serde::Deserialize)]
struct NewMessage {
    text: String,
}

struct Counter(u32);

#[requires_auth]
#[get("/hello/<name>/<age>?<polite>")]
fn path_and_query(name: &str, age: u8, polite: Option<bool>) -> String {
    format!("{name} {age} {polite:?}")
}

#[requires_scope("write:messages")]
#[post("/messages", format = "json", data = "<message>")]
async fn data_guard(message: Json<NewMessage>, user: Claims, counter: &State<Counter>) -> String {
    format!("{} {} {}", message.text, user.sub().unwrap_or_default(), counter.0)
}

/// Borrowed parameters with an explicit lifetime.
#[requires_auth]
#[get("/borrowed/<name>")]
fn borrowed<'r>(name: &'r str, user: Claims) -> String {
    format!("{name} {:?}", user.sub())
}

fn main() {
    let _ = rocket::build()
        .manage(Counter(0))
        .mount("/", rocket::routes![path_and_query, data_guard, borrowed]);
}
