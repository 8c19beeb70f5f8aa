"""The example strategies' signal, written once for both NautilusTrader generations.

Why not Nautilus' ``ExponentialMovingAverage``: the two generations seed it differently (1.231
starts from the first value, 2.x from the simple average of the first ``period`` values), so
twins built on each generation's indicator flip at different times on the same prices. The
examples are twins, so they share this EMA cross and make the same decisions by construction
(``tests/bar_cases.py`` holds an independent oracle both generations are checked against).
"""

from __future__ import annotations


class Ema:
    """An exponential moving average seeded with the first value; ready after ``period``."""

    __slots__ = ("alpha", "count", "period", "value")

    def __init__(self, period: int) -> None:
        if period < 1:
            raise ValueError(f"period must be >= 1, got {period}")
        self.period = period
        self.alpha = 2.0 / (period + 1.0)
        self.value = 0.0
        self.count = 0

    @property
    def initialized(self) -> bool:
        return self.count >= self.period

    def update(self, price: float) -> None:
        self.count += 1
        self.value = price if self.count == 1 else (
            self.alpha * price + (1.0 - self.alpha) * self.value
        )


class EmaCross:
    """Long bias while the fast EMA is above the slow one, short bias below."""

    __slots__ = ("fast", "slow", "trend")

    def __init__(self, fast_period: int, slow_period: int) -> None:
        self.fast = Ema(fast_period)
        self.slow = Ema(slow_period)
        self.trend = 0  # +1 long bias, -1 short bias, 0 unknown

    def update(self, price: float) -> int | None:
        """Feed one price; the new trend (+1 / -1) when it flips, else None."""
        self.fast.update(price)
        self.slow.update(price)
        if not self.slow.initialized:
            return None
        trend = 1 if self.fast.value > self.slow.value else -1
        if trend == self.trend:
            return None
        self.trend = trend
        return trend


__all__ = ["Ema", "EmaCross"]
