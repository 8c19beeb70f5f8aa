"""The example strategies trade on a synthetic random walk, in their position modes."""

from __future__ import annotations

import pytest
from nautilus_trader.model.enums import OrderStatus, OrderType

from nautilus_exec_kit.backtest.rejects import RejectInjector
from strategies import HedgePair, HedgePairConfig, OneWayTrend, OneWayTrendConfig
from tests.conftest import IID, make_engine, random_walk_quotes

#: A rate limit on the first entry: the policy queues what is sent during the backoff.
BACKOFF = "-1003@type=market,nth=1,retry_after=5"
#: An unknown outcome on the first entry: the policy reconciles, then resends it.
RECONCILE = "-1007@type=market,nth=1"

def test_one_way_trend_trades_and_stays_protected() -> None:
    engine = make_engine()
    engine.add_data(random_walk_quotes(4_000))
    strategy = OneWayTrend(OneWayTrendConfig(fast_period=30, slow_period=120))
    engine.add_strategy(strategy)
    engine.run()
    try:
        orders = strategy.cache.orders()
        fills = [o for o in orders if o.status == OrderStatus.FILLED]
        assert len([o for o in fills if o.order_type == OrderType.MARKET]) >= 4
        assert any(o.order_type == OrderType.STOP_MARKET for o in orders)
        assert not [o for o in orders if o.status in (OrderStatus.REJECTED, OrderStatus.DENIED)]
        pids = {strategy.cache.position_id(o.client_order_id) for o in orders}
        assert pids == {strategy.kit_position_id(IID)}
        assert not strategy.cache.positions_open()  # flat after on_stop
        assert strategy.exec_kit_stats().get("emulated.close_position_resize", 0) > 0
    finally:
        engine.dispose()


def test_hedge_pair_holds_both_legs() -> None:
    engine = make_engine()
    engine.add_data(random_walk_quotes(3_000, seed=3))
    strategy = HedgePair(HedgePairConfig())
    both_open: list[bool] = []
    original = strategy.on_quote_tick

    def watch(tick):  # type: ignore[no-untyped-def]
        original(tick)
        sides = {p.side.name for p in strategy.cache.positions_open()}
        both_open.append(sides == {"LONG", "SHORT"})

    strategy.on_quote_tick = watch  # type: ignore[method-assign]
    engine.add_strategy(strategy)
    engine.run()
    try:
        assert sum(both_open) > 1_000
        closes = [o for o in strategy.cache.orders() if o.status == OrderStatus.FILLED]
        assert len(closes) > 4  # legs banked and re-opened
        assert not [o for o in strategy.cache.orders() if o.status == OrderStatus.REJECTED]
    finally:
        engine.dispose()


@pytest.mark.parametrize("spec", [BACKOFF, RECONCILE])
def test_hedge_pair_never_stacks_entries_queued_in_a_backoff(spec: str) -> None:
    """A -1003 on the first entry: the error policy backs off and queues what the strategy sends
    meanwhile. Those orders are not in the cache, so HedgePair counts them through
    ``kit_unsent_orders``; counting the cache alone it queued one entry per quote and each leg
    reached 51 times its size when the backoff ended."""
    engine = make_engine()
    engine.add_data(random_walk_quotes(3_000, seed=3))
    strategy = HedgePair(HedgePairConfig())
    peak: dict[str, float] = {"LONG": 0.0, "SHORT": 0.0}
    queued: list[int] = []
    original = strategy.on_quote_tick

    def watch(tick):  # type: ignore[no-untyped-def]
        original(tick)
        queued.append(len(strategy.kit_unsent_orders(IID)))
        for p in strategy.cache.positions_open():
            peak[p.side.name] = max(peak[p.side.name], float(p.quantity))

    strategy.on_quote_tick = watch  # type: ignore[method-assign]
    engine.add_strategy(strategy)
    RejectInjector(spec).install(engine)
    engine.run()
    try:
        assert max(queued) >= 1  # the backoff did hold orders back
        assert max(queued) <= 2  # one entry per leg, however many quotes it lasted
        assert peak == {"LONG": 0.01, "SHORT": 0.01}
    finally:
        engine.dispose()
