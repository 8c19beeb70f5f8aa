"""The kit's own order-rate budget, in front of submit, so the venue never has to say -1015.

Binance USDT-M counts new orders per account: 300 per 10 s and 1200 per minute. The budget
keeps the send times of the last minute (a sliding window, like the venue's) and tells the
runtime when the next send is allowed. Whether an over-budget submit waits (queued on the
strategy clock) or is refused with :class:`~nautilus_exec_kit.errors.RateBudgetExceeded` is
``when_exhausted``.
"""

from __future__ import annotations

import bisect
from collections import deque
from typing import Literal

import attrs

_S = 1_000_000_000


def _limits_valid(_: object, __: object, value: tuple[tuple[int, int], ...]) -> None:
    if not value:
        raise ValueError("limits must name at least one (count, window_ns) pair")
    for count, window_ns in value:
        if count <= 0 or window_ns <= 0:
            raise ValueError(f"limit ({count}, {window_ns}) must have count > 0 and window > 0")


@attrs.define
class RateBudget:
    """Sliding-window order budget.

    >>> b = RateBudget.binance_futures(orders_per_10s=2, orders_per_minute=10)
    >>> b.record(0); b.record(1)
    >>> b.available_at(2) == 10 * 1_000_000_000
    True
    """

    limits: tuple[tuple[int, int], ...] = attrs.field(validator=_limits_valid)
    when_exhausted: Literal["queue", "refuse"] = "queue"
    _sends: deque[int] = attrs.field(factory=deque, init=False, repr=False)

    @classmethod
    def binance_futures(
        cls,
        orders_per_10s: int = 300,
        orders_per_minute: int = 1200,
        when_exhausted: Literal["queue", "refuse"] = "queue",
    ) -> RateBudget:
        """The Binance USDT-M order limits (``ExecKitConfig.orders_per_10s/orders_per_minute``)."""
        return cls(((orders_per_10s, 10 * _S), (orders_per_minute, 60 * _S)), when_exhausted)

    def _prune(self, now_ns: int) -> None:
        horizon = now_ns - max(window for _, window in self.limits)
        while self._sends and self._sends[0] <= horizon:
            self._sends.popleft()

    def available_at(self, now_ns: int) -> int:
        """Earliest time (>= now) at which one more send fits every limit."""
        self._prune(now_ns)
        sends = list(self._sends)
        earliest = now_ns
        for count, window_ns in self.limits:
            inside = len(sends) - bisect.bisect_right(sends, now_ns - window_ns)
            if inside >= count:
                # the send that must leave the window before one more fits
                blocker = sends[len(sends) - count]
                earliest = max(earliest, blocker + window_ns)
        return earliest

    def record(self, now_ns: int) -> None:
        """Count one send at ``now_ns``."""
        self._sends.append(now_ns)

    def used(self, now_ns: int, window_ns: int) -> int:
        """How many sends fall inside the last ``window_ns``."""
        self._prune(now_ns)
        return sum(1 for ts in self._sends if ts > now_ns - window_ns)


__all__ = ["RateBudget"]
