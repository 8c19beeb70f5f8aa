"""The example strategies trade on a synthetic random walk, in their position modes."""

from __future__ import annotations

from nautilus_trader.model.enums import OrderStatus, OrderType

from strategies import HedgePair, HedgePairConfig, OneWayTrend, OneWayTrendConfig
from tests.conftest import IID, make_engine, random_walk_quotes


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
