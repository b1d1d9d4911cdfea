//! Test helpers (cargo feature `testing`): signing keys, a token builder, a
//! loopback issuer, a counted key-set server and a manual clock, so that
//! protected routes can be exercised with no account anywhere and no
//! network beyond `127.0.0.1`.
//!
//! ```
//! # #[macro_use] extern crate rocket;
//! use auth_runtime::{testing::TestIssuer, Auth, Claims};
//! use rocket::http::{Header, Status};
//! use rocket::local::asynchronous::Client;
//!
//! #[get("/me")]
//! fn me(user: Claims) -> String {
//!     user.sub().unwrap_or_default().to_owned()
//! }
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let issuer = TestIssuer::start("https://my/api").await?;
//! let rocket = rocket::build()
//!     .attach(Auth::new(issuer.config().build()?))
//!     .mount("/", routes![me]);
//! let client = Client::tracked(rocket).await?;
//!
//! let token = issuer.token().sub("alice").scope("read:messages").build();
//! let response = client
//!     .get("/me")
//!     .header(Header::new("Authorization", format!("Bearer {token}")))
//!     .dispatch()
//!     .await;
//! assert_eq!(response.status(), Status::Ok);
//! assert_eq!(response.into_string().await.as_deref(), Some("alice"));
//! # Ok(()) }
//! # rocket::async_test(demo()).unwrap();
//! ```

mod dpop;
mod introspection;
#[cfg(test)]
mod introspection_tests;
mod issuer;
mod key_server;
mod keys;
mod token;

pub use crate::clock::manual::ManualClock;
pub use dpop::{dpop_nonce, DpopKey, ProofBuilder};
pub use introspection::{ClientCert, TestIntrospection, TEST_CLIENT_ID, TEST_CLIENT_SECRET};
pub use issuer::TestIssuer;
pub use key_server::{KeySetServer, JWKS_PATH};
pub use keys::{key_set, SigningKey};
pub use token::TokenBuilder;
