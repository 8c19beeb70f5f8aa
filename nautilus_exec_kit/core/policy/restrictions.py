"""Trading restrictions the venue puts on the account or on one symbol, and the gate they imply.

Binance sometimes stops taking orders that open or increase a position, while still taking the
ones that reduce it: -4400 ("Futures Trading Quantitative Rules violated, only reduceOnly order
is allowed, please try again later"), -4087 / -4088 / -4192 on the whole account, -4401, -4105,
-4189 on one symbol (-4106 / -4107 on one side of it). And it stops trading a symbol: -4140
("Invalid symbol status for opening position"), -4141 ("Symbol is closed"), -4402, -5024.

Skipping each rejected order (what an unclassified code gets) keeps hammering the venue with
orders it refuses, one reject per signal, and tells the strategy nothing. What a quant expects
instead, and what :class:`RestrictionBook` decides on plain values for both bindings:

* **Reduce-only mode** (:attr:`RestrictionKind.REDUCE_ONLY`, action ``reduce_only``). The
  scope is the account (:data:`ACCOUNT`) or the rejected order's instrument
  (:data:`INSTRUMENT_SCOPED` categories), one side of it for -4106 / -4107. While it lasts, the
  runtime's gate refuses locally, with :class:`~nautilus_exec_kit.errors.ReduceOnlyModeActive`,
  every order that could increase exposure there; orders that can only reduce a position
  (:func:`only_reduces`: ``reduce_only``, ``close_position``, or in hedge mode SELL on the LONG
  leg / BUY on the SHORT leg) still go out.
  It ends (a) when a **probe** passes: ``probe_ns`` after the mode began (the policy's
  ``reduce_only_probe_ms``, on the strategy clock), the next order that would increase exposure
  is let through, one at a time; if the venue takes it (any first answer: accepted, filled,
  canceled, expired) the mode is cleared; if the venue refuses it with a restriction code
  again, the wait doubles (up to ``probe_max_ns``); if it is refused for another reason (margin,
  rate limit ...) nothing was learnt and the next such order probes at once; (b) when the
  strategy calls ``exit_reduce_only_mode()``. Only an order sent after the mode began can clear
  it: the answer to an order sent before says nothing about the restriction.
* **Instrument stop** (:attr:`RestrictionKind.STOPPED`, action ``stop_instrument``): always
  the rejected order's instrument. Orders on it that could increase exposure are refused with
  :class:`~nautilus_exec_kit.errors.InstrumentStopped`; closing orders still go out (a position
  on a symbol being delisted must still be closable; the venue decides). A symbol's status does
  not come back within minutes, so there is no probe: ``resume_instrument(...)`` ends it.

Every time is the caller's strategy-clock time, so a backtest decides the same at the same
instant every run. Nothing here imports Nautilus; the runtimes keep the book and ask it.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable
from typing import Final

import attrs

from nautilus_exec_kit.core.errors import InstrumentStopped, ReduceOnlyModeActive
from nautilus_exec_kit.core.policy.actions import Action
from nautilus_exec_kit.core.policy.codes import ErrorCategory
from nautilus_exec_kit.core.policy.reasons import RejectReason
from nautilus_exec_kit.core.positions import CLOSING_SIDE, LEG_SIDE
from nautilus_exec_kit.core.vocab import OrderSide

#: The scope name of an account-wide restriction.
ACCOUNT: Final = "account"


class RestrictionKind(enum.StrEnum):
    """What a restriction allows: reduce-only orders (probed), or nothing new (stopped)."""

    REDUCE_ONLY = "reduce_only"
    STOPPED = "stopped"


#: The restriction each action puts on.
KIND_OF_ACTION: Final = {
    Action.REDUCE_ONLY: RestrictionKind.REDUCE_ONLY,
    Action.STOP_INSTRUMENT: RestrictionKind.STOPPED,
}
#: Categories whose reduce-only mode applies to the rejected order's instrument only (any other
#: category mapped to ``reduce_only`` restricts the account; ``stop_instrument`` is always one
#: instrument).
INSTRUMENT_SCOPED: Final = frozenset(
    {ErrorCategory.SYMBOL_REDUCE_ONLY, ErrorCategory.SYMBOL_STATUS},
)
_BOTH: Final = frozenset({OrderSide.BUY, OrderSide.SELL})
#: Codes that restrict one side of a symbol only ("buy order can only works with reduce-only").
RESTRICTED_SIDE: Final = {-4106: frozenset({OrderSide.BUY}), -4107: frozenset({OrderSide.SELL})}
#: First venue answers that show the venue took a probe (the restriction is gone).
PROBE_PASSED: Final = frozenset({"accepted", "filled", "canceled", "expired", "placed"})


def only_reduces(
    side: OrderSide, reduce_only: bool, close_position: bool, position_id: str | None,
) -> bool:
    """Whether an order can only reduce a position: reduce-only, close-position, or in hedge
    mode a SELL on the ``-LONG`` leg / a BUY on the ``-SHORT`` leg (Binance takes those as
    closes; the adapter sends no reduceOnly there)."""
    if reduce_only or close_position:
        return True
    if position_id is None:
        return False
    leg = LEG_SIDE.get(position_id.rpartition("-")[2])
    return leg is not None and CLOSING_SIDE[leg] is side


def scope_text(instrument_id: object) -> str | None:
    """A scope name from an instrument ID of either generation, its text, or ``"account"``
    (``None`` stays ``None``: every scope)."""
    if instrument_id is None:
        return None
    return str(getattr(instrument_id, "value", instrument_id))


def restriction_counts(
    states: tuple[RestrictionState, ...], refused: int,
) -> dict[str, int]:
    """The restriction counters of ``exec_kit_stats()``: active reduce-only modes, stopped
    instruments, and orders the kit refused for them."""
    return {
        "reduce_only_mode": sum(1 for s in states if s.kind is RestrictionKind.REDUCE_ONLY),
        "instruments_stopped": sum(1 for s in states if s.kind is RestrictionKind.STOPPED),
        "refused_restricted": refused,
    }


class Verdict(enum.Enum):
    """The gate's answer for an order that a restriction does not refuse."""

    PASS = "pass"
    PROBE = "probe"  # the order goes out as the probe of every restriction it met


@attrs.frozen
class RestrictionState:
    """A restriction as the author's ``on_trading_restriction`` hook, the log and the stats see
    it: when it began and why, what it refuses, and (reduce-only) when the next probe may go.

    ``active`` is False in the state reported when it ends; ``cleared_by`` then says how.
    """

    kind: RestrictionKind
    scope: str
    active: bool
    code: int | None
    message: str
    sides: tuple[str, ...]
    since_ns: int
    ts_ns: int
    probe_at_ns: int | None = None
    probe_interval_ns: int = 0
    probes_failed: int = 0
    refused: int = 0
    cleared_by: str | None = None

    def describe(self) -> str:
        """One line for the log."""
        where = "the account" if self.scope == ACCOUNT else self.scope
        cause = f"after {self.code} {self.message!r}"
        if not self.active:
            return f"{self.kind.value} on {where} cleared at ts={self.ts_ns}: {self.cleared_by}"
        if self.kind is RestrictionKind.STOPPED:
            return (
                f"trading {where} STOPPED since ts={self.since_ns} {cause}: orders that could "
                f"increase exposure there are refused until resume_instrument('{self.scope}')"
            )
        sides = "" if len(self.sides) == 2 else f" for {'/'.join(self.sides)} orders"
        probe = (
            f"next probe from ts={self.probe_at_ns}"
            if self.probe_at_ns is not None
            else "no automatic probe"
        )
        return (
            f"REDUCE-ONLY MODE on {where}{sides} since ts={self.since_ns} {cause}: orders that "
            f"could increase exposure are refused; {probe} (failed probes: "
            f"{self.probes_failed}), or exit_reduce_only_mode()"
        )

    def as_dict(self) -> dict[str, object]:
        """Plain values for stats."""
        return {
            "kind": self.kind.value,
            "scope": self.scope,
            "code": self.code,
            "message": self.message,
            "sides": list(self.sides),
            "since_ns": self.since_ns,
            "probe_at_ns": self.probe_at_ns,
            "probe_interval_ns": self.probe_interval_ns,
            "probes_failed": self.probes_failed,
            "refused": self.refused,
        }


@attrs.define
class _Restriction:
    kind: RestrictionKind
    scope: str
    code: int | None
    message: str
    sides: frozenset[OrderSide]
    since_ns: int
    probe_interval_ns: int
    probe_at_ns: int | None
    probing: Hashable | None = None  # the chain origin of the probe in flight
    probes_failed: int = 0
    refused: int = 0

    def state(self, now: int, *, cleared_by: str | None = None) -> RestrictionState:
        return RestrictionState(
            kind=self.kind,
            scope=self.scope,
            active=cleared_by is None,
            code=self.code,
            message=self.message,
            sides=tuple(sorted(side.name for side in self.sides)),
            since_ns=self.since_ns,
            ts_ns=now,
            probe_at_ns=self.probe_at_ns if cleared_by is None else None,
            probe_interval_ns=self.probe_interval_ns,
            probes_failed=self.probes_failed,
            refused=self.refused,
            cleared_by=cleared_by,
        )


class RestrictionBook:
    """The active restrictions of one strategy, and the gate's decision per order.

    ``bool(book)`` is False while none is active: the runtimes then keep their fast path (the
    book is never asked). ``probe_ns == 0`` turns automatic probing off.

    >>> from nautilus_exec_kit.core.policy.reasons import parse_reason
    >>> book = RestrictionBook(probe_ns=60, probe_max_ns=240)
    >>> reason = parse_reason("{'code': -4400, 'msg': 'only reduceOnly order is allowed'}")
    >>> book.enter(Action.REDUCE_ONLY, reason, "BTCUSDT-PERP.BINANCE", "O-1", 0).scope
    'account'
    >>> type(book.admit("BTCUSDT-PERP.BINANCE", OrderSide.BUY, False, "O-2", 10, "O-2")).__name__
    'ReduceOnlyModeActive'
    >>> book.admit("BTCUSDT-PERP.BINANCE", OrderSide.SELL, True, "O-3", 10, "O-3")
    <Verdict.PASS: 'pass'>
    >>> book.admit("BTCUSDT-PERP.BINANCE", OrderSide.BUY, False, "O-4", 60, "O-4")
    <Verdict.PROBE: 'probe'>
    >>> [s.cleared_by for s in book.settle_probe("O-4", True, 70)]
    ['probe O-4 taken by the venue']
    >>> bool(book)
    False
    """

    __slots__ = ("_active", "_probe_max_ns", "_probe_ns", "probes")

    def __init__(self, probe_ns: int, probe_max_ns: int) -> None:
        if probe_ns < 0 or probe_max_ns < probe_ns:
            raise ValueError(
                f"probe interval {probe_ns} ns must be >= 0 and <= its maximum {probe_max_ns} ns"
            )
        self._probe_ns = probe_ns
        self._probe_max_ns = probe_max_ns
        self._active: dict[tuple[str, RestrictionKind], _Restriction] = {}
        #: Chain origin of each probe in flight -> the restrictions it probes.
        self.probes: dict[Hashable, tuple[tuple[str, RestrictionKind], ...]] = {}

    def __bool__(self) -> bool:
        return bool(self._active)

    def enter(
        self,
        action: Action,
        reason: RejectReason,
        instrument: str | None,
        origin: Hashable | None,
        now: int,
    ) -> RestrictionState | None:
        """Put on (or confirm) the restriction a reject with ``action`` means.

        Returns the state to report when something changed: a new restriction, or the probe
        itself refused (the next probe then waits twice as long); ``None`` otherwise (an order
        sent before the mode began, refused for the same reason, says nothing new).
        """
        kind = KIND_OF_ACTION.get(action)
        if kind is None or (kind is RestrictionKind.STOPPED and not instrument):
            return None  # not a restriction, or a stop of an order the caller cannot place
        scoped = kind is RestrictionKind.STOPPED or reason.category in INSTRUMENT_SCOPED
        scope = instrument if scoped and instrument else ACCOUNT
        sides = RESTRICTED_SIDE.get(reason.code or 0, _BOTH)
        key = (scope, kind)
        restriction = self._active.get(key)
        if restriction is None:
            probing = kind is RestrictionKind.REDUCE_ONLY and self._probe_ns > 0
            restriction = _Restriction(
                kind,
                scope,
                reason.code,
                reason.message,
                sides,
                now,
                self._probe_ns,
                now + self._probe_ns if probing else None,
            )
            self._active[key] = restriction
            return restriction.state(now)
        restriction.sides |= sides
        if origin is not None and restriction.probing == origin:
            # the probe was refused for the restriction itself: it holds; wait longer
            restriction.probing = None
            restriction.probes_failed += 1
            restriction.probe_interval_ns = min(
                2 * restriction.probe_interval_ns, self._probe_max_ns,
            )
            restriction.probe_at_ns = now + restriction.probe_interval_ns
            return restriction.state(now)
        return None

    def admit(
        self,
        instrument: str,
        side: OrderSide,
        reduces: bool,
        origin: Hashable,
        now: int,
        order_text: str,
    ) -> Verdict | InstrumentStopped | ReduceOnlyModeActive:
        """The gate's answer for one order (``origin``: its chain's first order; a retry of the
        probe is the probe). The refusal is returned, not raised: the submit path raises it at
        the call site, a retry or a queued send drops the order and logs it."""
        active = self._active
        applicable = [
            restriction
            for key in (
                (instrument, RestrictionKind.STOPPED),
                (instrument, RestrictionKind.REDUCE_ONLY),
                (ACCOUNT, RestrictionKind.REDUCE_ONLY),
            )
            if (restriction := active.get(key)) is not None and side in restriction.sides
        ]
        if reduces or not applicable:
            return Verdict.PASS
        for restriction in applicable:
            if restriction.kind is RestrictionKind.STOPPED:
                restriction.refused += 1
                return self._refusal(restriction, order_text)
        if all(restriction.probing == origin for restriction in applicable):
            return Verdict.PASS  # a retry (or a queued send) of the probe in flight
        waiting = [
            restriction
            for restriction in applicable
            if restriction.probing is not None
            or restriction.probe_at_ns is None
            or now < restriction.probe_at_ns
        ]
        if waiting:
            waiting[0].refused += 1
            return self._refusal(waiting[0], order_text)
        for restriction in applicable:
            restriction.probing = origin
        self.probes[origin] = tuple((r.scope, r.kind) for r in applicable)
        return Verdict.PROBE

    def settle_probe(self, origin: Hashable, passed: bool, now: int) -> list[RestrictionState]:
        """The probe chain ``origin`` ended: ``passed`` (the venue took it, see
        :data:`PROBE_PASSED`) clears what it probed; otherwise its slot is free again (a
        refusal for the restriction itself already re-armed it in :meth:`enter`). Returns the
        states of the restrictions it cleared."""
        cleared: list[RestrictionState] = []
        for key in self.probes.pop(origin, ()):
            restriction = self._active.get(key)
            if restriction is None or restriction.probing != origin:
                continue
            restriction.probing = None
            if passed:
                del self._active[key]
                by = f"probe {origin} taken by the venue"
                cleared.append(restriction.state(now, cleared_by=by))
        return cleared

    def clear(
        self, kind: RestrictionKind, scope: str | None, now: int, by: str,
    ) -> list[RestrictionState]:
        """End the restrictions of ``kind`` on ``scope`` (an instrument ID or :data:`ACCOUNT`;
        ``None``: every scope) at the strategy's request; their states, cleared."""
        keys = [
            key for key in self._active
            if key[1] is kind and (scope is None or key[0] == scope)
        ]
        cleared = []
        for key in keys:
            restriction = self._active.pop(key)
            self.probes.pop(restriction.probing, None)
            cleared.append(restriction.state(now, cleared_by=by))
        return cleared

    def states(self, now: int) -> tuple[RestrictionState, ...]:
        """Every active restriction, account first."""
        return tuple(
            restriction.state(now)
            for _, restriction in sorted(
                self._active.items(), key=lambda item: (item[0][0] != ACCOUNT, item[0]),
            )
        )

    def _refusal(
        self, restriction: _Restriction, order_text: str,
    ) -> InstrumentStopped | ReduceOnlyModeActive:
        where = "the account" if restriction.scope == ACCOUNT else restriction.scope
        cause = f"since ts={restriction.since_ns} after {restriction.code} {restriction.message!r}"
        reducing = (
            "reduce_only=True (one-way mode), close_position=True, close_long / close_short / "
            "close_all, or in hedge mode SELL on LONG / BUY on SHORT"
        )
        if restriction.kind is RestrictionKind.STOPPED:
            hint = (
                f"orders that only reduce a position still go out ({reducing}); call "
                f"resume_instrument('{restriction.scope}') once Binance trades the symbol again"
            )
            return InstrumentStopped(
                f"{order_text}: not sent, trading {where} is stopped {cause}; {hint}",
                scope=restriction.scope,
                code=restriction.code,
                hint=hint,
            )
        if restriction.probing is not None:
            probe = f"the probe {restriction.probing} waits for the venue's answer"
        elif restriction.probe_at_ns is not None:
            probe = (
                "the next order that would increase exposure goes out as a probe from "
                f"ts={restriction.probe_at_ns}"
            )
        else:
            probe = "no automatic probe (reduce_only_probe_ms=0)"
        sides = "" if restriction.sides == _BOTH else (
            f" for {'/'.join(sorted(s.name for s in restriction.sides))} orders"
        )
        hint = (
            f"only orders that reduce a position go out: {reducing}; {probe}; or call "
            "exit_reduce_only_mode()"
        )
        return ReduceOnlyModeActive(
            f"{order_text}: not sent, {where} is in reduce-only mode{sides} {cause}; {hint}",
            scope=restriction.scope,
            code=restriction.code,
            hint=hint,
        )


__all__ = [
    "ACCOUNT",
    "INSTRUMENT_SCOPED",
    "KIND_OF_ACTION",
    "PROBE_PASSED",
    "RESTRICTED_SIDE",
    "RestrictionBook",
    "RestrictionKind",
    "RestrictionState",
    "Verdict",
    "only_reduces",
    "restriction_counts",
    "scope_text",
]
