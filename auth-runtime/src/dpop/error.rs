//! Why a DPoP proof was refused, as values.

use std::fmt;

/// Why a DPoP proof was refused. Descriptions are short sentences that never
/// contain the proof, the token, a quote or a backslash, so that they can go
/// as they are into a JSON body and a challenge's `error_description`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum DpopError {
    /// The proof fails one of its checks; the sentence says which
    /// (`invalid_dpop_proof`).
    InvalidProof(&'static str),
    /// The server requires a nonce and the proof has none that is current:
    /// missing, forged, altered or expired (`use_dpop_nonce`, RFC 9449
    /// section 8). The answer carries a fresh `DPoP-Nonce`.
    UseNonce,
    /// The replay store could not record the proof (unreachable, timed out,
    /// or full of live entries), so the proof is not accepted unchecked.
    ReplayStoreUnavailable,
}

impl DpopError {
    /// The HTTP status: 401, or 503 for an unavailable replay store.
    #[cfg(test)]
    pub(crate) fn status(&self) -> u16 {
        match self {
            DpopError::ReplayStoreUnavailable => 503,
            _ => 401,
        }
    }

    /// The `code` of the JSON body.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            DpopError::InvalidProof(_) => "invalid_dpop_proof",
            DpopError::UseNonce => "use_dpop_nonce",
            DpopError::ReplayStoreUnavailable => "replay_store_unavailable",
        }
    }

    /// The `error` of the `WWW-Authenticate: DPoP` challenge; `None` for the
    /// 503, which has no challenge.
    #[cfg(test)]
    pub(crate) fn challenge_error(&self) -> Option<&'static str> {
        match self {
            DpopError::ReplayStoreUnavailable => None,
            other => Some(other.code()),
        }
    }

    /// The `description` of the JSON body, also the challenge's
    /// `error_description`.
    pub(crate) fn description(&self) -> &'static str {
        match self {
            DpopError::InvalidProof(why) => why,
            DpopError::UseNonce => {
                "The resource server requires a DPoP nonce: retry with the one in the DPoP-Nonce header"
            }
            DpopError::ReplayStoreUnavailable => {
                "The DPoP replay store cannot be reached right now; please retry later"
            }
        }
    }
}

impl fmt::Display for DpopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.description())
    }
}

impl std::error::Error for DpopError {}
