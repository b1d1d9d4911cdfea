//! [`DpopKey`] and [`ProofBuilder`]: a DPoP client's key and its proofs,
//! with a knob to break each check.
#![allow(clippy::expect_used)] // test helpers: a failure here is a broken test setup

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// A DPoP client's key: a fresh EC P-256 key signing ES256 proofs.
///
/// ```
/// use auth_runtime::testing::{DpopKey, TestIssuer};
/// use auth_runtime::validator::{IssuerRouter, RequestParts};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let issuer = TestIssuer::start("https://my/api").await.unwrap();
/// let router = IssuerRouter::new([issuer.config().build().unwrap()]).unwrap();
/// let client = DpopKey::generate();
/// // A token bound to the key (`"cnf": {"jkt": ...}`), and a proof of it.
/// let token = issuer.token().sub("alice").bound_to(&client).build();
/// let url = "https://api.example.com/orders";
/// let proof = client.proof("GET", url).access_token(&token).build();
/// let authorization = format!("DPoP {token}");
/// let request = RequestParts::new("GET", Some(url.to_owned()))
///     .authorization(&authorization)
///     .dpop(&proof);
/// let claims = router.authorize_request(&request).await.unwrap();
/// assert_eq!(claims.sub(), Some("alice"));
/// # });
/// ```
#[derive(Clone)]
pub struct DpopKey {
    encoding: EncodingKey,
    public_jwk: Map<String, Value>,
    thumbprint: String,
    /// The private scalar, base64url: only for proofs that leak it.
    d: String,
    /// The whole private key, PKCS#8 DER.
    pkcs8: Vec<u8>,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopKey")
            .field("thumbprint", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

impl DpopKey {
    /// A fresh P-256 key.
    pub fn generate() -> DpopKey {
        use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
        crate::crypto::install_provider();
        let pair =
            EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("EC key generation");
        DpopKey::from_pair(&pair)
    }

    /// The key in a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), as
    /// [`to_pem`](Self::to_pem) writes it; `None` when it is not a P-256 key.
    pub fn from_pem(pem: &str) -> Option<DpopKey> {
        use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
        crate::crypto::install_provider();
        let body: String = pem
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .map(str::trim)
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .ok()?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der).ok()?;
        Some(DpopKey::from_pair(&pair))
    }

    /// The private key as a PKCS#8 PEM, for a client in another process.
    pub fn to_pem(&self) -> String {
        let body = base64::engine::general_purpose::STANDARD.encode(&self.pkcs8);
        let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END PRIVATE KEY-----\n");
        pem
    }

    fn from_pair(pair: &aws_lc_rs::signature::EcdsaKeyPair) -> DpopKey {
        use aws_lc_rs::encoding::AsBigEndian;
        use aws_lc_rs::signature::KeyPair;
        let pkcs8 = pair.to_pkcs8v1().expect("EC key as PKCS#8");
        // The uncompressed point: 0x04, then x and y.
        let point = pair.public_key().as_ref();
        let coordinate = |range: std::ops::Range<usize>| {
            URL_SAFE_NO_PAD.encode(point.get(range).expect("a P-256 point"))
        };
        let public_jwk = match json!({
            "kty": "EC",
            "crv": "P-256",
            "x": coordinate(1..33),
            "y": coordinate(33..65),
        }) {
            Value::Object(jwk) => jwk,
            _ => Map::new(),
        };
        let thumbprint = crate::dpop::thumbprint_of_jwk(&public_jwk).expect("an EC JWK");
        let d = pair
            .private_key()
            .as_be_bytes()
            .expect("the private scalar");
        DpopKey {
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            public_jwk,
            thumbprint,
            d: URL_SAFE_NO_PAD.encode(d.as_ref()),
            pkcs8: pkcs8.as_ref().to_vec(),
        }
    }

    /// The public half, as the `jwk` of its proofs' headers.
    pub fn public_jwk(&self) -> &Map<String, Value> {
        &self.public_jwk
    }

    /// Its RFC 7638 thumbprint: the `cnf.jkt` of tokens bound to it.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// The `cnf` claim of a token bound to this key, `{"jkt": "..."}`, for
    /// [`TokenBuilder::claim`](super::TokenBuilder::claim).
    pub fn cnf(&self) -> Value {
        json!({ "jkt": self.thumbprint })
    }

    /// A proof for a request: `method` and `url` (its `htm` and `htu`),
    /// with `iat` now and a random `jti`.
    pub fn proof(&self, method: &str, url: &str) -> ProofBuilder {
        ProofBuilder::new(self, method, url)
    }

    /// Signs header and payload JSON texts byte for byte (for proofs no
    /// serializer would write, such as repeated members), with ES256.
    pub fn sign_raw(&self, header_json: &str, payload_json: &str) -> String {
        let message = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header_json),
            URL_SAFE_NO_PAD.encode(payload_json)
        );
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), &self.encoding, Algorithm::ES256)
                .expect("signing a test proof");
        format!("{message}.{signature}")
    }
}

/// Builds a DPoP proof; by default a valid one for its key, method and URL
/// (add [`ProofBuilder::access_token`] for the `ath` that resource servers
/// require). Each other method breaks, or changes, one thing.
#[derive(Debug, Clone)]
#[must_use = "call .build() to get the proof"]
pub struct ProofBuilder {
    key: DpopKey,
    signer: Option<DpopKey>,
    header: Map<String, Value>,
    claims: Map<String, Value>,
}

impl ProofBuilder {
    fn new(key: &DpopKey, method: &str, url: &str) -> ProofBuilder {
        let mut jti = [0u8; 16];
        aws_lc_rs::rand::fill(&mut jti).expect("random jti");
        let mut header = Map::new();
        header.insert("typ".into(), "dpop+jwt".into());
        header.insert("alg".into(), "ES256".into());
        header.insert("jwk".into(), Value::Object(key.public_jwk.clone()));
        let mut claims = Map::new();
        claims.insert("jti".into(), URL_SAFE_NO_PAD.encode(jti).into());
        claims.insert("htm".into(), method.into());
        claims.insert("htu".into(), url.into());
        claims.insert("iat".into(), jsonwebtoken::get_current_timestamp().into());
        ProofBuilder {
            key: key.clone(),
            signer: None,
            header,
            claims,
        }
    }

    /// Sets `ath` to the hash of `token`.
    pub fn access_token(self, token: &str) -> Self {
        let ath = crate::dpop::access_token_hash(token);
        self.claim("ath", ath)
    }

    /// Sets `iat` to now plus `seconds` (negative: in the past).
    pub fn iat_offset(self, seconds: i64) -> Self {
        let now = jsonwebtoken::get_current_timestamp() as i64;
        self.claim("iat", now.saturating_add(seconds))
    }

    /// Sets `iat` (Unix seconds), for a verifier with an injected clock.
    pub fn iat(self, iat: u64) -> Self {
        self.claim("iat", iat)
    }

    /// Sets `jti` (the same one twice makes a replay).
    pub fn jti(self, jti: &str) -> Self {
        self.claim("jti", jti)
    }

    /// Sets `nonce`, as the server's `DPoP-Nonce` header gave it.
    pub fn nonce(self, nonce: &str) -> Self {
        self.claim("nonce", nonce)
    }

    /// Sets the header's `typ` (`None` removes it).
    pub fn typ(self, typ: Option<&str>) -> Self {
        self.set(Part::Header, "typ", typ.map(Value::from))
    }

    /// Sets the header's `alg` text; the signature stays ES256.
    pub fn alg(self, alg: &str) -> Self {
        self.header("alg", alg)
    }

    /// Adds a private member to the header's `jwk`: `d` gets the key's real
    /// private scalar, any other name a placeholder.
    pub fn private_member(mut self, name: &str) -> Self {
        let value = if name == "d" {
            self.key.d.clone()
        } else {
            "AQAB".to_owned()
        };
        if let Some(Value::Object(jwk)) = self.header.get_mut("jwk") {
            jwk.insert(name.to_owned(), value.into());
        }
        self
    }

    /// Signs with `other` while the header still shows this key's `jwk`: a
    /// signature that does not verify. (For a proof by a key the token is
    /// not bound to, build it from that other key instead.)
    pub fn signed_by(mut self, other: &DpopKey) -> Self {
        self.signer = Some(other.clone());
        self
    }

    /// Sets any header member.
    pub fn header(self, name: &str, value: impl Serialize) -> Self {
        self.set(Part::Header, name, Some(to_json(value)))
    }

    /// Removes a header member (e.g. `jwk`).
    pub fn without_header(self, name: &str) -> Self {
        self.set(Part::Header, name, None)
    }

    /// Sets any claim.
    pub fn claim(self, name: &str, value: impl Serialize) -> Self {
        self.set(Part::Claims, name, Some(to_json(value)))
    }

    /// Removes a claim (e.g. `jti`, to test that it is required).
    pub fn without_claim(self, name: &str) -> Self {
        self.set(Part::Claims, name, None)
    }

    /// Sets member `name` of `part` to `value`, or removes it for `None`.
    fn set(mut self, part: Part, name: &str, value: Option<Value>) -> Self {
        let members = match part {
            Part::Header => &mut self.header,
            Part::Claims => &mut self.claims,
        };
        match value {
            Some(value) => members.insert(name.to_owned(), value),
            None => members.remove(name),
        };
        self
    }

    /// The proof, signed.
    pub fn build(&self) -> String {
        let signer = self.signer.as_ref().unwrap_or(&self.key);
        signer.sign_raw(
            &Value::Object(self.header.clone()).to_string(),
            &Value::Object(self.claims.clone()).to_string(),
        )
    }
}

/// The two JSON objects of a proof that [`ProofBuilder`] edits.
#[derive(Debug, Clone, Copy)]
enum Part {
    Header,
    Claims,
}

fn to_json(value: impl Serialize) -> Value {
    serde_json::to_value(value).expect("header or claim value serializes to JSON")
}

/// A DPoP server nonce (RFC 9449 section 8) sealed with `secret` for the
/// Unix time `issued_at`, as an instance configured with that
/// `dpop_nonce_secret` (and a window of `window`) issues it: for tests of
/// nonces shared between instances, expired or sealed with another secret.
/// `None` when the secret is shorter than the 32 bytes a nonce secret needs.
pub fn dpop_nonce(secret: &[u8], window: std::time::Duration, issued_at: u64) -> Option<String> {
    crate::dpop::Nonces::from_secret(secret, window)
        .ok()
        .map(|nonces| nonces.issue(issued_at))
}

#[cfg(test)]
mod tests;
