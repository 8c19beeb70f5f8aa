"""MARKET_LOT_SIZE on a real TradingNode (the real Binance adapter builds BTCUSDT-PERP from the
sandbox's exchangeInfo, keeping its filters in ``instrument.info``): market-type orders above
the market maximum (120 BTC; LOT_SIZE allows 1000) are refused by the kit and never reach the
venue, which would answer -4005; a limit order of the same size goes out and rests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.events import OrderAccepted

from nautilus_exec_kit.core.errors import MarketQuantityOutOfRange
from nautilus_exec_kit.sandbox import PriceProcess, SandboxConfig
from tests.sandbox import rest_client

from .harness import INSTRUMENT_ID, KitNode, running_node

pytestmark = pytest.mark.live

IID = INSTRUMENT_ID
BUY, SELL = OrderSide.BUY, OrderSide.SELL


@pytest.fixture(scope="module")
def node() -> Iterator[KitNode]:
    config = SandboxConfig(
        prices=PriceProcess(volatility_bps=0, mark_basis_bps=0),
        balances=(("USDT", Decimal(100_000_000)),),  # margin for a 150 BTC limit order
        market_data_interval_ms=50,
    )
    with running_node(config, {"001": {}}) as harness:
        yield harness


def kit(node: KitNode, fn: Callable[[Any], Any]) -> Any:
    return node.call(lambda: fn(node.strategy))


def sent(node: KitNode) -> int:
    """Orders the venue was asked to place (regular and algo)."""
    return len(node.requests("/fapi/v1/order")) + len(node.requests("/fapi/v1/algoOrder"))


def test_the_venue_holds_market_orders_to_its_market_lot_size(node: KitNode) -> None:
    """The rule the kit enforces is the venue's: sent raw, 120.001 BTC at market is -4005."""
    status, body, _ = rest_client.call(node.venue.base_url_http, "POST", "/fapi/v1/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "120.001"})
    assert (status, body["code"]) == (400, -4005)


@pytest.mark.parametrize("submit", [
    lambda s: s.submit_market(IID, BUY, "120.001"),
    lambda s: s.submit_stop_market(IID, SELL, "150.000", "49000.0"),
    lambda s: s.submit_take_profit(IID, SELL, "150.000", "51000.0"),
    lambda s: s.submit_trailing_stop(IID, SELL, "150.000", 100),
], ids=["market", "stop_market", "take_profit", "trailing_stop"])
def test_market_type_orders_above_the_market_max_never_leave(
    node: KitNode, submit: Callable[[Any], Any],
) -> None:
    before = sent(node)
    with pytest.raises(MarketQuantityOutOfRange, match=r"above the maximum 120\.000"):
        kit(node, submit)
    assert sent(node) == before


def test_a_limit_order_of_that_size_goes_out(node: KitNode) -> None:
    order = kit(node, lambda s: s.submit_limit(IID, BUY, "150.000", "49000.0"))
    node.event(OrderAccepted, order)
    assert Decimal(node.venue_order(order)["origQty"]) == 150
    kit(node, lambda s: s.cancel(order))
    node.wait_until(lambda: node.venue_order(order)["status"] == "CANCELED")
