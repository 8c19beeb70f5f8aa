"""kill -9 with open regular + algo orders and an open position; a new node carries on.

Each test runs real TradingNode subprocesses (Redis-backed cache) against the sandbox venue.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from nautilus_exec_kit.live.node_config import RedisSettings
from nautilus_exec_kit.live.redis import persisted_state
from nautilus_exec_kit.sandbox import SandboxHandle

from .conftest import API_SECRET, NodeProcess, flush_redis
from .helpers import (
    node_net,
    node_open_ids,
    node_order_status,
    node_vs_venue,
    sandbox_config,
    submit_posts,
    venue_amount,
    venue_open_ids,
)

pytestmark = [pytest.mark.live, pytest.mark.redis]

Q = "0.003"


def test_sigkill_with_open_orders_and_position_then_restart_carries_on(
    redis_server: RedisSettings,
    sandbox_factory: Callable[..., SandboxHandle],
    node_factory: Callable[..., NodeProcess],
) -> None:
    flush_redis(redis_server)
    sandbox = sandbox_factory(sandbox_config())
    venue = sandbox.venue
    first = node_factory(sandbox, redis_server)
    first.wait_started()

    market = first.command(op="submit", kind="MARKET", side="BUY", qty=Q)
    limit = first.command(op="submit", kind="LIMIT", side="BUY", qty=Q, price="45000.0")
    stop = first.command(op="submit", kind="STOP_MARKET", side="SELL", qty=Q, trigger="40000.0")
    first.wait_state(
        lambda s: node_order_status(s, limit) == "ACCEPTED"
        and node_order_status(s, stop) == "ACCEPTED"
        and node_net(s) == Decimal(Q),
        what="orders accepted and position open",
    )
    assert venue_amount(venue) == Decimal(Q)
    assert persisted_state(redis_server, "RESTART-001").get("orders", 0) >= 3

    first.kill()

    second = node_factory(sandbox, redis_server)
    state = second.wait_state(
        lambda s: s["guard_checks"] >= 1 and {limit, stop} <= node_open_ids(s),
        what="second node reconciled",
    )
    # Same orders open (no more, no fewer), same position, venue agrees, nothing resubmitted.
    assert node_open_ids(state) == venue_open_ids(venue) == {limit, stop}
    assert node_net(state) == venue_amount(venue) == Decimal(Q)
    assert state["verdict"]["mismatches"] == [], state["verdict"]
    assert node_vs_venue(state, venue, hedge=False).ok
    assert state["trading_state"] == "ACTIVE"
    for coid in (market, limit, stop):
        assert submit_posts(venue, coid) == 1, coid
    assert node_order_status(state, market) == "FILLED"

    # The strategy carries on: it owns the recovered orders (cancels reach the venue) and its
    # new client order ids do not collide with the old ones.
    second.command(op="cancel_all")
    second.wait_state(lambda s: not node_open_ids(s), what="recovered orders canceled")
    assert venue_open_ids(venue) == set()
    close = second.command(op="submit", kind="MARKET", side="SELL", qty=Q)
    assert close not in (market, limit, stop)
    second.wait_state(lambda s: node_net(s) == 0, what="position closed")
    assert venue_amount(venue) == 0
    assert submit_posts(venue, close) == 1

    for node in (first, second):
        assert API_SECRET not in node.log_text()
