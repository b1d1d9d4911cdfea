//! Several issuers: the token's unverified `iss` picks the validator that
//! then verifies it exactly.

use serde_json::Value;

use super::jws::{parse_structure, StrictObject};
use super::sender::SenderConstraint;
use super::{RequestParts, Validator};
use crate::claims::Claims;
use crate::clock::Clock;
use crate::config::{AuthConfig, ConfigError};
use crate::error::AuthError;
use crate::metadata::ProtectedResource;

/// The validators of one or several issuers (tenants, staging and
/// production): a token's `iss` picks the one that verifies it (only to
/// choose keys and audience; that validator then checks `iss` exactly). A
/// token from an issuer not in the list is refused with 401
/// `invalid_claims`, with no fetch.
///
/// The [`Auth`](crate::Auth) fairing manages one as application state; a
/// handler may take it (`&State<IssuerRouter>`) for metrics such
/// as [`Validator::full_verifications`].
///
/// The DPoP settings (mode, nonces, replay store), the protected-resource
/// settings (public URL, metadata) and the clock of the router's own rules
/// (DPoP's proof window, replay retention and nonces, step-up) are those of
/// the first configuration, like the realm.
#[derive(Debug)]
pub struct IssuerRouter {
    validators: Vec<Validator>,
    pub(super) sender: SenderConstraint,
    /// The first configuration's clock.
    clock: Clock,
    resource: ProtectedResource,
    /// Opaque tokens go here, when an endpoint is configured.
    introspector: Option<std::sync::Arc<crate::introspection::Introspector>>,
    /// The issuer whose JWTs are introspected too, after their local checks
    /// (the one whose configuration carries the endpoint).
    introspect_jwts_of: Option<String>,
    /// `auth_requests_total`, registered with the router.
    requests: crate::telemetry::RequestCounters,
    /// Whether the dependencies' probes were started (once per router).
    watching: std::sync::atomic::AtomicBool,
}

impl IssuerRouter {
    /// One validator per configuration; at least one, with distinct issuers.
    pub fn new(configs: impl IntoIterator<Item = AuthConfig>) -> Result<IssuerRouter, ConfigError> {
        let configs: Vec<AuthConfig> = configs.into_iter().collect();
        let Some(first) = configs.first() else {
            return Err(ConfigError::Issuers(
                "at least one issuer must be configured".into(),
            ));
        };
        let sender = SenderConstraint::new(first)?;
        let clock = first.clock.clone();
        let resource = ProtectedResource::new(&configs);
        let issuers: Vec<String> = configs.iter().map(|c| c.issuer().to_owned()).collect();
        let audiences: Vec<String> = configs
            .iter()
            .flat_map(|c| c.audiences().iter().cloned())
            .collect();
        let introspect_jwts_of = jwt_introspection_issuer(&configs)?;
        let introspector = configs
            .iter()
            .find_map(|c| {
                crate::introspection::IntrospectionSettings::from_config(
                    c,
                    issuers.clone(),
                    audiences.clone(),
                )
            })
            .map(|settings| {
                crate::introspection::Introspector::new(settings).map(std::sync::Arc::new)
            })
            .transpose()
            .map_err(|error| ConfigError::Issuers(error.to_string()))?;
        let validators = configs
            .into_iter()
            .map(Validator::new)
            .collect::<Result<Vec<_>, _>>()?;
        // The router's own rules (DPoP's time, nonces, step-up) read the
        // first configuration's clock: one clock for all, or a token would
        // be judged on two times.
        if !all_agree(&validators, |a, b| crate::clock::same(&a.clock, &b.clock)) {
            return Err(ConfigError::Issuers(
                "all issuers must be configured with the same clock".into(),
            ));
        }
        // The certificate's source is the first configuration's: several
        // issuers must agree on it, or a header one of them trusts would be
        // read for another's tokens.
        if !all_agree(&validators, |a, b| {
            a.client_cert_header() == b.client_cert_header()
        }) {
            return Err(ConfigError::Issuers(
                "all issuers must be configured with the same client-certificate header \
                 (client_cert_header, AUTH_CLIENT_CERT_HEADER)"
                    .into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = validators
            .iter()
            .find(|v| !seen.insert(v.config.issuer.as_str()))
        {
            return Err(ConfigError::Issuers(format!(
                "the issuer {} is configured twice",
                twice.config.issuer
            )));
        }
        Ok(IssuerRouter {
            validators,
            sender,
            clock,
            resource,
            introspector,
            introspect_jwts_of,
            requests: crate::telemetry::RequestCounters::register(
                AuthError::one_of_each().iter().map(AuthError::code),
            ),
            watching: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// [`new`](Self::new), after taking the introspection endpoint from the
    /// issuer's metadata for the configurations that ask for it
    /// ([`introspection_discovery`](crate::config::AuthConfigBuilder::introspection_discovery));
    /// the fairing builds its router this way at ignition.
    pub(crate) async fn discover(
        configs: impl IntoIterator<Item = AuthConfig>,
    ) -> Result<IssuerRouter, ConfigError> {
        let mut configs: Vec<AuthConfig> = configs.into_iter().collect();
        crate::introspection::discover_endpoints(&mut configs).await?;
        IssuerRouter::new(configs)
    }

    /// Counts one authenticated request's outcome (`auth_requests_total`):
    /// `ok` or the JSON code of its refusal.
    pub(crate) fn count_request(&self, code: &'static str) {
        self.requests.count(code);
    }

    /// This API as a protected resource: its public URL and metadata.
    pub(crate) fn resource(&self) -> &ProtectedResource {
        &self.resource
    }

    /// The clock of the router's own rules: the first configuration's (see
    /// [`AuthConfigBuilder::clock`](crate::config::AuthConfigBuilder::clock)).
    /// Each validator reads its own configuration's.
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The validators, in the order of their configurations.
    pub fn validators(&self) -> &[Validator] {
        &self.validators
    }

    /// The leeway of the configuration that verified `claims` (by their
    /// verified `iss`), for the checks that come after validation.
    pub(crate) fn leeway_for(&self, claims: &Claims) -> u64 {
        let issuer = claims.get("iss").and_then(Value::as_str);
        self.validators
            .iter()
            .find(|v| Some(v.config.issuer.as_str()) == issuer)
            .or(self.validators.first())
            .map_or(0, |v| v.config.tuning.leeway.as_secs())
    }

    /// Fetches the key set of every issuer configured with
    /// [`warm_up`](crate::config::AuthConfigBuilder::warm_up), all at once,
    /// waiting at most one fetch timeout; the [`Auth`](crate::Auth) fairing
    /// calls it at liftoff. A failure is logged, and that issuer's first
    /// request fetches as without warm-up.
    pub async fn warm_up(&self) {
        for validator in self.validators.iter().filter(|v| !v.config.tuning.warm_up) {
            if !validator.is_ready() {
                log::info!(
                    "auth: the key set of {} has not been fetched yet: the first request that \
                     needs it fetches it (warm_up fetches it at launch)",
                    validator.config.issuer
                );
            }
        }
        let started: Vec<_> = self
            .validators
            .iter()
            .filter(|v| v.config.tuning.warm_up)
            .map(|v| (v, v.begin_warm_up()))
            .collect();
        for (validator, warm_up) in started {
            let loaded = warm_up.finish().await;
            // Without keys, an instance keeps trying in the background, so
            // that it becomes ready without traffic: a retry interval after
            // this attempt ended (begun before, its first retry could meet
            // the warm-up's own end, and a first request would wait on it).
            validator.keep_loading();
            if loaded.is_err() {
                log::info!(
                    "auth: warm-up found no usable key set for {}; the first request fetches it",
                    validator.config.issuer
                );
            }
        }
    }

    /// Whether a request can be served now: every issuer can verify tokens
    /// (see [`Validator::is_ready`]), and every dependency a request may
    /// need answered its last call or background probe (the shared DPoP
    /// replay store, where one that can be probed is configured; the
    /// introspection endpoint, where one is configured). No I/O, no
    /// waiting: a readiness check.
    pub fn is_ready(&self) -> bool {
        self.validators.iter().all(Validator::is_ready) && self.unreachable().next().is_none()
    }

    /// The dependencies a request may need that did not answer their last
    /// call or probe (or have not answered yet), by name:
    /// `dpop_replay_store`, `introspection_endpoint`.
    pub fn unreachable(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.dependencies()
            .filter(|health| !health.is_up())
            .map(|health| health.dependency().name())
    }

    /// Every dependency readiness tracks.
    fn dependencies(&self) -> impl Iterator<Item = &std::sync::Arc<crate::readiness::Health>> {
        self.sender
            .store_health()
            .into_iter()
            .chain(self.introspector.iter().map(|i| i.health()))
    }

    /// Starts the background probes of the dependencies readiness tracks,
    /// each in a task of its own, at the retry interval of the first
    /// configuration (see `readiness.rs`); the [`Auth`](crate::Auth)
    /// fairing calls it at liftoff. Nothing when there are none, when they
    /// were started before (once per router), or outside a Tokio runtime;
    /// each probe ends when the router is dropped.
    pub fn watch_dependencies(&self) {
        if self
            .watching
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            return;
        }
        let Some(retry) = self.validators.first().map(|v| v.config.retry_interval()) else {
            return;
        };
        let probes = self
            .sender
            .store_probe(retry)
            .into_iter()
            .chain(self.introspector.iter().map(|i| i.probe(retry)));
        for probe in probes {
            probe.spawn();
        }
    }

    /// The issuers that cannot verify tokens now, by their `iss`.
    pub fn not_ready(&self) -> impl Iterator<Item = &str> {
        self.validators
            .iter()
            .filter(|v| !v.is_ready())
            .map(|v| v.config.issuer.as_str())
    }

    /// Validates the value of an `Authorization` header of a request that
    /// carries no DPoP proof: [`authorize_request`](Self::authorize_request)
    /// with that header alone (so a token bound to a key is refused).
    pub async fn authorize(&self, header: Option<&str>) -> Result<Claims, AuthError> {
        let mut request = RequestParts::new("", None);
        if let Some(header) = header {
            request = request.authorization(header);
        }
        self.authorize_request(&request).await
    }

    /// Validates a bare token with the validator of its issuer: the token
    /// alone, without the sender constraint (DPoP) that
    /// [`authorize_request`](Self::authorize_request) adds.
    pub async fn validate(&self, token: &str) -> Result<Claims, AuthError> {
        // Introspection's answers (cached ones too) are judged at the clock:
        // before the epoch, refused as a JWT is by its claim check.
        if self.introspector.is_some() && self.clock().unix_checked().is_none() {
            return Err(super::claims_check::clock_before_epoch());
        }
        // An opaque token (not a compact JWS, a JWE included) within the
        // size limit goes to the introspection endpoint, when there is one.
        if let Some(introspector) = &self.introspector {
            let largest = self
                .validators
                .iter()
                .map(|v| v.config.tuning.max_token_bytes)
                .max()
                .unwrap_or(0);
            if token.len() <= largest && parse_structure(token).is_err() {
                return Box::pin(introspector.introspect(token))
                    .await
                    .map_err(AuthError::from);
            }
        }
        let claims = self.validate_locally(token).await?;
        // Revocation checks: a JWT of the issuer that asks for them, valid
        // locally, must be active too (no other issuer's token is sent).
        let revocable = self
            .introspect_jwts_of
            .as_deref()
            .is_some_and(|issuer| claims.get("iss").and_then(Value::as_str) == Some(issuer));
        if let Some(introspector) = self.introspector.as_ref().filter(|_| revocable) {
            Box::pin(introspector.introspect(token))
                .await
                .map_err(AuthError::from)?;
        }
        Ok(claims)
    }

    /// A JWT, by the validator of its issuer.
    async fn validate_locally(&self, token: &str) -> Result<Claims, AuthError> {
        match self.validators.as_slice() {
            [only] => only.validate(token).await,
            all => {
                let largest = all
                    .iter()
                    .map(|v| v.config.tuning.max_token_bytes)
                    .max()
                    .unwrap_or(0);
                if token.len() > largest {
                    return Err(AuthError::Malformed("token larger than the size limit"));
                }
                // Structure before claims, as for one issuer: a malformed
                // token is `invalid_header` whatever its `iss` says.
                parse_structure(token)?;
                let issuer = unverified_issuer(token)?;
                match all
                    .iter()
                    .find(|v| Some(v.config.issuer.as_str()) == issuer.as_deref())
                {
                    Some(validator) => validator.validate(token).await,
                    None => Err(AuthError::WrongAudienceOrIssuer),
                }
            }
        }
    }
}

/// Whether every two neighbouring configurations of `validators` agree by
/// `same` (so all of them do, `same` being an equivalence).
fn all_agree(validators: &[Validator], same: impl Fn(&AuthConfig, &AuthConfig) -> bool) -> bool {
    validators
        .windows(2)
        .all(|pair| matches!(pair, [a, b] if same(&a.config, &b.config)))
}

/// The issuer whose JWTs are introspected after their local checks, if
/// one asks: only the configuration that carries the introspection
/// endpoint may (another issuer's tokens are never sent there), and it
/// needs the API's client credentials. A configuration that takes its
/// endpoint from metadata must have been through [`IssuerRouter::discover`].
fn jwt_introspection_issuer(configs: &[AuthConfig]) -> Result<Option<String>, ConfigError> {
    if configs
        .iter()
        .any(|c| c.tuning.introspection_discovery && c.tuning.introspection_url.is_none())
    {
        return Err(ConfigError::OutOfRange {
            setting: "introspection_discovery (AUTH_INTROSPECTION)",
            reason: "takes the endpoint from the issuer's metadata in IssuerRouter::discover \
                     (the fairing's way); IssuerRouter::new needs introspection_url",
        });
    }
    let setting = "introspect_jwts (AUTH_INTROSPECT_JWTS)";
    let owner = configs
        .iter()
        .position(|c| c.tuning.introspection_url.is_some());
    for (index, config) in configs.iter().enumerate() {
        if !config.tuning.introspect_jwts {
            continue;
        }
        if owner != Some(index) {
            return Err(ConfigError::OutOfRange {
                setting,
                reason: "needs the introspection endpoint in the same issuer's configuration",
            });
        }
        if config.tuning.client_id.is_none() {
            return Err(ConfigError::OutOfRange {
                setting,
                reason: "needs the API's client credentials (AUTH_CLIENT_ID, AUTH_CLIENT_SECRET)",
            });
        }
    }
    Ok(owner
        .and_then(|index| configs.get(index))
        .filter(|c| c.tuning.introspect_jwts)
        .map(|c| c.issuer.clone()))
}

/// The `iss` of a token's payload, read without verification, only to pick
/// the validator that will verify it. The payload is read as the validator
/// reads it: a JSON object naming no member twice (a JSON array is not a
/// claims set, though serde would read `["iss"]` into a struct).
pub(crate) fn unverified_issuer(token: &str) -> Result<Option<String>, AuthError> {
    use base64::Engine;
    let malformed = || AuthError::Malformed("not a compact JWS with a JSON payload");
    let Some([_, payload, _]) = crate::dpop::compact_segments(token) else {
        return Err(malformed());
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| malformed())?;
    let StrictObject(mut payload) = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    Ok(match payload.remove("iss") {
        Some(Value::String(iss)) => Some(iss),
        _ => None,
    })
}

#[cfg(test)]
mod tests;
