use super::*;
use crate::config::defaults;

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
    let rsa = include_str!("../../../../../tests/fixtures/rsa_a.pub.pem").to_owned();
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
        fixed_set(&pem("not a pem"), &defaults::algorithms()),
        Err(ConfigError::OutOfRange { .. })
    ));
    let jwk = JwksSource::Key {
        algorithm: Algorithm::ES256,
        key: PublicKey::Jwk(r#"{"kty":"RSA","n":"sXch","e":"AQAB"}"#.to_owned()),
    };
    assert!(fixed_set(&jwk, &defaults::algorithms()).is_err());
    let jwk = JwksSource::Key {
        algorithm: Algorithm::RS256,
        key: PublicKey::Jwk(r#"{"kty":"RSA","n":"sXch","e":"AQAB"}"#.to_owned()),
    };
    let set = fixed_set(&jwk, &defaults::algorithms()).unwrap().unwrap();
    assert!(
        set.get(Some("any-kid")).is_some(),
        "a kid-less key answers for every kid"
    );
    assert!(matches!(
        fixed_set(&jwk, &[Algorithm::ES256]),
        Err(ConfigError::Algorithm { .. })
    ));
    let inline = JwksSource::Inline(r#"{"keys":[]}"#.to_owned());
    assert!(fixed_set(&inline, &defaults::algorithms()).is_err());
}
