"""Error policy: parse rejects, map them to actions, back off, budget, break, halt.

Public names (the package root re-exports what users need)::

    from nautilus_exec_kit.policy import ErrorPolicy, PolicyRuntime, parse_reason

See docs/error_policy.md for the default table and how to override it.
"""

from nautilus_exec_kit.core.policy.actions import Action, EventKind, PolicyDecision
from nautilus_exec_kit.core.policy.backoff import BackoffSchedule
from nautilus_exec_kit.core.policy.breaker import BreakerState, BreakerStatus, CircuitBreaker
from nautilus_exec_kit.core.policy.budget import RateBudget
from nautilus_exec_kit.core.policy.codes import BINANCE_CODES, ErrorCategory
from nautilus_exec_kit.core.policy.reasons import ReasonSource, RejectReason, parse_reason
from nautilus_exec_kit.core.policy.restrictions import RestrictionKind, RestrictionState
from nautilus_exec_kit.core.policy.table import ErrorPolicy
from nautilus_exec_kit.policy.runtime import PolicyRuntime

__all__ = [
    "BINANCE_CODES",
    "Action",
    "BackoffSchedule",
    "BreakerState",
    "BreakerStatus",
    "CircuitBreaker",
    "ErrorCategory",
    "ErrorPolicy",
    "EventKind",
    "PolicyDecision",
    "PolicyRuntime",
    "RateBudget",
    "ReasonSource",
    "RejectReason",
    "RestrictionKind",
    "RestrictionState",
    "parse_reason",
]
