//! The worked examples of docs/api.md (§2.11.1), verbatim, as JSON text: one source for every
//! test that checks pmx against the documented examples (the protocol's round trips, the
//! server's executions).

/// docs/api.md §2.11.1: the close-position request of the illustrative exchange (a long of 10,
/// bound 2 ticks under a current price of 0.55, synchronous).
pub const CLOSE_POSITION_REQUEST: &str = r#"{"marketSlug":"aec-x","manualOrderIndicator":"MANUAL_ORDER_INDICATOR_AUTOMATIC",
 "synchronousExecution":true,"maxBlockTime":"5",
 "slippageTolerance":{"currentPrice":{"value":"0.55","currency":"USD"},"ticks":2}}"#;

/// docs/api.md §2.11.1: its response, the close order's three executions (new, a partial fill of
/// 6 at 0.55, a fill of 4 at 0.54).
pub const CLOSE_POSITION_RESPONSE: &str = r#"{"id":"ord-42","executions":[
 {"id":"ex-1","type":"EXECUTION_TYPE_NEW","order":{"id":"ord-42","marketSlug":"aec-x",
   "side":"ORDER_SIDE_SELL","type":"ORDER_TYPE_MARKET","intent":"ORDER_INTENT_SELL_LONG",
   "outcomeSide":"OUTCOME_SIDE_YES","action":"ORDER_ACTION_SELL",
   "price":{"value":"0.53","currency":"USD"},"quantity":10,"cumQuantity":0,"leavesQuantity":10,
   "tif":"TIME_IN_FORCE_IMMEDIATE_OR_CANCEL","state":"ORDER_STATE_NEW"}},
 {"id":"ex-2","type":"EXECUTION_TYPE_PARTIAL_FILL","lastShares":"6","lastPx":{"value":"0.55","currency":"USD"},
  "tradeId":"t-1","aggressor":true,"commissionNotionalCollected":{"value":"0.10","currency":"USD"},
  "order":{"id":"ord-42","cumQuantity":6,"leavesQuantity":4,"state":"ORDER_STATE_PARTIALLY_FILLED"}},
 {"id":"ex-3","type":"EXECUTION_TYPE_FILL","lastShares":"4","lastPx":{"value":"0.54","currency":"USD"},
  "tradeId":"t-2","aggressor":true,"commissionNotionalCollected":{"value":"0.07","currency":"USD"},
  "order":{"id":"ord-42","cumQuantity":10,"leavesQuantity":0,"state":"ORDER_STATE_FILLED",
           "avgPx":{"value":"0.546","currency":"USD"},
           "commissionNotionalTotalCollected":{"value":"0.17","currency":"USD"}}}]}"#;
