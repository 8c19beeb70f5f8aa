"""What both policy runtimes do with the restriction book, written once: ask it for an order of
a chain, drop a retry or queued send it refuses, report what it clears, and the public
``exit_reduce_only_mode`` / ``resume_instrument`` / ``restrictions``.

Why a base class: the v1 and v2 runtimes differ in their orders, events and chain bookkeeping,
not in this. Each runtime inherits :class:`RestrictionGate` and provides the few things named
below (its clock, its report, its side table, how a probe and a dropped chain are recorded).
Nautilus-free: orders are read by attribute (``side``, ``is_reduce_only``, ``instrument_id``,
``client_order_id``), which both generations' orders have.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any, Final

from nautilus_exec_kit.core.errors import SubmissionBlocked
from nautilus_exec_kit.core.policy.actions import Action
from nautilus_exec_kit.core.policy.reasons import RejectReason
from nautilus_exec_kit.core.policy.restrictions import (
    ACCOUNT,
    RestrictionBook,
    RestrictionKind,
    RestrictionState,
    Verdict,
    only_reduces,
    restriction_counts,
)
from nautilus_exec_kit.core.vocab import OrderSide

if TYPE_CHECKING:
    from nautilus_exec_kit.core.policy.report import PolicyReport

#: A runtime's ``_closed_until`` while its gate is shut whatever the time (orders queued, the
#: strategy stopped, a fail-fast error in raise mode, or a restriction active): every submit
#: then takes the general path.
GATE_SHUT: Final = 2**63


class RestrictionGate:
    """The restriction-book share of a policy runtime (mixed into both generations' runtimes).

    The runtime provides ``_restrictions``, ``_counts``, ``_report``, ``_queue``, ``_SIDE``
    (its order sides to the core's), ``_now()``, ``_close_gate_until()``, ``_reopen_gate()``,
    and the hooks :meth:`_start_probe` and :meth:`_drop_unattended`.
    """

    __slots__ = ()

    _restrictions: RestrictionBook
    _counts: Counter[str]
    _report: PolicyReport
    _queue: deque[Any]
    _SIDE: Mapping[Any, OrderSide]

    def _now(self) -> int:
        raise NotImplementedError

    def _close_gate_until(self, until: int) -> None:
        raise NotImplementedError

    def _reopen_gate(self) -> None:
        raise NotImplementedError

    def _start_probe(self, origin: Any) -> None:
        """The chain ``origin`` goes out as a reduce-only probe: read its answers as they come
        (the runtime's own bookkeeping; call :meth:`_probe_started` from it)."""
        raise NotImplementedError

    def _drop_unattended(self, origin: Any) -> None:
        """A retry or queued send of the chain ``origin`` was refused: close the chain."""

    def _restrictions_changed(self) -> None:
        """The active restrictions or probes changed (v2: whether it reads venue answers)."""

    # -- public -------------------------------------------------------------------------------

    def exit_reduce_only_mode(self, instrument_id: str | None = None) -> list[RestrictionState]:
        """End reduce-only mode now (``instrument_id``: that instrument's only, ``"account"``:
        the account-wide one; ``None``: every one), as the strategy's decision: orders that
        increase exposure go out again. Returns the cleared states (also reported)."""
        return self._clear(RestrictionKind.REDUCE_ONLY, instrument_id, "exit_reduce_only_mode()")

    def resume_instrument(self, instrument_id: str | None = None) -> list[RestrictionState]:
        """Trade a stopped instrument again (``None``: every stopped one). Returns the cleared
        states (also reported)."""
        return self._clear(RestrictionKind.STOPPED, instrument_id, "resume_instrument()")

    @property
    def restrictions(self) -> tuple[RestrictionState, ...]:
        """The active reduce-only modes and instrument stops (account first)."""
        return self._restrictions.states(self._now())

    def restriction_counts(self) -> dict[str, int]:
        """``reduce_only_mode``, ``instruments_stopped``, ``refused_restricted`` (the mixin's
        ``exec_kit_stats()``)."""
        return restriction_counts(self.restrictions, self._counts["refused_restricted"])

    # -- the runtime's general path --------------------------------------------------------------

    def _enter_restriction(
        self, action: Action, reason: RejectReason, instrument: str | None, origin: Hashable,
        now: int,
    ) -> str:
        """Put on the restriction a reject means (reported when new, or when the probe itself
        was refused); shut the gate while any is active. Returns the decision's note."""
        state = self._restrictions.enter(action, reason, instrument, origin, now)
        if self._restrictions:
            self._close_gate_until(GATE_SHUT)  # every order meets the restriction book
        if state is not None:
            self._counts["restrictions_entered"] += 1
            self._report.restriction(state)
        current = next(
            (s for s in self._restrictions.states(now) if s.scope in (instrument, ACCOUNT)), None,
        )
        return "dropped, not resent; " + (current.describe() if current else "")

    def _restriction_verdict(
        self, order: Any, position_id: Any, params: Mapping[str, Any] | None, origin: Hashable,
        now: int,
    ) -> Verdict | SubmissionBlocked:
        """The book's answer for one order of the chain ``origin``."""
        side = self._SIDE[order.side]
        reduces = only_reduces(
            side,
            order.is_reduce_only,
            bool(params and params.get("close_position")),
            position_id.value if position_id is not None else None,
        )
        return self._restrictions.admit(
            order.instrument_id.value, side, reduces, origin, now, order.client_order_id.value,
        )

    def _admit_unattended(
        self, order: Any, position_id: Any, params: Mapping[str, Any] | None, origin: Hashable,
        now: int, what: str,
    ) -> bool:
        """A retry or queued send meets the book: True to send it; a refused one is dropped
        (:meth:`_drop_unattended`) and logged, never raised (no call site to raise at)."""
        verdict = self._restriction_verdict(order, position_id, params, origin, now)
        if isinstance(verdict, SubmissionBlocked):
            self._counts["refused_restricted"] += 1
            self._drop_unattended(origin)
            self._report.warning(f"[policy] {what} of {origin} dropped: {verdict}")
            return False
        if verdict is Verdict.PROBE:
            self._start_probe(origin)
        return True

    def _probe_started(self, origin: Any) -> None:
        self._counts["probes_sent"] += 1
        self._restrictions_changed()
        self._report.warning(f"[policy] {origin} goes out as a probe of reduce-only mode")

    def _settle_probe(self, origin: Hashable, *, passed: bool) -> None:
        """The probe chain ``origin`` ended (``passed``: the venue took it)."""
        self._report_cleared(self._restrictions.settle_probe(origin, passed, self._now()))
        self._restrictions_changed()

    def _clear(
        self, kind: RestrictionKind, scope: str | None, by: str,
    ) -> list[RestrictionState]:
        cleared = self._restrictions.clear(kind, scope, self._now(), by)
        self._report_cleared(cleared)
        self._restrictions_changed()
        return cleared

    def _report_cleared(self, cleared: list[RestrictionState]) -> None:
        for state in cleared:
            self._counts["restrictions_cleared"] += 1
            self._report.restriction(state)
        if cleared and not self._restrictions and not self._queue:
            self._reopen_gate()


__all__ = ["GATE_SHUT", "RestrictionGate"]
