//! The quickstart: `cargo run --example quickstart`.
//!
//! Configured from the environment (`AUTH0_DOMAIN` or `AUTH_ISSUER`, and
//! `AUTH0_AUDIENCE` or `AUTH_AUDIENCE`, optionally `AUTH_JWKS_URI`; Rocket's
//! own `ROCKET_PORT` and `ROCKET_ADDRESS`). With no issuer configured it
//! starts an embedded development issuer on 127.0.0.1 and prints `curl`
//! lines with freshly minted tokens.

use auth_runtime::testing::TestIssuer;
use auth_runtime::{Auth, AuthConfig};
use rocket::fairing::AdHoc;

const DEFAULT_AUDIENCE: &str = "https://quickstarts/api";

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

#[rocket::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if env("AUTH0_DOMAIN").is_some() || env("AUTH_ISSUER").is_some() {
        let config = AuthConfig::from_env()?;
        println!(
            "Accepting tokens from {} for {}",
            config.issuer(),
            config.audience()
        );
        auth_examples::rocket(Auth::new(config)).launch().await?;
        return Ok(());
    }

    let audience = env("AUTH0_AUDIENCE").or_else(|| env("AUTH_AUDIENCE"));
    let issuer = TestIssuer::start(audience.as_deref().unwrap_or(DEFAULT_AUDIENCE)).await?;
    let config = issuer.config().build()?;
    let tokens = [
        issuer.token().sub("dev-user").build(),
        issuer
            .token()
            .sub("dev-user")
            .scope("read:messages")
            .build(),
        issuer
            .token()
            .sub("dev-user")
            .scope("write:messages")
            .build(),
        issuer
            .token()
            .sub("dev-user")
            .acr(auth_examples::MFA)
            .authenticated_ago(0)
            .build(),
    ];
    let banner = dev_banner(issuer.issuer());
    let rocket = auth_examples::rocket(Auth::new(config)).attach(AdHoc::on_liftoff(
        "print curl lines",
        move |rocket| {
            let base = format!(
                "http://{}:{}",
                rocket.config().address,
                rocket.config().port
            );
            let text = curl_lines(&base, &tokens);
            Box::pin(async move { println!("{banner}\n{text}") })
        },
    ));
    rocket.launch().await?;
    drop(issuer);
    Ok(())
}

fn dev_banner(issuer: &str) -> String {
    let rule = "=".repeat(78);
    format!(
        "{rule}\n\
         DEVELOPMENT ISSUER: neither AUTH0_DOMAIN nor AUTH_ISSUER is set, so this server\n\
         trusts a throw-away issuer at {issuer} whose keys exist only in this\n\
         process. Never use this mode in production: set AUTH0_DOMAIN and\n\
         AUTH0_AUDIENCE to protect the API with your Auth0 tenant.\n\
         {rule}"
    )
}

fn curl_lines(base: &str, [plain, read, write, mfa]: &[String; 4]) -> String {
    format!(
        "Try it (tokens valid for an hour):\n\n\
         # 200, open to all\n\
         curl -i {base}/api/public\n\n\
         # 401, no token\n\
         curl -i {base}/api/private\n\n\
         # 200\n\
         curl -i -H \"Authorization: Bearer {plain}\" {base}/api/private\n\n\
         # 403, the token lacks read:messages\n\
         curl -i -H \"Authorization: Bearer {plain}\" {base}/api/private-scoped\n\n\
         # 200, the token carries read:messages\n\
         curl -i -H \"Authorization: Bearer {read}\" {base}/api/private-scoped\n\n\
         # 201, the token carries write:messages\n\
         curl -i -X POST -H \"Authorization: Bearer {write}\" -H \"Content-Type: application/json\" \
         -d '{{\"text\":\"hello\"}}' {base}/api/messages\n\n\
         # 401 insufficient_user_authentication, no multi-factor login (the challenge says\n\
         # acr_values and max_age)\n\
         curl -i -H \"Authorization: Bearer {plain}\" {base}/api/private-step-up\n\n\
         # 200 for five minutes, the token says the user just logged in with multi-factor\n\
         curl -i -H \"Authorization: Bearer {mfa}\" {base}/api/private-step-up\n"
    )
}
