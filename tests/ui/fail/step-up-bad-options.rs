use auth_runtime::{requires_auth, requires_scope};
use rocket::get;

#[requires_auth(acr_values = [])]
#[get("/no-value")]
fn no_value() {}

#[requires_auth(acr_values = [""])]
#[get("/empty")]
fn empty() {}

#[requires_auth(acr_values = ["urn:a urn:b"])]
#[get("/space")]
fn space() {}

#[requires_auth(acr_values = ["urn:a", "urn:a"])]
#[get("/repeated")]
fn repeated() {}

#[requires_auth(max_age = 0)]
#[get("/zero")]
fn zero() {}

#[requires_auth(max_age = -5)]
#[get("/negative")]
fn negative() {}

#[requires_auth(max_age = "300")]
#[get("/string")]
fn string() {}

#[requires_auth(max_age = 1.5)]
#[get("/float")]
fn float() {}

#[requires_scope("read:messages", max_age = 60, max_age = 120)]
#[get("/twice")]
fn twice() {}

#[requires_auth(acr_values = ["urn:a"], acr_values = ["urn:b"])]
#[get("/acr-twice")]
fn acr_twice() {}

#[requires_auth(max_agee = 300)]
#[get("/unknown")]
fn unknown() {}

fn main() {}
