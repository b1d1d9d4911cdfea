//! Rocket's `[auth]` table as serde reads it: the keys that say who issues
//! tokens for whom (every other key is a [`Tuning`](super::Tuning) field),
//! and the shapes of their values.

use serde_json::{Map, Value};

/// The keys of the table that say who issues tokens for whom; every other
/// key is a [`Tuning`](super::Tuning) field.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct Identity {
    pub(super) domain: Option<String>,
    pub(super) issuer: Option<String>,
    pub(super) audience: Option<Audiences>,
    pub(super) jwks_uri: Option<String>,
    /// An inline key set: a table (`[auth.jwks]` with `keys = [...]`) or its JSON text.
    pub(super) jwks: Option<Value>,
    pub(super) shared_secret: Option<SecretText>,
    pub(super) shared_secret_base64: Option<SecretText>,
    pub(super) dpop_nonce_secret: Option<SecretText>,
    pub(super) dpop_replay_redis: Option<SecretText>,
    #[serde(flatten)]
    pub(super) tuning: Map<String, Value>,
}

/// `audience` in the table: one string (several space-separated, as in
/// `AUTH_AUDIENCE`), or a list.
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
pub(super) enum Audiences {
    One(String),
    Many(Vec<String>),
}

impl Audiences {
    pub(super) fn into_list(self) -> Vec<String> {
        match self {
            Audiences::One(text) => split_audiences(&text),
            Audiences::Many(list) => list,
        }
    }
}

/// Several audiences in one variable, separated by spaces.
pub(super) fn split_audiences(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// A secret's text in the table. A value of another type is refused with an
/// error that does not quote it (serde's would).
#[derive(Debug)]
pub(super) struct SecretText(pub(super) String);

impl<'de> serde::Deserialize<'de> for SecretText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer) {
            Ok(Value::String(text)) => Ok(SecretText(text)),
            _ => Err(serde::de::Error::custom(
                "a shared secret must be a string, as must a client secret, a DPoP nonce \
                 secret and a Redis URL (the value is not shown)",
            )),
        }
    }
}
