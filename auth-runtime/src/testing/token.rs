//! [`TokenBuilder`]: test tokens, claim by claim.
#![allow(clippy::expect_used)] // test helpers: a failure here is a broken test setup

use std::sync::Arc;

use jsonwebtoken::Header;
use serde::Serialize;
use serde_json::{Map, Value};

use super::SigningKey;

/// Builds and signs a test token. Starts with `iat` now and `exp` in an hour.
#[derive(Debug, Clone)]
#[must_use = "call .build() to get the token"]
pub struct TokenBuilder {
    key: Arc<SigningKey>,
    header: Header,
    claims: Map<String, Value>,
}

impl TokenBuilder {
    /// A builder signing with `key`, its `kid` in the header.
    pub fn new(key: Arc<SigningKey>) -> TokenBuilder {
        let mut header = Header::new(key.alg());
        header.kid = Some(key.kid().to_owned());
        let now = jsonwebtoken::get_current_timestamp();
        let mut claims = Map::new();
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), (now + 3600).into());
        TokenBuilder {
            key,
            header,
            claims,
        }
    }

    /// Sets `iss`.
    pub fn issuer(self, issuer: &str) -> Self {
        self.claim("iss", issuer)
    }

    /// Sets `aud`.
    pub fn audience(self, audience: &str) -> Self {
        self.claim("aud", audience)
    }

    /// Sets `sub`.
    #[allow(clippy::should_implement_trait)] // named after the claim
    pub fn sub(self, sub: &str) -> Self {
        self.claim("sub", sub)
    }

    /// Sets `scope`, a space-separated list.
    pub fn scope(self, scope: &str) -> Self {
        self.claim("scope", scope)
    }

    /// Sets Auth0's RBAC `permissions` array.
    pub fn permissions<'a>(self, permissions: impl IntoIterator<Item = &'a str>) -> Self {
        self.claim("permissions", permissions.into_iter().collect::<Vec<_>>())
    }

    /// Sets `exp` to now plus `seconds`; negative for an expired token.
    pub fn expires_in(self, seconds: i64) -> Self {
        let now = jsonwebtoken::get_current_timestamp() as i64;
        self.claim("exp", now.saturating_add(seconds))
    }

    /// Sets `acr`, the authentication context class (RFC 9470), e.g.
    /// Auth0's multi-factor value
    /// `http://schemas.openid.net/pape/policies/2007/06/multi-factor`.
    pub fn acr(self, acr: &str) -> Self {
        self.claim("acr", acr)
    }

    /// Sets `auth_time` to `seconds` ago: when the user authenticated.
    pub fn authenticated_ago(self, seconds: u64) -> Self {
        let now = jsonwebtoken::get_current_timestamp();
        self.claim("auth_time", now.saturating_sub(seconds))
    }

    /// Binds the token to a DPoP key: `cnf` is `{"jkt": "<its thumbprint>"}`
    /// (RFC 9449 section 6), so that it is accepted only with the `DPoP`
    /// scheme and a proof by `key`.
    pub fn bound_to(self, key: &super::DpopKey) -> Self {
        self.claim("cnf", key.cnf())
    }

    /// Sets any claim.
    pub fn claim(mut self, name: &str, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).expect("claim value serializes to JSON");
        self.claims.insert(name.to_owned(), value);
        self
    }

    /// Binds the token to the client certificate whose RFC 8705 thumbprint
    /// is `x5t_s256` (see [`ClientCert::thumbprint`](super::ClientCert::thumbprint)):
    /// sets `cnf["x5t#S256"]`, keeping any other `cnf` member.
    pub fn bound_to_certificate(mut self, x5t_s256: &str) -> Self {
        let cnf = self
            .claims
            .entry("cnf")
            .or_insert_with(|| Value::Object(Map::new()));
        if !cnf.is_object() {
            *cnf = Value::Object(Map::new());
        }
        if let Value::Object(cnf) = cnf {
            cnf.insert("x5t#S256".to_owned(), x5t_s256.into());
        }
        self
    }

    /// Removes a claim (e.g. `exp`, to test that it is required).
    pub fn without(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }

    /// Changes the header's `kid` (`None` removes it).
    pub fn kid(mut self, kid: Option<&str>) -> Self {
        self.header.kid = kid.map(str::to_owned);
        self
    }

    /// The token, signed.
    ///
    /// # Panics
    /// If signing fails, which a key made by [`SigningKey`] does not.
    pub fn build(&self) -> String {
        self.key
            .sign(&self.header, &self.claims)
            .expect("signing a test token")
    }
}
