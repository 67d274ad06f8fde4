"""Helpers shared by the Python compatibility tests.

Everything goes through the unmodified official SDK (`polymarket_us.PolymarketUS`); the only
thing pointed elsewhere is the base URL. compat/run exports the server URL and the two
accounts' credentials:
  PMX_URL, PMX_MAKER_KEY_ID, PMX_MAKER_SECRET_KEY, PMX_TRADER_KEY_ID, PMX_TRADER_SECRET_KEY
The maker rests orders; the trader takes them, so every position is made by real trades.
"""

from __future__ import annotations

import os
import time
from decimal import Decimal
from typing import Any

from polymarket_us import PolymarketUS

URL = os.environ.get("PMX_URL", "http://127.0.0.1:8080")

TERMINAL = {
    "ORDER_STATE_FILLED",
    "ORDER_STATE_CANCELED",
    "ORDER_STATE_REJECTED",
    "ORDER_STATE_EXPIRED",
}
OPEN_STATES = {
    "ORDER_STATE_NEW",
    "ORDER_STATE_PARTIALLY_FILLED",
    "ORDER_STATE_PENDING_NEW",
    "ORDER_STATE_PENDING_REPLACE",
    "ORDER_STATE_PENDING_CANCEL",
    "ORDER_STATE_PENDING_RISK",
}
GTC = "TIME_IN_FORCE_GOOD_TILL_CANCEL"
IOC = "TIME_IN_FORCE_IMMEDIATE_OR_CANCEL"


def make_client(key_id: str | None = None, secret_key: str | None = None) -> PolymarketUS:
    """An SDK client for the local server. No retries, so errors surface at once."""
    return PolymarketUS(
        key_id=key_id,
        secret_key=secret_key,
        gateway_base_url=URL,
        api_base_url=URL,
        timeout=15.0,
        max_retries=0,
    )


def D(x: Any) -> Decimal:
    """Exact decimal of a wire value (decimal string or JSON number)."""
    return Decimal(str(x))


def amt(value: str) -> dict:
    """An API `Amount`."""
    return {"value": value, "currency": "USD"}


def is_num(x: Any) -> bool:
    """A JSON number (not a string, not a bool)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def is_dec_str(x: Any) -> bool:
    """A decimal carried as a JSON string, e.g. "10.0000"."""
    if not isinstance(x, str):
        return False
    try:
        Decimal(x)
    except Exception:
        return False
    return True


def assert_amount(a: Any, value: str | None = None) -> None:
    """`a` is an Amount {"value": "<decimal string>", "currency": "USD"} (equal to value if given)."""
    assert isinstance(a, dict), f"not an Amount: {a!r}"
    assert is_dec_str(a.get("value")), f"Amount.value is not a decimal string: {a!r}"
    assert a.get("currency") == "USD", f"Amount.currency is not USD: {a!r}"
    if value is not None:
        assert D(a["value"]) == D(value), f"expected {value}, got {a!r}"


def create(client: PolymarketUS, body: dict) -> dict:
    """orders.create, checking the reply carries a string id."""
    reply = client.orders.create(body)
    assert isinstance(reply, dict), reply
    assert isinstance(reply.get("id"), str) and reply["id"], f"no id in {reply!r}"
    return reply


def limit_body(slug: str, intent: str, price: str, qty: float, tif: str = GTC, **extra: Any) -> dict:
    body = {
        "marketSlug": slug,
        "type": "ORDER_TYPE_LIMIT",
        "intent": intent,
        "price": amt(price),
        "quantity": qty,
        "tif": tif,
        "manualOrderIndicator": "MANUAL_ORDER_INDICATOR_AUTOMATIC",
    }
    body.update(extra)
    return body


def limit(client: PolymarketUS, slug: str, intent: str, price: str, qty: float, tif: str = GTC, **extra: Any) -> str:
    """Places a limit order; returns its id."""
    return create(client, limit_body(slug, intent, price, qty, tif, **extra))["id"]


def get_order(client: PolymarketUS, order_id: str) -> dict:
    reply = client.orders.retrieve(order_id)
    assert isinstance(reply.get("order"), dict), f"no order in {reply!r}"
    return reply["order"]


def wait_terminal(client: PolymarketUS, order_id: str, timeout: float = 3.0) -> dict:
    """Polls GET /v1/order/{id} until the order is in a terminal state."""
    deadline = time.monotonic() + timeout
    while True:
        order = get_order(client, order_id)
        if order.get("state") in TERMINAL:
            return order
        if time.monotonic() > deadline:
            raise AssertionError(f"order {order_id} not terminal after {timeout}s: {order!r}")
        time.sleep(0.05)


def rest(client: PolymarketUS, slug: str, intent: str, price: str, qty: float) -> str:
    """Rests a GTC limit order that must not trade on arrival; checks it is NEW."""
    oid = limit(client, slug, intent, price, qty)
    order = get_order(client, oid)
    assert order.get("state") == "ORDER_STATE_NEW", f"resting order not NEW: {order!r}"
    return oid


def bid(maker: PolymarketUS, slug: str, price: str, qty: float) -> str:
    """The maker bids for YES (BUY_LONG, book side BUY)."""
    return rest(maker, slug, "ORDER_INTENT_BUY_LONG", price, qty)


def offer(maker: PolymarketUS, slug: str, price: str, qty: float) -> str:
    """The maker offers YES by buying NO (BUY_SHORT, book side SELL); it needs no position."""
    return rest(maker, slug, "ORDER_INTENT_BUY_SHORT", price, qty)


def net(client: PolymarketUS, slug: str) -> Decimal:
    """The caller's netPositionDecimal in one market (0 when the position is not listed)."""
    positions = client.portfolio.positions({"market": slug})["positions"]
    assert isinstance(positions, dict), f"positions is not an object: {positions!r}"
    if slug not in positions:
        return Decimal(0)
    return D(positions[slug]["netPositionDecimal"])


def take(trader: PolymarketUS, slug: str, intent: str, price: str, qty: float) -> dict:
    """The trader crosses the book with an IOC limit order that must fill entirely."""
    oid = limit(trader, slug, intent, price, qty, tif=IOC)
    order = wait_terminal(trader, oid)
    assert order["state"] == "ORDER_STATE_FILLED", f"taking order did not fill: {order!r}"
    return order


def build_long(maker: PolymarketUS, trader: PolymarketUS, slug: str, qty: float, price: str) -> None:
    """Gives the trader a long of qty (the maker offers, the trader buys YES)."""
    before = net(trader, slug)
    offer(maker, slug, price, qty)
    take(trader, slug, "ORDER_INTENT_BUY_LONG", price, qty)
    assert net(trader, slug) == before + D(qty)


def build_short(maker: PolymarketUS, trader: PolymarketUS, slug: str, qty: float, price: str) -> None:
    """Gives the trader a short of qty (the maker bids, the trader buys NO = sells YES)."""
    before = net(trader, slug)
    bid(maker, slug, price, qty)
    take(trader, slug, "ORDER_INTENT_BUY_SHORT", price, qty)
    assert net(trader, slug) == before - D(qty)


def check_executions(reply: dict, order_id: str) -> list[dict]:
    """Synchronous reply: executions of this order, in order, ending in a terminal state."""
    execs = reply.get("executions")
    assert isinstance(execs, list) and execs, f"no executions in synchronous reply: {reply!r}"
    cum = Decimal(0)
    for e in execs:
        assert isinstance(e.get("id"), str), f"execution without id: {e!r}"
        assert e["order"]["id"] == order_id, f"execution of another order: {e!r}"
        c = D(e["order"].get("cumQuantity", 0))
        assert c >= cum, f"cumQuantity went backwards in {execs!r}"
        cum = c
        if e["type"] in ("EXECUTION_TYPE_PARTIAL_FILL", "EXECUTION_TYPE_FILL"):
            assert is_dec_str(e.get("lastShares")), f"lastShares not a decimal string: {e!r}"
            assert_amount(e.get("lastPx"))
            assert isinstance(e.get("tradeId"), str) and e["tradeId"], f"fill without tradeId: {e!r}"
    assert execs[-1]["order"]["state"] in TERMINAL, f"last execution not terminal: {execs[-1]!r}"
    return execs


def fills(execs: list[dict]) -> list[tuple[Decimal, Decimal]]:
    """(lastShares, lastPx) of each fill execution."""
    return [
        (D(e["lastShares"]), D(e["lastPx"]["value"]))
        for e in execs
        if e["type"] in ("EXECUTION_TYPE_PARTIAL_FILL", "EXECUTION_TYPE_FILL")
    ]


def types(execs: list[dict]) -> list[str]:
    return [e["type"] for e in execs]


def open_ids(client: PolymarketUS, params: dict | None = None) -> set[str]:
    reply = client.orders.list(params) if params is not None else client.orders.list()
    assert isinstance(reply.get("orders"), list), f"no orders list in {reply!r}"
    return {o["id"] for o in reply["orders"]}


def usd_balance(client: PolymarketUS) -> dict:
    reply = client.account.balances()
    balances = reply.get("balances")
    assert isinstance(balances, list) and balances, f"no balances in {reply!r}"
    usd = [b for b in balances if b.get("currency") == "USD"]
    assert len(usd) == 1, f"expected one USD balance: {balances!r}"
    return usd[0]


def assert_api_error(exc: Any, status: int, grpc_code: int) -> None:
    """The SDK's APIStatusError carries the status and the JSON {code, message, details} body."""
    assert exc.status_code == status
    body = exc.body
    assert isinstance(body, dict), f"error body is not a JSON object: {body!r}"
    assert isinstance(body.get("message"), str) and body["message"], f"no message: {body!r}"
    assert body.get("code") == grpc_code, f"expected gRPC code {grpc_code}: {body!r}"
    assert isinstance(body.get("details"), list), f"details is not a list: {body!r}"
