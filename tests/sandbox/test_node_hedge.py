"""The real TradingNode against the sandbox in hedge mode (``dualSidePosition=true``).

Orders carry ``-LONG``/``-SHORT`` position ids; the adapter turns them into ``positionSide`` and
stops sending ``reduceOnly`` (it must be configured with ``use_reduce_only=False``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from nautilus_trader.model.enums import OrderSide, TrailingOffsetType, TriggerType
from nautilus_trader.model.events import OrderAccepted, OrderCanceled, OrderFilled, OrderRejected
from nautilus_trader.model.identifiers import ClientOrderId, PositionId
from nautilus_trader.model.objects import Price, Quantity

from nautilus_exec_kit.sandbox import PriceProcess, SandboxConfig

from . import rest_client
from .node_harness import INSTRUMENT_ID, NodeHarness, running_node

pytestmark = pytest.mark.live

CONFIG = SandboxConfig(
    prices=PriceProcess(volatility_bps=0, mark_basis_bps=0),
    dual_side_position=True,
    market_data_interval_ms=50,
    algo_event_gap_ms=30,
)
LONG = PositionId(f"{INSTRUMENT_ID}-LONG")
SHORT = PositionId(f"{INSTRUMENT_ID}-SHORT")
Q, P = Quantity.from_str, Price.from_str


@pytest.fixture(scope="module")
def node() -> Iterator[NodeHarness]:
    with running_node(CONFIG, trader_id="SANDBOX-002") as harness:
        yield harness


@pytest.fixture(autouse=True)
def flat_market(node: NodeHarness) -> Iterator[None]:
    node.venue.set_price("BTCUSDT", "50000", "50000")
    yield
    for path in ("/fapi/v1/allOpenOrders", "/fapi/v1/algoOpenOrders"):
        rest_client.call(node.venue.base_url_http, "DELETE", path, {"symbol": "BTCUSDT"})
    for leg, pid, side in (("LONG", LONG, OrderSide.SELL), ("SHORT", SHORT, OrderSide.BUY)):
        amt = _leg(node, leg)
        if amt:
            _submit(node, lambda f, s=side, a=amt: f.market(INSTRUMENT_ID, s, Q(f"{abs(a):.3f}")),
                    pid)
            node.wait_until(lambda lg=leg: _leg(node, lg) == 0, 5)


def _leg(node: NodeHarness, side: str) -> Decimal:
    for p in node.venue.truth()["positions"]:
        if p["positionSide"] == side:
            return Decimal(p["positionAmt"])
    return Decimal(0)


def _submit(node: NodeHarness, build: Callable[[Any], Any], position_id: PositionId,
            **kwargs: Any) -> ClientOrderId:
    def go() -> ClientOrderId:
        order = build(node.strategy.order_factory)
        node.strategy.submit_order(order, position_id=position_id, **kwargs)
        return order.client_order_id

    return node.call(go)


def test_both_legs_open_independently(node: NodeHarness) -> None:
    buy = _submit(node, lambda f: f.market(INSTRUMENT_ID, OrderSide.BUY, Q("0.010")), LONG)
    sell = _submit(node, lambda f: f.market(INSTRUMENT_ID, OrderSide.SELL, Q("0.020")), SHORT)
    assert node.wait_for(OrderFilled, buy).position_id == LONG
    assert node.wait_for(OrderFilled, sell).position_id == SHORT
    assert (_leg(node, "LONG"), _leg(node, "SHORT")) == (Decimal("0.010"), Decimal("-0.020"))
    orders = {o["clientOrderId"]: o for o in node.venue.truth()["orders"]}
    assert orders[buy.value]["positionSide"] == "LONG"
    assert orders[buy.value]["reduceOnly"] is False


#: Each order type: (builder, a price move that makes it fill, the venue's type for it).
ORDER_TYPES: dict[str, tuple[Callable[[Any], Any], str, str]] = {
    "limit": (lambda f: f.limit(INSTRUMENT_ID, OrderSide.BUY, Q("0.010"), P("49900.00")),
              "49800", "LIMIT"),
    "stop_market": (lambda f: f.stop_market(INSTRUMENT_ID, OrderSide.BUY, Q("0.010"),
                                            P("50200.00")), "50300", "STOP_MARKET"),
    "stop_limit": (lambda f: f.stop_limit(INSTRUMENT_ID, OrderSide.BUY, Q("0.010"),
                                          price=P("50400.00"), trigger_price=P("50200.00"),
                                          trigger_type=TriggerType.LAST_PRICE), "50300", "STOP"),
    "mit": (lambda f: f.market_if_touched(INSTRUMENT_ID, OrderSide.BUY, Q("0.010"),
                                          P("49800.00")), "49700", "TAKE_PROFIT_MARKET"),
    "lit": (lambda f: f.limit_if_touched(INSTRUMENT_ID, OrderSide.BUY, Q("0.010"),
                                         price=P("49900.00"), trigger_price=P("49800.00")),
            "49700", "TAKE_PROFIT"),
    "trailing": (lambda f: f.trailing_stop_market(
        INSTRUMENT_ID, OrderSide.BUY, Q("0.010"), trailing_offset=Decimal(50),
        trailing_offset_type=TrailingOffsetType.BASIS_POINTS), "50300", "TRAILING_STOP_MARKET"),
}


@pytest.mark.parametrize("kind", sorted(ORDER_TYPES))
def test_every_order_type_fills_on_the_long_leg(node: NodeHarness, kind: str) -> None:
    build, move_to, venue_type = ORDER_TYPES[kind]
    cid = _submit(node, build, LONG)
    node.wait_for(OrderAccepted, cid)
    truth = node.venue.truth()
    rows = [o for o in truth["orders"] if o["clientOrderId"] == cid.value] + [
        a for a in truth["algo_orders"] if a["clientAlgoId"] == cid.value]
    assert rows[0]["positionSide"] == "LONG"
    assert rows[0].get("type", rows[0].get("orderType")) == venue_type
    node.venue.set_price("BTCUSDT", move_to)
    fill = node.wait_for(OrderFilled, cid)
    assert fill.position_id == LONG
    assert _leg(node, "LONG") == Decimal("0.010")


def test_closing_more_than_the_leg_is_rejected(node: NodeHarness) -> None:
    node.wait_for(OrderFilled, _submit(
        node, lambda f: f.market(INSTRUMENT_ID, OrderSide.BUY, Q("0.010")), LONG))
    cid = _submit(node, lambda f: f.market(INSTRUMENT_ID, OrderSide.SELL, Q("0.020")), LONG)
    assert "'code': -2022" in node.wait_for(OrderRejected, cid).reason
    close = _submit(node, lambda f: f.market(INSTRUMENT_ID, OrderSide.SELL, Q("0.010")), LONG)
    node.wait_for(OrderFilled, close)
    assert _leg(node, "LONG") == 0


def test_position_side_mismatch_is_4061(node: NodeHarness) -> None:
    status, body, _ = rest_client.call(
        node.venue.base_url_http, "POST", "/fapi/v1/order",
        {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.010",
         "positionSide": "BOTH"})
    assert (status, body["code"]) == (400, -4061)


def test_cancel_all_in_hedge_mode(node: NodeHarness) -> None:
    limit = _submit(node, lambda f: f.limit(INSTRUMENT_ID, OrderSide.SELL, Q("0.010"),
                                            P("51000.00")), SHORT)
    stop = _submit(node, lambda f: f.stop_market(INSTRUMENT_ID, OrderSide.SELL, Q("0.010"),
                                                 P("49000.00")), SHORT)
    node.wait_for(OrderAccepted, limit)
    node.wait_for(OrderAccepted, stop)
    node.call(lambda: node.strategy.cancel_all_orders(INSTRUMENT_ID))
    node.wait_for(OrderCanceled, limit)
    node.wait_for(OrderCanceled, stop)


def test_node_legs_match_venue_truth(node: NodeHarness) -> None:
    node.wait_for(OrderFilled, _submit(
        node, lambda f: f.market(INSTRUMENT_ID, OrderSide.BUY, Q("0.030")), LONG))
    node.wait_for(OrderFilled, _submit(
        node, lambda f: f.market(INSTRUMENT_ID, OrderSide.SELL, Q("0.010")), SHORT))

    def legs() -> dict[str, Decimal]:
        return {p.id.value.rsplit("-", 1)[1]: Decimal(str(p.signed_qty))
                for p in node.strategy.cache.positions_open()}

    node_legs = node.call(legs)
    assert node_legs == {"LONG": _leg(node, "LONG"), "SHORT": _leg(node, "SHORT")}
