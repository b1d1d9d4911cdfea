//! The support library of every test target of this package:
//!
//! * fixture keys ([`RSA_A`], [`RSA_B`], [`EC`]);
//! * [`KeyServer`], the library's key-set server on 127.0.0.1
//!   (`auth_runtime::testing::KeySetServer`, which the crate's own unit
//!   tests use too) with the paths, configurations and tokens these tests
//!   add;
//! * [`TestApp`], the library's test app ([`AppKind::Library`]: the guards)
//!   or the quickstart ([`AppKind::Quickstart`]: the attributes) behind
//!   Rocket's local client, and [`Route`], their protected routes;
//! * [`Answer`] and [`Expect`], what a response holds and what the contract
//!   says it must hold (with the contract's error texts); [`Row`], one
//!   request of a table and its expectation;
//! * [`serve`] and [`launch`], for tests that need real HTTP;
//! * [`log_lines`], what the runtime logged (captured from the first
//!   Rocket configuration on);
//! * [`dpop`], requests with DPoP proofs and the contract's DPoP answers.

#[path = "support/answers.rs"]
mod answers;
#[path = "support/apps.rs"]
mod apps;
#[path = "support/dpop.rs"]
pub mod dpop;
#[path = "support/http.rs"]
mod http;
#[path = "support/keys.rs"]
mod keys;

pub use answers::*;
pub use apps::*;
pub use http::*;
pub use keys::*;

use std::ops::Deref;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::Duration;

use auth_runtime::config::{Algorithm, AuthConfigBuilder};
use auth_runtime::requirement::RouteRequirement;
use auth_runtime::requirement::ScopeExpr;
pub use auth_runtime::testing::JWKS_PATH;
use auth_runtime::testing::{key_set, KeySetServer, SigningKey, TokenBuilder};
use auth_runtime::validator::IssuerRouter;
use auth_runtime::{Auth, AuthConfig, Authorized, Claims};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use rocket::fairing::AdHoc;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalRequest, LocalResponse};
use rocket::serde::json::Json;
use rocket::{Build, Rocket};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};
