"""The v2 binding in real v2 backtests: configuration checks, deny mode, modify and algo rules,
hedge-mode closes, and every policy action on injected rejects (fail-fast, halt, the budget)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from nautilus_trader import model as nt
from nautilus_trader.trading import Strategy

import nautilus_exec_kit
from nautilus_exec_kit.core import errors as E
from nautilus_exec_kit.v2.backtest import add_reject_injector, mark_simulated
from nautilus_exec_kit.v2.config import ExecKitConfig
from nautilus_exec_kit.v2.mixin import ExecutionMixin
from tests.v2.conftest import IID, flat_quotes, make_engine

BUY, SELL = nt.OrderSide.BUY, nt.OrderSide.SELL


class ScriptConfig(ExecKitConfig):
    pass


class Scripted(ExecutionMixin, Strategy):  # type: ignore[misc]
    """Runs ``script[n](self)`` on the n-th quote; records errors raised by the steps."""

    def __init__(self, config: ScriptConfig, script: dict[int, Callable[[Any], Any]]) -> None:
        super().__init__(config)
        self.script = script
        self.quotes = 0
        self.errors: list[Exception] = []
        self.results: dict[int, Any] = {}
        self.invalid: list[E.OrderValidationError] = []

    def on_start(self) -> None:
        self.subscribe_quotes(IID)

    def on_quote(self, quote: Any) -> None:
        self.quotes += 1
        step = self.script.get(self.quotes)
        if step is None:
            return
        try:
            self.results[self.quotes] = step(self)
        except Exception as error:  # v2 swallows hook exceptions: keep them for the test
            self.errors.append(error)

    def on_order_invalid(self, error: E.OrderValidationError) -> None:
        self.invalid.append(error)


def run(
    script: dict[int, Callable[[Any], Any]], *, quotes: int = 50, spec: str | None = None,
    **config: Any,
) -> Scripted:
    engine: Any = make_engine()
    engine.add_data(flat_quotes(quotes))
    strategy = Scripted(ScriptConfig(**config), script)
    engine.add_strategy(strategy)
    mark_simulated(strategy)
    if spec is not None:
        add_reject_injector(engine, strategy, spec)
    engine.run()
    strategy.engine = engine  # type: ignore[attr-defined]
    return strategy


def test_the_package_resolves_the_v2_binding() -> None:
    assert nautilus_exec_kit.nautilus_generation() == "v2"
    assert nautilus_exec_kit.ExecutionMixin is ExecutionMixin
    assert nautilus_exec_kit.ExecKitConfig is ExecKitConfig


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"oms_type": "NETTING"}, E.PositionModeMismatch),
        ({"position_mode": "HEDGE", "account_type": "SPOT"}, E.PositionModeMismatch),
        ({"on_invalid_order": "ignore"}, E.ConfigurationError),
        ({"position_mode": "BOTH_WAYS"}, E.ConfigurationError),
        ({"leverage": 0}, E.ConfigurationError),
    ],
)
def test_a_wrong_kit_configuration_fails_at_construction(
    config: dict[str, Any], error: type[Exception],
) -> None:
    with pytest.raises(error):
        Scripted(ScriptConfig(**config), {})


def test_an_unknown_config_field_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="trade_sise"):
        ScriptConfig(trade_sise=1)


def test_deny_mode_returns_none_counts_and_calls_the_hook() -> None:
    s = run({1: lambda s: s.submit_limit(IID, BUY, "0.010", "49000.05")},
            on_invalid_order="deny")
    assert s.results[1] is None and not s.errors
    assert [type(e).__name__ for e in s.invalid] == ["PriceTooPrecise"]
    assert s.exec_kit_stats()["invalid.PriceTooPrecise"] == 1
    assert not s.cache.orders()  # it never reached the venue


def test_modify_amends_a_limit_and_refuses_a_stop() -> None:
    orders: dict[str, Any] = {}

    def place(s: Any) -> None:
        orders["limit"] = s.submit_limit(IID, BUY, "0.010", "49000.0")
        orders["stop"] = s.submit_stop_market(IID, SELL, "0.010", "49000.0")

    s = run({1: place, 3: lambda s: s.modify(orders["limit"], price="49100.0"),
             4: lambda s: s.modify(orders["stop"], trigger_price="48000.0")})
    assert s.results[3] is True
    assert str(s.cache.order(orders["limit"].client_order_id).price) == "49100.0"
    assert [type(e).__name__ for e in s.errors] == ["ModifyNotSupported"]


def test_the_open_algo_cap_refuses_the_201st_conditional_order() -> None:
    def place(s: Any) -> None:
        for _ in range(200):
            s.submit_stop_market(IID, SELL, "0.010", "40000.0")
        s.submit_take_profit(IID, SELL, "0.010", "60000.0")

    s = run({1: place, 3: lambda s: s.open_algo_orders(IID)})
    assert [type(e).__name__ for e in s.errors] == ["AlgoOrderLimitReached"]
    assert s.results[3] == 200


def test_hedge_closes_never_over_close_a_leg() -> None:
    s = run({
        1: lambda s: s.submit_market(IID, BUY, "0.020", position_side="LONG"),
        3: lambda s: s.close_long(IID, "0.030"),
        4: lambda s: s.close_long(IID, "0.005"),
        6: lambda s: s.close_long(IID),
        8: lambda s: s.close_long(IID),
    }, position_mode="HEDGE")
    assert [type(e).__name__ for e in s.errors] == ["PositionModeViolation"]
    assert str(s.results[6].quantity) == "0.015"
    assert s.results[8] is None  # nothing left to close
    assert not s.cache.positions_open()


def test_fail_fast_stops_the_strategy() -> None:
    s = run({n: (lambda s: s.submit_market(IID, BUY, "0.010")) for n in (1, 5)},
            spec="-1121@nth=1")
    actions = [d.action.value for d in s.exec_kit_policy.decisions]
    assert actions == ["fail_fast"]
    assert s.is_stopped()
    assert s.quotes < 5  # it stopped before the second order's quote


def test_fail_fast_raise_mode_raises_at_the_call_site() -> None:
    s = run({1: lambda s: s.submit_market(IID, BUY, "0.010"),
             2: lambda s: s.submit_market(IID, BUY, "0.010")},
            spec="-1121@nth=1", fail_fast="raise")
    assert [type(e).__name__ for e in s.errors] == ["VenueError", "VenueError"]


def test_halt_refuses_until_the_ban_ends_then_resends() -> None:
    s = run({1: lambda s: s.submit_market(IID, BUY, "0.010"),
             3: lambda s: s.submit_market(IID, BUY, "0.010")},
            quotes=80, spec="418@nth=1,retry_after=3")
    decision = s.exec_kit_policy.decisions[0]
    assert decision.action.value == "halt"
    assert [type(e).__name__ for e in s.errors] == ["SubmissionsHalted"]
    filled = [o for o in s.cache.orders() if o.status.name == "FILLED"]
    assert [o.tags for o in filled] == [[f"retry-of={decision.client_order_id}"]]
    assert filled[0].ts_last >= decision.retry_at_ns


def test_the_rate_budget_queues_on_the_strategy_clock() -> None:
    def burst(s: Any) -> None:
        for _ in range(5):
            s.submit_market(IID, BUY, "0.001", reduce_only=False)

    s = run({1: burst}, quotes=300, orders_per_10s=2, margin_check=False)
    fills = sorted(o.ts_last for o in s.cache.orders() if o.status.name == "FILLED")
    assert len(fills) == 5
    assert fills[2] - fills[0] >= 10_000_000_000  # the third waited for the 10 s window
    assert s.exec_kit_policy_stats()["queued"] == 0


def test_a_trailing_stop_rests_once_the_simulator_has_a_last_price() -> None:
    """v2's simulator denies a trailing stop it cannot price from quotes alone
    (docs/migration.md); with trades it rests, validated by the kit either way."""
    engine: Any = make_engine()
    quotes = flat_quotes(20)
    engine.add_data(quotes)
    engine.add_data([
        nt.TradeTick(IID, nt.Price.from_str("50000.0"), nt.Quantity.from_str("0.100"),
                     nt.AggressorSide.BUY, nt.TradeId(str(i)), q.ts_event, q.ts_event)
        for i, q in enumerate(quotes)
    ])
    strategy = Scripted(ScriptConfig(), {
        3: lambda s: s.submit_trailing_stop(IID, SELL, "0.010", 100),
        4: lambda s: s.submit_trailing_stop(IID, SELL, "0.010", 5),
    })
    engine.add_strategy(strategy)
    engine.run()
    try:
        statuses = [o.status.name for o in strategy.cache.orders()]
        assert statuses == ["ACCEPTED"]
        assert [type(e).__name__ for e in strategy.errors] == ["TrailingOffsetError"]
    finally:
        engine.dispose()


def test_the_margin_bound_reads_the_account_again_before_it_refuses() -> None:
    """The kit's cheap bound counts the margin of every order it admitted since the last
    account read (here 6 750 USDT, Binance's notional / leverage), so a 6 750 USDT order does
    not fit the bound; the fresh read (the orders are cancelled) shows it fits, and it is sent.
    An order the account cannot carry is still refused."""
    placed: list[Any] = []

    def lock(s: Any) -> None:  # 3 x 1.000 BTC at 45 000 = 6 750 USDT of margin at 20x
        placed.extend(s.submit_limit(IID, BUY, "1.000", "45000.0") for _ in range(3))

    s = run({
        1: lock,
        3: lambda s: [s.cancel(o) for o in placed],
        5: lambda s: s.submit_limit(IID, BUY, "3.000", "45000.0"),  # 6 750 USDT: fits again
        7: lambda s: s.submit_limit(IID, BUY, "5.000", "45000.0"),  # 11 250: does not
    })
    assert s.results[5] is not None
    assert [type(e).__name__ for e in s.errors] == ["InsufficientMargin"]


def test_a_resting_stop_does_not_block_a_close() -> None:
    """Only immediate-type closing orders count as committed (the core's rule, as on v1): a
    protective stop on the leg may never fire, so close_long still closes the whole leg."""
    s = run({
        1: lambda s: s.submit_market(IID, BUY, "0.020", position_side="LONG"),
        3: lambda s: s.submit_stop_market(IID, SELL, "0.020", "45000.0", position_side="LONG"),
        5: lambda s: s.close_long(IID),
    }, position_mode="HEDGE")
    assert not s.errors
    assert str(s.results[5].quantity) == "0.020"


def test_price_match_steps_by_the_instruments_tick() -> None:
    """QUEUE_5 is four ticks below the best bid: a tick of 0.5, not one unit of precision."""
    from decimal import Decimal

    from nautilus_exec_kit.v2.backtest import USDT, add_binance_venue
    from nautilus_exec_kit.v2.backtest import make_engine as bare_engine
    from tests.v2.conftest import quotes_from_bids

    half_tick = nt.CryptoPerpetual(
        IID, nt.Symbol("BTCUSDT"), nt.Currency.from_str("BTC"), USDT, USDT, False, 1, 3,
        nt.Price.from_str("0.5"), nt.Quantity.from_str("0.001"), 0, 0,
        min_notional=nt.Money(10, USDT), margin_init=Decimal("0.05"),
        margin_maint=Decimal("0.025"),
    )
    engine: Any = bare_engine()
    add_binance_venue(engine, half_tick)
    engine.add_data(quotes_from_bids([50_000.0] * 5))
    strategy = Scripted(ScriptConfig(), {
        2: lambda s: s.submit_limit(IID, BUY, "0.010", price_match="QUEUE_5"),
    })
    engine.add_strategy(strategy)
    mark_simulated(strategy)
    engine.run()
    try:
        assert not strategy.errors
        assert str(strategy.results[2].price) == "49998.0"
    finally:
        engine.dispose()


class ClosingAtStop(Scripted):
    """Closes everything in ``on_stop``, as the examples do."""

    def on_stop(self) -> None:
        self.close_all(IID)


def test_orders_the_policy_holds_at_stop_are_dropped_before_on_stop_closes() -> None:
    """v1's test: a close denied with -1007 waits for its scheduled retry when the backtest
    ends; dropped before ``on_stop`` (its time alert would never fire), ``close_all`` closes
    the leg in full instead of counting it as on its way."""
    engine: Any = make_engine()
    engine.add_data(flat_quotes(27))  # 2.6 s: the reconcile check (2.5 s) ran, the retry waits
    strategy = ClosingAtStop(ScriptConfig(), {1: lambda s: s.submit_market(IID, BUY, "0.010"),
                                              5: lambda s: s.close_long(IID)})
    engine.add_strategy(strategy)
    mark_simulated(strategy)
    add_reject_injector(engine, strategy, "-1007@nth=2")
    engine.run()
    try:
        sells = [o for o in engine.cache.orders() if o.side == SELL]
        assert sells[0].status.name == "DENIED"
        # on_stop's close went out for the whole leg (it stays INITIALIZED here only because
        # the reject injector, an execution algorithm, stops with the engine before it)
        assert [str(o.quantity) for o in sells[1:]] == ["0.010"]
        assert strategy.exec_kit_policy.stats()["dropped_at_stop"] == 1
        assert strategy.kit_unsent_orders() == []
    finally:
        engine.dispose()
