//! The quickstart: `cargo run --example quickstart`.
//!
//! Configured from the environment (`AUTH0_DOMAIN` or `AUTH_ISSUER`, and
//! `AUTH0_AUDIENCE` or `AUTH_AUDIENCE`, optionally `AUTH_JWKS_URI`; DPoP's
//! `AUTH_DPOP`, `AUTH_PUBLIC_URL`, `AUTH_DPOP_NONCE`,
//! `AUTH_DPOP_NONCE_SECRET` and `AUTH_DPOP_REPLAY_REDIS`; opaque tokens'
//! `AUTH_INTROSPECTION_URL` or `AUTH_INTROSPECTION=on`, `AUTH_CLIENT_ID`,
//! `AUTH_CLIENT_SECRET`, `AUTH_CLIENT_AUTH` and `AUTH_INTROSPECT_JWTS`;
//! certificate-bound tokens' `AUTH_CLIENT_CERT_HEADER`; Rocket's own
//! `ROCKET_PORT` and `ROCKET_ADDRESS`), or from Rocket's `[auth]` table
//! (`Rocket.toml` or `ROCKET_AUTH`), which also tunes the library
//! (`jwks_ttl`, `token_cache_capacity`, ...) however the issuer is set.
//! DPoP is allowed and the RFC 9728 metadata is served at
//! `/.well-known/oauth-protected-resource`; the OpenAPI document at
//! `/openapi.json` and Swagger UI at `/docs`.
//!
//! With no issuer configured it starts an embedded development issuer on
//! 127.0.0.1 and prints `curl` lines with freshly minted tokens, and the
//! command line of the DPoP client example (`examples/dpop_client.rs`) with
//! a token bound to a key it writes into a temporary file.

use auth_runtime::testing::{DpopKey, TestIssuer};
use auth_runtime::validator::IssuerRouter;
use auth_runtime::Auth;
use rocket::fairing::AdHoc;

const DEFAULT_AUDIENCE: &str = "https://quickstarts/api";

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

#[rocket::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let figment = auth_examples::figment();
    if auth_examples::issuer_configured(&figment) {
        // The `[auth]` table (or `ROCKET_AUTH`) and the environment, read at
        // ignition: an error there names the variable or key.
        let rocket = auth_examples::rocket(figment, Auth::from_rocket_config())
            .ignite()
            .await?;
        if let Some(router) = rocket.state::<IssuerRouter>() {
            for validator in router.validators() {
                let config = validator.config();
                println!(
                    "Accepting tokens from {} for {}",
                    config.issuer(),
                    config.audiences().join(", ")
                );
            }
        }
        rocket.launch().await?;
        return Ok(());
    }

    // The library's order: AUTH_AUDIENCE wins over AUTH0_AUDIENCE.
    let audience = env("AUTH_AUDIENCE").or_else(|| env("AUTH0_AUDIENCE"));
    let audience = audience.as_deref().unwrap_or(DEFAULT_AUDIENCE);
    let issuer = TestIssuer::start(audience).await?;
    // The development issuer and the audience its tokens carry; every other
    // `[auth]` key still tunes the library.
    let figment = figment
        .merge(("auth.issuer", issuer.issuer()))
        .merge(("auth.audience", audience));
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
    // A DPoP client's key, and a token bound to it, for the DPoP client
    // example: curl cannot sign proofs.
    let client_key = DpopKey::generate();
    let key_file = write_client_key(&client_key)?;
    let bound = issuer
        .token()
        .sub("dev-user")
        .scope("read:messages")
        .bound_to(&client_key)
        .build();
    let banner = dev_banner(issuer.issuer());
    let written = key_file.clone();
    let rocket = auth_examples::rocket(figment, Auth::from_rocket_config()).attach(
        AdHoc::on_liftoff("print curl lines", move |rocket| {
            let base = format!(
                "http://{}:{}",
                rocket.config().address,
                rocket.config().port
            );
            let text = curl_lines(&base, &tokens);
            let dpop = dpop_lines(&base, &bound, &key_file);
            Box::pin(async move { println!("{banner}\n{text}\n{dpop}") })
        }),
    );
    let launched = rocket.launch().await;
    let _ = std::fs::remove_file(&written);
    launched?;
    drop(issuer);
    Ok(())
}

/// Writes the client key where only this user can read it, and returns
/// the file's path.
fn write_client_key(key: &DpopKey) -> std::io::Result<std::path::PathBuf> {
    use std::io::Write;
    let path = std::env::temp_dir().join(format!(
        "auth-quickstart-dpop-key-{}.pem",
        std::process::id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(&path)?.write_all(key.to_pem().as_bytes())?;
    Ok(path)
}

fn dpop_lines(base: &str, bound: &str, key_file: &std::path::Path) -> String {
    format!(
        "# The protected-resource metadata (RFC 9728): where to get tokens\n\
         curl -i {base}/.well-known/oauth-protected-resource\n\n\
         # DPoP (RFC 9449): curl cannot sign proofs, so the DPoP client example calls\n\
         # /api/private with a token bound to the key in {key_file}, shows a replayed\n\
         # proof and the bound token as Bearer refused, and prints each answer:\n\
         cargo run --example dpop_client -- {base} {bound} {key_file}\n",
        key_file = key_file.display()
    )
}

fn dev_banner(issuer: &str) -> String {
    let rule = "=".repeat(78);
    format!(
        "{rule}\n\
         DEVELOPMENT ISSUER: neither AUTH0_DOMAIN nor AUTH_ISSUER is set, so this server\n\
         trusts a throw-away issuer at {issuer} whose keys exist only in this\n\
         process. Never use this mode in production: set AUTH0_DOMAIN and\n\
         AUTH0_AUDIENCE to protect the API with your Auth0 tenant.\n\
         DPoP is allowed: the last command below runs the DPoP client example\n\
         (examples/dpop_client.rs) with a token bound to its own key.\n\
         {rule}"
    )
}

fn curl_lines(base: &str, [plain, read, write, mfa]: &[String; 4]) -> String {
    format!(
        "Try it (tokens valid for an hour):\n\n\
         # 200, open to all\n\
         curl -i {base}/api/public\n\n\
         # the OpenAPI document, its security generated from the attributes (and\n\
         # Swagger UI at {base}/docs)\n\
         curl {base}/openapi.json\n\n\
         # operators: liveness, readiness (the key set is held), Prometheus metrics\n\
         curl -i {base}/healthz/ready\n\
         curl {base}/metrics\n\n\
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
