"""The error policy's decisions: parse rejects, map them to actions, back off, budget, break.

Nautilus-free; the runtime that applies them to a strategy's order events is per binding.
"""

from nautilus_exec_kit.core.policy.actions import Action, EventKind, PolicyDecision
from nautilus_exec_kit.core.policy.backoff import BackoffSchedule
from nautilus_exec_kit.core.policy.breaker import BreakerState, BreakerStatus, CircuitBreaker
from nautilus_exec_kit.core.policy.budget import RateBudget
from nautilus_exec_kit.core.policy.codes import BINANCE_CODES, ErrorCategory
from nautilus_exec_kit.core.policy.reasons import ReasonSource, RejectReason, parse_reason
from nautilus_exec_kit.core.policy.restrictions import RestrictionKind, RestrictionState
from nautilus_exec_kit.core.policy.table import ErrorPolicy

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
    "RateBudget",
    "ReasonSource",
    "RejectReason",
    "RestrictionKind",
    "RestrictionState",
    "parse_reason",
]
