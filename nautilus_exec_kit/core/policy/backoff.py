"""Exponential backoff with jitter, as a small value object (one job, testable alone).

Waiting is not done here: the runtime turns a delay into a time alert on the strategy clock,
so a backtest replays every retry at the same simulated instant. The jitter comes from a
``random.Random`` the caller owns (seeded per strategy), never from the global RNG.
"""

from __future__ import annotations

import random

import attrs

_MS = 1_000_000


def _positive(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be > 0, was {value}")


@attrs.frozen
class BackoffSchedule:
    """Delay before retry *n*: ``min(max, initial * factor**(n-1))``, minus up to ``jitter`` of it.

    >>> s = BackoffSchedule(initial_ms=500, max_ms=4_000, factor=2.0, max_attempts=4, jitter=0.0)
    >>> [s.delay_ns(n, random.Random(0)) for n in (1, 2, 3, 4)]
    [500000000, 1000000000, 2000000000, None]

    ``max_attempts`` counts sends, the original included: 4 means at most 3 retries.
    A venue-requested wait (``floor_ns``: Retry-After, ban end) is honoured even above ``max_ms``.
    """

    initial_ms: int = attrs.field(default=500, validator=_positive)
    max_ms: int = attrs.field(default=30_000, validator=_positive)
    factor: float = attrs.field(default=2.0)
    max_attempts: int = attrs.field(default=5, validator=_positive)
    jitter: float = attrs.field(default=0.2)

    @factor.validator
    def _check_factor(self, _: attrs.Attribute[float], value: float) -> None:
        if value < 1.0:
            raise ValueError(f"factor must be >= 1.0, was {value}")

    @jitter.validator
    def _check_jitter(self, _: attrs.Attribute[float], value: float) -> None:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"jitter must be within [0, 1], was {value}")

    def delay_ns(self, retry: int, rng: random.Random, floor_ns: int = 0) -> int | None:
        """Delay before retry number ``retry`` (1-based), or ``None`` when attempts are used up."""
        if retry < 1 or retry + 1 > self.max_attempts:
            return None
        base = min(float(self.max_ms), self.initial_ms * self.factor ** (retry - 1)) * _MS
        jittered = base * (1.0 - self.jitter * rng.random())
        return max(int(jittered), floor_ns, 1)


__all__ = ["BackoffSchedule"]
