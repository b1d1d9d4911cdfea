//! The introspection call: the crate's HTTP rules for key fetching
//! (HTTPS only, loopback aside; checked redirects; a time limit; a size
//! limit), a form POST and the client's credentials.

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::Url;

use super::{ClientAuth, IntrospectionSettings};
use crate::config::http::{read_bounded, BodyError};

/// The client: the key fetcher's redirect policy and timeouts.
pub(super) use crate::config::http::client;

/// POSTs the token, reading at most `max_response_bytes` of a 2xx answer.
/// The error says why, for logs (never the token).
pub(super) async fn post(
    client: &reqwest::Client,
    endpoint: &Url,
    settings: &IntrospectionSettings,
    token: &str,
) -> Result<Vec<u8>, String> {
    let mut body = format!("token={}&token_type_hint=access_token", form_encode(token));
    let mut request = client
        .post(endpoint.clone())
        .header(ACCEPT, "application/json")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded");
    let (id, secret) = (
        form_encode(&settings.client_id),
        form_encode(&settings.client_secret.0),
    );
    match settings.client_auth {
        ClientAuth::Basic => request = request.basic_auth(id, Some(secret)),
        ClientAuth::Form => body.push_str(&format!("&client_id={id}&client_secret={secret}")),
    }
    let call = async {
        let response = request.body(body).send().await.map_err(request_error)?;
        let status = response.status();
        if status == 401 || status == 403 {
            log::error!(
                "auth: the introspection endpoint {} refused the API's client \
                 credentials (HTTP {status}); check AUTH_CLIENT_ID and AUTH_CLIENT_SECRET",
                super::shown(endpoint)
            );
        }
        if !status.is_success() {
            return Err(format!("answered HTTP {}", status.as_u16()));
        }
        read_bounded(response, settings.max_response_bytes)
            .await
            .map_err(body_error)
    };
    match tokio::time::timeout(settings.timeout, call).await {
        Ok(answer) => answer,
        Err(_) => Err("timed out".to_owned()),
    }
}

/// GETs a JSON document, reading at most `max` bytes of a 2xx answer.
/// With the application's own client (`users_client`), whose redirects
/// cannot be checked hop by hop, an answer counts only from `url` itself,
/// as for key sets.
pub(super) async fn get_bounded(
    client: &reqwest::Client,
    users_client: bool,
    url: &Url,
    max: usize,
) -> Result<Vec<u8>, String> {
    let response = client
        .get(url.clone())
        .header(ACCEPT, "application/json")
        .send()
        .await
        .map_err(request_error)?;
    if users_client && response.url() != url {
        return Err(
            "the application's HTTP client followed a redirect, whose hops cannot be \
             checked (configure the introspection endpoint instead)"
                .to_owned(),
        );
    }
    if !response.status().is_success() {
        return Err(format!("answered HTTP {}", response.status().as_u16()));
    }
    read_bounded(response, max).await.map_err(body_error)
}

/// A failed bounded read for the log.
fn body_error(error: BodyError) -> String {
    match error {
        BodyError::TooLarge => "response larger than the size limit".to_owned(),
        BodyError::Read(error) => request_error(error),
    }
}

/// A request error for the log: a refused redirect or a timeout says so.
fn request_error(error: reqwest::Error) -> String {
    let error = error.without_url();
    if error.is_timeout() {
        return "timed out".to_owned();
    }
    if error.is_redirect() {
        let why = std::error::Error::source(&error)
            .map(ToString::to_string)
            .unwrap_or_else(|| error.to_string());
        return format!("redirect refused: {why}");
    }
    format!(
        "request failed: {}",
        crate::config::http::request_failure(error)
    )
}

/// `application/x-www-form-urlencoded` encoding of one value.
pub(super) fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(byte))
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests;
