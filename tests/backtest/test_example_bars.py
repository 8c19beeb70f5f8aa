"""The one-way example trades on bars (NautilusTrader 1.231): the protective orders of every
flip match the oracle of tests/bar_cases.py, as its v2 twin's do (tests/v2)."""

from __future__ import annotations

from decimal import Decimal

from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import OrderType
from nautilus_trader.model.objects import Price, Quantity

from strategies import OneWayTrend, OneWayTrendConfig
from tests.bar_cases import FAST, SLOW, Protection, bar_rows, expected_protections
from tests.conftest import IID, make_engine

BAR_TYPE = BarType.from_str(f"{IID}-1-MINUTE-LAST-EXTERNAL")


def test_one_way_trend_on_bars_places_the_oracles_protection() -> None:
    rows = bar_rows()
    bars = [Bar(BAR_TYPE, Price(r.open, 1), Price(r.high, 1), Price(r.low, 1), Price(r.close, 1),
                Quantity(100, 3), r.ts, r.ts) for r in rows]
    engine = make_engine()
    engine.add_data(bars)
    strategy = OneWayTrend(OneWayTrendConfig(bar_type=BAR_TYPE, fast_period=FAST,
                                             slow_period=SLOW))
    engine.add_strategy(strategy)
    engine.run()
    try:
        orders = sorted(strategy.cache.orders(), key=lambda o: (o.ts_init, o.client_order_id.value))
        stops = [o for o in orders if o.order_type == OrderType.STOP_MARKET]
        targets = [o for o in orders if o.order_type == OrderType.MARKET_IF_TOUCHED]
        placed = [
            Protection(s.side_string(), Decimal(str(s.trigger_price)),
                       Decimal(str(t.trigger_price)))
            for s, t in zip(stops, targets, strict=True)
        ]
        expected = expected_protections(rows)
        assert len(expected) >= 10
        assert placed == expected
        assert not [o for o in orders if o.status_string() in ("REJECTED", "DENIED")]
    finally:
        engine.dispose()
