//! Interoperability: DPoP-bound tokens and their proofs made by another
//! implementation (Python's `cryptography`, JOSE by hand:
//! `fixtures/make_dpop_interop.py`), for EdDSA, PS256 and ES384 proofs,
//! checked end to end by `IssuerRouter::authorize_request` with the clock
//! set to the proofs' `iat`. The tokens verify against the fixture's key
//! set, inline, with no network.

use auth_runtime::validator::{IssuerRouter, RequestParts};
use auth_runtime::{AuthConfig, AuthError};
use serde_json::Value;

struct Fixture {
    document: Value,
}

impl Fixture {
    fn load() -> Fixture {
        let document = serde_json::from_str(include_str!("fixtures/dpop_interop.json"))
            .expect("the fixture is JSON");
        Fixture { document }
    }

    fn text(&self, name: &str) -> &str {
        self.document[name].as_str().expect(name)
    }

    fn now(&self) -> u64 {
        self.document["now"].as_u64().expect("now")
    }

    /// A router for the fixture's issuer, with its key set inline and
    /// RFC 9068's `at+jwt` required (the tokens carry it).
    fn router(&self) -> IssuerRouter {
        let config = AuthConfig::builder(self.text("issuer"), self.text("audience"))
            .jwks_inline(self.document["jwks"].to_string())
            .require_access_token_type(true)
            .build()
            .expect("a valid configuration");
        IssuerRouter::new([config]).expect("a router")
    }

    /// Each case: its algorithm, token and proof.
    fn cases(&self) -> Vec<(String, String, String)> {
        let cases = self.document["cases"].as_array().expect("cases");
        cases
            .iter()
            .map(|case| {
                let field = |name: &str| case[name].as_str().expect(name).to_owned();
                (field("alg"), field("token"), field("proof"))
            })
            .collect()
    }
}

async fn authorize(
    router: &IssuerRouter,
    authorization: &str,
    proof: &str,
    url: &str,
    now: u64,
) -> Result<auth_runtime::Claims, AuthError> {
    let parts = RequestParts::new("GET", Some(url.to_owned()))
        .authorization(authorization)
        .dpop(proof)
        .at(now);
    router.authorize_request(&parts).await
}

#[tokio::test]
async fn tokens_and_proofs_made_elsewhere_are_accepted_at_their_time() {
    let fixture = Fixture::load();
    let router = fixture.router();
    let url = fixture.text("url");
    for (alg, token, proof) in fixture.cases() {
        let claims = authorize(
            &router,
            &format!("DPoP {token}"),
            &proof,
            url,
            fixture.now(),
        )
        .await
        .unwrap_or_else(|error| panic!("{alg}: {error}"));
        let sub = claims.sub().unwrap_or_default();
        assert!(sub.starts_with("interop-"), "{alg}: {sub}");
        assert!(claims.has_scope("read:messages"), "{alg}");
        // Accepted once: the same proof again is a replay.
        let again = authorize(
            &router,
            &format!("DPoP {token}"),
            &proof,
            url,
            fixture.now(),
        )
        .await;
        assert_eq!(
            again.unwrap_err(),
            AuthError::InvalidDpopProof("The DPoP proof was used before (its jti was seen)"),
            "{alg}"
        );
    }
}

#[tokio::test]
async fn the_same_proofs_are_refused_off_their_request_or_their_time() {
    let fixture = Fixture::load();
    let url = fixture.text("url");
    for (alg, token, proof) in fixture.cases() {
        let dpop = format!("DPoP {token}");
        let router = fixture.router();
        // An htu normalised as RFC 3986 says still matches (and the query is ignored).
        let loud = "HTTPS://API.interop.example:443/orders/private?page=2";
        let fresh = fixture.router();
        assert!(
            authorize(&fresh, &dpop, &proof, loud, fixture.now())
                .await
                .is_ok(),
            "{alg}"
        );
        let cases = [
            (
                "too late",
                authorize(&router, &dpop, &proof, url, fixture.now() + 400).await,
                AuthError::InvalidDpopProof("The DPoP proof is too old (iat)"),
            ),
            (
                "another URL",
                authorize(
                    &router,
                    &dpop,
                    &proof,
                    "https://api.interop.example/other",
                    fixture.now(),
                )
                .await,
                AuthError::InvalidDpopProof("The DPoP proof's htu does not match the request URL"),
            ),
            (
                "as Bearer",
                authorize(
                    &router,
                    &format!("Bearer {token}"),
                    &proof,
                    url,
                    fixture.now(),
                )
                .await,
                AuthError::InvalidToken(
                    "The token is bound to a DPoP key (cnf.jkt): it must be presented with the \
                     DPoP scheme and a proof",
                ),
            ),
        ];
        for (name, got, expected) in cases {
            assert_eq!(got.unwrap_err(), expected, "{alg}: {name}");
        }
    }
}

#[tokio::test]
async fn a_proof_for_one_token_does_not_serve_another() {
    let fixture = Fixture::load();
    let router = fixture.router();
    let cases = fixture.cases();
    let (_, first_token, _) = &cases[0];
    let (alg, _, second_proof) = &cases[1];
    let got = authorize(
        &router,
        &format!("DPoP {first_token}"),
        second_proof,
        fixture.text("url"),
        fixture.now(),
    )
    .await;
    // Another key than the token's cnf.jkt: refused before its signature is checked.
    assert_eq!(
        got.unwrap_err(),
        AuthError::InvalidDpopProof(
            "The DPoP proof's key is not the one the token is bound to (cnf.jkt)"
        ),
        "{alg}"
    );
}

#[tokio::test]
async fn a_validator_alone_refuses_a_bound_token_as_bearer() {
    let fixture = Fixture::load();
    let config = AuthConfig::builder(fixture.text("issuer"), fixture.text("audience"))
        .jwks_inline(fixture.document["jwks"].to_string())
        .build()
        .expect("a valid configuration");
    let validator = auth_runtime::validator::Validator::new(config).expect("a validator");
    let (_, token, _) = &fixture.cases()[0];
    let got = validator.authorize(Some(&format!("Bearer {token}"))).await;
    assert_eq!(got.unwrap_err().code(), "invalid_token");
    // The bare token verifies: the sender constraint is the caller's.
    assert!(validator.validate(token).await.is_ok());
}
