"""The error policy at run time on NautilusTrader 2: gate every submit, act on every reject.

The decisions are the core's (:mod:`nautilus_exec_kit.core.policy`: the reason parser, the
policy table, backoff and halt timing, the circuit breaker, the rate budget), so a reject gets
the same action at the same instant as on Nautilus 1. This module applies them to v2's objects:
its orders (a retry is a fresh order cloned from the original's ``OrderInitialized``, with a new
client order ID and the tag ``retry-of=<first id>``), its clock (every wait is a time alert on
the strategy clock: backtests stay deterministic) and its ``on_order_*`` hooks, which the v2
mixin routes here before the strategy's own handlers.

What it leaves out, next to the v1 runtime: the fast paths that skip reading venue answers
(v2 calls the hooks from Rust either way) and the catch-up from an order's history that goes
with them.

The runtime reads the strategy's clock, cache, order factory and logger through references the
mixin takes once (``_kit_clock`` ...): v2 refuses any attribute of a strategy that is inside its
own ``submit_order`` ("Already mutably borrowed"), and a denial arrives right there,
synchronously.

Nothing called from :meth:`PolicyRuntime.on_event` or a timer raises (v2 swallows and logs a
hook's exception, which would hide the kit's state going wrong); the errors meant for the author
(:class:`SubmissionsHalted`, :class:`RateBudgetExceeded`, :class:`VenueError` with
``fail_fast="raise"``) are raised from :meth:`PolicyRuntime.submit`, at the call site.

Reduce-only mode and instrument stops are the core's :class:`RestrictionBook`, asked on the
general path: while one is active the gate stays shut (``_GATE_SHUT``), so the fast path keeps
its single comparison.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Callable
from typing import Any, Final

import attrs
from nautilus_trader import model as nt
from nautilus_trader.core import UUID4

from nautilus_exec_kit.core.errors import (
    RateBudgetExceeded,
    SubmissionBlocked,
    SubmissionsHalted,
    VenueError,
)
from nautilus_exec_kit.core.policy.actions import Action, EventKind, PolicyDecision
from nautilus_exec_kit.core.policy.breaker import CircuitBreaker
from nautilus_exec_kit.core.policy.budget import RateBudget
from nautilus_exec_kit.core.policy.reasons import RejectReason, parse_reason
from nautilus_exec_kit.core.policy.report import PolicyReport
from nautilus_exec_kit.core.policy.restriction_gate import GATE_SHUT, RestrictionGate
from nautilus_exec_kit.core.policy.restrictions import RestrictionBook, Verdict
from nautilus_exec_kit.core.policy.rules import (
    BREAKER_IGNORES,
    GLOBAL_COOLDOWN,
    backoff_delay_ns,
    halt_until_ns,
    reconcile_retry_delay_ns,
)
from nautilus_exec_kit.core.policy.table import FAIL_FAST_HINTS, ErrorPolicy
from nautilus_exec_kit.v2.convert import SIDE

SendFn = Callable[[Any, Any, "dict[str, Any] | None"], None]

#: Which v2 event classes carry a reason, and what kind of failure they are.
REJECT_KINDS: Final[dict[type, EventKind]] = {
    nt.OrderRejected: EventKind.REJECTED,
    nt.OrderDenied: EventKind.DENIED,
    nt.OrderCancelRejected: EventKind.CANCEL_REJECTED,
    nt.OrderModifyRejected: EventKind.MODIFY_REJECTED,
}
#: Events proving the venue has the order: they settle its chain.
VENUE_ANSWERS: Final = (
    nt.OrderAccepted,
    nt.OrderFilled,
    nt.OrderCanceled,
    nt.OrderExpired,
    nt.OrderTriggered,
    nt.OrderUpdated,
)
#: Order states that prove the venue has (or had) the order.
_VENUE_STATES: Final = frozenset(
    {
        "ACCEPTED",
        "TRIGGERED",
        "PENDING_UPDATE",
        "PENDING_CANCEL",
        "PARTIALLY_FILLED",
        "FILLED",
        "CANCELED",
        "EXPIRED",
    }
)
_GATE_SHUT: Final = GATE_SHUT


@attrs.define
class _Record:
    """One sent order of a chain: what a retry needs to send it again."""

    order: Any
    position_id: Any
    params: dict[str, Any] | None
    origin: str  # the chain's first client order ID
    attempt: int = 1


def _venue_has(order: Any) -> bool:
    return order is not None and order.status.name in _VENUE_STATES


class PolicyRuntime(RestrictionGate):
    """Applies the core's error policy to one v2 strategy.

    ``send(order, position_id, params)`` hands an order to Nautilus (the mixin's transmit).
    """

    def __init__(
        self,
        strategy: Any,
        policy: ErrorPolicy,
        *,
        send: SendFn,
        fail_fast: str = "stop",
        budget: RateBudget | None = None,
        on_needs_change: Callable[[], None] | None = None,
        sweep_every: int = 64,
    ) -> None:
        self._strategy = strategy
        self._policy = policy
        self._send = send
        self._raise_mode = fail_fast == "raise"
        self._budget = budget
        self._rng = random.Random(policy.seed)
        self._breaker = CircuitBreaker(
            policy.breaker_threshold,
            policy.breaker_window_ms * 1_000_000,
            policy.breaker_halt_ms * 1_000_000,
        )
        #: Retries in flight (their chain's state matters until the venue answers).
        self._records: dict[str, _Record] = {}
        #: First sends: ``coid -> (order, position_id, params)``, kept until the venue answers or
        #: a sweep finds them answered (see :meth:`_sweep`).
        self._first: dict[str, tuple[Any, Any, dict[str, Any] | None]] = {}
        self._sweep_every = sweep_every
        self._sweep_at = sweep_every
        self._on_needs_change = on_needs_change
        self._queue: deque[_Record] = deque()
        #: Denied or rejected orders waiting for their scheduled retry, by origin: on their way
        #: as much as queued ones (``unsent_orders``).
        self._awaiting_retry: dict[str, _Record] = {}
        #: Rejected orders being reconciled (they may be resent), by client order ID; counted
        #: as unsent while the cache shows them closed.
        self._reconciling_records: dict[str, _Record] = {}
        self._drain_at: int | None = None
        self._halted_until = 0
        self._cooldown_until = 0
        self._closed_until = 0
        # reduce-only mode / instrument stops; while any is active the gate stays shut
        self._restrictions = RestrictionBook(
            policy.reduce_only_probe_ms * 1_000_000, policy.reduce_only_probe_max_ms * 1_000_000,
        )
        self._stopped = False
        self._failure: VenueError | None = None
        self._sending = 0
        self._alert_seq = 0
        self._reconciling: dict[str, bool] = {}  # coid -> the venue showed evidence meanwhile
        self._reconcile_reason: dict[str, RejectReason] = {}
        self._counts: Counter[str] = Counter()
        self._by_action: Counter[str] = Counter()
        self._by_code: Counter[str] = Counter()
        self._report = PolicyReport(strategy, lambda: strategy._kit_log)
        #: The latest decisions, oldest first.
        self.decisions = self._report.decisions
        self._call_hook = self._report.call_hook
        self._log_warning = self._report.warning
        self._log_error = self._report.error

    # -- public API --------------------------------------------------------------------------

    def submit(self, order: Any, position_id: Any, params: dict[str, Any] | None) -> None:
        """Gate, record and send one order (every helper's only exit).

        Raises
        ------
        SubmissionsHalted
            IP ban, open circuit breaker, or a fail-fast stop.
        RateBudgetExceeded
            The budget is used up and ``budget.when_exhausted == "refuse"``.
        VenueError
            ``fail_fast="raise"`` and a fail-fast reject happened (now or earlier).
        """
        now = self._strategy._kit_clock.timestamp_ns()
        budget = self._budget
        if now >= self._closed_until and (budget is None or budget.try_record(now)):
            # The fast path (every send of a healthy strategy): nothing halted, cooling down,
            # queued, stopped or failed (the gate would be closed), room in the budget (counted
            # here); the same bookkeeping as _dispatch -> _send_now for a first send.
            first = self._first
            if len(first) >= self._sweep_at:
                self._sweep()
            first[order.client_order_id.value] = (order, position_id, params)
            self._counts["sent"] += 1
            self._sending += 1
            try:
                self._send(order, position_id, params)
            finally:
                self._sending -= 1
            if self._failure is not None and self._raise_mode:
                raise self._failure  # the reject came synchronously, inside the send
            return
        if self._failure is not None and self._raise_mode:
            raise self._failure
        blocked = self._blocked_reason(now)
        if blocked is not None:
            self._counts["refused"] += 1
            raise SubmissionsHalted(f"{order.client_order_id}: not sent, {blocked}")
        if budget is not None and budget.when_exhausted == "refuse":
            free_at = budget.available_at(now)
            if free_at > now:
                self._counts["refused"] += 1
                raise RateBudgetExceeded(
                    f"{order.client_order_id}: not sent, the rate budget {budget.limits} is "
                    f"used up until ts={free_at}; slow down or set when_exhausted='queue'"
                )
        coid = order.client_order_id.value
        record = _Record(order, position_id, params, coid)
        if self._restrictions:
            verdict = self._restriction_verdict(order, position_id, params, coid, now)
            if isinstance(verdict, SubmissionBlocked):
                self._counts["refused_restricted"] += 1
                raise verdict
            if verdict is Verdict.PROBE:
                self._start_probe(coid)
        self._dispatch(record)
        if self._failure is not None and self._raise_mode and not self._sending:
            raise self._failure  # the reject came synchronously, inside the send

    def on_event(self, event: Any) -> None:
        """Read one order event (the mixin's hooks call it first). Never raises."""
        try:
            kind = REJECT_KINDS.get(type(event))
            if kind is not None:
                self._on_reject(event, kind)
            elif isinstance(event, VENUE_ANSWERS):
                self._on_venue_answer(event)
        except Exception as error:
            self._counts["internal_errors"] += 1
            self._log_error(f"[policy] internal error on {type(event).__name__}: {error!r}")

    def unsent_orders(self) -> list[tuple[Any, Any]]:
        """Orders the policy holds, queued behind the gate, waiting for a scheduled retry (the
        order to be cloned), or rejected with an unknown outcome and being reconciled while
        the cache shows them closed (they may be resent): ``(order, position_id)``. A strategy
        that sends "unless an order is already on its way" must count all three, or the retry
        and its own replacement both reach the venue."""
        unsent = [(record.order, record.position_id) for record in self._queue]
        unsent += [(r.order, r.position_id) for r in self._awaiting_retry.values()]
        unsent += [(r.order, r.position_id) for coid, r in self._reconciling_records.items()
                   if self._closed_in_cache(coid)]
        return unsent

    def _closed_in_cache(self, coid: str) -> bool:
        # v2's cache keeps its own copy: the strategy's order object does not follow events
        order = self._strategy._kit_cache.order(nt.ClientOrderId(coid))
        return order is not None and order.is_closed

    def drop_unsent(self) -> list[Any]:
        """Forget every order not sent yet (queued, waiting for a retry, or being reconciled)
        and return them, each logged: the strategy is stopping and its time alerts go with it
        (v1's ``drop_unsent``)."""
        dropped = [*self._queue, *self._awaiting_retry.values(),
                   *self._reconciling_records.values()]
        self._queue.clear()
        self._awaiting_retry.clear()
        for coid in self._reconciling_records:  # its check (an alert) would never run either
            self._reconciling.pop(coid, None)
            self._reconcile_reason.pop(coid, None)
        self._reconciling_records.clear()
        self._needs_changed()
        self._counts["dropped_at_stop"] += len(dropped)
        self._report.never_sent(record.order.client_order_id for record in dropped)
        return [record.order for record in dropped]

    def stats(self) -> dict[str, Any]:
        """Counters: per action and code, retries, halts, refusals, open records, and the
        active restrictions (reduce-only modes, stopped instruments)."""
        return {
            "by_action": dict(self._by_action),
            "by_code": dict(self._by_code),
            **dict(self._counts),
            "tracked": len(self._records) + len(self._first),
            "queued": len(self._queue),
            "restrictions": [state.as_dict() for state in self.restrictions],
        }

    # -- gate and send -----------------------------------------------------------------------

    def _now(self) -> int:
        return int(self._strategy._kit_clock.timestamp_ns())

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

    def _dispatch(self, record: _Record) -> None:
        now = self._now()
        gate_at = self._gate_at(now)
        if gate_at > now or self._queue:
            self._queue.append(record)
            self._closed_until = _GATE_SHUT  # queued orders go first: no fast path meanwhile
            self._counts["queued"] += 1
            self._schedule_drain(gate_at)
            return
        self._send_now(record, now)

    def _send_now(self, record: _Record, now: int) -> None:
        if self._budget is not None:
            self._budget.record(now)
        coid = record.order.client_order_id.value
        if record.attempt > 1:
            self._records[coid] = record
            self._counts["retries_sent"] += 1
            self._needs_changed()
        else:
            self._first[coid] = (record.order, record.position_id, record.params)
        self._counts["sent"] += 1
        self._sending += 1
        try:
            self._send(record.order, record.position_id, record.params)
        finally:
            self._sending -= 1

    def _schedule_drain(self, at: int) -> None:
        if self._drain_at is not None and self._drain_at <= at:
            return
        self._drain_at = at
        self._set_alert("gate", at, self._on_drain)

    def _on_drain(self, _: Any) -> None:
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
            self._cooldown_until, self._halted_until, self._breaker.open_until_ns or 0,
        )

    def _sweep(self) -> None:
        """Forget first sends the venue has answered (an order no longer in flight): the
        policy only needs a first send to resend it after a reject, and a reject comes first.
        Every ``sweep_every`` first sends: one cache read per send, amortised."""
        cache = self._strategy._kit_cache
        for coid in list(self._first):
            order = cache.order(nt.ClientOrderId(coid))
            if order is None or not order.is_inflight:
                del self._first[coid]
        self._sweep_at = len(self._first) + self._sweep_every

    @property
    def needs_venue_answers(self) -> bool:
        """True while a retry or a reconcile waits for the venue's answer (the mixin reads the
        venue's answers through the hooks only then)."""
        return bool(self._records or self._reconciling or self._restrictions.probes)

    def _needs_changed(self) -> None:
        if self._on_needs_change is not None:
            self._on_needs_change()

    def _set_alert(self, stem: str, at: int, callback: Callable[[Any], None]) -> None:
        self._alert_seq += 1
        name = f"exec-kit-{stem}-{self._alert_seq}"  # unique per strategy
        clock = self._strategy._kit_clock
        clock.set_time_alert_ns(name, max(at, clock.timestamp_ns()), callback, True)

    # -- events ------------------------------------------------------------------------------

    def _on_venue_answer(self, event: Any) -> None:
        coid = event.client_order_id.value
        if coid in self._reconciling:
            self._reconciling[coid] = True
        self._first.pop(coid, None)
        record = self._records.pop(coid, None)
        if record is not None:
            self._counts["retries_placed"] += 1
            self._needs_changed()
        origin = record.origin if record is not None else coid
        if origin in self._restrictions.probes:
            # the venue took an order sent while in reduce-only mode: the restriction is gone
            self._settle_probe(origin, passed=True)

    def _on_reject(self, event: Any, kind: EventKind) -> None:
        coid = event.client_order_id.value
        reason = parse_reason(getattr(event, "reason", ""))
        action = self._policy.action_for(reason)
        now = self._now()
        self._by_code[reason.key] += 1
        self._by_action[action.value] += 1
        if (
            kind in (EventKind.REJECTED, EventKind.DENIED)
            and reason.category not in BREAKER_IGNORES
            and self._breaker.record_failure(now)
        ):
            self._on_breaker_open(now)
        submit_path = kind in (EventKind.REJECTED, EventKind.DENIED)
        record = self._record_of(coid) if submit_path else None
        retry_at, note = self._HANDLERS[action](self, coid, reason, record, now)
        self._decide(coid, kind, reason, action, record, now, retry_at, note)
        origin = record.origin if record is not None else coid
        if submit_path and origin in self._restrictions.probes:
            # refused: a restriction code already re-armed the probe (_restrict); any other
            # reason taught nothing, and the next order that would increase exposure probes
            self._settle_probe(origin, passed=False)

    def _record_of(self, coid: str) -> _Record | None:
        """The sent order a reject is about (a retry's record, or a first send), forgotten."""
        record = self._records.pop(coid, None)
        if record is not None:
            self._needs_changed()
            return record
        first = self._first.pop(coid, None)
        if first is None:
            return None  # not sent through the policy (or already answered)
        return _Record(first[0], first[1], first[2], coid)

    # -- actions: each returns (retry_at_ns, note) --------------------------------------------

    def _skip(
        self, coid: str, reason: RejectReason, record: _Record | None, now: int,
    ) -> tuple[int | None, str]:
        return None, f"dropped, not resent: {self._policy.why(reason)}"

    def _backoff(
        self, coid: str, reason: RejectReason, record: _Record | None, now: int,
    ) -> tuple[int | None, str]:
        if record is None:
            return None, "cancel/modify rejects are not resent by the kit; the strategy decides"
        delay, spent = backoff_delay_ns(self._policy, reason, record.attempt, self._rng)
        if reason.category in GLOBAL_COOLDOWN:
            # the limit is per account/IP: nothing else may go out before the venue's wait
            self._cooldown_until = max(
                self._cooldown_until, now + max(reason.retry_after_ns or 0, delay or 0),
            )
            self._close_gate_until(self._cooldown_until)
        if delay is None:
            self._counts["gave_up"] += 1
            allowed = self._policy.backoff_for(reason).max_attempts
            return None, f"gave up after {spent} attempts ({allowed} allowed)"
        return self._schedule_retry(record, now + delay), "fresh order scheduled"

    def _reconcile(
        self, coid: str, reason: RejectReason, record: _Record | None, now: int,
    ) -> tuple[int | None, str]:
        order = self._strategy._kit_cache.order(nt.ClientOrderId(coid))
        if _venue_has(order):
            self._counts["reconciled_placed"] += 1
            return None, "the venue has the order: not resent"
        if order is not None:
            try:
                self._strategy.query_order(order)
            except Exception as error:  # the backtest client may not implement queries
                self._counts["query_failed"] += 1
                self._log_warning(f"[policy] query_order({coid}) failed: {error!r}")
        if record is None:
            return None, "queried the order's state; cancel/modify rejects are not resent"
        self._reconciling[coid] = False
        self._reconciling_records[coid] = record
        self._reconcile_reason[coid] = reason
        self._needs_changed()
        check_at = now + self._policy.reconcile_wait_ms * 1_000_000
        self._set_alert(
            f"reconcile-{coid}", check_at, lambda _: self._on_reconcile_check(coid, record),
        )
        return check_at, "queried the venue; resend only if no such order turns up"

    def _fail_fast(
        self, coid: str, reason: RejectReason, record: _Record | None, now: int,
    ) -> tuple[int | None, str]:
        hint = FAIL_FAST_HINTS.get(reason.category, "fix the strategy or its configuration")
        message = (
            f"fail-fast on {coid}: {reason.key} {reason.message!r} ({reason.category.value}); "
            f"what to change: {hint}"
        )
        self._failure = VenueError(message, reason.code)
        if self._raise_mode:
            self._closed_until = _GATE_SHUT
            return None, f"VenueError raised from the next submit: {message}"
        self._stopped = True
        self._closed_until = _GATE_SHUT
        self._queue.clear()
        self._awaiting_retry.clear()
        # stop from a time alert, not from inside Nautilus' event dispatch
        self._set_alert("fail-fast-stop", now, self._stop_now)
        return None, f"strategy stopped: {message}"

    def _halt(
        self, coid: str, reason: RejectReason, record: _Record | None, now: int,
    ) -> tuple[int | None, str]:
        until = halt_until_ns(self._policy, reason, now)
        self._halted_until = max(self._halted_until, until)
        self._close_gate_until(self._halted_until)
        self._counts["halts"] += 1
        if record is None:
            return until, f"all submissions halted until ts={until}"
        return self._schedule_retry(record, until), (
            f"all submissions halted until ts={until}; this order is resent then"
        )

    def _restrict(
        self, coid: str, reason: RejectReason, record: _Record | None, now: int,
    ) -> tuple[int | None, str]:
        """Reduce-only mode / instrument stop: drop this order (never resent) and put the
        restriction on, for the account or the order's instrument (the core decides which)."""
        order = (
            record.order if record is not None
            else self._strategy._kit_cache.order(nt.ClientOrderId(coid))
        )
        instrument = order.instrument_id.value if order is not None else None
        origin = record.origin if record is not None else coid
        note = self._enter_restriction(
            self._policy.action_for(reason), reason, instrument, origin, now,
        )
        return None, note  # _on_reject then frees a refused probe's slot

    _HANDLERS: Final[
        dict[
            Action,
            Callable[
                [PolicyRuntime, str, RejectReason, _Record | None, int], tuple[int | None, str],
            ],
        ]
    ] = {
        Action.SKIP: _skip,
        Action.BACKOFF: _backoff,
        Action.RECONCILE: _reconcile,
        Action.FAIL_FAST: _fail_fast,
        Action.HALT: _halt,
        Action.REDUCE_ONLY: _restrict,
        Action.STOP_INSTRUMENT: _restrict,
    }

    # -- restrictions (RestrictionGate's hooks) -------------------------------------------------

    _SIDE = SIDE

    def _start_probe(self, origin: str) -> None:
        """The chain ``origin`` probes a reduce-only mode: needs_venue_answers is True while
        the book holds a probe, so its answers are read as they come."""
        self._probe_started(origin)

    def _restrictions_changed(self) -> None:
        self._needs_changed()

    # -- helpers of the actions --------------------------------------------------------------

    def _schedule_retry(self, record: _Record, at: int) -> int:
        self._awaiting_retry[record.origin] = record
        self._set_alert(f"retry-{record.origin}", at, lambda _: self._retry(record))
        return at

    def _retry(self, record: _Record) -> None:
        if self._awaiting_retry.pop(record.origin, None) is not record:
            return  # dropped meanwhile (the strategy stopped): never sent
        try:
            if self._stopped:
                return
            if self._restrictions and not self._admit_unattended(
                record.order, record.position_id, record.params, record.origin, self._now(),
                "retry",
            ):
                return
            clone = self._clone(record.order, record.origin)
            self._dispatch(
                _Record(clone, record.position_id, record.params, record.origin,
                        record.attempt + 1),
            )
        except Exception as error:
            self._counts["internal_errors"] += 1
            self._log_error(f"[policy] retry of {record.origin} failed: {error!r}")

    def _clone(self, order: Any, origin: str) -> Any:
        """A fresh order from the original's ``OrderInitialized``: new client order ID, tag
        ``retry-of=<first id>``, no contingency links (a retried child stands alone)."""
        values = order.init_event.to_dict()
        tags = [t for t in (values.get("tags") or []) if not t.startswith("retry-of=")]
        coid = self._strategy._kit_factory.generate_client_order_id().value
        now = self._now()
        values.update(
            client_order_id=coid,
            tags=[*tags, f"retry-of={origin}"],
            contingency_type=None,
            order_list_id=None,
            linked_order_ids=None,
            parent_order_id=None,
            exec_spawn_id=coid if values.get("exec_algorithm_id") else None,
            event_id=UUID4().value,
            ts_init=now,
            ts_event=now,
        )
        return type(order).create(nt.OrderInitialized.from_dict(values))

    def _on_reconcile_check(self, coid: str, record: _Record) -> None:
        try:
            evidence = self._reconciling.pop(coid, False)
            self._reconciling_records.pop(coid, None)
            reason = self._reconcile_reason.pop(coid, None) or parse_reason("UNKNOWN")
            self._needs_changed()
            order = self._strategy._kit_cache.order(nt.ClientOrderId(coid))
            now = self._now()
            retry_at: int | None = None
            if evidence or _venue_has(order):
                self._counts["reconciled_placed"] += 1
                note = "the venue has the order: not resent"
            else:
                self._counts["reconciled_absent"] += 1
                delay = reconcile_retry_delay_ns(self._policy, record.attempt, self._rng)
                if delay is None or self._stopped:
                    self._counts["gave_up"] += 1
                    note = "the venue does not have the order; attempts used up, not resent"
                else:
                    retry_at = self._schedule_retry(record, now + delay)
                    note = "the venue does not have the order: fresh order scheduled"
            self._decide(
                coid, EventKind.REJECTED, reason, Action.RECONCILE, record,
                now, retry_at, note,
            )
        except Exception as error:
            self._counts["internal_errors"] += 1
            self._log_error(f"[policy] reconcile check of {coid} failed: {error!r}")

    def _stop_now(self, _: Any) -> None:
        try:
            if not self._strategy.is_stopped():
                self._strategy.stop()
        except Exception as error:
            self._log_error(f"[policy] strategy.stop() failed: {error!r}")

    def _on_breaker_open(self, now: int) -> None:
        state = self._breaker.state(now)
        self._close_gate_until(state.until_ns or 0)
        self._log_error(
            f"[policy] CIRCUIT BREAKER OPEN: {state.failures} failures within "
            f"{self._policy.breaker_window_ms} ms; submissions refused until ts={state.until_ns}"
        )
        self._call_hook("on_circuit_breaker", state)
        if state.until_ns is not None:
            self._set_alert("breaker", state.until_ns, self._on_breaker_close)

    def _on_breaker_close(self, _: Any) -> None:
        self._call_hook("on_circuit_breaker", self._breaker.state(self._now()))
        if self._queue:
            self._schedule_drain(self._now())

    def _decide(
        self,
        coid: str,
        kind: EventKind,
        reason: RejectReason,
        action: Action,
        record: _Record | None,
        now: int,
        retry_at: int | None,
        note: str,
    ) -> None:
        decision = PolicyDecision(
            client_order_id=coid,
            original_client_order_id=record.origin if record else coid,
            kind=kind,
            reason=reason,
            action=action,
            attempt=record.attempt if record else 1,
            ts_ns=now,
            retry_at_ns=retry_at,
            note=note,
        )
        self._report.decide(decision)


__all__ = ["REJECT_KINDS", "VENUE_ANSWERS", "PolicyRuntime"]
