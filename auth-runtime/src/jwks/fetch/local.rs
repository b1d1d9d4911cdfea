//! Keys with no network: a key-set file, a key set given inline, one key.

use std::io::Read;
use std::path::{Path, PathBuf};

use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};

use super::super::parse::{parse_key_set, usable_key, KeySet, VerifyKey};
use crate::config::{ConfigError, JwksSource, PublicKey};

/// Why a key-set file could not be read; for logs.
#[derive(Debug)]
pub(super) enum ReadError {
    /// The file is larger than the size limit.
    TooLarge,
    /// It cannot be read (missing, a directory, no permission...).
    Io(String),
}

/// Reads at most `max_bytes` of the file at `path`, on a blocking thread.
pub(super) async fn read_key_file(path: &Path, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
    let path: PathBuf = path.to_owned();
    tokio::task::spawn_blocking(move || read_bounded(&path, max_bytes))
        .await
        .unwrap_or_else(|_| Err(ReadError::Io("the reading task failed".to_owned())))
}

fn read_bounded(path: &Path, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
    let io = |error: std::io::Error| ReadError::Io(format!("{}: {error}", path.display()));
    // Not opened unless it is a regular file: opening a FIFO would block.
    let metadata = std::fs::metadata(path).map_err(io)?;
    if !metadata.is_file() {
        return Err(ReadError::Io(format!(
            "{}: not a regular file",
            path.display()
        )));
    }
    let limit = u64::try_from(max_bytes).unwrap_or(u64::MAX);
    if metadata.len() > limit {
        return Err(ReadError::TooLarge);
    }
    let mut body = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(io)?;
    if body.len() > max_bytes {
        return Err(ReadError::TooLarge);
    }
    Ok(body)
}

/// The key set of a source that needs no fetching (inline, or one key),
/// checked once when the validator is made; `None` for the other sources.
pub(super) fn fixed_set(
    source: &JwksSource,
    allowed: &[Algorithm],
) -> Result<Option<KeySet>, ConfigError> {
    match source {
        JwksSource::Discover | JwksSource::Uri(_) => Ok(None),
        // A configured set with no usable key is a mistake, refused here
        // (unlike a fetched one, which is the issuer's answer).
        JwksSource::Inline(text) => parse_key_set(text.as_bytes(), allowed)
            .ok()
            .filter(|set| !set.is_empty())
            .map(Some)
            .ok_or(ConfigError::OutOfRange {
                setting: "the inline key set (jwks)",
                reason: "must be a JSON key set holding a usable key of an allowed algorithm",
            }),
        JwksSource::Key { algorithm, key } => single_key(*algorithm, key, allowed).map(Some),
    }
}

fn single_key(
    algorithm: Algorithm,
    key: &PublicKey,
    allowed: &[Algorithm],
) -> Result<KeySet, ConfigError> {
    if !allowed.contains(&algorithm) {
        return Err(ConfigError::Algorithm {
            algorithm,
            reason: "is the configured public key's algorithm but not an allowed algorithm",
        });
    }
    let unusable = |reason| ConfigError::OutOfRange {
        setting: "the configured public key",
        reason,
    };
    match key {
        PublicKey::Pem(pem) => {
            let pem = pem.as_bytes();
            let decoded = match algorithm.family() {
                AlgorithmFamily::Rsa => DecodingKey::from_rsa_pem(pem),
                AlgorithmFamily::Ec => DecodingKey::from_ec_pem(pem),
                AlgorithmFamily::Ed => DecodingKey::from_ed_pem(pem),
                _ => return Err(unusable("must be for an asymmetric algorithm")),
            };
            let key = decoded
                .map_err(|_| unusable("must be a PEM public key of the algorithm's key type"))?;
            let key = VerifyKey::new(vec![algorithm], key);
            Ok(KeySet::single(key, None))
        }
        PublicKey::Jwk(text) => {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|_| unusable("must be a JWK as JSON text"))?;
            let kid = value
                .get("kid")
                .and_then(|kid| kid.as_str())
                .map(str::to_owned);
            let key = usable_key(value, &[algorithm]).map_err(|why| {
                log::error!("auth: the configured public JWK cannot be used: {why}");
                unusable("must be a public JWK that can verify the algorithm")
            })?;
            Ok(KeySet::single(key, kid))
        }
    }
}

#[cfg(test)]
mod tests;
