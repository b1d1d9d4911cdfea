//! The errors a protected route answers with, and how they are rendered.
//!
//! Every error is `application/json` with the body
//! `{"code": "...", "description": "..."}` (the codes and sentences of Auth0's
//! Python quickstart), a `WWW-Authenticate: Bearer ...` header on 401 and 403
//! (RFC 6750 section 3) and a `Retry-After` header on 503. Nothing in an error
//! ever contains the presented token.

use std::borrow::Cow;
use std::fmt;
use std::io::Cursor;

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};

/// Why a request was refused.
///
/// Each variant maps to one row of the HTTP contract: [`AuthError::status`],
/// [`AuthError::code`] and [`AuthError::description`] give what the client
/// sees. The type implements Rocket's [`Responder`], so a handler may return
/// it (for example from [`Claims::require_scopes`](crate::Claims::require_scopes)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// No `Authorization` header, or an empty one.
    MissingHeader,
    /// The scheme is not `Bearer` (compared case-insensitively).
    NotBearer,
    /// `Bearer` with no token after it.
    TokenNotFound,
    /// More than two whitespace-separated parts, or several `Authorization` headers.
    TooManyParts,
    /// The token is not a well-formed JWS that this configuration accepts.
    /// The reason is for logs only; the client sees the generic sentence.
    Malformed(&'static str),
    /// The key set has no key for the token's `kid` (after at most one refresh).
    KeyNotFound,
    /// The signature does not verify.
    BadSignature,
    /// `exp` is in the past (beyond the leeway).
    Expired,
    /// `aud` or `iss` is wrong or missing.
    WrongAudienceOrIssuer,
    /// Another claim is invalid: the description names it.
    InvalidClaims(Cow<'static, str>),
    /// The token is valid but lacks a required scope; holds the required
    /// scopes, space-separated.
    InsufficientScope(Cow<'static, str>),
    /// The key set cannot be had and nothing usable is cached.
    JwksUnavailable,
}

/// The realm used in `WWW-Authenticate` when no configuration is at hand.
pub(crate) const DEFAULT_REALM: &str = "api";

/// Seconds a client is asked to wait after a 503.
pub(crate) const RETRY_AFTER_SECS: u64 = 5;

impl AuthError {
    /// The HTTP status: 401, 403 or 503.
    pub fn status(&self) -> Status {
        match self {
            AuthError::InsufficientScope(_) => Status::Forbidden,
            AuthError::JwksUnavailable => Status::ServiceUnavailable,
            _ => Status::Unauthorized,
        }
    }

    /// The `code` field of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::MissingHeader => "authorization_header_missing",
            AuthError::NotBearer
            | AuthError::TokenNotFound
            | AuthError::TooManyParts
            | AuthError::Malformed(_)
            | AuthError::KeyNotFound
            | AuthError::BadSignature => "invalid_header",
            AuthError::Expired => "token_expired",
            AuthError::WrongAudienceOrIssuer | AuthError::InvalidClaims(_) => "invalid_claims",
            AuthError::InsufficientScope(_) => "Unauthorized",
            AuthError::JwksUnavailable => "jwks_unavailable",
        }
    }

    /// The `description` field of the JSON body.
    pub fn description(&self) -> &str {
        match self {
            AuthError::MissingHeader => "Authorization header is expected",
            AuthError::NotBearer => "Authorization header must start with Bearer",
            AuthError::TokenNotFound => "Token not found",
            AuthError::TooManyParts => "Authorization header must be Bearer token",
            AuthError::Malformed(_) | AuthError::BadSignature => {
                "Unable to parse authentication token."
            }
            AuthError::KeyNotFound => "Unable to find appropriate key",
            AuthError::Expired => "token is expired",
            AuthError::WrongAudienceOrIssuer => {
                "incorrect claims, please check the audience and issuer"
            }
            AuthError::InvalidClaims(description) => description,
            AuthError::InsufficientScope(_) => "You don't have access to this resource",
            AuthError::JwksUnavailable => {
                "The signing keys of the issuer cannot be fetched right now; please retry later"
            }
        }
    }

    /// The RFC 6750 `error` attribute of `WWW-Authenticate`, if any.
    fn bearer_error(&self) -> Option<&'static str> {
        match self {
            AuthError::MissingHeader | AuthError::JwksUnavailable => None,
            AuthError::NotBearer | AuthError::TokenNotFound | AuthError::TooManyParts => {
                Some("invalid_request")
            }
            AuthError::InsufficientScope(_) => Some("insufficient_scope"),
            _ => Some("invalid_token"),
        }
    }

    /// The value of the `WWW-Authenticate` header for this error, or `None`
    /// for a 503.
    pub fn www_authenticate(&self, realm: &str) -> Option<String> {
        if matches!(self, AuthError::JwksUnavailable) {
            return None;
        }
        let mut value = String::from("Bearer realm=");
        push_quoted(&mut value, realm);
        if let Some(error) = self.bearer_error() {
            value.push_str(", error=");
            push_quoted(&mut value, error);
            value.push_str(", error_description=");
            push_quoted(&mut value, self.description());
        }
        if let AuthError::InsufficientScope(scopes) = self {
            value.push_str(", scope=");
            push_quoted(&mut value, scopes);
        }
        Some(value)
    }

    /// The JSON body: `{"code": "...", "description": "..."}`.
    pub fn body(&self) -> String {
        serde_json::json!({ "code": self.code(), "description": self.description() }).to_string()
    }

    /// A short reason for logs. It never contains the token.
    pub(crate) fn log_reason(&self) -> &str {
        match self {
            AuthError::Malformed(reason) => reason,
            AuthError::BadSignature => "signature does not verify",
            AuthError::InsufficientScope(_) => "required scope absent",
            other => other.description(),
        }
    }

    /// The OAuth error code for this error, as in RFC 6750 section 3.1
    /// (`invalid_request`, `invalid_token`, `insufficient_scope`), with
    /// `invalid_request` for a missing header and RFC 6749's
    /// `temporarily_unavailable` for a 503.
    pub fn oauth_error(&self) -> &'static str {
        match self {
            AuthError::MissingHeader => "invalid_request",
            AuthError::JwksUnavailable => "temporarily_unavailable",
            other => other.bearer_error().unwrap_or("invalid_token"),
        }
    }

    /// Writes this error into `response`: status, the renderer's body, and
    /// the contract's headers.
    pub(crate) fn render_into(
        &self,
        realm: &str,
        renderer: &dyn ErrorRenderer,
        response: &mut Response<'_>,
    ) {
        let ErrorBody { content_type, body } = renderer.render(self);
        response.set_status(self.status());
        response.set_header(content_type);
        match self.www_authenticate(realm) {
            Some(value) => {
                response.set_header(Header::new("WWW-Authenticate", value));
            }
            None => response.remove_header("WWW-Authenticate"),
        }
        if matches!(self, AuthError::JwksUnavailable) {
            response.set_header(Header::new("Retry-After", RETRY_AFTER_SECS.to_string()));
        }
        response.set_sized_body(body.len(), Cursor::new(body));
    }
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

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.description())
    }
}

impl std::error::Error for AuthError {}

impl<'r> Responder<'r, 'static> for AuthError {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        let mut response = Response::new();
        crate::guard::render(&self, request, &mut response);
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
/// use auth_runtime::{Auth, AuthConfig, AuthError, ErrorBody, OAuthJson, ProblemJson};
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
///     body: format!("{}: {}", error.status().code, error.description()),
/// });
/// # }
/// ```
pub trait ErrorRenderer: Send + Sync + 'static {
    /// The body for `error`.
    fn render(&self, error: &AuthError) -> ErrorBody;
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
        ErrorBody {
            content_type: ContentType::JSON,
            body: error.body(),
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
        let status = error.status();
        let body = serde_json::json!({
            "type": "about:blank",
            "title": status.reason().unwrap_or_default(),
            "status": status.code,
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
            AuthError::MissingHeader.www_authenticate("api").as_deref(),
            Some(r#"Bearer realm="api""#)
        );
    }

    #[test]
    fn insufficient_scope_names_the_scope() {
        let value = AuthError::InsufficientScope("read:messages".into())
            .www_authenticate("my \"realm\"")
            .unwrap();
        assert_eq!(
            value,
            r#"Bearer realm="my \"realm\"", error="insufficient_scope", error_description="You don't have access to this resource", scope="read:messages""#
        );
    }

    #[test]
    fn unavailable_has_no_challenge() {
        assert_eq!(AuthError::JwksUnavailable.www_authenticate("api"), None);
        assert_eq!(
            AuthError::JwksUnavailable.status(),
            Status::ServiceUnavailable
        );
    }
}
