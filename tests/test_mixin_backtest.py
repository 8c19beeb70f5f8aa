"""ExecutionMixin on the SimulatedExchange: order types, position modes, close helpers,
close_position / price_match parity, margin check, deny mode, event interception."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from nautilus_trader.model.enums import OrderSide, OrderStatus, PositionSide
from nautilus_trader.model.identifiers import PositionId
from nautilus_trader.model.objects import Price
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.core.errors import (
    ConfigurationError,
    InsufficientMargin,
    ModifyNotSupported,
    PositionModeMismatch,
    PositionModeViolation,
    PriceTooPrecise,
    QuantityTooPrecise,
)
from nautilus_exec_kit.mixin import ExecutionMixin
from tests.conftest import IID, ScriptedConfig, ScriptedStrategy, flat_quotes, path_quotes

BUY, SELL = OrderSide.BUY, OrderSide.SELL
LONG_ID = PositionId(f"{IID}-LONG")
SHORT_ID = PositionId(f"{IID}-SHORT")
BOTH_ID = PositionId(f"{IID}-BOTH")

# flat 50000 for 10 ticks, up to 50500 at 60, down to 49000 at 160
RISE_THEN_FALL = [(0, 50_000.0), (10, 50_000.0), (60, 50_500.0), (160, 49_000.0)]


def _all_types(st: ScriptedStrategy) -> dict[str, Any]:
    return {
        "market": st.submit_market(IID, BUY, "0.010"),
        "limit": st.submit_limit(IID, BUY, "0.010", "45000.0"),
        "stop_market": st.submit_stop_market(IID, BUY, "0.010", "50200.0"),
        "stop_limit": st.submit_stop_limit(IID, BUY, "0.010", "50260.0", "50250.0"),
        "take_profit": st.submit_take_profit(IID, SELL, "0.010", "50300.0"),
        "take_profit_limit": st.submit_take_profit_limit(IID, SELL, "0.010", "50340.0",
                                                         "50350.0"),
        "trailing": st.submit_trailing_stop(IID, SELL, "0.010", 100),
    }


@pytest.mark.parametrize("mode", ["ONE_WAY", "HEDGE"])
def test_every_order_type_reaches_its_state(run_script: Any, mode: str) -> None:
    _, st = run_script({2: _all_types}, path_quotes(RISE_THEN_FALL), position_mode=mode)
    assert not st.errors
    orders = st.results[2]
    expected = {
        "market": OrderStatus.FILLED,
        "limit": OrderStatus.ACCEPTED,
        "stop_market": OrderStatus.FILLED,
        "stop_limit": OrderStatus.FILLED,
        "take_profit": OrderStatus.FILLED,
        "take_profit_limit": OrderStatus.FILLED,
        "trailing": OrderStatus.FILLED,
    }
    assert {k: o.status for k, o in orders.items()} == expected
    pids = {k: st.cache.position_id(o.client_order_id) for k, o in orders.items()}
    if mode == "ONE_WAY":
        assert set(pids.values()) == {BOTH_ID}
    else:
        assert pids["market"] == LONG_ID and pids["stop_limit"] == LONG_ID
        assert pids["take_profit"] == SHORT_ID and pids["trailing"] == SHORT_ID
    assert st.exec_kit_stats()["submit.STOP_MARKET"] == 1
    # every algo order triggered or closed: none left open
    assert st.open_algo_orders(IID) == 0


def test_hedge_holds_both_legs_and_closes_each(run_script: Any) -> None:
    script = {
        2: lambda st: (st.submit_market(IID, BUY, "0.030"), st.submit_market(IID, SELL, "0.020")),
        5: lambda st: st.close_long(IID, "0.010"),
        8: lambda st: st.close_short(IID),
    }
    _, st = run_script(script, flat_quotes(20), position_mode="HEDGE")
    assert not st.errors
    long_close, short_close = st.results[5], st.results[8]
    assert (long_close.side, str(long_close.quantity)) == (SELL, "0.010")
    assert (short_close.side, str(short_close.quantity)) == (BUY, "0.020")
    assert not long_close.is_reduce_only  # the adapter never sends reduceOnly in hedge mode
    long_pos, short_pos = st.cache.position(LONG_ID), st.cache.position(SHORT_ID)
    assert (long_pos.side, str(long_pos.quantity)) == (PositionSide.LONG, "0.020")
    assert short_pos.is_closed


def test_over_close_and_hedge_reduce_only_refused(run_script: Any) -> None:
    script = {
        2: lambda st: st.submit_market(IID, BUY, "0.010"),
        5: lambda st: st.close_long(IID, "0.011"),
        6: lambda st: st.submit_market(IID, SELL, "0.010", reduce_only=True),
        7: lambda st: st.close_short(IID),  # nothing to close
    }
    _, st = run_script(script, flat_quotes(20), position_mode="HEDGE")
    assert isinstance(st.errors[5], PositionModeViolation)
    assert "0.010" in str(st.errors[5])
    assert isinstance(st.errors[6], PositionModeViolation)
    assert st.results[7] is None
    assert str(st.cache.position(LONG_ID).quantity) == "0.010"  # untouched, not flipped


def test_two_closes_do_not_double_close(run_script: Any) -> None:
    # Both closes in the same tick: the first is still in flight when the second is sized.
    script = {
        2: lambda st: st.submit_market(IID, BUY, "0.020"),
        5: lambda st: (st.close_long(IID), st.close_long(IID)),
    }
    _, st = run_script(script, flat_quotes(20))
    first, second = st.results[5]
    assert str(first.quantity) == "0.020" and first.is_reduce_only  # one-way: reduce-only
    assert second is None
    assert st.cache.position(BOTH_ID).is_closed


def test_close_all_closes_every_leg(run_script: Any) -> None:
    script = {
        2: lambda st: (st.submit_market(IID, BUY, "0.010"), st.submit_market(IID, SELL, "0.030")),
        5: lambda st: st.close_all(IID),
    }
    _, st = run_script(script, flat_quotes(20), position_mode="HEDGE")
    closes = st.results[5]
    assert sorted((o.side, str(o.quantity)) for o in closes) == [(BUY, "0.030"), (SELL, "0.010")]
    assert st.cache.position(LONG_ID).is_closed and st.cache.position(SHORT_ID).is_closed


@pytest.mark.parametrize("mode", ["ONE_WAY", "HEDGE"])
def test_close_position_stop_closes_whole_grown_position(run_script: Any, mode: str) -> None:
    # Stop placed right after the entry (position still flat), then the position grows.
    script = {
        2: lambda st: (
            st.submit_market(IID, BUY, "0.010"),
            st.submit_stop_market(IID, SELL, None, "49500.0", close_position=True),
        ),
        20: lambda st: st.submit_market(IID, BUY, "0.025"),
    }
    quotes = path_quotes([(0, 50_000.0), (40, 50_000.0), (80, 49_000.0)])
    _, st = run_script(script, quotes, position_mode=mode)
    stop = st.results[2][1]
    assert stop.status == OrderStatus.FILLED
    assert str(stop.filled_qty) == "0.035"
    pid = BOTH_ID if mode == "ONE_WAY" else LONG_ID
    assert st.cache.position(pid).is_closed  # closed, not flipped short
    assert st.exec_kit_stats()["emulated.close_position_resize"] >= 2


def test_close_position_cancelled_when_position_closed_otherwise(run_script: Any) -> None:
    script = {
        2: lambda st: (
            st.submit_market(IID, BUY, "0.010"),
            st.submit_stop_market(IID, SELL, None, "49500.0", close_position=True),
            st.submit_take_profit(IID, SELL, None, "50200.0", close_position=True),
        ),
    }
    quotes = path_quotes([(0, 50_000.0), (10, 50_000.0), (40, 50_300.0), (80, 49_000.0)])
    _, st = run_script(script, quotes)
    _, stop, take_profit = st.results[2]
    assert take_profit.status == OrderStatus.FILLED
    assert stop.status == OrderStatus.CANCELED  # never fired on the later fall
    assert st.cache.position(BOTH_ID).is_closed
    assert not st.cache.positions_open()
    assert st.exec_kit_stats()["emulated.close_position_cancel"] == 1


@pytest.mark.parametrize(
    ("side", "match", "expected"),
    [
        (BUY, "QUEUE", "50000.0"),
        (BUY, "QUEUE_5", "49999.6"),
        (BUY, "OPPONENT", "50000.1"),
        (BUY, "OPPONENT_10", "50001.0"),
        (SELL, "QUEUE", "50000.1"),
        (SELL, "QUEUE_20", "50002.0"),
        (SELL, "OPPONENT_5", "49999.6"),
    ],
)
def test_price_match_prices_from_the_book(
    run_script: Any, side: OrderSide, match: str, expected: str,
) -> None:
    script = {2: lambda st: st.submit_limit(IID, side, "0.010", price_match=match)}
    _, st = run_script(script, flat_quotes(10))
    order = st.results[2]
    assert order.price == Price.from_str(expected)
    opponent = match.startswith("OPPONENT")
    assert (order.status == OrderStatus.FILLED) == opponent


def test_margin_check_refuses_what_the_simulator_would_fill(run_script: Any) -> None:
    # 100 BTC ~ 5 M USDT notional on 10 k USDT at 20x: the SimulatedExchange fills it (facts 3.3)
    _, st = run_script({2: lambda st: st.submit_market(IID, BUY, "100.000")}, flat_quotes(10))
    assert isinstance(st.errors[2], InsufficientMargin)
    assert not st.cache.orders()
    _, st = run_script(
        {2: lambda st: st.submit_market(IID, BUY, "100.000")}, flat_quotes(10), margin_check=False,
    )
    assert st.cache.orders()[0].status == OrderStatus.FILLED


def test_the_limit_fast_path_checks_margin_too(run_script: Any) -> None:
    """A plain limit takes submit_limit's fast path (validation and margin inline): 100 BTC at
    45 000 (4.5 M notional) on 10 k USDT at 20x is refused before and after the leverage and
    account are cached, and 0.010 BTC passes."""
    script = {
        2: lambda st: st.submit_limit(IID, BUY, "0.010", "45000.0"),
        3: lambda st: st.submit_limit(IID, BUY, "100.000", "45000.0"),
        4: lambda st: st.submit_limit(IID, BUY, "100.000", "45000.0"),
    }
    _, st = run_script(script, flat_quotes(10))
    assert 2 not in st.errors
    assert isinstance(st.errors[3], InsufficientMargin)
    assert isinstance(st.errors[4], InsufficientMargin)
    assert len(st.cache.orders()) == 1


def test_one_way_reducing_part_needs_no_margin(run_script: Any) -> None:
    script = {
        2: lambda st: st.submit_market(IID, BUY, "3.000"),  # 150 k notional, 7.5 k margin
        5: lambda st: st.submit_market(IID, SELL, "3.000"),  # only reduces: allowed
    }
    _, st = run_script(script, flat_quotes(10))
    assert not st.errors
    assert st.cache.position(BOTH_ID).is_closed


def test_deny_mode_returns_none_counts_and_calls_hook(run_script: Any) -> None:
    script = {
        2: lambda st: st.submit_limit(IID, BUY, "0.010", "45000.05"),
        3: lambda st: st.submit_market(IID, BUY, "100.000"),
        4: lambda st: st.submit_limit(IID, BUY, "0.010", "45000.0"),
    }
    _, st = run_script(script, flat_quotes(10), on_invalid_order="deny")
    assert st.results[2] is None and st.results[3] is None
    assert st.results[4] is not None
    assert [type(e) for e in st.invalid] == [PriceTooPrecise, InsufficientMargin]
    stats = st.exec_kit_stats()
    assert stats["invalid.PriceTooPrecise"] == 1 and stats["invalid.InsufficientMargin"] == 1
    assert stats["submit.LIMIT"] == 1


def test_modify_refused_for_untriggered_stop(run_script: Any) -> None:
    def step(st: ScriptedStrategy) -> Any:
        stop = st.submit_stop_market(IID, SELL, "0.010", "49000.0")
        st.modify(stop, trigger_price="48000.0")

    def amend_limit(st: ScriptedStrategy) -> Any:
        limit = st.submit_limit(IID, BUY, "0.010", "45000.0")
        return limit

    script = {2: step, 3: amend_limit, 5: lambda s: s.modify(s.results[3], price="45100.0")}
    _, st = run_script(script, flat_quotes(10))
    assert isinstance(st.errors[2], ModifyNotSupported)
    assert st.results[5] is True
    assert st.results[3].price == Price.from_str("45100.0")


class _ForgetfulStrategy(ScriptedStrategy):
    """Overrides handlers without calling super(): the kit's bookkeeping must still run."""

    def on_order_canceled(self, event: Any) -> None:
        self.forgot = True

    def on_order_accepted(self, event: Any) -> None:
        raise RuntimeError("user bug")  # Nautilus re-raises this; the kit is not involved


def test_bookkeeping_runs_even_if_handlers_skip_super() -> None:
    from tests.conftest import make_engine

    engine = make_engine()
    engine.add_data(flat_quotes(10))

    class Forgetful(_ForgetfulStrategy):
        def on_order_accepted(self, event: Any) -> None:
            pass

    st = Forgetful(
        ScriptedConfig(),
        {
            2: lambda s: s.submit_stop_market(IID, SELL, "0.010", "49000.0"),
            3: lambda s: s.open_algo_orders(IID),
            5: lambda s: s.cancel(s.results[2]),
            8: lambda s: s.open_algo_orders(IID),
        },
    )
    engine.add_strategy(st)
    engine.run()
    try:
        assert st.results[3] == 1
        assert st.forgot
        assert st.results[8] == 0
    finally:
        engine.dispose()


def test_the_kit_has_seen_an_event_before_the_strategys_handler_and_without_handle_event(
) -> None:
    """The kit subscribes to the strategy's order events itself (ahead of the strategy): an
    author's ``on_order_canceled`` already sees the algo book released, and an author who
    overrides ``handle_event`` without super() cannot switch the kit off."""
    from tests.conftest import make_engine

    seen_in_handler: list[int] = []

    class Observant(ScriptedStrategy):
        def on_order_canceled(self, event: Any) -> None:
            seen_in_handler.append(self.open_algo_orders(IID))

    class OwnDispatch(ScriptedStrategy):
        def handle_event(self, event: Any) -> None:
            self.events.append(event)  # no super(): Nautilus' own dispatch is skipped

    script = {
        2: lambda s: s.submit_stop_market(IID, SELL, "0.010", "49000.0"),
        3: lambda s: s.open_algo_orders(IID),
        5: lambda s: s.cancel(s.results[2]),
        8: lambda s: s.open_algo_orders(IID),
    }
    for cls in (Observant, OwnDispatch):
        engine = make_engine()
        engine.add_data(flat_quotes(10))
        st = cls(ScriptedConfig(), dict(script))
        engine.add_strategy(st)
        engine.run()
        try:
            assert (st.results[3], st.results[8]) == (1, 0), cls.__name__
        finally:
            engine.dispose()
    assert seen_in_handler == [0]


def test_dispose_lets_go_of_the_account_the_kit_cached() -> None:
    """Nautilus keeps a disposed strategy reachable; the account the kit cached for the margin
    check (with every account state of the run) must not stay reachable through it."""
    import gc

    from nautilus_trader.accounting.accounts.margin import MarginAccount

    from tests.conftest import make_engine

    def live_accounts() -> int:
        gc.collect()
        return sum(isinstance(o, MarginAccount) for o in gc.get_objects())

    before = live_accounts()
    engine = make_engine()
    engine.add_data(flat_quotes(20))
    script: dict[int, Any] = {
        n: (lambda s: s.submit_limit(IID, BUY, "0.010", "45000.0")) for n in range(2, 12)
    }
    script[12] = lambda s: s.submit_stop_market(IID, SELL, "0.010", "40000.0")  # stays open
    st = ScriptedStrategy(ScriptedConfig(), script)
    engine.add_strategy(st)
    engine.run()
    engine.dispose()
    del engine
    assert st.is_disposed
    assert live_accounts() == before
    assert st.exec_kit_stats()["algo_open"] == 1  # the counters outlive the caches


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"position_mode": "NETTING"}, ConfigurationError),
        ({"on_invalid_order": "ignore"}, ConfigurationError),
        ({"account_type": "FUTURES"}, ConfigurationError),
        ({"oms_type": "NETTING"}, PositionModeMismatch),
        ({"position_mode": "HEDGE", "account_type": "SPOT"}, PositionModeMismatch),
    ],
)
def test_bad_kit_config_fails_at_construction(fields: dict[str, Any], error: type) -> None:
    class S(ExecutionMixin, Strategy):
        pass

    with pytest.raises(error):
        S(ScriptedConfig(**fields))


def test_decimal_and_float_inputs_are_coerced_not_rounded(run_script: Any) -> None:
    script = {
        2: lambda st: st.submit_limit(IID, BUY, Decimal("0.010"), 45000.1),
        3: lambda st: st.submit_limit(IID, BUY, 0.0105, 45000.0),
    }
    _, st = run_script(script, flat_quotes(10))
    assert st.results[2].price == Price.from_str("45000.1")
    assert isinstance(st.errors[3], QuantityTooPrecise)  # 0.0105 is not on the 0.001 step
    assert "0.010" in str(st.errors[3]) and "0.011" in str(st.errors[3])  # suggests neighbours


def test_cancel_goes_through_the_authors_own_cancel_order() -> None:
    calls: list[Any] = []

    class Audited(ScriptedStrategy):
        def cancel_order(self, order: Any, client_id: Any = None, params: Any = None) -> None:
            calls.append(order)  # e.g. an audit log; no super() needed for this test

    strategy = Audited(ScriptedConfig())
    sentinel = object()
    strategy.cancel(sentinel)  # type: ignore[arg-type]
    assert calls == [sentinel]


def test_an_authors_own_cancel_is_not_shadowed() -> None:
    calls: list[Any] = []

    class OwnCancel(ScriptedStrategy):
        def cancel(self, order: Any) -> None:
            calls.append(("cancel", order))

    strategy = OwnCancel(ScriptedConfig())
    sentinel = object()
    strategy.cancel(sentinel)  # type: ignore[arg-type]
    assert calls == [("cancel", sentinel)]
