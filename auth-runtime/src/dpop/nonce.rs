//! Stateless server nonces (RFC 9449 section 8): a timestamp sealed with
//! HMAC-SHA256 under a server secret. Any instance holding the secret
//! accepts any other's nonces, with no shared store and no memory per
//! client.

use std::time::Duration;

use aws_lc_rs::hmac;
use base64::Engine;

use super::DpopError;

/// The shortest secret accepted, in bytes.
pub(crate) const MIN_NONCE_SECRET_BYTES: usize = 32;

/// The warning to log when nonces use a per-process secret.
pub(crate) const PER_PROCESS_NONCE_WARNING: &str =
    "auth: DPoP nonces are sealed with a random secret drawn by this process; \
     several instances behind one load balancer must share one secret (AUTH_DPOP_NONCE_SECRET), \
     or each refuses the nonces of the others";

/// Bound into every MAC, so that no other use of the secret yields a nonce.
const CONTEXT: &[u8] = b"auth-runtime dpop nonce v1\0";
const STAMP_BYTES: usize = 8;
const TAG_BYTES: usize = 32;
/// base64url, unpadded, of the stamp and the tag.
const NONCE_CHARS: usize = ((STAMP_BYTES + TAG_BYTES) * 4).div_ceil(3);
/// How far ahead of our clock a nonce's stamp may be: another instance's
/// clock may run a little ahead.
const CLOCK_SKEW_SECS: u64 = 30;

/// Why a nonce secret cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum NonceSecretError {
    /// Fewer than [`MIN_NONCE_SECRET_BYTES`] bytes; holds how many there were.
    TooShort(usize),
    /// The system's random generator failed.
    NoRandom,
}

impl std::fmt::Display for NonceSecretError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NonceSecretError::TooShort(bytes) => write!(
                f,
                "AUTH_DPOP_NONCE_SECRET must hold at least {MIN_NONCE_SECRET_BYTES} bytes (it holds {bytes})"
            ),
            NonceSecretError::NoRandom => {
                f.write_str("no random DPoP nonce secret could be drawn")
            }
        }
    }
}

impl std::error::Error for NonceSecretError {}

/// Issues and checks server nonces.
pub(crate) struct Nonces {
    key: hmac::Key,
    window_secs: u64,
    per_process: bool,
}

impl std::fmt::Debug for Nonces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nonces")
            .field("window_secs", &self.window_secs)
            .field("per_process", &self.per_process)
            .finish_non_exhaustive()
    }
}

impl Nonces {
    /// Nonces sealed with `secret` (its bytes as given, at least
    /// [`MIN_NONCE_SECRET_BYTES`]), each valid for `window` (see
    /// the `dpop_nonce_window` setting).
    pub(crate) fn from_secret(secret: &[u8], window: Duration) -> Result<Nonces, NonceSecretError> {
        if secret.len() < MIN_NONCE_SECRET_BYTES {
            return Err(NonceSecretError::TooShort(secret.len()));
        }
        Ok(Nonces {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
            window_secs: window.as_secs(),
            per_process: false,
        })
    }

    /// Nonces sealed with a random secret of this process: other instances
    /// refuse them. Log [`PER_PROCESS_NONCE_WARNING`] when using it.
    pub(crate) fn per_process(window: Duration) -> Result<Nonces, NonceSecretError> {
        let mut secret = [0u8; 32];
        aws_lc_rs::rand::fill(&mut secret).map_err(|_| NonceSecretError::NoRandom)?;
        let mut nonces = Nonces::from_secret(&secret, window)?;
        nonces.per_process = true;
        Ok(nonces)
    }

    /// Whether the secret was drawn by [`Nonces::per_process`].
    #[cfg(test)]
    pub(crate) fn is_per_process(&self) -> bool {
        self.per_process
    }

    /// A nonce issued at `now` (Unix seconds), for the `DPoP-Nonce` header:
    /// 54 base64url characters.
    pub(crate) fn issue(&self, now: u64) -> String {
        let stamp = now.to_be_bytes();
        let tag = hmac::sign(&self.key, &Self::sealed(&stamp));
        let mut raw = [0u8; STAMP_BYTES + TAG_BYTES];
        let (left, right) = raw.split_at_mut(STAMP_BYTES);
        left.copy_from_slice(&stamp);
        right.copy_from_slice(tag.as_ref());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    /// Whether `nonce` was issued by this secret within the window before
    /// `now` (and not more than a few seconds ahead of it). Anything else,
    /// forged, altered, expired, from another secret, garbage or of any
    /// other length, is [`DpopError::UseNonce`].
    pub(crate) fn check(&self, nonce: &str, now: u64) -> Result<(), DpopError> {
        if nonce.len() != NONCE_CHARS {
            return Err(DpopError::UseNonce);
        }
        // More room than a 54-character value can decode to (40 bytes, or
        // an error); only exactly a stamp and a tag pass the check below.
        let mut raw = [0u8; NONCE_CHARS];
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode_slice(nonce, &mut raw)
            .map_err(|_| DpopError::UseNonce)?;
        let (Some(stamp), Some(tag)) = (
            raw.get(..STAMP_BYTES),
            raw.get(STAMP_BYTES..STAMP_BYTES + TAG_BYTES),
        ) else {
            return Err(DpopError::UseNonce);
        };
        let mut stamp_bytes = [0u8; STAMP_BYTES];
        stamp_bytes.copy_from_slice(stamp);
        if decoded != STAMP_BYTES + TAG_BYTES
            || hmac::verify(&self.key, &Self::sealed(&stamp_bytes), tag).is_err()
        {
            return Err(DpopError::UseNonce);
        }
        let issued = u64::from_be_bytes(stamp_bytes);
        if issued > now.saturating_add(CLOCK_SKEW_SECS)
            || now.saturating_sub(issued) > self.window_secs
        {
            return Err(DpopError::UseNonce);
        }
        Ok(())
    }

    /// What the MAC covers: the context, then the stamp.
    fn sealed(stamp: &[u8; STAMP_BYTES]) -> [u8; CONTEXT.len() + STAMP_BYTES] {
        let mut data = [0u8; CONTEXT.len() + STAMP_BYTES];
        let (context, rest) = data.split_at_mut(CONTEXT.len());
        context.copy_from_slice(CONTEXT);
        rest.copy_from_slice(stamp);
        data
    }
}

#[cfg(test)]
mod tests;
