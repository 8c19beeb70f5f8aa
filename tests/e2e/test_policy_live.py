"""The kit's error policy fed by REAL venue answers: a real TradingNode, the real Binance
adapter, and the sandbox answering with Binance's status codes and bodies.

Where Binance's condition can be produced for real it is (-2019: the kit's margin check uses a
leverage of 100 while the account has 20, so the kit lets the order through and the venue
refuses it); otherwise a sandbox fault rule makes the venue answer exactly what Binance answers
(429 -1015, 503 -1007 placed / not placed, 401 -2015, 418 "banned until"). Each test checks the
policy's decision, what reached the venue (its request log) and the final state at the venue.

Strategies on the node: "001" trades (skip / backoff / reconcile), "002" is stopped by the
fail-fast test, "003" is halted by the IP-ban test, "004" meets Binance's account restriction
(-4400: reduce-only mode, probed after 1.5 s), "005" a symbol that stops trading (-4141) and a
position limit (-2027). The sandbox answers those codes through its ``binance_error`` fault rule
(any code, status and message), exactly as Binance's body reads.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.events import OrderAccepted, OrderFilled, OrderRejected

from nautilus_exec_kit.core.errors import (
    InstrumentStopped,
    ReduceOnlyModeActive,
    SubmissionsHalted,
)
from nautilus_exec_kit.policy import Action
from nautilus_exec_kit.sandbox import PriceProcess, SandboxConfig

from .harness import INSTRUMENT_ID, KitNode, running_node

pytestmark = pytest.mark.live

IID = INSTRUMENT_ID
BUY = OrderSide.BUY
CONFIG = SandboxConfig(prices=PriceProcess(volatility_bps=0, mark_basis_bps=0),
                       market_data_interval_ms=50)
ORDER = "/fapi/v1/order"
PROBE_MS = 1_500
MSG_4400 = ("Futures Trading Quantitative Rules violated, only reduceOnly order is allowed, "
            "please try again later.")


@pytest.fixture(scope="module")
def node() -> Iterator[KitNode]:
    strategies: dict[str, dict[str, Any]] = {
        "001": {"leverage": 100.0}, "002": {}, "003": {},
        "004": {"reduce_only_probe_ms": PROBE_MS}, "005": {},
    }
    with running_node(CONFIG, strategies) as harness:
        yield harness


@pytest.fixture(autouse=True)
def flat(node: KitNode) -> Iterator[None]:
    yield
    node.flatten()


def market(node: KitNode, tag: str = "001", qty: str = "0.010") -> Any:
    strategy = node.kit[tag]
    return node.call(lambda: strategy.submit_market(IID, BUY, qty))


def chain_orders(node: KitNode, origin: Any) -> list[dict[str, Any]]:
    """Venue orders of a retry chain: the original and every fresh order tagged retry-of it."""
    coid = origin.client_order_id.value
    retried = {o.client_order_id.value for o in node.call(lambda: node.strategy.cache.orders())
               if f"retry-of={coid}" in (o.tags or [])}
    return [o for o in node.venue.truth()["orders"]
            if o["clientOrderId"] == coid or o["clientOrderId"] in retried]


def fault(node: KitNode, **rule: Any) -> None:
    node.venue.faults.add({"path": ORDER, "method": "POST", **rule})


def test_skip_on_real_insufficient_margin(node: KitNode) -> None:
    # 5 BTC at 50 000: the kit (leverage 100) needs 2 500 USDT, the venue (20x) 12 500 > 10 000.
    order = market(node, qty="5.000")
    rejected = node.event(OrderRejected, order)
    assert "'code': -2019" in rejected.reason
    decision = node.decision(lambda d: d.client_order_id == order.client_order_id.value)
    assert decision.action is Action.SKIP and decision.reason.code == -2019
    time.sleep(1.5)  # longer than any backoff's first delay: nothing is resent
    assert [r["code"] for r in node.requests(ORDER)
            if r["params"].get("quantity") == "5.000"] == [-2019]
    assert chain_orders(node, order) == []
    assert node.call(lambda: node.strategy.exec_kit_policy_stats())["by_code"]["-2019"] == 1


def test_backoff_on_429_resends_a_fresh_order_after_the_wait(node: KitNode) -> None:
    fault(node, kind="binance_error", status=429, code=-1015,
          msg="Too many new orders; current limit is 300 orders per TEN_SECONDS.", count=1)
    order = market(node)
    rejected = node.event(OrderRejected, order)
    decision = node.decision(lambda d: d.client_order_id == order.client_order_id.value)
    assert decision.action is Action.BACKOFF and decision.retry_at_ns is not None
    rejected_ms = node.requests(ORDER, order)[0]["t"]
    # Sent while the account is cooling down: queued on the clock, not sent at once.
    queued = market(node)
    node.wait_until(lambda: len(chain_orders(node, order)) == 1, 10)
    [row] = chain_orders(node, order)
    assert row["clientOrderId"] != order.client_order_id.value  # a fresh client order ID
    assert row["status"] == "FILLED"
    node.event(OrderFilled, queued)
    queued_ms = node.requests(ORDER, queued)[0]["t"]
    assert queued_ms - rejected_ms >= 700  # 1 s schedule, up to 20 % jitter shorter
    assert rejected.client_order_id == order.client_order_id
    assert node.venue_amt() == Decimal("0.020")


def test_reconcile_when_the_timed_out_order_was_not_placed(node: KitNode) -> None:
    """-1007 and the venue never got the order (production set-up: no adapter retry).

    The reconciliation guard holds the adapter's reject back (the outcome is unknown), the
    engine's in-flight check asks the venue, finds nothing and resolves the order as
    REJECTED("UNKNOWN"); the policy reconciles (asks again) and only then resends with a fresh
    client ID: exactly one execution.
    """
    fault(node, kind="timeout_not_placed", count=1)
    order = market(node)
    coid = order.client_order_id.value
    assert node.event(OrderRejected, order, timeout=20).reason == "UNKNOWN"
    first = node.decision(lambda d: d.client_order_id == coid)
    assert first.action is Action.RECONCILE
    node.wait_until(lambda: [o["status"] for o in chain_orders(node, order)] == ["FILLED"], 15)
    assert node.venue_amt() == Decimal("0.010")  # exactly one order executed
    assert [r["code"] for r in node.requests(ORDER, order)] == [-1007]  # no blind resend
    assert node.call(lambda: node.strategy.exec_kit_policy_stats())["reconciled_absent"] == 1


def test_reconcile_when_the_timed_out_order_was_placed(node: KitNode) -> None:
    """-1007 after the order WAS placed: the guard holds the reject, the venue's NEW event
    accepts the order, and nothing is ever resent: exactly one order at the venue."""
    fault(node, kind="timeout_placed", count=1)
    strategy = node.strategy
    order = node.call(lambda: strategy.submit_limit(IID, BUY, "0.010", "45000.0"))
    node.event(OrderAccepted, order)
    time.sleep(3.0)  # past the in-flight threshold and reconcile_wait_ms: no resend by now
    assert [r["code"] for r in node.requests(ORDER, order)] == [-1007]
    assert node.call(lambda: strategy.cache.order(order.client_order_id).status.name) == "ACCEPTED"
    rows = chain_orders(node, order)
    assert [(o["clientOrderId"], o["status"]) for o in rows] == [
        (order.client_order_id.value, "NEW")]


def test_fail_fast_on_auth_error_stops_only_that_strategy(node: KitNode) -> None:
    fault(node, kind="binance_error", status=401, code=-2015,
          msg="Invalid API-key, IP, or permissions for action.", count=1)
    victim = node.kit["002"]
    order = market(node, "002")
    # The strategy's own handlers still see the reject that stops it (the stop is deferred
    # until the event has been dispatched).
    assert "-2015" in node.event(OrderRejected, order, victim).reason
    decision = node.decision(lambda d: d.client_order_id == order.client_order_id.value, victim)
    assert decision.action is Action.FAIL_FAST
    assert "what to change" in decision.note
    node.wait_until(lambda: node.call(lambda: victim.is_stopped), 5)
    with pytest.raises(SubmissionsHalted):
        market(node, "002")
    assert node.requests(ORDER, order) and len(
        [r for r in node.requests(ORDER) if r["params"]["newClientOrderId"].endswith("-002-2")]
    ) == 0  # the refused order never left the node
    node.event(OrderFilled, market(node, "001"))  # the other strategies keep trading


def test_halt_on_ip_ban_until_the_ban_ends(node: KitNode) -> None:
    banned = node.kit["003"]
    until_ms = int(time.time() * 1000) + 3_000
    # 418 with Binance's body; the adapter retries -1003 twice itself, so answer all three.
    fault(node, kind="binance_error", status=418, code=-1003, count=3,
          msg=f"Way too many requests; IP(127.0.0.1) banned until {until_ms}. "
              "Please use the websocket for live updates to avoid bans.")
    order = market(node, "003")
    node.event(OrderRejected, order, banned)
    decision = node.decision(lambda d: d.client_order_id == order.client_order_id.value, banned)
    assert decision.action is Action.HALT
    assert decision.retry_at_ns == until_ms * 1_000_000
    with pytest.raises(SubmissionsHalted):
        market(node, "003")
    node.wait_until(lambda: [o["status"] for o in chain_orders(node, order)] == ["FILLED"], 8)
    [row] = chain_orders(node, order)
    resent = node.requests(ORDER, row["clientOrderId"])
    assert resent[0]["t"] >= until_ms  # nothing went out before the ban ended
    node.event(OrderFilled, market(node, "003"), banned)  # submissions resumed
    assert node.venue_amt() == Decimal("0.020")


def _sent(node: KitNode, order: Any) -> list[int | None]:
    """The venue's answer codes to the requests that carried this order (None: accepted)."""
    return [r["code"] for r in node.requests(ORDER, order)]


def test_account_restriction_puts_the_strategy_in_reduce_only_mode_until_a_probe_passes(
    node: KitNode,
) -> None:
    """-4400 from the venue: the kit drops that order, refuses the next BUY itself (it never
    reaches the venue), lets a reduce-only close out, and after reduce_only_probe_ms sends the
    next BUY as a probe; the venue takes it and the mode ends."""
    strategy = node.kit["004"]
    opened = market(node, "004")
    node.event(OrderFilled, opened, strategy)
    fault(node, kind="binance_error", status=400, code=-4400, msg=MSG_4400, count=1)
    restricted = market(node, "004")
    assert "-4400" in node.event(OrderRejected, restricted, strategy).reason
    decision = node.decision(
        lambda d: d.client_order_id == restricted.client_order_id.value, strategy)
    assert decision.action is Action.REDUCE_ONLY
    [state] = node.call(lambda: strategy.exec_kit_policy.restrictions)
    assert (state.kind.value, state.scope, state.code) == ("reduce_only", "account", -4400)
    entered_ms = time.time() * 1000
    with pytest.raises(ReduceOnlyModeActive, match="reduce-only mode"):
        market(node, "004")
    close = node.call(lambda: strategy.close_long(IID))
    assert close is not None and close.is_reduce_only
    node.event(OrderFilled, close, strategy)
    assert _sent(node, close) == [None]
    time.sleep(max(0.0, (entered_ms + PROBE_MS + 200 - time.time() * 1000) / 1000))
    probe = market(node, "004")  # the probe: the venue takes it, the mode ends
    node.event(OrderFilled, probe, strategy)
    node.wait_until(lambda: not node.call(lambda: strategy.exec_kit_policy.restrictions), 5)
    after = market(node, "004")
    node.event(OrderFilled, after, strategy)
    stats = node.call(lambda: strategy.exec_kit_stats())
    assert (stats["reduce_only_mode"], stats["refused_restricted"]) == (0, 1)
    policy_stats = node.call(lambda: strategy.exec_kit_policy_stats())
    assert policy_stats["probes_sent"] == 1 and policy_stats["restrictions_cleared"] == 1
    # to the venue: the first BUY, the rejected one, the close, the probe and the last BUY
    buys = [r for r in node.requests(ORDER)
            if r["params"]["newClientOrderId"].split("-")[-2] == "004"]
    assert [r["code"] for r in buys] == [None, -4400, None, None, None]
    assert node.venue_amt() == Decimal("0.020")


def test_symbol_status_stops_the_instrument_and_a_position_limit_is_never_resent(
    node: KitNode,
) -> None:
    strategy = node.kit["005"]
    fault(node, kind="binance_error", status=400, code=-2027,
          msg="Exceeded the maximum allowable position at current leverage.", count=1)
    limited = market(node, "005")
    node.event(OrderRejected, limited, strategy)
    decision = node.decision(
        lambda d: d.client_order_id == limited.client_order_id.value, strategy)
    assert decision.action is Action.SKIP and decision.reason.category.value == "position_limit"
    opened = market(node, "005")
    node.event(OrderFilled, opened, strategy)
    fault(node, kind="binance_error", status=400, code=-4141, msg="Symbol is closed", count=1)
    closed = market(node, "005")
    node.event(OrderRejected, closed, strategy)
    decision = node.decision(
        lambda d: d.client_order_id == closed.client_order_id.value, strategy)
    assert decision.action is Action.STOP_INSTRUMENT
    with pytest.raises(InstrumentStopped, match=f"resume_instrument\\('{IID}'\\)"):
        market(node, "005")
    assert node.call(lambda: strategy.is_running)  # only the instrument stopped
    close = node.call(lambda: strategy.close_long(IID))  # closing still goes out
    node.event(OrderFilled, close, strategy)
    assert node.call(lambda: strategy.resume_instrument(IID)) == 1
    node.event(OrderFilled, market(node, "005"), strategy)
    time.sleep(1.0)  # past any backoff's first delay: the -2027 order was never resent
    assert _sent(node, limited) == [-2027] and chain_orders(node, limited) == []
    assert node.call(lambda: strategy.exec_kit_stats())["refused_restricted"] == 1
