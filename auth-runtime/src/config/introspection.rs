//! How the API's credentials travel to the introspection endpoint (RFC
//! 7662); the introspection settings themselves are declared in
//! config/settings.rs.

/// How the API authenticates at the introspection endpoint (RFC 6749
/// section 2.3.1): `client_auth = "basic"` or `"form"` in Rocket's
/// `[auth]`, `AUTH_CLIENT_AUTH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ClientAuth {
    /// `Authorization: Basic`, with the form-encoded id and secret.
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Form,
}
