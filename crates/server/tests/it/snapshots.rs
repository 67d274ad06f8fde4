//! Snapshots: a restart from a snapshot plus the journal's tail gives the same state hash and
//! the same API views (orders, positions, activities, balances, books) as a full replay, and a
//! damaged snapshot is skipped (the next older one, or a full replay, is used instead).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::harness::{TestServer, Trader};
use crate::restart::everything;

/// The snapshot files of a data directory, oldest first.
fn snapshot_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().unwrap().to_str().unwrap().starts_with("snapshot-"))
        .collect();
    files.sort();
    files
}

/// Order ids by owner: the maker's, then the trader's.
type Ids = (Vec<String>, Vec<String>);

async fn trade(trader: &Trader, maker: &Trader, price: &str, ids: &mut Ids) {
    let rest = json!({"marketSlug": "rain", "type": "ORDER_TYPE_LIMIT", "price": {"value": price, "currency": "USD"},
        "quantity": 10, "tif": "TIME_IN_FORCE_GOOD_TILL_CANCEL", "intent": "ORDER_INTENT_BUY_SHORT"});
    ids.0.push(maker.post("/v1/orders", rest).await.ok()["id"].as_str().unwrap().to_owned());
    let take = json!({"marketSlug": "rain", "type": "ORDER_TYPE_LIMIT", "price": {"value": price, "currency": "USD"},
        "quantity": 4, "tif": "TIME_IN_FORCE_GOOD_TILL_CANCEL", "intent": "ORDER_INTENT_BUY_LONG"});
    ids.1.push(trader.post("/v1/orders", take).await.ok()["id"].as_str().unwrap().to_owned());
    let canceled = json!({"marketSlug": "btc", "type": "ORDER_TYPE_LIMIT", "price": {"value": "0.20", "currency": "USD"},
        "quantity": 1, "intent": "ORDER_INTENT_BUY_LONG"});
    let canceled = trader.post("/v1/orders", canceled).await.ok()["id"].as_str().unwrap().to_owned();
    trader.post(&format!("/v1/order/{canceled}/cancel"), json!({"marketSlug": "btc"})).await.ok();
    ids.1.push(canceled);
}

async fn state_and_views(server: &TestServer, ids: &Ids) -> (Value, Vec<Value>) {
    let state = server.public(reqwest::Method::GET, "/v1/pmx/state").await.ok();
    assert_eq!(state["invariants"], "ok", "{state}");
    let mut views = everything(server, &server.trader(), &ids.1).await;
    views.extend(everything(server, &server.maker(), &ids.0).await);
    (state, views)
}

#[tokio::test]
async fn snapshot_plus_tail_equals_full_replay() {
    let mut server = TestServer::start().await;
    let dir = server.config.data_dir.clone();
    let mut ids = Ids::default();
    trade(&server.trader(), &server.maker(), "0.55", &mut ids).await;
    // A clean stop writes a snapshot of everything so far.
    server.restart().await;
    assert_eq!(snapshot_files(&dir).len(), 1);
    trade(&server.trader(), &server.maker(), "0.57", &mut ids).await;
    let expected = state_and_views(&server, &ids).await;
    server.restart().await;
    let files = snapshot_files(&dir);
    assert_eq!(files.len(), 2, "the newest two are kept");
    assert_eq!(state_and_views(&server, &ids).await, expected, "from the newest snapshot");

    // Without the newest snapshot: the older one plus the journal's tail.
    server.stop().await;
    for file in snapshot_files(&dir) {
        if file != files[0] {
            std::fs::remove_file(file).unwrap();
        }
    }
    server.restart().await;
    assert_eq!(state_and_views(&server, &ids).await, expected, "older snapshot plus the tail");

    // Without any snapshot: a full replay.
    server.stop().await;
    for file in snapshot_files(&dir) {
        std::fs::remove_file(file).unwrap();
    }
    server.restart().await;
    assert_eq!(state_and_views(&server, &ids).await, expected, "full replay");

    // And trading goes on with fresh ids.
    trade(&server.trader(), &server.maker(), "0.58", &mut ids).await;
    let after = state_and_views(&server, &ids).await;
    server.restart().await;
    assert_eq!(state_and_views(&server, &ids).await, after);
}

#[tokio::test]
async fn a_damaged_snapshot_is_skipped() {
    let mut server = TestServer::start().await;
    let dir = server.config.data_dir.clone();
    let mut ids = Ids::default();
    trade(&server.trader(), &server.maker(), "0.55", &mut ids).await;
    server.restart().await;
    trade(&server.trader(), &server.maker(), "0.56", &mut ids).await;
    let expected = state_and_views(&server, &ids).await;
    server.stop().await;
    let files = snapshot_files(&dir);
    assert_eq!(files.len(), 2);
    // Flip one payload byte of the newest: its checksum fails, the older one plus the tail
    // is used.
    let newest = files.last().unwrap();
    let mut bytes = std::fs::read(newest).unwrap();
    let at = bytes.len() - 10;
    bytes[at] ^= 0x40;
    std::fs::write(newest, &bytes).unwrap();
    let loaded = journal::snapshot::load_newest(&dir).unwrap();
    assert_eq!(loaded.rejected.len(), 1, "the damaged file is reported");
    assert_eq!(loaded.snapshot.unwrap().path, files[0], "the older one is used");
    server.restart().await;
    assert_eq!(state_and_views(&server, &ids).await, expected);

    // Every snapshot damaged (a truncated file): a full replay.
    server.stop().await;
    for file in snapshot_files(&dir) {
        let bytes = std::fs::read(&file).unwrap();
        std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    }
    assert!(journal::snapshot::load_newest(&dir).unwrap().snapshot.is_none());
    server.restart().await;
    assert_eq!(state_and_views(&server, &ids).await, expected);
}
