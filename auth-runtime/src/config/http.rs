//! What the crate's own HTTP requests (key sets, discovery, introspection)
//! share: the client, a bounded read of an answer, and where an issuer's
//! well-known documents are.

use std::time::Duration;

use reqwest::Url;

use super::redirect_policy;

/// The crate's own client: `timeout` for the whole request and for the
/// connection, the crate's [`redirect_policy`], and its user agent.
pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(redirect_policy())
        .user_agent(concat!("auth-runtime/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Why [`read_bounded`] read no body.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The answer is (or says it is) larger than the limit.
    TooLarge,
    /// Reading the answer failed.
    Read(reqwest::Error),
}

/// Reads the body of `response`, at most `max` bytes: a larger answer is
/// refused by its `Content-Length` before any of it is read, or as soon as
/// what arrived passes the limit.
pub(crate) async fn read_bounded(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > max as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// OpenID Connect Discovery 1.0 section 4: the issuer's path with
/// `/.well-known/openid-configuration` appended.
pub(crate) fn openid_configuration_url(issuer: &Url) -> Url {
    at_path(issuer, |path| {
        format!("{path}/.well-known/openid-configuration")
    })
}

/// RFC 8414 section 3: `/.well-known/oauth-authorization-server` inserted
/// between the host and the issuer's path.
pub(crate) fn oauth_metadata_url(issuer: &Url) -> Url {
    at_path(issuer, |path| {
        format!("/.well-known/oauth-authorization-server{path}")
    })
}

/// `<issuer>/.well-known/jwks.json`.
pub(crate) fn well_known_jwks_url(issuer: &Url) -> Url {
    at_path(issuer, |path| format!("{path}/.well-known/jwks.json"))
}

/// `issuer` without its query and fragment, at the path that `path` makes
/// of the issuer's own path (without its final `/`).
fn at_path(issuer: &Url, path: impl FnOnce(&str) -> String) -> Url {
    let mut url = issuer.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.set_path(&path(issuer.path().trim_end_matches('/')));
    url
}

#[cfg(test)]
mod read_tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// Serves one raw HTTP/1.1 answer with `head` (status line and
    /// headers) and then `body` as it is, and reads it bounded by `max`.
    async fn read(head: &str, body: &str, max: usize) -> Result<Vec<u8>, BodyError> {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let answer = format!("{head}\r\nConnection: close\r\n\r\n{body}");
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request).await.unwrap();
            stream.write_all(answer.as_bytes()).await.unwrap();
        });
        let response = client(Duration::from_secs(5))
            .unwrap()
            .get(url)
            .send()
            .await
            .unwrap();
        let read = read_bounded(response, max).await;
        server.await.unwrap();
        read
    }

    /// `parts` as a chunked body: each part one chunk.
    fn chunked(parts: &[&str]) -> String {
        let mut body: String = parts
            .iter()
            .map(|part| format!("{:x}\r\n{part}\r\n", part.len()))
            .collect();
        body.push_str("0\r\n\r\n");
        body
    }

    #[tokio::test]
    async fn an_answer_of_exactly_the_limit_is_read_and_one_byte_more_is_not() {
        // Announced by Content-Length.
        let sized = |len| format!("HTTP/1.1 200 OK\r\nContent-Length: {len}");
        assert_eq!(read(&sized(6), "abcdef", 6).await.unwrap(), b"abcdef");
        assert!(matches!(
            read(&sized(7), "abcdefg", 6).await,
            Err(BodyError::TooLarge)
        ));
        // Chunked: counted as the chunks arrive.
        let chunks = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked";
        assert_eq!(
            read(chunks, &chunked(&["abc", "def"]), 6).await.unwrap(),
            b"abcdef"
        );
        assert!(matches!(
            read(chunks, &chunked(&["abc", "defg"]), 6).await,
            Err(BodyError::TooLarge)
        ));
    }
}
