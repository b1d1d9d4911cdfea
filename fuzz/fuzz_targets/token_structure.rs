//! A token's structure, before any key: the header (`alg`, `kid`, `typ`,
//! `crit`, distinct members) and the payload's unverified `iss` that picks
//! an issuer's validator.
//!
//! Invariants: both parses are deterministic; an accepted header is a
//! base64url JSON object whose `alg` names the parsed algorithm, whose
//! `kid` and `typ` are the parsed strings, with no `crit`; `at+jwt` is
//! recognised exactly as RFC 9068 spells it; a peeked `iss` comes from a
//! three-segment token whose payload is a JSON object with that `iss`
//! string; every refusal is a 401 `invalid_header` that never quotes the
//! token.
#![no_main]

use auth_runtime::{__fuzz, AuthError};
use auth_runtime_fuzz::{check_error, deterministic, token_from_input, unb64};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let token = token_from_input(data);
    let token = token.as_str();

    let header = deterministic("header", token, __fuzz::token_header);
    match &header {
        Ok(header) => {
            let segment = token.split('.').next().unwrap_or_default();
            let bytes = unb64(segment).expect("an accepted header is base64url");
            let json: Value = serde_json::from_slice(&bytes).expect("an accepted header is JSON");
            let object = json.as_object().expect("an accepted header is an object");
            assert_eq!(
                object.get("alg"),
                Some(&serde_json::to_value(header.alg).unwrap()),
                "alg"
            );
            assert_eq!(
                object
                    .get("kid")
                    .map(|v| v.as_str().expect("kid is a string")),
                header.kid.as_deref()
            );
            assert_eq!(
                object
                    .get("typ")
                    .map(|v| v.as_str().expect("typ is a string")),
                header.typ.as_deref()
            );
            assert!(!object.contains_key("crit"));
            let at_jwt = header.typ.as_deref().is_some_and(|typ| {
                let lower = typ.to_ascii_lowercase();
                lower == "at+jwt" || lower == "application/at+jwt"
            });
            assert_eq!(header.access_token_type, at_jwt, "{:?}", header.typ);
        }
        Err(error) => {
            assert!(matches!(error, AuthError::Malformed(_)), "{error:?}");
            assert_eq!((error.status(), error.code()), (401, "invalid_header"));
            check_error(error, token);
        }
    }

    let issuer = deterministic("iss", token, __fuzz::unverified_issuer);
    match &issuer {
        Ok(issuer) => {
            let segments: Vec<&str> = token.split('.').collect();
            assert_eq!(segments.len(), 3, "a peeked iss needs three segments");
            let bytes = unb64(segments[1]).expect("a peeked payload is base64url");
            let json: Value = serde_json::from_slice(&bytes).expect("a peeked payload is JSON");
            let object = json.as_object().unwrap_or_else(|| {
                panic!("an iss was peeked from a payload that is not an object: {json}")
            });
            match issuer {
                Some(iss) => assert_eq!(object.get("iss"), Some(&Value::String(iss.clone()))),
                None => assert!(!object.get("iss").is_some_and(Value::is_string)),
            }
        }
        Err(error) => {
            assert!(matches!(error, AuthError::Malformed(_)), "{error:?}");
            check_error(error, token);
        }
    }
});
