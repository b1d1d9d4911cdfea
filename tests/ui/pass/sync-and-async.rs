use auth_runtime::{requires_auth, requires_scope};
use rocket::get;

#[requires_auth]
#[get("/sync")]
fn sync_handler() -> &'static str {
    "sync"
}

#[requires_auth]
#[get("/async")]
async fn async_handler() -> &'static str {
    rocket::tokio::task::yield_now().await;
    "async"
}

#[requires_scope("read:messages")]
#[get("/scoped-sync")]
fn scoped_sync() -> &'static str {
    "scoped"
}

#[requires_scope("read:messages", "admin")]
#[get("/scoped-async")]
async fn scoped_async() -> &'static str {
    "scoped"
}

fn main() {
    let _ = rocket::build()
        .attach(auth_runtime::Auth::from_env())
        .mount("/", rocket::routes![sync_handler, async_handler, scoped_sync, scoped_async]);
}
