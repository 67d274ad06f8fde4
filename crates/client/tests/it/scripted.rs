//! Behaviour a real server cannot be made to show on demand, against a scripted HTTP server:
//! 5xx replies then success (GET retried with one correlation id, re-signed each time; POST
//! sent once), a server that never answers (timeout), and TLS spoken to a plain-HTTP port.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use client::protocol::{OrderIntent, PositionsQuery};
use client::{Client, Credentials, Error, RetryPolicy};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::harness::{TRADER, TestServer, limit};

/// What one connection gets.
#[derive(Clone)]
enum Script {
    Reply { status: u16, body: &'static str },
    Hang,
}

/// The headers of each request received, lower-cased names.
type Seen = Arc<Mutex<Vec<Vec<(String, String)>>>>;

/// Serves `script` one entry per connection (then `{}` with 200), recording the requests.
async fn scripted(script: Vec<Script>) -> (String, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        let mut script = script.into_iter();
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            let headers = String::from_utf8_lossy(&head)
                .lines()
                .skip(1)
                .filter_map(|line| line.split_once(':'))
                .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
                .collect();
            record.lock().unwrap().push(headers);
            let (status, body) = match script.next() {
                Some(Script::Hang) => {
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        drop(stream);
                    });
                    continue;
                }
                Some(Script::Reply { status, body }) => (status, body),
                None => (200, "{}"),
            };
            let reply = format!(
                "HTTP/1.1 {status} Scripted\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes()).await;
        }
    });
    (url, seen)
}

fn fast_retries(url: &str, max_retries: u32) -> Client {
    let policy = RetryPolicy {
        max_retries,
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(50),
        retry_after_max: Duration::from_millis(50),
    };
    Client::builder()
        .base_url(url)
        .credentials(Credentials::new(TRADER.0, TRADER.1).unwrap())
        .retry_policy(policy)
        .build()
        .unwrap()
}

fn header<'a>(request: &'a [(String, String)], name: &str) -> &'a str {
    request.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str()).unwrap_or("")
}

#[tokio::test]
async fn a_get_is_retried_on_5xx_with_one_correlation_id() {
    let unavailable = Script::Reply { status: 503, body: r#"{"code":14,"message":"maintenance"}"# };
    let (url, seen) = scripted(vec![unavailable.clone(), Script::Reply { status: 502, body: "bad gateway" }]).await;
    let reply = fast_retries(&url, 2).positions(&PositionsQuery::default()).await.unwrap();
    assert!(reply.positions.is_empty());
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 3);
    let id = header(&requests[0], "poly-correlation-id");
    assert_eq!(id.len(), 36);
    assert!(requests.iter().all(|request| header(request, "poly-correlation-id") == id), "one id per call");
    assert!(requests.iter().all(|request| header(request, "x-pm-access-key") == TRADER.0));

    // Out of retries: the last reply's error, whose text was not JSON.
    let (url, _) = scripted(vec![unavailable.clone(), Script::Reply { status: 502, body: "bad gateway" }]).await;
    let error = fast_retries(&url, 1).balances().await.unwrap_err();
    assert_eq!((error.status(), error.api().map(|api| api.message.as_str())), (Some(502), Some("bad gateway")));

    // A POST is sent once, whatever the status.
    let (url, seen) = scripted(vec![unavailable]).await;
    let error = fast_retries(&url, 5).create_order(&limit("rain", OrderIntent::BuyLong, "0.5", "1")).await.unwrap_err();
    assert_eq!(error.to_string(), format!("503 maintenance (correlation id {})", error.correlation_id().unwrap()));
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let (url, seen) = scripted(vec![Script::Hang]).await;
    let client = Client::builder().base_url(&url).timeout(Duration::from_millis(200)).max_retries(0).build().unwrap();
    let error = client.health().await.unwrap_err();
    assert!(matches!(error, Error::Transport { timed_out: true, .. }), "{error}");
    assert_eq!(error.to_string(), format!("cannot reach {url}: the request timed out"));
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn https_goes_through_tls() {
    // TLS to a plain-HTTP port fails in the handshake: the TLS stack (rustls with its crypto
    // provider) is in place; the real hosts are https.
    let server = TestServer::start().await;
    let https = server.url.replace("http://", "https://");
    let client = Client::builder().base_url(&https).max_retries(0).build().unwrap();
    let error = client.health().await.unwrap_err();
    assert!(error.is_transport(), "{error}");
}
