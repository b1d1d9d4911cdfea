//! The settings of what a token's claims must say beyond the standard
//! checks: several audiences, a maximum token age, which claims carry
//! scopes, and the application's own check.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::{AuthConfigBuilder, ConfigError, Tuning};
pub use crate::claims::ScopeSource;

/// The application's own check over the verified claims: `Ok(())`, or the
/// reason for refusing (for the log only; the client gets a fixed sentence).
#[derive(Clone)]
pub(crate) struct ClaimPolicy(Arc<CheckFn>);

/// The closure of a [`ClaimPolicy`].
type CheckFn = dyn Fn(&Map<String, Value>) -> Result<(), String> + Send + Sync;

impl ClaimPolicy {
    pub(crate) fn check(&self, claims: &Map<String, Value>) -> Result<(), String> {
        (self.0)(claims)
    }
}

impl fmt::Debug for ClaimPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClaimPolicy(..)")
    }
}

/// The longest maximum token age accepted: a week.
pub const MAX_MAX_TOKEN_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

impl AuthConfigBuilder {
    /// The audiences accepted, replacing the one given to
    /// [`AuthConfig::builder`](super::AuthConfig::builder): a token whose
    /// `aud` is or contains any of them is accepted (`AUTH_AUDIENCE` with
    /// several space-separated values, or a list as `audience` in
    /// Rocket.toml). At least one, none blank.
    pub fn audiences<S: Into<String>>(mut self, audiences: impl IntoIterator<Item = S>) -> Self {
        self.config.audiences = audiences.into_iter().map(Into::into).collect();
        self
    }

    /// The greatest age of a token, from its `iat`: when set, `iat` is
    /// required and a token issued longer ago (plus the leeway) is refused
    /// with 401 `invalid_claims` (`AUTH_MAX_TOKEN_AGE`, `max_token_age` in
    /// Rocket.toml, in seconds). Default: none; at most
    /// [`MAX_MAX_TOKEN_AGE`].
    pub fn max_token_age(mut self, age: Duration) -> Self {
        self.config.tuning.max_token_age = Some(age);
        self
    }

    /// The claims that carry scopes, for `requires_scope` and
    /// [`Claims::scopes`](crate::Claims::scopes) (`scope_claims` in
    /// Rocket.toml: `["scope", "scp", "permissions"]`). Default: all three,
    /// [`ScopeSource::ALL`].
    pub fn scope_claims(mut self, sources: impl IntoIterator<Item = ScopeSource>) -> Self {
        self.config.tuning.scope_claims = sources.into_iter().collect();
        self
    }

    /// The application's own check over every verified token's claims, run
    /// after the standard checks: `Err(reason)` refuses the token with 401
    /// `invalid_claims` and a fixed sentence; the reason goes to the log
    /// (at `debug`), never to the client.
    ///
    /// ```
    /// use auth_runtime::AuthConfig;
    ///
    /// let config = AuthConfig::builder("https://example.eu.auth0.com/", "https://quickstarts/api")
    ///     .claim_check(|claims| match claims.get("email_verified") {
    ///         Some(serde_json::Value::Bool(true)) => Ok(()),
    ///         _ => Err("the e-mail address is not verified".into()),
    ///     })
    ///     .build()?;
    /// # Ok::<(), auth_runtime::config::ConfigError>(())
    /// ```
    pub fn claim_check(
        mut self,
        check: impl Fn(&Map<String, Value>) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.config.claim_policy = Some(ClaimPolicy(Arc::new(check)));
        self
    }
}

/// The bounds of these settings.
pub(super) fn check_bounds(audiences: &[String], tuning: &Tuning) -> Result<(), ConfigError> {
    if audiences.is_empty() || audiences.iter().any(|audience| audience.trim().is_empty()) {
        return Err(ConfigError::OutOfRange {
            setting: "the audience",
            reason: "must not be empty",
        });
    }
    match tuning.max_token_age {
        Some(age) if age.is_zero() || age > MAX_MAX_TOKEN_AGE => Err(ConfigError::OutOfRange {
            setting: "max_token_age",
            reason: "must be above zero and at most a week (MAX_MAX_TOKEN_AGE)",
        }),
        _ if tuning.scope_claims.is_empty() => Err(ConfigError::OutOfRange {
            setting: "scope_claims",
            reason: "must name at least one of scope, scp and permissions",
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
