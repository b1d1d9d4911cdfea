//! Why a request was refused, as values: status, code, description and the
//! parts of the OAuth challenge. How an error becomes an HTTP response is the
//! framework layer's business ([`crate::rocket`]); nothing here names Rocket.
//!
//! Nothing in an error ever contains the presented token.

use std::borrow::Cow;
use std::fmt;

/// Why a request was refused.
///
/// Each variant maps to one row of the HTTP contract: [`AuthError::status`],
/// [`AuthError::code`] and [`AuthError::description`] give what the client
/// sees. With the Rocket layer, the type is a `Responder`, so a handler may
/// return it (for example from [`Claims::require_scopes`](crate::Claims::require_scopes)).
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
    /// The token introspection endpoint (RFC 7662) could not answer.
    IntrospectionUnavailable,
    /// The token is valid, but the route's step-up requirement (RFC 9470) is
    /// not met: the client should have the user authenticate again.
    InsufficientUserAuthentication {
        /// The sentence for the client: which part is not met.
        description: &'static str,
        /// The route's acceptable `acr` values (none: any).
        acr_values: &'static [&'static str],
        /// The route's maximum authentication age, in seconds.
        max_age: Option<u64>,
    },
    /// The token is valid, but a claim check of the route fails; holds the
    /// claim's name (for logs only).
    ClaimCheckFailed(&'static str),
    /// The token is valid but cannot be used as it was presented: a token
    /// bound to a key (`cnf.jkt`) sent as `Bearer`, one without `cnf` sent
    /// as `DPoP`, or a plain `Bearer` token where DPoP is required. The
    /// sentence says which.
    InvalidToken(&'static str),
    /// The DPoP proof (RFC 9449) is missing or fails a check; the sentence
    /// says which.
    InvalidDpopProof(&'static str),
    /// The server requires a DPoP nonce and the proof has no current one:
    /// the answer carries a fresh `DPoP-Nonce`.
    UseDpopNonce,
    /// The DPoP replay store cannot record the proof (unreachable, timed
    /// out, or full), so the proof is not accepted unchecked.
    ReplayStoreUnavailable,
}

impl From<crate::dpop::DpopError> for AuthError {
    fn from(error: crate::dpop::DpopError) -> AuthError {
        use crate::dpop::DpopError;
        match error {
            DpopError::InvalidProof(why) => AuthError::InvalidDpopProof(why),
            DpopError::UseNonce => AuthError::UseDpopNonce,
            DpopError::ReplayStoreUnavailable => AuthError::ReplayStoreUnavailable,
        }
    }
}

impl AuthError {
    /// One error of each kind (with fixed texts where a kind carries one):
    /// the label values the request counter registers up front, and the
    /// fuzz targets' list of what an error can say.
    pub(crate) fn one_of_each() -> [AuthError; 19] {
        [
            AuthError::MissingHeader,
            AuthError::NotBearer,
            AuthError::TokenNotFound,
            AuthError::TooManyParts,
            AuthError::Malformed(""),
            AuthError::KeyNotFound,
            AuthError::BadSignature,
            AuthError::Expired,
            AuthError::WrongAudienceOrIssuer,
            AuthError::InvalidClaims(Cow::Borrowed("")),
            AuthError::InsufficientScope(Cow::Borrowed("")),
            AuthError::JwksUnavailable,
            AuthError::IntrospectionUnavailable,
            AuthError::InsufficientUserAuthentication {
                description: "",
                acr_values: &[],
                max_age: None,
            },
            AuthError::ClaimCheckFailed(""),
            AuthError::InvalidToken(""),
            AuthError::InvalidDpopProof(""),
            AuthError::UseDpopNonce,
            AuthError::ReplayStoreUnavailable,
        ]
    }

    /// The HTTP status code: 401, 403 or 503.
    pub fn status(&self) -> u16 {
        match self {
            AuthError::InsufficientScope(_) | AuthError::ClaimCheckFailed(_) => 403,
            AuthError::JwksUnavailable
            | AuthError::IntrospectionUnavailable
            | AuthError::ReplayStoreUnavailable => 503,
            _ => 401,
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
            AuthError::InsufficientScope(_) | AuthError::ClaimCheckFailed(_) => "Unauthorized",
            AuthError::JwksUnavailable => "jwks_unavailable",
            AuthError::IntrospectionUnavailable => "introspection_unavailable",
            AuthError::InsufficientUserAuthentication { .. } => "insufficient_user_authentication",
            AuthError::InvalidToken(_) => "invalid_token",
            AuthError::InvalidDpopProof(_) => "invalid_dpop_proof",
            AuthError::UseDpopNonce => "use_dpop_nonce",
            AuthError::ReplayStoreUnavailable => "replay_store_unavailable",
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
            AuthError::InsufficientScope(_) | AuthError::ClaimCheckFailed(_) => {
                "You don't have access to this resource"
            }
            AuthError::InsufficientUserAuthentication { description, .. } => description,
            AuthError::IntrospectionUnavailable => {
                "The token introspection endpoint cannot be reached right now; please retry later"
            }
            AuthError::JwksUnavailable => {
                "The signing keys of the issuer cannot be fetched right now; please retry later"
            }
            AuthError::InvalidToken(description) | AuthError::InvalidDpopProof(description) => {
                description
            }
            AuthError::UseDpopNonce => crate::dpop::DpopError::UseNonce.description(),
            AuthError::ReplayStoreUnavailable => {
                crate::dpop::DpopError::ReplayStoreUnavailable.description()
            }
        }
    }

    /// The RFC 6750 `error` attribute of the `WWW-Authenticate` challenge:
    /// `None` for a request that presented no token, and for a 503 (which
    /// carries no challenge).
    pub(crate) fn challenge_error(&self) -> Option<&'static str> {
        match self {
            AuthError::MissingHeader
            | AuthError::JwksUnavailable
            | AuthError::IntrospectionUnavailable
            | AuthError::ReplayStoreUnavailable => None,
            AuthError::InvalidDpopProof(_) => Some("invalid_dpop_proof"),
            AuthError::UseDpopNonce => Some("use_dpop_nonce"),
            AuthError::NotBearer | AuthError::TokenNotFound | AuthError::TooManyParts => {
                Some("invalid_request")
            }
            AuthError::InsufficientScope(_) | AuthError::ClaimCheckFailed(_) => {
                Some("insufficient_scope")
            }
            AuthError::InsufficientUserAuthentication { .. } => {
                Some("insufficient_user_authentication")
            }
            _ => Some("invalid_token"),
        }
    }

    /// For a step-up failure: the route's `acr` values, space-separated
    /// (empty when any will do), and its maximum age, as the challenge's
    /// `acr_values` and `max_age` name them.
    pub(crate) fn step_up(&self) -> Option<(String, Option<u64>)> {
        match self {
            AuthError::InsufficientUserAuthentication {
                acr_values,
                max_age,
                ..
            } => Some((acr_values.join(" "), *max_age)),
            _ => None,
        }
    }

    /// Whether the answer carries a `WWW-Authenticate` challenge at all (every
    /// 401 and 403 does; a 503 does not).
    pub(crate) fn has_challenge(&self) -> bool {
        self.status() != 503
    }

    /// Whether the failure is the DPoP proof's (`invalid_dpop_proof`,
    /// `use_dpop_nonce`): its challenge is a `DPoP` one (RFC 9449 section
    /// 7.1), whatever else the answer carries.
    pub(crate) fn is_dpop_proof_error(&self) -> bool {
        matches!(
            self,
            AuthError::InvalidDpopProof(_) | AuthError::UseDpopNonce
        )
    }

    /// The scopes a 403 names in its challenge's `scope` attribute.
    pub(crate) fn required_scopes(&self) -> Option<&str> {
        match self {
            AuthError::InsufficientScope(scopes) => Some(scopes),
            _ => None,
        }
    }

    /// The OAuth error code for this error, as in RFC 6750 section 3.1
    /// (`invalid_request`, `invalid_token`, `insufficient_scope`), with
    /// `invalid_request` for a missing header and RFC 6749's
    /// `temporarily_unavailable` for a 503.
    pub fn oauth_error(&self) -> &'static str {
        match self {
            AuthError::MissingHeader => "invalid_request",
            AuthError::JwksUnavailable
            | AuthError::IntrospectionUnavailable
            | AuthError::ReplayStoreUnavailable => "temporarily_unavailable",
            other => other.challenge_error().unwrap_or("invalid_token"),
        }
    }

    /// A short reason for logs. It never contains the token.
    pub(crate) fn log_reason(&self) -> &str {
        match self {
            AuthError::Malformed(reason) => reason,
            AuthError::BadSignature => "signature does not verify",
            AuthError::InsufficientScope(_) => "required scope absent",
            AuthError::ClaimCheckFailed(_) => "a claim check of the route fails",
            other => other.description(),
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.description())
    }
}

impl std::error::Error for AuthError {}

#[cfg(test)]
mod tests;
