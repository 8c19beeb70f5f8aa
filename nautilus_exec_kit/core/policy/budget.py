"""The kit's own order-rate budget, in front of submit, so the venue never has to say -1015.

Binance USDT-M counts new orders per account: 300 per 10 s and 1200 per minute. The budget
keeps the send times of the last minute (a sliding window, like the venue's) and tells the
runtime when the next send is allowed. Whether an over-budget submit waits (queued on the
strategy clock) or is refused with :class:`~nautilus_exec_kit.errors.RateBudgetExceeded` is
``when_exhausted``.

It runs on every send, so it is O(1) amortised: the send times are kept in time order, so a
limit of ``count`` per ``window`` is used up exactly when the ``count``-th most recent send is
still inside the window (no scan), sends older than the longest window are dropped as it goes,
and :meth:`RateBudget.try_record` (the runtime's fast path) does a full check only once per
"headroom" of sends that certainly fit.
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


# on_setattr=NO_OP: no attrs __setattr__ hook, so the per-send counter updates are plain slot
# writes; ``limits`` is validated at construction.
@attrs.define(on_setattr=attrs.setters.NO_OP)
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
    #: The longest window: older sends can never matter again.
    _horizon_ns: int = attrs.field(default=0, init=False, repr=False)
    #: Sends that certainly fit every limit, from the last full check on: while positive,
    #: :meth:`try_record` only counts down (time never runs backwards).
    _headroom: int = attrs.field(default=0, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self._horizon_ns = max(window for _, window in self.limits)

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
        horizon = now_ns - self._horizon_ns
        sends = self._sends
        while sends and sends[0] <= horizon:
            sends.popleft()

    def available_at(self, now_ns: int) -> int:
        """Earliest time (>= now) at which one more send fits every limit."""
        sends = self._sends
        n = len(sends)
        earliest = now_ns
        for count, window_ns in self.limits:
            if n >= count:
                # the count-th most recent send: while it is inside the window the limit is
                # used up, and it is the send that must leave the window before one more fits
                free_at = sends[n - count] + window_ns
                if free_at > now_ns and free_at > earliest:
                    earliest = free_at
        return earliest

    def try_record(self, now_ns: int) -> bool:
        """Count one send at ``now_ns`` if it fits every limit now (``available_at(now_ns) ==
        now_ns``); otherwise count nothing and return False. The runtime's fast path.

        After a full check, ``min(count - sends inside the window)`` more sends certainly fit
        (a window holds at most the sends counted then plus the ones since), so the next ones
        only count down that headroom: O(1) and little memory touched per send.
        """
        if self._headroom > 0:
            self._headroom -= 1
            self._sends.append(now_ns)
            return True
        self._prune(now_ns)
        sends = self._sends
        n = len(sends)
        headroom = -1
        for count, window_ns in self.limits:
            # sends are in time order: those inside the window are the last `inside` ones
            inside = n - bisect.bisect_right(sends, now_ns - window_ns)
            if inside >= count:
                return False
            room = count - inside - 1  # after this send
            headroom = room if headroom < 0 else min(headroom, room)
        sends.append(now_ns)
        self._headroom = headroom
        return True

    def record(self, now_ns: int) -> None:
        """Count one send at ``now_ns`` (and forget the sends older than every window)."""
        if self._headroom > 0:
            self._headroom -= 1
        sends = self._sends
        sends.append(now_ns)
        if sends[0] <= now_ns - self._horizon_ns:
            self._prune(now_ns)

    def used(self, now_ns: int, window_ns: int) -> int:
        """How many sends fall inside the last ``window_ns``."""
        self._prune(now_ns)
        return sum(1 for ts in self._sends if ts > now_ns - window_ns)


__all__ = ["RateBudget"]
