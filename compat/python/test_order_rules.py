"""Trading rules pmx decides (docs/trading.md) and the server requirements of docs/sdk.md,
checked through the SDK: default tif, FOK, post-only, buying power, self-trade, GTD expiry,
maxBlockTime forms and cap, query-string forms, the timestamp window."""

from __future__ import annotations

import base64
import time
from datetime import datetime, timedelta, timezone

import httpx
import nacl.signing
from helpers import (
    IOC,
    URL,
    D,
    check_executions,
    create,
    get_order,
    limit,
    limit_body,
    make_client,
    offer,
    open_ids,
    types,
    wait_terminal,
)

REST = "py-rest"


def reject_reason(reply: dict) -> str:
    execs = check_executions(reply, reply["id"])
    assert execs[-1]["type"] == "EXECUTION_TYPE_REJECTED", execs
    assert execs[-1]["order"]["state"] == "ORDER_STATE_REJECTED"
    return execs[-1]["orderRejectReason"]


def test_missing_tif_is_day(trader):
    """An order without tif is TIME_IN_FORCE_DAY and rests (docs/trading.md §9)."""
    body = limit_body(REST, "ORDER_INTENT_BUY_LONG", "0.08", 1)
    del body["tif"]
    oid = create(trader, body)["id"]
    o = get_order(trader, oid)
    assert o["tif"] == "TIME_IN_FORCE_DAY"
    assert o["state"] == "ORDER_STATE_NEW"
    trader.orders.cancel(oid, {"marketSlug": REST})


def test_fill_or_kill_that_cannot_fill(maker, trader):
    """FOK for more than the book holds: CANCELED with no trades; the offer is untouched."""
    slug = "py-fok"
    resting = offer(maker, slug, "0.50", 2)
    reply = create(
        trader,
        limit_body(slug, "ORDER_INTENT_BUY_LONG", "0.50", 5, tif="TIME_IN_FORCE_FILL_OR_KILL",
                   synchronousExecution=True, maxBlockTime="2"),
    )
    execs = check_executions(reply, reply["id"])
    assert execs[-1]["order"]["state"] == "ORDER_STATE_CANCELED", execs
    assert D(execs[-1]["order"]["cumQuantity"]) == 0
    assert "EXECUTION_TYPE_PARTIAL_FILL" not in types(execs) and "EXECUTION_TYPE_FILL" not in types(execs)
    assert D(get_order(maker, resting)["leavesQuantity"]) == 2


def test_post_only_that_would_cross_is_rejected(maker, trader):
    """participateDontInitiate on an order that would trade: REJECTED, EXCHANGE_OPTION
    (docs/trading.md §10)."""
    slug = "py-postonly"
    offer(maker, slug, "0.50", 2)
    reply = create(
        trader,
        limit_body(slug, "ORDER_INTENT_BUY_LONG", "0.50", 1, participateDontInitiate=True,
                   synchronousExecution=True, maxBlockTime="2"),
    )
    assert reject_reason(reply) == "ORD_REJECT_REASON_EXCHANGE_OPTION"
    # The same flag on an order that does not cross rests normally.
    oid = limit(trader, slug, "ORDER_INTENT_BUY_LONG", "0.40", 1, participateDontInitiate=True)
    assert get_order(trader, oid)["state"] == "ORDER_STATE_NEW"
    trader.orders.cancel(oid, {"marketSlug": slug})


def test_insufficient_buying_power_is_rejected(trader):
    """A bid costing more than the trader's cash: REJECTED, EXCHANGE_OPTION, with a text."""
    reply = create(
        trader,
        limit_body(REST, "ORDER_INTENT_BUY_LONG", "0.30", 100000, synchronousExecution=True, maxBlockTime="2"),
    )
    assert reject_reason(reply) == "ORD_REJECT_REASON_EXCHANGE_OPTION"
    assert reply["executions"][-1].get("text"), "reject should explain itself in text"


def test_self_trade_cancels_incoming_remainder(trader):
    """The trader's incoming order reaching its own resting order: the incoming remainder is
    canceled, the resting order stays (docs/trading.md §2.3)."""
    slug = "py-self"
    resting = limit(trader, slug, "ORDER_INTENT_BUY_SHORT", "0.60", 2)
    oid = limit(trader, slug, "ORDER_INTENT_BUY_LONG", "0.60", 1, tif=IOC)
    o = wait_terminal(trader, oid)
    assert o["state"] == "ORDER_STATE_CANCELED" and D(o["cumQuantity"]) == 0, o
    r = get_order(trader, resting)
    assert r["state"] == "ORDER_STATE_NEW" and D(r["leavesQuantity"]) == 2
    trader.orders.cancel(resting, {"marketSlug": slug})


def test_good_till_date_expires(trader):
    """A GTD order ends EXPIRED once its goodTillTime has passed."""
    gtt = (datetime.now(timezone.utc) + timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    oid = limit(trader, REST, "ORDER_INTENT_BUY_LONG", "0.07", 1, tif="TIME_IN_FORCE_GOOD_TILL_DATE", goodTillTime=gtt)
    assert get_order(trader, oid)["state"] == "ORDER_STATE_NEW"
    o = wait_terminal(trader, oid, timeout=4.0)
    assert o["state"] == "ORDER_STATE_EXPIRED", o
    assert oid not in open_ids(trader, {"slugs": [REST]})


def test_max_block_time_as_json_number(maker, trader):
    """maxBlockTime sent as a JSON number instead of a string is accepted (docs/sdk.md §5)."""
    slug = "py-mbt"
    offer(maker, slug, "0.50", 1)
    reply = create(
        trader,
        {"marketSlug": slug, "type": "ORDER_TYPE_MARKET", "intent": "ORDER_INTENT_BUY_LONG", "quantity": 1,
         "synchronousExecution": True, "maxBlockTime": 2},
    )
    assert check_executions(reply, reply["id"])[-1]["order"]["state"] == "ORDER_STATE_FILLED"


def test_max_block_time_is_capped(trader):
    """maxBlockTime above limits.max_block_time_s (2 here) waits only the cap."""
    started = time.monotonic()
    reply = create(
        trader,
        limit_body(REST, "ORDER_INTENT_BUY_LONG", "0.06", 1, synchronousExecution=True, maxBlockTime="10"),
    )
    elapsed = time.monotonic() - started
    assert elapsed < 4.0, f"waited {elapsed:.1f}s; the configured cap is 2s"
    assert reply["executions"][-1]["order"]["state"] == "ORDER_STATE_NEW"
    trader.orders.cancel(reply["id"], {"marketSlug": REST})


def test_market_list_bool_and_unknown_query_keys(public):
    """Lower-case booleans filter (`active=true` leaves out the halted market); query keys the
    SDK sends but the schema lacks (liquidityMin, volumeMax) are ignored (docs/sdk.md §3, §5)."""
    active = {m["slug"] for m in public.markets.list({"active": True})["markets"]}
    assert "py-book" in active and "halted" not in active
    extra = public.markets.list({"liquidityMin": 5, "volumeMax": 10, "slug": ["py-book"]})["markets"]
    assert [m["slug"] for m in extra] == ["py-book"]


def _signed_get(key_id: str, secret_b64: str, path: str, ts_ms: int) -> httpx.Response:
    seed = base64.b64decode(secret_b64)[:32]
    msg = f"{ts_ms}GET{path}".encode()
    sig = base64.b64encode(nacl.signing.SigningKey(seed).sign(msg).signature).decode()
    headers = {"X-PM-Access-Key": key_id, "X-PM-Timestamp": str(ts_ms), "X-PM-Signature": sig}
    return httpx.get(f"{URL}{path}", headers=headers, timeout=5)


def test_timestamp_window(creds):
    """The SDK signing scheme by hand: now is accepted, 60 s old is 401 (window 30 s), and a
    signature over path + query is refused (the query is not signed)."""
    key_id, secret = creds["trader"]
    now = int(time.time() * 1000)
    assert _signed_get(key_id, secret, "/v1/account/balances", now).status_code == 200
    stale = _signed_get(key_id, secret, "/v1/account/balances", now - 60_000)
    assert stale.status_code == 401 and stale.json().get("code") == 16
    seed = base64.b64decode(secret)[:32]
    msg = f"{now}GET/v1/portfolio/positions?limit=1".encode()
    sig = base64.b64encode(nacl.signing.SigningKey(seed).sign(msg).signature).decode()
    r = httpx.get(f"{URL}/v1/portfolio/positions", params={"limit": 1}, timeout=5,
                  headers={"X-PM-Access-Key": key_id, "X-PM-Timestamp": str(now), "X-PM-Signature": sig})
    assert r.status_code == 401


def test_64_byte_secret_is_accepted(creds):
    """The SDKs accept seed||public (64 bytes) as the secret; the signature is the same."""
    key_id, secret = creds["trader"]
    seed = base64.b64decode(secret)
    pub = bytes(nacl.signing.SigningKey(seed).verify_key)
    c = make_client(key_id, base64.b64encode(seed + pub).decode())
    assert isinstance(c.account.balances()["balances"], list)

