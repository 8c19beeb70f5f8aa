"""nautilus-exec-kit: validated, Binance-aware execution for NautilusTrader strategies.

Users import from here; modules inside the package are free to move::

    from nautilus_exec_kit import ExecKitConfig, ExecutionMixin, PositionMode

The same names work on both Nautilus generations: ``ExecutionMixin`` and ``ExecKitConfig`` come
from the binding of the installed ``nautilus_trader`` (1.231: :mod:`nautilus_exec_kit.mixin`;
2.x: :mod:`nautilus_exec_kit.v2`), everything else from the Nautilus-free core. Names resolve
on first use, so ``import nautilus_exec_kit.core`` never imports Nautilus.
"""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import TYPE_CHECKING, Any, Final

__version__ = "0.1.0"

#: Core names: ``name -> module``.
_CORE: Final[dict[str, str]] = {
    "errors": "nautilus_exec_kit.errors",
    "PROFILES": "nautilus_exec_kit.core.capabilities",
    "VenueCapabilities": "nautilus_exec_kit.core.capabilities",
    "capabilities_for": "nautilus_exec_kit.core.capabilities",
    "Action": "nautilus_exec_kit.core.policy",
    "BackoffSchedule": "nautilus_exec_kit.core.policy",
    "ErrorCategory": "nautilus_exec_kit.core.policy",
    "ErrorPolicy": "nautilus_exec_kit.core.policy",
    "PolicyDecision": "nautilus_exec_kit.core.policy",
    "RateBudget": "nautilus_exec_kit.core.policy",
    "RejectReason": "nautilus_exec_kit.core.policy",
    "parse_reason": "nautilus_exec_kit.core.policy",
    "PositionMode": "nautilus_exec_kit.core.positions",
    "MarketSnapshot": "nautilus_exec_kit.core.intent",
    "OrderIntent": "nautilus_exec_kit.core.intent",
    "OrderValidator": "nautilus_exec_kit.core.validator",
}
#: Binding names: ``name -> module`` per Nautilus generation.
_BINDINGS: Final[dict[str, dict[str, str]]] = {
    "v1": {
        "ExecKitConfig": "nautilus_exec_kit.config",
        "ExecutionMixin": "nautilus_exec_kit.mixin",
    },
    "v2": {
        "ExecKitConfig": "nautilus_exec_kit.v2.config",
        "ExecutionMixin": "nautilus_exec_kit.v2.mixin",
    },
}


def nautilus_generation() -> str:
    """``"v1"`` (NautilusTrader 1.x, Cython) or ``"v2"`` (2.x, Rust + PyO3), from the installed
    distribution's version (read without importing it)."""
    try:
        version = metadata.version("nautilus_trader")
    except metadata.PackageNotFoundError:
        raise ImportError(
            "nautilus_trader is not installed: pip install 'nautilus-exec-kit[v1]' "
            "(NautilusTrader 1.231.0) or 'nautilus-exec-kit[v2]' (2.0.0rc6); "
            "nautilus_exec_kit.core works without it",
        ) from None
    return "v2" if int(version.split(".", 1)[0]) >= 2 else "v1"


def __getattr__(name: str) -> Any:
    module = _CORE.get(name)
    if module is None:
        module = _BINDINGS[nautilus_generation()].get(name) if name in _BINDINGS["v1"] else None
    if module is None:
        raise AttributeError(f"module 'nautilus_exec_kit' has no attribute {name!r}")
    loaded = importlib.import_module(module)
    value = loaded if name == "errors" else getattr(loaded, name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # what type checkers see (the v1 binding, the default install)
    from nautilus_exec_kit import errors
    from nautilus_exec_kit.config import ExecKitConfig
    from nautilus_exec_kit.core.capabilities import PROFILES, VenueCapabilities, capabilities_for
    from nautilus_exec_kit.core.intent import MarketSnapshot, OrderIntent
    from nautilus_exec_kit.core.policy import (
        Action,
        BackoffSchedule,
        ErrorCategory,
        ErrorPolicy,
        PolicyDecision,
        RateBudget,
        RejectReason,
        parse_reason,
    )
    from nautilus_exec_kit.core.positions import PositionMode
    from nautilus_exec_kit.core.validator import OrderValidator
    from nautilus_exec_kit.mixin import ExecutionMixin

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
    "nautilus_generation",
    "parse_reason",
]
