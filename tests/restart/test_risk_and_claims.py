"""Liquidation / ADL / settlement reach ``on_risk_event``; external orders are claimed; #3104.

Real TradingNode subprocesses against the sandbox venue, Redis-backed cache.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from nautilus_exec_kit.core.positions import PositionMode
from nautilus_exec_kit.core.risk import Holding, RiskEventKind, VenueCloseLedger
from nautilus_exec_kit.core.vocab import OrderSide
from nautilus_exec_kit.live.node_config import RedisSettings
from nautilus_exec_kit.sandbox import SandboxHandle

from .conftest import API_SECRET, NodeProcess, flush_redis
from .helpers import (
    IID,
    node_net,
    node_open_ids,
    node_vs_venue,
    sandbox_config,
    venue_amount,
    venue_open_ids,
)

pytestmark = [pytest.mark.live, pytest.mark.redis]

Q = "0.004"


@pytest.mark.parametrize(
    ("action", "kind", "claims"),
    [("liquidation", "liquidation", False), ("adl", "adl", True),
     ("settlement", "settlement", False)],
)
def test_venue_closes_reach_on_risk_event(
    action: str, kind: str, claims: bool,
    redis_server: RedisSettings,
    sandbox_factory: Callable[..., SandboxHandle],
    node_factory: Callable[..., NodeProcess],
) -> None:
    flush_redis(redis_server)
    sandbox = sandbox_factory(sandbox_config())
    venue = sandbox.venue
    node = node_factory(sandbox, redis_server, claims=claims)
    node.wait_started()
    node.command(op="submit", kind="MARKET", side="BUY", qty=Q)
    node.wait_state(lambda s: node_net(s) == Decimal(Q), what="long open")

    getattr(venue.faults, action)()
    state = node.wait_state(lambda s: s["risk_events"], what=f"{kind} risk event")
    [event] = state["risk_events"]
    assert event["kind"] == kind
    assert event["side"] == "SELL"
    assert Decimal(event["qty"]) == Decimal(Q)
    assert event["replayed"] is False
    assert venue_amount(venue) == 0
    # Positions stay consistent: the node ends flat too, whoever owns the closing order.
    state = node.wait_state(lambda s: node_net(s) == 0, what="node flat after the close")
    assert node_vs_venue(state, venue, hedge=False).ok
    # ...but only in sum: Nautilus 1.231 books the close to -EXTERNAL and leaves the strategy's
    # -BOTH open. The core's ledger (what the kit's helpers read) takes the fill back off -BOTH.
    positions = {p["id"]: Decimal(p["qty"]) for p in state["positions"]}
    assert positions == {f"{IID}-BOTH": Decimal(Q), f"{IID}-EXTERNAL": -Decimal(Q)}
    assert event["position_id"] == f"{IID}-EXTERNAL"
    ledger = VenueCloseLedger()
    ledger.record_fill(event["coid"], RiskEventKind(kind), str(IID), PositionMode.ONE_WAY,
                       OrderSide[event["side"]], event["position_id"], _raw(event["qty"]))
    assert ledger.holding(_raw(Q), str(IID), "BOTH") == Holding(None, 0)
    assert API_SECRET not in node.log_text()


def _raw(qty: str) -> int:
    return int(Decimal(qty).scaleb(3))


def test_risk_event_while_node_down_is_replayed_after_restart(
    redis_server: RedisSettings,
    sandbox_factory: Callable[..., SandboxHandle],
    node_factory: Callable[..., NodeProcess],
) -> None:
    flush_redis(redis_server)
    sandbox = sandbox_factory(sandbox_config())
    venue = sandbox.venue
    first = node_factory(sandbox, redis_server, claims=True)
    first.wait_started()
    first.command(op="submit", kind="MARKET", side="BUY", qty=Q)
    first.wait_state(lambda s: node_net(s) == Decimal(Q), what="long open")
    first.kill()

    venue.faults.liquidation()
    second = node_factory(sandbox, redis_server, claims=True)
    state = second.wait_state(lambda s: s["risk_events"] and s["guard_checks"],
                              what="replayed liquidation")
    assert [e["kind"] for e in state["risk_events"]] == ["liquidation"]
    assert state["risk_events"][0]["replayed"] is True
    assert node_net(state) == venue_amount(venue) == 0
    assert state["verdict"]["mismatches"] == []


@pytest.mark.parametrize("hedge", [False, True], ids=["one_way", "hedge"])
def test_external_orders_and_positions_are_claimed_after_restart(
    hedge: bool,
    redis_server: RedisSettings,
    sandbox_factory: Callable[..., SandboxHandle],
    node_factory: Callable[..., NodeProcess],
) -> None:
    """Another app on the account opens positions and rests an order while the node is down."""
    flush_redis(redis_server)
    sandbox = sandbox_factory(sandbox_config(hedge=hedge))
    venue = sandbox.venue
    first = node_factory(sandbox, redis_server, claims=True)
    first.wait_started()
    own = first.command(op="submit", kind="LIMIT", side="BUY", qty=Q, price="44000.0",
                        pos="LONG" if hedge else "BOTH")
    first.wait_state(lambda s: own in node_open_ids(s), what="own order open")
    first.kill()

    ext = venue.faults.external_order
    if hedge:
        ext(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.005", positionSide="LONG")
        ext(symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.003", positionSide="SHORT")
    else:
        ext(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.005")
    ext(symbol="BTCUSDT", side="SELL", type="LIMIT", quantity="0.002", price="56000.0",
        timeInForce="GTC", newClientOrderId="other-app-1",
        **({"positionSide": "SHORT"} if hedge else {}))

    second = node_factory(sandbox, redis_server, claims=True)
    state = second.wait_state(
        lambda s: s["guard_checks"] >= 1 and "other-app-1" in node_open_ids(s),
        what="external order claimed",
    )
    claimed = {o["coid"]: o["strategy_id"] for o in state["orders"]}
    assert claimed["other-app-1"] == "RestartProbe-001"
    assert node_open_ids(state) == venue_open_ids(venue) == {own, "other-app-1"}
    check = node_vs_venue(state, venue, hedge=hedge)
    assert check.ok, check.describe()
    assert state["verdict"]["mismatches"] == [], state["verdict"]
    assert state["trading_state"] == "ACTIVE"
    if hedge:
        # The #3104 case: both legs present after restart, each with its own quantity.
        assert node_net(state, "LONG") == venue_amount(venue, "LONG") == Decimal("0.005")
        assert node_net(state, "SHORT") == venue_amount(venue, "SHORT") == Decimal("-0.003")
    else:
        assert node_net(state) == venue_amount(venue) == Decimal("0.005")
    # The claiming strategy can manage the claimed order.
    second.command(op="cancel", coid="other-app-1")
    second.wait_state(lambda s: "other-app-1" not in node_open_ids(s), what="claimed canceled")
    assert "other-app-1" not in venue_open_ids(venue)


@pytest.mark.parametrize("liquidated", [("LONG",), ("LONG", "SHORT")],
                         ids=["long_leg", "both_legs"])
def test_hedge_liquidation_then_restart_is_not_a_mismatch(
    liquidated: tuple[str, ...],
    redis_server: RedisSettings,
    sandbox_factory: Callable[..., SandboxHandle],
    node_factory: Callable[..., NodeProcess],
) -> None:
    """Nautilus 1.231 books each liquidation to ``-EXTERNAL`` (a SELL that closed LONG shows
    there as a SHORT) and keeps the stale leg; Redis brings both back at the restart. The guard
    counts each risk fill on the leg it closed, as ``kit_holding`` does: no false halt."""
    flush_redis(redis_server)
    sandbox = sandbox_factory(sandbox_config(hedge=True))
    venue = sandbox.venue
    first = node_factory(sandbox, redis_server)
    first.wait_started()
    first.command(op="submit", kind="MARKET", side="BUY", qty=Q, pos="LONG")
    first.command(op="submit", kind="MARKET", side="SELL", qty="0.003", pos="SHORT")
    first.wait_state(lambda s: node_net(s) == Decimal("0.001"), what="both legs open")
    for n, leg in enumerate(liquidated, start=1):  # one at a time: each its own autoclose ID
        venue.faults.liquidation(position_side=leg)
        first.wait_state(lambda s, n=n: len(s["risk_events"]) == n, what=f"{leg} liquidated")
    first.kill()

    second = node_factory(sandbox, redis_server)
    state = second.wait_state(lambda s: s["guard_checks"] >= 1, what="start-up check")
    stale = {p["id"] for p in state["positions"]}
    assert {f"{IID}-LONG", f"{IID}-EXTERNAL"} <= stale  # what the node holds: the stale legs
    assert state["verdict"]["mismatches"] == [], state["verdict"]
    assert state["trading_state"] == "ACTIVE"
    short = Decimal(0) if "SHORT" in liquidated else Decimal("-0.003")
    assert venue_amount(venue, "LONG") == 0 and venue_amount(venue, "SHORT") == short
