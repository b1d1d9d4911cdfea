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
mod tests {
    use super::*;
    use crate::config::DEFAULT_ALGORITHMS;

    /// A directory of its own (removed when dropped, even by a failing
    /// test) holding `jwks.json` with `contents`, and that file's path.
    fn key_file(contents: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jwks.json");
        std::fs::write(&file, contents).unwrap();
        (dir, file)
    }

    #[test]
    fn key_files_are_read_up_to_the_limit_and_must_be_regular_files() {
        let (scratch, file) = key_file(b"0123456789");
        let dir = scratch.path();
        assert_eq!(read_bounded(&file, 10).unwrap(), b"0123456789");
        assert_eq!(read_bounded(&file, 100).unwrap(), b"0123456789");
        assert!(matches!(read_bounded(&file, 9), Err(ReadError::TooLarge)));
        assert!(matches!(read_bounded(dir, 100), Err(ReadError::Io(_))));
        assert!(matches!(
            read_bounded(&dir.join("missing.json"), 100),
            Err(ReadError::Io(_))
        ));
    }

    #[tokio::test]
    async fn a_key_file_is_read_off_the_runtime_thread() {
        let (_dir, file) = key_file(b"{\"keys\":[]}");
        assert_eq!(read_key_file(&file, 100).await.unwrap(), b"{\"keys\":[]}");
        assert!(matches!(
            read_key_file(&file, 3).await,
            Err(ReadError::TooLarge)
        ));
    }

    #[test]
    fn a_pem_public_key_of_each_family_is_taken() {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
        use base64::Engine;
        let pem = |der: &[u8]| {
            let b64 = base64::engine::general_purpose::STANDARD.encode(der);
            format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n")
        };
        let ec = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let ec = pem(ec.public_key().as_der().unwrap().as_ref());
        // An Ed25519 SubjectPublicKeyInfo: the OID's prefix, then 32 bytes.
        let mut ed = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        ed.extend([7u8; 32]);
        let rsa = include_str!("../../../../tests/fixtures/rsa_a.pub.pem").to_owned();
        for (algorithm, key) in [
            (Algorithm::RS256, rsa),
            (Algorithm::ES256, ec),
            (Algorithm::EdDSA, pem(&ed)),
        ] {
            let source = JwksSource::Key {
                algorithm,
                key: PublicKey::Pem(key),
            };
            let set = fixed_set(&source, &[algorithm]).unwrap().unwrap();
            assert_eq!(set.len(), 1, "{algorithm:?}");
        }
    }

    #[test]
    fn a_configured_key_must_be_usable_for_its_algorithm() {
        let pem = |text: &str| JwksSource::Key {
            algorithm: Algorithm::RS256,
            key: PublicKey::Pem(text.to_owned()),
        };
        assert!(matches!(
            fixed_set(&pem("not a pem"), &DEFAULT_ALGORITHMS),
            Err(ConfigError::OutOfRange { .. })
        ));
        let jwk = JwksSource::Key {
            algorithm: Algorithm::ES256,
            key: PublicKey::Jwk(r#"{"kty":"RSA","n":"sXch","e":"AQAB"}"#.to_owned()),
        };
        assert!(fixed_set(&jwk, &DEFAULT_ALGORITHMS).is_err());
        let jwk = JwksSource::Key {
            algorithm: Algorithm::RS256,
            key: PublicKey::Jwk(r#"{"kty":"RSA","n":"sXch","e":"AQAB"}"#.to_owned()),
        };
        let set = fixed_set(&jwk, &DEFAULT_ALGORITHMS).unwrap().unwrap();
        assert!(
            set.get(Some("any-kid")).is_some(),
            "a kid-less key answers for every kid"
        );
        assert!(matches!(
            fixed_set(&jwk, &[Algorithm::ES256]),
            Err(ConfigError::Algorithm { .. })
        ));
        let inline = JwksSource::Inline(r#"{"keys":[]}"#.to_owned());
        assert!(fixed_set(&inline, &DEFAULT_ALGORITHMS).is_err());
    }
}
