"""The v2 example strategies trade the v1 suite's random walk (tests/test_mixin_strategies.py)
and pass the same checks."""

from __future__ import annotations

from typing import Any

import pytest
from nautilus_trader import model as nt

from nautilus_exec_kit.v2.backtest import add_reject_injector, mark_simulated
from strategies.v2 import HedgePair, HedgePairConfig, OneWayTrend, OneWayTrendConfig
from tests.parity_cases import random_walk_bids
from tests.v2.conftest import IID, make_engine, quotes_from_bids

_BAD = ("REJECTED", "DENIED")


#: A rate limit on the first entry: the policy queues what is sent during the backoff.
BACKOFF = "-1003@type=market,nth=1,retry_after=5"
#: An unknown outcome on the first entry: the policy reconciles, then resends it.
RECONCILE = "-1007@type=market,nth=1"

def test_one_way_trend_trades_and_stays_protected() -> None:
    engine: Any = make_engine()
    engine.add_data(quotes_from_bids(random_walk_bids(4_000)))
    strategy = OneWayTrend(OneWayTrendConfig(fast_period=30, slow_period=120))
    engine.add_strategy(strategy)
    mark_simulated(strategy)
    engine.run()
    try:
        orders = strategy.cache.orders()
        fills = [o for o in orders if o.status.name == "FILLED"]
        assert len([o for o in fills if o.order_type.name == "MARKET"]) >= 4
        assert any(o.order_type.name == "STOP_MARKET" for o in orders)
        assert not [o for o in orders if o.status.name in _BAD]
        pids = {str(strategy.cache.position_id(o.client_order_id)) for o in orders}
        assert pids == {str(strategy.kit_position_id(IID))}
        assert not strategy.cache.positions_open()  # flat after on_stop
        assert strategy.exec_kit_stats().get("emulated.close_position_resize", 0) > 0
    finally:
        engine.dispose()


def test_hedge_pair_holds_both_legs() -> None:
    engine: Any = make_engine()
    engine.add_data(quotes_from_bids(random_walk_bids(3_000, seed=3)))
    strategy = HedgePair(HedgePairConfig())
    both_open: list[bool] = []
    original = strategy.on_quote

    def watch(quote: nt.QuoteTick) -> None:
        original(quote)
        sides = {p.side.name for p in strategy.cache.positions_open()}
        both_open.append(sides == {"LONG", "SHORT"})

    strategy.on_quote = watch
    engine.add_strategy(strategy)
    mark_simulated(strategy)
    engine.run()
    try:
        assert sum(both_open) > 1_000
        orders = strategy.cache.orders()
        assert len([o for o in orders if o.status.name == "FILLED"]) > 4
        assert not [o for o in orders if o.status.name in _BAD]
        assert {str(p.id) for p in strategy.cache.positions()} == {
            f"{IID}-LONG", f"{IID}-SHORT",
        }
    finally:
        engine.dispose()


@pytest.mark.parametrize("spec", [BACKOFF, RECONCILE])
def test_hedge_pair_never_stacks_entries_queued_in_a_backoff(spec: str) -> None:
    """The v1 twin's test: a -1003 on the first entry; the orders the policy queues meanwhile
    are counted through ``kit_unsent_orders``, so each leg stays at its size."""
    engine: Any = make_engine()
    engine.add_data(quotes_from_bids(random_walk_bids(3_000, seed=3)))
    strategy = HedgePair(HedgePairConfig())
    peak: dict[str, float] = {"LONG": 0.0, "SHORT": 0.0}
    queued: list[int] = []
    original = strategy.on_quote

    def watch(quote: nt.QuoteTick) -> None:
        original(quote)
        queued.append(len(strategy.kit_unsent_orders(IID)))
        for p in strategy.cache.positions_open():
            peak[p.side.name] = max(peak[p.side.name], float(p.quantity))

    strategy.on_quote = watch
    engine.add_strategy(strategy)
    mark_simulated(strategy)
    add_reject_injector(engine, strategy, spec)
    engine.run()
    try:
        assert max(queued) >= 1
        assert max(queued) <= 2
        assert peak == {"LONG": 0.01, "SHORT": 0.01}
    finally:
        engine.dispose()
