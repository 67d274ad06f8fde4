//! The stream subscriber: during each cycle one connection per account to `/v1/ws/private`
//! with a `SUBSCRIPTION_TYPE_ORDER` subscription, recording every execution frame until the
//! kill drops the connection. After the restart every recorded execution must be one the
//! journal holds, with the same order, type and filled quantity (docs/api.md §6.7: no frame
//! for a command before it is durable).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::replay::ExecutionFact;
use crate::world::AccountDef;

const PATH: &str = "/v1/ws/private";
/// Longest wait for the upgrade and the subscription.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One execution as a frame showed it.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) id: u64,
    pub(crate) order: u64,
    pub(crate) kind: String,
    /// `cumQuantity`, in quantity units (0.0001 contract).
    pub(crate) cum_quantity: i64,
}

/// The running subscribers of one cycle.
pub(crate) struct Subscribers {
    received: Arc<Mutex<Vec<Received>>>,
    tasks: Vec<JoinHandle<Result<(), String>>>,
}

impl Subscribers {
    /// Connects one subscriber per account and waits until each has subscribed.
    pub(crate) async fn start(addr: SocketAddr, accounts: &[AccountDef]) -> Result<Subscribers, String> {
        let received = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for account in accounts {
            let mut socket = tokio::time::timeout(CONNECT_TIMEOUT, connect(addr, account))
                .await
                .map_err(|_| format!("{}: the stream upgrade timed out", account.name))??;
            let subscribe = serde_json::json!({"subscribe": {"requestId": "orders",
                "subscriptionType": "SUBSCRIPTION_TYPE_ORDER"}});
            socket
                .send(Message::text(subscribe.to_string()))
                .await
                .map_err(|error| format!("{}: subscribing: {error}", account.name))?;
            let received = received.clone();
            let name = account.name.clone();
            tasks.push(tokio::spawn(async move {
                // Until the kill drops the connection.
                while let Some(Ok(message)) = socket.next().await {
                    let Message::Text(text) = message else { continue };
                    let frame: Value = serde_json::from_str(text.as_str())
                        .map_err(|error| format!("{name}: a frame that is not JSON ({error}): {}", text.as_str()))?;
                    if frame.get("heartbeat").is_some() {
                        continue;
                    }
                    if let Some(error) = frame.get("error") {
                        return Err(format!("{name}: an error frame: {error}"));
                    }
                    let execution = &frame["orderSubscriptionUpdate"]["execution"];
                    let parse = |value: &Value| value.as_str().and_then(|text| text.parse::<u64>().ok());
                    let (Some(id), Some(order)) = (parse(&execution["id"]), parse(&execution["order"]["id"])) else {
                        return Err(format!("{name}: not an execution frame: {frame}"));
                    };
                    let kind = execution["type"].as_str().unwrap_or_default().to_owned();
                    let cum = execution["order"]["cumQuantity"].to_string();
                    let cum_quantity = types::parse_units(&cum, 4)
                        .ok()
                        .and_then(|units| i64::try_from(units).ok())
                        .ok_or_else(|| format!("{name}: cumQuantity {cum} is not a quantity"))?;
                    received.lock().unwrap_or_else(|poison| poison.into_inner()).push(Received {
                        id,
                        order,
                        kind,
                        cum_quantity,
                    });
                }
                Ok(())
            }));
        }
        Ok(Subscribers { received, tasks })
    }

    /// Waits for every subscriber to end (the kill ended their connections) and returns what
    /// they received.
    pub(crate) async fn finish(self) -> Result<Vec<Received>, String> {
        for task in self.tasks {
            task.await.map_err(|error| format!("a stream subscriber failed: {error}"))??;
        }
        Ok(std::mem::take(&mut *self.received.lock().unwrap_or_else(|poison| poison.into_inner())))
    }
}

type Socket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

async fn connect(addr: SocketAddr, account: &AccountDef) -> Result<Socket, String> {
    let failed = |error: String| format!("{}: connecting to the private stream: {error}", account.name);
    let mut request = format!("ws://{addr}{PATH}").into_client_request().map_err(|error| failed(error.to_string()))?;
    let millis = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis()).to_string();
    let signature = protocol::sign(&account.secret, &protocol::signing_message(&millis, "GET", PATH))
        .map_err(|error| failed(error.to_string()))?;
    for (name, value) in [
        (protocol::HEADER_ACCESS_KEY, account.key_id.as_str()),
        (protocol::HEADER_TIMESTAMP, millis.as_str()),
        (protocol::HEADER_SIGNATURE, signature.as_str()),
    ] {
        let value = HeaderValue::from_str(value).map_err(|error| failed(error.to_string()))?;
        request.headers_mut().insert(name, value);
    }
    let stream = tokio::net::TcpStream::connect(addr).await.map_err(|error| failed(error.to_string()))?;
    let (socket, _) =
        tokio_tungstenite::client_async(request, stream).await.map_err(|error| failed(error.to_string()))?;
    Ok(socket)
}

/// Checks that every received execution is in the journal as the frame showed it; returns
/// how many were checked.
pub(crate) fn check(received: &[Received], journaled: &HashMap<u64, ExecutionFact>) -> Result<u64, String> {
    for execution in received {
        let Some(fact) = journaled.get(&execution.id) else {
            return Err(format!(
                "the stream sent execution {} ({} of order {}), which the recovered journal does not hold",
                execution.id, execution.kind, execution.order
            ));
        };
        let shown = (execution.order, execution.kind.as_str(), execution.cum_quantity);
        let held = (fact.order, fact.kind, fact.cum_quantity);
        if shown != held {
            return Err(format!(
                "execution {}: the stream showed (order, type, cumQuantity) {shown:?}, the journal holds {held:?}",
                execution.id
            ));
        }
    }
    Ok(received.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(id: u64, kind: &str, cum_quantity: i64) -> Received {
        Received { id, order: 7, kind: kind.to_owned(), cum_quantity }
    }

    #[test]
    fn every_received_execution_must_be_journaled_as_shown() {
        let journaled = HashMap::from([
            (1, ExecutionFact { order: 7, kind: "EXECUTION_TYPE_NEW", cum_quantity: 0 }),
            (2, ExecutionFact { order: 7, kind: "EXECUTION_TYPE_FILL", cum_quantity: 50_000 }),
        ]);
        let good = [received(1, "EXECUTION_TYPE_NEW", 0), received(2, "EXECUTION_TYPE_FILL", 50_000)];
        assert_eq!(check(&good, &journaled), Ok(2));
        let missing = check(&[received(3, "EXECUTION_TYPE_NEW", 0)], &journaled).unwrap_err();
        assert!(missing.contains("does not hold"), "{missing}");
        let other = check(&[received(2, "EXECUTION_TYPE_FILL", 40_000)], &journaled).unwrap_err();
        assert!(other.contains("the journal holds"), "{other}");
        let kind = check(&[received(2, "EXECUTION_TYPE_PARTIAL_FILL", 50_000)], &journaled).unwrap_err();
        assert!(kind.contains("the journal holds"), "{kind}");
    }
}
