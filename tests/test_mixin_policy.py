"""The error policy runs inside every ExecutionMixin strategy, fed by injected venue rejects.

These backtests go through the real path: mixin helper -> PolicyRuntime gate -> submit_order
-> RiskEngine -> (RejectInjector at the ExecEngine.execute seam) -> SimulatedExchange, and the
rejects reach the kit through its own message-bus subscription even though the strategy's
``on_order_rejected`` does not call ``super()``.
"""

from __future__ import annotations

from typing import Any

from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, RiskEngineConfig
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import OrderSide, OrderStatus, OrderType
from nautilus_trader.model.events import OrderRejected
from nautilus_trader.model.identifiers import TraderId
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.test_kit.providers import TestInstrumentProvider

from nautilus_exec_kit.backtest.rejects import RejectInjector
from nautilus_exec_kit.backtest.venue import add_binance_venue
from nautilus_exec_kit.core.errors import InstrumentStopped, SubmissionsHalted, VenueError
from tests.conftest import (
    IID,
    INSTRUMENT,
    ScriptedConfig,
    ScriptedStrategy,
    flat_quotes,
    make_engine,
)


class ForgetfulStrategy(ScriptedStrategy):
    """Overrides ``on_order_rejected`` and forgets ``super()``: the policy must still run."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rejected: list[OrderRejected] = []

    def on_order_rejected(self, event: OrderRejected) -> None:
        self.rejected.append(event)


def _buy(strategy: ScriptedStrategy) -> Any:
    return strategy.submit_market(IID, OrderSide.BUY, "0.010")


def _run(spec: str, ticks: int = 300, script: Any = None, *,
         strategy_class: type[ForgetfulStrategy] | None = None,
         **config: Any) -> ForgetfulStrategy:
    engine = make_engine()
    engine.add_data(flat_quotes(ticks))
    strategy = (strategy_class or ForgetfulStrategy)(ScriptedConfig(**config),
                                                     script or {1: _buy})
    engine.add_strategy(strategy)
    RejectInjector(spec).install(engine)
    engine.run()
    strategy.final_orders = list(engine.cache.orders())  # type: ignore[attr-defined]
    strategy.final_net = engine.portfolio.net_position(IID)  # type: ignore[attr-defined]
    engine.dispose()
    return strategy


def test_rate_limit_reject_is_retried_as_a_fresh_linked_order() -> None:
    strategy = _run("-1003@nth=1,retry_after=1")

    assert len(strategy.rejected) == 1  # the user's handler saw it
    orders = strategy.final_orders  # type: ignore[attr-defined]
    assert [o.status for o in orders].count(OrderStatus.REJECTED) == 1
    retried = [o for o in orders if o.status == OrderStatus.FILLED]
    assert len(retried) == 1
    original = next(o for o in orders if o.status == OrderStatus.REJECTED)
    assert retried[0].client_order_id != original.client_order_id
    assert any(str(original.client_order_id) in tag for tag in (retried[0].tags or []))
    assert float(strategy.final_net) == 0.010  # type: ignore[attr-defined]
    stats = strategy.exec_kit_policy_stats()
    assert stats["by_code"]["-1003"] == 1
    assert stats["by_action"]["backoff"] == 1


def test_insufficient_margin_is_skipped_and_never_resent() -> None:
    strategy = _run("-2019@nth=1")

    orders = strategy.final_orders  # type: ignore[attr-defined]
    assert len(orders) == 1 and orders[0].status == OrderStatus.REJECTED
    assert float(strategy.final_net) == 0.0  # type: ignore[attr-defined]
    assert strategy.exec_kit_policy_stats()["by_action"]["skip"] == 1


def test_invalid_symbol_fails_fast_and_stops_the_strategy() -> None:
    strategy = _run("-1121@nth=1", script={1: _buy, 50: _buy})

    # The author's handler still saw the reject that stopped the strategy ...
    assert [e.reason for e in strategy.rejected] == ["{'code': -1121, 'msg': 'Invalid symbol.'}"]
    # ... and the strategy stopped right after it: the order scripted for tick 50 never existed.
    assert strategy.ticks < 50
    assert len(strategy.final_orders) == 1  # type: ignore[attr-defined]
    assert strategy.exec_kit_policy_stats()["by_action"]["fail_fast"] == 1


def test_policy_memory_stays_flat_settled_chains_are_counted_not_kept() -> None:
    """300 orders through the policy: every chain settles into a count, none is kept."""
    engine = make_engine()
    engine.add_data(flat_quotes(300))
    script = {n: _buy for n in range(1, 301)}
    strategy = ScriptedStrategy(ScriptedConfig(), script)
    engine.add_strategy(strategy)
    engine.run()
    runtime = strategy.exec_kit_policy
    assert runtime.open_chains == 0
    assert sum(runtime.stats()["chains"].values()) == 300
    engine.dispose()


def test_an_order_refused_by_the_gate_leaves_no_trace_in_the_kit() -> None:
    """A 418 ban halts submissions; a close_position stop submitted during the ban raises
    SubmissionsHalted and is neither counted nor tracked for close_position emulation."""

    def protect(strategy: ScriptedStrategy) -> Any:
        return strategy.submit_stop_market(IID, OrderSide.SELL, None, "49000.0",
                                           close_position=True)

    engine = make_engine()
    engine.add_data(flat_quotes(50))
    strategy = ScriptedStrategy(ScriptedConfig(), {1: _buy, 3: protect})
    engine.add_strategy(strategy)
    RejectInjector("-1003@nth=1,status=418,msg=IP banned until 9999999999999").install(engine)
    engine.run()
    try:
        assert isinstance(strategy.errors.get(3), SubmissionsHalted)
        stats = strategy.exec_kit_stats()
        assert "submit.STOP_MARKET" not in stats
        assert stats["submit.MARKET"] == 1
        assert not strategy._kit_close_book.tracked  # nothing left to resize or cancel later
    finally:
        engine.dispose()


def test_close_helpers_count_orders_the_policy_still_holds() -> None:
    """A close rejected with -1003 waits for its retry; a second close_long meanwhile finds
    nothing left to close instead of sending a second close for the same quantity."""
    engine = make_engine()
    engine.add_data(flat_quotes(200))
    strategy = ScriptedStrategy(
        ScriptedConfig(),
        {1: _buy, 5: lambda s: s.close_long(IID), 6: lambda s: s.close_long(IID)},
    )
    engine.add_strategy(strategy)
    RejectInjector("-1003@nth=2,retry_after=2").install(engine)
    engine.run()
    try:
        assert strategy.results[6] is None  # nothing left: the first close is pending retry
        sells = [o for o in engine.cache.orders() if o.side == OrderSide.SELL]
        assert [o.status for o in sells] == [OrderStatus.REJECTED, OrderStatus.FILLED]
        assert float(engine.portfolio.net_position(IID)) == 0.0
    finally:
        engine.dispose()


def test_a_retried_close_position_stop_still_follows_the_position() -> None:
    """A close_position stop rejected with -1003 is resent as a fresh order (a new client order
    ID); on a simulated venue the kit must still cancel it when the position closes otherwise,
    as Binance does."""
    script = {
        1: _buy,
        2: lambda s: s.submit_stop_market(IID, OrderSide.SELL, None, "40000.0",
                                          close_position=True),
        100: lambda s: s.close_long(IID),
    }
    engine = make_engine()
    engine.add_data(flat_quotes(300))
    strategy = ForgetfulStrategy(ScriptedConfig(), script)
    engine.add_strategy(strategy)
    RejectInjector("-1003@type=stop_market,nth=1,retry_after=1").install(engine)
    engine.run()
    try:
        stops = [o for o in engine.cache.orders() if o.order_type == OrderType.STOP_MARKET]
        assert [o.status for o in stops] == [OrderStatus.REJECTED, OrderStatus.CANCELED]
        assert any(str(stops[0].client_order_id) in tag for tag in (stops[1].tags or []))
        assert strategy.exec_kit_stats()["emulated.close_position_cancel"] == 1
        assert float(engine.portfolio.net_position(IID)) == 0.0
    finally:
        engine.dispose()


def test_a_close_position_order_refused_by_a_fail_fast_error_is_not_tracked() -> None:
    """fail_fast="raise": after a fail-fast reject every submit raises VenueError before
    sending; a close_position stop refused that way must not stay in the close_position book."""

    def protect(strategy: ScriptedStrategy) -> Any:
        return strategy.submit_stop_market(IID, OrderSide.SELL, None, "49000.0",
                                           close_position=True)

    engine = make_engine()
    engine.add_data(flat_quotes(50))
    script = {
        1: _buy,
        2: lambda s: s.submit_limit(IID, OrderSide.BUY, "0.010", "40000.0"),
        5: protect,
    }
    strategy = ScriptedStrategy(ScriptedConfig(fail_fast="raise"), script)
    engine.add_strategy(strategy)
    RejectInjector("-1121@type=limit,nth=1").install(engine)
    engine.run()
    try:
        assert isinstance(strategy.errors.get(5), VenueError)
        assert not strategy._kit_close_book.tracked
    finally:
        engine.dispose()


# -- reduce-only mode and instrument stops ---------------------------------------------------


ETH = TestInstrumentProvider.ethusdt_perp_binance()


def _two_instrument_engine(ticks: int) -> Any:
    """BTCUSDT and ETHUSDT perps on the one Binance-like venue, both quoted every 100 ms."""
    engine = BacktestEngine(
        BacktestEngineConfig(
            trader_id=TraderId("TESTER-001"),
            logging=LoggingConfig(log_level="ERROR"),
            risk_engine=RiskEngineConfig(max_order_submit_rate="10000/00:00:01"),
            run_analysis=False,
        ),
    )
    add_binance_venue(engine, [INSTRUMENT, ETH])
    engine.add_data(flat_quotes(ticks))
    engine.add_data([
        QuoteTick(ETH.id, Price(3000.0, 2), Price(3000.01, 2), Quantity(50, 3),
                  Quantity(50, 3), q.ts_event, q.ts_init)
        for q in flat_quotes(ticks)
    ])
    return engine


class RestrictedStrategy(ForgetfulStrategy):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.restriction_states: list[Any] = []

    def on_trading_restriction(self, state: Any) -> None:
        self.restriction_states.append(state)


def _buy_eth(tag: str | None = None) -> Any:
    return lambda s: s.submit_market(ETH.id, OrderSide.BUY, "0.100", tags=[tag] if tag else None)


def test_a_symbol_status_reject_stops_that_instrument_only() -> None:
    """-4141 on ETHUSDT: ETH orders that would increase exposure are refused locally
    (InstrumentStopped), an ETH close still goes out, BTC keeps trading, the strategy runs on,
    and resume_instrument() trades ETH again."""
    engine = _two_instrument_engine(60)
    script = {  # from tick 2: at tick 1 the ETH quote of that instant is not in yet
        2: _buy_eth(),
        3: _buy,
        4: _buy_eth("stop"),  # -4141 Symbol is closed
        5: _buy_eth(),
        6: _buy,
        7: lambda s: s.close_long(ETH.id),
        9: lambda s: s.resume_instrument(ETH.id),
        10: _buy_eth(),
    }
    strategy = RestrictedStrategy(ScriptedConfig(), script)
    engine.add_strategy(strategy)
    injector = RejectInjector("-4141@tag=stop")
    injector.install(engine)
    engine.run()
    try:
        error = strategy.errors[5]
        assert isinstance(error, InstrumentStopped)
        assert error.scope == ETH.id.value and error.code == -4141
        assert f"resume_instrument('{ETH.id}')" in str(error)
        assert set(strategy.errors) == {5}  # BTC at 6, the ETH close at 7, ETH again at 10
        assert strategy.results[7] is not None and strategy.results[9] == 1
        assert strategy.ticks == 60  # the strategy was not stopped
        assert [(s.kind.value, s.scope, s.active) for s in strategy.restriction_states] == [
            ("stopped", ETH.id.value, True), ("stopped", ETH.id.value, False),
        ]
        eth_ids = {o.client_order_id.value for o in engine.cache.orders(instrument_id=ETH.id)}
        sent_eth = [c for c in injector.commands if c.client_order_id in eth_ids]
        assert len(sent_eth) == 4  # 2, 4 (rejected), the close at 7, 10: never the one at 5
        assert float(engine.portfolio.net_position(ETH.id)) == 0.100
        assert float(engine.portfolio.net_position(IID)) == 0.020
        stats = strategy.exec_kit_stats()
        assert (stats["instruments_stopped"], stats["refused_restricted"]) == (0, 1)
    finally:
        engine.dispose()


def test_hedge_mode_reduce_only_lets_leg_closes_out_and_a_refused_probe_waits_longer() -> None:
    """-4400 in hedge mode: a SELL on the LONG leg (a close) goes out, a BUY on LONG is
    refused; the probe (after 1 s) is refused with -4400 again, so the next one waits 2 s;
    that one is taken and the mode ends."""
    def buy_long(tag: str | None = None) -> Any:
        return lambda s: s.submit_market(IID, OrderSide.BUY, "0.010", position_side="LONG",
                                         tags=[tag] if tag else None)

    script = {
        1: buy_long(),
        3: buy_long("ro"),  # -4400 at t=0.2 s: probe from 1.2 s (tick 13)
        5: buy_long(),  # refused
        6: lambda s: s.submit_market(IID, OrderSide.SELL, "0.005", position_side="LONG"),
        14: buy_long("ro"),  # the probe at 1.3 s: refused again -> next from 3.3 s (tick 34)
        20: buy_long(),  # refused
        33: buy_long(),  # refused: one tick early
        35: buy_long(),  # the second probe: taken, the mode ends
        40: buy_long(),  # sent
    }
    engine = make_engine()
    engine.add_data(flat_quotes(60))
    strategy = RestrictedStrategy(
        ScriptedConfig(position_mode="HEDGE", reduce_only_probe_ms=1_000), script,
    )
    engine.add_strategy(strategy)
    RejectInjector("-4400@tag=ro").install(engine)
    engine.run()
    try:
        assert {t: type(e).__name__ for t, e in strategy.errors.items()} == {
            5: "ReduceOnlyModeActive", 20: "ReduceOnlyModeActive", 33: "ReduceOnlyModeActive",
        }
        states = strategy.restriction_states
        assert [(s.active, s.probes_failed) for s in states] == [(True, 0), (True, 1), (False, 1)]
        first, refused = states[0], states[1]
        assert first.probe_at_ns - first.since_ns == 1_000_000_000
        assert refused.probe_at_ns - refused.ts_ns == 2_000_000_000  # doubled
        assert "probe" in (states[2].cleared_by or "")
        decisions = [(d.action.value, d.reason.key) for d in strategy.exec_kit_policy.decisions]
        assert decisions == [("reduce_only", "-4400"), ("reduce_only", "-4400")]
        long_qty = sum(float(p.quantity) for p in engine.cache.positions_open()
                       if p.id.value.endswith("-LONG"))
        assert long_qty == 0.025  # 0.010 - 0.005 + 0.010 (probe) + 0.010
    finally:
        engine.dispose()


def test_a_retry_that_fires_into_reduce_only_mode_is_dropped_not_sent() -> None:
    """A -1003 retry scheduled before -4400 arrives would increase exposure: dropped when it
    fires (logged, chain outcome 'restricted'), never sent; exit_reduce_only_mode() lets the
    next order out at once."""
    script = {
        1: lambda s: s.submit_market(IID, OrderSide.BUY, "0.010", tags=["rate"]),
        2: lambda s: s.submit_market(IID, OrderSide.BUY, "0.010", tags=["ro"]),
        30: lambda s: s.exit_reduce_only_mode(),
        31: _buy,
    }
    engine = make_engine()
    engine.add_data(flat_quotes(60))
    strategy = RestrictedStrategy(ScriptedConfig(), script)
    engine.add_strategy(strategy)
    injector = RejectInjector("-1003@tag=rate,retry_after=1;-4400@tag=ro")
    injector.install(engine)
    engine.run()
    try:
        stats = strategy.exec_kit_policy_stats()
        assert stats["chains"]["restricted"] == 1 and stats["refused_restricted"] == 1
        assert "retries_sent" not in stats
        assert strategy.results[30] == 1
        assert [s.cleared_by for s in strategy.restriction_states if not s.active] == [
            "exit_reduce_only_mode()",
        ]
        assert len(injector.commands) == 3  # the two first sends and the order at 31
        assert float(engine.portfolio.net_position(IID)) == 0.010
    finally:
        engine.dispose()


class ClosingAtStop(ForgetfulStrategy):
    """Closes everything in ``on_stop``, as the examples do."""

    def on_stop(self) -> None:
        self.close_all(IID)


def test_orders_the_policy_holds_at_stop_are_dropped_before_on_stop_closes() -> None:
    """A close rejected with -1007 is absent at the venue and waits for its scheduled retry when
    the backtest ends. Nautilus cancels the strategy's timers after ``on_stop``, so that retry
    would never be sent; counted as committed, it made ``on_stop``'s ``close_all`` send nothing
    and the leg stayed open. The kit drops it before ``on_stop`` (logged, counted) and the close
    goes out in full."""
    # 27 ticks, 2.6 s: the reconcile check (2.5 s) ran, the retry waits
    strategy = _run("-1007@nth=2", 27, {1: _buy, 5: lambda s: s.close_long(IID)},
                    strategy_class=ClosingAtStop)
    orders = strategy.final_orders  # type: ignore[attr-defined]
    sells = [o for o in orders if o.side == OrderSide.SELL]
    assert [o.status for o in sells] == [OrderStatus.REJECTED, OrderStatus.FILLED]
    assert float(strategy.final_net) == 0.0  # type: ignore[attr-defined]
    assert strategy.exec_kit_policy_stats()["dropped_at_stop"] == 1
    assert strategy.kit_unsent_orders() == []
