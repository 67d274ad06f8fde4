//! `Client::send` with a `Call`: the reply's body is the server's JSON as sent, and it
//! decodes to the same value as the typed method.

use client::Call;
use client::protocol::{GetOrderResponse, GetUserPositionsResponse, MarketsQuery, PositionsQuery};

use crate::harness::{TRADER, TestServer};

#[tokio::test]
async fn raw_replies_are_the_servers_json() {
    let server = TestServer::start().await;
    let trader = server.client(TRADER);
    let raw = trader.send(&Call::positions(&PositionsQuery::default())).await.unwrap();
    assert_eq!(raw.status, 200);
    assert_eq!(raw.body, r#"{"positions":{},"nextCursor":"","eof":true}"#);
    assert_eq!(
        raw.json::<GetUserPositionsResponse>().unwrap(),
        trader.positions(&PositionsQuery::default()).await.unwrap()
    );
    assert_eq!(raw.correlation_id.len(), 36);

    let markets = trader.send(&Call::markets(&MarketsQuery::default())).await.unwrap();
    let value: serde_json::Value = serde_json::from_str(&markets.body).unwrap();
    assert_eq!(value["markets"][0]["slug"], "rain");
    // A reply of another shape is a decode error naming the status and correlation id.
    let error = markets.json::<GetOrderResponse>().unwrap_err();
    assert!(matches!(error, client::Error::Decode { status: 200, .. }), "{error}");
    assert_eq!(error.correlation_id(), Some(markets.correlation_id.as_str()));
}
