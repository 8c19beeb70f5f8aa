"""Where the kit reads order events: Nautilus' hooks while the strategy runs, the bus otherwise.

Each event the kit acts on must reach it exactly once, before the author's handlers, in every
lifecycle state, and the author's overrides (with or without ``super()``) must not change that.
The one exception is by design: the venue's answers for orders no book tracks are not read while
the error policy does not need them; the policy settles those orders from their event history,
with the same outcome (``test_not_reading_the_venue_answers_changes_no_outcome``).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from typing import Any

import pytest
from nautilus_trader.model.enums import OrderSide, TriggerType
from nautilus_trader.model.events import OrderDenied, OrderFilled
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit import algo, mixin
from nautilus_exec_kit.backtest.rejects import RejectInjector
from nautilus_exec_kit.intake import (
    EVENT_HOOKS,
    OrderEventRouter,
    install_hooks,
    remove_hooks,
    withdraw_hooks,
)
from nautilus_exec_kit.policy import PolicyRuntime, runtime
from tests.conftest import IID, ScriptedConfig, ScriptedStrategy, flat_quotes, make_engine

SELL = OrderSide.SELL
#: the venue's answers: read straight by the policy or not at all while the books are empty
_VENUE_ANSWERS = frozenset(runtime._VENUE_KNOWS)
_ALGO_CLASSES = frozenset({"StopMarketOrder", "StopLimitOrder", "MarketIfTouchedOrder",
                           "LimitIfTouchedOrder", "TrailingStopMarketOrder"})


def test_the_hooks_cover_every_event_class_the_kit_acts_on() -> None:
    strategy = ScriptedStrategy(ScriptedConfig())
    policy_reads = {
        cls for cls, handler in strategy.exec_kit_policy.event_handlers.items() if handler
    }
    books_read = {*algo.RELEASING_EVENTS, *mixin._TERMINAL_ORDER_EVENTS, OrderFilled}
    assert policy_reads | books_read <= set(EVENT_HOOKS.values())
    for name, cls in EVENT_HOOKS.items():
        # the hook Strategy.handle_event calls for that class: on_<snake_case class name>
        assert name == "on_" + re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()
        assert hasattr(Strategy, name)


class _Lifecycle(ScriptedStrategy):
    """Sends orders while starting, running and stopping; notes where the kit reads events."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_bus: dict[str, bool] = {}

    def _kit_on_bus(self) -> bool:
        router = self._kit_router
        return bool(self.msgbus.is_subscribed(f"events.order.{self.id}", router.on_order_event))

    def on_start(self) -> None:
        super().on_start()
        self.on_bus["starting"] = self._kit_on_bus()
        self.results["start"] = self.submit_limit(IID, OrderSide.BUY, "0.010", "40000.0")

    def on_stop(self) -> None:
        self.on_bus["stopping"] = self._kit_on_bus()
        self.cancel_all_orders(IID)


def _deny(s: _Lifecycle) -> None:
    """A raw order over the instrument's maximum quantity: Nautilus' RiskEngine denies it."""
    s.submit_order(s.order_factory.market(IID, OrderSide.BUY, Quantity.from_str("5000.000")))


def _run(
    cls: type[_Lifecycle], *, reject: str | None = None, **config: Any
) -> tuple[_Lifecycle, list[Any], list[Any]]:
    """Run ``cls`` through start, 12 quotes and stop; every event the kit's intake read, and
    every order event of the run the kit must read: all but the venue's answers for orders
    no book tracks (an algo order's all are). ``reject``: a RejectInjector spec."""
    reads: list[Any] = []
    original = OrderEventRouter.on_order_event
    original_answer = PolicyRuntime.on_venue_answer

    def counting(self: OrderEventRouter, event: Any) -> None:
        if type(event) not in _VENUE_ANSWERS:  # counted where the policy reads them
            reads.append(event)
        original(self, event)

    def counting_answer(self: PolicyRuntime, event: Any) -> None:
        reads.append(event)  # straight from a hook, or through the router: counted once
        original_answer(self, event)

    engine = make_engine()
    engine.add_data(flat_quotes(12))
    script = {
        2: lambda s: s.submit_stop_market(IID, SELL, "0.010", "49000.0"),
        3: lambda s: s._kit_on_bus(),
        4: lambda s: s.submit_limit(IID, OrderSide.BUY, "0.010", "41000.0"),
        6: lambda s: s.cancel(s.results[4]),
        8: _deny,  # sent raw (not through the kit's checks): the RiskEngine denies it
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(OrderEventRouter, "on_order_event", counting)  # before it is subscribed
        patch.setattr(PolicyRuntime, "on_venue_answer", counting_answer)
        strategy = cls(ScriptedConfig(**config), script)
        engine.add_strategy(strategy)
        if reject:
            RejectInjector(reject).install(engine)
        engine.run()
    events = [
        e for order in engine.cache.orders() for e in order.events
        if type(e) not in _VENUE_ANSWERS or type(order).__name__ in _ALGO_CLASSES
    ]
    engine.dispose()
    return strategy, reads, events


def _read_once(reads: list[Any], events: list[Any]) -> bool:
    """Every event the kit must read was read exactly once, and no event more than once."""
    counts = Counter(e.id for e in reads)
    acted_on = [e for e in events if type(e) in EVENT_HOOKS.values()]
    return bool(acted_on) and all(counts[e.id] == 1 for e in acted_on) and max(counts.values()) == 1


def test_each_event_the_kit_acts_on_reaches_it_once_in_every_lifecycle_state() -> None:
    strategy, reads, events = _run(_Lifecycle)

    # on the bus while starting and stopping, through the hooks while running
    assert strategy.on_bus == {"starting": True, "stopping": True}
    assert strategy.results[3] is False
    assert _read_once(reads, events)
    # the algo stop sent while running is canceled by on_stop, while no hook is called: the
    # bus read the cancel, and the algo book let go of it
    assert strategy.open_algo_orders(IID) == 0
    assert strategy.exec_kit_stats()["algo_open"] == 0


def _answers_always_read(patch: pytest.MonkeyPatch) -> None:
    """The policy as if it always needed the venue's answers: the kit reads every one."""
    patch.setattr(PolicyRuntime, "needs_venue_answers", property(lambda self: True))


def _outcome(strategy: Any) -> dict[str, Any]:
    stats = strategy.exec_kit_policy_stats()
    decisions = [(d.client_order_id, d.action, d.note) for d in strategy.exec_kit_policy.decisions]
    return {"chains": stats["chains"], "sent": stats.get("sent"), "decisions": decisions,
            "open": strategy.exec_kit_policy.open_chains,
            "tracked": strategy.exec_kit_policy.tracked_order_ids}


@pytest.mark.parametrize(
    "reject", [None, "-1003@nth=2,retry_after=1", "-1007@nth=3,placed=true"],
    ids=["clean", "rate_limit_retry", "unknown_outcome"],
)
def test_not_reading_the_venue_answers_changes_no_outcome(reject: str | None) -> None:
    """The same run with the venue's answers always read (as before) and with them read only
    while needed: the same chains, decisions and resends; and in the second the hooks were
    withdrawn while nothing needed them."""
    lazy, lazy_reads, _ = _run(_Lifecycle, reject=reject)
    with pytest.MonkeyPatch.context() as patch:
        _answers_always_read(patch)
        eager, eager_reads, _ = _run(_Lifecycle, reject=reject)
    assert _outcome(lazy) == _outcome(eager)
    answers = [e for e in lazy_reads if type(e) in _VENUE_ANSWERS]
    assert len(answers) < len([e for e in eager_reads if type(e) in _VENUE_ANSWERS])
    if reject:
        assert lazy.exec_kit_policy_stats()["by_action"]  # the reject was decided on


def _outcomes_lazy_and_eager(
    cls: type[ScriptedStrategy],
    script: dict[int, Any],
    ticks: int,
    check: Any = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``_outcome`` of the same backtest with the answers read only while needed, then always;
    ``check(engine, strategy)`` runs after each."""
    outcomes = []
    for eager in (False, True):
        engine = make_engine()
        engine.add_data(flat_quotes(ticks))
        with pytest.MonkeyPatch.context() as patch:
            if eager:
                _answers_always_read(patch)
            strategy = cls(ScriptedConfig(), script)
            engine.add_strategy(strategy)
            engine.run()
        try:
            if check is not None:
                check(engine, strategy)
            outcomes.append(_outcome(strategy))
        finally:
            engine.dispose()
    return outcomes[0], outcomes[1]


def test_stopping_while_the_answers_are_not_read_catches_up_before_the_bus_reads_them() -> None:
    """Limits accepted while the kit did not read the answers, then canceled by ``on_stop``
    (read from the bus): each counts as accepted, as if every answer had been read."""
    script = {
        1: lambda s: s.submit_limit(IID, OrderSide.BUY, "0.010", "41000.0"),
        2: lambda s: s.submit_limit(IID, OrderSide.BUY, "0.010", "42000.0"),
    }
    lazy, eager = _outcomes_lazy_and_eager(_Lifecycle, script, 6)
    assert lazy["chains"] == {"accepted": 3}  # on_start's limit and the script's two
    assert lazy == eager


def test_an_emulated_order_settles_as_if_its_answers_had_been_read() -> None:
    """An emulated limit (released by Nautilus' emulator as a new order object) that fills,
    beside a plain limit: the same chains as reading every answer, nothing left open."""

    def emulated_limit(s: Any) -> Any:
        order = s.order_factory.limit(
            IID, OrderSide.BUY, Quantity.from_str("0.010"), Price.from_str("50000.1"),
            emulation_trigger=TriggerType.BID_ASK,
        )
        return s.submit_validated(order)

    def filled(engine: Any, strategy: Any) -> None:
        assert engine.cache.order(strategy.results[2].client_order_id).is_closed

    script = {
        2: emulated_limit,
        5: lambda s: s.submit_limit(IID, OrderSide.BUY, "0.010", "40000.0"),
    }
    lazy, eager = _outcomes_lazy_and_eager(ScriptedStrategy, script, 12, filled)
    assert lazy["chains"] == {"accepted": 1, "filled": 1} and lazy["open"] == 0
    assert lazy == eager


class _AuthorBase(Strategy):
    """An author's existing strategy class, after the mixin in the MRO."""

    def on_order_accepted(self, event: Any) -> None:
        self.base_accepted = getattr(self, "base_accepted", 0) + 1


class _AlertMixin:
    """An author's own mixin, before the kit's in the MRO, with a hook and no super()."""

    def on_order_denied(self, event: Any) -> None:
        self.alerts = [*getattr(self, "alerts", []), event]


class _OverridesCallingSuper(_Lifecycle):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.accepted: list[Any] = []

    def on_order_accepted(self, event: Any) -> None:
        super().on_order_accepted(event)
        self.accepted.append(event)


class _OverridesWithoutSuper(_Lifecycle):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.canceled_seen_algo: list[int] = []

    def on_order_canceled(self, event: Any) -> None:
        self.canceled_seen_algo.append(self.open_algo_orders(IID))  # no super()


class _BaseAfterTheMixin(_Lifecycle, _AuthorBase):  # type: ignore[misc]
    pass


class _MixinBeforeTheKit(_AlertMixin, _Lifecycle):
    pass


class _DeniesInsideADenial(_Lifecycle):
    """A hook that sends an order the RiskEngine denies at once: a nested event."""

    def on_order_denied(self, event: Any) -> None:
        if not getattr(self, "nested", False):
            self.nested = True
            _deny(self)  # denied at once, inside this hook
        super().on_order_denied(event)


@pytest.mark.parametrize(
    "cls",
    [_OverridesCallingSuper, _OverridesWithoutSuper, _BaseAfterTheMixin, _MixinBeforeTheKit],
)
def test_an_authors_hooks_neither_hide_an_event_nor_repeat_it(cls: type[_Lifecycle]) -> None:
    strategy, reads, events = _run(cls)

    assert strategy.results[3] is False  # through the hooks while running
    assert _read_once(reads, events)
    chains = strategy.exec_kit_policy_stats()["chains"]
    assert chains.get("accepted") == 3  # start, stop-market, second limit: counted once each
    if isinstance(strategy, _OverridesCallingSuper):
        assert len(strategy.accepted) == 3  # the author's handler still runs
    if isinstance(strategy, _OverridesWithoutSuper):
        # the kit had read the cancel (and released nothing: a limit is no algo order) first
        assert strategy.canceled_seen_algo == [1]
    if isinstance(strategy, _BaseAfterTheMixin):
        assert strategy.base_accepted == 3  # the author's base-class hook is not shadowed


def test_a_nested_event_inside_an_authors_hook_is_read_once() -> None:
    strategy, reads, events = _run(_DeniesInsideADenial)
    denials = [e for e in events if isinstance(e, OrderDenied)]
    assert len(denials) == 2  # the script's, and the one sent inside the hook
    assert _read_once(reads, events)
    assert strategy.exec_kit_policy_stats()["by_action"] == {"skip": 2}


def test_a_hook_in_an_authors_mixin_before_the_kit_still_lets_the_kit_read_first() -> None:
    """The author's mixin handles denials without super(); the policy still counts them."""
    strategy, reads, events = _run(_MixinBeforeTheKit)
    denials = [e for e in events if isinstance(e, OrderDenied)]
    assert denials and _read_once(reads, events)
    assert len(strategy.alerts) == len(denials)  # type: ignore[attr-defined]
    assert sum(strategy.exec_kit_policy_stats()["by_action"].values()) == len(denials)


@pytest.mark.parametrize("manage_stop", [True])
def test_with_manage_stop_the_kit_stays_on_the_bus(manage_stop: bool) -> None:
    """A market exit keeps the strategy RUNNING after stop() and stops it from inside
    Nautilus: the hooks could not be left in time, so the kit reads from the bus throughout."""
    strategy, reads, events = _run(_Lifecycle, manage_stop=manage_stop)
    assert strategy.results[3] is True
    assert _read_once(reads, events)


def test_an_author_who_overrides_handle_event_keeps_the_kit_on_the_bus() -> None:
    class OwnDispatch(_Lifecycle):
        def handle_event(self, event: Any) -> None:
            self.events.append(event)  # no super(): Nautilus calls no hook at all

    strategy, reads, events = _run(OwnDispatch)

    assert strategy.results[3] is True  # on the bus while running
    assert _read_once(reads, events)


def test_a_second_start_while_running_changes_nothing() -> None:
    """A Controller that creates a strategy with start=True in its own on_start gets it
    started twice (Nautilus logs the second and carries on): the kit must not stack its hooks."""

    class StartedTwice(_Lifecycle):
        def on_quote_tick(self, tick: Any) -> None:
            if self.ticks == 1:
                self.start()  # while running: refused by Nautilus' state machine
                self.resume()
            super().on_quote_tick(tick)

    strategy, reads, events = _run(StartedTwice)
    assert strategy.results[3] is False
    assert _read_once(reads, events)
    assert not set(EVENT_HOOKS) & set(vars(strategy))  # no kit hook left behind after stop


@pytest.mark.parametrize("config", [{"manage_contingent_orders": True}, {"manage_stop": True}])
def test_with_nautilus_managing_orders_the_kit_stays_on_the_bus(config: dict[str, Any]) -> None:
    strategy, reads, events = _run(_Lifecycle, **config)
    assert strategy.results[3] is True
    assert _read_once(reads, events)


def test_an_own_stop_keeps_the_kit_on_the_bus() -> None:
    class OwnStop(_Lifecycle):
        def stop(self) -> None:  # Nautilus says "do not override"; the kit does not rely on it
            Strategy.stop(self)

    strategy, reads, events = _run(OwnStop)
    assert strategy.results[3] is True
    assert _read_once(reads, events)


def test_removing_the_hooks_restores_an_authors_own_and_reports_a_replaced_one() -> None:
    class Target:
        pass

    def read(event: Any) -> None: ...

    def authors(event: Any) -> None: ...

    target: Any = Target()
    for name in EVENT_HOOKS:  # Strategy's methods stand in for the class hooks here
        setattr(Target, name, getattr(Strategy, name))
    target.on_order_filled = authors  # an author's instance hook, set before start
    target.on_order_denied = None  # even a None one comes back as it was
    def other(event: Any) -> None: ...

    ours = (read, other)
    install_hooks(target, dict.fromkeys(EVENT_HOOKS, read), ours)
    install_hooks(target, dict.fromkeys(EVENT_HOOKS, read), ours)  # idempotent
    assert target.__dict__["on_order_accepted"] == read
    assert target.__dict__["on_order_filled"].then is authors
    # switching some hooks to another read of the kit's keeps what they wrap
    switched = ("on_order_accepted", "on_order_filled")
    for _ in range(2):  # idempotent too
        install_hooks(target, dict.fromkeys(switched, other), ours)
        assert target.__dict__["on_order_accepted"] == other
        assert target.__dict__["on_order_filled"].read == other
        assert target.__dict__["on_order_filled"].then is authors
    install_hooks(target, dict.fromkeys(switched, read), ours)
    assert target.__dict__["on_order_accepted"] == read
    assert target.__dict__["on_order_filled"].then is authors
    target.on_order_canceled = authors  # replaced while "running"

    assert remove_hooks(target, ours) == ["on_order_canceled"]
    assert target.__dict__["on_order_filled"] is authors
    assert target.__dict__["on_order_denied"] is None
    assert "on_order_accepted" not in target.__dict__


def test_withdrawn_hooks_give_the_authors_own_back_and_are_taken_again() -> None:
    class Target:
        pass

    def read(event: Any) -> None: ...

    def authors(event: Any) -> None: ...

    def later(event: Any) -> None: ...

    target: Any = Target()
    for name in EVENT_HOOKS:
        setattr(Target, name, getattr(Strategy, name))
    target.on_order_filled = authors  # set before start
    ours = (read,)
    names = ("on_order_accepted", "on_order_filled", "on_order_canceled")
    install_hooks(target, dict.fromkeys(EVENT_HOOKS, read), ours)

    restored = withdraw_hooks(target, names, ours)
    assert "on_order_accepted" not in target.__dict__  # Nautilus calls the class's own again
    assert target.__dict__["on_order_filled"] is authors
    # a switch back takes them again, the author's wrapped as before
    install_hooks(target, dict.fromkeys(names, read), ours, only_ours=True, restored=restored)
    assert target.__dict__["on_order_accepted"] == read
    assert target.__dict__["on_order_filled"].then is authors

    restored = withdraw_hooks(target, names, ours)
    target.on_order_canceled = later  # the author replaced one while the kit did not read it
    install_hooks(target, dict.fromkeys(names, read), ours, only_ours=True, restored=restored)
    assert target.__dict__["on_order_canceled"] is later  # left alone
    assert target.__dict__["on_order_accepted"] == read

    restored = withdraw_hooks(target, names, ours)
    assert "on_order_canceled" not in restored  # not the kit's: not withdrawn either
    assert remove_hooks(target, ours, restored) == ["on_order_canceled"]
    assert target.__dict__["on_order_filled"] is authors
    assert not {"on_order_accepted", "on_order_denied"} & set(target.__dict__)


def test_venue_answers_are_read_through_the_books_by_the_policy_or_not_at_all() -> None:
    """Not read while nothing needs them; through the router (the policy, then the books) from
    the moment an algo order is sent until its last event; straight by the policy while a
    rejected order waits for its retry; not read again once that chain settled. The algo book
    is released and every chain counted as reading every answer would have."""
    seen: dict[int, str] = {}

    class Watching(_Lifecycle):
        def on_quote_tick(self, tick: Any) -> None:
            super().on_quote_tick(tick)
            hook = self.__dict__.get("on_order_accepted")
            seen[self.ticks] = (
                "policy" if hook == self.exec_kit_policy.on_venue_answer
                else "router" if hook == self._kit_router.on_order_event
                else "not read" if hook is None
                else repr(hook)
            )

    def stop_then_cancel(s: Any) -> Any:
        s.stop_order = s.submit_stop_market(IID, SELL, "0.010", "49000.0")
        return s.stop_order

    engine = make_engine()
    engine.add_data(flat_quotes(30))
    script = {
        1: lambda s: s.submit_limit(IID, OrderSide.BUY, "0.010", "41000.0"),
        3: stop_then_cancel,
        5: lambda s: s.cancel(s.stop_order),
        # the third limit is refused with -1003 and resent 1 s (10 quotes) later
        7: lambda s: s.submit_limit(IID, OrderSide.BUY, "0.010", "42000.0"),
        9: lambda s: s.submit_limit(IID, OrderSide.BUY, "0.010", "43000.0"),
    }
    strategy = Watching(ScriptedConfig(), script)
    engine.add_strategy(strategy)
    RejectInjector("-1003@type=limit,nth=4,retry_after=1").install(engine)
    engine.run()
    try:
        assert seen[1] == "not read" and seen[2] == "not read"
        assert seen[3] == "router" and seen[4] == "router"  # the algo stop is open
        assert seen[6] == "not read" and seen[8] == "not read"  # its cancel emptied the book
        assert seen[9] == "policy" and seen[15] == "policy"  # the rejected limit's retry waits
        assert seen[25] == "not read"  # the retry was accepted: its chain settled
        assert strategy.open_algo_orders(IID) == 0
        assert strategy.exec_kit_policy_stats()["chains"] == {"accepted": 5}
        assert strategy.exec_kit_policy_stats()["retries_sent"] == 1
    finally:
        engine.dispose()


def test_class_hooks_of_any_kind_are_called_as_python_would() -> None:
    """A class-level hook that is a staticmethod or a callable object (no method binding)."""
    calls: list[str] = []

    def static_hook(event: Any) -> None:
        calls.append(f"static {event}")

    class Target:
        on_order_filled = staticmethod(static_hook)
        on_order_accepted = functools.partial(lambda tag, event: calls.append(f"{tag} {event}"),
                                              "partial")

    for name in EVENT_HOOKS:
        if name not in vars(Target):
            setattr(Target, name, getattr(Strategy, name))
    target: Any = Target()

    def read(event: Any) -> None:
        calls.append(f"kit {event}")

    install_hooks(target, dict.fromkeys(EVENT_HOOKS, read), (read,))
    target.on_order_filled("E1")
    target.on_order_accepted("E2")
    assert calls == ["kit E1", "static E1", "kit E2", "partial E2"]


def test_a_switch_leaves_a_hook_the_author_replaced_while_running_alone() -> None:
    """An author who wraps a hook on the instance while running (chaining the kit's read) must
    not get the venue's answers read twice when the kit later switches its reads."""
    reads: Counter[Any] = Counter()
    original = PolicyRuntime.on_venue_answer

    def counting(self: PolicyRuntime, event: Any) -> None:
        reads[event.id] += 1
        original(self, event)

    def wrap(s: Any) -> None:
        previous = s.on_order_accepted  # the kit's read at this moment

        def mine(event: Any) -> None:
            previous(event)

        s.on_order_accepted = mine

    script = {
        1: lambda s: s.submit_stop_market(IID, SELL, "0.010", "49000.0"),  # read: the router
        2: wrap,
        4: lambda s: s.cancel(s.results[1]),  # the book empties: the kit withdraws its reads
        6: lambda s: s.submit_limit(IID, OrderSide.BUY, "0.010", "41000.0"),
    }
    engine = make_engine()
    engine.add_data(flat_quotes(8))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PolicyRuntime, "on_venue_answer", counting)
        strategy = ScriptedStrategy(ScriptedConfig(), script)
        engine.add_strategy(strategy)
        engine.run()
    try:
        accepted = {type(o).__name__: e for o in engine.cache.orders() for e in o.events
                    if type(e).__name__ == "OrderAccepted"}
        assert len(accepted) == 2
        assert all(reads[e.id] <= 1 for e in accepted.values())
        assert reads[accepted["StopMarketOrder"].id] == 1  # before the author's wrap
        assert strategy.open_algo_orders(IID) == 0
    finally:
        engine.dispose()
