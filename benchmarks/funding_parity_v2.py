"""benchmarks/funding_parity.py's backtests on NautilusTrader 2: a kit strategy holding one
position on the kit's v2 venue (``add_binance_venue``, its perpetual economics installed by
default); the data and the hand computations are funding_parity.py's.

The funding records are Binance's settlement records a few ms off the funding time: rc6's own
venue never settles those (it needs ``interval`` and an exact boundary), so the kit charges
every one; the records carry no ``interval`` here, as in the v1 run."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nautilus_trader import model as nt
from nautilus_trader.trading import Strategy

from nautilus_exec_kit.core.perpetual_venue import PerpetualTerms
from nautilus_exec_kit.core.perpetuals import MarginMode
from nautilus_exec_kit.v2.backtest import (
    add_binance_venue,
    btcusdt_perp,
    make_engine,
    mark_simulated,
)
from nautilus_exec_kit.v2.config import ExecKitConfig
from nautilus_exec_kit.v2.mixin import ExecutionMixin
from nautilus_exec_kit.v2.perpetuals import PerpetualEconomics

INSTRUMENT = btcusdt_perp()
IID = INSTRUMENT.id
USDT = nt.Currency.from_str("USDT")
Path_ = list[tuple[int, float]]


class Holder(ExecutionMixin, Strategy):  # type: ignore[misc]
    """Opens one market position on the first quote and holds it."""

    def __init__(self, side: Any, qty: str) -> None:
        super().__init__(ExecKitConfig(log_events=False, log_commands=False))
        self.side, self.qty, self.sent = side, qty, False
        self.risk: list[Any] = []

    def on_start(self) -> None:
        self.subscribe_quotes(IID)

    def on_quote(self, _quote: Any) -> None:
        if not self.sent:
            self.sent = True
            self.submit_market(IID, self.side, self.qty)

    def on_risk_event(self, event: Any) -> None:
        self.risk.append(event)


def _quotes(path: Path_) -> list[Any]:
    size = nt.Quantity.from_str("50.000")
    return [nt.QuoteTick(IID, nt.Price(px, 1), nt.Price(round(px + 0.1, 1), 1), size, size,
                         ts, ts) for ts, px in path]


def _marks(path: Path_) -> list[Any]:
    return [nt.MarkPriceUpdate(IID, nt.Price(px, 1), ts, ts) for ts, px in path]


def _run(strategy: Holder, data: list[Any], module: PerpetualEconomics, balance: int) -> Any:
    engine: Any = make_engine("BENCH-001")
    add_binance_venue(engine, INSTRUMENT, balance_usdt=balance, leverage=20, perpetuals=module)
    engine.add_data(data)
    engine.add_strategy(strategy)
    mark_simulated(strategy)
    engine.run()
    return engine


def _entry(engine: Any) -> Any:
    (order,) = [o for o in engine.cache.orders() if o.strategy_id != nt.StrategyId("EXTERNAL")]
    (fill,) = [e for e in order.events() if isinstance(e, nt.OrderFilled)]
    return fill


def funding(quotes: Path_, marks: Path_, records: list[tuple[int, Decimal]], qty: str,
            balance: int) -> tuple[Decimal, int, Decimal]:
    """(the kit's funding total, how many charges, |wallet - (start - commission + funding)|)."""
    updates = [nt.FundingRateUpdate(IID, rate, ts, ts) for ts, rate in records]
    module = PerpetualEconomics(default=PerpetualTerms())
    engine = _run(Holder(nt.OrderSide.BUY, qty), [*_quotes(quotes), *_marks(marks), *updates],
                  module, balance)
    try:
        kit = module.ledger.funding_total()
        wallet = engine.cache.account_for_venue(IID.venue).balance_total(USDT).as_decimal()
        commission = _entry(engine).commission.as_decimal()
        error = abs(wallet - (Decimal(balance) - commission + kit))
        return kit, len(module.ledger.funding), error
    finally:
        engine.dispose()


def liquidation(side: str, isolated: bool, marks: Path_, quotes: Path_, qty: str,
                balance: int) -> tuple[Decimal, Decimal, Decimal]:
    """(the mark the kit liquidated at, the entry price, the entry's commission)."""
    order_side = nt.OrderSide.BUY if side == "BUY" else nt.OrderSide.SELL
    strategy = Holder(order_side, qty)
    mode = MarginMode.ISOLATED if isolated else MarginMode.CROSS
    module = PerpetualEconomics(default=PerpetualTerms(margin_mode=mode))
    engine = _run(strategy, [*_quotes(quotes), *_marks(marks)], module, balance)
    try:
        entry = _entry(engine)
        (liq,) = module.ledger.liquidations
        assert [e.kind.value for e in strategy.risk] == ["liquidation"], strategy.risk
        return liq.mark, entry.last_px.as_decimal(), entry.commission.as_decimal()
    finally:
        engine.dispose()
