"""Markets (public gateway paths, no credentials): list, retrieve by id and slug, book, bbo,
settlement; plus /healthz."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from polymarket_us import NotFoundError

from helpers import URL, D, assert_amount, assert_api_error, bid, is_dec_str, is_num, offer

BOOK = "py-book"


def test_healthz():
    """GET /healthz answers 200 while serving (docs/interface.md §1.1)."""
    assert httpx.get(f"{URL}/healthz", timeout=5).status_code == 200


def test_list_markets(public):
    """markets.list() without credentials: every configured market, with the documented
    numeric fields (tick and minimum quantity are JSON numbers, id is a string)."""
    markets = public.markets.list()["markets"]
    by_slug = {m["slug"]: m for m in markets}
    assert {BOOK, "py-rest2", "halted"} <= by_slug.keys(), sorted(by_slug)
    m = by_slug[BOOK]
    assert isinstance(m["id"], str) and m["id"]
    assert is_num(m["orderPriceMinTickSize"]) and D(m["orderPriceMinTickSize"]) == Decimal("0.01")
    assert is_num(m["minimumTradeQty"]) and D(m["minimumTradeQty"]) == 1
    assert D(by_slug["py-rest2"]["minimumTradeQty"]) == Decimal("0.01")
    assert m["active"] is True and m["closed"] is False
    assert m["status"] == "MARKET_STATUS_OPEN"


def test_list_markets_filters(public):
    """Repeated `slug` selects markets; limit and offset page the list."""
    picked = public.markets.list({"slug": [BOOK, "py-rest2"]})["markets"]
    assert {m["slug"] for m in picked} == {BOOK, "py-rest2"}
    first = public.markets.list({"limit": 1})["markets"]
    second = public.markets.list({"limit": 1, "offset": 1})["markets"]
    assert len(first) == 1 and len(second) == 1
    assert first[0]["slug"] != second[0]["slug"]


def test_retrieve_by_slug_and_by_id(public):
    """retrieve_by_slug and retrieve(id) answer {"market": ...} for the same market."""
    m = public.markets.retrieve_by_slug(BOOK)["market"]
    assert m["slug"] == BOOK
    again = public.markets.retrieve(int(m["id"]))["market"]
    assert again["slug"] == BOOK and again["id"] == m["id"]


def test_halted_market(public):
    """A halted market reports MARKET_STATUS_HALTED and a book in MARKET_STATE_HALTED."""
    m = public.markets.retrieve_by_slug("halted")["market"]
    assert m["status"] == "MARKET_STATUS_HALTED"
    assert m["active"] is False
    assert public.markets.book("halted")["marketData"]["state"] == "MARKET_STATE_HALTED"


def test_book_and_bbo(public, maker):
    """The book aggregates levels (bids best first, offers best first, qty decimal strings);
    the BBO gives top of book, depth in levels and shares as strings."""
    bid(maker, BOOK, "0.40", 2)
    bid(maker, BOOK, "0.40", 3)
    bid(maker, BOOK, "0.39", 1)
    offer(maker, BOOK, "0.61", 2)
    offer(maker, BOOK, "0.60", 4)

    data = public.markets.book(BOOK)["marketData"]
    assert data["marketSlug"] == BOOK
    assert data["state"] == "MARKET_STATE_OPEN"
    levels = lambda side: [(D(l["px"]["value"]), D(l["qty"])) for l in data[side]]  # noqa: E731
    assert levels("bids") == [(Decimal("0.40"), 5), (Decimal("0.39"), 1)]
    assert levels("offers") == [(Decimal("0.60"), 4), (Decimal("0.61"), 2)]
    for level in data["bids"] + data["offers"]:
        assert_amount(level["px"])
        assert is_dec_str(level["qty"]), level

    lite = public.markets.bbo(BOOK)["marketData"]
    assert lite["marketSlug"] == BOOK
    assert_amount(lite["bestBid"], "0.40")
    assert_amount(lite["bestAsk"], "0.60")
    assert lite["bidDepth"] == 2 and lite["askDepth"] == 2
    assert isinstance(lite["bidShares"], str) and D(lite["bidShares"]) == 6
    assert isinstance(lite["askShares"], str) and D(lite["askShares"]) == 6


def test_empty_book(public):
    """A market with no orders has empty sides (not missing) and BBO shares "0"."""
    data = public.markets.book("py-untouched")["marketData"]
    assert data["bids"] == [] and data["offers"] == []
    lite = public.markets.bbo("py-untouched")["marketData"]
    assert lite.get("bidShares") == "0" and lite.get("askShares") == "0"


def test_settlement_of_unsettled_market_is_404(public):
    """GET /v1/markets/{slug}/settlement is 404 until the market settles."""
    with pytest.raises(NotFoundError) as err:
        public.markets.settlement(BOOK)
    assert_api_error(err.value, 404, 5)


@pytest.mark.parametrize("call", ["retrieve_by_slug", "book", "bbo", "settlement"])
def test_unknown_market_slug_is_404(public, call):
    """Unknown slugs on the public market paths are 404 (NotFoundError)."""
    with pytest.raises(NotFoundError) as err:
        getattr(public.markets, call)("no-such-market")
    assert_api_error(err.value, 404, 5)


def test_unknown_market_id_is_404(public):
    with pytest.raises(NotFoundError) as err:
        public.markets.retrieve(987654321)
    assert_api_error(err.value, 404, 5)
