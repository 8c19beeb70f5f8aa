"""One symbol's funding schedule: when it funds next, at which rate, and what it settled.

The venue's clock is real time, so a funding time is a wall-clock instant: the multiples of the
symbol's interval since the epoch (Binance's 00:00 / 08:00 / 16:00 UTC for 8 h). What a position
pays at a funding time is the core's :func:`~nautilus_exec_kit.core.perpetuals.funding_payment`;
this module only keeps the schedule and the history ``fundingRate`` serves.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from nautilus_exec_kit.sandbox._config import FundingSpec


@attrs.frozen
class FundingEvent:
    """One settled funding time: ``GET /fapi/v1/fundingRate``'s row."""

    time: int
    rate: Decimal
    mark: Decimal


@attrs.define
class FundingClock:
    """The funding times of one symbol, the rate each one settles at, and the settled ones."""

    spec: FundingSpec
    #: The next scheduled funding time (ms).
    next_time: int
    #: Settled funding times, oldest first.
    history: list[FundingEvent] = attrs.field(factory=list)

    @classmethod
    def starting(cls, spec: FundingSpec, now_ms: int) -> FundingClock:
        return cls(spec, spec.next_time(now_ms))

    @property
    def next_rate(self) -> Decimal:
        """The rate the next settlement charges (premiumIndex ``lastFundingRate``, the mark
        price stream's ``r``): the series' entry after the ones already settled."""
        return self.spec.rate(len(self.history))

    def is_due(self, now_ms: int) -> bool:
        return now_ms >= self.next_time

    def settle(self, at_ms: int, mark: Decimal, now_ms: int, *, scheduled: bool) -> FundingEvent:
        """Record a settlement at ``at_ms``; a scheduled one moves the clock to the next funding
        time after ``now_ms`` (times the venue was not running for are not settled)."""
        event = FundingEvent(at_ms, self.next_rate, mark)
        self.history.append(event)
        if scheduled:
            self.next_time = self.spec.next_time(now_ms)
        return event

    def rows(self, start: int | None, end: int | None, limit: int,
             before_start_mark: Decimal) -> list[FundingEvent]:
        """``fundingRate`` history in [start, end]: the settled times, preceded by the times
        before the venue started at the series' first rate (Binance has years of history; a
        client asking for the last ``limit`` gets ``limit`` rows). Oldest first; with ``start``
        the first ``limit`` from it, otherwise the last ``limit``."""
        period = self.spec.period_ms
        first_settled = self.history[0].time if self.history else self.next_time
        end = end if end is not None else 2**62
        low = start if start is not None else first_settled - limit * period
        low = -(-low // period) * period
        high = min(first_settled - period, end)
        high -= high % period
        times = range(low, high + 1, period)
        times = times[:limit] if start is not None else times[-limit:]
        rate = self.spec.rate(0)
        rows = [FundingEvent(t, rate, before_start_mark) for t in times]
        rows += [e for e in self.history
                 if e.time <= end and (start is None or e.time >= start)]
        return rows[:limit] if start is not None else rows[-limit:]
