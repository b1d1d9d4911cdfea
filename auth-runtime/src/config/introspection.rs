//! The settings of opaque tokens (RFC 7662 introspection): the endpoint
//! and the API's own client credentials there.

use super::AuthConfigBuilder;
use super::ClientSecret;

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

impl AuthConfigBuilder {
    /// The RFC 7662 introspection endpoint (`https`, or `http` on a
    /// loopback host): a token within the size limit that does not parse as
    /// a compact JWS is sent to it, with the credentials of
    /// [`introspection_client`](Self::introspection_client).
    /// `introspection_url` in Rocket's `[auth]`, `AUTH_INTROSPECTION_URL`.
    /// Default: none (such a token is `invalid_header`). Answers are cached
    /// as the `introspection` module says (active ones 60 s at most).
    pub fn introspection_url(mut self, url: impl Into<String>) -> Self {
        self.config.tuning.introspection_url = Some(url.into());
        self
    }

    /// The API's client id and secret at the introspection endpoint (HTTP
    /// Basic). `client_id` / `client_secret` in Rocket's `[auth]`,
    /// `AUTH_CLIENT_ID` / `AUTH_CLIENT_SECRET`. The secret is never printed.
    pub fn introspection_client(
        mut self,
        id: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        self.config.tuning.client_id = Some(id.into());
        self.config.tuning.client_secret = Some(ClientSecret::new(secret));
        self
    }

    /// Takes the introspection endpoint from the issuer's metadata
    /// (`introspection_endpoint`: RFC 8414 authorization server metadata
    /// first, then OpenID Connect discovery) when no
    /// [`introspection_url`](Self::introspection_url) is set. The documents
    /// are read once, when the fairing ignites (or by
    /// [`IssuerRouter::discover`](crate::validator::IssuerRouter::discover));
    /// a document counts only for its own issuer, and an endpoint that is
    /// neither `https` nor `http` on loopback is refused. When none is
    /// found, ignition fails saying why. `introspection_discovery = true` in
    /// Rocket's `[auth]`, `AUTH_INTROSPECTION=on`. Default: off.
    pub fn introspection_from_metadata(mut self, on: bool) -> Self {
        self.config.tuning.introspection_discovery = on;
        self
    }

    /// How the API's credentials travel: [`ClientAuth::Basic`] (the
    /// default) or [`ClientAuth::Form`] (`client_id` and `client_secret` in
    /// the form body). `client_auth` in Rocket's `[auth]`,
    /// `AUTH_CLIENT_AUTH` (`basic` or `form`).
    pub fn introspection_client_auth(mut self, auth: ClientAuth) -> Self {
        self.config.tuning.client_auth = auth;
        self
    }

    /// Introspects JWTs too, after every local check, for APIs that must
    /// see revocations: a token the endpoint calls inactive is refused
    /// (401 `invalid_token`), and the endpoint being unavailable is a 503
    /// for JWTs as well (fail closed). Active answers are cached as for
    /// opaque tokens, so a revocation shows within the cache's maximum
    /// (60 s by default). Needs the endpoint and the
    /// API's credentials in this same configuration: with several issuers,
    /// only the one that carries the endpoint may ask, and no other
    /// issuer's token is ever sent there. `introspect_jwts = true` in
    /// Rocket's `[auth]`, `AUTH_INTROSPECT_JWTS=on`. Default: off.
    pub fn introspect_jwts(mut self, on: bool) -> Self {
        self.config.tuning.introspect_jwts = on;
        self
    }
}
