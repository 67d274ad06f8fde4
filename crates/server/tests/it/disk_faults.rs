//! Disk faults: when the journal cannot be written (disk full, I/O error, read-only), writes
//! get 503 with a clear message and change nothing, reads keep being served, and writes work
//! again once the fault clears. What was acknowledged is exactly what a restart recovers.

use journal::{Fault, MemStorage};

use crate::harness::{TestServer, limit};

#[tokio::test]
async fn a_failing_journal_refuses_writes_serves_reads_and_recovers() {
    for fault in [Fault::NoSpace, Fault::Io, Fault::ReadOnly] {
        let disk = MemStorage::new();
        let (mut server, _dir) = TestServer::with_storage(Box::new(disk.clone())).await;
        let maker = server.maker();
        let first = maker.place(limit("rain", "ORDER_INTENT_BUY_LONG", "0.40", 5)).await;

        disk.fail_always(Some(fault));
        let before = server.view(&maker).await;
        let refused = maker.post("/v1/orders", limit("rain", "ORDER_INTENT_BUY_LONG", "0.41", 5)).await.error(503);
        assert!(refused.contains("journal cannot be written"), "{fault:?}: {refused}");
        let cancel = maker.post(&format!("/v1/order/{first}/cancel"), serde_json::json!({})).await.error(503);
        assert!(cancel.contains("nothing was changed"), "{fault:?}: {cancel}");
        // Reads are served, and show that nothing changed.
        assert_eq!(server.view(&maker).await, before, "{fault:?}");
        assert_eq!(maker.open_orders().await.len(), 1);

        disk.clear_faults();
        let second = maker.place(limit("rain", "ORDER_INTENT_BUY_LONG", "0.42", 5)).await;
        let open = maker.open_orders().await;
        assert_eq!(open.len(), 2, "{fault:?}: writes work again");

        // A restart from what is on the disk recovers exactly the acknowledged orders.
        server.stop().await;
        let (server, _dir) = TestServer::with_storage(Box::new(MemStorage::with_bytes(disk.bytes()))).await;
        let maker = server.maker();
        let ids: Vec<String> =
            maker.open_orders().await.iter().map(|order| order["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(ids, vec![first, second], "{fault:?}");
    }
}
