"""POST /v1/order/close-position through orders.close_position (docs/trading.md §5-§7).

Each test builds its position with real trades in its own market (the maker rests, the trader
takes), then closes it against liquidity the maker rests.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from polymarket_us import BadRequestError

from helpers import (
    IOC,
    D,
    amt,
    assert_amount,
    assert_api_error,
    bid,
    build_long,
    build_short,
    check_executions,
    fills,
    get_order,
    limit,
    net,
    offer,
    types,
    wait_terminal,
)

SYNC = {"synchronousExecution": True, "maxBlockTime": "2"}


def close(trader, slug: str, **params) -> dict:
    reply = trader.orders.close_position(
        {"marketSlug": slug, "manualOrderIndicator": "MANUAL_ORDER_INDICATOR_AUTOMATIC", **params}
    )
    assert isinstance(reply.get("id"), str) and reply["id"], f"no id in {reply!r}"
    return reply


def test_close_long_synchronous(maker, trader):
    """Long 10, bids 6@0.55 and 10@0.54: a SELL_LONG market IOC fills 6 then 4; the
    synchronous reply lists NEW, PARTIAL_FILL, FILL and the position is flat."""
    slug = "py-close-long"
    build_long(maker, trader, slug, 10, "0.60")
    bid(maker, slug, "0.55", 6)
    bid(maker, slug, "0.54", 10)

    reply = close(trader, slug, **SYNC)
    execs = check_executions(reply, reply["id"])
    assert types(execs) == ["EXECUTION_TYPE_NEW", "EXECUTION_TYPE_PARTIAL_FILL", "EXECUTION_TYPE_FILL"], execs
    assert fills(execs) == [(6, Decimal("0.55")), (4, Decimal("0.54"))]
    assert all(e["aggressor"] is True for e in execs[1:])
    for e in execs[1:]:
        assert_amount(e["commissionNotionalCollected"])
    o = execs[-1]["order"]
    assert o["state"] == "ORDER_STATE_FILLED"
    assert o["marketSlug"] == slug
    assert o["type"] == "ORDER_TYPE_MARKET"
    assert o["intent"] == "ORDER_INTENT_SELL_LONG"
    assert o["side"] == "ORDER_SIDE_SELL"
    assert o["tif"] == IOC
    assert D(o["quantity"]) == 10 and D(o["cumQuantity"]) == 10 and D(o["leavesQuantity"]) == 0
    assert net(trader, slug) == 0
    assert get_order(trader, reply["id"])["state"] == "ORDER_STATE_FILLED"


def test_close_short_synchronous(maker, trader):
    """Short 10, offers 6@0.45 and 10@0.46: a SELL_SHORT (book side BUY) fills 6 then 4."""
    slug = "py-close-short"
    build_short(maker, trader, slug, 10, "0.40")
    offer(maker, slug, "0.45", 6)
    offer(maker, slug, "0.46", 10)

    reply = close(trader, slug, **SYNC)
    execs = check_executions(reply, reply["id"])
    assert types(execs) == ["EXECUTION_TYPE_NEW", "EXECUTION_TYPE_PARTIAL_FILL", "EXECUTION_TYPE_FILL"], execs
    assert fills(execs) == [(6, Decimal("0.45")), (4, Decimal("0.46"))]
    o = execs[-1]["order"]
    assert o["state"] == "ORDER_STATE_FILLED"
    assert o["type"] == "ORDER_TYPE_MARKET"
    assert o["intent"] == "ORDER_INTENT_SELL_SHORT"
    assert o["side"] == "ORDER_SIDE_BUY"
    assert o["outcomeSide"] == "OUTCOME_SIDE_NO"
    assert o["action"] == "ORDER_ACTION_SELL"
    assert D(o["cumQuantity"]) == 10
    assert net(trader, slug) == 0


def test_close_long_asynchronous_then_nothing_to_close(maker, trader):
    """Not synchronous: the reply has the id; GET shows FILLED. Closing the now-flat position
    again is HTTP 400 (BadRequestError)."""
    slug = "py-close-long-async"
    build_long(maker, trader, slug, 10, "0.50")
    bid(maker, slug, "0.48", 20)

    reply = close(trader, slug)
    assert not reply.get("executions"), "asynchronous close should not carry executions"
    o = wait_terminal(trader, reply["id"])
    assert o["state"] == "ORDER_STATE_FILLED", o
    assert o["intent"] == "ORDER_INTENT_SELL_LONG"
    assert D(o["cumQuantity"]) == 10
    assert net(trader, slug) == 0

    with pytest.raises(BadRequestError) as err:
        trader.orders.close_position({"marketSlug": slug})
    assert_api_error(err.value, 400, 3)


def test_close_short_asynchronous(maker, trader):
    """Short 7 closed asynchronously: GET shows a FILLED SELL_SHORT (side BUY); flat after."""
    slug = "py-close-short-async"
    build_short(maker, trader, slug, 7, "0.50")
    offer(maker, slug, "0.52", 20)

    reply = close(trader, slug)
    o = wait_terminal(trader, reply["id"])
    assert o["state"] == "ORDER_STATE_FILLED", o
    assert o["intent"] == "ORDER_INTENT_SELL_SHORT"
    assert o["side"] == "ORDER_SIDE_BUY"
    assert D(o["cumQuantity"]) == 7
    assert net(trader, slug) == 0


def test_close_fractional_long_leaves_no_dust(maker, trader):
    """A long of 2.37 contracts on a 0.01-contract market closes exactly, to 0."""
    slug = "py-close-frac"
    build_long(maker, trader, slug, 2.37, "0.50")
    bid(maker, slug, "0.45", 5)

    reply = close(trader, slug, **SYNC)
    execs = check_executions(reply, reply["id"])
    assert fills(execs) == [(Decimal("2.37"), Decimal("0.45"))]
    assert execs[-1]["order"]["state"] == "ORDER_STATE_FILLED"
    assert net(trader, slug) == 0


def test_close_cancels_resting_reducing_orders(maker, trader):
    """The trader's resting SELL_LONG in that market is canceled first, so the close sells the
    whole long; a resting BUY_LONG (not reducing) is left alone."""
    slug = "py-close-cancels"
    build_long(maker, trader, slug, 10, "0.50")
    reducing = limit(trader, slug, "ORDER_INTENT_SELL_LONG", "0.90", 4)
    other = limit(trader, slug, "ORDER_INTENT_BUY_LONG", "0.10", 1)
    assert get_order(trader, reducing)["state"] == "ORDER_STATE_NEW"
    bid(maker, slug, "0.45", 20)

    reply = close(trader, slug, **SYNC)
    execs = check_executions(reply, reply["id"])
    assert execs[-1]["order"]["state"] == "ORDER_STATE_FILLED", execs
    assert D(execs[-1]["order"]["cumQuantity"]) == 10
    assert net(trader, slug) == 0
    assert get_order(trader, reducing)["state"] == "ORDER_STATE_CANCELED"
    assert get_order(trader, other)["state"] == "ORDER_STATE_NEW"
    trader.orders.cancel(other, {"marketSlug": slug})


def test_slippage_bound_outside_book_rejects(maker, trader):
    """Long 10, best bid 0.50. A bound of 0.60 - 2 ticks = 0.58 (or 0.60 * (1 - 5%) = 0.57 by
    bips) has nothing fillable: HTTP 200 with an id, order REJECTED with NO_LIQUIDITY, position
    untouched. Without a bound the same close then fills."""
    slug = "py-slip-reject"
    build_long(maker, trader, slug, 10, "0.60")
    bid(maker, slug, "0.50", 10)

    reply = close(trader, slug, slippageTolerance={"currentPrice": amt("0.60"), "ticks": 2}, **SYNC)
    execs = check_executions(reply, reply["id"])
    last = execs[-1]
    assert last["type"] == "EXECUTION_TYPE_REJECTED", execs
    assert last["orderRejectReason"] == "ORD_REJECT_REASON_NO_LIQUIDITY"
    assert last["order"]["state"] == "ORDER_STATE_REJECTED"
    assert get_order(trader, reply["id"])["state"] == "ORDER_STATE_REJECTED"
    assert net(trader, slug) == 10

    # Asynchronous, bips form: same outcome, seen through GET.
    reply = close(trader, slug, slippageTolerance={"currentPrice": amt("0.60"), "bips": 500})
    assert wait_terminal(trader, reply["id"])["state"] == "ORDER_STATE_REJECTED"
    assert net(trader, slug) == 10

    reply = close(trader, slug, **SYNC)
    execs = check_executions(reply, reply["id"])
    assert execs[-1]["order"]["state"] == "ORDER_STATE_FILLED", execs
    assert net(trader, slug) == 0


def test_slippage_bound_allows_partial_close(maker, trader):
    """Long 10, bids 4@0.55 and 10@0.50. currentPrice 0.55 with 2 ticks bounds the close at
    0.53: it sells 4, the rest is canceled (IOC), price carries the bound. Then bips 100 with no
    currentPrice (reference = best bid 0.50; 0.495 rounded up to 0.50) sells the other 6."""
    slug = "py-slip-partial"
    build_long(maker, trader, slug, 10, "0.60")
    bid(maker, slug, "0.55", 4)
    bid(maker, slug, "0.50", 10)

    reply = close(trader, slug, slippageTolerance={"currentPrice": amt("0.55"), "ticks": 2}, **SYNC)
    execs = check_executions(reply, reply["id"])
    assert types(execs) == ["EXECUTION_TYPE_NEW", "EXECUTION_TYPE_PARTIAL_FILL", "EXECUTION_TYPE_CANCELED"], execs
    assert fills(execs) == [(4, Decimal("0.55"))]
    o = execs[-1]["order"]
    assert o["state"] == "ORDER_STATE_CANCELED"
    assert D(o["cumQuantity"]) == 4 and D(o["leavesQuantity"]) == 0
    assert_amount(o.get("price"), "0.53")
    assert net(trader, slug) == 6

    reply = close(trader, slug, slippageTolerance={"bips": 100}, **SYNC)
    execs = check_executions(reply, reply["id"])
    assert fills(execs) == [(6, Decimal("0.50"))], execs
    assert execs[-1]["order"]["state"] == "ORDER_STATE_FILLED"
    assert_amount(execs[-1]["order"].get("price"), "0.50")
    assert net(trader, slug) == 0


@pytest.mark.parametrize("slug", ["py-untouched", "no-such-market"])
def test_close_without_position_is_400(trader, slug):
    """No position (never traded here, or no such market): 400 with a JSON message."""
    with pytest.raises(BadRequestError) as err:
        trader.orders.close_position({"marketSlug": slug, **SYNC})
    assert_api_error(err.value, 400, 3)
