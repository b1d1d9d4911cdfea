//! Signing keys for test tokens, and key-set documents of their public halves.
#![allow(clippy::expect_used)] // test helpers: a failure here is a broken test setup

use base64::Engine;
use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use serde_json::{json, Value};

/// A private key that signs test tokens, with its public JWK.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    alg: Algorithm,
    encoding: EncodingKey,
    public_jwk: Value,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish()
    }
}

impl SigningKey {
    /// A fresh RSA-2048 key for RS256.
    pub fn generate_rsa(kid: impl Into<String>) -> SigningKey {
        use aws_lc_rs::encoding::AsDer;
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .expect("RSA key generation");
        let der = pair.as_der().expect("RSA key as PKCS#8");
        let pem = pem_wrap("PRIVATE KEY", der.as_ref());
        SigningKey::from_pem(kid, Algorithm::RS256, pem.as_bytes()).expect("generated RSA key")
    }

    /// A fresh P-256 key for ES256.
    pub fn generate_ec(kid: impl Into<String>) -> SigningKey {
        let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        )
        .expect("EC key generation");
        let der = pair.to_pkcs8v1().expect("EC key as PKCS#8");
        SigningKey::from_encoding_key(
            kid,
            Algorithm::ES256,
            EncodingKey::from_ec_der(der.as_ref()),
        )
        .expect("generated EC key")
    }

    /// A key from a PEM private key (PKCS#1 or PKCS#8 for RSA, PKCS#8 for EC
    /// and Ed25519), signing with `alg`.
    pub fn from_pem(
        kid: impl Into<String>,
        alg: Algorithm,
        pem: &[u8],
    ) -> Result<SigningKey, jsonwebtoken::errors::Error> {
        let encoding = match alg {
            Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(pem)?,
            Algorithm::EdDSA => EncodingKey::from_ed_pem(pem)?,
            _ => EncodingKey::from_rsa_pem(pem)?,
        };
        SigningKey::from_encoding_key(kid, alg, encoding)
    }

    /// An HMAC key (HS256/384/512) from a shared secret. Its "public" JWK
    /// is an `oct` key holding the secret itself: publish it only to test
    /// that such keys are refused.
    pub fn from_secret(
        kid: impl Into<String>,
        alg: Algorithm,
        secret: &[u8],
    ) -> Result<SigningKey, jsonwebtoken::errors::Error> {
        SigningKey::from_encoding_key(kid, alg, EncodingKey::from_secret(secret)?)
    }

    fn from_encoding_key(
        kid: impl Into<String>,
        alg: Algorithm,
        encoding: EncodingKey,
    ) -> Result<SigningKey, jsonwebtoken::errors::Error> {
        crate::crypto::install_provider();
        let kid = kid.into();
        let mut jwk = Jwk::from_encoding_key(&encoding, alg)?;
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        let public_jwk = serde_json::to_value(&jwk)?;
        Ok(SigningKey {
            kid,
            alg,
            encoding,
            public_jwk,
        })
    }

    /// The key id, sent as the tokens' `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm it signs with.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The public half as a JWK (with `kid`, `alg` and `use: sig`).
    pub fn public_jwk(&self) -> &Value {
        &self.public_jwk
    }

    /// Signs arbitrary header and payload JSON texts, byte for byte (for
    /// tokens no serializer would write, such as repeated members).
    pub fn sign_raw(
        &self,
        header_json: &str,
        payload_json: &str,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let message = format!("{}.{}", b64.encode(header_json), b64.encode(payload_json));
        let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &self.encoding, self.alg)?;
        Ok(format!("{message}.{signature}"))
    }

    /// Signs `claims` with this key under `header` (whose `alg` must be this key's).
    pub fn sign(
        &self,
        header: &Header,
        claims: &impl Serialize,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(header, claims, &self.encoding)
    }
}

/// A key set document, `{"keys": [...]}`, holding the public halves of `keys`.
pub fn key_set<'a>(keys: impl IntoIterator<Item = &'a SigningKey>) -> Value {
    json!({ "keys": keys.into_iter().map(|k| k.public_jwk.clone()).collect::<Vec<_>>() })
}

fn pem_wrap(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}
