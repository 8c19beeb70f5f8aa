"""The v2 one-way example trades on bars: the protective orders of every flip match the oracle of
tests/bar_cases.py, as the v1 twin's do (tests/backtest/test_example_bars.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nautilus_trader import model as nt

from nautilus_exec_kit.v2.backtest import mark_simulated
from strategies.v2 import OneWayTrend, OneWayTrendConfig
from tests.bar_cases import FAST, SLOW, Protection, bar_rows, expected_protections
from tests.v2.conftest import IID, make_engine

BAR_TYPE = nt.BarType.from_str(f"{IID}-1-MINUTE-LAST-EXTERNAL")


def test_one_way_trend_on_bars_places_the_oracles_protection() -> None:
    rows = bar_rows()
    volume = nt.Quantity.from_str("100.000")
    bars = [nt.Bar(BAR_TYPE, nt.Price(r.open, 1), nt.Price(r.high, 1), nt.Price(r.low, 1),
                   nt.Price(r.close, 1), volume, r.ts, r.ts) for r in rows]
    engine: Any = make_engine()
    engine.add_data(bars)
    strategy = OneWayTrend(OneWayTrendConfig(bar_type=BAR_TYPE, fast_period=FAST,
                                             slow_period=SLOW))
    engine.add_strategy(strategy)
    mark_simulated(strategy)
    engine.run()
    try:
        orders = sorted(strategy.cache.orders(),
                        key=lambda o: (o.ts_init, str(o.client_order_id)))
        stops = [o for o in orders if o.order_type.name == "STOP_MARKET"]
        targets = [o for o in orders if o.order_type.name == "MARKET_IF_TOUCHED"]
        placed = [
            Protection(s.side.name, Decimal(str(s.trigger_price)),
                       Decimal(str(t.trigger_price)))
            for s, t in zip(stops, targets, strict=True)
        ]
        expected = expected_protections(rows)
        assert len(expected) >= 10
        assert placed == expected
        assert not [o for o in orders if o.status.name in ("REJECTED", "DENIED")]
    finally:
        engine.dispose()
