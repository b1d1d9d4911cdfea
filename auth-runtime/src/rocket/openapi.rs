//! OpenAPI documents (feature `okapi`): what `rocket_okapi` needs of the
//! request guards, and [`openapi_route`], which serves the document with
//! each issuer's security scheme and each operation's security requirements.
//!
//! The guards cannot write an operation's `security` themselves:
//! `rocket_okapi` turns each guard into one security requirement object and
//! lists them as alternatives (OR), while a route's guards all apply (AND),
//! and an `any(...)` needs one object per alternative. So each guard leaves
//! what it enforces as a marker among the operation's responses (an `x-`
//! key), and [`openapi_route`] turns the markers into `security`, with the
//! issuers it reads from the fairing's state, and removes them.

use std::any::type_name;
use std::sync::{Arc, OnceLock};

use rocket::http::{ContentType, Method, Status};
use rocket::request::Request;
use rocket::route::{Handler, Outcome, Route};
use rocket::Data;
use rocket_okapi::gen::OpenApiGenerator;
use rocket_okapi::okapi::openapi3::{
    Header, MediaType, OpenApi, ParameterValue, RefOr, Response, Responses,
};
use rocket_okapi::okapi::schemars::gen::SchemaGenerator;
use rocket_okapi::okapi::schemars::schema::{
    InstanceType, Metadata, ObjectValidation, Schema, SchemaObject,
};
use rocket_okapi::okapi::schemars::JsonSchema;
use rocket_okapi::request::{OpenApiFromRequest, RequestHeaderInput};
use rocket_okapi::settings::OpenApiSettings;
use serde_json::{json, Map, Value};

use super::guards::{Authorized, ClaimsAs, OptionalClaims};
use crate::claims::Claims;
use crate::config::{AuthConfig, DpopMode};
use crate::requirement::{ClaimCheckKind, RouteRequirement, StepUp};
use crate::scope::ScopeExpr;
use crate::validator::IssuerRouter;

/// The marker of a route requirement `R`, one key per `R` (a route may
/// take several `Authorized` guards: they all apply).
const REQUIREMENT: &str = "x-auth-runtime-requirement";
/// The marker of a guard that needs a valid token and nothing more.
const TOKEN: &str = "x-auth-runtime-token";
/// The marker of [`OptionalClaims`]: no token, or a valid one.
const OPTIONAL: &str = "x-auth-runtime-optional";

/// At most this many alternatives are listed per operation; past it (an
/// `all` of many `any`s of distinct scopes multiplies them), the first ones.
const MAX_ALTERNATIVES: usize = 32;

/// The JSON schema of the error body, `AuthError` among the document's
/// components.
struct AuthErrorBody;

impl JsonSchema for AuthErrorBody {
    fn schema_name() -> String {
        "AuthError".to_owned()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let string = |description: &str| {
            Schema::Object(SchemaObject {
                instance_type: Some(InstanceType::String.into()),
                metadata: Some(Box::new(Metadata {
                    description: Some(description.to_owned()),
                    ..Metadata::default()
                })),
                ..SchemaObject::default()
            })
        };
        let mut object = ObjectValidation::default();
        object.properties.insert(
            "code".to_owned(),
            string("What failed: `authorization_header_missing`, `invalid_header`, `token_expired`, `invalid_claims`, `invalid_token`, `insufficient_user_authentication`, `Unauthorized`, `jwks_unavailable`, ..."),
        );
        object.properties.insert(
            "description".to_owned(),
            string("A sentence for people; never the token."),
        );
        object.required.insert("code".to_owned());
        object.required.insert("description".to_owned());
        Schema::Object(SchemaObject {
            instance_type: Some(InstanceType::Object.into()),
            metadata: Some(Box::new(Metadata {
                description: Some(
                    "The body of every authentication error (with the default renderer, `Auth0Json`)."
                        .to_owned(),
                ),
                ..Metadata::default()
            })),
            object: Some(Box::new(object)),
            ..SchemaObject::default()
        })
    }
}

/// A header of `type: string` (or `integer`), described.
fn header(description: &str, instance_type: InstanceType) -> RefOr<Header> {
    RefOr::Object(Header {
        description: Some(description.to_owned()),
        required: true,
        deprecated: false,
        allow_empty_value: false,
        value: ParameterValue::Schema {
            style: None,
            explode: None,
            allow_reserved: false,
            schema: SchemaObject {
                instance_type: Some(instance_type.into()),
                ..SchemaObject::default()
            },
            example: None,
            examples: None,
        },
        extensions: Default::default(),
    })
}

const CHALLENGE_401: &str =
    "`Bearer realm=\"...\"`, with `error` and `error_description` when a token was \
     presented, `scope` on a route that requires scopes, `resource_metadata` when the \
     protected-resource metadata is served, `acr_values` and `max_age` for a step-up; a `DPoP` \
     challenge follows where DPoP is accepted (RFC 6750, RFC 9449, RFC 9470, RFC 9728).";

const CHALLENGE_403: &str =
    "`Bearer realm=\"...\", error=\"insufficient_scope\", scope=\"<the scopes that suffice>\"` (RFC 6750).";

/// Generic descriptions; [`openapi_route`] adds what the route requires.
const DESCRIPTION_401: &str = "No token, or one that is malformed, expired, not for this API, or \
     presented without its proof; the JSON `code` says which.";
const DESCRIPTION_403: &str = "The token is valid but does not grant what this operation requires.";
const DESCRIPTION_503: &str = "The issuer's keys (or the introspection endpoint, or the DPoP \
     replay store) cannot be had right now; retry after `Retry-After` seconds.";

/// The responses of an authenticating guard (401 and 503, and 403 when
/// `forbidden`), with `marker` among them.
fn responses(
    gen: &mut OpenApiGenerator,
    forbidden: bool,
    marker: (String, Value),
) -> rocket_okapi::Result<Responses> {
    let schema = gen.json_schema::<AuthErrorBody>();
    let json = |description: &str, headers: Vec<(&str, RefOr<Header>)>| {
        RefOr::Object(Response {
            description: description.to_owned(),
            headers: headers
                .into_iter()
                .map(|(name, header)| (name.to_owned(), header))
                .collect(),
            content: [(
                "application/json".to_owned(),
                MediaType {
                    schema: Some(schema.clone()),
                    ..MediaType::default()
                },
            )]
            .into_iter()
            .collect(),
            links: Default::default(),
            extensions: Default::default(),
        })
    };
    let mut responses = Responses::default();
    responses.responses.insert(
        "401".to_owned(),
        json(
            DESCRIPTION_401,
            vec![(
                "WWW-Authenticate",
                header(CHALLENGE_401, InstanceType::String),
            )],
        ),
    );
    if forbidden {
        responses.responses.insert(
            "403".to_owned(),
            json(
                DESCRIPTION_403,
                vec![(
                    "WWW-Authenticate",
                    header(CHALLENGE_403, InstanceType::String),
                )],
            ),
        );
    }
    responses.responses.insert(
        "503".to_owned(),
        json(
            DESCRIPTION_503,
            vec![(
                "Retry-After",
                header("Seconds to wait before retrying.", InstanceType::Integer),
            )],
        ),
    );
    responses.extensions.insert(marker.0, marker.1);
    Ok(responses)
}

/// `from_request_input` of a guard of ours: it reads no parameter the
/// operation lists (the `Authorization` header is the security scheme's).
macro_rules! no_request_input {
    () => {
        fn from_request_input(
            _: &mut OpenApiGenerator,
            _: String,
            _: bool,
        ) -> rocket_okapi::Result<RequestHeaderInput> {
            Ok(RequestHeaderInput::None)
        }
    };
}

impl<'r> OpenApiFromRequest<'r> for Claims {
    no_request_input!();

    fn get_responses(gen: &mut OpenApiGenerator) -> rocket_okapi::Result<Responses> {
        responses(gen, false, (TOKEN.to_owned(), true.into()))
    }
}

impl<'r, T> OpenApiFromRequest<'r> for ClaimsAs<T>
where
    T: serde::de::DeserializeOwned + Send + Sync + 'static,
{
    no_request_input!();

    fn get_responses(gen: &mut OpenApiGenerator) -> rocket_okapi::Result<Responses> {
        responses(gen, false, (TOKEN.to_owned(), true.into()))
    }
}

impl<'r> OpenApiFromRequest<'r> for OptionalClaims {
    no_request_input!();

    fn get_responses(gen: &mut OpenApiGenerator) -> rocket_okapi::Result<Responses> {
        responses(gen, false, (OPTIONAL.to_owned(), true.into()))
    }
}

impl<'r, R: RouteRequirement> OpenApiFromRequest<'r> for Authorized<R> {
    no_request_input!();

    fn get_responses(gen: &mut OpenApiGenerator) -> rocket_okapi::Result<Responses> {
        let forbidden = !R::CLAIMS.is_empty() || !R::SCOPES.all_scopes().is_empty();
        let key = format!("{REQUIREMENT} {}", type_name::<R>());
        responses(gen, forbidden, (key, requirement::<R>()))
    }
}

/// Serves `spec` at `settings.json_path`, as `rocket_okapi::get_openapi_route`
/// does, completed from the [`Auth`](crate::Auth) fairing's configuration:
/// a security scheme per issuer (OpenID Connect, at the issuer's discovery
/// URL), and on each operation the security requirements its guards
/// enforce (one object per alternative of an `any(...)`, the scopes of an
/// `all(...)` together), with its step-up requirement and claim checks
/// described in its 401 and 403 responses.
///
/// ```no_run
/// # #[macro_use] extern crate rocket;
/// use auth_runtime::requires_scope;
/// use rocket_okapi::{openapi, openapi_get_routes_spec, settings::OpenApiSettings};
///
/// /// Reads the messages.
/// #[openapi]
/// #[requires_scope("read:messages")]
/// #[get("/api/messages")]
/// fn messages() -> &'static str {
///     "..."
/// }
///
/// #[launch]
/// fn rocket() -> _ {
///     let settings = OpenApiSettings::default();
///     let (routes, spec) = openapi_get_routes_spec![settings: messages];
///     rocket::build()
///         .attach(auth_runtime::Auth::from_env())
///         .mount("/", routes)
///         .mount("/", vec![auth_runtime::rocket::openapi_route(spec, &settings)])
/// }
/// ```
///
/// Place `#[openapi]` *below* `#[requires_auth]` / `#[requires_scope]`:
/// rocket_okapi must see the guard they add (above them, the route is
/// documented as public). Only the guards' markers are read: a route's
/// `security` is what its guards enforce, whatever rocket_okapi itself
/// would write.
///
/// The document is completed on its first request and kept. It lists no
/// claim check's value: only the claim's name and how it is compared.
#[cfg_attr(docsrs, doc(cfg(feature = "okapi")))]
pub fn openapi_route(spec: OpenApi, settings: &OpenApiSettings) -> Route {
    let handler = OpenApiDocument {
        spec: Arc::new(spec),
        finished: Arc::new(OnceLock::new()),
    };
    Route::new(Method::Get, &settings.json_path, handler)
}

/// The handler of [`openapi_route`].
#[derive(Clone)]
struct OpenApiDocument {
    spec: Arc<OpenApi>,
    finished: Arc<OnceLock<Result<String, String>>>,
}

#[rocket::async_trait]
impl Handler for OpenApiDocument {
    async fn handle<'r>(&self, request: &'r Request<'_>, _: Data<'r>) -> Outcome<'r> {
        let router = request.rocket().state::<IssuerRouter>();
        let finished = self.finished.get_or_init(|| {
            serde_json::to_value(&*self.spec)
                .map(|document| finish(document, router).to_string())
                .map_err(|error| error.to_string())
        });
        match finished {
            Ok(document) => Outcome::from(request, (ContentType::JSON, document.clone())),
            Err(error) => {
                log::error!("auth: the OpenAPI document cannot be written: {error}");
                Outcome::Error(Status::InternalServerError)
            }
        }
    }
}

/// The name of the `index`-th issuer's security scheme.
fn scheme_name(index: usize) -> String {
    match index {
        0 => "oidc".to_owned(),
        n => format!("oidc{}", n + 1),
    }
}

/// The security scheme of the issuer of `config`: OpenID Connect at its
/// discovery URL, with the forms a token may take.
fn scheme(config: &AuthConfig) -> Value {
    let issuer = config.issuer();
    let discovery = reqwest::Url::parse(issuer).map_or_else(
        |_| {
            format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            )
        },
        |url| crate::config::http::openid_configuration_url(&url).to_string(),
    );
    let forms = match config.dpop_mode() {
        DpopMode::Disabled => "as `Authorization: Bearer <token>`",
        DpopMode::Allowed => {
            "as `Authorization: Bearer <token>`, or as `Authorization: DPoP <token>` with a \
             `DPoP` proof header (RFC 9449) for a token bound to a key"
        }
        DpopMode::Required => {
            "as `Authorization: DPoP <token>` with a `DPoP` proof header (RFC 9449); \
             `Bearer` is refused"
        }
    };
    json!({
        "type": "openIdConnect",
        "openIdConnectUrl": discovery,
        "description": format!(
            "An access token issued by {issuer} for {}, sent {forms}.",
            config.audiences().join(" or ")
        ),
    })
}

/// `document` with the issuers' schemes, and each operation's markers
/// turned into its `security` and the descriptions of its 401 and 403.
fn finish(mut document: Value, router: Option<&IssuerRouter>) -> Value {
    let schemes: Vec<String> = router
        .map_or(&[][..], IssuerRouter::validators)
        .iter()
        .enumerate()
        .map(|(index, _)| scheme_name(index))
        .collect();
    if let (Some(router), Some(root)) = (router, document.as_object_mut()) {
        let components = root.entry("components").or_insert_with(|| json!({}));
        if let Some(security_schemes) = components
            .as_object_mut()
            .map(|components| {
                components
                    .entry("securitySchemes")
                    .or_insert_with(|| json!({}))
            })
            .and_then(Value::as_object_mut)
        {
            for (name, validator) in schemes.iter().zip(router.validators()) {
                security_schemes.insert(name.clone(), scheme(validator.config()));
            }
        }
    }
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for (_, operation) in item.iter_mut().filter(|(key, _)| is_method(key)) {
                secure(operation, &schemes);
            }
        }
    }
    document
}

mod requirement;
mod security;
use requirement::requirement;
use security::{is_method, secure};

#[cfg(test)]
mod tests;
