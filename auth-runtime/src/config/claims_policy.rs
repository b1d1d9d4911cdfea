//! What a token's claims must say beyond the standard checks, where it is
//! not a declared setting (config/settings.rs declares `max_token_age` and
//! `scope_claims`): several audiences, and the application's own check.

use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::{AuthConfigBuilder, ConfigError};

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

impl AuthConfigBuilder {
    /// The audiences accepted, replacing the one given to
    /// [`AuthConfig::builder`](super::AuthConfig::builder): a token whose
    /// `aud` is or contains any of them is accepted (`AUTH_AUDIENCE` with
    /// several space-separated values, or a list as `audience` in
    /// Rocket's `[auth]` table). At least one, none blank.
    pub fn audiences<S: Into<String>>(mut self, audiences: impl IntoIterator<Item = S>) -> Self {
        self.config.audiences = audiences.into_iter().map(Into::into).collect();
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

/// The audiences: at least one, none blank.
pub(super) fn check_bounds(audiences: &[String]) -> Result<(), ConfigError> {
    if audiences.is_empty() || audiences.iter().any(|audience| audience.trim().is_empty()) {
        return Err(ConfigError::OutOfRange {
            setting: "the audience",
            reason: "must not be empty",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
