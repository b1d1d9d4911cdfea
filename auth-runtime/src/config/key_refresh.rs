//! The settings of the key set's refresh that came with stale-while-
//! revalidate: their builder methods and their bounds (the constants and
//! the `Tuning` fields are in the parent module, with the others).

use std::time::Duration;

use super::{AuthConfigBuilder, ConfigError, Tuning};

impl AuthConfigBuilder {
    /// The fraction of the key set's TTL after which the next request starts
    /// a background refresh (refresh ahead); `1.0` waits for the TTL itself.
    /// No request waits for it: a stale set serves while the refresh runs
    /// (stale-while-revalidate). Above 0, at most 1. Default:
    /// [`DEFAULT_REFRESH_AHEAD`](super::DEFAULT_REFRESH_AHEAD).
    pub fn refresh_ahead(mut self, fraction: f64) -> Self {
        self.config.tuning.refresh_ahead = fraction;
        self
    }

    /// The longest time keys are served after their last successful fetch
    /// while refreshes fail; past it, requests get 503 `jwks_unavailable`
    /// until a fetch succeeds. At least the [`jwks_ttl`](Self::jwks_ttl).
    /// Default: [`DEFAULT_MAX_STALE`](super::DEFAULT_MAX_STALE), whose doc
    /// says why.
    pub fn max_stale(mut self, max_stale: Duration) -> Self {
        self.config.tuning.max_stale = max_stale;
        self
    }

    /// Fetches the key set at launch, so that the first request does not
    /// wait for it: the [`Auth`](crate::Auth) fairing does it at liftoff
    /// ([`IssuerRouter::warm_up`](crate::validator::IssuerRouter::warm_up)),
    /// waiting at most the [`fetch_timeout`](Self::fetch_timeout); a failure
    /// is logged and launch goes on. Default:
    /// [`DEFAULT_WARM_UP`](super::DEFAULT_WARM_UP).
    pub fn warm_up(mut self, warm_up: bool) -> Self {
        self.config.tuning.warm_up = warm_up;
        self
    }
}

/// The ranges of these settings, for `build`.
pub(super) fn check_bounds(tuning: &Tuning) -> Result<(), ConfigError> {
    let refuse = |setting, reason| Err(ConfigError::OutOfRange { setting, reason });
    if !(tuning.refresh_ahead > 0.0 && tuning.refresh_ahead <= 1.0) {
        return refuse(
            "refresh_ahead",
            "must be a fraction of jwks_ttl above 0, at most 1",
        );
    }
    if tuning.max_stale < tuning.jwks_ttl {
        return refuse("max_stale", "must be at least jwks_ttl");
    }
    Ok(())
}

#[cfg(test)]
mod tests;
