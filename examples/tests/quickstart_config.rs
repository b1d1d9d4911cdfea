//! The quickstart's configuration as its binary reads it: the issuer from
//! `AUTH_ISSUER`, tuning from `ROCKET_AUTH`. Its own test binary: the one
//! test here sets process-wide variables.

use auth_runtime::testing::TestIssuer;
use auth_runtime::Auth;
use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;

const AUDIENCE: &str = "https://quickstarts/api";

#[rocket::async_test]
async fn rocket_auth_tunes_the_quickstart_when_auth_issuer_names_the_issuer() {
    let issuer = TestIssuer::start(AUDIENCE).await.unwrap();
    // Set before any other thread of this binary reads the environment.
    std::env::set_var("AUTH_ISSUER", issuer.issuer());
    std::env::set_var("AUTH_AUDIENCE", AUDIENCE);
    std::env::set_var(
        "ROCKET_AUTH",
        r#"{realm="tuned",warm_up=false,max_token_bytes=600,issuer="https://ignored.example/"}"#,
    );
    let figment = auth_examples::figment();
    assert!(auth_examples::issuer_configured(&figment));
    let client = Client::tracked(auth_examples::rocket(figment, Auth::from_rocket_config()))
        .await
        .unwrap();
    assert_eq!(
        issuer.jwks_fetches(),
        0,
        "ROCKET_AUTH's warm_up = false wins over the quickstart's default"
    );

    let private = async |token: Option<&str>| {
        let mut request = client.get("/api/private");
        if let Some(token) = token {
            request = request.header(Header::new("Authorization", format!("Bearer {token}")));
        }
        request.dispatch().await
    };
    let answer = private(None).await;
    assert_eq!(answer.status(), Status::Unauthorized);
    let challenge = answer.headers().get_one("WWW-Authenticate").unwrap();
    assert!(challenge.contains(r#"realm="tuned""#), "{challenge}");

    // AUTH_ISSUER wins over the table's issuer: its tokens are accepted.
    let token = issuer.token().build();
    assert!(token.len() < 600, "the token fits max_token_bytes");
    assert_eq!(private(Some(&token)).await.status(), Status::Ok);
    // ROCKET_AUTH's max_token_bytes: a longer token is refused before decoding.
    let long = issuer.token().claim("pad", "x".repeat(600)).build();
    let answer = private(Some(&long)).await;
    assert_eq!(answer.status(), Status::Unauthorized);
    let body = answer.into_string().await.unwrap();
    assert!(body.contains("invalid_header"), "{body}");
    assert!(!body.contains(&long), "the token is not echoed");
}
