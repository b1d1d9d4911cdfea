//! The settings of opaque tokens (RFC 7662 introspection): the endpoint
//! and the API's own client credentials there.

use super::AuthConfigBuilder;
use super::ClientSecret;

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
}
