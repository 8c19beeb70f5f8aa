"""The kit runner gives the plain engine's fills, PnL and statistics, and bounds the cache."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, RiskEngineConfig
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.events import OrderFilled
from nautilus_trader.model.identifiers import PositionId, TraderId
from nautilus_trader.model.objects import Quantity

from nautilus_exec_kit.backtest.perf import LinearPortfolioAnalyzer
from nautilus_exec_kit.backtest.round_trip_strategy import RoundTripConfig, RoundTripStrategy
from nautilus_exec_kit.backtest.runner import BacktestRunner, RunnerConfig, run_backtest
from nautilus_exec_kit.backtest.tape import TapeSpec, default_instrument, synthetic_tape
from nautilus_exec_kit.backtest.venue import add_binance_venue

TICKS = 3_000
INSTRUMENT = default_instrument()


class TimerRoundTrips(RoundTripStrategy):
    """Round trips on quotes plus an extra order from a 7 s timer (timers across batches)."""

    def on_start(self) -> None:
        super().on_start()
        self.clock.set_timer("extra", timedelta(seconds=7), callback=self._extra)

    def _extra(self, _event: Any) -> None:
        order = self.order_factory.market(INSTRUMENT.id, OrderSide.BUY, Quantity.from_str("0.002"))
        self.submit_order(order, position_id=PositionId(f"{INSTRUMENT.id}-BOTH"))


def _strategy(cls: type[RoundTripStrategy] = RoundTripStrategy) -> RoundTripStrategy:
    return cls(RoundTripConfig(instrument_id=INSTRUMENT.id, log_events=False, log_commands=False))


class FillLog:
    def __init__(self) -> None:
        self.fills: list[tuple[str, str, str, str, int, str]] = []

    def __call__(self, event: Any) -> None:
        if isinstance(event, OrderFilled):
            self.fills.append(
                (
                    event.client_order_id.value,
                    str(event.order_side),
                    str(event.last_px),
                    str(event.last_qty),
                    event.ts_event,
                    str(event.commission),
                )
            )

    def install(self, engine: BacktestEngine) -> None:
        engine.kernel.msgbus.subscribe(topic="events.order.*", handler=self)


def _plain(data: list[Any], cls: type[RoundTripStrategy]) -> tuple[BacktestEngine, FillLog]:
    engine = BacktestEngine(
        BacktestEngineConfig(
            trader_id=TraderId("EXECKIT-001"),
            logging=LoggingConfig(log_level="ERROR"),
            risk_engine=RiskEngineConfig(max_order_submit_rate="100/00:00:01"),
        )
    )
    add_binance_venue(engine, INSTRUMENT)
    engine.add_data(data)
    engine.add_strategy(_strategy(cls))
    log = FillLog()
    log.install(engine)
    engine.run()
    return engine, log


@pytest.mark.parametrize("cls", [RoundTripStrategy, TimerRoundTrips])
def test_same_fills_pnl_and_statistics_as_plain_engine(cls: type[RoundTripStrategy]) -> None:
    data = synthetic_tape(TapeSpec(ticks=TICKS, seed=11)).quotes
    plain, plain_log = _plain(data, cls)
    kit_log = FillLog()
    runner = BacktestRunner(RunnerConfig(batches=7, hooks=(kit_log.install,)))
    seen: list[float] = []
    try:
        runner.add_strategies(_strategy(cls))
        report = runner.run(data, progress=lambda f, _n: seen.append(f))
        assert isinstance(runner.engine.portfolio.analyzer, LinearPortfolioAnalyzer)
        # closed orders were purged from the cache, yet the report counts all of them
        assert len(runner.engine.cache.orders()) < len(kit_log.fills)
        kit_analyzer = runner.engine.portfolio.analyzer
        kit_account = runner.engine.cache.accounts()[0]
        plain_analyzer = plain.portfolio.analyzer
        assert kit_log.fills == plain_log.fills
        assert len(kit_log.fills) >= TICKS
        assert report.fills == len(plain_log.fills)
        assert report.orders == len(plain.cache.orders())
        assert kit_account.balances_total() == plain.cache.accounts()[0].balances_total()
        assert report.stats_pnls["USDT"] == pytest.approx(
            plain_analyzer.get_performance_stats_pnls(USDT), nan_ok=True, rel=0, abs=0
        )
        assert kit_analyzer.get_performance_stats_returns() == pytest.approx(
            plain_analyzer.get_performance_stats_returns(), nan_ok=True, rel=0, abs=0
        )
        assert list(kit_analyzer.realized_pnls(USDT)) == list(plain_analyzer.realized_pnls(USDT))
        assert report.realized_pnl["USDT"] == plain_analyzer.total_pnl(USDT)
    finally:
        runner.dispose()
        plain.dispose()
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) == 7


def test_without_purge_the_cache_keeps_every_order() -> None:
    data = synthetic_tape(TapeSpec(ticks=1_000, seed=3)).quotes
    runner = BacktestRunner(RunnerConfig(purge_closed_orders_mins=None))
    try:
        runner.add_strategies(_strategy())
        report = runner.run(data)
        assert len(runner.engine.cache.orders()) == report.orders == 1_000
        assert report.orders_by_type_status == {("MARKET", "FILLED"): 1_000}
    finally:
        runner.dispose()


def test_run_backtest_reports_denials_by_reason() -> None:
    data = synthetic_tape(TapeSpec(ticks=400, seed=3)).quotes
    # 5 orders/s allowed, the strategy sends 10/s: the RiskEngine denies the excess
    report = run_backtest(
        _strategy(), data, config=RunnerConfig(max_order_submit_rate="5/00:00:01")
    )
    denied = {k: v for k, v in report.reasons.items() if k[0] == "DENIED"}
    assert sum(denied.values()) == report.orders_by_type_status[("MARKET", "DENIED")] > 0
    assert report.orders == 400
