//! A DPoP proof (RFC 9449), as the validator checks it (`__fuzz::dpop::verify`), and the `htu`
//! normalisation it compares URLs with.
//!
//! The first input byte picks the form: even, the rest is the proof itself
//! (and also a URL for the normaliser); odd, the rest is a header's JSON, a
//! `0xFF`, and a payload's JSON, which the target signs with its own P-256
//! key (a header object gets the missing `typ`, `alg` and `jwk` of that
//! key; a payload `"nonce":"@issued"` becomes a current server nonce, and
//! bit 1 of the first byte makes nonces required). Time is fixed at NOW.
//!
//! Invariants: verification is deterministic; an accepted proof is a
//! three-segment JWS under the size limit, with typ `dpop+jwt`, an allowed
//! asymmetric alg, a public jwk, a short `jti`, the request's `htm`, an
//! `htu` that normalises to the request URL, an `iat` in the window, the
//! token's `ath` (and a current nonce when required), and a replay expiry
//! after NOW; the same proof is refused for another key thumbprint, token,
//! method, URL, or a time past its window; every refusal is a 401
//! `invalid_dpop_proof` (or `use_dpop_nonce` when nonces are required) whose
//! sentence has no quote or backslash. The normaliser is idempotent and its
//! output has no query or fragment.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use auth_runtime::__fuzz;
use auth_runtime::__fuzz::dpop::{Nonces, Refusal, VerifiedProof, MAX_JTI_BYTES, MAX_PROOF_BYTES};
use auth_runtime_fuzz::{b64, unb64};
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};

/// The fixed clock of every verification.
const NOW: u64 = 1_800_000_000;
const METHOD: &str = "GET";
const URL: &str = "https://api.fuzz.example/orders?page=2";
const TOKEN: &str = "fuzz-access-token";

struct Fixture {
    key: EcdsaKeyPair,
    jwk: Value,
    jkt: String,
    nonces: Nonces,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("a P-256 key");
        let point = key.public_key().as_ref().to_vec(); // 0x04 || x || y
        let (x, y) = (b64(&point[1..33]), b64(&point[33..65]));
        // RFC 7638: the required members, in lexicographic order, no spaces.
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        let jkt = b64(
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes()).as_ref(),
        );
        Fixture {
            key,
            jwk: json!({ "kty": "EC", "crv": "P-256", "x": x, "y": y }),
            jkt,
            nonces: Nonces::from_secret(&[9; 32], Duration::from_secs(300))
                .expect("a nonce secret"),
        }
    })
}

fn ath(token: &str) -> String {
    b64(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes()).as_ref())
}

/// The proof an input stands for, and whether nonces are required.
fn proof_from_input(data: &[u8]) -> (String, bool) {
    let Some((&mode, rest)) = data.split_first() else {
        return (String::new(), false);
    };
    if mode & 1 == 0 {
        return (String::from_utf8_lossy(rest).into_owned(), false);
    }
    let fixture = fixture();
    let (header, payload) = match rest.iter().position(|&b| b == 0xFF) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (&b"{}"[..], rest),
    };
    let header = match serde_json::from_slice::<Value>(header) {
        Ok(Value::Object(mut header)) => {
            header.entry("typ").or_insert_with(|| json!("dpop+jwt"));
            header.entry("alg").or_insert_with(|| json!("ES256"));
            header.entry("jwk").or_insert_with(|| fixture.jwk.clone());
            serde_json::to_vec(&header).expect("a header serialises")
        }
        _ => header.to_vec(),
    };
    let payload = match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Object(mut payload)) if payload.get("nonce") == Some(&json!("@issued")) => {
            payload.insert("nonce".into(), json!(fixture.nonces.issue(NOW)));
            serde_json::to_vec(&payload).expect("a payload serialises")
        }
        _ => payload.to_vec(),
    };
    let signing_input = format!("{}.{}", b64(&header), b64(&payload));
    let signature = fixture
        .key
        .sign(
            &aws_lc_rs::rand::SystemRandom::new(),
            signing_input.as_bytes(),
        )
        .expect("ECDSA signs");
    (
        format!("{signing_input}.{}", b64(signature.as_ref())),
        mode & 2 != 0,
    )
}

fn verify(
    proof: &str,
    method: &str,
    url: &str,
    token: &str,
    jkt: &str,
    nonces: bool,
    now: u64,
) -> Result<VerifiedProof, Refusal> {
    let nonces = nonces.then_some(&fixture().nonces);
    __fuzz::dpop::verify(proof, method, url, token, jkt, nonces, now)
}

fn object(segment: &str) -> Map<String, Value> {
    let bytes = unb64(segment).expect("an accepted segment is base64url");
    match serde_json::from_slice(&bytes).expect("an accepted segment is JSON") {
        Value::Object(object) => object,
        other => panic!("an accepted segment is not an object: {other}"),
    }
}

fn check_accepted(proof: &str, accepted: &VerifiedProof, nonces: bool) {
    let fixture = fixture();
    assert!(proof.len() <= MAX_PROOF_BYTES);
    let segments: Vec<&str> = proof.split('.').collect();
    assert_eq!(segments.len(), 3);
    assert!(segments.iter().all(|s| !s.is_empty()));
    let header = object(segments[0]);
    let typ = header["typ"]
        .as_str()
        .expect("typ is a string")
        .to_ascii_lowercase();
    assert!(
        typ == "dpop+jwt" || typ == "application/dpop+jwt",
        "typ {typ}"
    );
    let alg = serde_json::from_value(header["alg"].clone()).expect("alg names an algorithm");
    assert!(
        __fuzz::defaults::dpop_algorithms().contains(&alg),
        "{alg:?}"
    );
    assert!(!header.contains_key("crit"));
    let jwk = header["jwk"].as_object().expect("jwk is an object");
    for private in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
        assert!(!jwk.contains_key(private), "a private jwk member {private}");
    }

    let claims = object(segments[1]);
    let jti = claims["jti"].as_str().expect("jti is a string");
    assert!(!jti.is_empty() && jti.len() <= MAX_JTI_BYTES);
    assert_eq!(claims["htm"], json!(METHOD));
    let htu = claims["htu"].as_str().expect("htu is a string");
    assert_eq!(
        __fuzz::htu_normalize(htu),
        __fuzz::htu_normalize(URL),
        "htu {htu}"
    );
    let iat = claims["iat"].as_f64().expect("iat is a number");
    assert!(
        iat >= (NOW - 300) as f64 && iat <= (NOW + 30) as f64,
        "iat {iat}"
    );
    assert_eq!(claims["ath"], json!(ath(TOKEN)));
    if nonces {
        let nonce = claims["nonce"].as_str().expect("a nonce is a string");
        assert!(fixture.nonces.check(nonce, NOW));
    }
    assert!(accepted.replay_expires_at() > NOW);

    let refused = |result: Result<VerifiedProof, Refusal>, what: &str| {
        assert!(result.is_err(), "accepted for another {what}");
    };
    let other_jkt = format!("{}A", &fixture.jkt[..fixture.jkt.len() - 1]);
    let other_jkt = if other_jkt == fixture.jkt {
        format!("{}B", &fixture.jkt[..fixture.jkt.len() - 1])
    } else {
        other_jkt
    };
    refused(
        verify(proof, METHOD, URL, TOKEN, &other_jkt, nonces, NOW),
        "key",
    );
    refused(
        verify(
            proof,
            METHOD,
            URL,
            "another-token",
            &fixture.jkt,
            nonces,
            NOW,
        ),
        "token",
    );
    refused(
        verify(proof, "POST", URL, TOKEN, &fixture.jkt, nonces, NOW),
        "method",
    );
    refused(
        verify(
            proof,
            METHOD,
            "https://other.fuzz.example/orders",
            TOKEN,
            &fixture.jkt,
            nonces,
            NOW,
        ),
        "URL",
    );
    refused(
        verify(
            proof,
            METHOD,
            URL,
            TOKEN,
            &fixture.jkt,
            nonces,
            accepted.replay_expires_at(),
        ),
        "time",
    );
}

fn check_normalizer(url: &str) {
    let Some(normal) = __fuzz::htu_normalize(url) else {
        return;
    };
    assert_eq!(
        __fuzz::htu_normalize(url).as_ref(),
        Some(&normal),
        "not deterministic"
    );
    assert!(
        !normal.contains('?') && !normal.contains('#'),
        "{url:?} -> {normal:?}"
    );
    assert_eq!(
        __fuzz::htu_normalize(&normal).as_ref(),
        Some(&normal),
        "not idempotent: {url:?} -> {normal:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let fixture = fixture();
    let (proof, nonces) = proof_from_input(data);
    let result = verify(&proof, METHOD, URL, TOKEN, &fixture.jkt, nonces, NOW);
    assert_eq!(
        result,
        verify(&proof, METHOD, URL, TOKEN, &fixture.jkt, nonces, NOW),
        "not deterministic"
    );
    match &result {
        Ok(accepted) => check_accepted(&proof, accepted, nonces),
        Err(error) => {
            assert_eq!(error.status(), 401, "{error:?}");
            let codes: &[&str] = if nonces {
                &["invalid_dpop_proof", "use_dpop_nonce"]
            } else {
                &["invalid_dpop_proof"]
            };
            assert!(codes.contains(&error.code()), "{error:?}");
            let description = error.description();
            assert!(!description.is_empty());
            assert!(
                !description.contains('"') && !description.contains('\\'),
                "{description}"
            );
            assert_eq!(
                error.to_string(),
                format!("{}: {description}", error.code())
            );
        }
    }
    if data.first().is_some_and(|mode| mode & 1 == 0) {
        check_normalizer(&proof);
    }
    let payload = proof.split('.').nth(1).and_then(unb64);
    if let Some(Ok(Value::Object(claims))) = payload.map(|p| serde_json::from_slice::<Value>(&p)) {
        if let Some(Value::String(htu)) = claims.get("htu") {
            check_normalizer(htu);
        }
    }
});
