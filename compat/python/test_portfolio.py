"""Portfolio (positions, activities) and account (balances)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from helpers import (
    IOC,
    D,
    assert_amount,
    build_long,
    build_short,
    get_order,
    is_dec_str,
    is_num,
    limit,
    offer,
    usd_balance,
    wait_terminal,
)

POS_A = "py-pos-a"
POS_B = "py-pos-b"
ACT = "py-act"


@pytest.fixture(scope="module")
def two_positions(maker, trader):
    """The trader is long 3 in py-pos-a and short 1.5 in py-pos-b (0.01-contract market)."""
    build_long(maker, trader, POS_A, 3, "0.50")
    build_short(maker, trader, POS_B, 1.5, "0.40")


def test_positions_object_keyed_by_slug(trader, two_positions):
    """positions is an object keyed by market slug; decimal fields are strings, signed."""
    reply = trader.portfolio.positions()
    positions = reply["positions"]
    assert isinstance(positions, dict), reply
    assert {POS_A, POS_B} <= positions.keys()
    a, b = positions[POS_A], positions[POS_B]
    assert is_dec_str(a["netPositionDecimal"]) and D(a["netPositionDecimal"]) == 3
    assert is_dec_str(b["netPositionDecimal"]) and D(b["netPositionDecimal"]) == Decimal("-1.5")
    # Deprecated int64 field, still emitted, as a JSON string.
    assert isinstance(a["netPosition"], str) and int(a["netPosition"]) == 3
    assert is_dec_str(a["qtyBoughtDecimal"]) and D(a["qtyBoughtDecimal"]) == 3
    assert is_dec_str(b["qtySoldDecimal"]) and D(b["qtySoldDecimal"]) == Decimal("1.5")
    assert a["marketMetadata"]["slug"] == POS_A
    assert_amount(a["cost"])
    assert reply.get("eof") is True


def test_positions_market_filter(trader, two_positions):
    """The `market` query parameter returns that market only."""
    reply = trader.portfolio.positions({"market": POS_B})
    assert set(reply["positions"]) == {POS_B}, reply
    assert reply.get("eof") is True


def test_positions_paging(trader, two_positions):
    """limit=1 pages through every position with nextCursor until eof is true."""
    everything = set(trader.portfolio.positions()["positions"])
    seen: list[str] = []
    params: dict = {"limit": 1}
    for _ in range(len(everything) + 2):
        page = trader.portfolio.positions(params)
        assert len(page["positions"]) <= 1, page
        seen.extend(page["positions"])
        if page.get("eof") is True:
            break
        assert isinstance(page.get("nextCursor"), str) and page["nextCursor"], page
        params = {"limit": 1, "cursor": page["nextCursor"]}
    else:
        raise AssertionError(f"no eof after {len(everything) + 2} pages of one position")
    assert len(seen) == len(set(seen)), f"a position appeared on two pages: {seen}"
    assert set(seen) == everything


@pytest.fixture(scope="module")
def three_trades(maker, trader):
    """Three trades of 1 contract in py-act, at 0.41, 0.42, 0.43, in that order."""
    for price in ("0.41", "0.42", "0.43"):
        offer(maker, ACT, price, 1)
    for price in ("0.41", "0.42", "0.43"):
        oid = limit(trader, ACT, "ORDER_INTENT_BUY_LONG", price, 1, tif=IOC)
        assert wait_terminal(trader, oid)["state"] == "ORDER_STATE_FILLED"
    return [Decimal("0.41"), Decimal("0.42"), Decimal("0.43")]


def trade_prices(activities: list[dict]) -> list[Decimal]:
    return [D(a["trade"]["price"]["value"]) for a in activities]


def test_activities_trades_ascending(trader, three_trades):
    """types=[TRADE], marketSlug and sortOrder ASCENDING: the three trades, oldest first, with
    the documented Trade fields."""
    reply = trader.portfolio.activities(
        {"marketSlug": ACT, "types": ["ACTIVITY_TYPE_TRADE"], "sortOrder": "SORT_ORDER_ASCENDING"}
    )
    acts = reply["activities"]
    assert all(a["type"] == "ACTIVITY_TYPE_TRADE" for a in acts), acts
    assert trade_prices(acts) == three_trades
    for a in acts:
        t = a["trade"]
        assert t["marketSlug"] == ACT
        assert isinstance(t["id"], str) and t["id"]
        assert is_dec_str(t["qtyDecimal"]) and D(t["qtyDecimal"]) == 1
        assert t["isAggressor"] is True
        assert isinstance(t["state"], str) and t["state"].startswith("TRADE_STATE_")
    assert reply.get("eof") is True


def test_activities_default_and_descending_order(trader, three_trades):
    """The default order is newest first, the same as SORT_ORDER_DESCENDING."""
    base = {"marketSlug": ACT, "types": ["ACTIVITY_TYPE_TRADE"]}
    default = trader.portfolio.activities(base)["activities"]
    desc = trader.portfolio.activities({**base, "sortOrder": "SORT_ORDER_DESCENDING"})["activities"]
    assert trade_prices(default) == trade_prices(desc) == list(reversed(three_trades))


def test_activities_paging(trader, three_trades):
    """limit=1 with the cursor walks the three trades one per page, then eof."""
    params = {"marketSlug": ACT, "types": ["ACTIVITY_TYPE_TRADE"], "sortOrder": "SORT_ORDER_ASCENDING", "limit": 1}
    prices: list[Decimal] = []
    for _ in range(6):
        page = trader.portfolio.activities(params)
        assert len(page["activities"]) <= 1, page
        prices.extend(trade_prices(page["activities"]))
        if page.get("eof") is True:
            break
        assert isinstance(page.get("nextCursor"), str) and page["nextCursor"], page
        params = {**params, "cursor": page["nextCursor"]}
    else:
        raise AssertionError("no eof after 6 pages")
    assert prices == three_trades


def test_activities_filters(trader, two_positions, three_trades):
    """Without marketSlug, trades of other markets appear; with it, only that market's.
    `types` filters by activity type (repeated key for several)."""
    all_trades = trader.portfolio.activities({"types": ["ACTIVITY_TYPE_TRADE"]})["activities"]
    assert all(a["type"] == "ACTIVITY_TYPE_TRADE" for a in all_trades)
    markets = {a["trade"]["marketSlug"] for a in all_trades}
    assert {ACT, POS_A} <= markets, markets
    only = trader.portfolio.activities({"types": ["ACTIVITY_TYPE_TRADE"], "marketSlug": ACT})["activities"]
    assert {a["trade"]["marketSlug"] for a in only} == {ACT}
    deposits = trader.portfolio.activities({"types": ["ACTIVITY_TYPE_ACCOUNT_DEPOSIT"]})["activities"]
    assert all(a["type"] == "ACTIVITY_TYPE_ACCOUNT_DEPOSIT" for a in deposits), deposits
    mixed = trader.portfolio.activities(
        {"types": ["ACTIVITY_TYPE_TRADE", "ACTIVITY_TYPE_ACCOUNT_DEPOSIT"]}
    )["activities"]
    assert {a["type"] for a in mixed} <= {"ACTIVITY_TYPE_TRADE", "ACTIVITY_TYPE_ACCOUNT_DEPOSIT"}
    assert len(mixed) == len(all_trades) + len(deposits)


def test_balances_shape(trader):
    """balances is a list of UserBalance; amounts are JSON numbers."""
    b = usd_balance(trader)
    for field in ("currentBalance", "buyingPower"):
        assert is_num(b.get(field)), f"{field} is not a JSON number: {b!r}"
    for field in ("assetNotional", "assetAvailable", "openOrders", "marginRequirement"):
        if field in b and b[field] is not None:
            assert is_num(b[field]), f"{field} is not a JSON number: {b!r}"


def test_balances_move_with_a_trade(maker, trader):
    """Trader buys 10 @ 0.50 as taker: cash and buying power fall by 5.00 + fee 0.17
    (0.0695 * 10 * 0.5 * 0.5 = 0.17375, to the cent half-even). The maker, opening a short,
    gets 5.00 plus its rebate 0.03 (0.0125 * 2.5 = 0.03125)."""
    slug = "py-fees"
    offer(maker, slug, "0.50", 10)
    t0, m0 = usd_balance(trader), usd_balance(maker)
    oid = limit(trader, slug, "ORDER_INTENT_BUY_LONG", "0.50", 10, tif=IOC)
    o = wait_terminal(trader, oid)
    assert o["state"] == "ORDER_STATE_FILLED"
    assert_amount(o.get("commissionNotionalTotalCollected"), "0.17")
    t1, m1 = usd_balance(trader), usd_balance(maker)
    assert t1["currentBalance"] - t0["currentBalance"] == pytest.approx(-5.17, abs=1e-6)
    assert t1["buyingPower"] - t0["buyingPower"] == pytest.approx(-5.17, abs=1e-6)
    assert m1["currentBalance"] - m0["currentBalance"] == pytest.approx(5.03, abs=1e-6)
    assert get_order(trader, oid)["id"] == oid
