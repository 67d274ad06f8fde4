"""The WebSocket streams through the SDK's own sockets (`client.ws.private()`,
`client.ws.markets()`): every subscription helper, each frame routed to its SDK event, errors,
unsubscribe, heartbeats (compat/pmx.toml.in sets them to 1 s), the signed upgrade and close.

The SDK's sockets are asyncio; pytest here is synchronous, so each test is a coroutine run by
`asyncio.run` (`@run`), and the SDK's synchronous HTTP calls go to a worker thread (`call`) so
the event loop keeps reading frames meanwhile. Every wait has a timeout, so a missing frame
fails at once with the frames seen so far.

Subscriptions of the private stream without a snapshot (orders, positions) are followed by a
one-shot order snapshot before the test trades: the server handles a connection's frames in
order, so once that snapshot is back the earlier subscription is in place.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import os
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import pytest
import websockets
from polymarket_us import PolymarketUSError, WebSocketError

from helpers import (
    IOC,
    D,
    assert_amount,
    bid,
    get_order,
    limit,
    make_client,
    offer,
    open_ids,
    take,
    usd_balance,
)

ORDERS = "py-ws-orders"
ORDERS_OTHER = "py-ws-orders2"
SNAP = "py-ws-snap"
POS = "py-ws-pos"
BAL = "py-ws-bal"
MD = "py-ws-md"
LITE = "py-ws-lite"
TRADE = "py-ws-trade"
UNSUB = "py-ws-unsub"
UNTOUCHED = "py-untouched"

BUY_LONG = "ORDER_INTENT_BUY_LONG"
BUY_SHORT = "ORDER_INTENT_BUY_SHORT"
SELL_LONG = "ORDER_INTENT_SELL_LONG"
EXECUTION_ENTRY = "LEDGER_ENTRY_TYPE_ORDER_EXECUTION"

WAIT = 3.0  # seconds for any one expected event
QUIET = 0.3  # seconds of silence that show an event is not coming
TEST_TIMEOUT = 20.0  # seconds for a whole test

# The events each SDK socket emits for a frame (after `message`), and the lifecycle ones.
ROUTED = {
    "private": [
        "heartbeat",
        "error",
        "order_snapshot",
        "order_update",
        "position_snapshot",
        "position_update",
        "account_balance_snapshot",
        "account_balance_update",
        "rfq_event",
    ],
    "markets": ["heartbeat", "error", "market_data", "market_data_lite", "trade"],
}
LIFECYCLE = ["open", "close"]


def run(test: Callable[..., Any]) -> Callable[..., None]:
    """Runs an async test in a fresh event loop, bounded by TEST_TIMEOUT (fixtures still work:
    pytest reads the wrapped function's signature)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(asyncio.wait_for(test(*args, **kwargs), TEST_TIMEOUT))

    return wrapper


async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A synchronous SDK or helper call, off the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)


class Events:
    """Every event one SDK socket emits, by name, in arrival order.

    The listeners only append (a listener that raised would end the SDK's read loop)."""

    def __init__(self, ws: Any, kind: str) -> None:
        self.kind = kind
        self.seen: dict[str, list[Any]] = defaultdict(list)
        self.read: dict[str, int] = defaultdict(int)
        self.arrived = asyncio.Event()
        for name in ["message", *ROUTED[kind], *LIFECYCLE]:
            ws.on(name, functools.partial(self._record, name))

    def _record(self, name: str, *args: Any) -> None:
        self.seen[name].append(args[0] if args else None)
        self.arrived.set()

    def frames(self) -> list[dict]:
        """Every frame received, heartbeats left out."""
        return [m for m in self.seen["message"] if "heartbeat" not in m]

    async def next(self, name: str, match: Callable[[Any], bool] | None = None, timeout: float = WAIT) -> Any:
        """The next `name` event not yet returned (that `match` accepts, skipping the others)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            items = self.seen[name]
            while self.read[name] < len(items):
                item = items[self.read[name]]
                self.read[name] += 1
                if match is None or match(item):
                    return item
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(
                    f"no {name!r} event within {timeout}s on the {self.kind} stream; frames: {self.frames()[-8:]}"
                )
            self.arrived.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), left)

    async def none(self, name: str, match: Callable[[Any], bool] | None = None, seconds: float = QUIET) -> None:
        """No (matching) `name` event arrives within `seconds`."""
        with contextlib.suppress(AssertionError):
            item = await self.next(name, match, timeout=seconds)
            raise AssertionError(f"unexpected {name!r} event: {item!r}")

    def check_routed(self) -> None:
        """Every frame was emitted as `message` and routed to exactly one event (a frame the
        SDK cannot route would show as a `message` without one); every `error` event was an
        error frame, not a failure of the SDK's read loop."""
        routed = sum(len(self.seen[name]) for name in ROUTED[self.kind])
        assert routed == len(self.seen["message"]), (
            f"{len(self.seen['message'])} frames but {routed} routed events: "
            f"{ {name: len(self.seen[name]) for name in ROUTED[self.kind]} }"
        )
        for error in self.seen["error"]:
            assert isinstance(error, WebSocketError), f"the SDK's read loop failed: {error!r}"


@contextlib.asynccontextmanager
async def stream(client: Any, kind: str) -> AsyncIterator[tuple[Any, Events]]:
    """An SDK socket of `kind` ("private" or "markets"), connected, with its events recorded;
    closed on exit, then every frame checked to have been routed."""
    ws = client.ws.private() if kind == "private" else client.ws.markets()
    events = Events(ws, kind)
    await ws.connect()
    assert ws.is_connected
    assert events.seen["open"] == [None]
    try:
        yield ws, events
    finally:
        await ws.close()
    assert not ws.is_connected
    events.check_routed()


def envelope(frame: dict, request_id: str, subscription_type: str, key: str) -> dict:
    """The frame's payload under `key`, after checking its envelope."""
    assert frame.get("requestId") == request_id, frame
    assert frame.get("subscriptionType") == subscription_type, frame
    assert "error" not in frame, frame
    assert isinstance(frame.get(key), dict), frame
    return frame[key]


def of(request_id: str) -> Callable[[Any], bool]:
    return lambda frame: frame.get("requestId") == request_id


def execution_of(order_id: str) -> Callable[[Any], bool]:
    return lambda frame: frame["orderSubscriptionUpdate"]["execution"]["order"]["id"] == order_id


_barriers = iter(range(1, 1_000_000))


async def barrier(ws: Any, events: Events) -> dict:
    """A one-shot order snapshot, waited for: the frames sent before it have been handled."""
    request_id = f"barrier-{next(_barriers)}"
    await ws.subscribe(request_id, "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", [UNTOUCHED])
    frame = await events.next("order_snapshot", of(request_id))
    snapshot = envelope(frame, request_id, "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", "orderSubscriptionSnapshot")
    assert snapshot == {"orders": [], "eof": True}, snapshot
    return snapshot


def without_time(data: dict) -> dict:
    assert isinstance(data.get("transactTime"), str), data
    return {k: v for k, v in data.items() if k != "transactTime"}


async def cancel_open(client: Any, slug: str) -> None:
    await call(client.orders.cancel_all, {"slugs": [slug]})


# --- private stream ------------------------------------------------------------------------


@run
async def test_subscribe_orders_sends_order_update_per_execution(maker, trader):
    """subscribe_orders(rid, [slug]) -> `order_update` for each execution of the caller's
    orders in that market: NEW when placed, FILL when another account's order takes it."""
    async with stream(trader, "private") as (ws, events):
        await ws.subscribe_orders("orders", [ORDERS])
        await barrier(ws, events)

        outside = await call(limit, trader, ORDERS_OTHER, BUY_LONG, "0.20", 1)
        oid = await call(limit, trader, ORDERS, BUY_LONG, "0.30", 2)
        # Frames come in command order: the first update is the second order's, so the
        # first (another market) was filtered out.
        frame = await events.next("order_update")
        execution = envelope(frame, "orders", "SUBSCRIPTION_TYPE_ORDER", "orderSubscriptionUpdate")["execution"]
        assert execution["order"]["id"] == oid, frame
        assert execution["type"] == "EXECUTION_TYPE_NEW"
        assert execution["order"]["state"] == "ORDER_STATE_NEW"
        assert execution["order"]["marketSlug"] == ORDERS
        assert isinstance(execution["id"], str) and execution["id"]

        # The maker takes the resting bid: the trader's order is filled.
        await call(limit, maker, ORDERS, BUY_SHORT, "0.30", 2, tif=IOC)
        frame = await events.next("order_update")
        execution = envelope(frame, "orders", "SUBSCRIPTION_TYPE_ORDER", "orderSubscriptionUpdate")["execution"]
        assert execution["order"]["id"] == oid, frame
        assert execution["type"] == "EXECUTION_TYPE_FILL"
        assert D(execution["lastShares"]) == 2
        assert_amount(execution["lastPx"], "0.30")
        assert isinstance(execution["tradeId"], str) and execution["tradeId"]
        assert execution["order"] == await call(get_order, trader, oid), "the frame's order is what a read shows"

        await call(trader.orders.cancel, outside, {"marketSlug": ORDERS_OTHER})
        await events.none("order_update")
        assert events.seen["error"] == []


@run
async def test_order_snapshot_lists_the_open_orders_with_eof(trader):
    """subscribe(rid, "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", slugs) -> `order_snapshot` with the
    open orders and eof true; it is a one-shot, so the requestId is free again at once."""
    a = await call(limit, trader, SNAP, BUY_LONG, "0.21", 1)
    b = await call(limit, trader, SNAP, BUY_LONG, "0.22", 3)
    listed = (await call(trader.orders.list, {"slugs": [SNAP]}))["orders"]
    async with stream(trader, "private") as (ws, events):
        await ws.subscribe("snap", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", [SNAP])
        frame = await events.next("order_snapshot")
        snapshot = envelope(frame, "snap", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", "orderSubscriptionSnapshot")
        assert snapshot["eof"] is True
        assert {o["id"] for o in snapshot["orders"]} == {a, b}
        by_id = lambda orders: sorted(orders, key=lambda o: o["id"])  # noqa: E731
        assert by_id(snapshot["orders"]) == by_id(listed), "the snapshot's orders are what a read shows"

        # No open orders there: one empty last page. Same requestId: the one-shot is gone.
        await ws.subscribe("snap", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", [UNTOUCHED])
        frame = await events.next("order_snapshot")
        assert envelope(frame, "snap", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", "orderSubscriptionSnapshot") == {
            "orders": [],
            "eof": True,
        }

        # Without slugs: every open order of the caller, paged until eof.
        await ws.subscribe("all", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT")
        seen: list[str] = []
        while True:
            frame = await events.next("order_snapshot", of("all"))
            page = envelope(frame, "all", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", "orderSubscriptionSnapshot")
            seen.extend(o["id"] for o in page["orders"])
            if page["eof"] is True:
                break
        assert set(seen) == await call(open_ids, trader) and {a, b} <= set(seen)
        assert events.seen["error"] == []
    await cancel_open(trader, SNAP)


@run
async def test_subscribe_positions_sends_position_update_after_a_fill(maker, trader):
    """subscribe_positions(rid, [slug]) -> `position_update` (`positionSubscription`) per
    command that moves the position: before and after, the ledger cause, the trade."""
    async with stream(trader, "private") as (ws, events):
        await ws.subscribe_positions("pos", [POS])
        await barrier(ws, events)

        await call(offer, maker, POS, "0.50", 3)  # the maker's order: no frame for the trader
        await call(take, trader, POS, BUY_LONG, "0.50", 3)
        frame = await events.next("position_update")
        change = envelope(frame, "pos", "SUBSCRIPTION_TYPE_POSITION", "positionSubscription")
        assert change["beforePosition"] is None, change
        after = change["afterPosition"]
        assert D(after["netPositionDecimal"]) == 3
        assert after["marketMetadata"]["slug"] == POS
        assert change["entryType"] == EXECUTION_ENTRY
        assert isinstance(change["tradeId"], str) and change["tradeId"]
        read = (await call(trader.portfolio.positions, {"market": POS}))["positions"][POS]
        assert after == read, "afterPosition is what a read shows"

        # Selling one back: before is the last after.
        await call(bid, maker, POS, "0.50", 1)
        await call(take, trader, POS, SELL_LONG, "0.50", 1)
        frame = await events.next("position_update")
        change = envelope(frame, "pos", "SUBSCRIPTION_TYPE_POSITION", "positionSubscription")
        assert change["beforePosition"] == after
        assert D(change["afterPosition"]["netPositionDecimal"]) == 2
        assert events.seen["position_snapshot"] == []


@run
async def test_subscribe_account_balance_sends_snapshot_then_update(maker, trader):
    """subscribe_account_balance(rid) -> `account_balance_snapshot` (the balances a read
    shows), then `account_balance_update` with before and after when a fill moves the cash."""
    async with stream(trader, "private") as (ws, events):
        await ws.subscribe_account_balance("bal")
        frame = await events.next("account_balance_snapshot")
        snapshot = envelope(frame, "bal", "SUBSCRIPTION_TYPE_ACCOUNT_BALANCE", "accountBalancesSnapshot")
        before = await call(usd_balance, trader)
        assert snapshot["balances"] == [before]

        await call(offer, maker, BAL, "0.40", 2)
        await call(take, trader, BAL, BUY_LONG, "0.40", 2)
        frame = await events.next("account_balance_update")
        change = envelope(frame, "bal", "SUBSCRIPTION_TYPE_ACCOUNT_BALANCE", "accountBalancesUpdate")["balanceChange"]
        assert change["beforeBalance"] == before
        after = await call(usd_balance, trader)
        assert change["afterBalance"] == after
        assert D(after["currentBalance"]) < D(before["currentBalance"])
        assert change["entryType"] == EXECUTION_ENTRY
        await events.none("account_balance_update")


@run
async def test_subscribe_rfq_is_an_error_event_and_the_connection_stays(trader):
    """subscribe_rfq(rid) -> `error` (WebSocketError with the requestId and the type): pmx
    offers no RFQ; the connection goes on serving."""
    async with stream(trader, "private") as (ws, events):
        await ws.subscribe_rfq("rfq")
        error = await events.next("error")
        assert isinstance(error, WebSocketError)
        assert error.request_id == "rfq"
        assert error.subscription_type == "SUBSCRIPTION_TYPE_RFQ"
        assert "RFQ" in str(error)
        await barrier(ws, events)
        assert events.seen["rfq_event"] == []


# --- markets stream ------------------------------------------------------------------------


@run
async def test_subscribe_market_data_sends_the_book_then_each_change(public, maker):
    """subscribe_market_data(rid, [slug]) -> `market_data`: the book at subscribe, then the
    book after each change, as GET /v1/markets/{slug}/book shows it."""
    async with stream(maker, "markets") as (ws, events):
        await ws.subscribe_market_data("md", [MD])
        frame = await events.next("market_data")
        data = envelope(frame, "md", "SUBSCRIPTION_TYPE_MARKET_DATA", "marketData")
        assert data["marketSlug"] == MD
        assert without_time(data) == without_time((await call(public.markets.book, MD))["marketData"])

        await call(bid, maker, MD, "0.45", 2)
        frame = await events.next("market_data")
        data = envelope(frame, "md", "SUBSCRIPTION_TYPE_MARKET_DATA", "marketData")
        assert [(D(l["px"]["value"]), D(l["qty"])) for l in data["bids"]] == [(Decimal("0.45"), 2)]
        assert without_time(data) == without_time((await call(public.markets.book, MD))["marketData"])
        assert events.seen["market_data_lite"] == [] and events.seen["trade"] == []


@run
async def test_subscribe_market_data_lite_sends_the_bbo_then_each_change(public, maker):
    """subscribe_market_data_lite(rid, [slug]) -> `market_data_lite`: the BBO at subscribe,
    then after each change, as GET /v1/markets/{slug}/bbo shows it."""
    async with stream(maker, "markets") as (ws, events):
        await ws.subscribe_market_data_lite("lite", [LITE])
        frame = await events.next("market_data_lite")
        lite = envelope(frame, "lite", "SUBSCRIPTION_TYPE_MARKET_DATA_LITE", "marketDataLite")
        assert lite["marketSlug"] == LITE
        assert lite == (await call(public.markets.bbo, LITE))["marketData"]

        await call(offer, maker, LITE, "0.60", 4)
        frame = await events.next("market_data_lite")
        lite = envelope(frame, "lite", "SUBSCRIPTION_TYPE_MARKET_DATA_LITE", "marketDataLite")
        assert_amount(lite["bestAsk"], "0.60")
        assert lite["askDepth"] == 1 and D(lite["askShares"]) == 4
        assert lite == (await call(public.markets.bbo, LITE))["marketData"]
        assert events.seen["market_data"] == []


@run
async def test_subscribe_trades_sends_one_trade_per_cross(maker, trader):
    """subscribe_trades(rid, [slug]) -> one `trade` per trade: price, quantity (an Amount
    holding the contract count), time, and the maker's and taker's side and intent."""
    async with stream(trader, "markets") as (ws, events):
        await ws.subscribe_trades("trades", [TRADE])
        await ws.subscribe_market_data("md", [TRADE])
        await events.next("market_data")  # the snapshot: both subscriptions are in place

        await call(offer, maker, TRADE, "0.55", 3)
        await call(take, trader, TRADE, BUY_LONG, "0.55", 2)
        frame = await events.next("trade")
        trade = envelope(frame, "trades", "SUBSCRIPTION_TYPE_TRADE", "trade")
        assert trade["marketSlug"] == TRADE
        assert_amount(trade["price"], "0.55")
        assert trade["quantity"] == {"value": "2", "currency": "USD"}
        assert isinstance(trade["tradeTime"], str) and trade["tradeTime"]
        assert trade["taker"] == {"side": "ORDER_SIDE_BUY", "intent": BUY_LONG}
        assert trade["maker"] == {"side": "ORDER_SIDE_SELL", "intent": BUY_SHORT}
        # The book after the trade follows; one trade, one frame.
        await events.next("market_data", lambda f: [D(l["qty"]) for l in f["marketData"]["offers"]] == [1])
        assert len(events.seen["trade"]) == 1


# --- both streams --------------------------------------------------------------------------


@run
async def test_unsubscribe_stops_the_events(maker, trader):
    """unsubscribe(rid) ends that subscription only; unsubscribing it again is an error."""
    async with stream(maker, "markets") as (markets, m_events), stream(trader, "private") as (private, p_events):
        await markets.subscribe_market_data("md", [UNSUB])
        await markets.subscribe_trades("trades", [UNSUB])
        await markets.subscribe_market_data_lite("kept", [UNSUB])
        await m_events.next("market_data")
        await m_events.next("market_data_lite")
        await private.subscribe_orders("orders", [UNSUB])
        await private.subscribe_positions("kept", [UNSUB])
        await barrier(private, p_events)

        await markets.unsubscribe("md")
        await markets.unsubscribe("trades")
        await private.unsubscribe("orders")
        # Frames are handled in order: a later subscription's snapshot shows the
        # unsubscribes are done.
        await markets.subscribe_market_data("later", [UNTOUCHED])
        await m_events.next("market_data", of("later"))
        await barrier(private, p_events)

        await call(offer, maker, UNSUB, "0.50", 2)
        await call(take, trader, UNSUB, BUY_LONG, "0.50", 2)
        # The kept subscriptions see the trade, so its frames have been sent.
        await m_events.next("market_data_lite", lambda f: "lastTradePx" in f["marketDataLite"])
        await p_events.next("position_update", of("kept"))
        await m_events.none("market_data", of("md"))
        assert m_events.seen["trade"] == []
        assert p_events.seen["order_update"] == []

        await markets.unsubscribe("md")
        error = await m_events.next("error")
        assert error.request_id == "md" and "no subscription" in str(error), error


@run
async def test_heartbeat_events_on_both_streams(trader):
    """`{"heartbeat": {}}` every interval (1 s in the compat config) -> `heartbeat` events,
    and the `message` event sees the frame itself."""
    async with stream(trader, "private") as (private, p_events), stream(trader, "markets") as (markets, m_events):
        for events in (p_events, m_events):
            for _ in range(2):
                assert await events.next("heartbeat") is None
            assert {"heartbeat": {}} in events.seen["message"]


@run
async def test_bad_input_is_an_error_event_and_the_connection_stays(trader):
    """An unknown slug, an unknown type, a type of the other stream, a markets subscription
    without slugs: each an `error` event with the requestId; the next subscription works."""
    async with stream(trader, "markets") as (markets, m_events), stream(trader, "private") as (private, p_events):
        await markets.subscribe_market_data("bad", ["no-such-market"])
        error = await m_events.next("error")
        assert isinstance(error, WebSocketError)
        assert error.request_id == "bad"
        assert error.subscription_type == "SUBSCRIPTION_TYPE_MARKET_DATA"
        assert "no-such-market" in str(error)
        await markets.subscribe_trades("noslugs", [])  # the SDK leaves marketSlugs out
        error = await m_events.next("error")
        assert error.request_id == "noslugs" and "marketSlugs" in str(error), error
        await markets.subscribe("type", "SUBSCRIPTION_TYPE_NOPE", [MD])
        error = await m_events.next("error")
        assert error.request_id == "type" and "subscriptionType" in str(error), error
        await markets.subscribe_market_data("good", [MD])
        envelope(await m_events.next("market_data"), "good", "SUBSCRIPTION_TYPE_MARKET_DATA", "marketData")

        await private.subscribe_orders("bad", ["no-such-market"])
        error = await p_events.next("error")
        assert error.request_id == "bad" and "no-such-market" in str(error), error
        await private.subscribe("other", "SUBSCRIPTION_TYPE_MARKET_DATA", [MD])
        error = await p_events.next("error")
        assert error.request_id == "other" and "/v1/ws/markets" in str(error), error
        await barrier(private, p_events)


@run
async def test_message_event_sees_every_frame(maker, trader):
    """`message` carries each frame as parsed JSON before it is routed: here a snapshot, an
    update, an error and heartbeats, in arrival order, each also under its own event."""
    async with stream(trader, "private") as (ws, events):
        await ws.subscribe_account_balance("bal")
        await events.next("account_balance_snapshot")
        await ws.subscribe_rfq("rfq")
        await events.next("error")
        await events.next("heartbeat")
        frames = events.seen["message"]
        keys = [next(k for k in f if k not in ("requestId", "subscriptionType")) for f in frames]
        assert "accountBalancesSnapshot" in keys and "error" in keys and "heartbeat" in keys, keys
        assert keys.index("accountBalancesSnapshot") < keys.index("error")
        assert events.seen["account_balance_snapshot"][0] is frames[keys.index("accountBalancesSnapshot")]


@run
async def test_close_is_clean(trader):
    """close() ends the connection without an error event; the socket then refuses to send."""
    ws = trader.ws.markets()
    events = Events(ws, "markets")
    await ws.connect()
    await ws.subscribe_market_data("md", [MD])
    await events.next("market_data")
    await ws.close()
    assert not ws.is_connected
    with pytest.raises(PolymarketUSError, match="not connected"):
        await ws.subscribe_market_data("again", [MD])
    assert events.seen["error"] == []
    events.check_routed()
    await ws.close()  # a second close does nothing


def _random_secret() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@run
async def test_bad_handshake_is_a_401(creds):
    """The upgrade is a signed GET of the path: an unknown key or a wrong secret is refused
    with 401, which the SDK's connect() raises (websockets' InvalidStatus)."""
    maker_id, _ = creds["maker"]
    for client in (make_client(str(uuid.uuid4()), _random_secret()), make_client(maker_id, _random_secret())):
        for ws in (client.ws.private(), client.ws.markets()):
            events = Events(ws, "private" if ws.path.endswith("private") else "markets")
            with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
                await ws.connect()
            assert refused.value.response.status_code == 401
            assert events.seen["open"] == []
        client.close()
