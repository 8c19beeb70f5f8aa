"""The shared parity cases (tests/parity_cases.py) on NautilusTrader 1.231: the same orders
accepted and refused, and the same policy decisions on the same injected rejects, as
tests/v2/test_parity.py asserts on NautilusTrader 2."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from nautilus_trader.model.enums import OrderSide, TimeInForce
from nautilus_trader.model.instruments import CryptoPerpetual
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.backtest.rejects import RejectInjector
from nautilus_exec_kit.config import ExecKitConfig
from nautilus_exec_kit.core.errors import OrderValidationError
from nautilus_exec_kit.mixin import ExecutionMixin
from tests.conftest import IID, INSTRUMENT, flat_quotes, make_engine
from tests.parity_cases import (
    CASES,
    EXPECTED_DECISIONS,
    EXPECTED_RESTRICTION_DECISIONS,
    EXPECTED_RESTRICTION_OUTCOMES,
    EXPECTED_RESTRICTION_STATES,
    EXPECTED_RESTRICTION_STATS,
    INSTRUMENT_INFO,
    REJECT_SPEC,
    RESTRICTION_PROBE_MS,
    RESTRICTION_SCRIPT,
    RESTRICTION_SPEC,
    Case,
    run_restriction_step,
)

#: BTCUSDT-PERP with Binance's filters in ``info``, as the adapter builds it (MARKET_LOT_SIZE).
PARITY_INSTRUMENT = CryptoPerpetual.from_dict(
    {**CryptoPerpetual.to_dict(INSTRUMENT), "info": INSTRUMENT_INFO},
)


class ParityConfig(ExecKitConfig, frozen=True):
    every: int = 0  # >0: one MARKET order every `every` quotes


class ParityStrategy(ExecutionMixin, Strategy):
    def __init__(
        self, config: ParityConfig, cases: list[Case], script: Sequence[tuple[int, str]] = (),
    ) -> None:
        super().__init__(config)
        self.cases = cases
        self.outcomes: dict[str, str | None] = {}
        self.quotes = 0
        self.script = dict(script)
        self.step_outcomes: dict[int, object] = {}
        self.restriction_states: list[Any] = []

    def on_trading_restriction(self, state: Any) -> None:
        self.restriction_states.append(state)


    def on_start(self) -> None:
        self.subscribe_quote_ticks(IID)

    def on_quote_tick(self, tick: Any) -> None:
        self.quotes += 1
        if self.quotes == 1:
            for case in self.cases:
                self.outcomes[case.name] = self._run(case)
        every = self.config.every
        if every and self.quotes % every == 0 and self.quotes <= every * 4:
            self.submit_market(IID, OrderSide.BUY, "0.010")
        step = self.script.get(self.quotes)
        if step is not None:
            self.step_outcomes[self.quotes] = run_restriction_step(self, step, IID, OrderSide.BUY)

    def _run(self, case: Case) -> str | None:
        args = (OrderSide[case.args[0]], *case.args[1:])
        kwargs = dict(case.kwargs)
        if "time_in_force" in kwargs:
            kwargs["time_in_force"] = TimeInForce[kwargs["time_in_force"]]
        try:
            getattr(self, case.helper)(IID, *args, **kwargs)
        except OrderValidationError as error:
            return type(error).__name__
        return None


@pytest.mark.parametrize("mode", ["ONE_WAY", "HEDGE"])
def test_the_same_orders_are_accepted_and_refused(mode: str) -> None:
    cases = [case for case in CASES if case.mode == mode]
    engine = make_engine(instrument=PARITY_INSTRUMENT)
    engine.add_data(flat_quotes(5))
    strategy = ParityStrategy(ParityConfig(position_mode=mode), cases)
    engine.add_strategy(strategy)
    engine.run()
    try:
        assert strategy.outcomes == {case.name: case.refused_with for case in cases}
    finally:
        engine.dispose()


def test_the_same_rejects_lead_to_the_same_decisions() -> None:
    engine = make_engine()
    engine.add_data(flat_quotes(400))
    strategy = ParityStrategy(ParityConfig(every=10, margin_check=False), [])
    engine.add_strategy(strategy)
    RejectInjector(REJECT_SPEC).install(engine)
    engine.run()
    try:
        decisions = [(d.action.value, d.reason.key) for d in strategy.exec_kit_policy.decisions]
        assert decisions == EXPECTED_DECISIONS
    finally:
        engine.dispose()


def test_reduce_only_mode_and_instrument_stop_agree() -> None:
    engine = make_engine()
    engine.add_data(flat_quotes(130))
    config = ParityConfig(margin_check=False, reduce_only_probe_ms=RESTRICTION_PROBE_MS)
    strategy = ParityStrategy(config, [], RESTRICTION_SCRIPT)
    engine.add_strategy(strategy)
    RejectInjector(RESTRICTION_SPEC).install(engine)
    engine.run()
    try:
        assert strategy.step_outcomes == EXPECTED_RESTRICTION_OUTCOMES
        decisions = [(d.action.value, d.reason.key) for d in strategy.exec_kit_policy.decisions]
        assert decisions == EXPECTED_RESTRICTION_DECISIONS
        states = [(s.kind.value, s.scope == "account", s.active)
                  for s in strategy.restriction_states]
        assert states == EXPECTED_RESTRICTION_STATES
        stats = strategy.exec_kit_stats()
        assert {k: stats[k] for k in EXPECTED_RESTRICTION_STATS} == EXPECTED_RESTRICTION_STATS
        assert float(engine.portfolio.net_position(IID)) == 0.010
    finally:
        engine.dispose()
