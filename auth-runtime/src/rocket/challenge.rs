//! The `WWW-Authenticate` challenges of an error: `Bearer` (RFC 6750
//! section 3) and `DPoP` (RFC 9449 section 7.1), with `resource_metadata`
//! (RFC 9728 section 5.1), `scope`, and step-up's `acr_values` and
//! `max_age` (RFC 9470).

use crate::error::AuthError;
use crate::extract::Scheme;

/// What the challenges of an answer depend on besides the error.
#[derive(Debug, Clone, Default)]
pub(super) struct ChallengeContext<'a> {
    /// The `realm` of the `Bearer` challenge.
    pub(super) realm: &'a str,
    /// Every scope the route's requirement names, space-separated.
    pub(super) route_scopes: Option<&'a str>,
    /// The scheme the client used, if one of those accepted.
    pub(super) used: Option<Scheme>,
    /// The `algs` of a `DPoP` challenge; `None` where DPoP is disabled.
    pub(super) dpop_algs: Option<String>,
    /// The absolute URL of the metadata document, when it is served.
    pub(super) resource_metadata: Option<String>,
}

/// The values of the `WWW-Authenticate` headers for `error`, in order;
/// none for a 503.
///
/// The challenge of the scheme the client used carries the error. A
/// request that used `DPoP` gets the `DPoP` challenge alone; any other
/// (no header, `Bearer`, another scheme) gets the `Bearer` challenge
/// first, since common clients read only the first, then where DPoP is
/// accepted a bare `DPoP` challenge on a 401 (saying `algs`). Every 401
/// challenge carries `resource_metadata` when the metadata is served, and
/// on a route that requires scopes `scope` (last); a 403 names the scopes
/// that would have sufficed.
pub(super) fn challenges(error: &AuthError, context: &ChallengeContext<'_>) -> Vec<String> {
    if !error.has_challenge() {
        return Vec::new();
    }
    let dpop_error = context.dpop_algs.is_some()
        && (context.used == Some(Scheme::Dpop) || error.is_dpop_proof_error());
    if dpop_error {
        return vec![challenge(Scheme::Dpop, Some(error), context)];
    }
    let mut values = vec![challenge(Scheme::Bearer, Some(error), context)];
    if context.dpop_algs.is_some() && error.status() == 401 {
        values.push(challenge(Scheme::Dpop, None, context));
    }
    values
}

/// One challenge of `scheme`; with the error's attributes when `error`.
fn challenge(scheme: Scheme, error: Option<&AuthError>, context: &ChallengeContext<'_>) -> String {
    let mut value = String::new();
    let mut param = |name: &str, text: &str| {
        if !value.is_empty() {
            value.push_str(", ");
        }
        value.push_str(name);
        value.push('=');
        push_quoted(&mut value, text);
    };
    if scheme == Scheme::Bearer {
        param("realm", context.realm);
    }
    let shown = error.filter(|error| error.challenge_error().is_some());
    if let Some(error) = shown {
        param("error", error.challenge_error().unwrap_or_default());
        param("error_description", error.description());
        if let Some((acr_values, max_age)) = error.step_up() {
            if !acr_values.is_empty() {
                param("acr_values", &acr_values);
            }
            if let Some(max_age) = max_age {
                param("max_age", &max_age.to_string());
            }
        }
    }
    if scheme == Scheme::Dpop {
        param("algs", context.dpop_algs.as_deref().unwrap_or_default());
    }
    let status = error.map_or(401, AuthError::status);
    if status == 401 {
        if let Some(url) = &context.resource_metadata {
            param("resource_metadata", url);
        }
    }
    match (
        error.and_then(AuthError::required_scopes),
        context.route_scopes,
    ) {
        (Some(required), _) => param("scope", required),
        (None, Some(scopes)) if status == 401 => param("scope", scopes),
        _ => {}
    }
    let name = match scheme {
        Scheme::Bearer => "Bearer",
        Scheme::Dpop => "DPoP",
    };
    format!("{name} {value}")
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

#[cfg(test)]
mod tests;
