//! The verified claims of a token.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::AuthError;

mod scope_set;
pub(crate) use scope_set::ScopeSet;

/// The claims of a verified access token: Rust's `current_user`.
///
/// A value of this type exists only for a token whose signature, issuer,
/// audience and times were checked. It is also a Rocket request guard: a
/// handler that takes `Claims` is protected (see the crate docs).
/// Cloning is cheap (the claims are shared).
#[derive(Debug, Clone)]
pub struct Claims {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    payload: Map<String, Value>,
    /// What the token grants, read once from `payload` at verification.
    scopes: ScopeSet,
}

/// A claim that carries scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ScopeSource {
    /// `scope`: a string of scopes separated by the ASCII space (RFC 6749, RFC 9068).
    Scope,
    /// `scp`: such a string, or an array (Okta, Azure AD).
    Scp,
    /// `permissions`: Auth0's RBAC array.
    Permissions,
}

impl ScopeSource {
    /// All three, the default.
    pub(crate) const ALL: [ScopeSource; 3] = [
        ScopeSource::Scope,
        ScopeSource::Scp,
        ScopeSource::Permissions,
    ];

    fn name(self) -> &'static str {
        match self {
            ScopeSource::Scope => "scope",
            ScopeSource::Scp => "scp",
            ScopeSource::Permissions => "permissions",
        }
    }
}

impl Claims {
    #[cfg(test)]
    pub(crate) fn from_payload(payload: Map<String, Value>) -> Claims {
        Claims::with_scope_sources(payload, &ScopeSource::ALL)
    }

    /// The claims, with scopes read from `sources` only.
    pub(crate) fn with_scope_sources(
        payload: Map<String, Value>,
        sources: &[ScopeSource],
    ) -> Claims {
        let scopes = collect_scopes(&payload, sources);
        Claims {
            inner: Arc::new(Inner { payload, scopes }),
        }
    }

    /// The `sub` claim: who the token was issued for.
    pub fn sub(&self) -> Option<&str> {
        self.get("sub").and_then(Value::as_str)
    }

    /// Every scope the token grants, from `scope` (separated by the ASCII
    /// space alone), `scp` (such a string, or an array) and Auth0's RBAC
    /// `permissions` (an array); array elements are taken whole.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.inner.scopes.iter()
    }

    /// Whether the token grants `scope`, as a whole word: `read:messages`
    /// does not match `read:messagesX`. A lookup in the set computed when
    /// the token was verified: no allocation, logarithmic in the scopes.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.inner.scopes.contains(scope)
    }

    /// `Ok` when the token grants every one of `scopes`; otherwise the 403
    /// [`AuthError::InsufficientScope`], ready to return from a handler.
    ///
    /// ```
    /// # use auth_runtime::{Claims, AuthError};
    /// fn delete_all(user: &Claims) -> Result<&'static str, AuthError> {
    ///     user.require_scopes(&["delete:messages"])?;
    ///     Ok("deleted")
    /// }
    /// ```
    pub fn require_scopes(&self, scopes: &[&str]) -> Result<(), AuthError> {
        if scopes.iter().all(|scope| self.has_scope(scope)) {
            Ok(())
        } else {
            Err(AuthError::InsufficientScope(scopes.join(" ").into()))
        }
    }

    /// Any claim by name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.inner.payload.get(name)
    }

    /// The whole verified payload.
    pub fn payload(&self) -> &Map<String, Value> {
        &self.inner.payload
    }

    /// The payload as your own claims type.
    ///
    /// ```
    /// # fn demo(claims: auth_runtime::Claims) -> Result<(), serde_json::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct MyClaims { sub: String, #[serde(rename = "https://example.com/roles")] roles: Vec<String> }
    ///
    /// let mine: MyClaims = claims.deserialize()?;
    /// # Ok(()) }
    /// ```
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.inner.payload)
    }
}

/// The scopes granted by the `sources` among `scope` (a string split on the
/// ASCII space only: RFC 6749 section 3.3), `scp` (such a string, or an
/// array) and Auth0's `permissions` (an array). Array elements are taken
/// whole: a permission `"read:x admin"` grants neither `read:x` nor `admin`.
/// Empty words and elements grant nothing.
fn collect_scopes(payload: &Map<String, Value>, sources: &[ScopeSource]) -> ScopeSet {
    let mut scopes: Vec<&str> = Vec::new();
    for source in sources {
        match payload.get(source.name()) {
            Some(Value::String(text)) if *source != ScopeSource::Permissions => {
                scopes.extend(text.split(' ').filter(|word| !word.is_empty()));
            }
            Some(Value::Array(items)) if *source != ScopeSource::Scope => scopes.extend(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|element| !element.is_empty()),
            ),
            _ => {}
        }
    }
    ScopeSet::new(&scopes)
}

/// A NumericDate as jsonwebtoken 12 reads it: a non-negative integer, or a
/// finite non-negative float below `u64::MAX`, rounded. A JWT's and an
/// introspection answer's `exp`, `nbf` and `iat` are read by this one rule.
pub(crate) fn numeric_date(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0 && *f < u64::MAX as f64)
            .map(|f| f.round() as u64)
    })
}

#[cfg(test)]
mod tests;
