//! The settings of opaque tokens (RFC 7662 introspection): the endpoint
//! and the API's own client credentials there.

use super::{AuthConfig, AuthConfigBuilder};
use crate::introspection::{ClientSecret, IntrospectionSettings};

impl AuthConfigBuilder {
    /// The RFC 7662 introspection endpoint (`https`, or `http` on a
    /// loopback host): a token within the size limit that does not parse as
    /// a compact JWS is sent to it, with the credentials of
    /// [`introspection_client`](Self::introspection_client).
    /// `introspection_url` in Rocket's `[auth]`, `AUTH_INTROSPECTION_URL`.
    /// Default: none (such a token is `invalid_header`). Answers are cached
    /// as [`crate::introspection`] says (at most
    /// [`DEFAULT_INTROSPECTION_MAX_ACTIVE_TTL`](crate::introspection::DEFAULT_INTROSPECTION_MAX_ACTIVE_TTL)).
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

impl AuthConfig {
    /// The introspection settings of this configuration, when an endpoint
    /// is configured; `issuers` and `audiences` are those given.
    pub(crate) fn introspection_settings(
        &self,
        issuers: Vec<String>,
        audiences: Vec<String>,
    ) -> Option<IntrospectionSettings> {
        let url = self.tuning.introspection_url.as_ref()?;
        let mut settings = IntrospectionSettings::new(
            url.clone(),
            self.tuning.client_id.clone().unwrap_or_default(),
            self.tuning
                .client_secret
                .clone()
                .unwrap_or_else(|| ClientSecret::new("")),
        );
        settings.issuers = issuers;
        settings.audiences = audiences;
        settings.leeway = self.tuning.leeway;
        settings.timeout = self.tuning.fetch_timeout;
        settings.scope_sources = self.tuning.scope_claims.clone();
        Some(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variables_set_the_endpoint_and_credentials_and_the_secret_is_never_printed() {
        let var = |name: &str| match name {
            "AUTH_INTROSPECTION_URL" => Some(" https://as.example/introspect ".to_owned()),
            "AUTH_CLIENT_ID" => Some("api".to_owned()),
            "AUTH_CLIENT_SECRET" => Some("hunter2".to_owned()),
            _ => None,
        };
        let config = AuthConfig::builder("https://issuer.example/", "https://api")
            .settings_from(&var)
            .unwrap()
            .build()
            .unwrap();
        let settings = config
            .introspection_settings(vec![], vec![])
            .expect("an endpoint is configured");
        assert_eq!(settings.endpoint, "https://as.example/introspect");
        assert_eq!(settings.client_id, "api");
        assert!(!format!("{config:?}").contains("hunter2"));
        assert!(!format!("{settings:?}").contains("hunter2"));
        let none = AuthConfig::builder("https://issuer.example/", "https://api")
            .build()
            .unwrap();
        assert!(none.introspection_settings(vec![], vec![]).is_none());
    }
}
