//! Failures: each is a typed error with the HTTP status, the server's message and the
//! correlation id; an unreachable server is a transport error; GETs are retried on 429
//! after `Retry-After`, POSTs never.

use std::time::{Duration, Instant};

use client::protocol::{ClosePositionOrderRequest, OpenOrdersQuery, OrderIntent};
use client::{Client, Credentials, Error, ErrorKind};

use crate::harness::{OTHER, TRADER, TestServer, closed_port_url, limit};

/// A UUID v4 in its usual text form.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<_> = text.split('-').map(str::len).collect();
    groups == [8, 4, 4, 4, 12] && text.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[tokio::test]
async fn bad_credentials_are_401() {
    let server = TestServer::start().await;
    // A known key id signed with another key's secret, then an unknown key id.
    for credentials in [
        Credentials::new(TRADER.0, OTHER.1).unwrap(),
        Credentials::new("00000000-0000-4000-8000-000000000000", TRADER.1).unwrap(),
    ] {
        let client = Client::builder().base_url(&server.url).credentials(credentials).build().unwrap();
        let error = client.balances().await.unwrap_err();
        let api = error.api().unwrap_or_else(|| panic!("not an API error: {error}"));
        assert_eq!((api.status, api.kind(), api.code), (401, ErrorKind::Unauthorized, Some(16)));
        assert!(!api.message.is_empty());
        assert!(is_uuid(&api.correlation_id), "{}", api.correlation_id);
        assert_eq!(error.to_string(), format!("401 {} (correlation id {})", api.message, api.correlation_id));
    }
}

#[tokio::test]
async fn an_unknown_market_is_404() {
    let server = TestServer::start().await;
    let public = server.public();
    for error in [
        public.market_by_slug("nowhere").await.unwrap_err(),
        public.book("nowhere").await.unwrap_err(),
        public.bbo("nowhere").await.unwrap_err(),
    ] {
        let api = error.api().unwrap();
        assert_eq!((api.status, api.code), (404, Some(5)), "{error}");
        assert!(api.message.contains("nowhere") || api.message.contains("no market"), "{error}");
    }
}

#[tokio::test]
async fn closing_without_a_position_is_400() {
    let server = TestServer::start().await;
    let trader = server.client(TRADER);
    for slug in ["rain", "nowhere"] {
        let request = ClosePositionOrderRequest { market_slug: slug.into(), ..ClosePositionOrderRequest::default() };
        let error = trader.close_position(&request).await.unwrap_err();
        let api = error.api().unwrap();
        assert_eq!((api.status, api.kind()), (400, ErrorKind::BadRequest), "{error}");
        assert!(api.message.contains("position"), "{error}");
    }
}

#[tokio::test]
async fn an_unreachable_server_is_a_transport_error() {
    let url = closed_port_url().await;
    let credentials = Credentials::new(TRADER.0, TRADER.1).unwrap();
    let client = Client::builder().base_url(&url).credentials(credentials).max_retries(1).build().unwrap();
    for error in [
        client.health().await.unwrap_err(),
        client.create_order(&limit("rain", OrderIntent::BuyLong, "0.5", "1")).await.unwrap_err(),
    ] {
        assert!(error.is_transport(), "{error}");
        let Error::Transport { url: reported, reason, timed_out, correlation_id } = &error else { unreachable!() };
        assert_eq!(reported, &url);
        assert!(!timed_out);
        assert!(reason.to_lowercase().contains("refused"), "{reason}");
        assert!(is_uuid(correlation_id));
        assert!(error.to_string().starts_with(&format!("cannot reach {url}: ")), "{error}");
    }
}

#[tokio::test]
async fn signed_calls_without_credentials_fail_before_sending() {
    let server = TestServer::start().await;
    let error = server.public().open_orders(&OpenOrdersQuery::default()).await.unwrap_err();
    assert!(matches!(error, Error::MissingCredentials), "{error}");
}

#[tokio::test]
async fn a_429_on_a_get_is_retried_after_retry_after() {
    // One request per second per key: the second call within the second is refused with
    // `Retry-After: 1`, and the client waits that long before trying again.
    let server = TestServer::start_limited(1).await;
    let credentials = Credentials::new(TRADER.0, TRADER.1).unwrap();
    let patient = Client::builder().base_url(&server.url).credentials(credentials).max_retries(2).build().unwrap();
    patient.balances().await.unwrap();
    let started = Instant::now();
    patient.balances().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900), "waited only {:?}", started.elapsed());

    // Without retries the 429 comes back, with its delay.
    let impatient = server.client(TRADER);
    let error = impatient.balances().await.unwrap_err();
    let api = error.api().unwrap();
    assert_eq!((api.status, api.kind()), (429, ErrorKind::RateLimited), "{error}");
    assert_eq!(api.retry_after, Some(Duration::from_secs(1)));
}

#[tokio::test]
async fn a_429_on_a_post_is_never_retried() {
    let server = TestServer::start_limited(1).await;
    let credentials = Credentials::new(TRADER.0, TRADER.1).unwrap();
    let client = Client::builder().base_url(&server.url).credentials(credentials).max_retries(5).build().unwrap();
    client.balances().await.unwrap();
    let started = Instant::now();
    let error = client.create_order(&limit("rain", OrderIntent::BuyLong, "0.40", "1")).await.unwrap_err();
    assert_eq!(error.status(), Some(429), "{error}");
    assert!(started.elapsed() < Duration::from_millis(500), "a POST was retried: {:?}", started.elapsed());
}
