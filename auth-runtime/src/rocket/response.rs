//! How an [`AuthError`] becomes a Rocket response: its status, the
//! `WWW-Authenticate` challenge (RFC 6750 section 3), `Retry-After` on a 503,
//! and a body written by an [`ErrorRenderer`].

use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};

use crate::config::{AuthConfig, DEFAULT_REALM, DEFAULT_RETRY_INTERVAL};
use crate::error::AuthError;

/// The Rocket status of `error`.
pub(super) fn status(error: &AuthError) -> Status {
    Status::new(error.status())
}

/// What responses need from the configuration, built once at ignition and
/// managed as Rocket state.
pub(super) struct Rendering {
    realm: String,
    /// `Retry-After` of a 503, in seconds.
    retry_after: u64,
    renderer: Arc<dyn ErrorRenderer>,
}

impl Rendering {
    /// The realm of the first configuration; the longest retry interval of
    /// them all, in whole seconds rounded up, as `Retry-After`.
    pub(super) fn new(configs: &[AuthConfig], renderer: Arc<dyn ErrorRenderer>) -> Rendering {
        let retry = configs
            .iter()
            .map(AuthConfig::retry_interval)
            .max()
            .unwrap_or(DEFAULT_RETRY_INTERVAL);
        Rendering {
            realm: configs
                .first()
                .map_or(DEFAULT_REALM, AuthConfig::realm)
                .to_owned(),
            retry_after: whole_seconds(retry),
            renderer,
        }
    }

    /// Without the fairing: the defaults.
    fn fallback() -> Rendering {
        Rendering {
            realm: DEFAULT_REALM.to_owned(),
            retry_after: whole_seconds(DEFAULT_RETRY_INTERVAL),
            renderer: Arc::new(Auth0Json),
        }
    }

    /// Writes `error` into `response`: status, the renderer's body, and the
    /// contract's headers.
    fn write(&self, error: &AuthError, route_scopes: Option<&str>, response: &mut Response<'_>) {
        let ErrorBody { content_type, body } = self.renderer.render_on_route(error, route_scopes);
        response.set_status(status(error));
        response.set_header(content_type);
        match challenge(error, &self.realm, route_scopes) {
            Some(value) => {
                response.set_header(Header::new("WWW-Authenticate", value));
            }
            None => response.remove_header("WWW-Authenticate"),
        }
        if error.status() == 503 {
            response.set_header(Header::new("Retry-After", self.retry_after.to_string()));
        }
        response.set_sized_body(body.len(), Cursor::new(body));
    }
}

fn whole_seconds(duration: Duration) -> u64 {
    let secs = duration.as_secs();
    if duration.subsec_nanos() > 0 {
        secs.saturating_add(1)
    } else {
        secs
    }
}

/// Writes `error`, met on a route that requires `route_scopes`, into
/// `response` with the application's realm and renderer.
pub(super) fn render_on_route(
    error: &AuthError,
    route_scopes: Option<&str>,
    request: &Request<'_>,
    response: &mut Response<'_>,
) {
    match request.rocket().state::<Rendering>() {
        Some(rendering) => rendering.write(error, route_scopes, response),
        None => Rendering::fallback().write(error, route_scopes, response),
    }
}

/// The value of the `WWW-Authenticate` header for `error`, or `None` for a
/// 503. A 401 on a route that requires scopes names them all (`scope`), so
/// that a client asks for them when it gets a new token; a 403 names the
/// scopes that would have sufficed; a step-up 401 names the route's
/// `acr_values` and `max_age` (RFC 9470).
fn challenge(error: &AuthError, realm: &str, route_scopes: Option<&str>) -> Option<String> {
    if !error.has_challenge() {
        return None;
    }
    let mut value = String::from("Bearer realm=");
    push_quoted(&mut value, realm);
    let mut param = |name: &str, text: &str| {
        value.push_str(", ");
        value.push_str(name);
        value.push('=');
        push_quoted(&mut value, text);
    };
    if let Some(code) = error.challenge_error() {
        param("error", code);
        param("error_description", error.description());
    }
    if let Some((acr_values, max_age)) = error.step_up() {
        if !acr_values.is_empty() {
            param("acr_values", &acr_values);
        }
        if let Some(max_age) = max_age {
            param("max_age", &max_age.to_string());
        }
    }
    match (error.required_scopes(), route_scopes) {
        (Some(required), _) => param("scope", required),
        (None, Some(scopes)) if error.status() == 401 => param("scope", scopes),
        _ => {}
    }
    Some(value)
}

/// Appends `value` as an RFC 7230 quoted-string: `"` and `\` are escaped and
/// control characters are dropped, so no value can break out of its quotes.
fn push_quoted(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
}

impl<'r> Responder<'r, 'static> for AuthError {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        let mut response = Response::new();
        render_on_route(&self, None, request, &mut response);
        Ok(response)
    }
}

/// The body of an error response, as an [`ErrorRenderer`] writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorBody {
    /// Its `Content-Type`.
    pub content_type: ContentType,
    /// The body itself. Keep it small, and never put the token in it.
    pub body: String,
}

/// Writes the body of error responses; the status code, `WWW-Authenticate`
/// and `Retry-After` stay the contract's. Set one with
/// [`Auth::error_renderer`](crate::Auth::error_renderer); a closure
/// `Fn(&AuthError) -> ErrorBody` is one.
///
/// ```
/// use auth_runtime::rocket::{ErrorBody, OAuthJson, ProblemJson};
/// use auth_runtime::{Auth, AuthConfig, AuthError};
/// use rocket::http::ContentType;
///
/// # fn demo(config: AuthConfig) {
/// // RFC 9457 problem details:
/// let auth = Auth::new(config.clone()).error_renderer(ProblemJson);
/// // The OAuth style, {"error": "invalid_token", "error_description": "..."}:
/// let auth = Auth::new(config.clone()).error_renderer(OAuthJson);
/// // Or anything else:
/// let auth = Auth::new(config).error_renderer(|error: &AuthError| ErrorBody {
///     content_type: ContentType::Plain,
///     body: format!("{}: {}", error.status(), error.description()),
/// });
/// # }
/// ```
pub trait ErrorRenderer: Send + Sync + 'static {
    /// The body for `error`.
    fn render(&self, error: &AuthError) -> ErrorBody;

    /// The body for `error` met on a route whose requirement names
    /// `route_scopes` (space-separated; `None` when it names none), the
    /// scopes a 401's challenge names. By default, [`render`](Self::render).
    fn render_on_route(&self, error: &AuthError, route_scopes: Option<&str>) -> ErrorBody {
        let _ = route_scopes;
        self.render(error)
    }
}

impl<F> ErrorRenderer for F
where
    F: Fn(&AuthError) -> ErrorBody + Send + Sync + 'static,
{
    fn render(&self, error: &AuthError) -> ErrorBody {
        self(error)
    }
}

/// The default: the Auth0 quickstart's `{"code": "...", "description": "..."}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Auth0Json;

impl ErrorRenderer for Auth0Json {
    fn render(&self, error: &AuthError) -> ErrorBody {
        let body = serde_json::json!({ "code": error.code(), "description": error.description() });
        ErrorBody {
            content_type: ContentType::JSON,
            body: body.to_string(),
        }
    }
}

/// RFC 9457 problem details, `application/problem+json`:
/// `{"type": "about:blank", "title": "Unauthorized", "status": 401,
/// "detail": "<description>", "code": "<code>"}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProblemJson;

impl ErrorRenderer for ProblemJson {
    fn render(&self, error: &AuthError) -> ErrorBody {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": status(error).reason().unwrap_or_default(),
            "status": error.status(),
            "detail": error.description(),
            "code": error.code(),
        });
        ErrorBody {
            content_type: ContentType::new("application", "problem+json"),
            body: body.to_string(),
        }
    }
}

/// The OAuth style of RFC 6749 and 6750:
/// `{"error": "invalid_token", "error_description": "..."}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct OAuthJson;

impl ErrorRenderer for OAuthJson {
    fn render(&self, error: &AuthError) -> ErrorBody {
        let body = serde_json::json!({
            "error": error.oauth_error(),
            "error_description": error.description(),
        });
        ErrorBody {
            content_type: ContentType::JSON,
            body: body.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_cannot_break_out() {
        let mut out = String::new();
        push_quoted(&mut out, "a\"b\\c\r\nd");
        assert_eq!(out, r#""a\"b\\cd""#);
    }

    #[test]
    fn missing_header_gets_a_bare_challenge() {
        assert_eq!(
            challenge(&AuthError::MissingHeader, "api", None).as_deref(),
            Some(r#"Bearer realm="api""#)
        );
    }

    #[test]
    fn insufficient_scope_names_the_scope() {
        let value = challenge(
            &AuthError::InsufficientScope("read:messages".into()),
            "my \"realm\"",
            Some("read:messages write:messages"),
        )
        .unwrap();
        assert_eq!(
            value,
            r#"Bearer realm="my \"realm\"", error="insufficient_scope", error_description="You don't have access to this resource", scope="read:messages""#
        );
    }

    #[test]
    fn unavailable_has_no_challenge() {
        assert_eq!(
            challenge(&AuthError::JwksUnavailable, "api", Some("a")),
            None
        );
        assert_eq!(
            status(&AuthError::JwksUnavailable),
            Status::ServiceUnavailable
        );
    }

    #[test]
    fn a_401_of_a_scoped_route_names_every_scope_of_its_requirement() {
        assert_eq!(
            challenge(&AuthError::MissingHeader, "api", Some("a b")).as_deref(),
            Some(r#"Bearer realm="api", scope="a b""#)
        );
        let expired = challenge(&AuthError::Expired, "api", Some("a")).unwrap();
        assert!(expired.ends_with(r#", error_description="token is expired", scope="a""#));
        assert!(!challenge(&AuthError::Expired, "api", None)
            .unwrap()
            .contains("scope="));
    }

    #[test]
    fn a_step_up_401_names_acr_values_and_max_age() {
        let error = AuthError::InsufficientUserAuthentication {
            description: "the user authenticated too long ago for this resource",
            acr_values: &["urn:mfa", "urn:hwk"],
            max_age: Some(300),
        };
        assert_eq!(
            challenge(&error, "api", Some("pay")).as_deref(),
            Some(
                r#"Bearer realm="api", error="insufficient_user_authentication", error_description="the user authenticated too long ago for this resource", acr_values="urn:mfa urn:hwk", max_age="300", scope="pay""#
            )
        );
        let any_acr = AuthError::InsufficientUserAuthentication {
            description: "d",
            acr_values: &[],
            max_age: Some(60),
        };
        let value = challenge(&any_acr, "api", None).unwrap();
        assert!(value.ends_with(r#"max_age="60""#) && !value.contains("acr_values"));
    }

    #[test]
    fn retry_after_rounds_the_interval_up() {
        assert_eq!(whole_seconds(Duration::ZERO), 0);
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_secs(7)), 7);
        let config = |secs| {
            AuthConfig::builder("https://i/", "a")
                .retry_interval(Duration::from_secs(secs))
                .build()
                .unwrap()
        };
        let rendering = Rendering::new(&[config(3), config(9)], Arc::new(Auth0Json));
        assert_eq!(rendering.retry_after, 9);
    }
}
