//! The introspection endpoint as readiness and the logs see it: its
//! background probe, and how a log line names it.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use super::{http, Introspector};
use crate::readiness::{Health, Probe};

/// What the readiness probe introspects: a token no authorization server
/// issued, so that the answer is `active: false` and nothing is learnt of
/// any real token.
pub(crate) const PROBE_TOKEN: &str = "auth-runtime-readiness-probe";

impl Introspector {
    /// The endpoint's last known state: down from a call that could not
    /// reach it (or whose credentials it refused) until one answers.
    pub(crate) fn health(&self) -> &Arc<Health> {
        &self.health
    }

    /// The background probe of the endpoint: the introspection of a token
    /// no server issued ([`PROBE_TOKEN`]), uncached and uncounted; the
    /// endpoint is up when it answers as RFC 7662 says (2xx, a JSON object
    /// with a boolean `active`), not merely with a 2xx page. The probe ends
    /// with the introspector (it holds it weakly).
    pub(crate) fn probe(self: &Arc<Self>, retry_interval: Duration) -> Probe {
        let introspector = Arc::downgrade(self);
        Probe {
            health: self.health.clone(),
            call: Box::new(move || {
                let introspector = introspector.upgrade();
                Box::pin(async move {
                    let introspector = introspector?;
                    let answer = http::post(
                        &introspector.client,
                        &introspector.endpoint,
                        &introspector.settings,
                        PROBE_TOKEN,
                    )
                    .await;
                    Some(answer.is_ok_and(|body| {
                        serde_json::from_slice::<serde_json::Value>(&body)
                            .is_ok_and(|json| json.get("active").is_some_and(|a| a.is_boolean()))
                    }))
                })
            }),
            retry_interval,
        }
    }
}

/// The endpoint as log lines name it: scheme, host, port and path, never a
/// query string (nor userinfo, which the endpoint may not hold anyway).
pub(crate) fn shown(endpoint: &Url) -> String {
    let mut shown = endpoint.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}
