"""Make the simulated venue answer like Binance: inject rejects into a backtest.

Nautilus 1.231.0 has no hook for venue rejects in backtests (FillModel cannot reject, the
exchange is built inside ``add_venue``). The one seam that works is the ``"ExecEngine.execute"``
message-bus endpoint, which the RiskEngine sends every surviving command to. The
:class:`RejectInjector` sits first in that seam (:class:`~nautilus_exec_kit.backtest.seam.
ExecuteSeam`), matches each command against its rules and either passes it on towards the real
execution engine or answers it itself, through ``"ExecEngine.process"``, exactly as the live
adapter would: ``OrderSubmitted`` then ``OrderRejected(reason="{'code': -2019, 'msg': ...}")``
(or ``OrderCancelRejected`` / ``OrderModifyRejected``). The cache and the order state machine
handle these like real venue events, so the error policy sees what it would see live.

Usage::

    injector = RejectInjector(parse_reject_spec("-1003@window=60s..120s;-2019@nth=3"))
    injector.install(engine)   # after add_venue/add_instrument, before run
    engine.run()

SPEC format (``exec-kit backtest --inject-rejects SPEC``): rules separated by ``;``, each
``TARGET[@key=value,key=value...]``. TARGET is a Binance code (``-2019``) or an HTTP status
(``418``, ``429``, ``503``). All conditions of a rule must hold; the first matching rule wins.

==============  ============================================================================
key             meaning
==============  ============================================================================
on              ``submit`` (default), ``cancel`` or ``modify``: which command to answer
type            order type name (``LIMIT``, ``MARKET``, ``STOP_MARKET``, ...)
tag             only orders carrying this tag
nth             ``3`` or ``3..5``: the nth matching command (1-based, per rule)
window          ``60s..120s`` (units ms/s/m/h, bare = s) from the start of the run
p               probability per matching command, drawn from a RNG seeded with ``seed``
seed            the RNG seed of ``p`` (default 0)
times           at most this many injections from this rule
msg             the ``msg`` text (no ``,``/``;``); default: the code table's meaning
status          HTTP status (418 turns a -1003 into an IP ban with ``banned until <ms>``)
retry_after     seconds appended as ``Retry-After: <s>``; default for -1003/429 with a window:
                the time left in the window; ``none`` disables
placed          ``true``: the order WAS placed (forwarded to the venue) but the reject is
                reported anyway (for -1007/-1006/-1000: exercises reconcile)
latency         delay of the reject (``50ms``); default 0 (synchronous)
==============  ============================================================================

Example: ``"-1003@window=60s..120s,retry_after=30;-2019@nth=3;-1007@p=0.05,seed=7,placed=true"``.

Caveat: the seam relies on the endpoint name and on ExecEngine internals of the pinned version;
``tests/test_rejects_backtest.py`` pins the behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import attrs
from nautilus_trader.common.actor import Actor
from nautilus_trader.common.config import ActorConfig
from nautilus_trader.common.events import TimeEvent
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.execution.messages import CancelOrder, ModifyOrder, QueryOrder, SubmitOrder
from nautilus_trader.model.events import (
    OrderCancelRejected,
    OrderModifyRejected,
    OrderRejected,
    OrderSubmitted,
)

from nautilus_exec_kit.backtest.seam import ExecuteSeam
from nautilus_exec_kit.core.rejects import (
    CommandKind,
    RejectPlan,
    RejectRule,
    RejectSpecError,
    parse_reject_spec,
)

_MS: Final = 1_000_000
#: The injector answers a command first in the venue seam (before mark-price triggers hold it).
INJECTOR_PRIORITY: Final = 0
@attrs.frozen
class CommandSeen:
    """One command that reached the venue seam (for benchmarks and tests)."""

    ts_ns: int
    kind: CommandKind
    client_order_id: str
    injected_code: int | None
    injected: bool
    placed: bool


_COMMAND_KINDS: Final[dict[type, CommandKind]] = {
    SubmitOrder: "submit",
    CancelOrder: "cancel",
    ModifyOrder: "modify",
}


def _client_order_id(command: Any) -> Any:
    """SubmitOrder carries the order; cancel/modify carry the ID."""
    return (
        command.order.client_order_id
        if isinstance(command, SubmitOrder)
        else (command.client_order_id)
    )


class RejectInjector(Actor):  # type: ignore[misc]
    """Answers chosen commands with Binance rejects, deterministically.

    Parameters
    ----------
    rules : sequence of RejectRule, or a SPEC string
        First matching rule wins.
    """

    def __init__(self, rules: Sequence[RejectRule] | str) -> None:
        super().__init__(ActorConfig(component_id="RejectInjector"))
        self._plan = RejectPlan(rules)
        self._t0: int | None = None
        self._latency_seq = 0
        self._placed_pending: dict[str, Any] = {}
        self.queries: list[str] = []
        self.commands: list[CommandSeen] = []

    @property
    def rules(self) -> list[RejectRule]:
        """The installed rules, in matching order."""
        return self._plan.rules

    def install(self, engine: Any) -> None:
        """Add the injector to ``engine`` and put it in front of the execution engine.

        Call after ``add_venue``/``add_instrument`` and before ``run``. Works for a
        ``BacktestEngine`` and for ``BacktestNode.get_engine(run_id)`` after ``build()``.
        """
        engine.add_actor(self)
        ExecuteSeam.of(engine).add(self._on_command, priority=INJECTOR_PRIORITY)

    def on_start(self) -> None:
        """Windows are measured from here (the start of the run)."""
        self._t0 = self.clock.timestamp_ns()
        self.msgbus.subscribe("events.order.*", self._on_order_event)

    def _on_order_event(self, event: Any) -> None:
        """Release a ``placed=true`` reject once the venue has answered for the order."""
        if isinstance(event, OrderSubmitted):
            return
        pending = self._placed_pending.pop(str(event.client_order_id), None)
        if pending is not None:
            pending()

    def injected_count(self) -> int:
        """How many commands were answered with a reject."""
        return sum(1 for c in self.commands if c.injected)

    # -- matching ----------------------------------------------------------------------------

    def _match(self, kind: CommandKind, command: Any, now: int) -> RejectRule | None:
        order = self.cache.order(_client_order_id(command)) if kind != "submit" else command.order
        return self._plan.match(
            kind,
            None if order is None else order.order_type.name,
            None if order is None else order.tags,
            now - (self._t0 or now),
        )

    def _on_command(self, command: Any, forward: Callable[[Any], None]) -> None:
        if isinstance(command, QueryOrder):
            # the backtest client raises NotImplementedError; the venue's events are the answer
            self.queries.append(str(command.client_order_id))
            return
        kind = _COMMAND_KINDS.get(type(command))
        if kind is None:
            forward(command)
            return
        now = self.clock.timestamp_ns()
        if self._t0 is None:
            self._t0 = now
        rule = self._match(kind, command, now)
        coid = str(_client_order_id(command))
        self.commands.append(
            CommandSeen(
                now,
                kind,
                coid,
                rule.code if rule else None,
                rule is not None,
                bool(rule and rule.placed),
            )
        )
        if rule is None:
            forward(command)
            return
        reason = rule.reason(now, self._t0)
        emit = lambda: self._emit_reject(kind, command, reason)  # noqa: E731
        if kind == "submit" and rule.placed:
            # The venue takes the order; the reject is reported once the venue has answered
            # (so the cache, fills and positions stay consistent) - what the policy must then
            # find out by reconciling.
            self._placed_pending[coid] = emit
            forward(command)
            return
        if kind == "submit":
            self._emit_submitted(command, now)
        self._later(rule.latency_ms, emit)

    # -- emission ----------------------------------------------------------------------------

    def _later(self, latency_ms: int, action: Any) -> None:
        if latency_ms <= 0:
            action()
            return
        self._latency_seq += 1
        name = f"reject-injector-{self._latency_seq}"

        def fire(_: TimeEvent) -> None:
            action()

        self.clock.set_time_alert_ns(name, self.clock.timestamp_ns() + latency_ms * _MS, fire)

    def _account_id(self, command: Any) -> Any:
        account = self.cache.account_for_venue(command.instrument_id.venue)
        return account.id if account is not None else None

    def _emit_submitted(self, command: SubmitOrder, now: int) -> None:
        self.msgbus.send(
            "ExecEngine.process",
            OrderSubmitted(
                command.trader_id,
                command.strategy_id,
                command.instrument_id,
                command.order.client_order_id,
                self._account_id(command),
                UUID4(),
                now,
                now,
            ),
        )

    def _emit_reject(self, kind: CommandKind, command: Any, reason: str) -> None:
        now = self.clock.timestamp_ns()
        ids = (
            command.trader_id,
            command.strategy_id,
            command.instrument_id,
            _client_order_id(command),
        )
        event: Any
        if kind == "submit":
            code_5022 = "'code': -5022" in reason
            event = OrderRejected(
                *ids, self._account_id(command), reason, UUID4(), now, now, False, code_5022
            )
        else:
            order = self.cache.order(_client_order_id(command))
            venue_order_id = order.venue_order_id if order is not None else None
            cls = OrderCancelRejected if kind == "cancel" else OrderModifyRejected
            event = cls(*ids, venue_order_id, self._account_id(command), reason, UUID4(), now, now)
        self.msgbus.send("ExecEngine.process", event)


__all__ = [
    "CommandSeen",
    "RejectInjector",
    "RejectRule",
    "RejectSpecError",
    "parse_reject_spec",
]
