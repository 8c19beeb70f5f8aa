"""The error policy runs inside every ExecutionMixin strategy, fed by injected venue rejects.

These backtests go through the real path: mixin helper -> PolicyRuntime gate -> submit_order
-> RiskEngine -> (RejectInjector at the ExecEngine.execute seam) -> SimulatedExchange, and the
rejects reach the kit through its own message-bus subscription even though the strategy's
``on_order_rejected`` does not call ``super()``.
"""

from __future__ import annotations

from typing import Any

from nautilus_trader.model.enums import OrderSide, OrderStatus, OrderType
from nautilus_trader.model.events import OrderRejected

from nautilus_exec_kit.backtest.rejects import RejectInjector
from nautilus_exec_kit.core.errors import SubmissionsHalted, VenueError
from tests.conftest import IID, ScriptedConfig, ScriptedStrategy, flat_quotes, make_engine


class ForgetfulStrategy(ScriptedStrategy):
    """Overrides ``on_order_rejected`` and forgets ``super()``: the policy must still run."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rejected: list[OrderRejected] = []

    def on_order_rejected(self, event: OrderRejected) -> None:
        self.rejected.append(event)


def _buy(strategy: ScriptedStrategy) -> Any:
    return strategy.submit_market(IID, OrderSide.BUY, "0.010")


def _run(spec: str, ticks: int = 300, script: Any = None, **config: Any) -> ForgetfulStrategy:
    engine = make_engine()
    engine.add_data(flat_quotes(ticks))
    strategy = ForgetfulStrategy(ScriptedConfig(**config), script or {1: _buy})
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
