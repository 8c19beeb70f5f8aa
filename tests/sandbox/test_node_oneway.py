"""A real TradingNode + the real Binance adapter trading the sandbox in one-way mode.

One node serves the whole module (start-up is the expensive part); each test drives it through
the harness and checks both the node's events and the venue's truth.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from nautilus_trader.model.enums import (
    OrderSide,
    OrderStatus,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from nautilus_trader.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderUpdated,
)
from nautilus_trader.model.identifiers import ClientOrderId
from nautilus_trader.model.objects import Price, Quantity

from nautilus_exec_kit.sandbox import PriceProcess, SandboxConfig

from . import rest_client
from .node_harness import INSTRUMENT_ID, NodeHarness, running_node

pytestmark = pytest.mark.live

CONFIG = SandboxConfig(
    prices=PriceProcess(volatility_bps=0, mark_basis_bps=0),
    gtd_min_lead_ms=0,
    market_data_interval_ms=50,
    algo_event_gap_ms=30,
)
Q = Quantity.from_str


@pytest.fixture(scope="module")
def node() -> Iterator[NodeHarness]:
    with running_node(CONFIG) as harness:
        yield harness


@pytest.fixture(autouse=True)
def flat_market(node: NodeHarness) -> Iterator[None]:
    """Every test starts at 50 000 with no open orders and a flat position."""
    node.venue.set_price("BTCUSDT", "50000", "50000")
    yield
    # Cancel at the venue: external orders are not the strategy's to cancel.
    for path in ("/fapi/v1/allOpenOrders", "/fapi/v1/algoOpenOrders"):
        rest_client.call(node.venue.base_url_http, "DELETE", path, {"symbol": "BTCUSDT"})
    node.wait_until(lambda: not node.call(lambda: node.strategy.cache.orders_open()), 5)
    pos = _venue_amt(node)
    if pos:
        _submit_market(node, OrderSide.SELL if pos > 0 else OrderSide.BUY, abs(pos))
        node.wait_until(lambda: _venue_amt(node) == 0, 5)


def _venue_amt(node: NodeHarness, side: str = "BOTH") -> Decimal:
    for p in node.venue.truth()["positions"]:
        if p["positionSide"] == side:
            return Decimal(p["positionAmt"])
    return Decimal(0)


def _submit(node: NodeHarness, build: Any, **kwargs: Any) -> ClientOrderId:
    def go() -> ClientOrderId:
        order = build(node.strategy.order_factory)
        node.strategy.submit_order(order, **kwargs)
        return order.client_order_id

    return node.call(go)


def _submit_market(node: NodeHarness, side: OrderSide, qty: Decimal | str) -> ClientOrderId:
    return _submit(node, lambda f: f.market(INSTRUMENT_ID, side, Q(f"{Decimal(qty):.3f}")))


def _venue_order(node: NodeHarness, cid: ClientOrderId) -> dict[str, Any]:
    rows = [o for o in node.venue.truth()["orders"] if o["clientOrderId"] == cid.value]
    return rows[-1]


def _venue_algo(node: NodeHarness, cid: ClientOrderId) -> dict[str, Any]:
    return next(a for a in node.venue.truth()["algo_orders"] if a["clientAlgoId"] == cid.value)


def test_market_order_fills_at_the_touch(node: NodeHarness) -> None:
    buy = _submit_market(node, OrderSide.BUY, "0.010")
    fill = node.wait_for(OrderFilled, buy)
    assert fill.last_px == Price.from_str("50000.10")  # the ask
    assert str(fill.position_id).endswith("-BOTH")
    assert _venue_amt(node) == Decimal("0.010")
    sell = _submit_market(node, OrderSide.SELL, "0.010")
    assert node.wait_for(OrderFilled, sell).last_px == Price.from_str("50000.00")  # the bid
    assert _venue_amt(node) == 0


def test_limit_rests_is_modified_then_canceled(node: NodeHarness) -> None:
    cid = _submit(node, lambda f: f.limit(INSTRUMENT_ID, OrderSide.BUY, Q("0.010"),
                                          Price.from_str("49000.00")))
    node.wait_for(OrderAccepted, cid)
    node.call(lambda: node.strategy.modify_order(node.strategy.cache.order(cid),
                                                 price=Price.from_str("49100.00")))
    updated = node.wait_for(OrderUpdated, cid)
    assert updated.price == Price.from_str("49100.00")
    node.call(lambda: node.strategy.cancel_order(node.strategy.cache.order(cid)))
    node.wait_for(OrderCanceled, cid)
    row = _venue_order(node, cid)
    assert (row["status"], row["price"]) == ("CANCELED", "49100")


def test_resting_limit_fills_as_maker_when_crossed(node: NodeHarness) -> None:
    cid = _submit(node, lambda f: f.limit(INSTRUMENT_ID, OrderSide.SELL, Q("0.010"),
                                          Price.from_str("50100.00")))
    node.wait_for(OrderAccepted, cid)
    node.venue.set_price("BTCUSDT", "50200")
    fill = node.wait_for(OrderFilled, cid)
    assert fill.last_px == Price.from_str("50100.00")
    assert fill.liquidity_side.name == "MAKER"
    assert _venue_amt(node) == Decimal("-0.010")


def test_stop_market_goes_through_algo_api_and_fills_on_trigger(node: NodeHarness) -> None:
    cid = _submit(node, lambda f: f.stop_market(INSTRUMENT_ID, OrderSide.SELL, Q("0.010"),
                                                Price.from_str("49500.00")))
    node.wait_for(OrderAccepted, cid)
    assert _venue_algo(node, cid)["algoStatus"] == "NEW"
    node.venue.set_price("BTCUSDT", "49400")
    fill = node.wait_for(OrderFilled, cid)
    assert fill.last_px == Price.from_str("49400.00")
    node.wait_until(lambda: _venue_algo(node, cid)["algoStatus"] == "FINISHED")
    assert node.call(lambda: node.strategy.cache.order(cid).status) == OrderStatus.FILLED


def test_stop_limit_triggers_on_mark_price(node: NodeHarness) -> None:
    cid = _submit(node, lambda f: f.stop_limit(
        INSTRUMENT_ID, OrderSide.BUY, Q("0.010"), price=Price.from_str("50700.00"),
        trigger_price=Price.from_str("50500.00"), trigger_type=TriggerType.MARK_PRICE))
    node.wait_for(OrderAccepted, cid)
    node.venue.set_price("BTCUSDT", "50600", mark="50400")  # last above, mark below: no trigger
    assert _venue_algo(node, cid)["algoStatus"] == "NEW"
    node.venue.set_price("BTCUSDT", "50600", mark="50550")
    fill = node.wait_for(OrderFilled, cid)
    assert fill.last_px == Price.from_str("50600.10")  # the limit crossed: taker at the ask


def test_mit_and_lit_trigger_as_take_profit(node: NodeHarness) -> None:
    mit = _submit(node, lambda f: f.market_if_touched(
        INSTRUMENT_ID, OrderSide.SELL, Q("0.010"), Price.from_str("50500.00")))
    lit = _submit(node, lambda f: f.limit_if_touched(
        INSTRUMENT_ID, OrderSide.BUY, Q("0.010"), price=Price.from_str("49400.00"),
        trigger_price=Price.from_str("49500.00")))
    node.wait_for(OrderAccepted, mit)
    node.wait_for(OrderAccepted, lit)
    assert _venue_algo(node, mit)["orderType"] == "TAKE_PROFIT_MARKET"
    assert _venue_algo(node, lit)["orderType"] == "TAKE_PROFIT"
    node.venue.set_price("BTCUSDT", "50600")
    assert node.wait_for(OrderFilled, mit).last_px == Price.from_str("50600.00")
    node.venue.set_price("BTCUSDT", "49500")  # triggers; the child limit at 49400 rests
    node.wait_until(lambda: _venue_algo(node, lit)["algoStatus"] == "TRIGGERED")
    node.venue.set_price("BTCUSDT", "49300")
    assert node.wait_for(OrderFilled, lit).last_px == Price.from_str("49400.00")


def test_trailing_stop_follows_the_peak(node: NodeHarness) -> None:
    cid = _submit(node, lambda f: f.trailing_stop_market(
        INSTRUMENT_ID, OrderSide.SELL, Q("0.010"), activation_price=Price.from_str("50500.00"),
        trailing_offset=Decimal(100), trailing_offset_type=TrailingOffsetType.BASIS_POINTS))
    node.wait_for(OrderAccepted, cid)
    assert _venue_algo(node, cid)["callbackRate"] == "1"
    for price in ("50600", "51000", "50600"):  # activate, new peak, 0.8 % below: still resting
        node.venue.set_price("BTCUSDT", price)
    assert _venue_algo(node, cid)["algoStatus"] == "NEW"
    node.venue.set_price("BTCUSDT", "50480")  # > 1 % below the 51 000 peak
    assert node.wait_for(OrderFilled, cid).last_px == Price.from_str("50480.00")


def test_cancel_all_uses_both_endpoints(node: NodeHarness) -> None:
    limits = [_submit(node, lambda f, p=p: f.limit(INSTRUMENT_ID, OrderSide.BUY, Q("0.010"),
                                                    Price.from_str(p)))
              for p in ("49000.00", "48000.00")]
    stops = [_submit(node, lambda f, p=p: f.stop_market(INSTRUMENT_ID, OrderSide.BUY, Q("0.010"),
                                                         Price.from_str(p)))
             for p in ("51000.00", "52000.00")]
    for cid in limits + stops:
        node.wait_for(OrderAccepted, cid)
    node.call(lambda: node.strategy.cancel_all_orders(INSTRUMENT_ID))
    for cid in limits + stops:
        node.wait_for(OrderCanceled, cid)
    paths = {(r["method"], r["path"]) for r in node.venue.truth()["request_log"]}
    assert {("DELETE", "/fapi/v1/allOpenOrders"), ("DELETE", "/fapi/v1/algoOpenOrders")} <= paths
    assert all(_venue_algo(node, c)["algoStatus"] == "CANCELED" for c in stops)


def test_close_position_stop_closes_the_whole_position(node: NodeHarness) -> None:
    node.wait_for(OrderFilled, _submit_market(node, OrderSide.BUY, "0.020"))
    cid = _submit(node, lambda f: f.stop_market(INSTRUMENT_ID, OrderSide.SELL, Q("0.020"),
                                                Price.from_str("49000.00")),
                  params={"close_position": True})
    node.wait_for(OrderAccepted, cid)
    algo = _venue_algo(node, cid)
    assert algo["closePosition"] is True and algo["quantity"] == ""
    node.venue.set_price("BTCUSDT", "48900")
    node.wait_until(lambda: _venue_amt(node) == 0)
    assert _venue_order(node, cid)["executedQty"] == "0.02"


def test_price_match_sets_the_price_from_the_book(node: NodeHarness) -> None:
    cid = _submit(node, lambda f: f.limit(INSTRUMENT_ID, OrderSide.BUY, Q("0.010"),
                                          Price.from_str("40000.00")),
                  params={"price_match": "QUEUE_5"})
    node.wait_for(OrderAccepted, cid)
    row = _venue_order(node, cid)
    assert (row["priceMatch"], row["price"]) == ("QUEUE_5", "49999.6")  # 5th bid level
    updated = node.wait_for(OrderUpdated, cid)
    assert updated.price == Price.from_str("49999.60")


def test_gtd_order_expires(node: NodeHarness) -> None:
    expire = node.call(lambda: node.strategy.clock.utc_now()) + __import__("pandas").Timedelta(
        seconds=1)
    cid = _submit(node, lambda f: f.limit(INSTRUMENT_ID, OrderSide.BUY, Q("0.010"),
                                          Price.from_str("45000.00"),
                                          time_in_force=TimeInForce.GTD, expire_time=expire))
    node.wait_for(OrderAccepted, cid)
    node.wait_for(OrderExpired, cid, timeout=5)
    assert _venue_order(node, cid)["status"] == "EXPIRED"


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda f: f.market(INSTRUMENT_ID, OrderSide.BUY, Q("100.000")), -2019),
        (lambda f: f.limit(INSTRUMENT_ID, OrderSide.BUY, Q("0.010"), Price.from_str("50100.00"),
                           post_only=True), -5022),
        (lambda f: f.stop_market(INSTRUMENT_ID, OrderSide.BUY, Q("0.010"),
                                 Price.from_str("49000.00")), -2021),
        (lambda f: f.market(INSTRUMENT_ID, OrderSide.SELL, Q("0.010"), reduce_only=True), -2022),
    ],
    ids=["margin", "post-only", "would-trigger", "reduce-only"],
)
def test_venue_rejects_reach_the_strategy(node: NodeHarness, build: Any, code: int) -> None:
    cid = _submit(node, build)
    rejected = node.wait_for(OrderRejected, cid)
    assert f"'code': {code}" in rejected.reason
    assert rejected.due_post_only is (code == -5022)


def test_raw_rest_rejects(node: NodeHarness) -> None:
    url = node.venue.base_url_http
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "STOP_MARKET", "quantity": "0.010",
             "stopPrice": "51000"}
    status, body, _ = rest_client.call(url, "POST", "/fapi/v1/order", order)
    assert (status, body["code"]) == (400, -4120)
    status, body, _ = rest_client.call(url, "GET", "/fapi/v2/account", bad_signature=True)
    assert (status, body["code"]) == (400, -1022)
    status, body, _ = rest_client.call(url, "GET", "/fapi/v2/account", timestamp=1_000)
    assert (status, body["code"]) == (400, -1021)
    status, body, _ = rest_client.call(url, "GET", "/fapi/v2/account", api_key="wrong")
    assert (status, body["code"]) == (401, -2015)


def _listen_key_posts(node: NodeHarness) -> int:
    return sum(1 for r in node.venue.truth()["request_log"]
               if (r["method"], r["path"]) == ("POST", "/fapi/v1/listenKey"))


def test_reconnects_after_dropped_user_stream(node: NodeHarness) -> None:
    before = _listen_key_posts(node)
    assert node.venue.faults.disconnect_user_streams() == 1
    # The adapter reconnects, takes a new listenKey and reconciles (wire protocol §3.6).
    node.wait_until(lambda: _listen_key_posts(node) > before, 15)
    node.wait_until(lambda: node.venue.truth()["user_streams"] == 1, 15)
    cid = _submit_market(node, OrderSide.BUY, "0.010")
    node.wait_for(OrderFilled, cid, timeout=10)


def test_listen_key_expiry_resubscribes(node: NodeHarness) -> None:
    node.wait_until(lambda: node.venue.truth()["user_streams"] == 1, 15)
    before = _listen_key_posts(node)
    assert node.venue.faults.expire_listen_keys() == 1
    node.wait_until(lambda: _listen_key_posts(node) > before, 15)
    node.wait_until(lambda: node.venue.truth()["user_streams"] == 1, 15)
    cid = _submit_market(node, OrderSide.BUY, "0.010")
    node.wait_for(OrderFilled, cid, timeout=10)


def test_liquidation_reaches_the_node(node: NodeHarness) -> None:
    """Binance sends one ``x=CALCULATED`` frame with client id ``autoclose-...``.

    Measured with nautilus_trader 1.231.0: the adapter reports it, the ExecEngine books the inferred
    fill to a ``-EXTERNAL`` position, and the strategy's ``-BOTH`` position stays open in the cache
    although the venue is flat. The sandbox reproduces that; the kit has to reconcile it.
    """
    node.wait_for(OrderFilled, _submit_market(node, OrderSide.BUY, "0.010"))
    node.venue.faults.liquidation("BTCUSDT")
    assert _venue_amt(node) == 0

    def liquidation_order() -> Any:
        return [o for o in node.strategy.cache.orders()
                if o.client_order_id.value.startswith("autoclose-") and o.is_closed]

    node.wait_until(lambda: node.call(liquidation_order), 10)
    node.call(lambda: node.strategy.cache.positions_open())


def test_external_order_is_seen_by_the_node(node: NodeHarness) -> None:
    node.venue.faults.external_order(symbol="BTCUSDT", side="BUY", type="LIMIT",
                                     quantity="0.010", price="45000", timeInForce="GTC",
                                     newClientOrderId="other-app-1")
    node.wait_until(lambda: node.call(
        lambda: node.strategy.cache.order(ClientOrderId("other-app-1"))), 10)


def test_node_state_matches_venue_truth(node: NodeHarness) -> None:
    node.wait_for(OrderFilled, _submit_market(node, OrderSide.BUY, "0.030"))
    truth = node.venue.truth()

    def node_view() -> tuple[Decimal, dict[str, str]]:
        cache = node.strategy.cache
        net = sum((Decimal(str(p.signed_qty)) for p in cache.positions_open()), Decimal(0))
        statuses = {o.client_order_id.value: o.status.name for o in cache.orders()}
        return net, statuses

    net, statuses = node.call(node_view)
    assert net == _venue_amt(node)
    venue_status = {o["clientOrderId"]: o["status"] for o in truth["orders"]}
    for cid, status in statuses.items():
        if cid in venue_status and venue_status[cid] in ("FILLED", "CANCELED", "EXPIRED"):
            assert status == venue_status[cid], cid
    node.wait_for(OrderFilled, _submit_market(node, OrderSide.SELL, "0.030"))


def test_api_secret_never_logged() -> None:
    """The node logs to stdout from Rust; run it in a fresh process and grep everything it
    printed while it traded, got a reject and reconnected its user stream."""
    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-m", "tests.sandbox.secret_scenario"],
        capture_output=True, text=True, timeout=120, cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "SCENARIO-DONE" in output and "OrderFilled" in output  # the capture is real
    secret = str(CONFIG.api_secret)
    assert secret not in output
    assert secret not in repr(CONFIG)


def test_html_503_reaches_the_strategy_as_raw_text(node: NodeHarness) -> None:
    node.venue.faults.add({"kind": "http_error", "path": "/fapi/v1/order", "method": "POST"})
    cid = _submit_market(node, OrderSide.BUY, "0.010")
    assert "503 Service Unavailable" in node.wait_for(OrderRejected, cid).reason
    assert not [o for o in node.venue.truth()["orders"] if o["clientOrderId"] == cid.value]


def test_timeout_without_placement_is_retried_once(node: NodeHarness) -> None:
    node.venue.faults.add({"kind": "timeout_not_placed", "path": "/fapi/v1/order",
                           "method": "POST"})
    cid = _submit_market(node, OrderSide.BUY, "0.010")
    node.wait_for(OrderFilled, cid)
    posts = [r for r in node.venue.truth()["request_log"]
             if r["path"] == "/fapi/v1/order" and r["params"].get("newClientOrderId") == cid.value]
    assert [r["code"] for r in posts] == [-1007, None]
    assert len([o for o in node.venue.truth()["orders"] if o["clientOrderId"] == cid.value]) == 1


def test_timeout_after_placement_meets_the_duplicate_check(node: NodeHarness) -> None:
    """-1007 after the order WAS placed: the adapter's retry re-sends the same client id.

    Measured: the strategy sees OrderAccepted (from the WS) and then OrderRejected(-4116) for the
    same, still working, order - the kit's error policy must treat that reject as benign.
    """
    node.venue.faults.add({"kind": "timeout_placed", "path": "/fapi/v1/order", "method": "POST"})
    cid = _submit(node, lambda f: f.limit(INSTRUMENT_ID, OrderSide.BUY, Q("0.010"),
                                          Price.from_str("45000.00")))
    node.wait_for(OrderAccepted, cid)
    assert "-4116" in node.wait_for(OrderRejected, cid).reason
    codes = [r["code"] for r in node.venue.truth()["request_log"]
             if r["path"] == "/fapi/v1/order" and r["params"].get("newClientOrderId") == cid.value]
    assert codes == [-1007, -4116]
    assert _venue_order(node, cid)["status"] == "NEW"  # placed exactly once


def test_dropped_new_frame_is_recovered_by_the_inflight_check(node: NodeHarness) -> None:
    node.venue.faults.add({"kind": "drop_user_frames", "event": "ORDER_TRADE_UPDATE"})
    cid = _submit(node, lambda f: f.limit(INSTRUMENT_ID, OrderSide.BUY, Q("0.010"),
                                          Price.from_str("45000.00")))
    node.wait_for(OrderAccepted, cid, timeout=15)
    assert any(r["method"] == "GET" and r["path"] == "/fapi/v1/order"
               for r in node.venue.truth()["request_log"])
