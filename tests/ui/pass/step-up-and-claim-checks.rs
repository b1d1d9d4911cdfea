use auth_runtime::{requires_auth, requires_scope, Claims, ClaimsAs};
use rocket::get;

const MFA_ROUTE: &str = "/mfa";

#[requires_auth(
    acr_values = ["http://schemas.openid.net/pape/policies/2007/06/multi-factor"],
    max_age = 300
)]
#[get("/mfa")]
fn mfa() -> &'static str {
    MFA_ROUTE
}

#[requires_auth(acr_values = "urn:mfa")]
#[get("/acr-only")]
fn acr_only(user: Claims) -> String {
    user.sub().unwrap_or_default().to_owned()
}

#[requires_auth(max_age = 60)]
#[get("/recent")]
async fn recent() -> &'static str {
    "recent"
}

#[derive(serde::Deserialize)]
struct MyClaims {
    sub: String,
}

#[requires_scope(
    "write:payouts",
    any("admin", "finance"),
    acr_values = ["urn:mfa", "urn:hwk"],
    max_age = 120,
    claim_equals("https://example.com/org", "acme"),
    claim_includes("roles", "payouts"),
    claim_equals("level", -3),
    claim_equals("verified", true),
)]
#[get("/payouts")]
fn payouts(user: ClaimsAs<MyClaims>) -> String {
    user.sub.clone()
}

#[requires_auth(claim_equals("org", "acme"))]
#[get("/org")]
fn org() -> &'static str {
    "org"
}

fn main() {
    let _ = rocket::routes![mfa, acr_only, recent, payouts, org];
}
