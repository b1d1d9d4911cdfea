//! The shared secret of an HMAC issuer.

use std::fmt;

use super::ConfigError;

/// The shared secret of an issuer that signs with HMAC (HS256/384/512), as
/// Auth0's older APIs and client secrets did. Never printed.
#[derive(Clone)]
pub struct HmacSecret(Vec<u8>);

impl HmacSecret {
    /// The secret's bytes as they are.
    pub fn raw(secret: impl Into<Vec<u8>>) -> HmacSecret {
        HmacSecret(secret.into())
    }

    /// A secret given in base64 or base64url, padded or not (Auth0 issued
    /// client secrets in base64url).
    pub fn base64(encoded: &str) -> Result<HmacSecret, ConfigError> {
        use base64::engine::general_purpose::{
            STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
        };
        use base64::Engine;
        let encoded = encoded.trim();
        [URL_SAFE_NO_PAD, URL_SAFE, STANDARD_NO_PAD, STANDARD]
            .iter()
            .find_map(|engine| engine.decode(encoded).ok())
            .map(HmacSecret)
            .ok_or(ConfigError::Secret(
                "the shared secret is not base64 or base64url",
            ))
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for HmacSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HmacSecret({} bytes, redacted)", self.0.len())
    }
}

/// The API's client secret at the introspection endpoint. Never printed,
/// not even when the table holds something other than a string (see
/// config/declare.rs).
#[derive(Clone)]
pub struct ClientSecret(pub(crate) String);

impl ClientSecret {
    /// The secret as given.
    pub fn new(secret: impl Into<String>) -> ClientSecret {
        ClientSecret(secret.into())
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(redacted)")
    }
}

#[cfg(test)]
mod tests;
