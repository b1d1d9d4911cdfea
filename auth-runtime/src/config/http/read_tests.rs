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
