//! What the contract says a response must hold, and what a response holds.

use super::*;

/// What the contract says a request must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The route's success, for the token's `sub`.
    Accepted,
    /// 401 `authorization_header_missing`, with a bare challenge.
    Missing,
    /// 401 `invalid_header` with this description and
    /// `error="invalid_request"`: the header's shape is wrong.
    BadHeader(&'static str),
    /// 401 with this code and description, and `error="invalid_token"`.
    BadToken(&'static str, &'static str),
    /// 401 `invalid_claims`, the description naming this claim.
    BadClaim(&'static str),
    /// 403 `insufficient_scope`, the challenge naming this scope.
    Forbidden(&'static str),
    /// 503 `jwks_unavailable`, with `Retry-After` and no challenge.
    Unavailable,
}

// The contract's errors: each description as the quickstart words it, and
// the expectation of the tokens that get it.

/// The description of a request without a token.
pub const MISSING: &str = "Authorization header is expected";
/// The description of a token that does not parse or verify.
pub const PARSE: &str = "Unable to parse authentication token.";
/// A token that does not parse, or whose signature does not verify.
pub const UNPARSABLE: Expect = Expect::BadToken("invalid_header", PARSE);
/// The description of a token whose key is not in the key set.
pub const NO_KEY: &str = "Unable to find appropriate key";
/// A token whose `kid` is not in the key set.
pub const UNKNOWN_KEY: Expect = Expect::BadToken("invalid_header", NO_KEY);
/// The description of an expired token.
pub const EXPIRED: &str = "token is expired";
/// A token past its `exp` (and the leeway).
pub const TOKEN_EXPIRED: Expect = Expect::BadToken("token_expired", EXPIRED);
/// The description of a token for another audience or from another issuer.
pub const AUD_ISS: &str = "incorrect claims, please check the audience and issuer";
/// A token for another audience or from another issuer.
pub const WRONG_AUD_OR_ISS: Expect = Expect::BadToken("invalid_claims", AUD_ISS);
/// The description of a token without a scope the route requires.
pub const NO_ACCESS: &str = "You don't have access to this resource";

/// One request of a table: a name for failures, the `Authorization` header
/// it sends (if any), and what it must get.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    pub authorization: Option<String>,
    pub expect: Expect,
}

impl Row {
    /// A request with `Bearer <token>`.
    pub fn bearer(name: impl Into<String>, token: impl AsRef<str>, expect: Expect) -> Row {
        Row::header(name, format!("Bearer {}", token.as_ref()), expect)
    }

    /// A request with this `Authorization` header value.
    pub fn header(name: impl Into<String>, value: impl Into<String>, expect: Expect) -> Row {
        Row {
            name: name.into(),
            authorization: Some(value.into()),
            expect,
        }
    }

    /// A request without an `Authorization` header.
    pub fn anonymous(name: impl Into<String>, expect: Expect) -> Row {
        Row {
            name: name.into(),
            authorization: None,
            expect,
        }
    }

    /// The token of a `Bearer` row.
    pub fn bearer_token(&self) -> Option<&str> {
        self.authorization.as_deref()?.strip_prefix("Bearer ")
    }
}

/// What a test reads off a response.
#[derive(Debug)]
pub struct Answer {
    pub status: Status,
    pub content_type: Option<ContentType>,
    /// The first `WWW-Authenticate` header (the `Bearer` one, where there are two).
    pub www_authenticate: Option<String>,
    /// Every `WWW-Authenticate` header, in order.
    pub challenges: Vec<String>,
    pub retry_after: Option<String>,
    /// The `DPoP-Nonce` header (RFC 9449 section 8).
    pub dpop_nonce: Option<String>,
    pub body: String,
}

impl Answer {
    pub async fn from(response: LocalResponse<'_>) -> Answer {
        Answer {
            status: response.status(),
            content_type: response.content_type(),
            www_authenticate: response
                .headers()
                .get_one("WWW-Authenticate")
                .map(str::to_owned),
            challenges: response
                .headers()
                .get("WWW-Authenticate")
                .map(str::to_owned)
                .collect(),
            retry_after: response.headers().get_one("Retry-After").map(str::to_owned),
            dpop_nonce: response.headers().get_one("DPoP-Nonce").map(str::to_owned),
            body: response.into_string().await.unwrap_or_default(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    /// Asserts a contract error of `expect` on a route that requires no
    /// scope (not [`Expect::Accepted`], whose body depends on the app: see
    /// [`TestApp::assert_success`]).
    #[track_caller]
    pub fn assert(&self, expect: Expect, context: &str) {
        self.assert_on(None, expect, context);
    }

    /// [`assert`](Self::assert) on a route that requires `route_scopes`
    /// (space-separated), which a 401's challenge names last; without
    /// them, a 401 names no scope.
    #[track_caller]
    pub fn assert_on(&self, route_scopes: Option<&str>, expect: Expect, context: &str) {
        if self.status.code == 401 {
            let challenge = self.www_authenticate.as_deref().unwrap_or_default();
            match route_scopes {
                Some(scopes) => assert!(
                    challenge.ends_with(&format!(r#"scope="{scopes}""#)),
                    "{context}: the 401 should name {scopes}: {challenge}"
                ),
                None => assert!(!challenge.contains("scope="), "{context}: {challenge}"),
            }
        }
        match expect {
            Expect::Accepted => panic!("{context}: a success is checked by its app"),
            Expect::Missing => {
                self.assert_error(401, "authorization_header_missing", MISSING, None, context)
            }
            Expect::BadHeader(description) => self.assert_error(
                401,
                "invalid_header",
                description,
                Some("invalid_request"),
                context,
            ),
            Expect::BadToken(code, description) => {
                self.assert_error(401, code, description, Some("invalid_token"), context)
            }
            Expect::BadClaim(claim) => self.assert_invalid_claim(claim, context),
            Expect::Forbidden(scope) => {
                // Auth0's code for a 403, as the quickstart has it.
                let code = "Unauthorized";
                self.assert_error(403, code, NO_ACCESS, Some("insufficient_scope"), context);
                let challenge = self.www_authenticate.as_deref().unwrap_or_default();
                assert!(
                    challenge.ends_with(&format!(r#", scope="{scope}""#)),
                    "{context}: {challenge}"
                );
            }
            Expect::Unavailable => {
                let description = self.json()["description"].as_str().map(str::to_owned);
                assert!(description.is_some(), "{context}: {self:?}");
                let description = description.unwrap_or_default();
                self.assert_error(503, "jwks_unavailable", &description, None, context);
            }
        }
    }

    /// Asserts a contract error: status, JSON body, and the challenge's
    /// `error` attribute (`None`: a bare challenge or, for 503, none).
    #[track_caller]
    fn assert_error(
        &self,
        status: u16,
        code: &str,
        description: &str,
        bearer_error: Option<&str>,
        context: &str,
    ) {
        assert_eq!(self.status.code, status, "{context}: status of {self:?}");
        assert_eq!(
            self.content_type,
            Some(ContentType::JSON),
            "{context}: content type of {self:?}"
        );
        assert!(
            self.body.len() < 1024,
            "{context}: body too large: {}",
            self.body.len()
        );
        let body = self.json();
        assert_eq!(
            body,
            json!({ "code": code, "description": description }),
            "{context}: body"
        );
        match (status, bearer_error) {
            (503, _) => {
                assert_eq!(self.www_authenticate, None, "{context}");
                assert!(
                    self.retry_after.is_some(),
                    "{context}: 503 without Retry-After"
                );
            }
            // A bare challenge: the realm, the metadata's URL where it is
            // served, and the route's scopes if any.
            (_, None) => {
                let challenge = self.www_authenticate.as_deref().unwrap_or_default();
                let rest = challenge.strip_prefix(r#"Bearer realm="api""#).map(|rest| {
                    match rest.strip_prefix(r#", resource_metadata=""#) {
                        Some(url) => url.split_once('"').map_or("", |(_, rest)| rest),
                        None => rest,
                    }
                });
                assert!(
                    rest.is_some_and(|rest| rest.is_empty() || rest.starts_with(", scope=")),
                    "{context}: {challenge}"
                );
            }
            (_, Some(error)) => {
                let challenge = self.www_authenticate.as_deref().expect("WWW-Authenticate");
                assert!(
                    challenge.starts_with(r#"Bearer realm="api", "#),
                    "{context}: {challenge}"
                );
                assert!(
                    challenge.contains(&format!(r#"error="{error}""#)),
                    "{context}: {challenge}"
                );
                assert!(
                    challenge.contains(r#"error_description=""#),
                    "{context}: {challenge}"
                );
            }
        }
    }

    /// Asserts a contract error whose description is a sentence naming `claim`.
    #[track_caller]
    fn assert_invalid_claim(&self, claim: &str, context: &str) {
        assert_eq!(self.status, Status::Unauthorized, "{context}: {self:?}");
        let body = self.json();
        assert_eq!(body["code"], "invalid_claims", "{context}: {self:?}");
        let description = body["description"].as_str().unwrap_or_default();
        assert!(
            description.contains(claim),
            "{context}: {description:?} should name {claim}"
        );
        let challenge = self.www_authenticate.as_deref().unwrap_or_default();
        assert!(
            challenge.contains(r#"error="invalid_token""#),
            "{context}: {challenge}"
        );
    }
}
