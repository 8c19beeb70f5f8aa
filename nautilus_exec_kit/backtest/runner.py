"""The kit's backtest runner: a Binance USDT-M BacktestEngine that stays linear for round trips.

``run_backtest(strategy, data, config=RunnerConfig())`` is the Python API behind
``exec-kit backtest``. It sets up the venue the way the live Binance futures client behaves
(``OmsType.HEDGING``, ``AccountType.MARGIN``, 10 k USDT, leverage 20; see
docs/position_modes.md) with one or several instruments, applies the workarounds of
:mod:`nautilus_exec_kit.backtest.perf` (each refuses to apply when Nautilus changed under it),
and feeds the data in time-ordered batches through Nautilus' streaming mode so a progress
callback can be called between batches. The data is a list or a :class:`DataFeed` (a catalog
streamed window by window); after the first batch, each subscription the data cannot feed is
warned about by name (:mod:`nautilus_exec_kit.backtest.subscriptions`).

Example::

    tape = synthetic_tape(TapeSpec(ticks=20_000))
    report = run_backtest(MyStrategy(MyConfig(...)), tape.quotes)
    print(format_summary(report))

    runner = BacktestRunner(RunnerConfig(), [btc, eth])
    runner.add_strategies([...])
    report = runner.run(CatalogFeed(catalog, [btc, eth]))
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import ExecEngineConfig, LoggingConfig, RiskEngineConfig
from nautilus_trader.model.events import OrderEvent
from nautilus_trader.model.identifiers import InstrumentId, TraderId
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.backtest import perf
from nautilus_exec_kit.backtest.feed import DataFeed, ListFeed
from nautilus_exec_kit.backtest.perpetuals import PerpetualEconomics, PerpetualTerms
from nautilus_exec_kit.backtest.subscriptions import unfed_subscriptions, warn_unfed
from nautilus_exec_kit.backtest.summary import BacktestReport, OrderTally, summarize
from nautilus_exec_kit.backtest.tape import default_instrument
from nautilus_exec_kit.backtest.venue import add_binance_venue

#: progress(fraction_done, ticks_done) between batches.
ProgressCallback = Callable[[float, int], None]
#: called with the engine after venue, instrument and strategies are added, before the run.
EngineHook = Callable[[BacktestEngine], Any]


@attrs.frozen
class RunnerConfig:
    """How the kit runs a backtest.

    Parameters
    ----------
    starting_balance_usdt, leverage
        The Binance USDT-M account: 10 000 USDT at 20x by default.
    linear_cost : bool
        Apply the linear-cost workarounds (analyzer, order purge, gc freeze). ``False`` runs the
        plain engine (used by the parity test and the benchmark's baseline).
    purge_closed_orders_mins : int | None
        Purge closed orders from the cache every N simulated minutes (Nautilus' own
        ``ExecEngineConfig`` timer). Needed for linear cost on a reused position ID; the summary
        still counts every order. ``None`` keeps every order in the cache (so
        ``generate_orders_report`` lists them all) at the price of quadratic fills on ``-BOTH``.
    purge_closed_positions_mins : int | None
        Also purge closed positions (bounds memory when every round trip opens a new position
        ID). The analyzer keeps their PnL, so statistics are unchanged; the positions report
        loses them.
    bar_execution : bool
        Let bars move the simulated market (Nautilus' ``bar_execution``). Turn it off when the
        data has quotes too: the bars are then only signals for the strategy, and the quotes
        alone decide fills (otherwise OHLC points would re-trade prices the quotes already did).
    perpetuals : PerpetualTerms | None
        Funding, mark price and liquidation as Binance charges them (the venue's
        :class:`~nautilus_exec_kit.backtest.perpetuals.PerpetualEconomics` module): these terms
        for every instrument, plus ``perpetual_terms`` per instrument ID. ``None`` runs the
        plain SimulatedExchange, which charges no funding and never liquidates.
    batches : int
        How many streaming batches (progress callbacks) to split the data into.
    verbose : bool
        INFO logging and strategy event/command logs on (default: ERROR only, logs off).
    """

    trader_id: str = "EXECKIT-001"
    starting_balance_usdt: int = 10_000
    leverage: int = 20
    linear_cost: bool = True
    purge_closed_orders_mins: int | None = 1
    purge_closed_positions_mins: int | None = None
    gc_freeze: bool = True
    bar_execution: bool = True
    run_analysis: bool = True
    batches: int = attrs.field(default=20, validator=attrs.validators.ge(1))
    verbose: bool = False
    max_order_submit_rate: str = "100/00:00:01"
    hooks: tuple[EngineHook, ...] = ()
    perpetuals: PerpetualTerms | None = attrs.field(factory=PerpetualTerms)
    perpetual_terms: Mapping[InstrumentId, PerpetualTerms] = attrs.field(factory=dict)


class BacktestRunner:
    """Builds, runs and summarises one backtest. Keep it to read ``engine`` after ``run``.

    Call :meth:`dispose` when done (the CLI writes the tearsheet from ``engine`` first).
    """

    def __init__(
        self,
        config: RunnerConfig | None = None,
        instruments: Instrument | Sequence[Instrument] | None = None,
    ) -> None:
        self.config = config or RunnerConfig()
        if isinstance(instruments, Instrument):
            instruments = [instruments]
        #: every instrument the venue lists (default: the kit's BTCUSDT-PERP test instrument)
        self.instruments: tuple[Instrument, ...] = tuple(instruments or [default_instrument()])
        self.workarounds: dict[str, str | None] = {}
        #: one message per subscription the run's data could not feed (see ``subscriptions``)
        self.data_warnings: list[str] = []
        self.tally = OrderTally()
        self.perpetuals: PerpetualEconomics | None = None
        self.engine = self._build_engine()

    def _build_engine(self) -> BacktestEngine:
        cfg = self.config
        exec_kwargs: dict[str, Any] = {}
        if cfg.linear_cost:
            self.workarounds = perf.check_workarounds()
            exec_kwargs = perf.exec_engine_purge_config(cfg.purge_closed_orders_mins)
            if cfg.purge_closed_positions_mins is not None:
                exec_kwargs["purge_closed_positions_interval_mins"] = (
                    cfg.purge_closed_positions_mins
                )
                exec_kwargs["purge_closed_positions_buffer_mins"] = 0
        engine = BacktestEngine(
            BacktestEngineConfig(
                trader_id=TraderId(cfg.trader_id),
                logging=LoggingConfig(log_level="INFO" if cfg.verbose else "ERROR"),
                risk_engine=RiskEngineConfig(max_order_submit_rate=cfg.max_order_submit_rate),
                exec_engine=ExecEngineConfig(**exec_kwargs),
                run_analysis=cfg.run_analysis,
            )
        )
        modules = []
        if cfg.perpetuals is not None:
            self.perpetuals = PerpetualEconomics(cfg.perpetual_terms, cfg.perpetuals)
            modules.append(self.perpetuals)
        add_binance_venue(
            engine,
            self.instruments,
            balance_usdt=cfg.starting_balance_usdt,
            leverage=cfg.leverage,
            bar_execution=cfg.bar_execution,
            modules=modules,
        )
        if cfg.linear_cost and not self.workarounds.get("linear_analyzer"):
            perf.install_linear_analyzer(engine.portfolio)
        # Count orders as they close: the purge timer may drop them from the cache later.
        engine.kernel.msgbus.subscribe(topic="events.order.*", handler=self._on_order_event)
        return engine

    @property
    def instrument(self) -> Instrument:
        """The first (often only) instrument of the run."""
        return self.instruments[0]

    def _on_order_event(self, event: OrderEvent) -> None:
        order = self.engine.cache.order(event.client_order_id)
        if order is not None and order.is_closed:
            self.tally.record(order)

    def add_strategies(self, strategies: Strategy | Sequence[Strategy]) -> None:
        """Add one or more strategies.

        Build their configs with ``log_events=False, log_commands=False`` for speed (the CLI
        does); Nautilus offers no way to change that after construction.
        """
        for strategy in [strategies] if isinstance(strategies, Strategy) else strategies:
            self.engine.add_strategy(strategy)

    def run(
        self, data: Sequence[Any] | DataFeed, progress: ProgressCallback | None = None
    ) -> BacktestReport:
        """Run ``data`` and return the report.

        ``data`` is any Nautilus data in any order (a list), or a :class:`DataFeed` such as a
        catalog selection streamed window by window. After the first batch, every subscription
        of a strategy or actor that the data cannot feed is warned about by name
        (:class:`~nautilus_exec_kit.backtest.subscriptions.UnfedSubscriptionWarning`) and kept in
        :attr:`data_warnings`.
        """
        cfg = self.config
        for hook in cfg.hooks:
            hook(self.engine)
        feed = data if isinstance(data, DataFeed) else ListFeed(data)
        done = 0
        start = time.perf_counter()
        freeze = (
            perf.frozen_gc()
            if cfg.linear_cost and cfg.gc_freeze and not self.workarounds.get("gc_freeze")
            else None
        )
        if freeze is not None:
            freeze.__enter__()
        try:
            for batch in feed.batches(cfg.batches):
                if batch.data:  # a catalog window may hold nothing
                    self.engine.add_data(list(batch.data))
                    self.engine.run(streaming=True)
                    self.engine.clear_data()
                    if not done:
                        self._check_subscriptions(feed)
                    done += len(batch.data)
                if progress is not None:
                    progress(batch.fraction, done)
            self.engine.end()
        finally:
            if freeze is not None:
                freeze.__exit__(None, None, None)
        elapsed = time.perf_counter() - start
        for order in self.engine.cache.orders_open():
            self.tally.record(order)
        return summarize(
            self.engine.cache,
            self.engine.portfolio,
            self.engine.trader.strategies(),
            tally=self.tally,
            elapsed_s=elapsed,
            ticks=done,
            workarounds=self.workarounds,
            perpetuals=None if self.perpetuals is None else self.perpetuals.ledger,
        )

    def _check_subscriptions(self, feed: DataFeed) -> None:
        trader = self.engine.trader
        unfed = unfed_subscriptions(
            self.engine.kernel.msgbus, [*trader.strategies(), *trader.actors()], feed.contents
        )
        self.data_warnings += warn_unfed(unfed)

    def dispose(self) -> None:
        """Release the engine's resources (ending a run an exception interrupted)."""
        if self.engine.trader.is_running:
            self.engine.end()
        self.engine.dispose()


def run_backtest(
    strategies: Strategy | Sequence[Strategy],
    data: Sequence[Any] | DataFeed,
    *,
    config: RunnerConfig | None = None,
    progress: ProgressCallback | None = None,
    instruments: Instrument | Sequence[Instrument] | None = None,
) -> BacktestReport:
    """Run ``strategies`` over ``data`` on the kit's Binance USDT-M venue; return the report."""
    runner = BacktestRunner(config, instruments)
    try:
        runner.add_strategies(strategies)
        return runner.run(data, progress)
    finally:
        runner.dispose()
