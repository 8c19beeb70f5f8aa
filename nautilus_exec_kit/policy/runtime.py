"""The error policy at run time: gate every submit, read every event, act on rejects.

:class:`PolicyRuntime` is the single path for every order a strategy sends
(:meth:`PolicyRuntime.submit`) and sees every event it acts on (:attr:`event_handlers`, read by
the kit's event intake in intake.py ahead of the strategy's handlers, so an author who overrides
``on_order_rejected`` without ``super()`` cannot switch it off).

Time only comes from ``strategy.clock`` (TestClock in backtests, LiveClock live): retries,
queued sends, reconcile checks and the end of a halt are time alerts named after client order
IDs, so two identical backtests take identical decisions at identical instants.

The venue's answers (accepted, filled, canceled, ...) matter to the policy only while a chain
retries or is being reconciled (:attr:`PolicyRuntime.needs_venue_answers`). Otherwise the reader
may skip them: an unsettled first send is then settled later from its order's own event history,
with the outcome the first answer in it gives, exactly as reading that answer would have
(:meth:`PolicyRuntime.catch_up`; the fast path of :meth:`PolicyRuntime.submit` does it every
``sweep_every`` chains, and a reject of such an order does it for that order first). A reader
that starts delivering answers again calls :meth:`PolicyRuntime.catch_up` first.

Nothing called from :meth:`on_event` or from a timer raises: an exception there aborts
``engine.run()`` in a backtest. Errors meant for the author (:class:`SubmissionsHalted`,
:class:`RateBudgetExceeded`, :class:`VenueError` with ``fail_fast="raise"``) are raised from
:meth:`submit`, at the call site.

Hooks the author can define on the strategy (optional, looked up with ``getattr``):

* ``on_policy_decision(self, decision: PolicyDecision)`` after every decision;
* ``on_circuit_breaker(self, state: BreakerState)`` when the breaker opens and closes;
* ``on_trading_restriction(self, state: RestrictionState)`` when a reduce-only mode or an
  instrument stop begins, changes (a refused probe) or ends.

Reduce-only mode and instrument stops (:mod:`nautilus_exec_kit.core.policy.restrictions`) keep
the gate closed (``_closed_until`` at ``_GATE_SHUT``) while one is active, so the fast path stays
the one comparison it is; the general path asks the core's :class:`RestrictionBook` per order.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable
from typing import Any, Final

import attrs
from nautilus_trader.common.events import TimeEvent
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.model.enums import OrderStatus
from nautilus_trader.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEmulated,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderReleased,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
    PositionChanged,
    PositionClosed,
    PositionOpened,
)
from nautilus_trader.model.identifiers import ClientOrderId, PositionId
from nautilus_trader.model.orders import Order
from nautilus_trader.model.orders.unpacker import OrderUnpacker

from nautilus_exec_kit.core.errors import (
    RateBudgetExceeded,
    SubmissionBlocked,
    SubmissionsHalted,
    VenueError,
)
from nautilus_exec_kit.core.policy.actions import Action, EventKind, PolicyDecision
from nautilus_exec_kit.core.policy.breaker import BreakerState, CircuitBreaker
from nautilus_exec_kit.core.policy.budget import RateBudget
from nautilus_exec_kit.core.policy.reasons import RejectReason, parse_reason
from nautilus_exec_kit.core.policy.report import PolicyReport
from nautilus_exec_kit.core.policy.restriction_gate import GATE_SHUT, RestrictionGate
from nautilus_exec_kit.core.policy.restrictions import PROBE_PASSED, RestrictionBook, Verdict
from nautilus_exec_kit.core.policy.rules import (
    BREAKER_IGNORES,
    GLOBAL_COOLDOWN,
    backoff_delay_ns,
    halt_until_ns,
    reconcile_retry_delay_ns,
)
from nautilus_exec_kit.core.policy.table import FAIL_FAST_HINTS, ErrorPolicy
from nautilus_exec_kit.validation import SIDE

_MS: Final = 1_000_000
#: ``_closed_until`` while the gate is shut whatever the time: orders queued (they go first),
#: the strategy stopped, a fail-fast error in raise mode, or a restriction active.
_GATE_SHUT: Final = GATE_SHUT

SendFn = Callable[[Order, PositionId | None, dict[str, Any] | None], None]
DirectSendFn = Callable[[Order, PositionId | None], None]

#: Which event classes carry a reason, and what kind of failure they are.
_REJECT_KINDS: Final[dict[type, EventKind]] = {
    OrderRejected: EventKind.REJECTED,
    OrderDenied: EventKind.DENIED,
    OrderCancelRejected: EventKind.CANCEL_REJECTED,
    OrderModifyRejected: EventKind.MODIFY_REJECTED,
}
#: Events proving the venue knows the order (evidence while reconciling).
_VENUE_KNOWS: Final = (
    OrderAccepted,
    OrderFilled,
    OrderUpdated,
    OrderTriggered,
    OrderCanceled,
    OrderExpired,
)
#: A first answer from the venue that settles a pending chain, and the outcome it counts as.
_FIRST_ANSWERS: Final[dict[type, str]] = {
    OrderAccepted: "accepted",
    OrderFilled: "filled",
    OrderCanceled: "canceled",
    OrderExpired: "expired",
}
#: What each event class in a pending first send's history does to its chain (catch_up):
#: settle it with that outcome, or drop its record (an update or trigger read while pending;
#: the empty string, so that a truth test tells an outcome from it).
_DROP_RECORD: Final = ""
_HISTORY_EFFECTS: Final[dict[type, str]] = {
    **_FIRST_ANSWERS,
    OrderUpdated: _DROP_RECORD,
    OrderTriggered: _DROP_RECORD,
}
#: A sent order's first two events are its OrderInitialized and OrderSubmitted (or
#: OrderEmulated / OrderDenied), never a venue answer: catch_up starts reading after them.
_FIRST_ANSWER_AT: Final = 2
#: Default of ``PolicyRuntime(sweep_every=...)``.
SWEEP_EVERY: Final = 64
#: Chain states whose first venue answer settles the chain (_on_venue_knows); a "probing" chain
#: is a first send that probes a reduce-only mode (its answers are read as they come).
_ANSWERABLE: Final = frozenset({"pending", "retrying", "probing"})
#: Event classes the policy never acts on (exact types): on_event returns at once for them.
POLICY_IGNORED_EVENTS: Final = frozenset(
    {
        OrderInitialized,
        OrderSubmitted,
        OrderPendingCancel,
        OrderPendingUpdate,
        OrderEmulated,
        OrderReleased,
        PositionOpened,
        PositionChanged,
        PositionClosed,
        TimeEvent,
    }
)
#: Order states that prove the venue has (or had) the order.
_VENUE_STATES: Final = frozenset(
    {
        OrderStatus.ACCEPTED,
        OrderStatus.TRIGGERED,
        OrderStatus.PENDING_UPDATE,
        OrderStatus.PENDING_CANCEL,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.EXPIRED,
    }
)


def _venue_has(order: Order | None) -> bool:
    return order is not None and order.status in _VENUE_STATES


@attrs.define
class _Record:
    """One send: what to clone for a retry, and which chain it belongs to.

    A first send sent by :meth:`PolicyRuntime.submit`'s fast path is kept as a bare
    ``(order, position_id, params)`` tuple (:data:`_FirstSend`, a quarter of the cost to build);
    it is read as a ``_Record`` (origin = its own ID, attempt 1) when a reject claims it.
    """

    order: Order
    position_id: PositionId | None
    params: dict[str, Any] | None
    origin: ClientOrderId  # the chain's first order
    attempt: int  # 1 for the original


_FirstSend = tuple[Order, PositionId | None, dict[str, Any] | None]


def _as_record(kept: _Record | _FirstSend | None, coid: ClientOrderId) -> _Record | None:
    """What ``_records`` keeps for ``coid``, as a ``_Record`` (a first send: attempt 1, its own
    origin)."""
    if type(kept) is tuple:
        order, position_id, params = kept
        return _Record(order, position_id, params, coid, 1)
    return kept  # type: ignore[return-value]


class PolicyRuntime(RestrictionGate):
    """Gate, send and police the orders of one strategy.

    Parameters
    ----------
    strategy : Strategy
        The strategy (its ``clock``, ``log``, ``cache``, ``order_factory``, ``query_order``,
        ``stop`` and optional hooks are used).
    policy : ErrorPolicy
        Which action each reject gets (``ErrorPolicy.from_config(config)``).
    send : callable
        ``send(order, position_id, params)``: actually submits (``strategy.submit_order``).
    fail_fast : {"stop", "raise"}
        "stop": a fail-fast reject stops the strategy. "raise": the strategy keeps running
        but every later :meth:`submit` raises the :class:`VenueError` (a reject that arrives
        while :meth:`submit` is still sending is raised from that very call).
    budget : RateBudget, optional
        The order-rate budget; ``None`` disables it.
    on_needs_change : callable, optional
        Called with no argument whenever :attr:`needs_venue_answers` changes (the reader may
        then start or stop delivering the venue's answers).
    direct_send : callable, optional
        ``direct_send(order, position_id)``: how the fast path sends an order without params
        whose class is in ``direct_classes`` (orders that need none of ``send``'s own
        bookkeeping; the mixin passes ``strategy.submit_order`` and its non-algo classes, so
        a plain limit costs no Python call between the policy and Nautilus).
    direct_classes : collection of type
        The order classes ``direct_send`` takes.
    sweep_every : int
        How many unsettled chains the fast path lets gather before it settles those whose
        orders the venue has answered for (:meth:`catch_up`); doubled while more than half of
        them are still unanswered, so a sweep stays amortised O(1) per send.
    """

    # Slotted: submit() reads a dozen of these on every send.
    __slots__ = (
        "_alert_seq",
        "_alerts",
        "_awaiting_retry",
        "_breaker",
        "_budget",
        "_by_action",
        "_by_category",
        "_by_code",
        "_call_hook",
        "_chain_outcomes",
        "_chains",
        "_closed_until",
        "_cooldown_until",
        "_counts",
        "_direct_classes",
        "_direct_send",
        "_drain_at",
        "_eager_chains",
        "_failure",
        "_halted_until",
        "_log_error",
        "_log_warning",
        "_on_needs_change",
        "_origin_of",
        "_policy",
        "_queue",
        "_raise_mode",
        "_reconcile_reason",
        "_reconciling",
        "_records",
        "_report",
        "_restrictions",
        "_retry_ids",
        "_rng",
        "_send",
        "_sending",
        "_sent",
        "_stopped",
        "_strategy",
        "_sweep_at",
        "_sweep_every",
        "decisions",
        "event_handlers",
    )

    def __init__(
        self,
        strategy: Any,
        policy: ErrorPolicy,
        *,
        send: SendFn,
        fail_fast: str = "stop",
        budget: RateBudget | None = None,
        on_needs_change: Callable[[], None] | None = None,
        direct_send: DirectSendFn | None = None,
        direct_classes: Collection[type] = (),
        sweep_every: int = SWEEP_EVERY,
    ) -> None:
        if fail_fast not in ("stop", "raise"):
            raise ValueError(f"fail_fast must be 'stop' or 'raise', was {fail_fast!r}")
        self._strategy = strategy
        self._policy = policy
        self._send = send
        self._direct_send = direct_send
        # a frozenset (hashed membership); none without a direct_send
        self._direct_classes = frozenset(direct_classes) if direct_send is not None else frozenset()
        self._raise_mode = fail_fast == "raise"  # else "stop"; read on every send
        self._budget = budget
        self._rng = random.Random(policy.seed)
        self._breaker = CircuitBreaker(
            policy.breaker_threshold,
            policy.breaker_window_ms * _MS,
            policy.breaker_halt_ms * _MS,
        )
        # Every order-keyed structure is keyed by the ClientOrderId object itself, not its
        # ``.value``: the object caches its hash and the events carry the very object the
        # order has (a lookup is an identity hit), while ``.value`` builds and hashes a new
        # str on every call (measured: 49 against 204 ns per lookup).
        self._records: dict[ClientOrderId, _Record | _FirstSend] = {}
        # every sent retry's coid -> its chain's first coid (a first send is its own origin,
        # and the key of _chains: not stored here, it is one dict write less per send)
        self._origin_of: dict[ClientOrderId, ClientOrderId] = {}
        # Unsettled chains only (origin coid -> pending/retrying/reconciling): settled ones
        # become counts in _chain_outcomes, so memory stays flat however long a strategy runs.
        self._chains: dict[ClientOrderId, str] = {}
        # An exact dict, its first-answer keys present from the start: the fast path's
        # ``+= 1`` is then a specialised dict operation (a Counter's is four times slower).
        self._chain_outcomes: dict[str, int] = dict.fromkeys(_FIRST_ANSWERS.values(), 0)
        # Origins of the chains that retry or are being reconciled: while any is, the venue's
        # answers must be read as they come (needs_venue_answers).
        self._eager_chains: set[ClientOrderId] = set()
        self._on_needs_change = on_needs_change
        self._sweep_every = max(1, sweep_every)
        self._sweep_at = self._sweep_every
        # origin coid -> its retries' coids
        self._retry_ids: dict[ClientOrderId, list[ClientOrderId]] = {}
        # origin coid -> the record to clone
        self._awaiting_retry: dict[ClientOrderId, _Record] = {}
        self._reconciling: dict[ClientOrderId, bool] = {}  # coid -> venue evidence seen
        self._reconcile_reason: dict[ClientOrderId, RejectReason] = {}
        self._queue: deque[_Record] = deque()
        self._drain_at: int | None = None
        self._alerts: set[str] = set()
        self._alert_seq = 0
        self._cooldown_until = 0  # rate limit: sends wait
        self._halted_until = 0  # IP ban: submits are refused
        # max(cooldown, halt, breaker open-until), or _GATE_SHUT: before it, submit() takes the
        # general path (which asks each of them); from it on the gate is open as far as they
        # are concerned. The fast path reads this one field.
        self._closed_until = 0
        # reduce-only mode / instrument stops; while any is active the gate stays shut
        self._restrictions = RestrictionBook(
            policy.reduce_only_probe_ms * _MS, policy.reduce_only_probe_max_ms * _MS,
        )
        self._failure: VenueError | None = None
        self._stopped = False
        self._sending = 0  # depth of send() calls in progress (a send may nest another)
        self._by_code: Counter[str] = Counter()
        self._by_action: Counter[str] = Counter()
        self._by_category: Counter[str] = Counter()
        self._counts: Counter[str] = Counter()
        self._sent = 0  # a plain int: counted on every send (folded into stats())
        self._report = PolicyReport(strategy, lambda: strategy.log)
        #: The latest decisions, oldest first.
        self.decisions = self._report.decisions
        self._call_hook = self._report.call_hook
        self._log_warning = self._report.warning
        self._log_error = self._report.error
        #: Per event class, the handler that reads it; ``None`` for the classes the policy never
        #: acts on; a class missing here goes to :meth:`on_event`. Each handler never raises.
        #: :meth:`on_event` dispatches on it, and so does the mixin itself (one lookup per
        #: event, no wrapper call).
        self.event_handlers: dict[type, Callable[[Any], None] | None] = {
            **dict.fromkeys(POLICY_IGNORED_EVENTS),
            **dict.fromkeys(_REJECT_KINDS, self._on_reject_event),
            **dict.fromkeys(_VENUE_KNOWS, self.on_venue_answer),
        }

    # -- public API --------------------------------------------------------------------------

    def submit(
        self, order: Order, position_id: PositionId | None, params: dict[str, Any] | None
    ) -> None:
        """Gate, record and send one order (the strategy's only submit path).

        Raises
        ------
        SubmissionsHalted
            IP ban, open circuit breaker, or a fail-fast stop.
        RateBudgetExceeded
            The rate budget is used up and ``budget.when_exhausted == "refuse"``.
        VenueError
            ``fail_fast="raise"`` and a fail-fast reject happened (now or earlier).
        """
        now = self._strategy.clock.timestamp_ns()
        budget = self._budget
        if now >= self._closed_until and (budget is None or budget.try_record(now)):
            # The fast path (every send of a healthy strategy): nothing halted, cooling down,
            # queued, stopped or failed (the gate would be closed), room in the budget (counted
            # here). The same decision and bookkeeping as the general path (_submit_gated ->
            # _dispatch -> _send_now).
            coid = order.client_order_id
            chains = self._chains
            if len(chains) >= self._sweep_at:
                self._sweep()
            chains[coid] = "pending"
            self._records[coid] = (order, position_id, params)  # a _FirstSend
            self._sent += 1
            if not self._raise_mode:
                # Only raise mode reads the send depth (below): in stop mode, just send.
                if params is None and type(order) in self._direct_classes:
                    self._direct_send(order, position_id)  # type: ignore[misc]
                else:
                    self._send(order, position_id, params)
                return
            self._sending += 1
            try:
                self._send(order, position_id, params)
            finally:
                self._sending -= 1
        else:
            if self._failure is not None and self._raise_mode:
                raise self._failure
            self._submit_gated(order, position_id, params, now)
        if self._failure is not None and self._raise_mode and not self._sending:
            # the reject arrived synchronously, inside send(): raise at the call site
            raise self._failure

    def _submit_gated(
        self,
        order: Order,
        position_id: PositionId | None,
        params: dict[str, Any] | None,
        now: int,
    ) -> None:
        """The general path of :meth:`submit`: refuse, queue or send."""
        blocked = self._blocked_reason(now)
        if blocked is not None:
            self._counts["refused"] += 1
            raise SubmissionsHalted(f"{order.client_order_id}: not sent, {blocked}")
        coid = order.client_order_id
        record = _Record(order, position_id, params, origin=coid, attempt=1)
        verdict = (
            self._restriction_verdict(order, position_id, params, coid, now)
            if self._restrictions
            else Verdict.PASS
        )
        if isinstance(verdict, SubmissionBlocked):
            self._counts["refused_restricted"] += 1
            raise verdict
        self._chains[coid] = "pending"
        if verdict is Verdict.PROBE:
            self._start_probe(coid)
        budget = self._budget
        if budget is not None and budget.when_exhausted == "refuse":
            free_at = budget.available_at(now)
            if free_at > now:
                self._counts["refused"] += 1
                self._settle(coid, "refused")
                raise RateBudgetExceeded(
                    f"{coid}: not sent, the rate budget {budget.limits} is used up until "
                    f"ts={free_at}; slow down or set when_exhausted='queue'"
                )
        self._dispatch(record)

    def on_event(self, event: Any) -> None:
        """Read one strategy event; acts on rejects and denials. Never raises."""
        handler = self.event_handlers.get(type(event), self._on_unlisted_event)
        if handler is not None:
            handler(event)

    def _on_unlisted_event(self, event: Any) -> None:
        """An event class :attr:`event_handlers` does not list (none in Nautilus 1.231): the
        general path, by ``isinstance``."""
        try:
            self._on_event(event)
        except Exception as error:  # an exception here would abort engine.run()
            self._internal_error(event, error)

    def _on_reject_event(self, event: Any) -> None:
        try:
            self._on_reject(event, _REJECT_KINDS[type(event)])
        except Exception as error:
            self._internal_error(event, error)

    def _internal_error(self, event: Any, error: Exception) -> None:
        self._counts["internal_errors"] += 1
        self._log_error(f"[policy] internal error on {type(event).__name__}: {error!r}")

    @property
    def needs_venue_answers(self) -> bool:
        """Whether the venue's answers must be read as they come: a chain retries (the
        original answering late stops its resend) or is being reconciled (an answer is the
        evidence). Otherwise a reader may skip them (see the module docstring)."""
        return bool(self._eager_chains)

    def catch_up(self) -> None:
        """Bring every pending first send up to date with its order's own event history: what
        reading its venue answers as they came would have done (settle it with its first
        answer; an update or trigger before any answer drops its record). A no-op for a chain
        whose answers were read. Never raises."""
        self._catch_up([c for c, state in self._chains.items() if state == "pending"])

    def _catch_up(self, pending: Iterable[ClientOrderId]) -> None:
        """:meth:`catch_up` of the ``pending`` chains (first sends). Never raises."""
        try:
            chains = self._chains
            records = self._records
            outcomes = self._chain_outcomes
            eager = self._eager_chains
            effect_of = _HISTORY_EFFECTS.get
            for coid in pending:
                kept = records.get(coid)
                if type(kept) is tuple:
                    order = kept[0]  # a _FirstSend: the common case, inline
                elif kept is None:
                    order = self._strategy.cache.order(coid)  # None: queued, not sent yet
                    if order is None:
                        continue
                else:
                    order = kept.order  # type: ignore[union-attr]
                # _first_answer(coid, order, effect_of), inline: the sweep's hot loop
                status = None
                for event in order.events[_FIRST_ANSWER_AT:]:
                    status = effect_of(type(event))
                    if status:
                        break  # an answer: its outcome
                    if status is not None:  # _DROP_RECORD
                        records.pop(coid, None)
                if not status:
                    if order.status != OrderStatus.EMULATED:
                        continue  # no answer yet
                    # The emulator released it as a new object (MarketOrder/LimitOrder.transform,
                    # cached over this one): its later events, the venue's answers among them,
                    # are applied to that object.
                    current = self._strategy.cache.order(coid)
                    if current is None or current is order:
                        continue
                    status = self._first_answer(coid, current, effect_of)
                    if status is None:
                        continue
                if coid in eager:
                    self._settle(coid, status)
                else:
                    # _settle of a pending chain nothing else refers to (as in on_venue_answer):
                    # no retries, no reconciliation
                    del chains[coid]
                    outcomes[status] += 1
                    records.pop(coid, None)
        except Exception as error:
            self._counts["internal_errors"] += 1
            self._log_error(f"[policy] catch-up failed: {error!r}")

    def _first_answer(
        self, coid: ClientOrderId, order: Order, effect_of: Callable[[type], str | None],
    ) -> str | None:
        """The outcome the first venue answer in ``order``'s history gives its chain (None:
        no answer yet); an update or trigger before it drops the chain's record, as reading it
        would have."""
        for event in order.events[_FIRST_ANSWER_AT:]:
            status = effect_of(type(event))
            if status:
                return status
            if status is not None:  # _DROP_RECORD
                self._records.pop(coid, None)
        return None

    def _sweep(self) -> None:
        """The fast path's periodic :meth:`catch_up`; the next one comes once the chains left
        unanswered (in flight, emulated, ...) have doubled, at the earliest after
        ``sweep_every`` more."""
        self.catch_up()
        self._sweep_at = max(self._sweep_every, 2 * len(self._chains))

    def _mark_eager(self, origin: ClientOrderId) -> None:
        """``origin``'s chain now retries or is being reconciled."""
        if origin not in self._eager_chains:
            self._eager_chains.add(origin)
            if len(self._eager_chains) == 1:
                self._needs_changed()

    def _needs_changed(self) -> None:
        hook = self._on_needs_change
        if hook is not None:
            try:
                hook()
            except Exception as error:
                self._counts["internal_errors"] += 1
                self._log_error(f"[policy] on_needs_change raised {error!r}")

    def unsent_orders(self) -> list[tuple[Order, PositionId | None]]:
        """Orders the strategy has submitted that are not at Nautilus yet: queued by the rate
        budget / a cooldown, waiting for a scheduled retry (the order to be cloned), or
        rejected with an unknown outcome and being reconciled (it may be resent).

        The close helpers count them as committed, so two closes around a -1003 cannot
        over-close a leg once the queue drains.
        """
        unsent = [(r.order, r.position_id) for r in self._queue]
        unsent += [(r.order, r.position_id) for r in self._awaiting_retry.values()]
        unsent += self._reconciling_unsent()
        return unsent

    def _reconciling_unsent(self) -> list[tuple[Order, PositionId | None]]:
        """Orders being reconciled (``reconcile_wait_ms`` after an unknown-status reject)
        whose cached order is closed (REJECTED): the check may still resend them, so they
        are on their way as much as a scheduled retry. One the cache still shows open or in
        flight (live, the unknown-outcome hold keeps it SUBMITTED) is counted from the cache,
        not twice."""
        unsent = []
        for coid in self._reconciling:
            record = _as_record(self._records.get(coid), coid)
            if record is not None and record.order.is_closed:
                unsent.append((record.order, record.position_id))
        return unsent

    def drop_unsent(self) -> list[Order]:
        """Forget every order not sent yet (queued, waiting for a retry, or being reconciled:
        it may be resent) and return them.

        The strategy is stopping: Nautilus cancels its timers after ``on_stop``, so none of
        them would ever be sent, yet the close helpers would count them as committed and close
        less than the leg holds. The mixin calls this before ``on_stop`` (its closes are sized
        without them) and after it (orders queued meanwhile). Each order dropped is logged.
        """
        dropped = [*self._queue, *self._awaiting_retry.values()]
        for coid in list(self._reconciling):  # its check (a timer) would never run either
            record = _as_record(self._records.pop(coid, None), coid)
            self._reconciling.pop(coid, None)
            self._reconcile_reason.pop(coid, None)
            if record is not None:
                dropped.append(record)
        self._queue.clear()
        self._awaiting_retry.clear()
        for record in dropped:
            self._settle(record.origin, "dropped_at_stop")
        self._counts["dropped_at_stop"] += len(dropped)
        self._report.never_sent(record.order.client_order_id for record in dropped)
        return [record.order for record in dropped]

    @property
    def tracked_order_ids(self) -> int:
        """Per-order entries the runtime still holds (records, retry links, reconciliations);
        0 once every chain has settled, however many orders were sent."""
        self.catch_up()
        return len(self._records) + len(self._origin_of) + len(self._reconciling)

    @property
    def open_chains(self) -> int:
        """Chains not settled yet (pending, retrying or reconciling); settled ones are counts."""
        self.catch_up()
        return len(self._chains)

    def stats(self) -> dict[str, Any]:
        """Counters per code, per action and per category, plus send/retry/queue figures."""
        self.catch_up()
        counts = self._counts.copy()
        if self._sent:
            counts["sent"] = self._sent
        return {
            "by_code": dict(sorted(self._by_code.items())),
            "by_action": dict(sorted(self._by_action.items())),
            "by_category": dict(sorted(self._by_category.items())),
            "chains": dict(
                sorted((Counter(self._chain_outcomes) + Counter(self._chains.values())).items())
            ),
            **dict(sorted(counts.items())),
            "queued_now": len(self._queue),
            "pending_alerts": len(self._alerts),
            "breaker_trips": self._breaker.trips,
            "restrictions": [state.as_dict() for state in self.restrictions],
        }

    @property
    def halted_until_ns(self) -> int:
        """End of the current halt (IP ban or open breaker), 0 when not halted."""
        now = self._now()
        ends = [t for t in (self._halted_until, self._breaker.open_until_ns or 0) if t > now]
        return max(ends, default=0)

    # -- gate and send -----------------------------------------------------------------------

    def _now(self) -> int:
        return int(self._strategy.clock.timestamp_ns())

    def _blocked_reason(self, now: int) -> str | None:
        if self._stopped:
            return f"the strategy was stopped by the error policy ({self._failure})"
        if now < self._halted_until:
            return f"submissions are halted (IP ban) until ts={self._halted_until}"
        if self._breaker.is_open(now):
            return f"the circuit breaker is open until ts={self._breaker.open_until_ns}"
        return None

    def _gate_at(self, now: int) -> int:
        at = max(now, self._cooldown_until, self._halted_until, self._breaker.open_until_ns or 0)
        if self._budget is not None:
            at = max(at, self._budget.available_at(at))
        return at

    def _close_gate_until(self, until: int) -> None:
        if until > self._closed_until:
            self._closed_until = until

    def _reopen_gate(self) -> None:
        """The queue emptied: the fast path opens again once the cooldown, halt and breaker
        have passed, unless the strategy was stopped or failed in raise mode (shut for good) or
        a restriction is active (every order must meet the restriction book)."""
        if self._stopped or (self._failure is not None and self._raise_mode):
            return
        if self._restrictions:
            self._closed_until = _GATE_SHUT
            return
        self._closed_until = max(
            self._cooldown_until, self._halted_until, self._breaker.open_until_ns or 0
        )

    def _dispatch(self, record: _Record) -> None:
        now = self._now()
        gate_at = self._gate_at(now)
        if gate_at > now or self._queue:
            self._queue.append(record)
            self._closed_until = _GATE_SHUT  # queued orders go first: no fast path meanwhile
            self._counts["queued"] += 1
            self._schedule_drain(max(gate_at, now))
            return
        self._send_now(record, now)

    def _send_now(self, record: _Record, now: int) -> None:
        order = record.order
        coid = record.origin if record.attempt == 1 else order.client_order_id
        if self._budget is not None:
            self._budget.record(now)
        self._records[coid] = record
        self._sent += 1
        if record.attempt > 1:
            self._origin_of[coid] = record.origin
            self._retry_ids.setdefault(record.origin, []).append(coid)
            self._counts["retries_sent"] += 1
        self._sending += 1
        try:
            self._send(order, record.position_id, record.params)
        finally:
            self._sending -= 1

    def _schedule_drain(self, at: int) -> None:
        if self._drain_at is not None and self._drain_at <= at:
            return
        head = str(self._queue[0].order.client_order_id) if self._queue else "none"
        self._drain_at = at
        self._set_alert(f"gate-{head}", at, self._on_drain)

    def _on_drain(self, _: TimeEvent) -> None:
        try:
            self._drain_at = None
            while self._queue and not self._stopped:
                now = self._now()
                gate_at = self._gate_at(now)
                if gate_at > now:
                    self._schedule_drain(gate_at)
                    return
                record = self._queue.popleft()
                if not self._restrictions or self._admit_unattended(
                    record.order, record.position_id, record.params, record.origin, now,
                    "queued send",
                ):
                    self._send_now(record, now)
            if self._stopped:
                self._queue.clear()
            elif not self._queue:
                self._reopen_gate()
        except Exception as error:
            self._counts["internal_errors"] += 1
            self._log_error(f"[policy] internal error while draining the queue: {error!r}")

    def _set_alert(self, stem: str, at: int, callback: Callable[[TimeEvent], None]) -> None:
        self._alert_seq += 1
        name = f"exec-kit-{stem}-{self._alert_seq}"  # unique: duplicate names raise KeyError

        def fire(event: TimeEvent) -> None:
            self._alerts.discard(name)
            callback(event)

        self._alerts.add(name)
        self._strategy.clock.set_time_alert_ns(name, at, fire)

    # -- events ------------------------------------------------------------------------------

    def _on_event(self, event: Any) -> None:
        kind = _REJECT_KINDS.get(type(event))
        if kind is not None:
            self._on_reject(event, kind)
            return
        if isinstance(event, _VENUE_KNOWS):
            self._on_venue_knows(event)

    def on_venue_answer(self, event: Any) -> None:
        """:meth:`on_event` for the venue's answers (``_VENUE_KNOWS``), with the two cases of
        nearly every order done inline: a first send's first answer settles its chain, and an
        answer for an order the policy holds nothing for (settled already, or never sent
        through it) is dropped. Everything else is :meth:`_on_venue_knows`. Never raises."""
        try:
            coid = event.client_order_id
            chains = self._chains
            if coid in chains:
                status = _FIRST_ANSWERS.get(type(event))
                if status is not None and chains[coid] == "pending":
                    # A pending chain has never been rejected: no retry, no retry IDs, no
                    # reconciliation; this is _settle(coid, status) of that case.
                    del chains[coid]
                    self._chain_outcomes[status] += 1
                    self._records.pop(coid, None)
                    return
            elif coid not in self._origin_of and coid not in self._reconciling:
                return  # no record, chain or reconciliation refers to this order
            self._on_venue_knows(event)
        except Exception as error:  # an exception here would abort engine.run()
            self._internal_error(event, error)

    def _on_venue_knows(self, event: OrderEvent) -> None:
        coid = event.client_order_id
        if coid in self._reconciling:
            self._reconciling[coid] = True  # evidence: the venue has it
        origin = self._origin_of.get(coid)
        if origin is None:
            if coid not in self._chains:
                return  # not sent through the policy
            origin = coid  # a first send
        chain = self._chains.get(origin)
        if chain in _ANSWERABLE:
            if isinstance(event, OrderAccepted | OrderFilled):
                # For a retrying chain this is the ORIGINAL answering late (or the retry's own
                # first answer): settling the chain also stops a scheduled retry (see _retry).
                self._settle(origin, "filled" if isinstance(event, OrderFilled) else "accepted")
            elif (chain != "retrying" or coid != origin) and isinstance(
                event, OrderCanceled | OrderExpired,
            ):
                # First venue answer is terminal (IOC/FOK, in-flight resolution, ...); for a
                # retrying chain only the sent retry's (the original was rejected).
                self._settle(origin, "canceled" if isinstance(event, OrderCanceled) else "expired")
        elif (
            chain == "reconciling"
            and coid not in self._reconciling
            and isinstance(event, OrderAccepted | OrderFilled)
        ):
            # Another order of the chain (e.g. the original, while a retry is being reconciled)
            # turned up at the venue: the chain is answered, the pending check must not resend.
            self._settle(origin, "filled" if isinstance(event, OrderFilled) else "accepted")
        if coid not in self._reconciling:
            self._records.pop(coid, None)  # no resend after the venue took it

    def _on_reject(self, event: Any, kind: EventKind) -> None:
        coid = event.client_order_id
        if self._chains.get(coid) == "pending":
            # its earlier venue answers may not have been read (needs_venue_answers was False)
            self._catch_up((coid,))
        reason = parse_reason(getattr(event, "reason", ""))
        record = _as_record(self._records.get(coid), coid)
        action = self._policy.action_for(reason)
        now = self._now()
        self._by_code[reason.key] += 1
        self._by_action[action.value] += 1
        self._by_category[reason.category.value] += 1
        if (
            kind in (EventKind.REJECTED, EventKind.DENIED)
            and reason.category not in BREAKER_IGNORES
        ) and self._breaker.record_failure(now):
            self._close_gate_until(self._breaker.open_until_ns or 0)
            self._on_breaker_open(now)
        submit_path = kind in (EventKind.REJECTED, EventKind.DENIED) and record is not None
        handler = self._HANDLERS[action]
        retry_at, note = handler(self, coid, reason, record if submit_path else None, now)
        self._decide(coid, kind, reason, action, record, now, retry_at, note)
        origin = self._origin_of.get(coid, coid)
        if self._chains.get(origin) == "pending":
            # Still unsettled, though its order may now be closed (rejected): Nautilus does not
            # apply a later answer to a closed order (InvalidStateTrigger) but still publishes
            # it, so it would never show in the order's history. Read its answers as they come.
            order = self._strategy.cache.order(coid)
            if order is None or order.is_closed:
                self._mark_eager(origin)

    # -- actions: each returns (retry_at_ns, note) --------------------------------------------

    def _skip(
        self, coid: ClientOrderId, reason: RejectReason, record: _Record | None, now: int
    ) -> tuple[int | None, str]:
        self._finish(coid, record, "skipped")
        return None, f"dropped, not resent: {self._policy.why(reason)}"

    def _backoff(
        self, coid: ClientOrderId, reason: RejectReason, record: _Record | None, now: int
    ) -> tuple[int | None, str]:
        if record is None:
            return None, "cancel/modify rejects are not resent by the kit; the strategy decides"
        delay, spent = backoff_delay_ns(self._policy, reason, record.attempt, self._rng)
        floor = reason.retry_after_ns or 0
        if reason.category in GLOBAL_COOLDOWN:
            # the limit is per account/IP: nothing else may go out before the venue's wait
            self._cooldown_until = max(self._cooldown_until, now + max(floor, delay or 0))
            self._close_gate_until(self._cooldown_until)
        if delay is None:
            self._finish(coid, record, "gave_up")
            self._counts["gave_up"] += 1
            allowed = self._policy.backoff_for(reason).max_attempts
            return None, f"gave up after {spent} attempts ({allowed} allowed)"
        return self._schedule_retry(coid, record, now + delay), "fresh order scheduled"

    def _reconcile(
        self, coid: ClientOrderId, reason: RejectReason, record: _Record | None, now: int
    ) -> tuple[int | None, str]:
        order = self._strategy.cache.order(coid)
        origin = self._origin_of.get(coid, coid)
        if _venue_has(order):
            # the venue already answered for this order (fill/accept before the reject)
            self._counts["reconciled_placed"] += 1
            self._settle(origin, "placed")
            self._records.pop(coid, None)
            return None, "the venue has the order: not resent"
        if order is not None:
            try:
                self._strategy.query_order(order)
            except Exception as error:  # e.g. NotImplementedError of the backtest client
                self._counts["query_failed"] += 1
                self._log_warning(f"[policy] query_order({coid}) failed: {error!r}")
        if record is None:
            return None, "queried the order's state; cancel/modify rejects are not resent"
        self._reconciling[coid] = False
        self._reconcile_reason[coid] = reason
        check_at = now + self._policy.reconcile_wait_ms * _MS
        self._chains[record.origin] = "reconciling"
        self._mark_eager(record.origin)
        self._set_alert(f"reconcile-{coid}", check_at, lambda _: self._on_reconcile_check(coid))
        return check_at, "queried the venue; resend only if no such order turns up"

    def _fail_fast_action(
        self, coid: ClientOrderId, reason: RejectReason, record: _Record | None, now: int
    ) -> tuple[int | None, str]:
        hint = FAIL_FAST_HINTS.get(reason.category, "fix the strategy or its configuration")
        message = (
            f"fail-fast on {coid}: {reason.key} {reason.message!r} ({reason.category.value}); "
            f"what to change: {hint}"
        )
        self._failure = VenueError(message, reason.code)
        if self._raise_mode:
            self._closed_until = _GATE_SHUT  # every later submit raises it (the general path)
        self._finish(coid, record, "failed")
        if not self._raise_mode:
            self._stop_strategy()
            return None, f"strategy stopped: {message}"
        return None, f"VenueError raised from the next submit: {message}"

    def _halt(
        self, coid: ClientOrderId, reason: RejectReason, record: _Record | None, now: int
    ) -> tuple[int | None, str]:
        until = halt_until_ns(self._policy, reason, now)
        self._halted_until = max(self._halted_until, until)
        self._close_gate_until(self._halted_until)
        self._counts["halts"] += 1
        if record is None:
            return until, f"all submissions halted until ts={until}"
        return self._schedule_retry(coid, record, until), (
            f"all submissions halted until ts={until}; this order is resent then"
        )

    def _restrict(
        self, coid: ClientOrderId, reason: RejectReason, record: _Record | None, now: int
    ) -> tuple[int | None, str]:
        """Reduce-only mode / instrument stop: drop this order (never resent) and put the
        restriction on, for the account or the order's instrument (the core decides which)."""
        order = record.order if record is not None else self._strategy.cache.order(coid)
        instrument = order.instrument_id.value if order is not None else None
        origin = record.origin if record is not None else self._origin_of.get(coid, coid)
        note = self._enter_restriction(
            self._policy.action_for(reason), reason, instrument, origin, now,
        )
        self._finish(coid, record, "skipped")  # a refused probe's slot is freed here
        return None, note

    _HANDLERS: Final[
        dict[
            Action,
            Callable[
                [PolicyRuntime, ClientOrderId, RejectReason, _Record | None, int],
                tuple[int | None, str],
            ],
        ]
    ] = {
        Action.SKIP: _skip,
        Action.BACKOFF: _backoff,
        Action.RECONCILE: _reconcile,
        Action.FAIL_FAST: _fail_fast_action,
        Action.HALT: _halt,
        Action.REDUCE_ONLY: _restrict,
        Action.STOP_INSTRUMENT: _restrict,
    }

    # -- restrictions (RestrictionGate's hooks) -------------------------------------------------

    _SIDE = SIDE

    def _start_probe(self, origin: ClientOrderId) -> None:
        """The chain ``origin`` probes a reduce-only mode: read its answers as they come (a
        first send becomes a "probing" chain; a retry's chain already retries eagerly)."""
        if self._chains.get(origin) == "pending":
            self._chains[origin] = "probing"
        self._mark_eager(origin)
        self._probe_started(origin)

    def _drop_unattended(self, origin: ClientOrderId) -> None:
        self._settle(origin, "restricted")

    # -- helpers of the actions --------------------------------------------------------------

    def _settle(self, origin: ClientOrderId, status: str) -> None:
        """A chain reached its outcome: count it and forget it, with its orders' records and
        its retries' IDs. A later reject of one of its orders (e.g. a retry still in flight
        when the original turned up) then finds no record and is never resent, and a pending
        reconcile check finds none and resends nothing."""
        if self._chains.pop(origin, None) is not None:
            self._chain_outcomes[status] = self._chain_outcomes.get(status, 0) + 1
        if origin in self._restrictions.probes:
            self._settle_probe(origin, passed=status in PROBE_PASSED)
        if origin in self._eager_chains:
            self._eager_chains.discard(origin)
            if not self._eager_chains:
                self._needs_changed()
        self._awaiting_retry.pop(origin, None)
        self._records.pop(origin, None)
        for coid in self._retry_ids.pop(origin, ()):
            self._origin_of.pop(coid, None)
            self._records.pop(coid, None)

    def _finish(self, coid: ClientOrderId, record: _Record | None, status: str) -> None:
        if record is not None:
            self._settle(record.origin, status)
        self._records.pop(coid, None)

    def _schedule_retry(self, coid: ClientOrderId, record: _Record, at: int) -> int:
        self._chains[record.origin] = "retrying"
        self._mark_eager(record.origin)
        self._records.pop(coid, None)
        self._awaiting_retry[record.origin] = record
        self._set_alert(f"retry-{coid}", at, lambda _: self._retry(record))
        return at

    def _retry(self, record: _Record) -> None:
        self._awaiting_retry.pop(record.origin, None)
        try:
            if self._stopped:
                return
            if self._chains.get(record.origin) != "retrying":
                # The venue answered for the chain meanwhile (e.g. the original of an unknown
                # outcome turned up accepted): a resend now would duplicate it.
                self._counts["retries_dropped"] += 1
                return
            if self._restrictions and not self._admit_unattended(
                record.order, record.position_id, record.params, record.origin, self._now(),
                "retry",
            ):
                return
            clone = self._clone(record.order, record.origin)
            again = _Record(
                clone, record.position_id, record.params, record.origin, record.attempt + 1
            )
            self._dispatch(again)
        except Exception as error:
            self._counts["internal_errors"] += 1
            self._log_error(f"[policy] retry of {record.origin} failed: {error!r}")

    def _clone(self, order: Order, origin: ClientOrderId) -> Order:
        """A fresh order with a new client order ID, tagged ``retry-of=<first id>``.

        The clone is built from the original's ``OrderInitialized`` so every order type keeps
        its prices, triggers and options. Contingency links (OCO/OTO lists) are not carried over:
        a retried child stands alone.
        """
        values = OrderInitialized.to_dict(order.init_event)
        tags = [t for t in (values.get("tags") or []) if not t.startswith("retry-of=")]
        values.update(
            client_order_id=self._strategy.order_factory.generate_client_order_id().value,
            tags=[*tags, f"retry-of={origin}"],
            contingency_type="NO_CONTINGENCY",
            order_list_id=None,
            linked_order_ids=None,
            parent_order_id=None,
            event_id=UUID4().value,
            ts_init=self._now(),
            ts_event=self._now(),
        )
        return OrderUnpacker.from_init(OrderInitialized.from_dict(values))

    def _on_reconcile_check(self, coid: ClientOrderId) -> None:
        try:
            evidence = self._reconciling.pop(coid, False)
            reason = self._reconcile_reason.pop(coid, None) or parse_reason("UNKNOWN")
            record = _as_record(self._records.pop(coid, None), coid)
            if record is None:
                return  # the chain settled meanwhile (_settle forgot it): nothing to resend
            order = self._strategy.cache.order(record.order.client_order_id)
            retry_at: int | None = None
            if evidence or _venue_has(order):
                self._counts["reconciled_placed"] += 1
                self._settle(record.origin, "placed")
                note = "the venue has the order: not resent"
            else:
                self._counts["reconciled_absent"] += 1
                delay = reconcile_retry_delay_ns(self._policy, record.attempt, self._rng)
                if delay is None or self._stopped:
                    self._settle(record.origin, "gave_up")
                    self._counts["gave_up"] += 1
                    note = "the venue does not have the order; attempts used up, not resent"
                else:
                    retry_at = self._schedule_retry(coid, record, self._now() + delay)
                    note = "the venue does not have the order: fresh order scheduled"
            self._decide(
                coid,
                EventKind.REJECTED,
                reason,
                Action.RECONCILE,
                record,
                self._now(),
                retry_at,
                note,
            )
        except Exception as error:
            self._counts["internal_errors"] += 1
            self._log_error(f"[policy] reconcile check of {coid} failed: {error!r}")

    def _stop_strategy(self) -> None:
        """Refuse every submission from now on, and stop the strategy just after this event.

        Why not ``strategy.stop()`` right here: we are inside the event's dispatch, before
        Nautilus passes the reject to the author's ``on_order_rejected`` / ``on_event``; a stopped
        strategy drops it, and the author would never see the reject that stopped them. An
        alert at the current time fires once this dispatch is over (backtest and live alike).
        """
        self._stopped = True
        self._closed_until = _GATE_SHUT
        self._queue.clear()
        self._awaiting_retry.clear()
        for name in list(self._alerts):
            with contextlib.suppress(Exception):
                self._strategy.clock.cancel_timer(name)
        self._alerts.clear()
        self._alert_seq += 1
        clock = self._strategy.clock
        try:
            clock.set_time_alert_ns(
                f"exec-kit-fail-fast-stop-{self._alert_seq}",
                clock.timestamp_ns(),
                self._stop_now,
                allow_past=True,
            )
        except Exception as error:  # no clock alert possible: stop at once rather than never
            self._log_error(f"[policy] could not defer the stop ({error!r}); stopping now")
            self._stop_now(None)

    def _stop_now(self, _event: TimeEvent | None) -> None:
        try:
            if not self._strategy.is_stopped:
                self._strategy.stop()
        except Exception as error:
            self._log_error(f"[policy] strategy.stop() failed: {error!r}")

    def _on_breaker_open(self, now: int) -> None:
        state = self._breaker.state(now)
        self._log_error(
            f"[policy] CIRCUIT BREAKER OPEN: {state.failures} failures within "
            f"{self._policy.breaker_window_ms} ms; submissions refused until ts={state.until_ns}"
        )
        self._call_hook("on_circuit_breaker", state)
        if state.until_ns is not None:
            self._set_alert(
                f"breaker-{self._breaker.trips}", state.until_ns, self._on_breaker_close
            )

    def _on_breaker_close(self, _: TimeEvent) -> None:
        now = self._now()
        state: BreakerState = self._breaker.state(now)
        self._log_warning(f"[policy] circuit breaker closed at ts={now}; submissions resume")
        self._call_hook("on_circuit_breaker", state)
        if self._queue:
            self._schedule_drain(now)

    def _decide(
        self,
        coid: ClientOrderId,
        kind: EventKind,
        reason: RejectReason,
        action: Action,
        record: _Record | None,
        now: int,
        retry_at: int | None,
        note: str,
    ) -> None:
        decision = PolicyDecision(
            client_order_id=coid.value,
            original_client_order_id=(
                record.origin if record else self._origin_of.get(coid, coid)
            ).value,
            kind=kind,
            reason=reason,
            action=action,
            attempt=record.attempt if record else 1,
            ts_ns=now,
            retry_at_ns=retry_at,
            note=note,
        )
        self._report.decide(decision)


__all__ = ["DirectSendFn", "PolicyRuntime", "SendFn"]
