"""Backtests on NautilusTrader 2's engine that behave like Binance USDT-M: the venue (with
Binance's funding, liquidation and clearance fee), a BTCUSDT perpetual, and reject injection.

Why: as on Nautilus 1, a backtest only tells the truth about live trading if the simulated venue
is set up the way the live adapter behaves (HEDGING OMS reporting ``-BOTH`` / ``-LONG`` /
``-SHORT``, a MARGIN account in USDT, the instrument's leverage set explicitly). v2 differs:
``add_venue`` needs a fee model, and it has no seam for a venue reject with a chosen text (v1's
``ExecEngine.execute`` endpoint does not exist). The one v2 seam that can refuse an order with a
chosen reason is an execution algorithm: :class:`RejectInjector` is one, and the kit routes its
helpers' orders through it when it is installed. Its rejects therefore reach the strategy as
``OrderDenied`` (reason = Binance's JSON body), not ``OrderRejected``; the error policy takes the
same decision for both.

The venue charges funding and liquidates as Binance does (:mod:`nautilus_exec_kit.v2.perpetuals`,
installed by default; ``perpetuals=None`` leaves v2's plain venue).

    engine = make_engine()
    perpetuals = add_binance_venue(engine, btcusdt_perp())
    engine.add_strategy(strategy)
    add_reject_injector(engine, strategy, "-1003@nth=1")   # optional
    engine.run()
    perpetuals.ledger.funding_total(), perpetuals.ledger.liquidations
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from nautilus_trader import model as nt
from nautilus_trader.backtest import BacktestEngine, BacktestEngineConfig
from nautilus_trader.common import LoggerConfig, LogLevel
from nautilus_trader.execution import MakerTakerFeeModel
from nautilus_trader.trading import ExecutionAlgorithm, ExecutionAlgorithmConfig

from nautilus_exec_kit.core.rejects import RejectPlan, RejectRule
from nautilus_exec_kit.v2.perpetuals import PerpetualEconomics

#: The venue every kit backtest trades on (the live adapter's venue name).
BINANCE_VENUE: Final = nt.Venue("BINANCE")
USDT: Final = nt.Currency.from_str("USDT")
#: ``add_binance_venue``'s default: a new :class:`PerpetualEconomics` with BTCUSDT's terms.
DEFAULT_PERPETUALS: Final = "default"
#: The execution algorithm ID the kit's reject injector registers under.
REJECTS_ALGORITHM_ID: Final = nt.ExecAlgorithmId("EXEC-KIT-REJECTS")


def btcusdt_perp() -> nt.CryptoPerpetual:
    """Binance's BTCUSDT perpetual with the filters of Nautilus 1's
    ``TestInstrumentProvider.btcusdt_perp_binance()`` (v2 ships no such provider; its fees are
    the venue's fee model, not the instrument's)."""
    return nt.CryptoPerpetual(
        nt.InstrumentId.from_str("BTCUSDT-PERP.BINANCE"),
        nt.Symbol("BTCUSDT"),
        nt.Currency.from_str("BTC"),
        USDT,
        USDT,
        False,
        1,
        3,
        nt.Price.from_str("0.1"),
        nt.Quantity.from_str("0.001"),
        1646199312128000000,
        1646199342953849862,
        max_quantity=nt.Quantity.from_str("1000.000"),
        min_quantity=nt.Quantity.from_str("0.001"),
        min_notional=nt.Money(10, USDT),
        max_price=nt.Price.from_str("809484.0"),
        min_price=nt.Price.from_str("261.1"),
        margin_init=Decimal("0.0500"),
        margin_maint=Decimal("0.0250"),
    )


def make_engine(trader_id: str = "TESTER-001", risk_engine: Any = None) -> BacktestEngine:
    """A v2 ``BacktestEngine`` with console logging off (the kit's tests and benchmarks);
    ``risk_engine`` is a v2 ``RiskEngineConfig`` (its default throttles submits at 100/s)."""
    return BacktestEngine(
        BacktestEngineConfig(
            trader_id=nt.TraderId(trader_id),
            logging=LoggerConfig(stdout_level=LogLevel.OFF),
            risk_engine=risk_engine,
            run_analysis=False,
        ),
    )


def add_binance_venue(
    engine: BacktestEngine,
    instrument: Any,
    *,
    balance_usdt: float = 10_000,
    leverage: float = 20,
    maker_fee: str = "0.0002",
    taker_fee: str = "0.0005",
    perpetuals: PerpetualEconomics | str | None = DEFAULT_PERPETUALS,
    **venue_options: Any,
) -> PerpetualEconomics | None:
    """Add the Binance-like venue and ``instrument`` to ``engine`` (as v1's helper does; the
    fee model is v2's required argument, at Binance's default VIP 0 rates).

    ``perpetuals`` charges funding and liquidates as Binance does: a new
    :class:`PerpetualEconomics` by default (BTCUSDT's brackets and clearance fee, funding from
    ``FundingRateUpdate`` data), one of your own, or ``None`` for v2's plain venue. It is
    returned, so a run can read its ledger. v2's own liquidation (``liquidation_enabled``) is
    refused beside it: both would close the same positions, v2's late.
    """
    if perpetuals == DEFAULT_PERPETUALS:
        perpetuals = PerpetualEconomics()
    module = perpetuals if isinstance(perpetuals, PerpetualEconomics) else None
    if module is not None:
        if venue_options.get("liquidation_enabled"):
            raise ValueError(
                "liquidation_enabled=True and the kit's perpetual economics would both liquidate "
                "(v2's late, on one trigger ratio); pass perpetuals=None to use v2's own")
        venue_options["modules"] = [*venue_options.get("modules", ()), module]
    engine.add_venue(
        BINANCE_VENUE,
        nt.OmsType.HEDGING,
        nt.AccountType.MARGIN,
        [nt.Money(balance_usdt, USDT)],
        base_currency=USDT,
        default_leverage=Decimal(leverage),
        leverages={instrument.id: Decimal(leverage)},
        fee_model=MakerTakerFeeModel(Decimal(maker_fee), Decimal(taker_fee)),
        **venue_options,
    )
    engine.add_instrument(instrument)
    if module is not None:
        module.bind(engine, BINANCE_VENUE)
    return module


def mark_simulated(strategy: Any) -> None:
    """Tell a kit strategy it trades on a simulated venue (v2 gives a strategy no way to tell a
    backtest clock from a live one): close_position / price_match then keep their Binance
    meaning, as ``emulate_venue_params=None`` does on v1."""
    strategy.kit_simulated_venue = True


class RejectInjector(ExecutionAlgorithm):  # type: ignore[misc]
    """Answers chosen submits with Binance rejects (the core's :class:`RejectPlan`), and
    forwards every other order to the venue unchanged."""

    def __init__(self, rules: list[RejectRule] | str) -> None:
        super().__init__(ExecutionAlgorithmConfig(exec_algorithm_id=REJECTS_ALGORITHM_ID))
        self._plan = RejectPlan(rules)
        self._t0: int | None = None
        #: ``(ts_ns, client_order_id, code)`` of every injected reject.
        self.injected: list[tuple[int, str, int | None]] = []

    def on_start(self) -> None:
        self._t0 = self._now()

    def _now(self) -> int:
        clock = self.clock
        assert clock is not None, "the injector runs registered with an engine"
        return int(clock.timestamp_ns())

    def on_order(self, order: Any) -> None:
        now = self._now()
        t0 = self._t0 if self._t0 is not None else now
        rule = self._plan.match("submit", order.order_type.name, order.tags, now - t0)
        if rule is None:
            self.submit_order(order)
            return
        self.injected.append((now, order.client_order_id.value, rule.code))
        self.deny_order(order, rule.reason(now, t0))


def add_reject_injector(
    engine: BacktestEngine, strategy: Any, rules: list[RejectRule] | str,
) -> RejectInjector:
    """Install a :class:`RejectInjector` and route ``strategy``'s helper orders through it."""
    injector = RejectInjector(rules)
    engine.add_exec_algorithm(injector)
    strategy.kit_exec_algorithm_id = REJECTS_ALGORITHM_ID
    return injector


__all__ = [
    "BINANCE_VENUE",
    "DEFAULT_PERPETUALS",
    "REJECTS_ALGORITHM_ID",
    "RejectInjector",
    "add_binance_venue",
    "add_reject_injector",
    "btcusdt_perp",
    "make_engine",
    "mark_simulated",
]
