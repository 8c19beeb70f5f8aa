"""Funding, mark price and liquidation on the kit's v2 venue, against Binance's formulas worked
out here by hand, as tests/backtest/test_perpetuals.py does on v1 (the module's arithmetic is
the core's; these check it is applied to the right positions, at the right times and marks,
offsets what v2 settles by itself, and reaches the account, the ledger and the strategy).

Also what NautilusTrader 2.0.0rc6's own venue does, measured the same way (its funding, its
liquidation), so a change in a later v2 shows here first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pytest
from nautilus_trader import model as nt
from nautilus_trader.risk import RiskEngineConfig
from nautilus_trader.trading import Strategy

from nautilus_exec_kit.core.perpetual_venue import PerpetualTerms
from nautilus_exec_kit.core.perpetuals import MarginMode
from nautilus_exec_kit.core.risk import RiskEventKind
from nautilus_exec_kit.v2.backtest import add_binance_venue, make_engine, mark_simulated
from nautilus_exec_kit.v2.config import ExecKitConfig
from nautilus_exec_kit.v2.mixin import ExecutionMixin
from nautilus_exec_kit.v2.perpetuals import PerpetualEconomics
from nautilus_exec_kit.v2.risk_events import RiskEvent
from tests.v2.conftest import IID, INSTRUMENT, START_NS, quotes_from_bids

D = Decimal
HOUR_NS = 3_600 * 10**9
MINUTE_MS = 60_000
MINUTE_NS = MINUTE_MS * 1_000_000
BUY, SELL = nt.OrderSide.BUY, nt.OrderSide.SELL
VENUE = IID.venue
USDT = nt.Currency.from_str("USDT")
#: BTCUSDT's first tier (notional < 50 000): maintenance rate 0.4 %, amount 0.
MMR = D("0.004")


class Holder(ExecutionMixin, Strategy):  # type: ignore[misc]
    """Runs ``script[n](self)`` on the n-th quote and records its risk events."""

    def __init__(self, script: dict[int, Callable[[Any], Any]], **config: Any) -> None:
        super().__init__(ExecKitConfig(log_events=False, log_commands=False, **config))
        self.script = script
        self.quotes = 0
        self.risk: list[RiskEvent] = []
        self.canceled: list[str] = []

    def on_start(self) -> None:
        self.subscribe_quotes(IID)

    def on_quote(self, quote: Any) -> None:
        self.quotes += 1
        step = self.script.get(self.quotes)
        if step is not None:
            step(self)

    def on_risk_event(self, event: RiskEvent) -> None:
        self.risk.append(event)

    def on_order_canceled(self, event: Any) -> None:
        self.canceled.append(event.client_order_id.value)


def _engine(balance: int, **venue: Any) -> Any:
    engine = make_engine(risk_engine=RiskEngineConfig(max_order_submit_rate="10000/00:00:01"))
    module = add_binance_venue(engine, INSTRUMENT, balance_usdt=balance, leverage=20, **venue)
    return engine, module


def _run(
    script: dict[int, Callable[[Any], Any]],
    data: Sequence[Any],
    module: PerpetualEconomics | None = None,
    balance: int = 10_000,
    config: dict[str, Any] | None = None,
    **venue: Any,
) -> tuple[Any, Holder, Any]:
    config = config or {}
    engine, module = _engine(
        balance, **({"perpetuals": module} if module is not None else {}), **venue)
    engine.add_data(list(data))
    strategy = Holder(script, **config)
    engine.add_strategy(strategy)
    mark_simulated(strategy)
    engine.run()
    return engine, strategy, module


def _minute_quotes(bids: Sequence[float]) -> list[nt.QuoteTick]:
    return quotes_from_bids(bids, interval_ms=MINUTE_MS)


def _balance(engine: Any) -> Decimal:
    return engine.cache.account_for_venue(VENUE).balance_total(USDT).as_decimal()  # type: ignore[no-any-return]


def _buy(qty: str) -> Callable[[Any], Any]:
    return lambda s: s.submit_market(IID, BUY, qty)


def _sell(qty: str) -> Callable[[Any], Any]:
    return lambda s: s.submit_market(IID, SELL, qty)


def _fills(engine: Any) -> list[Any]:
    """Every fill of the run, in time order."""
    fills = [e for o in engine.cache.orders() for e in o.events() if isinstance(e, nt.OrderFilled)]
    return sorted(fills, key=lambda f: f.ts_event)


def _entry(engine: Any) -> Any:
    return _fills(engine)[0]


def _fill_of(engine: Any, client_order_id: str) -> Any:
    (fill,) = [f for f in _fills(engine) if f.client_order_id.value == client_order_id]
    return fill


def _commissions(engine: Any) -> Decimal:
    return sum((f.commission.as_decimal() for f in _fills(engine)), D(0))


def _record(hours: float, rate: str, *, jitter_ms: int = 0, **fields: Any) -> nt.FundingRateUpdate:
    ts = START_NS + int(hours * HOUR_NS) + jitter_ms * 1_000_000
    return nt.FundingRateUpdate(IID, D(rate), ts, ts, **fields)


# -- funding ------------------------------------------------------------------------------------

def test_constant_funding_is_charged_at_each_funding_time_on_positions_open_then() -> None:
    # 00:00 start, one quote a minute for 26 h: funding at 08:00, 16:00 and 00:00 (+1 day).
    # Long 0.5 from minute 1 to 17 h (pays 08:00 and 16:00); short 0.2 from then on (receives
    # at 00:00). The 00:00 of the start is before any position: nothing charged.
    bids = [50_000.0 + (i % 7) for i in range(26 * 60)]
    module = PerpetualEconomics(default=PerpetualTerms(funding_rate="0.0001"))
    engine, _, _ = _run({2: _buy("0.500"), 17 * 60 + 1: _sell("0.700")},
                        _minute_quotes(bids), module)
    charges = module.ledger.funding
    assert [(c.ts - START_NS) // HOUR_NS for c in charges] == [8, 16, 24]
    for charge in charges:
        minute = (charge.ts - START_NS) // MINUTE_NS
        mark = D(str(bids[minute - 1])) + D("0.05")  # the last quote mid before the time
        assert charge.mark == mark
        assert charge.amount == -(charge.signed_qty * mark * D("0.0001")).quantize(D("1e-8"))
    assert [c.signed_qty for c in charges] == [D("0.5"), D("0.5"), D("-0.2")]
    assert charges[0].amount < 0 < charges[2].amount
    assert module.ledger.venue_funding == []  # v2 has no schedule of its own
    # the wallet moved by exactly the round trip, the commissions and the funding
    buy, sell = _fills(engine)
    traded = D("0.5") * (sell.last_px.as_decimal() - buy.last_px.as_decimal())
    assert _balance(engine) == D(10_000) + traded - _commissions(engine) + (
        module.ledger.funding_total())


def test_records_v2_settles_itself_are_charged_once_and_jittered_ones_too() -> None:
    # A 4 h symbol: records at 04:00 (on the boundary, with interval: v2 settles it too),
    # 08:00 + 3 ms (Binance's fundingTime often is a few ms late: v2 never settles it) and
    # 12:00 without interval (v2 never settles it).
    bids = [50_000.0] * (13 * 60)
    records = [_record(4, "0.0003", interval=240), _record(8, "-0.0002", jitter_ms=3,
                                                           interval=240), _record(12, "0.0001")]
    module = PerpetualEconomics()
    engine, _, _ = _run({2: _buy("1.000")}, [*_minute_quotes(bids), *records], module)
    mark = D("50000.05")
    charged = [((c.ts - START_NS) // HOUR_NS, c.rate, c.amount) for c in module.ledger.funding]
    assert charged == [
        (4, D("0.0003"), -(mark * D("0.0003")).quantize(D("1e-8"))),
        (8, D("-0.0002"), (mark * D("0.0002")).quantize(D("1e-8"))),
        (12, D("0.0001"), -(mark * D("0.0001")).quantize(D("1e-8"))),
    ]
    # v2 settled the 04:00 record alone, at the same amount (its mark: the mid on the tick
    # grid, 50 000.0); the module took it back, so the wallet paid each funding time once
    (venue,) = module.ledger.venue_funding
    assert (venue.ts - START_NS) // HOUR_NS == 4
    assert venue.amount == -(D("50000.0") * D("0.0003"))
    assert _balance(engine) == D(10_000) - _commissions(engine) + module.ledger.funding_total()


def test_estimates_are_charged_at_their_next_funding_time_at_the_mark_then() -> None:
    # estimates (the mark-price stream's r) at 01:00 and 05:00 for 08:00: the latest is
    # charged at 08:00 at the last mark before it; v2 settles it too, and is offset
    bids = [50_000.0] * (9 * 60)
    marks = [nt.MarkPriceUpdate(IID, nt.Price(50_010.0 + i, 1), START_NS + i * MINUTE_NS - 1,
                                START_NS + i * MINUTE_NS - 1) for i in range(1, 9 * 60)]
    eight = START_NS + 8 * HOUR_NS
    estimates = [_record(1, "0.0004", next_funding_ns=eight),
                 _record(5, "0.00025", next_funding_ns=eight)]
    module = PerpetualEconomics()
    engine, _, _ = _run({2: _buy("0.400")}, [*_minute_quotes(bids), *marks, *estimates], module)
    (charge,) = module.ledger.funding
    mark = D(50_010 + 8 * 60)  # stamped 1 ns before 08:00
    assert (charge.ts, charge.rate, charge.mark) == (eight, D("0.00025"), mark)
    assert charge.amount == -(D("0.4") * mark * D("0.00025")).quantize(D("1e-8"))
    assert [v.amount for v in module.ledger.venue_funding] == [charge.amount]  # v2 agrees
    assert _balance(engine) == D(10_000) - _commissions(engine) + charge.amount


def test_a_position_held_across_funding_times_without_rates_is_counted() -> None:
    bids = [50_000.0] * (18 * 60)  # 00:00 to 18:00: funding times 08:00 and 16:00
    module = PerpetualEconomics()
    _run({2: _buy("0.100")}, _minute_quotes(bids), module)
    assert module.ledger.funding == []
    assert module.unfunded() == {IID.value: 2}


# -- liquidation --------------------------------------------------------------------------------

def _falling(step: float, minutes: int = 900) -> list[float]:
    return [50_000.0] * 5 + [50_000.0 - step * i for i in range(1, minutes)]


def _binance_lp(qty: Decimal, entry: Decimal, wallet: Decimal) -> Decimal:
    """Binance's one-way long formula in the first tier, by hand:
    ``(WB + cum - qty x entry) / (qty x mmr - qty)``."""
    return (wallet - qty * entry) / (qty * MMR - qty)


def test_a_long_is_liquidated_at_the_first_mark_past_binances_liquidation_price() -> None:
    # 1 BTC long at 20x on 2 600 USDT; the market falls 5 USDT a minute
    bids = _falling(5)
    engine, strategy, module = _run(
        {2: _buy("1.000"), 3: lambda s: s.submit_limit(IID, BUY, "0.100", "40000.0")},
        _minute_quotes(bids), balance=2_600)
    entry = _entry(engine)
    wallet = D(2_600) - entry.commission.as_decimal()
    expected = _binance_lp(D(1), entry.last_px.as_decimal(), wallet)
    (liq,) = module.ledger.liquidations
    assert liq.liquidation_price == expected.quantize(D("1e-8"))
    marks = [D(str(b)) + D("0.05") for b in bids]
    first = next(i for i, m in enumerate(marks) if m <= expected)
    assert liq.mark == marks[first]  # not one quote earlier, not later
    assert liq.ts == START_NS + first * MINUTE_NS
    # the close: Binance's ID, the venue's (EXTERNAL) order, on the strategy's own position,
    # filled at the bid of the breaching quote 1 ns later
    close = engine.cache.order(nt.ClientOrderId(liq.client_order_id))
    assert liq.client_order_id == f"autoclose-{liq.ts // 1_000_000}"
    assert close.strategy_id == nt.StrategyId("EXTERNAL")
    assert liq.fill_price == D(str(bids[first]))
    assert close.events()[-1].ts_event == liq.ts + 1
    assert engine.cache.positions_open() == []
    # the resting limit was cancelled first
    assert len(strategy.canceled) == 1
    # what was left after the close went to the clearance fee: the wallet is 0, not below
    left = wallet + (liq.fill_price - entry.last_px.as_decimal()) - (
        _fill_of(engine, liq.client_order_id).commission.as_decimal())
    assert liq.clearance_fee == left == min(left, liq.fill_price * D("0.0125"))
    assert liq.insurance_cover == 0
    assert _balance(engine) == 0
    # the strategy heard it as a liquidation, once, and reads the leg as flat
    assert [e.kind for e in strategy.risk] == [RiskEventKind.LIQUIDATION]
    assert strategy.risk[0].client_order_id.value == liq.client_order_id
    assert strategy.kit_holding(IID).side is None


def test_a_gap_leaves_the_wallet_at_zero_the_insurance_fund_pays_the_rest() -> None:
    # the market falls 5 a minute to 47 800, then gaps to 47 000: past the liquidation price
    # (47 615.6) and the bankruptcy price (47 425); the close at 47 000 loses 425 more than the
    # wallet held
    bids = _falling(5, 441) + [47_000.0] * 20
    engine, strategy, module = _run({2: _buy("1.000")}, _minute_quotes(bids), balance=2_600)
    (liq,) = module.ledger.liquidations
    assert liq.fill_price == D(47_000)
    entry = _entry(engine)
    left = D(2_600) - entry.commission.as_decimal() + (
        D(47_000) - entry.last_px.as_decimal()) - (
        _fill_of(engine, liq.client_order_id).commission.as_decimal())
    assert left < 0
    assert (liq.clearance_fee, liq.insurance_cover) == (0, -left)
    assert _balance(engine) == 0
    assert module.ledger.insurance_cover() == -left
    assert [e.kind for e in strategy.risk] == [RiskEventKind.LIQUIDATION]


def test_mark_price_data_decides_liquidation_not_the_quotes() -> None:
    bids = [50_000.0] * 200  # the book never moves
    marks = [nt.MarkPriceUpdate(IID, nt.Price(50_000.0 - 30 * i, 1), START_NS + i * MINUTE_NS,
                                START_NS + i * MINUTE_NS) for i in range(200)]
    _, strategy, module = _run({2: _buy("1.000")}, [*_minute_quotes(bids), *marks],
                               balance=2_600)
    (liq,) = module.ledger.liquidations
    assert liq.mark < 47_700 and liq.fill_price == D(50_000)  # the mark's path, the book's fill
    assert [e.kind for e in strategy.risk] == [RiskEventKind.LIQUIDATION]
    # without mark data the same book never liquidates
    _, _, quiet = _run({2: _buy("1.000")}, _minute_quotes(bids), balance=2_600)
    assert quiet.ledger.liquidations == []


def test_an_isolated_position_is_liquidated_on_its_own_margin() -> None:
    # 100 000 USDT in the wallet would keep a cross position alive; isolated it goes at the
    # price its initial margin (notional / 20) allows, and loses that margin only
    bids = _falling(10, 400)
    module = PerpetualEconomics(default=PerpetualTerms(margin_mode=MarginMode.ISOLATED))
    engine, strategy, _ = _run({2: _buy("1.000")}, _minute_quotes(bids), module,
                               balance=100_000)
    (liq,) = module.ledger.liquidations
    entry = D("50000.1")  # the ask
    expected = _binance_lp(D(1), entry, entry / 20)
    assert liq.liquidation_price == expected.quantize(D("1e-8"))
    marks = [D(str(b)) + D("0.05") for b in bids]
    assert liq.mark == next(m for m in marks if m <= expected)
    assert [e.kind for e in strategy.risk] == [RiskEventKind.LIQUIDATION]
    iso_left = entry / 20 + liq.fill_price - entry
    assert liq.clearance_fee == min(iso_left, liq.fill_price * D("0.0125")).quantize(D("1e-8"))
    assert _balance(engine) == D(100_000) - _commissions(engine) + (
        liq.fill_price - entry) - liq.clearance_fee
    _, _, cross = _run({2: _buy("1.000")}, _minute_quotes(bids), balance=100_000)
    assert cross.ledger.liquidations == []


def test_hedge_mode_legs_share_one_cross_liquidation_and_each_is_heard() -> None:
    # LONG 1 and SHORT 0.5 on 4 000 USDT: net long 0.5; the market falls 15 USDT a minute
    bids = _falling(15, 600)
    engine, strategy, module = _run({
        2: lambda s: s.submit_market(IID, BUY, "1.000", position_side="LONG"),
        3: lambda s: s.submit_market(IID, SELL, "0.500", position_side="SHORT"),
    }, _minute_quotes(bids), balance=4_000, config={"position_mode": "HEDGE"})
    long_fill, short_fill = _fills(engine)[:2]
    wallet = D(4_000) - long_fill.commission.as_decimal() - short_fill.commission.as_decimal()
    # Binance's formula with a LONG and a SHORT leg (both in the first tier), by hand:
    # (WB - qL x epL + qS x epS) / (qL x mmr + qS x mmr - qL + qS)
    q_long, q_short = D(1), D("0.5")
    expected = (wallet - q_long * long_fill.last_px.as_decimal()
                + q_short * short_fill.last_px.as_decimal()) / (
        q_long * MMR + q_short * MMR - q_long + q_short)
    long_liq, short_liq = sorted(module.ledger.liquidations, key=lambda liq: liq.side)
    assert (long_liq.side, short_liq.side) == ("LONG", "SHORT")
    assert long_liq.liquidation_price == short_liq.liquidation_price == expected.quantize(
        D("1e-8"))
    marks = [D(str(b)) + D("0.05") for b in bids]
    assert long_liq.mark == next(m for m in marks if m <= expected)
    # one ID per close: the second of the same millisecond gets Binance-style suffix
    assert {long_liq.client_order_id, short_liq.client_order_id} == {
        f"autoclose-{long_liq.ts // 1_000_000}", f"autoclose-{long_liq.ts // 1_000_000}-2"}
    assert engine.cache.positions_open() == []
    assert sorted(e.side.name for e in strategy.risk) == ["BUY", "SELL"]
    assert {e.kind for e in strategy.risk} == {RiskEventKind.LIQUIDATION}
    assert _balance(engine) >= 0


def test_add_binance_venue_refuses_v2s_liquidation_beside_the_kits() -> None:
    with pytest.raises(ValueError, match="perpetuals=None"):
        _engine(10_000, liquidation_enabled=True)


# -- what rc6's own venue does ------------------------------------------------------------------

def test_v2s_own_liquidation_fires_late_and_leaves_a_negative_balance() -> None:
    """The documented difference, measured: the same long as above on v2's own liquidation
    (``liquidation_trigger_ratio=1``). It compares equity with the instrument's ``margin_maint``
    over the leverage at the entry price (1 x 50 000.1 x 0.025 / 20 = 62.5), so it fires 26
    minutes (130 USDT) below Binance's liquidation price, closes at the bid and takes no fee;
    after a gap its balance is negative."""
    bids = _falling(5)
    engine, _, module = _run({2: _buy("1.000")}, _minute_quotes(bids), balance=2_600,
                             perpetuals=None, liquidation_enabled=True)
    assert module is None
    (close,) = [f for f in _fills(engine) if f.client_order_id.value.startswith("LIQUIDATION-")]
    minute = (close.ts_event - START_NS) // MINUTE_NS
    assert (minute, close.last_px) == (507, nt.Price.from_str("47485.0"))  # Binance: 481, 47 615.0
    assert _balance(engine) == D("36.15745")  # Binance: 0 after the clearance fee
    gap = _falling(5, 441) + [47_000.0] * 20
    engine, _, _ = _run({2: _buy("1.000")}, _minute_quotes(gap), balance=2_600,
                        perpetuals=None, liquidation_enabled=True)
    assert _balance(engine) == D("-448.60005")  # Binance: 0, the insurance fund pays the rest
