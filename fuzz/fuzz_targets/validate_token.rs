//! A whole `Validator::validate`, on arbitrary tokens and on tokens the
//! target signs itself (see `token_from_input`), against a fixed HS256/384/
//! 512 configuration: a shared secret, so no key set and no network, on a
//! current-thread runtime.
//!
//! Invariants: the same token gets the same answer twice from one
//! validator (the second from its verified-token cache when valid), from a
//! second validator of the same configuration, and as `Bearer <token>`
//! through `authorize`; an accepted token is a signed three-segment JWS
//! under the size limit with an HMAC `alg`, whose claims are exactly its
//! payload, with `iss` the issuer, `aud` (or one of its elements) the
//! audience, `exp` not past and `nbf`, `iat` not in the future (with the
//! leeway), and scopes that its `scope`, `scp` or `permissions` name; a
//! refusal is a 401 (never a 503 without a key set) that never quotes the
//! token.
#![no_main]

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use auth_runtime::config::HmacSecret;
use auth_runtime::validator::Validator;
use auth_runtime::{__fuzz, AuthConfig, AuthError, Claims};
use auth_runtime_fuzz::{check_error, token_from_input, unb64, words, AUDIENCE, ISSUER, SECRET};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

struct Fixture {
    runtime: tokio::runtime::Runtime,
    first: Validator,
    second: Validator,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let validator = || {
            let config = AuthConfig::builder(ISSUER, AUDIENCE)
                .shared_secret(HmacSecret::raw(SECRET))
                .build()
                .expect("the fixed configuration builds");
            Validator::new(config).expect("the fixed validator builds")
        };
        Fixture {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .expect("a current-thread runtime"),
            first: validator(),
            second: validator(),
        }
    })
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

type Outcome = Result<Map<String, Value>, AuthError>;

fn outcome(result: Result<Claims, AuthError>) -> Outcome {
    result.map(|claims| claims.payload().clone())
}

/// Whether a time claim lies so close to a limit that the clock ticking
/// between two validations may change the answer.
fn near_a_limit(payload: Option<&Map<String, Value>>, at: f64) -> bool {
    let leeway = __fuzz::defaults::leeway().as_secs_f64();
    payload.is_some_and(|payload| {
        ["exp", "nbf", "iat"].iter().any(|claim| {
            payload
                .get(*claim)
                .and_then(Value::as_f64)
                .is_some_and(|t| (t - at).abs() <= leeway + 5.0)
        })
    })
}

fn check_accepted(token: &str, accepted: &Claims, before: f64, after: f64) {
    let claims = accepted.payload();
    let leeway = __fuzz::defaults::leeway().as_secs_f64();
    assert!(token.len() <= __fuzz::defaults::max_token_bytes());
    let header = __fuzz::token_header(token).expect("an accepted token has a header");
    assert!(
        format!("{:?}", header.alg).starts_with("HS"),
        "{:?} accepted with a shared secret",
        header.alg
    );
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 3);
    let payload: Value = unb64(segments[1])
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .expect("an accepted payload is base64url JSON");
    assert_eq!(
        Some(claims),
        payload.as_object(),
        "claims are not the payload"
    );

    assert_eq!(claims.get("iss"), Some(&Value::String(ISSUER.into())));
    let audience = Value::String(AUDIENCE.into());
    match claims.get("aud") {
        Some(Value::String(aud)) => assert_eq!(aud, AUDIENCE),
        Some(Value::Array(auds)) => assert!(auds.contains(&audience), "{auds:?}"),
        other => panic!("accepted with aud {other:?}"),
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_f64)
        .expect("exp is a number");
    assert!(
        exp.round() + leeway >= before.floor(),
        "expired: {exp} at {before}"
    );
    for claim in ["nbf", "iat"] {
        if let Some(time) = claims.get(claim).filter(|v| !v.is_null()) {
            let time = time.as_f64().unwrap_or_else(|| panic!("{claim} is {time}"));
            assert!(
                time.round() <= after.ceil() + leeway,
                "{claim} {time} at {after}"
            );
        }
    }
    let mut named: Vec<&str> = Vec::new();
    for claim in ["scope", "scp", "permissions"] {
        match claims.get(claim) {
            Some(Value::String(text)) => named.push(text),
            Some(Value::Array(items)) => named.extend(items.iter().filter_map(Value::as_str)),
            _ => {}
        }
    }
    for scope in accepted.scopes() {
        assert!(!scope.is_empty());
        assert!(
            named.iter().any(|text| text.contains(scope)),
            "scope {scope:?} not named in {named:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let fixture = fixture();
    let token = token_from_input(data);
    let token = token.as_str();
    let before = now();
    let (result, again, second, header) = fixture.runtime.block_on(async {
        (
            fixture.first.validate(token).await,
            outcome(fixture.first.validate(token).await),
            outcome(fixture.second.validate(token).await),
            outcome(
                fixture
                    .first
                    .authorize(Some(&format!("Bearer {token}")))
                    .await,
            ),
        )
    });
    let after = now();
    let first = outcome(result.clone());

    let payload = first.as_ref().ok().cloned().or_else(|| {
        let segment = token.split('.').nth(1)?;
        serde_json::from_slice::<Map<String, Value>>(&unb64(segment)?).ok()
    });
    let same = first == again && first == second;
    assert!(
        same || near_a_limit(payload.as_ref(), before),
        "not deterministic: {first:?} then {again:?}, another validator {second:?}"
    );
    if words(token) == [token] {
        assert!(
            first == header || near_a_limit(payload.as_ref(), before),
            "validate {first:?} but authorize {header:?}"
        );
    }

    match &result {
        Ok(claims) => check_accepted(token, claims, before, after),
        Err(error) => {
            assert_eq!(error.status(), 401, "{error:?} with a shared secret");
            check_error(error, token);
        }
    }
});
