//! The introspection endpoint from the issuer's metadata
//! (`AUTH_INTROSPECTION=on`): RFC 8414 authorization server metadata first,
//! then OpenID Connect discovery; a document counts only when its `issuer`
//! is exactly the issuer asked about, and its `introspection_endpoint` must
//! be `https` (or `http` on a loopback host).

use std::time::Duration;

use reqwest::Url;
use serde_json::Value;

use super::http;
use crate::config::http::{oauth_metadata_url, openid_configuration_url};
use crate::config::{check_network_url, HTTPS_RULE};

/// The metadata documents of `issuer`, in the order they are tried.
fn document_urls(issuer: &Url) -> [Url; 2] {
    [oauth_metadata_url(issuer), openid_configuration_url(issuer)]
}

/// Finds the `introspection_endpoint` of `issuer`; the error says why none
/// was found (for the start-up message). The documents are read with the
/// application's `http_client` when it gave one (an answer then counts only
/// from the URL asked for, as for key sets), else with the crate's own.
pub(crate) async fn discover_endpoint(
    issuer: &str,
    users_client: Option<&reqwest::Client>,
    timeout: Duration,
    max_bytes: usize,
) -> Result<String, String> {
    let issuer_url = Url::parse(issuer).map_err(|_| format!("the issuer must be {HTTPS_RULE}"))?;
    check_network_url(&issuer_url).map_err(|why| format!("the issuer must be {why}"))?;
    let client = match users_client {
        Some(client) => client.clone(),
        None => http::client(timeout).map_err(|e| e.to_string())?,
    };
    let users_client = users_client.is_some();
    let mut reasons = Vec::new();
    for url in document_urls(&issuer_url) {
        let body = match tokio::time::timeout(
            timeout,
            http::get_bounded(&client, users_client, &url, max_bytes),
        )
        .await
        {
            Ok(Ok(body)) => body,
            Ok(Err(why)) => {
                reasons.push(format!("{url}: {why}"));
                continue;
            }
            Err(_) => {
                reasons.push(format!("{url}: timed out"));
                continue;
            }
        };
        let Ok(Value::Object(document)) = serde_json::from_slice::<Value>(&body) else {
            reasons.push(format!("{url}: not a JSON object"));
            continue;
        };
        if document.get("issuer").and_then(Value::as_str) != Some(issuer) {
            reasons.push(format!("{url}: the document names another issuer"));
            continue;
        }
        let Some(endpoint) = document
            .get("introspection_endpoint")
            .and_then(Value::as_str)
        else {
            reasons.push(format!("{url}: no introspection_endpoint"));
            continue;
        };
        let checked = Url::parse(endpoint)
            .ok()
            .filter(|endpoint| check_network_url(endpoint).is_ok());
        return match checked {
            Some(endpoint) => Ok(endpoint.to_string()),
            None => Err(format!(
                "{url}: its introspection_endpoint {endpoint} is not {HTTPS_RULE}"
            )),
        };
    }
    Err(reasons.join("; "))
}

#[cfg(test)]
mod tests;
