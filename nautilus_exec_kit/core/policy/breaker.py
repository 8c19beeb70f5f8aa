"""Circuit breaker: N policy failures within a window halt submissions for a while.

Why: a strategy whose every order is rejected (a bad deploy, a venue outage the codes do not
describe) should stop hammering the venue on its own, and tell its author. The runtime calls
``on_circuit_breaker(state)`` on the strategy when the breaker opens and when it closes again.
"""

from __future__ import annotations

import enum
from collections import deque

import attrs

_S = 1_000_000_000


class BreakerStatus(enum.StrEnum):
    """Whether submissions flow (closed) or are refused (open)."""

    CLOSED = "closed"
    OPEN = "open"


@attrs.frozen
class BreakerState:
    """What the ``on_circuit_breaker`` hook receives."""

    status: BreakerStatus
    failures: int
    ts_ns: int
    until_ns: int | None = None


@attrs.define
class CircuitBreaker:
    """Opens after ``threshold`` failures within ``window_ns``; stays open ``halt_ns``.

    >>> b = CircuitBreaker(threshold=2, window_ns=10, halt_ns=100)
    >>> b.record_failure(0), b.record_failure(5), b.is_open(50), b.is_open(105)
    (False, True, True, False)
    """

    threshold: int = 10
    window_ns: int = 60 * _S
    halt_ns: int = 60 * _S
    _failures: deque[int] = attrs.field(factory=deque, init=False, repr=False)
    _open_until_ns: int | None = attrs.field(default=None, init=False)
    trips: int = attrs.field(default=0, init=False)

    def __attrs_post_init__(self) -> None:
        if self.threshold <= 0 or self.window_ns <= 0 or self.halt_ns <= 0:
            raise ValueError(
                f"CircuitBreaker needs threshold, window_ns and halt_ns > 0, got "
                f"{self.threshold}, {self.window_ns}, {self.halt_ns}"
            )

    @property
    def open_until_ns(self) -> int | None:
        """End of the current halt, or ``None`` when closed."""
        return self._open_until_ns

    def is_open(self, now_ns: int) -> bool:
        """True while the halt lasts; closes itself (and forgets old failures) afterwards."""
        if self._open_until_ns is not None and now_ns >= self._open_until_ns:
            self._open_until_ns = None
            self._failures.clear()
        return self._open_until_ns is not None

    def record_failure(self, now_ns: int) -> bool:
        """Count a failure; True when this one opened the breaker."""
        if self.is_open(now_ns):
            return False
        self._failures.append(now_ns)
        while self._failures and self._failures[0] <= now_ns - self.window_ns:
            self._failures.popleft()
        if len(self._failures) >= self.threshold:
            self._open_until_ns = now_ns + self.halt_ns
            self.trips += 1
            return True
        return False

    def state(self, now_ns: int) -> BreakerState:
        """A snapshot for the hook and for stats."""
        status = BreakerStatus.OPEN if self.is_open(now_ns) else BreakerStatus.CLOSED
        return BreakerState(status, len(self._failures), now_ns, self._open_until_ns)


__all__ = ["BreakerState", "BreakerStatus", "CircuitBreaker"]
