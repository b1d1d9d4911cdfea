//! The core's own tests: RFC 9449's examples, made by another
//! implementation, every default algorithm, the store timeout, what errors
//! say, and bad input. The per-check tests use the `testing` helpers and
//! live in `testing/dpop/tests/`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::json;

use super::*;

const NOW: u64 = 1_700_000_000;
const URL: &str = "https://api.example.com/orders";
const TOKEN: &str = "the.access-token";

/// RFC 9449 section 7.1.
#[test]
fn rfc9449_example_ath() {
    assert_eq!(
        access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
        "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
    );
}

const RFC_JKT: &str = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";

/// RFC 9449 section 7.1's proof for a protected resource, made by another
/// implementation, with its `htu`, its access token and its `iat`.
const RFC_RESOURCE_PROOF: &str = concat!(
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19",
    ".eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9",
    ".2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA"
);
const RFC_RESOURCE_URL: &str = "https://resource.example.org/protectedresource";
const RFC_RESOURCE_TOKEN: &str = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
const RFC_RESOURCE_IAT: u64 = 1_562_262_618;

/// [`RFC_RESOURCE_PROOF`] checked for a `GET` of `url`, at its `iat`.
fn verify_rfc_resource_proof_at(url: &str) -> Result<VerifiedProof, DpopError> {
    let expected = Expectation::new("GET", url, RFC_RESOURCE_TOKEN, RFC_JKT);
    verify_proof(
        RFC_RESOURCE_PROOF,
        &expected,
        &DpopConfig::default(),
        RFC_RESOURCE_IAT,
    )
}

/// The RFC's resource proof: every check passes with the clock at its `iat`.
#[test]
fn rfc9449_resource_request_proof_verifies() {
    let (proof, token) = (RFC_RESOURCE_PROOF, RFC_RESOURCE_TOKEN);
    let expected = Expectation::new("GET", RFC_RESOURCE_URL, token, RFC_JKT);
    let config = DpopConfig::default();
    assert!(verify_proof(proof, &expected, &config, RFC_RESOURCE_IAT).is_ok());
    // The same proof a day later, or for another token, is refused.
    assert!(verify_proof(proof, &expected, &config, RFC_RESOURCE_IAT + 86_400).is_err());
    let other_token = Expectation::new("GET", RFC_RESOURCE_URL, "x", RFC_JKT);
    assert!(verify_proof(proof, &other_token, &config, RFC_RESOURCE_IAT).is_err());
}

const HTU_MISMATCH: DpopError =
    DpopError::InvalidProof("The DPoP proof's htu does not match the request URL");
const NO_REQUEST_URL: DpopError = DpopError::InvalidProof(
    "The request URL cannot be formed to compare it with the DPoP proof's htu",
);

/// The request URL is compared with `htu` in normal form: the same URL
/// written otherwise (case of scheme and host, default port, query,
/// fragment, an encoded unreserved character) matches; another path or
/// host does not; what is not an `http(s)` URL cannot be compared.
#[test]
fn the_request_url_matches_the_proofs_htu_in_normal_form() {
    for same in [
        RFC_RESOURCE_URL,
        "HTTPS://Resource.Example.ORG:443/protectedresource",
        "https://resource.example.org/protectedresource?page=2#top",
        "https://resource.example.org/%70rotectedresource",
        "https://resource.example.org/a/../protectedresource",
    ] {
        assert!(verify_rfc_resource_proof_at(same).is_ok(), "{same}");
    }
    for other in [
        "http://resource.example.org/protectedresource",
        "https://resource.example.org:8443/protectedresource",
        "https://resource.example.org/protectedresource/",
        "https://resource.example.org/ProtectedResource",
        "https://other.example.org/protectedresource",
    ] {
        assert_eq!(
            verify_rfc_resource_proof_at(other).unwrap_err(),
            HTU_MISMATCH,
            "{other}"
        );
    }
    for unformed in ["", "/protectedresource", "file:///protectedresource", "x"] {
        assert_eq!(
            verify_rfc_resource_proof_at(unformed).unwrap_err(),
            NO_REQUEST_URL,
            "{unformed:?}"
        );
    }
}

/// RFC 9449 section 4.1's proof (a token request, so no `ath`): its
/// signature and key verify, and only the missing `ath` refuses it here.
#[test]
fn rfc9449_token_request_proof_fails_only_for_its_missing_ath() {
    let proof = concat!(
        "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19",
        ".eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ",
        ".2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg"
    );
    let expected = Expectation::new("POST", "https://server.example.com/token", "t", RFC_JKT);
    assert_eq!(
        verify_proof(proof, &expected, &DpopConfig::default(), 1_562_262_616),
        Err(DpopError::InvalidProof("The DPoP proof has no ath"))
    );
}

/// Proofs by each default algorithm's kind of key verify.
#[test]
fn every_default_algorithm_verifies() {
    use aws_lc_rs::encoding::AsDer;
    let rsa = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let der = base64::engine::general_purpose::STANDARD.encode(rsa.as_der().unwrap().as_ref());
    let pem = format!("-----BEGIN PRIVATE KEY-----\n{der}\n-----END PRIVATE KEY-----\n");
    let rsa = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    let ed = aws_lc_rs::signature::Ed25519KeyPair::generate().unwrap();
    let ed = EncodingKey::from_ed_der(ed.to_pkcs8v1().unwrap().as_ref());
    let p384 = aws_lc_rs::signature::EcdsaKeyPair::generate(
        &aws_lc_rs::signature::ECDSA_P384_SHA384_FIXED_SIGNING,
    )
    .unwrap();
    let p384 = EncodingKey::from_ec_der(p384.to_pkcs8v1().unwrap().as_ref());
    crate::crypto::install_provider();
    for (alg, key) in [
        (Algorithm::RS256, &rsa),
        (Algorithm::PS256, &rsa),
        (Algorithm::EdDSA, &ed),
        (Algorithm::ES384, &p384),
    ] {
        let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(key, alg).unwrap();
        let mut jwk = serde_json::to_value(jwk).unwrap();
        jwk.as_object_mut().unwrap().remove("alg");
        let jkt = thumbprint_of_jwk(jwk.as_object().unwrap()).unwrap();
        let header = json!({"typ": "dpop+jwt", "alg": alg, "jwk": jwk});
        let claims = json!({"jti": "j", "htm": "GET", "htu": URL, "iat": NOW, "ath": access_token_hash(TOKEN)});
        let message = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let proof = format!(
            "{message}.{}",
            jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).unwrap()
        );
        let expected = Expectation::new("GET", URL, TOKEN, &jkt);
        assert!(
            verify_proof(&proof, &expected, &DpopConfig::default(), NOW).is_ok(),
            "{alg:?}"
        );
    }
}

/// A store that never answers.
#[derive(Debug)]
struct Silent;

impl ReplayStore for Silent {
    fn check_and_record<'a>(&'a self, _: &'a ReplayKey, _: u64, _: u64) -> StoreFuture<'a> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn a_store_that_does_not_answer_in_time_is_unavailable() {
    let config = DpopConfig {
        replay_store_timeout: std::time::Duration::from_millis(50),
        ..DpopConfig::default()
    };
    let proof = VerifiedProof::for_tests(ReplayKey::from_bytes([1; 32]), NOW + 301);
    let started = std::time::Instant::now();
    let answer = check_replay(&Silent, &proof, &config, NOW).await;
    assert_eq!(answer, Err(DpopError::ReplayStoreUnavailable));
    assert_eq!(answer.unwrap_err().status(), 503);
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[tokio::test]
async fn a_replayed_proof_is_an_invalid_proof() {
    let config = DpopConfig::default();
    let store = MemoryReplayStore::new(10);
    let proof = VerifiedProof::for_tests(ReplayKey::from_bytes([1; 32]), NOW + 301);
    assert_eq!(check_replay(&store, &proof, &config, NOW).await, Ok(()));
    assert_eq!(
        check_replay(&store, &proof, &config, NOW + 300).await,
        Err(DpopError::InvalidProof(
            "The DPoP proof was used before (its jti was seen)"
        ))
    );
}

#[test]
fn errors_have_the_contract_codes_and_plain_sentences() {
    assert_eq!(DpopError::InvalidProof("x").code(), "invalid_dpop_proof");
    assert_eq!(
        DpopError::InvalidProof("x").challenge_error(),
        Some("invalid_dpop_proof")
    );
    assert_eq!(DpopError::InvalidProof("x").status(), 401);
    assert_eq!(DpopError::UseNonce.code(), "use_dpop_nonce");
    assert_eq!(
        DpopError::UseNonce.challenge_error(),
        Some("use_dpop_nonce")
    );
    assert_eq!(DpopError::UseNonce.status(), 401);
    assert_eq!(
        DpopError::ReplayStoreUnavailable.code(),
        "replay_store_unavailable"
    );
    assert_eq!(DpopError::ReplayStoreUnavailable.challenge_error(), None);
    assert_eq!(DpopError::ReplayStoreUnavailable.status(), 503);
    // The description is the sentence given, or the error's own; Display
    // puts the code before it.
    assert_eq!(DpopError::InvalidProof("x").description(), "x");
    assert_eq!(
        DpopError::InvalidProof("x").to_string(),
        "invalid_dpop_proof: x"
    );
    assert!(DpopError::UseNonce
        .description()
        .contains("DPoP-Nonce header"));
    assert!(DpopError::ReplayStoreUnavailable
        .to_string()
        .starts_with("replay_store_unavailable: The DPoP replay store cannot be reached"));
    // Every InvalidProof sentence is checked the same way by the per-check
    // tests (testing/dpop/tests).
    for error in [DpopError::UseNonce, DpopError::ReplayStoreUnavailable] {
        let text = error.description();
        assert!(!text.contains(['"', '\\']) && text.len() < 120, "{text}");
    }
}

#[test]
fn an_expectation_never_prints_the_token() {
    let expected = Expectation::new("GET", URL, TOKEN, RFC_JKT);
    let text = format!("{expected:?}");
    assert!(!text.contains(TOKEN) && text.contains(URL), "{text}");
}

#[test]
fn the_algs_challenge_lists_the_allowed_algorithms() {
    assert_eq!(
        DpopConfig::default().algs_challenge(),
        "ES256 ES384 PS256 RS256 EdDSA"
    );
    let with_hmac = DpopConfig {
        algorithms: vec![Algorithm::HS256, Algorithm::ES256],
        ..DpopConfig::default()
    };
    assert_eq!(with_hmac.algs_challenge(), "ES256");
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    fn verify(proof: &str) -> Result<VerifiedProof, DpopError> {
        let expected = Expectation::new("GET", URL, TOKEN, RFC_JKT);
        verify_proof(proof, &expected, &DpopConfig::default(), NOW)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_text(proof in ".{0,300}") {
            prop_assert!(verify(&proof).is_err());
        }

        #[test]
        fn arbitrary_segments(header in "[A-Za-z0-9_-]{0,80}", payload in "[A-Za-z0-9_-]{0,80}", sig in "[A-Za-z0-9_-]{0,90}") {
            let proof = format!("{header}.{payload}.{sig}");
            prop_assert!(verify(&proof).is_err());
        }

        #[test]
        fn arbitrary_json_segments(header in ".{0,120}", payload in ".{0,120}") {
            let proof = format!("{}.{}.AAAA", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
            prop_assert!(verify(&proof).is_err());
        }

        /// Any request URL, as text or shaped like the RFC proof's `htu`:
        /// its normal form (if any) normalises to itself, and a valid
        /// proof is accepted exactly when the two normal forms are equal,
        /// else refused for its `htu` and for nothing else.
        #[test]
        fn arbitrary_request_urls(url in prop_oneof![
            ".{0,80}",
            "(https?|HTTPS|ftp|file)://(resource\\.example\\.org|RESOURCE\\.example\\.ORG|[a-z0-9.%-]{0,12})(:(443|80|[0-9]{1,5}))?(/(protectedresource|%70rotectedresource|\\.\\.|[a-zA-Z0-9%._~-]{0,8})){0,3}(\\?[a-z=&]{0,8})?(#[a-z]{0,4})?",
        ]) {
            let normal = htu::normalize(&url);
            if let Some(normal) = &normal {
                let again = htu::normalize(normal);
                prop_assert_eq!(again.as_ref(), Some(normal), "stable");
            }
            let same = normal.is_some() && normal == htu::normalize(RFC_RESOURCE_URL);
            match verify_rfc_resource_proof_at(&url) {
                Ok(_) => prop_assert!(same, "accepted for {:?}", normal),
                Err(error) if normal.is_none() => prop_assert_eq!(error, NO_REQUEST_URL),
                Err(error) => {
                    prop_assert!(!same, "refused its own URL: {:?}", error);
                    prop_assert_eq!(error, HTU_MISMATCH);
                }
            }
        }

        #[test]
        fn arbitrary_nonces(nonce in ".{0,80}") {
            let nonces = Nonces::from_secret(&[1; 32], std::time::Duration::from_secs(300)).unwrap();
            prop_assert_eq!(nonces.check(&nonce, NOW), Err(DpopError::UseNonce));
        }
    }
}
