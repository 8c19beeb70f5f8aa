"""Shared backtest fixtures: a Binance USDT-M venue as in the facts file §1, quote tapes, and a
scripted ExecutionMixin strategy that runs callables at given tick numbers.

Other test modules may import from here (``from tests.conftest import ...`` or via fixtures).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, RiskEngineConfig
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.identifiers import InstrumentId, TraderId
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.test_kit.providers import TestInstrumentProvider
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.backtest.venue import add_binance_venue
from nautilus_exec_kit.config import ExecKitConfig
from nautilus_exec_kit.core.errors import OrderValidationError
from nautilus_exec_kit.mixin import ExecutionMixin

#: tests/v2 run in the NautilusTrader 2 venv (`make test` runs them there), not under 1.231.
collect_ignore = ["v2"]

INSTRUMENT = TestInstrumentProvider.btcusdt_perp_binance()
IID: InstrumentId = INSTRUMENT.id
START_NS = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z


def quotes_from_bids(bids: Sequence[float], interval_ms: int = 100) -> list[QuoteTick]:
    """One quote per bid, ask one tick above, 5 BTC each side, ``interval_ms`` apart."""
    out = []
    for i, bid in enumerate(bids):
        ts = START_NS + i * interval_ms * 1_000_000
        b = round(bid, 1)
        out.append(
            QuoteTick(
                IID,
                Price(b, 1),
                Price(round(b + 0.1, 1), 1),
                Quantity(5, 3),
                Quantity(5, 3),
                ts,
                ts,
            ),
        )
    return out


def flat_quotes(n: int, bid: float = 50_000.0) -> list[QuoteTick]:
    """A market that does not move (orders far from it never fill)."""
    return quotes_from_bids([bid] * n)


def path_quotes(points: Sequence[tuple[int, float]]) -> list[QuoteTick]:
    """Piecewise-linear bids: ``[(0, 50000), (100, 50500), ...]`` -> one quote per tick."""
    bids: list[float] = []
    for (i0, p0), (i1, p1) in itertools.pairwise(points):
        for i in range(i0, i1):
            bids.append(p0 + (p1 - p0) * (i - i0) / (i1 - i0))
    bids.append(points[-1][1])
    return quotes_from_bids(bids)


def random_walk_quotes(n: int, seed: int = 7, start: float = 50_000.0) -> list[QuoteTick]:
    """A seeded random walk with slow trend regimes (so trend strategies trade)."""
    rng = random.Random(seed)
    bid = start
    drift = 0.0
    bids = []
    for i in range(n):
        if i % 400 == 0:
            drift = rng.choice([-1.5, 0.0, 1.5])
        bid = max(1_000.0, bid + drift + rng.gauss(0.0, 6.0))
        bids.append(bid)
    return quotes_from_bids(bids)


def make_engine(
    balance: int = 10_000, leverage: int = 20, instrument: Any = INSTRUMENT,
) -> BacktestEngine:
    """The kit's Binance-like venue (``add_binance_venue``) trading ``instrument`` (BTCUSDT-PERP
    by default), no post-run analysis."""
    engine = BacktestEngine(
        BacktestEngineConfig(
            trader_id=TraderId("TESTER-001"),
            logging=LoggingConfig(log_level="ERROR"),
            risk_engine=RiskEngineConfig(max_order_submit_rate="10000/00:00:01",
                                         max_order_modify_rate="10000/00:00:01"),
            run_analysis=False,
        ),
    )
    add_binance_venue(engine, instrument, balance_usdt=balance, leverage=leverage)
    return engine


class ScriptedConfig(ExecKitConfig, frozen=True):
    """Config of :class:`ScriptedStrategy`."""

    instrument_id: InstrumentId = IID


Step = Callable[["ScriptedStrategy"], Any]


class ScriptedStrategy(ExecutionMixin, Strategy):
    """Runs ``script[n](self)`` on the n-th quote (1-based); records what happened."""

    def __init__(self, config: ScriptedConfig, script: dict[int, Step] | None = None) -> None:
        super().__init__(config)
        self.script = dict(script or {})
        self.ticks = 0
        self.results: dict[int, Any] = {}
        self.errors: dict[int, BaseException] = {}
        self.invalid: list[OrderValidationError] = []
        self.events: list[Any] = []

    def on_start(self) -> None:
        self.subscribe_quote_ticks(self.config.instrument_id)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        self.ticks += 1
        step = self.script.get(self.ticks)
        if step is not None:
            try:
                self.results[self.ticks] = step(self)
            except Exception as exc:  # recorded for the test to assert on
                self.errors[self.ticks] = exc

    def on_event(self, event: Any) -> None:
        self.events.append(event)

    def on_order_invalid(self, error: OrderValidationError) -> None:
        self.invalid.append(error)


@pytest.fixture
def run_script() -> Iterator[Callable[..., tuple[BacktestEngine, ScriptedStrategy]]]:
    """``run_script(script, quotes, **config_fields) -> (engine, strategy)``; disposed after."""
    engines: list[BacktestEngine] = []

    def _run(
        script: dict[int, Step],
        quotes: list[QuoteTick] | None = None,
        balance: int = 10_000,
        **config: Any,
    ) -> tuple[BacktestEngine, ScriptedStrategy]:
        engine = make_engine(balance=balance)
        engines.append(engine)
        engine.add_data(quotes if quotes is not None else flat_quotes(50))
        strategy = ScriptedStrategy(ScriptedConfig(**config), script)
        engine.add_strategy(strategy)
        engine.run()
        return engine, strategy

    yield _run
    for engine in engines:
        engine.dispose()
