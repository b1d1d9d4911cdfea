//! The sender constraint (RFC 9449): after the token verified, whether it
//! may be used the way it was presented, and for `DPoP` the proof, its
//! nonce and its replay check.

use std::sync::Arc;

use serde_json::Value;

use super::request::Count;
use super::RequestParts;
use crate::claims::Claims;
use crate::config::{AuthConfig, ConfigError, DpopMode};
use crate::dpop::{
    check_replay, verify_proof, DpopConfig, DpopError, Expectation, MemoryReplayStore, Nonces,
    ReplayStore, PER_PROCESS_NONCE_WARNING,
};
use crate::error::AuthError;
use crate::extract::Scheme;
use crate::readiness::{Dependency, Health, Probe};

/// The DPoP settings and state of a router: taken from its first
/// configuration.
#[derive(Debug)]
pub(super) struct SenderConstraint {
    pub(super) mode: DpopMode,
    config: DpopConfig,
    nonces: Option<Nonces>,
    store: Arc<dyn ReplayStore>,
    /// The store's last known state, for readiness, when it can be probed
    /// (a shared store such as Redis; the in-memory one is always there).
    store_health: Option<Arc<Health>>,
}

pub(super) const BOUND_AS_BEARER: &str =
    "The token is bound to a DPoP key (cnf.jkt): it must be presented with the DPoP scheme and a proof";
const NOT_BOUND: &str =
    "The token presented with the DPoP scheme is not bound to a key (it has no cnf.jkt)";
const BAD_JKT: &str = "The token's cnf.jkt is not a key thumbprint";
const DPOP_REQUIRED: &str =
    "This resource requires DPoP: a DPoP-bound token presented with the DPoP scheme and a proof";
const NO_PROOF: &str = "The request has no DPoP header: the DPoP scheme needs one proof";
const TWO_PROOFS: &str = "The request has more than one DPoP header";
const NO_URL: &str =
    "The request URL cannot be formed (no usable Host, or a dot-segment in its path) to compare it with the DPoP proof's htu";

const UNKNOWN_CNF: &str =
    "The token is bound (cnf) in a way this API cannot check: only cnf.jkt (DPoP) and cnf.x5t#S256 (a client certificate) are supported";
const CERT_AS_PLAIN: &str =
    "The token is bound to a client certificate (cnf.x5t#S256): it must come with that certificate";

/// The confirmation members this crate checks; any other makes the token
/// unusable here, since accepting it would ignore its binding (fail closed).
const KNOWN_CNF: [&str; 2] = ["jkt", "x5t#S256"];

/// Refuses a `cnf` that binds the token in a way no check here enforces:
/// not an object, empty, or with a member other than `jkt` and `x5t#S256`.
pub(super) fn check_cnf_is_known(claims: &Claims) -> Result<(), AuthError> {
    match claims.get("cnf") {
        None => Ok(()),
        Some(Value::Object(cnf))
            if !cnf.is_empty() && cnf.keys().all(|name| KNOWN_CNF.contains(&name.as_str())) =>
        {
            Ok(())
        }
        Some(_) => Err(AuthError::InvalidToken(UNKNOWN_CNF)),
    }
}

/// Whether `claims` bind the token to a DPoP key (`cnf.jkt`).
pub(super) fn is_key_bound(claims: &Claims) -> bool {
    matches!(claims.get("cnf"), Some(Value::Object(cnf)) if cnf.contains_key("jkt"))
}

/// What a token presented as `Bearer`, with no proof and no client
/// certificate at hand, must pass: a known `cnf` binding none of them, and
/// plain Bearer tokens allowed by `mode`.
pub(super) fn check_plain_bearer(claims: &Claims, mode: DpopMode) -> Result<(), AuthError> {
    check_cnf_is_known(claims)?;
    if is_key_bound(claims) {
        return Err(AuthError::InvalidToken(BOUND_AS_BEARER));
    }
    if matches!(claims.get("cnf"), Some(Value::Object(cnf)) if cnf.contains_key("x5t#S256")) {
        return Err(AuthError::InvalidToken(CERT_AS_PLAIN));
    }
    if mode == DpopMode::Required {
        return Err(AuthError::InvalidToken(DPOP_REQUIRED));
    }
    Ok(())
}

impl SenderConstraint {
    /// The constraint `config` describes. With nonces on and no secret, a
    /// secret is drawn for this process, and a warning says so.
    pub(super) fn new(config: &AuthConfig) -> Result<SenderConstraint, ConfigError> {
        let dpop = config.dpop_config();
        let mode = config.dpop_mode();
        let nonces = if config.dpop_nonce_enabled() && mode.accepts_dpop() {
            Some(match &config.dpop_extras.nonce_secret {
                Some(secret) => Nonces::from_secret(secret, dpop.nonce_window()).map_err(|_| {
                    ConfigError::Secret(
                        "AUTH_DPOP_NONCE_SECRET (the DPoP nonce secret) must hold at least 32 bytes",
                    )
                })?,
                None => {
                    let nonces = Nonces::per_process(dpop.nonce_window()).map_err(|_| {
                        ConfigError::Secret("no random DPoP nonce secret could be drawn")
                    })?;
                    log::warn!("{PER_PROCESS_NONCE_WARNING}");
                    nonces
                }
            })
        } else {
            None
        };
        let store = match &config.dpop_extras.replay_store {
            Some(store) => store.clone(),
            None => Arc::new(MemoryReplayStore::new(dpop.replay_capacity())),
        };
        let store_health = store
            .probe()
            .is_some()
            .then(|| Health::new(Dependency::ReplayStore));
        Ok(SenderConstraint {
            mode,
            config: dpop,
            nonces,
            store,
            store_health,
        })
    }

    /// The replay store's last known state, when readiness tracks it.
    pub(super) fn store_health(&self) -> Option<&Arc<Health>> {
        self.store_health.as_ref()
    }

    /// The background probe of the replay store, when it can be probed:
    /// its `probe` bounded by the store timeout.
    pub(super) fn store_probe(&self, retry_interval: std::time::Duration) -> Option<Probe> {
        let health = self.store_health.clone()?;
        // Weak: the probe ends with the router.
        let store = Arc::downgrade(&self.store);
        let timeout = self.config.replay_store_timeout;
        Some(Probe {
            health,
            call: Box::new(move || {
                let store = store.upgrade();
                Box::pin(async move {
                    let store = store?;
                    let Some(probe) = store.probe() else {
                        return Some(true);
                    };
                    Some(matches!(
                        tokio::time::timeout(timeout, probe).await,
                        Ok(Ok(()))
                    ))
                })
            }),
            retry_interval,
        })
    }

    /// A fresh nonce for a `DPoP-Nonce` header, when nonces are on.
    pub(super) fn issue_nonce(&self, now: u64) -> Option<String> {
        self.nonces.as_ref().map(|nonces| nonces.issue(now))
    }

    /// The challenge's `algs`.
    pub(super) fn algs(&self) -> String {
        self.config.algs_challenge()
    }

    /// Whether `token`, verified with `claims`, may be used as it was
    /// presented (`scheme`) on `request` at `now` (Unix seconds): the
    /// contract's sender-constraint rows, then for `DPoP` the proof, its
    /// nonce and the replay store.
    pub(super) async fn check(
        &self,
        scheme: Scheme,
        token: &str,
        claims: &Claims,
        request: &RequestParts<'_>,
        now: u64,
    ) -> Result<(), AuthError> {
        check_cnf_is_known(claims)?;
        let jkt = match claims.get("cnf") {
            Some(Value::Object(cnf)) => cnf.get("jkt"),
            _ => None,
        };
        match (scheme, jkt) {
            (Scheme::Bearer, Some(_)) => Err(AuthError::InvalidToken(BOUND_AS_BEARER)),
            (Scheme::Bearer, None) if self.mode == DpopMode::Required => {
                Err(AuthError::InvalidToken(DPOP_REQUIRED))
            }
            // A DPoP header beside a plain Bearer token is ignored.
            (Scheme::Bearer, None) => Ok(()),
            (Scheme::Dpop, None) => Err(AuthError::InvalidToken(NOT_BOUND)),
            // On the heap: a Bearer request's future does not carry the
            // proof check's (the replay store's) state.
            (Scheme::Dpop, Some(Value::String(jkt))) => {
                Box::pin(self.check_proof(token, jkt, request, now)).await
            }
            (Scheme::Dpop, Some(_)) => Err(AuthError::InvalidToken(BAD_JKT)),
        }
    }

    async fn check_proof(
        &self,
        token: &str,
        jkt: &str,
        request: &RequestParts<'_>,
        now: u64,
    ) -> Result<(), AuthError> {
        let proof = match request.dpop.count() {
            Count::One(one) => one.trim(),
            Count::None => return Err(AuthError::InvalidDpopProof(NO_PROOF)),
            Count::Several => return Err(AuthError::InvalidDpopProof(TWO_PROOFS)),
        };
        let url = request
            .url
            .as_deref()
            .ok_or(AuthError::InvalidDpopProof(NO_URL))?;
        let mut expected = Expectation::new(request.method, url, token, jkt);
        if let Some(nonces) = &self.nonces {
            expected = expected.with_nonces(nonces);
        }
        let verified = verify_proof(proof, &expected, &self.config, now)?;
        let recorded = check_replay(&*self.store, &verified, &self.config, now).await;
        if let Some(health) = &self.store_health {
            // A replay is an answer too: only an unreachable store is down.
            health.report(!matches!(recorded, Err(DpopError::ReplayStoreUnavailable)));
        }
        recorded.map_err(AuthError::from)
    }
}
