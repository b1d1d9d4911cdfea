use auth_runtime::requires_auth;
use rocket::get;

#[requires_auth(claim_equals("org"))]
#[get("/one-argument")]
fn one_argument() {}

#[requires_auth(claim_equals(org, "acme"))]
#[get("/not-a-string")]
fn not_a_string() {}

#[requires_auth(claim_includes("", "admin"))]
#[get("/empty-name")]
fn empty_name() {}

#[requires_auth(claim_equals("level", 1.5))]
#[get("/float")]
fn float() {}

#[requires_auth(claim_equals("org", some_const))]
#[get("/not-a-literal")]
fn not_a_literal() {}

fn main() {}
