"""The shared parity cases (tests/parity_cases.py) on NautilusTrader 2: the same orders accepted
and refused, and the same policy decisions on the same injected rejects, as tests/test_parity.py
asserts on NautilusTrader 1.231."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from nautilus_trader import model as nt
from nautilus_trader.trading import Strategy

from nautilus_exec_kit.core.errors import OrderValidationError
from nautilus_exec_kit.v2.backtest import add_reject_injector, mark_simulated
from nautilus_exec_kit.v2.config import ExecKitConfig
from nautilus_exec_kit.v2.mixin import ExecutionMixin
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
from tests.v2.conftest import IID, INSTRUMENT, flat_quotes, make_engine

#: BTCUSDT-PERP with Binance's filters in ``info`` (MARKET_LOT_SIZE), as tests/test_parity.py.
PARITY_INSTRUMENT = nt.CryptoPerpetual.from_dict({**INSTRUMENT.to_dict(), "info": INSTRUMENT_INFO})


class ParityConfig(ExecKitConfig):
    every: int = 0  # >0: one MARKET order every `every` quotes


class ParityStrategy(ExecutionMixin, Strategy):  # type: ignore[misc]
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
        self.subscribe_quotes(IID)

    def on_quote(self, quote: Any) -> None:
        self.quotes += 1
        if self.quotes == 1:
            for case in self.cases:
                self.outcomes[case.name] = self._run(case)
        every = self.config.every
        if every and self.quotes % every == 0 and self.quotes <= every * 4:
            self.submit_market(IID, nt.OrderSide.BUY, "0.010")
        step = self.script.get(self.quotes)
        if step is not None:
            outcome = run_restriction_step(self, step, IID, nt.OrderSide.BUY)
            self.step_outcomes[self.quotes] = outcome

    def _run(self, case: Case) -> str | None:
        args = (getattr(nt.OrderSide, case.args[0]), *case.args[1:])
        kwargs = dict(case.kwargs)
        if "time_in_force" in kwargs:
            kwargs["time_in_force"] = getattr(nt.TimeInForce, kwargs["time_in_force"])
        try:
            getattr(self, case.helper)(IID, *args, **kwargs)
        except OrderValidationError as error:
            return type(error).__name__
        return None


@pytest.mark.parametrize("mode", ["ONE_WAY", "HEDGE"])
def test_the_same_orders_are_accepted_and_refused(mode: str) -> None:
    cases = [case for case in CASES if case.mode == mode]
    engine: Any = make_engine(instrument=PARITY_INSTRUMENT)
    engine.add_data(flat_quotes(5))
    strategy = ParityStrategy(ParityConfig(position_mode=mode), cases)
    engine.add_strategy(strategy)
    mark_simulated(strategy)
    engine.run()
    try:
        assert strategy.outcomes == {case.name: case.refused_with for case in cases}
    finally:
        engine.dispose()


def test_the_same_rejects_lead_to_the_same_decisions() -> None:
    engine: Any = make_engine()
    engine.add_data(flat_quotes(400))
    strategy = ParityStrategy(ParityConfig(every=10, margin_check=False), [])
    engine.add_strategy(strategy)
    injector = add_reject_injector(engine, strategy, REJECT_SPEC)
    engine.run()
    try:
        decisions = [(d.action.value, d.reason.key) for d in strategy.exec_kit_policy.decisions]
        assert decisions == EXPECTED_DECISIONS
        assert [code for _, _, code in injector.injected] == [-1003, -2019, -1007]
        retried = [o for o in strategy.cache.orders() if o.tags]
        assert {t.split("=")[0] for o in retried for t in o.tags} == {"retry-of"}
    finally:
        engine.dispose()


def test_reduce_only_mode_and_instrument_stop_agree() -> None:
    engine: Any = make_engine()
    engine.add_data(flat_quotes(130))
    config = ParityConfig(margin_check=False, reduce_only_probe_ms=RESTRICTION_PROBE_MS)
    strategy = ParityStrategy(config, [], RESTRICTION_SCRIPT)
    engine.add_strategy(strategy)
    mark_simulated(strategy)
    injector = add_reject_injector(engine, strategy, RESTRICTION_SPEC)
    engine.run()
    try:
        assert strategy.step_outcomes == EXPECTED_RESTRICTION_OUTCOMES
        decisions = [(d.action.value, d.reason.key) for d in strategy.exec_kit_policy.decisions]
        assert decisions == EXPECTED_RESTRICTION_DECISIONS
        assert [code for _, _, code in injector.injected] == [-4400, -4141]
        states = [(s.kind.value, s.scope == "account", s.active)
                  for s in strategy.restriction_states]
        assert states == EXPECTED_RESTRICTION_STATES
        stats = strategy.exec_kit_stats()
        assert {k: stats[k] for k in EXPECTED_RESTRICTION_STATS} == EXPECTED_RESTRICTION_STATS
        net = sum(float(p.signed_qty) for p in strategy.cache.positions_open())
        assert net == 0.010
    finally:
        engine.dispose()
