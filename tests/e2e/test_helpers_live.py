"""Every ExecutionMixin helper on a real TradingNode + the real Binance adapter against the
sandbox, in ONE_WAY and in HEDGE mode (one node per mode, shared by the module).

Each test checks what the strategy saw AND what the venue holds (``truth()``), so a helper that
sends the wrong wire parameters, or a node that disagrees with the venue, fails here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from nautilus_trader.model.enums import OrderSide, OrderStatus
from nautilus_trader.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderUpdated,
)
from nautilus_trader.model.objects import Price

from nautilus_exec_kit.core.errors import ModifyNotSupported
from nautilus_exec_kit.sandbox import PriceProcess, SandboxConfig

from .harness import INSTRUMENT_ID, KitNode, running_node

pytestmark = pytest.mark.live

IID = INSTRUMENT_ID
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def _config(hedge: bool) -> SandboxConfig:
    return SandboxConfig(
        prices=PriceProcess(volatility_bps=0, mark_basis_bps=0),
        dual_side_position=hedge,
        gtd_min_lead_ms=0,
        market_data_interval_ms=50,
        algo_event_gap_ms=25,
    )


@pytest.fixture(scope="module", params=["ONE_WAY", "HEDGE"])
def node(request: pytest.FixtureRequest) -> Iterator[KitNode]:
    hedge = request.param == "HEDGE"
    with running_node(_config(hedge), {"001": {}}) as harness:
        assert harness.call(lambda: harness.strategy.position_mode.value) == request.param
        yield harness


def move(node: KitNode, last: str, mark: str | None = None) -> None:
    """Move the venue's market and wait until the strategy's quote shows it."""
    node.venue.set_price("BTCUSDT", last, mark or last)
    bid = Price.from_str(f"{Decimal(last):.2f}")
    node.wait_until(lambda: node.call(
        lambda: (q := node.strategy.cache.quote_tick(IID)) is not None and q.bid_price == bid))


@pytest.fixture(autouse=True)
def flat(node: KitNode) -> Iterator[None]:
    move(node, "50000")
    yield
    node.flatten()
    assert node.call(lambda: node.strategy.exec_kit_stats()["algo_open"]) == 0


def kit(node: KitNode, fn: Callable[[Any], Any]) -> Any:
    """Call a helper on the strategy's own loop; returns what it returned (the Order)."""
    return node.call(lambda: fn(node.strategy))


def legs(node: KitNode) -> dict[str, Decimal]:
    """Venue position amounts: {"BOTH": ...} one-way, {"LONG": ..., "SHORT": ...} hedge."""
    return {p["positionSide"]: Decimal(p["positionAmt"])
            for p in node.venue.truth()["positions"] if Decimal(p["positionAmt"])}


def hedge(node: KitNode) -> bool:
    return node.venue.config.dual_side_position


# helper call, price to move to (None: no move), expected fill price, venue endpoint
HELPERS: dict[str, tuple[Callable[[Any], Any], str | None, str, str]] = {
    "market": (lambda s: s.submit_market(IID, BUY, "0.010"), None, "50000.10", "order"),
    "limit": (lambda s: s.submit_limit(IID, SELL, "0.010", "50100.0"), "50200", "50100.00",
              "order"),
    "stop_market": (lambda s: s.submit_stop_market(IID, SELL, "0.010", "49500.0"), "49400",
                    "49400.00", "algo"),
    "stop_limit": (lambda s: s.submit_stop_limit(IID, BUY, "0.010", "50700.0", "50500.0"),
                   "50600", "50600.10", "algo"),
    "take_profit": (lambda s: s.submit_take_profit(IID, SELL, "0.010", "50500.0"), "50600",
                    "50600.00", "algo"),
    "take_profit_limit": (lambda s: s.submit_take_profit_limit(IID, BUY, "0.010", "49400.0",
                                                               "49500.0"),
                          "49300", "49400.00", "algo"),
    "trailing_stop": (lambda s: s.submit_trailing_stop(IID, SELL, "0.010", 100), "49400",
                      "49400.00", "algo"),
}


@pytest.mark.parametrize("name", list(HELPERS))
def test_helper_order_fills_at_the_venue(node: KitNode, name: str) -> None:
    submit, to, px, endpoint = HELPERS[name]
    order = kit(node, submit)
    node.event(OrderAccepted, order)
    if endpoint == "algo":
        assert node.venue_algo(order)["algoStatus"] == "NEW"
        assert node.call(lambda: node.strategy.open_algo_orders(IID)) == 1
    else:
        assert node.requests("/fapi/v1/order", order)
    if to is not None:
        if name == "take_profit_limit":  # triggers at 49 500, its limit child fills below 49 400
            move(node, "49500")
            node.wait_until(lambda: node.venue_algo(order)["algoStatus"] == "TRIGGERED")
        node.venue.set_price("BTCUSDT", to, to)
    fill = node.event(OrderFilled, order)
    assert fill.last_px == Price.from_str(px)
    # Hedge mode: BUY opens LONG, SELL opens SHORT; one-way: one BOTH position.
    side = "BOTH" if not hedge(node) else ("LONG" if order.side == BUY else "SHORT")
    assert node.venue_order(order)["positionSide"] == side
    signed = Decimal("0.010") if order.side == BUY else Decimal("-0.010")
    assert legs(node) == {side: signed}
    node.wait_until(lambda: node.call(lambda: node.strategy.open_algo_orders(IID)) == 0)
    assert node.call(node.net_position) == signed
    stats = node.call(lambda: node.strategy.exec_kit_stats())
    assert stats[f"submit.{order.order_type.name}"] >= 1


def test_modify_limit_and_refuse_modify_of_an_algo_order(node: KitNode) -> None:
    limit = kit(node, lambda s: s.submit_limit(IID, BUY, "0.010", "49000.0"))
    stop = kit(node, lambda s: s.submit_stop_market(IID, BUY, "0.010", "51000.0"))
    node.event(OrderAccepted, limit)
    node.event(OrderAccepted, stop)
    assert kit(node, lambda s: s.modify(s.cache.order(limit.client_order_id), price="49100.0"))
    assert node.event(OrderUpdated, limit).price == Price.from_str("49100.00")
    node.wait_until(lambda: node.venue_order(limit)["price"] == "49100")
    puts_before = len(node.requests("/fapi/v1/order", method="PUT"))
    with pytest.raises(ModifyNotSupported):
        kit(node, lambda s: s.modify(s.cache.order(stop.client_order_id), trigger_price="51100.0"))
    assert len(node.requests("/fapi/v1/order", method="PUT")) == puts_before
    assert node.venue_algo(stop)["triggerPrice"] == "51000"


def test_cancel_regular_and_algo(node: KitNode) -> None:
    limit = kit(node, lambda s: s.submit_limit(IID, BUY, "0.010", "49000.0"))
    stop = kit(node, lambda s: s.submit_stop_market(IID, SELL, "0.010", "49000.0"))
    for order in (limit, stop):
        node.event(OrderAccepted, order)
        coid = order.client_order_id
        kit(node, lambda s, coid=coid: s.cancel(s.cache.order(coid)))  # type: ignore[misc]
        node.event(OrderCanceled, order)
    assert node.venue_order(limit)["status"] == "CANCELED"
    assert node.venue_algo(stop)["algoStatus"] == "CANCELED"
    assert node.call(lambda: node.strategy.open_algo_orders(IID)) == 0


def test_cancel_all_regular_and_algo(node: KitNode) -> None:
    orders = [node.call(functools.partial(node.strategy.submit_limit, IID, BUY, "0.010", p))
              for p in ("49000.0", "48000.0")]
    orders += [node.call(functools.partial(node.strategy.submit_stop_market, IID, BUY, "0.010",
                                           p)) for p in ("51000.0", "52000.0")]
    for order in orders:
        node.event(OrderAccepted, order)
    assert node.call(lambda: node.strategy.open_algo_orders(IID)) == 2
    kit(node, lambda s: s.cancel_all_orders(IID))
    for order in orders:
        node.event(OrderCanceled, order)
    assert not [o for o in node.venue.truth()["orders"] if o["status"] == "NEW"]
    assert not [a for a in node.venue.truth()["algo_orders"] if a["algoStatus"] == "NEW"]
    node.wait_until(lambda: node.call(lambda: node.strategy.open_algo_orders(IID)) == 0)


def test_close_position_stop_closes_the_whole_position_at_the_venue(node: KitNode) -> None:
    node.event(OrderFilled, kit(node, lambda s: s.submit_market(IID, BUY, "0.020")))
    node.event(OrderFilled, kit(node, lambda s: s.submit_market(IID, BUY, "0.010")))
    # No size: Binance closes whatever the position is when it triggers (SELL closes LONG).
    stop = kit(node, lambda s: s.submit_stop_market(IID, SELL, None, "49000.0",
                                                    close_position=True))
    node.event(OrderAccepted, stop)
    algo = node.venue_algo(stop)
    assert (algo["closePosition"], algo["quantity"]) == (True, "")
    node.venue.set_price("BTCUSDT", "48900", "48900")
    node.wait_until(lambda: not legs(node))
    assert node.venue_order(stop)["executedQty"] == "0.03"
    node.wait_until(lambda: node.call(node.net_position) == 0)


def test_price_match_is_priced_by_the_venue(node: KitNode) -> None:
    order = kit(node, lambda s: s.submit_limit(IID, BUY, "0.010", price_match="QUEUE_5"))
    node.event(OrderAccepted, order)
    row = node.venue_order(order)
    assert (row["priceMatch"], row["price"]) == ("QUEUE_5", "49999.6")  # 5th bid level
    assert "price" not in node.requests("/fapi/v1/order", order)[0]["params"]
    node.wait_until(lambda: node.call(
        lambda: node.strategy.cache.order(order.client_order_id).price)
        == Price.from_str("49999.60"))


def test_close_helpers_flatten_every_leg(node: KitNode) -> None:
    node.event(OrderFilled, kit(node, lambda s: s.submit_market(IID, BUY, "0.030")))
    if hedge(node):
        node.event(OrderFilled, kit(node, lambda s: s.submit_market(IID, SELL, "0.020")))
        assert legs(node) == {"LONG": Decimal("0.030"), "SHORT": Decimal("-0.020")}
    part = kit(node, lambda s: s.close_long(IID, "0.010"))
    node.event(OrderFilled, part)
    assert legs(node)["LONG" if hedge(node) else "BOTH"] == Decimal("0.020")
    closes = kit(node, lambda s: s.close_all(IID))
    assert len(closes) == (2 if hedge(node) else 1)
    for order in closes:
        node.event(OrderFilled, order)
    node.wait_until(lambda: not legs(node))
    assert kit(node, lambda s: s.close_long(IID)) is None  # nothing left: never over-closes


def test_reconnect_and_listen_key_expiry_then_keeps_trading(node: KitNode) -> None:
    def listen_key_posts() -> int:
        return len(node.requests("/fapi/v1/listenKey"))

    for fault in (node.venue.faults.disconnect_user_streams, node.venue.faults.expire_listen_keys):
        node.wait_until(lambda: node.venue.truth()["user_streams"] == 1, 15)
        before = listen_key_posts()
        assert fault() == 1
        node.wait_until(functools.partial(lambda b: listen_key_posts() > b, before), 15)
        node.wait_until(lambda: node.venue.truth()["user_streams"] == 1, 15)
        order = kit(node, lambda s: s.submit_market(IID, BUY, "0.010"))
        node.event(OrderFilled, order)
        # Hedge: a SELL on the LONG leg closes it (it would open SHORT by default).
        leg = "LONG" if hedge(node) else None
        stop = node.call(functools.partial(node.strategy.submit_stop_market, IID, SELL, "0.010",
                                           "49500.0", position_side=leg))
        node.event(OrderAccepted, stop)
        node.venue.set_price("BTCUSDT", "49400", "49400")
        node.event(OrderFilled, stop)
        move(node, "50000")
    assert not legs(node)


def test_node_matches_venue_truth(node: KitNode) -> None:
    """After all of the above: every order the node knows has the venue's status, and the
    node's net position is the venue's."""
    node.event(OrderFilled, kit(node, lambda s: s.submit_market(IID, BUY, "0.020")))
    node.event(OrderAccepted, kit(node, lambda s: s.submit_limit(IID, BUY, "0.010", "45000.0")))
    node.event(OrderAccepted,
               kit(node, lambda s: s.submit_stop_market(IID, SELL, "0.010", "45000.0")))
    truth = node.venue.truth()
    venue_status = {o["clientOrderId"]: o["status"] for o in truth["orders"]}
    venue_status.update({a["clientAlgoId"]: a["algoStatus"] for a in truth["algo_orders"]
                         if a["algoStatus"] in ("NEW", "CANCELED")})
    to_nautilus = {"NEW": "ACCEPTED", "FILLED": "FILLED", "CANCELED": "CANCELED",
                   "EXPIRED": "EXPIRED"}

    def node_view() -> dict[str, str]:
        return {o.client_order_id.value: o.status.name for o in node.strategy.cache.orders()}

    statuses = node.call(node_view)
    compared = 0
    for coid, status in statuses.items():
        if coid in venue_status and venue_status[coid] in to_nautilus:
            assert status == to_nautilus[venue_status[coid]], (coid, status, venue_status[coid])
            compared += 1
    assert compared >= 20  # every earlier test's orders took part
    net = sum(Decimal(p["positionAmt"]) for p in truth["positions"])
    assert node.call(node.net_position) == net == Decimal("0.020")
    assert node.call(lambda: node.strategy.cache.orders_open_count()) == 2
    assert OrderStatus.ACCEPTED.name in statuses.values()
