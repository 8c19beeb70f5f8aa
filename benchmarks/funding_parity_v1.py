"""benchmarks/funding_parity.py's backtests on NautilusTrader 1.231: a kit strategy holding one
position on the kit's venue with its perpetual economics; the data and the hand computations
are funding_parity.py's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.data import FundingRateUpdate, MarkPriceUpdate, QuoteTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId, TraderId
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.test_kit.providers import TestInstrumentProvider
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.backtest.perpetuals import PerpetualEconomics, PerpetualTerms
from nautilus_exec_kit.backtest.venue import add_binance_venue
from nautilus_exec_kit.config import ExecKitConfig
from nautilus_exec_kit.core.perpetuals import MarginMode
from nautilus_exec_kit.mixin import ExecutionMixin

INSTRUMENT = TestInstrumentProvider.btcusdt_perp_binance()
IID: InstrumentId = INSTRUMENT.id
Path_ = list[tuple[int, float]]


class Holder(ExecutionMixin, Strategy):  # type: ignore[misc]
    """Opens one market position on the first quote and holds it."""

    def __init__(self, side: OrderSide, qty: str) -> None:
        super().__init__(ExecKitConfig(log_events=False, log_commands=False))
        self.side, self.qty, self.sent = side, qty, False
        self.risk: list[Any] = []

    def on_start(self) -> None:
        self.subscribe_quote_ticks(IID)

    def on_quote_tick(self, _tick: QuoteTick) -> None:
        if not self.sent:
            self.sent = True
            self.submit_market(IID, self.side, self.qty)

    def on_risk_event(self, event: Any) -> None:
        self.risk.append(event)


def _quotes(path: Path_) -> list[QuoteTick]:
    return [QuoteTick(IID, Price(px, 1), Price(px + 0.1, 1), Quantity(50, 3), Quantity(50, 3),
                      ts, ts) for ts, px in path]


def _marks(path: Path_) -> list[MarkPriceUpdate]:
    return [MarkPriceUpdate(IID, Price(px, 1), ts, ts) for ts, px in path]


def _run(strategy: Holder, data: list[Any], module: PerpetualEconomics,
         balance: float) -> BacktestEngine:
    engine = BacktestEngine(BacktestEngineConfig(
        trader_id=TraderId("BENCH-001"), logging=LoggingConfig(log_level="ERROR"),
        run_analysis=False))
    add_binance_venue(engine, INSTRUMENT, balance_usdt=balance, leverage=20, modules=[module])
    engine.add_data(data)
    engine.add_strategy(strategy)
    engine.run()
    return engine


def funding(quotes: Path_, marks: Path_, records: list[tuple[int, Decimal]], qty: str,
            balance: int) -> tuple[Decimal, int, Decimal]:
    """(the kit's funding total, how many charges, |wallet - (start - commission + funding)|)."""
    updates = [FundingRateUpdate(IID, rate, ts, ts) for ts, rate in records]
    module = PerpetualEconomics(default=PerpetualTerms())
    engine = _run(Holder(OrderSide.BUY, qty), [*_quotes(quotes), *_marks(marks), *updates],
                  module, balance)
    try:
        kit = module.ledger.funding_total()
        account = engine.cache.account_for_venue(IID.venue)
        (order,) = engine.cache.orders()
        wallet = account.balance_total(USDT).as_decimal()
        error = abs(wallet - (Decimal(balance) - order.commissions()[0].as_decimal() + kit))
        return kit, len(module.ledger.funding), error
    finally:
        engine.dispose()


def liquidation(side: str, isolated: bool, marks: Path_, quotes: Path_, qty: str,
                balance: int) -> tuple[Decimal, Decimal, Decimal]:
    """(the mark the kit liquidated at, the entry price, the entry's commission)."""
    strategy = Holder(OrderSide[side], qty)
    mode = MarginMode.ISOLATED if isolated else MarginMode.CROSS
    module = PerpetualEconomics(default=PerpetualTerms(margin_mode=mode))
    data = [*_quotes(quotes), *_marks(marks)]
    engine = _run(strategy, data, module, balance)
    try:
        (order, *_) = engine.cache.orders()
        (liq,) = module.ledger.liquidations
        assert [e.kind.value for e in strategy.risk] == ["liquidation"], strategy.risk
        return (liq.mark, order.events[-1].last_px.as_decimal(),
                order.commissions()[0].as_decimal())
    finally:
        engine.dispose()
