"""Chain bookkeeping of PolicyRuntime: no resend after the venue answers, nothing kept forever.

Unit level: a stub strategy on a TestClock drives the runtime directly, so each scenario controls
exactly when the venue's (late) answer arrives relative to the policy's timers. ``Harness.feed``
does what Nautilus' ExecEngine does with an event: apply it to the order (an event the order's
state machine refuses, such as an accept after a reject, is still delivered), then publish it.
"""

from __future__ import annotations

import contextlib
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from nautilus_trader.common.component import TestClock
from nautilus_trader.common.factories import OrderFactory
from nautilus_trader.core.fsm import InvalidStateTrigger
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.model.enums import OrderSide, TriggerType
from nautilus_trader.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEmulated,
    OrderEvent,
    OrderRejected,
    OrderReleased,
    OrderSubmitted,
    OrderUpdated,
)
from nautilus_trader.model.identifiers import (
    AccountId,
    PositionId,
    StrategyId,
    TraderId,
    VenueOrderId,
)
from nautilus_trader.model.objects import Quantity
from nautilus_trader.model.orders import MarketOrder, Order
from nautilus_trader.test_kit.providers import TestInstrumentProvider

from nautilus_exec_kit.core.errors import SubmissionsHalted
from nautilus_exec_kit.policy import ErrorPolicy, PolicyRuntime, RateBudget, runtime

INSTRUMENT = TestInstrumentProvider.btcusdt_perp_binance()
ACCOUNT = AccountId("BINANCE-001")
PID = PositionId(f"{INSTRUMENT.id}-BOTH")


class Harness:
    def __init__(
        self, *, lazy: bool = False, sweep_every: int = 64, budget: RateBudget | None = None,
    ) -> None:
        self.clock = TestClock()
        self.clock.set_time(1_000_000_000)
        self.factory = OrderFactory(TraderId("T-001"), StrategyId("S-001"), self.clock)
        self.sent: list[Order] = []
        self.errors: list[str] = []
        known: dict[str, Order] = {}
        self.strategy = SimpleNamespace(
            clock=self.clock,
            order_factory=self.factory,
            is_stopped=False,
            log=SimpleNamespace(
                warning=lambda m: None, info=lambda m: None, error=self.errors.append,
            ),
            cache=SimpleNamespace(order=lambda coid: known.get(coid.value)),
            query_order=lambda order: None,  # the venue never answers the query
        )

        def send(order: Order, position_id: Any, params: Any) -> None:
            self.sent.append(order)
            known[order.client_order_id.value] = order
            now = self.clock.timestamp_ns()
            order.apply(OrderSubmitted(order.trader_id, order.strategy_id, order.instrument_id,
                                       order.client_order_id, ACCOUNT, UUID4(), now, now))
            reason = self.reject_on_send.pop(len(self.sent), None)
            if reason is not None:  # the venue refuses it at once, inside the send
                self.feed(self.rejected(order, reason))

        self.known = known
        #: the n-th send (1-based) is rejected at once with this reason
        self.reject_on_send: dict[int, str] = {}
        # lazy: like the mixin, deliver the venue's answers only while the policy needs them,
        # and let it catch up before delivering them again
        self.lazy = lazy
        self.runtime = PolicyRuntime(
            self.strategy, ErrorPolicy.default(), send=send,
            on_needs_change=self._needs_changed if lazy else None, sweep_every=sweep_every,
            budget=budget,
        )

    def _needs_changed(self) -> None:
        if self.runtime.needs_venue_answers:
            self.runtime.catch_up()

    def delivers(self, event: OrderEvent) -> bool:
        """Whether the reader delivers ``event`` to the policy now."""
        return not (
            self.lazy
            and isinstance(event, runtime._VENUE_KNOWS)
            and not self.runtime.needs_venue_answers
        )

    def feed(self, event: OrderEvent) -> None:
        """The ExecEngine's way: apply to the order (a refused transition is only logged),
        then the strategy's subscribers see the event."""
        with contextlib.suppress(InvalidStateTrigger):
            self.known[event.client_order_id.value].apply(event)
        if self.delivers(event):
            self.runtime.on_event(event)

    def advance(self, secs: float) -> None:
        for event in self.clock.advance_time(self.clock.timestamp_ns() + int(secs * 1e9)):
            event.handle()

    def rejected(self, order: Order, reason: str) -> OrderRejected:
        now = self.clock.timestamp_ns()
        return OrderRejected(order.trader_id, order.strategy_id, order.instrument_id,
                             order.client_order_id, ACCOUNT, reason, UUID4(), now, now)

    def accepted(self, order: Order) -> OrderAccepted:
        now = self.clock.timestamp_ns()
        return OrderAccepted(order.trader_id, order.strategy_id, order.instrument_id,
                             order.client_order_id, VenueOrderId("1"), ACCOUNT, UUID4(), now, now)

    def canceled(self, order: Order) -> OrderCanceled:
        now = self.clock.timestamp_ns()
        return OrderCanceled(order.trader_id, order.strategy_id, order.instrument_id,
                             order.client_order_id, None, ACCOUNT, UUID4(), now, now)

    def updated(self, order: Order) -> OrderUpdated:
        now = self.clock.timestamp_ns()
        return OrderUpdated(order.trader_id, order.strategy_id, order.instrument_id,
                            order.client_order_id, VenueOrderId("1"), ACCOUNT, order.quantity,
                            None, None, UUID4(), now, now)

    def market(self) -> Order:
        order = self.factory.market(INSTRUMENT.id, OrderSide.BUY, Quantity.from_str("0.001"))
        self.runtime.submit(order, PID, None)
        return order


def test_a_late_venue_answer_cancels_the_scheduled_retry() -> None:
    """Unknown outcome, nothing found, retry scheduled; then the venue reports the original
    after all: the retry must not go out (that would double the position)."""
    h = Harness()
    order = h.market()
    h.feed(h.rejected(order, "UNKNOWN"))
    h.advance(2.1)  # past reconcile_wait_ms: no evidence, a fresh order is scheduled
    assert h.runtime.stats()["chains"] == {"retrying": 1}
    h.feed(h.accepted(order))  # the original was placed after all
    h.advance(30)
    assert [o.client_order_id for o in h.sent] == [order.client_order_id]
    assert h.runtime.stats()["chains"] == {"accepted": 1}


def test_a_chain_whose_first_venue_answer_is_a_cancel_settles() -> None:
    h = Harness()
    order = h.factory.limit(INSTRUMENT.id, OrderSide.BUY, Quantity.from_str("0.001"),
                            INSTRUMENT.make_price(40_000))
    h.runtime.submit(order, PID, None)
    h.feed(h.canceled(order))  # e.g. IOC/FOK: SUBMITTED -> CANCELED
    assert h.runtime.open_chains == 0
    assert h.runtime.tracked_order_ids == 0
    assert h.runtime.stats()["chains"] == {"canceled": 1}


def test_retry_ids_are_forgotten_once_the_chain_settles() -> None:
    h = Harness()
    order = h.market()
    h.feed(h.rejected(order, "{'code': -1003, 'msg': 'Too many requests.'}"))
    h.advance(30)  # the backoff fires: a retry with a fresh client order ID is sent
    assert len(h.sent) == 2
    h.feed(h.accepted(h.sent[1]))
    assert h.runtime.open_chains == 0
    assert h.runtime.tracked_order_ids == 0


def test_the_sweep_keeps_an_unanswered_order_so_its_later_reject_is_still_retried() -> None:
    h = Harness()
    silent = h.market()  # the venue has not answered for it yet
    for _ in range(1_000):
        h.feed(h.accepted(h.market()))
    h.feed(h.rejected(silent, "{'code': -1003, 'msg': 'Too many requests.'}"))
    h.advance(30)
    retries = [o for o in h.sent if f"retry-of={silent.client_order_id}" in (o.tags or [])]
    assert len(retries) == 1
    assert h.runtime.stats()["chains"] == {"accepted": 1_000, "retrying": 1}


RATE = "{'code': -1003, 'msg': 'Too many requests.'}"
TIMEOUT = "{'code': -1007, 'msg': 'Timeout waiting for response from backend server.'}"


def test_the_original_turning_up_while_its_retry_is_reconciled_stops_the_resend() -> None:
    """Found in review: a late accept of the original only counted as evidence for the order
    being reconciled (the retry), so the check found the retry absent and resent a third."""
    h = Harness()
    original = h.market()
    h.feed(h.rejected(original, RATE))
    h.advance(10)  # the backoff fires: retry 2 goes out
    assert len(h.sent) == 2
    h.feed(h.rejected(h.sent[1], TIMEOUT))  # retry 2: outcome unknown -> reconcile
    h.feed(h.accepted(original))  # ... and the original was placed after all
    h.advance(60)
    assert len(h.sent) == 2
    assert h.runtime.open_chains == 0


def test_a_settled_chain_is_not_revived_by_its_in_flight_retry_being_rejected() -> None:
    """Found in review: once the original turned up (chain settled), the reject of the retry
    still in flight scheduled yet another resend."""
    h = Harness()
    original = h.market()
    h.feed(h.rejected(original, TIMEOUT))  # reconcile
    h.advance(3)  # nothing turned up: a fresh order is scheduled
    h.advance(10)
    assert len(h.sent) == 2
    h.feed(h.accepted(original))  # the original was placed after all: settled
    h.feed(h.rejected(h.sent[1], RATE))  # the retry in flight is rejected
    h.advance(60)
    assert len(h.sent) == 2
    assert h.runtime.open_chains == 0


def test_answers_not_read_are_caught_up_before_answers_are_read_again() -> None:
    """An accept the policy did not read (nothing needed it), then a reject elsewhere makes it
    read answers again: the accepted order's later cancel must not count as its outcome."""
    h = Harness(lazy=True)
    first, second = h.market(), h.market()
    h.feed(h.accepted(first))  # not delivered
    assert not h.runtime.needs_venue_answers
    h.feed(h.rejected(second, RATE))  # a retry waits: answers are read from now on
    assert h.runtime.needs_venue_answers
    h.feed(h.canceled(first))
    assert h.runtime.stats()["chains"] == {"accepted": 1, "retrying": 1}


def test_an_update_not_read_before_a_reject_still_means_no_resend() -> None:
    """Read as it came, an update tells the policy the venue has the order (no resend on a
    later reject); not read, the reject's catch-up must find it in the order's history."""
    sends = []
    for lazy in (False, True):
        h = Harness(lazy=lazy)
        order = h.market()
        h.feed(h.updated(order))
        h.feed(h.rejected(order, RATE))
        h.advance(30)
        sends.append(len(h.sent))
    assert sends == [1, 1]


def _emulated_accepted_then_rate_limited(lazy: bool) -> tuple[int, dict[str, int]]:
    h = Harness(lazy=lazy)
    order = h.factory.limit(INSTRUMENT.id, OrderSide.BUY, Quantity.from_str("0.001"),
                            INSTRUMENT.make_price(40_000), emulation_trigger=TriggerType.BID_ASK)

    def to_emulator(o: Order, position_id: Any, params: Any) -> None:
        h.sent.append(o)  # Nautilus hands it to its OrderEmulator, not to the venue
        h.known[o.client_order_id.value] = o

    h.runtime._send = to_emulator
    h.runtime.submit(order, PID, None)
    now = h.clock.timestamp_ns()
    ids = (order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id)
    order.apply(OrderEmulated(*ids, UUID4(), now))
    released = MarketOrder.transform_py(order, now)
    h.known[order.client_order_id.value] = released  # cache.add_order(..., overwrite=True)
    released.apply(OrderReleased(*ids, INSTRUMENT.make_price(40_000), UUID4(), now))
    released.apply(OrderSubmitted(*ids, ACCOUNT, UUID4(), now, now))
    h.feed(h.accepted(released))
    h.feed(h.rejected(released, RATE))
    h.advance(30)
    return len(h.sent), h.runtime.stats()["chains"]


def test_an_emulated_order_is_caught_up_from_the_object_the_emulator_released() -> None:
    """The emulator releases an order as a new object (transform, cached over the original);
    the venue's answers are applied to that one. Not read as they came, they must still settle
    the chain: an accept before a -1003 reject means no resend."""
    assert _emulated_accepted_then_rate_limited(lazy=False) == (1, {"accepted": 1})
    assert _emulated_accepted_then_rate_limited(lazy=True) == (1, {"accepted": 1})


def test_the_sweep_settles_answered_chains_and_keeps_the_rest() -> None:
    h = Harness(lazy=True, sweep_every=4)
    silent = h.market()
    for _ in range(20):
        h.feed(h.accepted(h.market()))
    # swept along the way: only the last few answered ones and the silent one are left
    assert len(h.runtime._chains) < 8 and silent.client_order_id in h.runtime._chains
    assert h.runtime.open_chains == 1  # catch-up settles the rest
    assert h.runtime.stats()["chains"] == {"accepted": 20, "pending": 1}


def test_an_order_sent_once_the_budget_has_room_still_waits_behind_the_queued_ones() -> None:
    """Budget 2 per 10 s: the third order queues. At 10 s the budget has room again, but the
    drain alert has not fired yet when a fourth order comes: it must go after the third."""
    h = Harness(budget=RateBudget(((2, 10_000_000_000),)))
    first, second, third = h.market(), h.market(), h.market()
    assert h.sent == [first, second]
    h.clock.set_time(h.clock.timestamp_ns() + 10_000_000_000)  # no alert handled yet
    fourth = h.market()
    h.advance(0)
    h.advance(20)
    assert h.sent == [first, second, third, fourth]


def test_a_rate_limit_met_by_the_last_queued_order_still_holds_back_the_next_one() -> None:
    """The queue drains; its last order is refused with -1003 inside the send: the cooldown
    that starts then must hold the next order back, though the queue is empty again."""
    h = Harness(budget=RateBudget(((1, 100_000_000),)))  # 1 per 100 ms
    h.reject_on_send[2] = RATE
    h.market()
    h.market()  # queued behind the budget
    h.advance(0.1)  # the drain sends it; -1003 at once: a cooldown of about 1 s starts
    assert len(h.sent) == 2
    h.clock.set_time(h.clock.timestamp_ns() + 200_000_000)  # the budget has room again
    h.market()
    assert len(h.sent) == 2  # held back by the cooldown, not sent on the fast path


def test_a_strategy_stopped_by_a_fail_fast_reject_sends_nothing_more() -> None:
    h = Harness()
    order = h.market()
    h.feed(h.rejected(order, "{'code': -2015, 'msg': 'Invalid API-key, IP, or permissions.'}"))
    try:
        h.market()
    except SubmissionsHalted:
        pass
    else:
        raise AssertionError("a submit after the fail-fast stop was not refused")
    assert h.sent == [order]


_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("submit"), st.just(0)),
        st.tuples(st.sampled_from(["accept", "cancel", "update", "unknown", "rate", "margin"]),
                  st.integers(0, 7)),
        st.tuples(st.just("advance"), st.integers(1, 40)),
    ),
    max_size=30,
)
_REASONS = {
    "unknown": '{"code":-1007,"msg":"Timeout waiting for response from backend server."}',
    "rate": '{"code":-1003,"msg":"Too many requests."}',
    "margin": '{"code":-2019,"msg":"Margin is insufficient."}',
}


def _play(steps: list[tuple[str, int]], mode: str) -> dict[str, Any]:
    """``mode``: "general" (the isinstance path), "table" (on_event, as the mixin reads while
    hooked), "lazy" (answers delivered only while needed; a sweep every 2 chains)."""
    h = Harness(lazy=mode == "lazy", sweep_every=2 if mode == "lazy" else 64)
    dispatch = h.runtime._on_unlisted_event if mode == "general" else h.runtime.on_event

    def feed_one(event: OrderEvent) -> None:
        if h.delivers(event):
            dispatch(event)

    for action, arg in steps:
        if action == "submit":
            with contextlib.suppress(Exception):
                h.market()
        elif action == "advance":
            h.advance(arg / 10)
        elif h.sent:
            order = h.sent[arg % len(h.sent)]
            event = {"accept": h.accepted, "cancel": h.canceled, "update": h.updated}.get(action)
            answer = event(order) if event else h.rejected(order, _REASONS[action])
            with contextlib.suppress(InvalidStateTrigger):
                h.known[order.client_order_id.value].apply(answer)
            feed_one(answer)
    stats = h.runtime.stats()
    return {
        "sent": [(o.client_order_id.value, o.tags) for o in h.sent],
        "chains": stats["chains"],
        "open_chains": h.runtime.open_chains,
        "tracked": h.runtime.tracked_order_ids,
        "decisions": [(d.client_order_id, d.action, d.note) for d in h.runtime.decisions],
        "errors": h.errors,
    }


def _internal_errors(played: dict[str, Any]) -> list[str]:
    """The runtime's own failures among the errors it logged (a circuit breaker opening after
    ten rejects is logged as an error too, and is no failure)."""
    return [e for e in played["errors"] if "CIRCUIT BREAKER" not in e]


@settings(max_examples=150, deadline=None)
@given(steps=_STEPS)
def test_the_event_table_fast_paths_decide_as_the_general_path(
    steps: list[tuple[str, int]],
) -> None:
    """on_event (the table, with the inline first-answer settle and the drop of answers for
    orders the policy holds nothing for, as the mixin dispatches) leaves the runtime exactly as
    the general isinstance path does: same sends, resends, chains, decisions."""
    fast = _play(steps, "table")
    assert fast == _play(steps, "general")
    assert not _internal_errors(fast)


@settings(max_examples=300, deadline=None)
@given(steps=_STEPS)
def test_reading_the_venue_answers_only_while_needed_decides_the_same(
    steps: list[tuple[str, int]],
) -> None:
    """The venue's answers delivered only while the policy needs them (the mixin's intake
    while no book holds an order), with a sweep every 2 chains: the same sends, resends,
    chains, decisions as reading every answer."""
    lazy = _play(steps, "lazy")
    assert lazy == _play(steps, "table")
    assert not _internal_errors(lazy)
