"""Fixtures: SDK clients for the two configured accounts and an anonymous one."""

from __future__ import annotations

import os

import pytest

from helpers import make_client


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set; run the suite through compat/run", returncode=2)
    return value


@pytest.fixture(scope="session")
def maker():
    """The liquidity account (rests the orders the trader takes)."""
    c = make_client(_env("PMX_MAKER_KEY_ID"), _env("PMX_MAKER_SECRET_KEY"))
    yield c
    c.close()


@pytest.fixture(scope="session")
def trader():
    """The account under test."""
    c = make_client(_env("PMX_TRADER_KEY_ID"), _env("PMX_TRADER_SECRET_KEY"))
    yield c
    c.close()


@pytest.fixture(scope="session")
def public():
    """No credentials: public (gateway) endpoints only."""
    c = make_client()
    yield c
    c.close()


@pytest.fixture(scope="session")
def creds():
    return {
        "maker": (_env("PMX_MAKER_KEY_ID"), _env("PMX_MAKER_SECRET_KEY")),
        "trader": (_env("PMX_TRADER_KEY_ID"), _env("PMX_TRADER_SECRET_KEY")),
    }
