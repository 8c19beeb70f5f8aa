"""nautilus-exec-kit: validated, Binance-aware execution for NautilusTrader strategies.

Users import from here; modules inside the package are free to move::

    from nautilus_exec_kit import ExecKitConfig, ExecutionMixin, PositionMode
"""

from nautilus_exec_kit import errors
from nautilus_exec_kit.capabilities import PROFILES, VenueCapabilities, capabilities_for
from nautilus_exec_kit.config import ExecKitConfig
from nautilus_exec_kit.mixin import ExecutionMixin
from nautilus_exec_kit.policy import (
    Action,
    BackoffSchedule,
    ErrorCategory,
    ErrorPolicy,
    PolicyDecision,
    RateBudget,
    RejectReason,
    parse_reason,
)
from nautilus_exec_kit.positions import PositionMode
from nautilus_exec_kit.validation import MarketSnapshot, OrderIntent, OrderValidator

__version__ = "0.1.0"

__all__ = [
    "PROFILES",
    "Action",
    "BackoffSchedule",
    "ErrorCategory",
    "ErrorPolicy",
    "ExecKitConfig",
    "ExecutionMixin",
    "MarketSnapshot",
    "OrderIntent",
    "OrderValidator",
    "PolicyDecision",
    "PositionMode",
    "RateBudget",
    "RejectReason",
    "VenueCapabilities",
    "__version__",
    "capabilities_for",
    "errors",
    "parse_reason",
]
