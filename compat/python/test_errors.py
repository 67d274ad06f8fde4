"""Error classes the SDK raises (docs/sdk.md §4) and the JSON error body (docs/api.md §7: {code,
message, details}, gRPC code per status). All clients have max_retries=0."""

from __future__ import annotations

import base64
import os
import uuid

import httpx
import pytest
from polymarket_us import AuthenticationError, BadRequestError, NotFoundError

from helpers import URL, assert_api_error, bid, limit_body, make_client


@pytest.mark.parametrize(
    "body",
    [
        limit_body("py-rest", "ORDER_INTENT_BUY_LONG", "0.30", "lots"),
        {k: v for k, v in limit_body("py-rest", "ORDER_INTENT_BUY_LONG", "0.30", 1).items() if k != "marketSlug"},
        limit_body("py-rest", "ORDER_INTENT_SIDEWAYS", "0.30", 1),
        limit_body("py-rest", "ORDER_INTENT_BUY_LONG", "0.30", 1, synchronousExecution=True, maxBlockTime="soon"),
        limit_body("py-rest", "ORDER_INTENT_BUY_LONG", "0.30", -3),
        {**limit_body("py-rest", "ORDER_INTENT_BUY_LONG", "0.30", 1), "price": "0.30"},
    ],
    ids=["quantity-not-a-number", "no-marketSlug", "unknown-intent", "maxBlockTime-not-numeric",
         "negative-quantity", "price-not-an-Amount"],
)
def test_malformed_order_is_400(trader, body):
    """A body that fails shape validation is 400 (BadRequestError), code 3, and creates nothing."""
    before = {o["id"] for o in trader.orders.list()["orders"]}
    with pytest.raises(BadRequestError) as err:
        trader.orders.create(body)
    assert_api_error(err.value, 400, 3)
    assert {o["id"] for o in trader.orders.list()["orders"]} == before


def test_batch_of_21_is_400(trader):
    """Batches hold 1 to 20 entries; 21 refuses the whole batch."""
    orders = [limit_body("py-rest", "ORDER_INTENT_BUY_LONG", "0.05", 1)] * 21
    with pytest.raises(BadRequestError) as err:
        trader.orders.create_many({"orders": orders})
    assert_api_error(err.value, 400, 3)


def test_forged_signature_is_401(creds):
    """A known key id signed with the wrong secret: AuthenticationError (401), code 16."""
    key_id, _ = creds["trader"]
    forged = make_client(key_id, base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(AuthenticationError) as err:
        forged.account.balances()
    assert_api_error(err.value, 401, 16)
    with pytest.raises(AuthenticationError):
        forged.orders.create(limit_body("py-rest", "ORDER_INTENT_BUY_LONG", "0.05", 1))


def test_unknown_key_id_is_401(creds):
    """A correctly signed request with an unregistered key id: AuthenticationError (401)."""
    _, secret = creds["trader"]
    stranger = make_client(str(uuid.uuid4()), secret)
    with pytest.raises(AuthenticationError) as err:
        stranger.portfolio.positions()
    assert_api_error(err.value, 401, 16)


def test_missing_auth_headers_is_401():
    """A signed path without the X-PM-* headers is 401 with a JSON message (the SDK would
    refuse locally, so this one request is raw httpx)."""
    r = httpx.get(f"{URL}/v1/account/balances", timeout=5)
    assert r.status_code == 401
    assert isinstance(r.json().get("message"), str)


def test_unknown_order_is_404(trader):
    """GET /v1/order/{id} of an id that does not exist: NotFoundError, code 5."""
    with pytest.raises(NotFoundError) as err:
        trader.orders.retrieve("no-such-order")
    assert_api_error(err.value, 404, 5)


def test_other_accounts_order_is_404(maker, trader):
    """Another account's order is not visible: 404 as if it did not exist (docs/api.md §2.6)."""
    oid = bid(maker, "py-rest", "0.01", 1)
    try:
        with pytest.raises(NotFoundError):
            trader.orders.retrieve(oid)
    finally:
        maker.orders.cancel(oid, {"marketSlug": "py-rest"})


def test_correlation_id_is_echoed(trader):
    """The poly-correlation-id request header comes back on the response."""
    with pytest.raises(NotFoundError) as err:
        trader.orders.retrieve("no-such-order-either")
    sent = err.value.response.request.headers["poly-correlation-id"]
    assert err.value.response.headers.get("poly-correlation-id") == sent

