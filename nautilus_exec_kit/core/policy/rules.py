"""The error policy's timing rules: how long a backoff waits, when a halt ends, which rejects
count towards the circuit breaker and which close the gate for every order.

Why here: each binding has its own runtime (Nautilus 1's and 2's orders, events and clocks
differ), but a reject must lead to the same decision at the same instant on both, so the
arithmetic lives once.
"""

from __future__ import annotations

import random
from typing import Final

from nautilus_exec_kit.core.policy.codes import ADAPTER_RETRIED_CODES, ErrorCategory
from nautilus_exec_kit.core.policy.reasons import RejectReason
from nautilus_exec_kit.core.policy.table import ErrorPolicy

MS: Final = 1_000_000

#: Rejects that do not count towards the circuit breaker (routine, not failures).
BREAKER_IGNORES: Final = frozenset({ErrorCategory.WOULD_TAKE, ErrorCategory.NOT_FOUND})
#: Categories whose limit is account-wide: every send waits, not just the rejected one.
GLOBAL_COOLDOWN: Final = frozenset({ErrorCategory.RATE_LIMIT})


def backoff_delay_ns(
    policy: ErrorPolicy, reason: RejectReason, attempt: int, rng: random.Random,
) -> tuple[int | None, int]:
    """``(delay, attempts spent)`` before resending a chain rejected at ``attempt``; the delay
    is ``None`` when the schedule is used up.

    An adapter that already resent the request (``ADAPTER_RETRIED_CODES``) spent its own
    ``max_retries`` too; the venue's ``Retry-After`` is a floor.
    """
    spent = attempt
    if reason.code in ADAPTER_RETRIED_CODES:
        spent += policy.adapter_max_retries
    schedule = policy.backoff_for(reason)
    return schedule.delay_ns(spent, rng, reason.retry_after_ns or 0), spent


def reconcile_retry_delay_ns(policy: ErrorPolicy, attempt: int, rng: random.Random) -> int | None:
    """The delay before resending an order the venue turned out not to have."""
    schedule = policy.backoff.get(ErrorCategory.UNKNOWN_STATUS, policy.default_backoff)
    return schedule.delay_ns(attempt, rng)


def halt_until_ns(policy: ErrorPolicy, reason: RejectReason, now_ns: int) -> int:
    """When a halt ends: the ban's end the venue named, else its ``Retry-After``, else the
    policy's default ban; at least a millisecond from now."""
    if reason.banned_until_ms is not None:
        until = reason.banned_until_ms * MS
    elif reason.retry_after_ns is not None:
        until = now_ns + reason.retry_after_ns
    else:
        until = now_ns + policy.ban_default_ms * MS
    return max(until, now_ns + MS)


__all__ = [
    "BREAKER_IGNORES",
    "GLOBAL_COOLDOWN",
    "backoff_delay_ns",
    "halt_until_ns",
    "reconcile_retry_delay_ns",
]
