"""Funding and liquidation in a kit backtest against Binance's formulas, worked out by hand here.

1. Funding: a kit strategy holds a position across N funding times (8 h apart) with a seeded
   rate series (``FundingRateUpdate`` settlement records, as the Binance Vision ``fundingRate``
   files give them, a few ms late as Binance's ``fundingTime`` often is) and a mark path
   (``MarkPriceUpdate`` every minute, stamped at each mark kline's close as the loader stamps
   them). The kit's funding (the venue module's ledger and the wallet) is compared with the sum
   this script computes from Binance's formula, ``-size x mark x rate`` per funding time, with
   its own arithmetic (it imports nothing of the kit's perpetual math).
2. Liquidation: a position at 20x whose mark falls (or rises) one tick a second. The mark at
   which the kit liquidates is compared with Binance's liquidation-price formula, solved here
   by hand with BTCUSDT's published brackets (the tier at the liquidation price substituted,
   as Binance's FAQ says). Cases: cross long, cross short, isolated long.

``--nautilus v1`` (the default) runs the backtests on NautilusTrader 1.231
(benchmarks/funding_parity_v1.py), ``--nautilus v2`` on NautilusTrader 2
(benchmarks/funding_parity_v2.py, run by ``.venv-v2``'s interpreter); the data and the hand
computations are this script's, the same for both.

Run: .venv/bin/python benchmarks/funding_parity.py [--funding-times 90] [--seed 7]
     [--nautilus v1|v2]
Last line: funding_error_usdt=<abs error> liquidation_price_error_bps=<worst case>
Goal: <= 0.01 USDT and <= 1 bps.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import random
import subprocess
import sys
import time
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: The interpreter of each generation (the Makefile's virtual environments).
INTERPRETERS = {"v1": ROOT / ".venv" / "bin" / "python", "v2": ROOT / ".venv-v2" / "bin" / "python"}
D = Decimal
S = 1_000_000_000
MIN = 60 * S
HOUR = 3_600 * S
T0 = 1_704_067_200 * S  # 2024-01-01 00:00 UTC

#: BTCUSDT's brackets as Binance publishes them: (floor, cap, maintenance margin rate, cum).
BTCUSDT = [
    (0, 50_000, D("0.004"), D(0)),
    (50_000, 600_000, D("0.005"), D(50)),
    (600_000, 3_000_000, D("0.0065"), D(950)),
    (3_000_000, 12_000_000, D("0.01"), D(11_450)),
]

#: A price path as plain values: (ts_ns, price) pairs.
Path_ = list[tuple[int, float]]


# -- 1. funding ---------------------------------------------------------------------------------

def funding_data(n_times: int, seed: int) -> tuple[Path_, Path_, list[tuple[int, Decimal]]]:
    """Quotes (one a minute, bid; ask one tick above), marks (each minute's kline close, stamped
    at its close time) and settlement records (ts, rate)."""
    rng = random.Random(seed)
    minutes = n_times * 8 * 60 + 30
    px = 50_000.0
    quotes: Path_ = []
    marks: Path_ = []
    for i in range(minutes):
        px = round(max(1_000.0, px + rng.gauss(0, 15)), 1)
        ts = T0 + 10 * MIN + i * MIN
        quotes.append((ts, px))
        # a mark kline's close, stamped at the kline's close time (open + 59 999 ms)
        marks.append((ts - 1_000_000, round(px + rng.uniform(-3, 3), 1)))
    rates = [D(rng.randint(-50, 100)) / D(100_000) for _ in range(n_times)]
    funding_ts = [T0 + (k + 1) * 8 * HOUR + rng.randint(0, 5) * 1_000_000 for k in range(n_times)]
    return quotes, marks, list(zip(funding_ts, rates, strict=True))


def hand_funding(marks: Path_, records: list[tuple[int, Decimal]], qty: Decimal) -> Decimal:
    """Binance's formula by hand: at each funding time the long pays size x mark x rate, with
    the mark the venue published last before that time."""
    mark_times = [ts for ts, _ in marks]
    total = D(0)
    for ts, rate in records:
        last = max(i for i, t in enumerate(mark_times) if t < ts)
        total -= qty * D(str(marks[last][1])) * rate
    return total


# -- 2. liquidation -----------------------------------------------------------------------------

def liquidation_data(sign: int) -> tuple[Path_, Path_]:
    """Marks one tick a second against the position, a quote a minute."""
    marks: Path_ = [(T0, 50_000.0)]
    quotes: Path_ = [(T0, 50_000.0)]
    px = 50_000.0
    for i in range(1, 40_000):
        px = round(px - sign * 0.1, 1)  # one tick a second against the position
        ts = T0 + i * S
        marks.append((ts, px))
        if i % 60 == 0:
            quotes.append((ts, px))
    return marks, quotes


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


def _generation() -> str:
    """The installed NautilusTrader's generation (read without importing it)."""
    return "v2" if importlib.metadata.version("nautilus_trader").startswith("2.") else "v1"


def main() -> None:
    warnings.filterwarnings("ignore", message="Timestamp.utcnow")  # NautilusTrader 1.231's own
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--funding-times", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--nautilus", choices=("v1", "v2"), default="v1",
                        help="which generation's venv runs the backtests (.venv / .venv-v2)")
    args = parser.parse_args()
    if _generation() != args.nautilus:
        sys.exit(subprocess.run([str(INTERPRETERS[args.nautilus]), "-W", "ignore", __file__,
                                 *sys.argv[1:]], check=False).returncode)
    runner: Any = importlib.import_module(f"benchmarks.funding_parity_{args.nautilus}")

    quotes, marks, records = funding_data(args.funding_times, args.seed)
    start = time.perf_counter()
    kit, charges, wallet_error = runner.funding(quotes, marks, records, "0.500", 100_000)
    elapsed = time.perf_counter() - start
    assert charges == args.funding_times, "a funding time was missed"
    hand = hand_funding(marks, records, D("0.5"))
    funding_error = abs(kit - hand)
    print(f"funding ({args.nautilus}): {args.funding_times} funding times, kit {kit:.8f} USDT, "
          f"by hand {hand:.8f} USDT, error {funding_error:.8f}, wallet error {wallet_error:.8f} "
          f"({elapsed:.1f} s)")
    worst = D(0)
    for side, isolated in (("BUY", False), ("SELL", False), ("BUY", True)):
        sign = 1 if side == "BUY" else -1
        balance = 100_000 if isolated else 2_600
        path, book = liquidation_data(sign)
        mark, entry, commission = runner.liquidation(side, isolated, path, book, "1.000",
                                                     balance)
        # the isolated margin is notional / leverage; cross, the wallet after the entry
        wallet = entry / 20 if isolated else D(balance) - commission
        expected = binance_liquidation_price(sign, D(1), entry, wallet)
        bps = abs(mark - expected) / expected * 10_000
        worst = max(worst, bps)
        mode = "isolated" if isolated else "cross"
        print(f"liquidation {side:<4} {mode:<8}: kit at mark {mark}, Binance's formula "
              f"{expected:.2f}, {bps:.3f} bps")
    print(f"funding_error_usdt={max(funding_error, wallet_error):.8f} "
          f"liquidation_price_error_bps={worst:.3f}")


if __name__ == "__main__":
    main()
