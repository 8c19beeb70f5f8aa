"""A real TradingNode + the real Binance adapter trading several symbols of one sandbox account.

Each symbol has its own filters and precision (BTC 0.10 / 0.001, ETH 0.01 / 0.001, DOGE 0.00001 /
1, SOL 0.01 / 1), so the node's instruments, fills and positions must come out per symbol; funding
frames must reach the node's account; a liquidation by the brackets must reach the strategy as a
risk event, with the other symbols' positions untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from nautilus_trader.adapters.binance import BINANCE
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.events import OrderAccepted, OrderCanceled, OrderFilled
from nautilus_trader.model.identifiers import ClientOrderId, InstrumentId, Venue
from nautilus_trader.model.objects import Price, Quantity

from nautilus_exec_kit.core.risk import RiskEventKind
from nautilus_exec_kit.risk_events import RiskEvent, RiskEventWatcher
from nautilus_exec_kit.sandbox import PriceProcess, SandboxConfig
from nautilus_exec_kit.sandbox.symbols import preset

from . import rest_client
from .node_harness import DriverStrategy, NodeHarness, running_node

pytestmark = pytest.mark.live

SYMBOLS = ("BTCUSDT", "ETHUSDT", "DOGEUSDT", "SOLUSDT")
IDS = {s: InstrumentId.from_str(f"{s}-PERP.BINANCE") for s in SYMBOLS}
CONFIG = SandboxConfig(
    symbols=tuple(preset(s) for s in SYMBOLS),
    prices=PriceProcess(volatility_bps=0, mark_basis_bps=0),
    market_data_interval_ms=50,
    algo_event_gap_ms=30,
)


class RiskDriver(DriverStrategy):
    """The harness' driver, hearing liquidations as the kit's strategies do."""

    def __init__(self) -> None:
        super().__init__(tuple(IDS.values()))
        self.risk_events: list[RiskEvent] = []

    def on_start(self) -> None:
        super().on_start()
        RiskEventWatcher(self).attach()

    def on_risk_event(self, event: RiskEvent) -> None:
        self.risk_events.append(event)


@pytest.fixture(scope="module")
def node() -> Iterator[NodeHarness]:
    with running_node(CONFIG, strategy=RiskDriver(), trader_id="MULTI-001") as harness:
        yield harness


def _submit(node: NodeHarness, build: Any) -> ClientOrderId:
    def go() -> ClientOrderId:
        order = build(node.strategy.order_factory)
        node.strategy.submit_order(order)
        return order.client_order_id

    return node.call(go)


def _market(node: NodeHarness, symbol: str, side: OrderSide, qty: str) -> ClientOrderId:
    return _submit(node, lambda f: f.market(IDS[symbol], side, Quantity.from_str(qty)))


def _venue_amounts(node: NodeHarness) -> dict[str, Decimal]:
    return {p["symbol"]: Decimal(p["positionAmt"]) for p in node.venue.truth()["positions"]
            if Decimal(p["positionAmt"])}


def _node_amounts(node: NodeHarness) -> dict[str, Decimal]:
    def net() -> dict[str, Decimal]:
        out = {}
        for symbol, instrument_id in IDS.items():
            amount = node.strategy.portfolio.net_position(instrument_id)
            if amount:
                out[symbol] = Decimal(str(amount))
        return out

    return node.call(net)


def test_every_symbol_streams_quotes_with_its_own_precision(node: NodeHarness) -> None:
    node.wait_until(lambda: all(node.strategy.quotes_by[i] >= 3 for i in IDS.values()), 15)

    def quote(symbol: str) -> Any:
        return node.strategy.cache.quote_tick(IDS[symbol])

    doge, btc = node.call(lambda: quote("DOGEUSDT")), node.call(lambda: quote("BTCUSDT"))
    assert str(doge.bid_price) == "0.150000" and str(btc.ask_price) == "50000.10"


def test_orders_on_several_symbols_fill_into_their_own_positions(node: NodeHarness) -> None:
    fills = {symbol: node.wait_for(OrderFilled, _market(node, symbol, side, qty))
             for symbol, side, qty in (("BTCUSDT", OrderSide.BUY, "0.010"),
                                       ("ETHUSDT", OrderSide.SELL, "0.100"),
                                       ("DOGEUSDT", OrderSide.BUY, "1000"),
                                       ("SOLUSDT", OrderSide.SELL, "3"))}
    assert {s: str(f.last_px) for s, f in fills.items()} == {
        "BTCUSDT": "50000.10", "ETHUSDT": "3000.00", "DOGEUSDT": "0.150010", "SOLUSDT": "150.0000"}
    expected = {"BTCUSDT": Decimal("0.01"), "ETHUSDT": Decimal("-0.1"),
                "DOGEUSDT": Decimal(1000), "SOLUSDT": Decimal(-3)}
    assert _venue_amounts(node) == expected
    node.wait_until(lambda: _node_amounts(node) == expected, 10)


def test_resting_orders_per_symbol_are_amended_and_cancelled(node: NodeHarness) -> None:
    eth = _submit(node, lambda f: f.limit(IDS["ETHUSDT"], OrderSide.BUY, Quantity.from_str(
        "0.100"), Price.from_str("2950.00")))
    doge = _submit(node, lambda f: f.limit(IDS["DOGEUSDT"], OrderSide.SELL, Quantity.from_str(
        "500"), Price.from_str("0.155000")))
    node.wait_for(OrderAccepted, eth)
    node.wait_for(OrderAccepted, doge)
    _, open_orders, _ = rest_client.call(node.venue.base_url_http, "GET", "/fapi/v1/openOrders")
    assert sorted(o["symbol"] for o in open_orders) == ["DOGEUSDT", "ETHUSDT"]
    for cid in (eth, doge):
        node.call(lambda c=cid: node.strategy.cancel_order(node.strategy.cache.order(c)))
        node.wait_for(OrderCanceled, cid)


def test_funding_reaches_the_nodes_account(node: NodeHarness) -> None:
    if not _venue_amounts(node):
        node.wait_for(OrderFilled, _market(node, "ETHUSDT", OrderSide.SELL, "0.100"))
    before = Decimal(node.venue.truth()["balances"]["USDT"])
    assert node.venue.settle_funding() == len(_venue_amounts(node))
    after = Decimal(node.venue.truth()["balances"]["USDT"])
    assert after != before

    def node_balance() -> Decimal:
        account = node.strategy.cache.account_for_venue(Venue(BINANCE))
        return account.balance_total(USDT).as_decimal()

    node.wait_until(lambda: node.call(node_balance) == after, 10)


def test_a_liquidation_by_the_brackets_is_a_risk_event(node: NodeHarness) -> None:
    url = node.venue.base_url_http
    held = {s: a for s, a in _venue_amounts(node).items() if s != "DOGEUSDT"}
    if "DOGEUSDT" in _venue_amounts(node):
        node.wait_for(OrderFilled, _market(node, "DOGEUSDT", OrderSide.SELL,
                                           str(_venue_amounts(node)["DOGEUSDT"])))
    status, body, _ = rest_client.call(url, "POST", "/fapi/v1/marginType",
                                       {"symbol": "DOGEUSDT", "marginType": "ISOLATED"})
    assert status == 200, body
    node.wait_for(OrderFilled, _market(node, "DOGEUSDT", OrderSide.BUY, "20000"))
    _, [risk], _ = rest_client.call(url, "GET", "/fapi/v2/positionRisk", {"symbol": "DOGEUSDT"})
    price = Decimal(risk["liquidationPrice"])
    assert Decimal("0.14") < price < Decimal("0.15")  # 20x isolated: about 4.5 % under entry
    node.venue.set_price("DOGEUSDT", price + Decimal("0.00002"))
    assert _venue_amounts(node).get("DOGEUSDT") == 20000
    node.venue.set_price("DOGEUSDT", price - Decimal("0.00001"))
    [event] = node.wait_until(lambda: node.strategy.risk_events, 10)
    assert event.kind is RiskEventKind.LIQUIDATION
    assert event.instrument_id == IDS["DOGEUSDT"] and event.side is OrderSide.SELL
    assert event.quantity == Quantity.from_str("20000")
    assert event.client_order_id.value.startswith("autoclose-")
    # isolated: the other symbols keep their positions
    assert _venue_amounts(node) == held
