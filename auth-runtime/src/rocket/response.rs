//! How an [`AuthError`] becomes a Rocket response: its status, the
//! `WWW-Authenticate` challenges (`challenge.rs`), `DPoP-Nonce` for a
//! nonce to retry with, `Retry-After` on a 503, and a body written by an
//! [`ErrorRenderer`].

use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};

use super::challenge::{challenges, ChallengeContext};
use super::parts;
use crate::config::{defaults, AuthConfig};
use crate::error::AuthError;
use crate::validator::IssuerRouter;

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
            .unwrap_or_else(defaults::retry_interval);
        Rendering {
            realm: configs
                .first()
                .map_or_else(defaults::realm, |config| config.realm().to_owned()),
            retry_after: whole_seconds(retry),
            renderer,
        }
    }

    /// Without the fairing: the defaults.
    fn fallback() -> Rendering {
        Rendering {
            realm: defaults::realm(),
            retry_after: whole_seconds(defaults::retry_interval()),
            renderer: Arc::new(Auth0Json),
        }
    }

    /// Writes `error` into `response`: status, the renderer's body, and the
    /// contract's headers (the challenges of `context`, whose realm is
    /// replaced by ours; `DPoP-Nonce` when `nonce`).
    fn write<'a>(
        &'a self,
        error: &AuthError,
        mut context: ChallengeContext<'a>,
        nonce: Option<String>,
        response: &mut Response<'_>,
    ) {
        let ErrorBody { content_type, body } =
            self.renderer.render_on_route(error, context.route_scopes);
        response.set_status(status(error));
        response.set_header(content_type);
        context.realm = &self.realm;
        response.remove_header("WWW-Authenticate");
        for value in challenges(error, &context) {
            response.adjoin_header(Header::new("WWW-Authenticate", value));
        }
        if let Some(nonce) = nonce {
            response.set_header(Header::new("DPoP-Nonce", nonce));
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
    let router = request.rocket().state::<IssuerRouter>();
    let default_realm = defaults::realm();
    let context = ChallengeContext {
        realm: &default_realm,
        route_scopes,
        used: parts::scheme_used(request, router),
        dpop_algs: router
            .filter(|router| router.dpop_mode().accepts_dpop())
            .map(IssuerRouter::dpop_algs),
        resource_metadata: router.and_then(|router| parts::metadata_url(request, router)),
    };
    // A fresh nonce to retry with (RFC 9449 section 9).
    let nonce = match error {
        AuthError::UseDpopNonce => {
            router.and_then(|router| router.dpop_nonce(router.clock().unix()))
        }
        _ => None,
    };
    match request.rocket().state::<Rendering>() {
        Some(rendering) => rendering.write(error, context, nonce, response),
        None => Rendering::fallback().write(error, context, nonce, response),
    }
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
        json_body(ContentType::JSON, &body)
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
        json_body(ContentType::new("application", "problem+json"), &body)
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
        json_body(ContentType::JSON, &body)
    }
}

/// A body of the JSON `body`, as `content_type`.
fn json_body(content_type: ContentType, body: &serde_json::Value) -> ErrorBody {
    ErrorBody {
        content_type,
        body: body.to_string(),
    }
}

#[cfg(test)]
mod tests;
