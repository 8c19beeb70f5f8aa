"""Funding and liquidation in a kit backtest against Binance's formulas, worked out by hand here.

1. Funding: a kit strategy holds a position across N funding times (8 h apart) with a seeded
   rate series (``FundingRateUpdate`` settlement records, as the Binance Vision ``fundingRate``
   files give them) and a mark path (``MarkPriceUpdate`` every minute, stamped at each mark
   kline's close as the loader stamps them). The kit's funding (the venue module's ledger and
   the wallet) is compared with the sum this script computes from Binance's formula,
   ``-size x mark x rate`` per funding time, with its own arithmetic (it imports nothing of the
   kit's perpetual math).
2. Liquidation: a position at 20x whose mark falls (or rises) one tick a second. The mark at
   which the kit liquidates is compared with Binance's liquidation-price formula, solved here
   by hand with BTCUSDT's published brackets (the tier at the liquidation price substituted,
   as Binance's FAQ says). Cases: cross long, cross short, isolated long.

Run: .venv/bin/python benchmarks/funding_parity.py [--funding-times 90] [--seed 7]
Last line: funding_error_usdt=<abs error> liquidation_price_error_bps=<worst case>
Goal: <= 0.01 USDT and <= 1 bps.
"""

from __future__ import annotations

import argparse
import random
import time
import warnings
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

D = Decimal
S = 1_000_000_000
MIN = 60 * S
HOUR = 3_600 * S
T0 = 1_704_067_200 * S  # 2024-01-01 00:00 UTC
INSTRUMENT = TestInstrumentProvider.btcusdt_perp_binance()
IID: InstrumentId = INSTRUMENT.id

#: BTCUSDT's brackets as Binance publishes them: (floor, cap, maintenance margin rate, cum).
BTCUSDT = [
    (0, 50_000, D("0.004"), D(0)),
    (50_000, 600_000, D("0.005"), D(50)),
    (600_000, 3_000_000, D("0.0065"), D(950)),
    (3_000_000, 12_000_000, D("0.01"), D(11_450)),
]


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


def _quote(px: float, ts: int) -> QuoteTick:
    return QuoteTick(IID, Price(px, 1), Price(px + 0.1, 1), Quantity(50, 3), Quantity(50, 3),
                     ts, ts)


def _mark(px: float, ts: int) -> MarkPriceUpdate:
    return MarkPriceUpdate(IID, Price(px, 1), ts, ts)


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


# -- 1. funding ---------------------------------------------------------------------------------

def funding_case(n_times: int, seed: int) -> tuple[Decimal, Decimal, Decimal, float]:
    """(kit total, hand total, wallet error, seconds)."""
    rng = random.Random(seed)
    minutes = n_times * 8 * 60 + 30
    px, marks, quotes = 50_000.0, [], []
    for i in range(minutes):
        px = round(max(1_000.0, px + rng.gauss(0, 15)), 1)
        ts = T0 + 10 * MIN + i * MIN
        quotes.append(_quote(px, ts))
        # a mark kline's close, stamped at the kline's close time (open + 59 999 ms)
        marks.append(_mark(round(px + rng.uniform(-3, 3), 1), ts - 1_000_000))
    rates = [D(rng.randint(-50, 100)) / D(100_000) for _ in range(n_times)]
    funding_ts = [T0 + (k + 1) * 8 * HOUR + rng.randint(0, 5) * 1_000_000 for k in range(n_times)]
    records = [FundingRateUpdate(IID, rate, ts, ts) for rate, ts in zip(rates, funding_ts,
                                                                        strict=True)]
    strategy = Holder(OrderSide.BUY, "0.500")
    module = PerpetualEconomics(default=PerpetualTerms())
    start = time.perf_counter()
    engine = _run(strategy, [*quotes, *marks, *records], module, 100_000)
    elapsed = time.perf_counter() - start
    try:
        # Binance's formula by hand: each funding time, the long pays size x mark x rate, with
        # the mark the venue published last before that time.
        mark_times = [m.ts_event for m in marks]
        hand = D(0)
        for rate, ts in zip(rates, funding_ts, strict=True):
            last = max(i for i, t in enumerate(mark_times) if t < ts)
            hand -= D("0.5") * D(str(marks[last].value)) * rate
        kit = module.ledger.funding_total()
        # and the wallet moved by exactly that plus the entry's commission
        account = engine.cache.account_for_venue(IID.venue)
        (order,) = engine.cache.orders()
        wallet = account.balance_total(USDT).as_decimal()
        wallet_error = abs(wallet - (D(100_000) - order.commissions()[0].as_decimal() + kit))
        assert len(module.ledger.funding) == n_times, "a funding time was missed"
    finally:
        engine.dispose()
    return kit, hand, wallet_error, elapsed


# -- 2. liquidation -----------------------------------------------------------------------------

def binance_liquidation_price(side: int, qty: Decimal, entry: Decimal, wallet: Decimal) -> Decimal:
    """Binance's one-contract formula, with the tier at the liquidation price substituted."""
    lp = entry
    for _ in range(10):
        notional = qty * lp
        _, _, mmr, cum = next(b for b in BTCUSDT if b[0] <= notional < b[1])
        new = (wallet + cum - side * qty * entry) / (qty * mmr - side * qty)
        if new == lp:
            break
        lp = new
    return lp


def liquidation_case(side: OrderSide, margin_mode: MarginMode) -> tuple[Decimal, Decimal]:
    """(the mark the kit liquidated at, Binance's liquidation price)."""
    sign = 1 if side == OrderSide.BUY else -1
    balance = 100_000 if margin_mode is MarginMode.ISOLATED else 2_600
    data: list[Any] = [_quote(50_000.0, T0), _mark(50_000.0, T0)]
    px = 50_000.0
    for i in range(1, 40_000):
        px = round(px - sign * 0.1, 1)  # one tick a second against the position
        ts = T0 + i * S
        data.append(_mark(px, ts))
        if i % 60 == 0:
            data.append(_quote(px, ts))
    strategy = Holder(side, "1.000")
    module = PerpetualEconomics(default=PerpetualTerms(margin_mode=margin_mode))
    engine = _run(strategy, data, module, balance)
    try:
        (order, *_) = engine.cache.orders()
        entry = order.events[-1].last_px.as_decimal()
        if margin_mode is MarginMode.ISOLATED:
            wallet = entry / 20  # the isolated margin: notional / leverage
        else:
            wallet = D(balance) - order.commissions()[0].as_decimal()
        expected = binance_liquidation_price(sign, D(1), entry, wallet)
        (liq,) = module.ledger.liquidations
        assert [e.kind.value for e in strategy.risk] == ["liquidation"], strategy.risk
    finally:
        engine.dispose()
    return liq.mark, expected


def main() -> None:
    warnings.filterwarnings("ignore", message="Timestamp.utcnow")  # NautilusTrader 1.231's own
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--funding-times", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    kit, hand, wallet_error, elapsed = funding_case(args.funding_times, args.seed)
    funding_error = abs(kit - hand)
    print(f"funding: {args.funding_times} funding times, kit {kit:.8f} USDT, "
          f"by hand {hand:.8f} USDT, error {funding_error:.8f}, wallet error {wallet_error:.8f} "
          f"({elapsed:.1f} s)")
    worst = D(0)
    for side, mode in ((OrderSide.BUY, MarginMode.CROSS), (OrderSide.SELL, MarginMode.CROSS),
                       (OrderSide.BUY, MarginMode.ISOLATED)):
        mark, expected = liquidation_case(side, mode)
        bps = abs(mark - expected) / expected * 10_000
        worst = max(worst, bps)
        print(f"liquidation {side.name:<4} {mode.value:<8}: kit at mark {mark}, Binance's "
              f"formula {expected:.2f}, {bps:.3f} bps")
    print(f"funding_error_usdt={max(funding_error, wallet_error):.8f} "
          f"liquidation_price_error_bps={worst:.3f}")


if __name__ == "__main__":
    main()
