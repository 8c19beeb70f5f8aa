"""The example strategy on bars, as plain values both generations must match (no Nautilus
import): the bars, and what ``OneWayTrend`` must decide on them, computed here independently
(an EMA cross by hand, Binance's tick rounding) as an oracle.

``tests/backtest/test_example_bars.py`` runs it on NautilusTrader 1.231,
``tests/v2/test_strategies_bars.py`` on 2.x: the twins must place the same protective orders at
the same prices after the same bars.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, NamedTuple

from tests.parity_cases import random_walk_bids

START_NS: Final = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z
MINUTE_NS: Final = 60_000_000_000
FAST, SLOW, STOP_BPS, TAKE_PROFIT_BPS = 5, 20, 40, 80
TICK: Final = Decimal("0.1")


class BarRow(NamedTuple):
    open: float
    high: float
    low: float
    close: float
    ts: int  # close time (the bar's ts_event / ts_init)


def bar_rows(n: int = 600, seed: int = 11) -> list[BarRow]:
    """``n`` 1-minute bars of a random walk: each bar spans its first and last price +/- 2."""
    path = random_walk_bids(n * 5 + 1, seed=seed)
    rows = []
    for i in range(n):
        chunk = path[i * 5 : i * 5 + 6]
        o, c = chunk[0], chunk[-1]
        rows.append(BarRow(o, round(max(chunk) + 2, 1), round(min(chunk) - 2, 1), c,
                           START_NS + (i + 1) * MINUTE_NS))
    return rows


class Protection(NamedTuple):
    """One flip's protective orders: the exit side and the stop / take-profit trigger prices."""

    exit_side: str
    stop: Decimal
    take_profit: Decimal


def _ema(values: list[float], period: int) -> list[float | None]:
    alpha = 2.0 / (period + 1.0)
    out: list[float | None] = []
    value = 0.0
    for count, x in enumerate(values, start=1):
        value = x if count == 1 else alpha * x + (1.0 - alpha) * value
        out.append(value if count >= period else None)
    return out


def _on_tick(price: float) -> Decimal:
    return (Decimal(repr(price)) / TICK).to_integral_value() * TICK


def expected_protections(rows: list[BarRow]) -> list[Protection]:
    """What OneWayTrend(fast=FAST, slow=SLOW) must place on ``rows``' closes."""
    closes = [r.close for r in rows]
    trend = 0
    out = []
    for close, fast, slow in zip(closes, _ema(closes, FAST), _ema(closes, SLOW), strict=True):
        if fast is None or slow is None:
            continue
        now = 1 if fast > slow else -1
        if now == trend:
            continue
        trend = now
        out.append(Protection(
            "SELL" if now > 0 else "BUY",
            _on_tick(close * (1 - now * STOP_BPS / 10_000)),
            _on_tick(close * (1 + now * TAKE_PROFIT_BPS / 10_000)),
        ))
    return out
