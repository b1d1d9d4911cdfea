//! The OpenAPI document (auth-runtime's `okapi` feature) through HTTP: the
//! quickstart's `GET /openapi.json`, checked by a validator nobody here
//! wrote (Python's `openapi-spec-validator`); each operation's security is
//! its route's attribute; a changed attribute changes the document; Swagger
//! UI at `/docs`; and the metadata's `scopes_supported` collected from the
//! mounted routes.

use std::io::Write;
use std::process::{Command, Stdio};

use auth_runtime::{requires_auth, requires_scope, Auth, Claims};
use auth_tests::*;
use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, Build, Rocket};
use rocket_okapi::settings::OpenApiSettings;
use rocket_okapi::{openapi, openapi_get_routes_spec};
use serde_json::{json, Value};

/// GET `path` on `client` without a token: 200 JSON, the document.
async fn document(client: &Client) -> Value {
    let answer = client.get("/openapi.json").dispatch().await;
    assert_eq!(answer.status(), Status::Ok);
    assert_eq!(answer.content_type(), Some(rocket::http::ContentType::JSON));
    answer.into_json().await.expect("the document is JSON")
}

/// The quickstart around a key server of its own, as the tests build it.
async fn quickstart() -> (KeyServer, TestApp) {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let app = TestApp::start(AppKind::Quickstart, auth_examples::settings(ks.config())).await;
    (ks, app)
}

/// The quickstart's document, validated by `openapi-spec-validator`
/// (`pip install openapi-spec-validator`). Without it the test says so
/// loudly and passes, except in CI (`CI=true`), where it fails.
#[rocket::async_test]
async fn the_quickstarts_document_passes_openapi_spec_validator() {
    let (_ks, app) = quickstart().await;
    let document = document(&app).await;
    let has_validator = Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !has_validator {
        let why = "openapi-spec-validator is not installed (pip install openapi-spec-validator)";
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{why}: CI must validate the document"
        );
        // Written to the process's stderr itself, which the test harness
        // does not capture: a skip must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!! SKIPPED: {why}; the document was NOT validated !!!!!\n"
        );
        return;
    }
    let mut validator = Command::new("python3")
        .args([
            "-c",
            "import json, sys\n\
             from openapi_spec_validator import validate\n\
             validate(json.load(sys.stdin))\n\
             print('valid')",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    validator
        .stdin
        .take()
        .expect("a pipe")
        .write_all(document.to_string().as_bytes())
        .expect("the document is written");
    let output = validator.wait_with_output().expect("the validator ends");
    assert!(
        output.status.success(),
        "openapi-spec-validator refused the document:\n{}\n{document:#}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "valid");
}

/// Each operation's `security` is what its attribute enforces: `any` one
/// object per alternative, `all` one object with every scope,
/// `#[requires_auth]` the scheme with no scope, a public route none.
#[rocket::async_test]
async fn each_routes_security_is_its_attribute() {
    let (_ks, app) = quickstart().await;
    let quickstart = document(&app).await;
    let (_ks, app) = alternatives_app().await;
    let alternatives = document(&app).await;
    let table: [(&Value, &str, &str, Option<Value>); 8] = [
        (&quickstart, "get", "/api/public", None),
        (
            &quickstart,
            "get",
            "/api/private",
            Some(json!([{ "oidc": [] }])),
        ),
        (
            &quickstart,
            "get",
            "/api/private-scoped",
            Some(json!([{ "oidc": ["read:messages"] }])),
        ),
        (
            &quickstart,
            "post",
            "/api/messages",
            Some(json!([{ "oidc": ["write:messages"] }])),
        ),
        (
            &quickstart,
            "get",
            "/api/private-step-up",
            Some(json!([{ "oidc": [] }])),
        ),
        (
            &alternatives,
            "get",
            "/either",
            Some(json!([{ "oidc": ["read:messages"] }, { "oidc": ["admin", "audit"] }])),
        ),
        (
            &alternatives,
            "get",
            "/token",
            Some(json!([{ "oidc": [] }])),
        ),
        (
            &alternatives,
            "get",
            "/both",
            Some(json!([{ "oidc": ["read:messages", "admin", "audit"] }])),
        ),
    ];
    for (document, method, path, security) in table {
        let operation = &document["paths"][path][method];
        assert!(operation.is_object(), "{method} {path}: {document:#}");
        assert_eq!(
            operation.get("security"),
            security.as_ref(),
            "{method} {path}"
        );
        // No marker of the guards is left anywhere.
        assert!(
            !operation.to_string().contains("x-auth-runtime"),
            "{method} {path}: {operation:#}"
        );
    }
}

/// A protected operation documents the contract's 401, 403 and 503: the
/// JSON error body, `WWW-Authenticate` on 401 and 403, `Retry-After` on 503;
/// its step-up requirement in its 401, the scopes in its 403.
#[rocket::async_test]
async fn protected_operations_document_their_refusals() {
    let (ks, app) = quickstart().await;
    let document = document(&app).await;
    let scheme = &document["components"]["securitySchemes"]["oidc"];
    assert_eq!(scheme["type"], "openIdConnect");
    assert_eq!(
        scheme["openIdConnectUrl"],
        format!("{}.well-known/openid-configuration", ks.issuer())
    );
    let description = scheme["description"].as_str().unwrap_or_default();
    assert!(
        description.contains("Authorization: Bearer") && description.contains("DPoP"),
        "{description}"
    );
    assert_eq!(
        document["components"]["schemas"]["AuthError"]["required"],
        json!(["code", "description"])
    );
    let scoped = &document["paths"]["/api/private-scoped"]["get"]["responses"];
    for status in ["401", "403", "503"] {
        assert_eq!(
            scoped[status]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/AuthError",
            "{status}: {scoped:#}"
        );
    }
    for status in ["401", "403"] {
        assert!(scoped[status]["headers"]["WWW-Authenticate"].is_object());
    }
    assert_eq!(
        scoped["503"]["headers"]["Retry-After"]["schema"]["type"],
        "integer"
    );
    let forbidden = scoped["403"]["description"].as_str().unwrap_or_default();
    assert!(forbidden.contains("`read:messages`"), "{forbidden}");
    // #[requires_auth] refuses no scope: no 403.
    let private = &document["paths"]["/api/private"]["get"]["responses"];
    assert!(private.get("403").is_none(), "{private:#}");
    assert!(private["401"].is_object() && private["503"].is_object());
    let step_up = document["paths"]["/api/private-step-up"]["get"]["responses"]["401"]
        ["description"]
        .as_str()
        .unwrap_or_default();
    assert!(
        step_up.contains(auth_examples::MFA) && step_up.contains("300 seconds"),
        "{step_up}"
    );
    // The public route documents no refusal.
    let public = &document["paths"]["/api/public"]["get"]["responses"];
    assert!(public.get("401").is_none(), "{public:#}");
}

/// The document and Swagger UI are open: no token, no 401.
#[rocket::async_test]
async fn the_document_and_swagger_ui_need_no_token() {
    let (_ks, app) = quickstart().await;
    document(&app).await;
    let page = app.get("/docs/index.html").dispatch().await;
    assert_eq!(page.status(), Status::Ok);
    assert_eq!(page.content_type(), Some(rocket::http::ContentType::HTML));
    let entry = app.get("/docs").dispatch().await;
    assert_eq!(entry.status(), Status::SeeOther);
    assert_eq!(
        entry.headers().get_one("Location"),
        Some("/docs/index.html")
    );
    let config = app.get("/docs/swagger-ui-config.json").dispatch().await;
    let config: Value = config.into_json().await.expect("JSON");
    assert_eq!(config["url"], "/openapi.json");
}

/// With no `scopes_supported` configured (the quickstart configures none),
/// the metadata lists the scopes of the mounted routes' attributes; a
/// configured list wins.
#[rocket::async_test]
async fn the_metadata_lists_the_mounted_routes_scopes_unless_configured() {
    let (_ks, app) = quickstart().await;
    assert_eq!(
        scopes_supported(&app).await,
        json!(["read:messages", "write:messages"])
    );
    let ks = KeyServer::start(&[&RSA_A]).await;
    let configured = auth_examples::settings(ks.config()).scopes_supported(["configured:scope"]);
    let app = TestApp::start(AppKind::Quickstart, configured).await;
    assert_eq!(scopes_supported(&app).await, json!(["configured:scope"]));
}

/// `scopes_supported` of the app's protected-resource metadata.
async fn scopes_supported(app: &rocket::local::asynchronous::Client) -> Value {
    let metadata = app
        .get("/.well-known/oauth-protected-resource")
        .header(Header::new("Host", "api.test"))
        .dispatch()
        .await
        .into_json::<Value>()
        .await
        .expect("JSON");
    metadata["scopes_supported"].clone()
}

/// A route whose attribute changes changes the document, with no other
/// edit: the same handler under two attributes.
#[rocket::async_test]
async fn a_changed_attribute_changes_the_document() {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let read = document(&client(&ks, read::rocket()).await).await;
    let write = document(&client(&ks, write::rocket()).await).await;
    let operation = |document: &Value| document["paths"]["/messages"]["get"].clone();
    assert_eq!(
        operation(&read)["security"],
        json!([{ "oidc": ["read:messages"] }])
    );
    assert_eq!(
        operation(&write)["security"],
        json!([{ "oidc": ["write:messages"] }])
    );
    // Nothing else differs but the scope named in the 403.
    let strip = |mut document: Value| {
        let operation = &mut document["paths"]["/messages"]["get"];
        operation["security"] = Value::Null;
        operation["responses"]["403"]["description"] = Value::Null;
        document
    };
    assert_eq!(strip(read), strip(write));
}

/// Two versions of one route, differing only in the attribute's scope
/// (which reaches the attribute through `macro_rules!`, as a user's own
/// macro would pass it).
macro_rules! messages_route {
    ($module:ident, $scope:literal) => {
        mod $module {
            use super::*;

            /// The messages.
            #[requires_scope($scope)]
            #[openapi]
            #[get("/messages")]
            pub fn messages() -> &'static str {
                "messages"
            }

            pub fn rocket() -> Rocket<Build> {
                app(openapi_get_routes_spec![messages])
            }
        }
    };
}

messages_route!(read, "read:messages");
messages_route!(write, "write:messages");

/// Either `read:messages`, or `admin` and `audit` together.
#[requires_scope(any("read:messages", all("admin", "audit")))]
#[openapi]
#[get("/either")]
fn either(user: Claims) -> String {
    user.sub().unwrap_or_default().to_owned()
}

/// All three, nested: still one object.
#[requires_scope("read:messages", all("admin", "audit"))]
#[openapi]
#[get("/both")]
fn both() -> &'static str {
    "both"
}

/// Any valid token.
#[requires_auth]
#[openapi]
#[get("/token")]
fn token() -> &'static str {
    "token"
}

/// A Rocket serving `routes` and their document at `/openapi.json`.
fn app(
    (routes, spec): (Vec<rocket::Route>, rocket_okapi::okapi::openapi3::OpenApi),
) -> Rocket<Build> {
    rocket::custom(rocket_config()).mount("/", routes).mount(
        "/",
        vec![auth_runtime::rocket::openapi_route(
            spec,
            &OpenApiSettings::default(),
        )],
    )
}

async fn client(ks: &KeyServer, rocket: Rocket<Build>) -> Client {
    let auth = Auth::new(ks.config().build().expect("a valid configuration"));
    Client::tracked(rocket.attach(auth))
        .await
        .expect("the app ignites")
}

/// The routes with `any(.., all(..))` and the like.
async fn alternatives_app() -> (KeyServer, Client) {
    let ks = KeyServer::start(&[&RSA_A]).await;
    let client = client(&ks, app(openapi_get_routes_spec![either, both, token])).await;
    (ks, client)
}
