"""One kit strategy, one price path: funding and liquidation come out the same in a backtest and
against the sandbox venue through a real TradingNode and the real Binance adapter.

The strategy buys 1 BTC at 20x on 2 600 USDT and holds. The path moves the last price and the
mark down 50 USDT a step; three funding settlements happen on the way, at rates given to both
venues; the mark finally crosses the liquidation price. Both runs must charge the same funding
amounts, liquidate at the same mark, and end with the same wallet; both strategies hear the
liquidation as a risk event. The backtest trades the very instrument the node loaded from the
sandbox's exchangeInfo, so precision and fees are the same on both sides.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.data import FundingRateUpdate, MarkPriceUpdate, QuoteTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId, TraderId, Venue
from nautilus_trader.model.objects import Quantity
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.backtest.perpetuals import PerpetualEconomics, PerpetualTerms
from nautilus_exec_kit.backtest.venue import add_binance_venue
from nautilus_exec_kit.config import ExecKitConfig
from nautilus_exec_kit.core.perpetuals import BTCUSDT_BRACKETS, BTCUSDT_LIQUIDATION_FEE
from nautilus_exec_kit.mixin import ExecutionMixin
from nautilus_exec_kit.risk_events import RiskEvent, RiskEventKind
from nautilus_exec_kit.sandbox import (
    FundingSpec,
    PriceProcess,
    SandboxConfig,
    run_sandbox_in_thread,
)
from nautilus_exec_kit.sandbox.symbols import preset
from tests.sandbox.node_harness import NodeHarness

pytestmark = pytest.mark.live

IID = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
D = Decimal
RATES = (D("0.0001"), D("-0.0002"), D("0.0003"))
FUNDING_STEPS = (5, 15, 25)
#: (last, mark) per step: both fall 50 USDT a step, the mark 5 USDT under the last price.
PATH = [(D(50_000) - 50 * k, D(50_000) - 50 * k - (5 if k else 0)) for k in range(60)]
BALANCE = 2_600
START_NS = 1_704_067_200 * 10**9


class HoldLong(ExecutionMixin, Strategy):  # type: ignore[misc]
    """Buys 1 BTC on its first quote and holds; hears risk events."""

    def __init__(self) -> None:
        super().__init__(ExecKitConfig(log_events=False, log_commands=False))
        self.instrument_ids = (IID,)  # what the node harness reads
        self.quotes_by = {IID: 0}
        self.events: list[Any] = []
        self.started = threading.Event()
        self.risk: list[RiskEvent] = []
        self.sent = False

    def on_start(self) -> None:
        self.subscribe_quote_ticks(IID)
        self.started.set()

    def on_quote_tick(self, tick: QuoteTick) -> None:
        self.quotes_by[IID] += 1
        if not self.sent:
            self.sent = True
            self.submit_market(IID, OrderSide.BUY, "1.000")

    def on_event(self, event: Any) -> None:
        self.events.append(event)

    def on_risk_event(self, event: RiskEvent) -> None:
        self.risk.append(event)


CONFIG = SandboxConfig(
    symbols=(preset("BTCUSDT", funding=FundingSpec(rates=RATES, interval_ms=10**13)),),
    prices=PriceProcess(volatility_bps=0, mark_basis_bps=0),
    balances=(("USDT", D(BALANCE)),),
    leverage=20,
    market_data_interval_ms=50,
)


@pytest.fixture(scope="module")
def sandbox_run() -> Iterator[dict[str, Any]]:
    sandbox = run_sandbox_in_thread(CONFIG)
    strategy = HoldLong()
    node = NodeHarness(sandbox.venue, CONFIG.api_key, str(CONFIG.api_secret),
                       strategy=strategy, trader_id="PARITY-001", log_level="ERROR")
    try:
        node.start()
        venue = sandbox.venue
        node.wait_until(lambda: any(D(p["positionAmt"]) for p in venue.truth()["positions"]),
                        20)
        for step, (last, mark) in enumerate(PATH):
            venue.set_price("BTCUSDT", last, mark)
            if step in FUNDING_STEPS:
                venue.settle_funding("BTCUSDT")
            if not any(D(p["positionAmt"]) for p in venue.truth()["positions"]):
                break
        node.wait_until(lambda: strategy.risk, 15)
        truth = venue.truth()
        instrument = node.call(lambda: strategy.cache.instrument(IID))
        node.wait_until(lambda: _node_wallet(node, strategy) == D(truth["balances"]["USDT"]), 15)
        node_wallet = _node_wallet(node, strategy)
        yield {"truth": truth, "instrument": instrument, "risk": list(strategy.risk),
               "last_step": step, "node_wallet": node_wallet}
    finally:
        node.stop()
        sandbox.stop()


def _node_wallet(node: NodeHarness, strategy: HoldLong) -> Decimal:
    def wallet() -> Decimal:
        account = strategy.cache.account_for_venue(Venue("BINANCE"))
        return account.balance_total(USDT).as_decimal()

    return node.call(wallet)


def _backtest(instrument: Any) -> dict[str, Any]:
    """The same strategy and path in a backtest: quotes at the last price, the mark as mark
    price data, and the three settlements as funding records right after their step's mark."""
    tick = instrument.price_increment.as_decimal()
    data: list[Any] = []
    funding = iter(RATES)
    for step, (last, mark) in enumerate(PATH):
        ts = START_NS + step * 10**9
        data.append(QuoteTick(IID, instrument.make_price(last), instrument.make_price(last + tick),
                              Quantity.from_str("100.000"), Quantity.from_str("100.000"), ts, ts))
        data.append(MarkPriceUpdate(IID, instrument.make_price(mark), ts, ts))
        if step in FUNDING_STEPS:
            data.append(FundingRateUpdate(IID, next(funding), ts + 1_000_000, ts + 1_000_000))
    engine = BacktestEngine(BacktestEngineConfig(
        trader_id=TraderId("PARITY-002"), logging=LoggingConfig(log_level="ERROR"),
        run_analysis=False))
    module = PerpetualEconomics(default=PerpetualTerms(
        brackets=BTCUSDT_BRACKETS, liquidation_fee=BTCUSDT_LIQUIDATION_FEE))
    add_binance_venue(engine, instrument, balance_usdt=BALANCE, leverage=20, modules=[module])
    engine.add_data(data)
    strategy = HoldLong()
    engine.add_strategy(strategy)
    try:
        engine.run()
        account = engine.cache.account_for_venue(Venue("BINANCE"))
        return {"ledger": module.ledger, "risk": list(strategy.risk),
                "wallet": account.balance_total(USDT).as_decimal()}
    finally:
        engine.dispose()


def test_funding_and_liquidation_agree_between_backtest_and_sandbox(
    sandbox_run: dict[str, Any],
) -> None:
    truth = sandbox_run["truth"]
    backtest = _backtest(sandbox_run["instrument"])
    ledger = backtest["ledger"]

    # funding: the same three amounts (the venue's income rows against the module's ledger)
    venue_funding = [D(row["income"]) for row in truth["income"]
                     if row["incomeType"] == "FUNDING_FEE"]
    assert len(venue_funding) == 3
    assert [c.amount for c in ledger.funding] == venue_funding

    # liquidation: at the same mark (the first one past the liquidation price), the same fee
    (liquidation,) = ledger.liquidations
    (autoclose,) = [o["orderId"] for o in truth["orders"]
                    if o["clientOrderId"].startswith("autoclose-")]
    venue_fill = next(t for t in truth["trades"] if t["orderId"] == autoclose)
    assert liquidation.fill_price == D(venue_fill["price"])
    assert liquidation.mark == PATH[sandbox_run["last_step"]][1]

    # the same realized PnL, commissions and clearance fee (the venue's income history)
    income: dict[str, Decimal] = {}
    for row in truth["income"]:
        income[row["incomeType"]] = income.get(row["incomeType"], D(0)) + D(row["income"])
    assert ledger.realized_pnl == income["REALIZED_PNL"] + income["COMMISSION"]
    assert -liquidation.clearance_fee == income["INSURANCE_CLEAR"]

    # the wallet ends the same on both venues, and the node agrees with its venue
    venue_wallet = D(truth["balances"]["USDT"])
    assert backtest["wallet"] == venue_wallet
    assert sandbox_run["node_wallet"] == venue_wallet
    assert venue_wallet >= 0

    # both strategies heard one liquidation
    assert [e.kind for e in backtest["risk"]] == [RiskEventKind.LIQUIDATION]
    assert [e.kind for e in sandbox_run["risk"]] == [RiskEventKind.LIQUIDATION]
