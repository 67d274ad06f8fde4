"""Orders resource: create (limit/market, intent and outcomeSide+action forms, quantity and
cashOrderQty), list, retrieve, cancel, modify, cancel_all, preview and the batch methods.

Resting orders go to py-rest (whole contracts) and py-rest2 (0.01 contracts) at prices that
never cross (bids <= 0.30, offers >= 0.70), so tests sharing those markets do not interact.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from polymarket_us import BadRequestError

from helpers import (
    GTC,
    IOC,
    OPEN_STATES,
    D,
    amt,
    assert_amount,
    check_executions,
    create,
    fills,
    get_order,
    is_num,
    limit,
    limit_body,
    offer,
    open_ids,
    net,
    types,
    wait_terminal,
)

REST = "py-rest"
REST2 = "py-rest2"


def test_create_limit_intent_form(trader):
    """A resting limit order given by `intent`: GET shows the documented fields and enum strings."""
    oid = limit(trader, REST, "ORDER_INTENT_BUY_LONG", "0.30", 5)
    o = get_order(trader, oid)
    assert o["id"] == oid
    assert o["marketSlug"] == REST
    assert o["state"] == "ORDER_STATE_NEW"
    assert o["type"] == "ORDER_TYPE_LIMIT"
    assert o["intent"] == "ORDER_INTENT_BUY_LONG"
    assert o["side"] == "ORDER_SIDE_BUY"
    assert o["outcomeSide"] == "OUTCOME_SIDE_YES"
    assert o["action"] == "ORDER_ACTION_BUY"
    assert o["tif"] == GTC
    assert_amount(o["price"], "0.30")
    # Order quantities are JSON numbers (docs/api.md §0.3).
    for field, want in (("quantity", 5), ("cumQuantity", 0), ("leavesQuantity", 5)):
        assert is_num(o[field]), f"{field} is not a JSON number: {o!r}"
        assert D(o[field]) == want
    assert isinstance(o.get("createTime"), str)
    trader.orders.cancel(oid, {"marketSlug": REST})


def test_create_outcome_side_action_form(trader):
    """outcomeSide NO + action BUY (no intent) is BUY_SHORT, i.e. side SELL on the YES book."""
    oid = create(
        trader,
        {
            "marketSlug": REST,
            "type": "ORDER_TYPE_LIMIT",
            "outcomeSide": "OUTCOME_SIDE_NO",
            "action": "ORDER_ACTION_BUY",
            "price": amt("0.70"),
            "quantity": 4,
            "tif": GTC,
        },
    )["id"]
    o = get_order(trader, oid)
    assert o["state"] == "ORDER_STATE_NEW"
    assert o["intent"] == "ORDER_INTENT_BUY_SHORT"
    assert o["side"] == "ORDER_SIDE_SELL"
    assert o["outcomeSide"] == "OUTCOME_SIDE_NO"
    assert o["action"] == "ORDER_ACTION_BUY"
    assert_amount(o["price"], "0.70")
    trader.orders.cancel(oid, {"marketSlug": REST})


def test_outcome_side_action_overrides_intent(trader):
    """When both forms are given, outcomeSide + action wins over intent (docs/trading.md §2.2)."""
    oid = limit(
        trader,
        REST,
        "ORDER_INTENT_BUY_LONG",
        "0.75",
        2,
        outcomeSide="OUTCOME_SIDE_NO",
        action="ORDER_ACTION_BUY",
    )
    o = get_order(trader, oid)
    assert o["intent"] == "ORDER_INTENT_BUY_SHORT"
    assert o["side"] == "ORDER_SIDE_SELL"
    trader.orders.cancel(oid, {"marketSlug": REST})


def test_price_is_truncated_to_tick(trader):
    """Extra price precision is normalized to the tick by truncation ("0.215" -> "0.21")."""
    oid = limit(trader, REST, "ORDER_INTENT_BUY_LONG", "0.215", 1)
    o = get_order(trader, oid)
    assert o["state"] == "ORDER_STATE_NEW"
    assert_amount(o["price"], "0.21")
    trader.orders.cancel(oid, {"marketSlug": REST})


def test_fractional_quantity(trader):
    """On a 0.01-contract market a fractional quantity is kept, as a JSON number."""
    oid = limit(trader, REST2, "ORDER_INTENT_BUY_LONG", "0.25", 2.5)
    o = get_order(trader, oid)
    assert o["state"] == "ORDER_STATE_NEW"
    assert is_num(o["quantity"]) and D(o["quantity"]) == Decimal("2.5")
    assert D(o["leavesQuantity"]) == Decimal("2.5")
    trader.orders.cancel(oid, {"marketSlug": REST2})


@pytest.mark.parametrize(
    "body, reason",
    [
        (limit_body("halted", "ORDER_INTENT_BUY_LONG", "0.30", 1), "ORD_REJECT_REASON_EXCHANGE_CLOSED"),
        (limit_body(REST, "ORDER_INTENT_BUY_LONG", "1.50", 1), "ORD_REJECT_REASON_PRICE_OUT_OF_BOUNDS"),
        (limit_body(REST, "ORDER_INTENT_BUY_LONG", "0.30", 0.5), "ORD_REJECT_REASON_INCORRECT_QUANTITY"),
        (limit_body(REST, "ORDER_INTENT_SELL_LONG", "0.90", 1), "ORD_REJECT_REASON_INCORRECT_QUANTITY"),
    ],
    ids=["market-halted", "price-out-of-bounds", "below-min-qty", "sell-long-without-long"],
)
def test_business_rejects_get_an_id(trader, body, reason):
    """Business rejects answer 200 with an id; the order ends REJECTED with the reason."""
    reply = create(trader, dict(body, synchronousExecution=True, maxBlockTime="2"))
    execs = check_executions(reply, reply["id"])
    last = execs[-1]
    assert last["type"] == "EXECUTION_TYPE_REJECTED", execs
    assert last["orderRejectReason"] == reason, last
    assert last["order"]["state"] == "ORDER_STATE_REJECTED"
    assert get_order(trader, reply["id"])["state"] == "ORDER_STATE_REJECTED"


def test_unknown_market_is_400_or_rejected(trader):
    """An unknown slug: 400, or an id whose order is REJECTED with UNKNOWN_MARKET
    (docs/trading.md §14)."""
    body = limit_body("no-such-market", "ORDER_INTENT_BUY_LONG", "0.30", 1)
    try:
        reply = trader.orders.create(dict(body, synchronousExecution=True, maxBlockTime="2"))
    except BadRequestError:
        return
    execs = check_executions(reply, reply["id"])
    assert execs[-1]["orderRejectReason"] == "ORD_REJECT_REASON_UNKNOWN_MARKET", execs


def test_market_orders_by_quantity(maker, trader):
    """Market orders sized in contracts: synchronous (walks two levels), asynchronous via the
    outcomeSide+action form, and with nothing left to take (REJECTED, NO_LIQUIDITY)."""
    slug = "py-mkt"
    offer(maker, slug, "0.60", 5)
    offer(maker, slug, "0.62", 5)

    reply = create(
        trader,
        {
            "marketSlug": slug,
            "type": "ORDER_TYPE_MARKET",
            "intent": "ORDER_INTENT_BUY_LONG",
            "quantity": 7,
            "synchronousExecution": True,
            "maxBlockTime": "2",
        },
    )
    execs = check_executions(reply, reply["id"])
    assert types(execs) == ["EXECUTION_TYPE_NEW", "EXECUTION_TYPE_PARTIAL_FILL", "EXECUTION_TYPE_FILL"], execs
    assert fills(execs) == [(5, Decimal("0.60")), (2, Decimal("0.62"))]
    assert all(e["aggressor"] is True for e in execs[1:])
    final = execs[-1]["order"]
    assert final["state"] == "ORDER_STATE_FILLED"
    assert final["type"] == "ORDER_TYPE_MARKET"
    assert D(final["cumQuantity"]) == 7 and D(final["leavesQuantity"]) == 0
    assert Decimal("0.60") < D(final["avgPx"]["value"]) < Decimal("0.62")
    assert net(trader, slug) == 7

    # Asynchronous, outcomeSide + action form: reply has the id; GET shows the terminal state.
    reply = create(
        trader,
        {
            "marketSlug": slug,
            "type": "ORDER_TYPE_MARKET",
            "outcomeSide": "OUTCOME_SIDE_YES",
            "action": "ORDER_ACTION_BUY",
            "quantity": 3,
        },
    )
    assert not reply.get("executions"), "asynchronous create should not carry executions"
    o = wait_terminal(trader, reply["id"])
    assert o["state"] == "ORDER_STATE_FILLED", o
    assert o["intent"] == "ORDER_INTENT_BUY_LONG"
    assert D(o["cumQuantity"]) == 3
    assert net(trader, slug) == 10

    # The offers are used up: a market buy has nothing to take.
    reply = create(
        trader,
        {
            "marketSlug": slug,
            "type": "ORDER_TYPE_MARKET",
            "intent": "ORDER_INTENT_BUY_LONG",
            "quantity": 1,
            "synchronousExecution": True,
            "maxBlockTime": "2",
        },
    )
    execs = check_executions(reply, reply["id"])
    assert execs[-1]["type"] == "EXECUTION_TYPE_REJECTED", execs
    assert execs[-1]["orderRejectReason"] == "ORD_REJECT_REASON_NO_LIQUIDITY"


def test_market_order_by_cash(maker, trader):
    """A market buy sized by cashOrderQty buys as much as the cash allows in 0.01 steps."""
    slug = "py-cash"
    offer(maker, slug, "0.65", 100)
    reply = create(
        trader,
        {
            "marketSlug": slug,
            "type": "ORDER_TYPE_MARKET",
            "intent": "ORDER_INTENT_BUY_LONG",
            "cashOrderQty": amt("10.00"),
            "synchronousExecution": True,
            "maxBlockTime": "2",
        },
    )
    execs = check_executions(reply, reply["id"])
    final = execs[-1]["order"]
    # floor(10.00 / 0.65) in steps of 0.01 = 15.38 contracts (15.38 * 0.65 = 9.997).
    assert D(final["cumQuantity"]) == Decimal("15.38"), final
    assert_amount(final.get("cashOrderQty"), "10.00")
    assert net(trader, slug) == Decimal("15.38")


def test_synchronous_wait_times_out_with_new(trader):
    """A resting order sent synchronously: after maxBlockTime the reply is 200 with the
    executions so far (just NEW), and the order stays open."""
    started = time.monotonic()
    reply = create(
        trader,
        limit_body(REST, "ORDER_INTENT_BUY_LONG", "0.20", 1, synchronousExecution=True, maxBlockTime="1"),
    )
    elapsed = time.monotonic() - started
    assert elapsed < 2.5, f"synchronous wait took {elapsed:.2f}s with maxBlockTime 1"
    execs = reply.get("executions")
    assert isinstance(execs, list) and execs, reply
    assert execs[0]["type"] == "EXECUTION_TYPE_NEW"
    assert execs[-1]["order"]["state"] == "ORDER_STATE_NEW"
    trader.orders.cancel(reply["id"], {"marketSlug": REST})


def test_list_open_orders_with_and_without_slugs(trader):
    """GET /v1/orders/open lists working orders; the repeated `slugs` key filters by market."""
    a = limit(trader, REST, "ORDER_INTENT_BUY_LONG", "0.12", 1)
    b = limit(trader, REST2, "ORDER_INTENT_BUY_LONG", "0.12", 1)
    try:
        reply = trader.orders.list()
        assert all(o["state"] in OPEN_STATES for o in reply["orders"]), reply
        assert {a, b} <= {o["id"] for o in reply["orders"]}

        only2 = trader.orders.list({"slugs": [REST2]})["orders"]
        assert b in {o["id"] for o in only2} and a not in {o["id"] for o in only2}
        assert all(o["marketSlug"] == REST2 for o in only2), only2

        both = open_ids(trader, {"slugs": [REST, REST2]})
        assert {a, b} <= both
    finally:
        trader.orders.cancel(a, {"marketSlug": REST})
        trader.orders.cancel(b, {"marketSlug": REST2})


def test_retrieve_and_cancel(trader):
    """cancel returns None (body {}); the order is then CANCELED with nothing left, and not open."""
    oid = limit(trader, REST, "ORDER_INTENT_BUY_LONG", "0.11", 3)
    assert trader.orders.cancel(oid, {"marketSlug": REST}) is None
    o = get_order(trader, oid)
    assert o["id"] == oid
    assert o["state"] == "ORDER_STATE_CANCELED"
    assert D(o["leavesQuantity"]) == 0
    assert oid not in open_ids(trader, {"slugs": [REST]})


def test_cancel_and_modify_reply_is_empty_object(trader):
    """The raw replies of cancel and modify are JSON {} (docs/api.md §2.7, §2.8)."""
    oid = limit(trader, REST, "ORDER_INTENT_BUY_LONG", "0.10", 1)
    body = trader.post(
        f"/v1/order/{oid}/modify",
        body={"marketSlug": REST, "price": amt("0.09")},
        authenticated=True,
    )
    assert body == {}
    body = trader.post(f"/v1/order/{oid}/cancel", body={"marketSlug": REST}, authenticated=True)
    assert body == {}


def test_modify_keeps_id(trader):
    """modify changes price and quantity in place: same id, live state, new values."""
    oid = limit(trader, REST, "ORDER_INTENT_BUY_LONG", "0.13", 5)
    assert trader.orders.modify(oid, {"marketSlug": REST, "price": amt("0.14"), "quantity": 8}) is None
    o = get_order(trader, oid)
    assert o["id"] == oid
    assert o["state"] == "ORDER_STATE_NEW"
    assert_amount(o["price"], "0.14")
    assert D(o["quantity"]) == 8 and D(o["leavesQuantity"]) == 8
    listed = {x["id"]: x for x in trader.orders.list({"slugs": [REST]})["orders"]}
    assert oid in listed and D(listed[oid]["price"]["value"]) == Decimal("0.14")
    trader.orders.cancel(oid, {"marketSlug": REST})


def test_cancel_all_with_and_without_slugs(trader):
    """cancel_all({"slugs"}) cancels only those markets; cancel_all() (body {}) cancels the rest."""
    a = limit(trader, REST, "ORDER_INTENT_BUY_LONG", "0.15", 1)
    b = limit(trader, REST2, "ORDER_INTENT_BUY_LONG", "0.15", 1)
    reply = trader.orders.cancel_all({"slugs": [REST2]})
    assert isinstance(reply.get("canceledOrderIds"), list), reply
    assert b in reply["canceledOrderIds"] and a not in reply["canceledOrderIds"]
    assert get_order(trader, b)["state"] == "ORDER_STATE_CANCELED"
    assert get_order(trader, a)["state"] == "ORDER_STATE_NEW"

    reply = trader.orders.cancel_all()
    assert a in reply["canceledOrderIds"], reply
    assert get_order(trader, a)["state"] == "ORDER_STATE_CANCELED"
    assert trader.orders.list()["orders"] == []


def test_preview_creates_nothing(trader):
    """preview({"request": ...}) answers {"order": ...} as it would be entered, and places nothing."""
    before = open_ids(trader, {"slugs": [REST]})
    reply = trader.orders.preview(
        {"request": limit_body(REST, "ORDER_INTENT_BUY_LONG", "0.16", 3)}
    )
    o = reply.get("order")
    assert isinstance(o, dict), reply
    assert o["marketSlug"] == REST
    assert o["intent"] == "ORDER_INTENT_BUY_LONG"
    assert o["side"] == "ORDER_SIDE_BUY"
    assert o["type"] == "ORDER_TYPE_LIMIT"
    assert_amount(o["price"], "0.16")
    assert D(o["quantity"]) == 3
    assert open_ids(trader, {"slugs": [REST]}) == before


def test_create_many(trader):
    """create_many returns real ids in request order."""
    reply = trader.orders.create_many(
        {
            "orders": [
                limit_body(REST, "ORDER_INTENT_BUY_LONG", "0.17", 1),
                limit_body(REST2, "ORDER_INTENT_BUY_LONG", "0.18", 2),
            ]
        }
    )
    ids = reply.get("createdOrderIds")
    assert isinstance(ids, list) and len(ids) == 2 and len(set(ids)) == 2, reply
    first, second = (get_order(trader, i) for i in ids)
    assert first["marketSlug"] == REST and D(first["price"]["value"]) == Decimal("0.17")
    assert second["marketSlug"] == REST2 and D(second["quantity"]) == 2
    assert first["state"] == second["state"] == "ORDER_STATE_NEW"
    trader.orders.cancel(ids[0], {"marketSlug": REST})
    trader.orders.cancel(ids[1], {"marketSlug": REST2})


def test_modify_many(trader):
    """modify_many echoes the ids in order; each order keeps its id and shows the new values."""
    a = limit(trader, REST, "ORDER_INTENT_BUY_LONG", "0.19", 1)
    b = limit(trader, REST2, "ORDER_INTENT_BUY_LONG", "0.19", 1)
    reply = trader.orders.modify_many(
        {
            "orders": [
                {"orderId": a, "marketSlug": REST, "price": amt("0.18")},
                {"orderId": b, "marketSlug": REST2, "quantity": 3},
            ]
        }
    )
    assert reply.get("modifiedOrderIds") == [a, b], reply
    assert D(get_order(trader, a)["price"]["value"]) == Decimal("0.18")
    assert D(get_order(trader, b)["quantity"]) == 3
    trader.orders.cancel(a, {"marketSlug": REST})
    trader.orders.cancel(b, {"marketSlug": REST2})


def test_cancel_many(trader):
    """cancel_many echoes the ids (unknown ones silently ignored) and cancels the known ones."""
    a = limit(trader, REST, "ORDER_INTENT_BUY_LONG", "0.22", 1)
    b = limit(trader, REST2, "ORDER_INTENT_BUY_LONG", "0.22", 1)
    reply = trader.orders.cancel_many(
        {
            "orders": [
                {"orderId": a, "marketSlug": REST},
                {"orderId": "no-such-order", "marketSlug": REST},
                {"orderId": b, "marketSlug": REST2},
            ]
        }
    )
    assert reply.get("canceledOrderIds") == [a, "no-such-order", b], reply
    assert get_order(trader, a)["state"] == "ORDER_STATE_CANCELED"
    assert get_order(trader, b)["state"] == "ORDER_STATE_CANCELED"


def test_immediate_or_cancel_remainder_is_canceled(maker, trader):
    """An IOC limit that partly fills ends CANCELED with cumQuantity > 0 and never rests."""
    slug = "py-mkt-ioc"
    offer(maker, slug, "0.55", 2)
    oid = limit(trader, slug, "ORDER_INTENT_BUY_LONG", "0.55", 5, tif=IOC)
    o = wait_terminal(trader, oid)
    assert o["state"] == "ORDER_STATE_CANCELED", o
    assert D(o["cumQuantity"]) == 2 and D(o["leavesQuantity"]) == 0
    assert oid not in open_ids(trader, {"slugs": [slug]})
