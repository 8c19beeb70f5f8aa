"""Where the error policy's decisions go: kept (the latest ones), logged at their level, and
handed to the author's hooks (``on_policy_decision``, ``on_circuit_breaker``,
``on_trading_restriction``).

Why here: both bindings' runtimes report the same decisions the same way; only how they reach
the strategy's logger differs (the caller passes it). Nothing here raises: a logger or hook
that fails must not abort a backtest or a node.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Final

from nautilus_exec_kit.core.policy.actions import Action, PolicyDecision
from nautilus_exec_kit.core.policy.restrictions import RestrictionState

#: How many decisions a runtime keeps (``decisions``), oldest dropped first.
MAX_DECISIONS_KEPT: Final = 10_000
#: Decisions logged as errors (the strategy stops sending); the others are warnings.
_ERROR_ACTIONS: Final = frozenset({Action.FAIL_FAST, Action.HALT})


class PolicyReport:
    """One strategy's decision log; ``logger()`` returns the strategy's logger (read on each
    line: a binding may bind it after the runtime is built)."""

    __slots__ = ("_logger", "_strategy", "decisions")

    def __init__(self, strategy: Any, logger: Callable[[], Any]) -> None:
        self._strategy = strategy
        self._logger = logger
        #: The latest decisions, oldest first.
        self.decisions: deque[PolicyDecision] = deque(maxlen=MAX_DECISIONS_KEPT)

    def decide(self, decision: PolicyDecision) -> None:
        """Keep, log and hand on one decision."""
        self.decisions.append(decision)
        line = (
            f"[policy] {decision.action.value.upper()} {decision.kind.value} "
            f"{decision.client_order_id} (chain {decision.original_client_order_id}, "
            f"attempt {decision.attempt}) reason={decision.reason.key} "
            f"category={decision.reason.category.value}: {decision.note}"
        )
        if decision.action in _ERROR_ACTIONS:
            self.error(line)
        else:
            self.warning(line)
        self.call_hook("on_policy_decision", decision)

    def restriction(self, state: RestrictionState) -> None:
        """A trading restriction began, changed (a refused probe) or ended: one log line (an
        error while it lasts: the strategy cannot open positions there), then the author's
        ``on_trading_restriction(state)``."""
        line = f"[policy] {state.describe()}"
        if state.active:
            self.error(line)
        else:
            self.warning(line)
        self.call_hook("on_trading_restriction", state)

    def call_hook(self, name: str, value: object) -> None:
        """Call the author's ``name(value)`` if the strategy has it; log what it raises."""
        hook = getattr(self._strategy, name, None)
        if hook is None:
            return
        try:
            hook(value)
        except Exception as error:
            self.error(f"[policy] {name} hook raised {error!r} (ignored)")

    def never_sent(self, client_order_ids: Iterable[object]) -> None:
        """One warning per order the runtime dropped when the strategy stopped (its
        ``drop_unsent``): held back (a backoff, the rate budget, a scheduled retry or a
        reconcile), it never reached the venue."""
        for client_order_id in client_order_ids:
            self.warning(
                f"exec-kit: {client_order_id} was still held by the error policy (backoff, rate "
                "budget, a scheduled retry or a reconcile) when the strategy stopped: never sent"
            )

    def warning(self, message: str) -> None:
        with contextlib.suppress(Exception):
            self._logger().warning(message)

    def error(self, message: str) -> None:
        with contextlib.suppress(Exception):
            self._logger().error(message)


__all__ = ["MAX_DECISIONS_KEPT", "PolicyReport"]
