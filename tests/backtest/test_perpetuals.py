"""Funding, mark price and liquidation on the kit's simulated venue, against Binance's formulas
worked out here by hand (the module's arithmetic is the core's; these check it is applied to the
right positions, at the right times and marks, and reaches the strategy and the report)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import pytest
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, RiskEngineConfig
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.data import FundingRateUpdate, MarkPriceUpdate, QuoteTick
from nautilus_trader.model.enums import OrderSide, OrderStatus, OrderType, TriggerType
from nautilus_trader.model.identifiers import TraderId
from nautilus_trader.model.objects import Price, Quantity

from nautilus_exec_kit.backtest.perpetuals import PerpetualEconomics, PerpetualTerms
from nautilus_exec_kit.backtest.runner import BacktestRunner, RunnerConfig
from nautilus_exec_kit.backtest.venue import add_binance_venue
from nautilus_exec_kit.core.errors import TriggerPriceError
from nautilus_exec_kit.core.perpetuals import Leg, MarginMode, liquidation_price
from nautilus_exec_kit.risk_events import RiskEvent, RiskEventKind
from tests.conftest import (
    IID,
    INSTRUMENT,
    START_NS,
    ScriptedConfig,
    ScriptedStrategy,
    quotes_from_bids,
)

D = Decimal
HOUR_NS = 3_600 * 10**9
MINUTE_MS = 60_000


class RiskAware(ScriptedStrategy):
    def __init__(self, config: ScriptedConfig, script: dict[int, Any]) -> None:
        super().__init__(config, script)
        self.risk: list[RiskEvent] = []

    def on_risk_event(self, event: RiskEvent) -> None:
        self.risk.append(event)


@pytest.fixture
def engines() -> Iterator[list[BacktestEngine]]:
    made: list[BacktestEngine] = []
    yield made
    for engine in made:
        engine.dispose()


def _run(
    engines: list[BacktestEngine],
    script: dict[int, Any],
    data: Sequence[Any],
    module: PerpetualEconomics,
    balance: int = 10_000,
) -> tuple[BacktestEngine, RiskAware]:
    engine = BacktestEngine(BacktestEngineConfig(
        trader_id=TraderId("TESTER-001"), logging=LoggingConfig(log_level="ERROR"),
        risk_engine=RiskEngineConfig(max_order_submit_rate="10000/00:00:01"),
        run_analysis=False))
    engines.append(engine)
    add_binance_venue(engine, INSTRUMENT, balance_usdt=balance, leverage=20, modules=[module])
    engine.add_data(list(data))
    strategy = RiskAware(ScriptedConfig(), script)
    engine.add_strategy(strategy)
    engine.run()
    return engine, strategy


def _minute_quotes(bids: Sequence[float]) -> list[QuoteTick]:
    return quotes_from_bids(bids, interval_ms=MINUTE_MS)


def _balance(engine: BacktestEngine) -> Decimal:
    return engine.cache.account_for_venue(IID.venue).balance_total(USDT).as_decimal()


def _buy(qty: str) -> Any:
    return lambda s: s.submit_market(IID, OrderSide.BUY, qty)


def _sell(qty: str) -> Any:
    return lambda s: s.submit_market(IID, OrderSide.SELL, qty)


def test_constant_funding_is_charged_at_each_funding_time_on_positions_open_then(
    engines: list[BacktestEngine],
) -> None:
    # 00:00 start, one quote a minute for 26 h: funding at 08:00, 16:00 and 00:00 (+1 day).
    # Long 0.5 from minute 1 to minute 17 h (pays 08:00 and 16:00); short 0.2 from then on
    # (receives at 00:00). The 00:00 of the start is before any position: nothing charged.
    bids = [50_000.0 + (i % 7) for i in range(26 * 60)]
    script = {2: _buy("0.500"), 17 * 60 + 1: _sell("0.700")}
    module = PerpetualEconomics(default=PerpetualTerms(funding_rate="0.0001"))
    engine, _ = _run(engines, script, _minute_quotes(bids), module)
    charges = module.ledger.funding
    assert [(c.ts - START_NS) // HOUR_NS for c in charges] == [8, 16, 24]
    for charge in charges:
        minute = (charge.ts - START_NS) // (MINUTE_MS * 1_000_000)
        bid = D(str(bids[minute - 1]))  # the last mark known at the funding time
        mark = bid + D("0.05")  # no trades, no mark data: the quote mid
        assert charge.mark == mark
        assert charge.amount == -(charge.signed_qty * mark * D("0.0001")).quantize(D("1e-8"))
    assert [c.signed_qty for c in charges] == [D("0.5"), D("0.5"), D("-0.2")]
    assert charges[0].amount < 0 < charges[2].amount
    # the wallet moved by exactly the funding plus the long's round trip and the commissions
    buy, sell = engine.cache.orders()
    fees = sum((o.commissions()[0].as_decimal() for o in (buy, sell)), D(0))
    px = {o.side: o.events[-1].last_px.as_decimal() for o in (buy, sell)}
    traded = D("0.5") * (px[OrderSide.SELL] - px[OrderSide.BUY])
    assert _balance(engine) == D(10_000) + traded - fees + module.ledger.funding_total()
    assert module.ledger.realized_pnl == traded - fees


def test_funding_records_charge_their_own_rate_and_replace_the_constant(
    engines: list[BacktestEngine],
) -> None:
    bids = [50_000.0] * (10 * 60)
    rates = {2: D("0.0003"), 6: D("-0.0002")}  # records at 02:00 and 06:00 (4 h symbol)
    records = [FundingRateUpdate(IID, rate, START_NS + h * HOUR_NS, START_NS + h * HOUR_NS,
                                 interval=240) for h, rate in rates.items()]
    module = PerpetualEconomics(default=PerpetualTerms(funding_rate="0.01"))
    _run(engines, {2: _buy("1.000")}, [*_minute_quotes(bids), *records], module)
    charged = [((c.ts - START_NS) // HOUR_NS, c.rate, c.amount) for c in module.ledger.funding]
    assert charged == [(2, D("0.0003"), D("-15.00001500")), (6, D("-0.0002"), D("10.00001000"))]


def test_a_long_is_liquidated_at_the_first_mark_past_its_liquidation_price(
    engines: list[BacktestEngine],
) -> None:
    # 1 BTC long at 20x on 2 600 USDT; the market falls 5 USDT a minute
    bids = [50_000.0] * 5 + [50_000.0 - 5 * i for i in range(1, 900)]
    module = PerpetualEconomics()
    engine, strategy = _run(engines, {2: _buy("1.000")}, _minute_quotes(bids), module,
                            balance=2_600)
    (liq,) = module.ledger.liquidations
    entry_fill = next(o for o in engine.cache.orders() if not o.client_order_id.value.startswith(
        "autoclose-"))
    wallet_at_entry = D(2_600) - entry_fill.commissions()[0].as_decimal()
    expected = liquidation_price([Leg(D(1), entry_fill.avg_px)], module.terms_of(IID).brackets,
                                 wallet_at_entry)
    assert expected is not None
    assert liq.liquidation_price == expected.quantize(D("1e-8"))
    marks = [D(str(b)) + D("0.05") for b in bids]
    first_breach = next(m for m in marks if m <= expected)
    assert liq.mark == first_breach  # not one quote earlier, not later
    assert liq.client_order_id.startswith("autoclose-")
    assert engine.cache.positions_open() == []
    # the clearance fee took what was left: Binance never leaves a negative wallet
    assert _balance(engine) >= 0
    assert liq.clearance_fee > 0
    # the strategy heard it as a liquidation, once
    assert [e.kind for e in strategy.risk] == [RiskEventKind.LIQUIDATION]


def test_mark_price_data_decides_liquidation_not_the_quotes(engines: list[BacktestEngine]) -> None:
    bids = [50_000.0] * 200  # the book never moves
    marks = [MarkPriceUpdate(IID, Price(50_000.0 - 30 * i, 1), START_NS + i * MINUTE_MS * 10**6,
                             START_NS + i * MINUTE_MS * 10**6) for i in range(200)]
    module = PerpetualEconomics()
    _, strategy = _run(engines, {2: _buy("1.000")}, [*_minute_quotes(bids), *marks], module,
                       balance=2_600)
    (liq,) = module.ledger.liquidations
    assert liq.mark < 47_700  # the mark's path, the quotes stayed at 50 000
    assert [e.kind for e in strategy.risk] == [RiskEventKind.LIQUIDATION]
    # without mark data the same book never liquidates
    module2 = PerpetualEconomics()
    _run(engines, {2: _buy("1.000")}, _minute_quotes(bids), module2, balance=2_600)
    assert module2.ledger.liquidations == []


def test_an_isolated_position_is_liquidated_on_its_own_margin(
    engines: list[BacktestEngine],
) -> None:
    # 100 000 USDT in the wallet would keep a cross position alive; isolated it goes at
    # the price its initial margin (notional / 20) allows
    bids = [50_000.0] * 5 + [50_000.0 - 10 * i for i in range(1, 400)]
    module = PerpetualEconomics(default=PerpetualTerms(margin_mode=MarginMode.ISOLATED))
    engine, strategy = _run(engines, {2: _buy("1.000")}, _minute_quotes(bids), module,
                            balance=100_000)
    (liq,) = module.ledger.liquidations
    iso_wallet = D("50000.1") / 20  # entry at the ask
    expected = liquidation_price([Leg(D(1), D("50000.1"))], module.terms_of(IID).brackets,
                                 iso_wallet)
    assert liq.liquidation_price == expected.quantize(D("1e-8"))  # type: ignore[union-attr]
    assert [e.kind for e in strategy.risk] == [RiskEventKind.LIQUIDATION]
    # it lost its isolated margin, not the account: the balance is the wallet minus ~2 500
    assert D(97_000) < _balance(engine) < D(97_600)
    cross = PerpetualEconomics()
    _run(engines, {2: _buy("1.000")}, _minute_quotes(bids), cross, balance=100_000)
    assert cross.ledger.liquidations == []


def test_the_runner_report_splits_pnl_and_lists_liquidations() -> None:
    bids = [50_000.0] * 5 + [50_000.0 - 5 * i for i in range(1, 900)]
    runner = BacktestRunner(RunnerConfig(
        starting_balance_usdt=2_600, perpetuals=PerpetualTerms(funding_rate="0.0001"),
        linear_cost=False), INSTRUMENT)
    try:
        strategy = RiskAware(ScriptedConfig(log_events=False, log_commands=False),
                             {2: _buy("1.000")})
        runner.add_strategies(strategy)
        report = runner.run(_minute_quotes(bids))
    finally:
        runner.dispose()
    split = report.pnl_split["USDT"]
    assert split.funding < 0 and split.fees < 0 and split.liquidation_fees < 0
    assert split.trading < 0
    assert split.total == pytest.approx(report.balances["USDT"] - 2_600, abs=1e-6)
    assert len(report.liquidations) == 1
    assert report.liquidations[0].liquidation_price is not None


# -- mark-price triggers ----------------------------------------------------------------------

def _wick_data(wick_at: int, recover_at: int, mark_fall_at: int) -> list[Any]:
    """Quotes at 50 000 with a last-price wick to 48 500 (minutes ``wick_at..recover_at``) that
    the mark ignores; the mark falls to 48 900 from ``mark_fall_at``."""
    bids = [48_500.0 if wick_at <= i < recover_at else 50_000.0 for i in range(120)]
    marks = [MarkPriceUpdate(IID, Price(48_900.0 if i >= mark_fall_at else 49_990.0, 1),
                             START_NS + i * MINUTE_MS * 10**6, START_NS + i * MINUTE_MS * 10**6)
             for i in range(120)]
    return [*_minute_quotes(bids), *marks]


def _stop(trigger_type: TriggerType, trigger: str = "49000.0") -> Any:
    return lambda s: s.submit_stop_market(IID, OrderSide.SELL, "0.500", trigger,
                                          trigger_type=trigger_type, reduce_only=True)


def test_a_mark_price_stop_ignores_a_last_price_wick_and_triggers_on_the_mark(
    engines: list[BacktestEngine],
) -> None:
    script = {2: _buy("0.500"), 3: _stop(TriggerType.MARK_PRICE)}
    module = PerpetualEconomics()
    engine, strategy = _run(engines, script, _wick_data(20, 25, 60), module)
    stop = strategy.results[3]
    assert stop.status == OrderStatus.FILLED
    fill = stop.events[-1]
    # filled when the mark fell (minute 60), not in the wick (minutes 20-24)
    assert fill.ts_event == START_NS + 60 * MINUTE_MS * 10**6
    assert module.mark_triggers.triggered == 1
    assert engine.cache.positions_open() == []
    # the same stop on the contract price fills in the wick: what the module changes
    _, strategy2 = _run(engines, {2: _buy("0.500"), 3: _stop(TriggerType.DEFAULT)},
                              _wick_data(20, 25, 60), PerpetualEconomics())
    assert strategy2.results[3].events[-1].ts_event == START_NS + 20 * MINUTE_MS * 10**6


def test_held_mark_orders_cancel_modify_and_refuse_as_binance(
    engines: list[BacktestEngine],
) -> None:
    script = {
        2: _buy("0.500"),
        3: _stop(TriggerType.MARK_PRICE),
        4: _stop(TriggerType.MARK_PRICE, "49500.0"),
        5: lambda s: s.cancel(s.results[3]),
        # Binance cannot modify an algo order (the kit refuses it); the kit's own close_position
        # emulation resizes one through Nautilus' modify_order, which the venue answers here
        6: lambda s: s.modify_order(s.results[4], trigger_price=Price.from_str("48000.0")),
        # the mark (49 990) is already below this sell stop: the kit's validator refuses it,
        # and sent past the kit the venue answers Binance's -2021
        7: _stop(TriggerType.MARK_PRICE, "50000.0"),
        8: lambda s: s.submit_order(s.order_factory.stop_market(
            IID, OrderSide.SELL, Quantity.from_str("0.500"), Price.from_str("50000.0"),
            trigger_type=TriggerType.MARK_PRICE, reduce_only=True)),
    }
    module = PerpetualEconomics()
    engine, strategy = _run(engines, script, _wick_data(200, 200, 60), module)
    assert strategy.results[3].status == OrderStatus.CANCELED
    assert module.mark_triggers.held() == [strategy.results[4]]
    modified = strategy.results[4]
    assert modified.trigger_price == Price.from_str("48000.0")
    assert modified.status == OrderStatus.ACCEPTED  # the mark (48 900) never reached 48 000
    assert isinstance(strategy.errors[7], TriggerPriceError)
    (refused,) = [o for o in engine.cache.orders()
                  if o.has_trigger_price and o.trigger_price == Price.from_str("50000.0")]
    assert refused.status == OrderStatus.REJECTED
    assert "-2021" in refused.events[-1].reason


def test_mark_orders_work_behind_reject_injection(engines: list[BacktestEngine]) -> None:
    from nautilus_exec_kit.backtest.rejects import RejectInjector

    module = PerpetualEconomics()
    engine = BacktestEngine(BacktestEngineConfig(
        trader_id=TraderId("TESTER-001"), logging=LoggingConfig(log_level="ERROR"),
        run_analysis=False))
    engines.append(engine)
    add_binance_venue(engine, INSTRUMENT, balance_usdt=10_000, leverage=20, modules=[module])
    RejectInjector("-1003@type=STOP_MARKET,nth=1").install(engine)
    engine.add_data(_wick_data(20, 25, 60))
    strategy = RiskAware(ScriptedConfig(), {2: _buy("0.500"), 3: _stop(TriggerType.MARK_PRICE)})
    engine.add_strategy(strategy)
    engine.run()
    assert strategy.results[3].status == OrderStatus.REJECTED  # the injector answered first
    # the error policy's retry went to the venue, which held it for the mark
    (retry,) = [o for o in engine.cache.orders() if o.order_type == OrderType.STOP_MARKET
                and o.status == OrderStatus.FILLED]
    assert retry.events[-1].ts_event == START_NS + 60 * MINUTE_MS * 10**6


def test_a_position_held_across_funding_times_without_rates_is_counted(
    engines: list[BacktestEngine],
) -> None:
    bids = [50_000.0] * (18 * 60)  # 00:00 to 18:00: funding times 08:00 and 16:00
    module = PerpetualEconomics()  # no constant rate, no records
    _run(engines, {2: _buy("0.100")}, _minute_quotes(bids), module)
    assert module.ledger.funding == []
    assert module.unfunded() == {IID.value: 2}
    # a run with the records charges them and leaves nothing out
    records = [FundingRateUpdate(IID, D("0.0001"), START_NS + h * HOUR_NS, START_NS + h * HOUR_NS)
               for h in (8, 16)]
    funded = PerpetualEconomics()
    _run(engines, {2: _buy("0.100")}, [*_minute_quotes(bids), *records], funded)
    assert len(funded.ledger.funding) == 2
    assert funded.unfunded() == {}
