"""Backtest throughput: the same order flow through a mixin strategy and a plain strategy.

Both strategies cancel their previous order and place a new far-from-market limit on every quote
(nothing fills), on the same tape. The mixin strategy uses ``submit_limit`` (validated, margin
checked, error-policy gate, kit event bookkeeping); the plain one ``order_factory.limit +
submit_order`` on the same position ID.

Every run is one backtest in a fresh process, as a user runs one: Nautilus 1.231 keeps each
disposed strategy (and what it references) reachable, so a second backtest in the same process
pays for the first one's leftovers in every GC pass, and which kind ran first moved the in-process
ratio by several percent. ``--rounds`` rounds run both kinds, alternating which goes first; the
figure is the median of the per-round ratios (this is a shared, noisy 2-core box).

    .venv/bin/python benchmarks/backtest_throughput.py [--ticks 20000] [--rounds 6]

Last line: ``ratio=<mixin / plain orders per second>`` (target >= 0.95).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import PositionId
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.trading.config import StrategyConfig
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.mixin import ExecutionMixin
from tests.conftest import IID, ScriptedConfig, flat_quotes, make_engine

QTY = Quantity.from_str("0.010")
PRICE = Price.from_str("45000.0")
PID = PositionId(f"{IID}-BOTH")


class PlainFlow(Strategy):
    def __init__(self, config: StrategyConfig) -> None:
        super().__init__(config)
        self.previous: Any = None
        self.sent = 0

    def on_start(self) -> None:
        self.subscribe_quote_ticks(IID)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        if self.previous is not None and self.previous.is_open:
            self.cancel_order(self.previous)
        order = self.order_factory.limit(IID, OrderSide.BUY, QTY, PRICE)
        self.submit_order(order, position_id=PID)
        self.previous = order
        self.sent += 1


class MixinFlow(ExecutionMixin, Strategy):
    def __init__(self, config: ScriptedConfig) -> None:
        super().__init__(config)
        self.previous: Any = None
        self.sent = 0

    def on_start(self) -> None:
        self.subscribe_quote_ticks(IID)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        if self.previous is not None and self.previous.is_open:
            self.cancel(self.previous)
        self.previous = self.submit_limit(IID, OrderSide.BUY, QTY, PRICE)
        self.sent += 1


def _run(kind: str, ticks: int) -> float:
    engine = make_engine()
    engine.add_data(flat_quotes(ticks))
    quiet = {"log_events": False, "log_commands": False}
    strategy: Any = (
        PlainFlow(StrategyConfig(oms_type="HEDGING", **quiet))
        if kind == "plain"
        else MixinFlow(ScriptedConfig(**quiet))
    )
    engine.add_strategy(strategy)
    gc.collect()
    t0 = time.perf_counter()
    engine.run()
    wall = time.perf_counter() - t0
    sent = strategy.sent
    engine.dispose()
    return sent / wall


def _run_in_child(kind: str, ticks: int) -> float:
    """One backtest of ``kind`` in a fresh interpreter; its orders per second."""
    out = subprocess.run(
        [sys.executable, "-W", "ignore", __file__, "--child", kind, "--ticks", str(ticks)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1])["orders_per_s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--child", choices=("plain", "mixin"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps({"orders_per_s": _run(args.child, args.ticks)}))
        return
    ratios: list[float] = []
    rates: dict[str, list[float]] = {"plain": [], "mixin": []}
    for round_no in range(args.rounds):
        order = ("plain", "mixin") if round_no % 2 == 0 else ("mixin", "plain")
        result = {kind: _run_in_child(kind, args.ticks) for kind in order}
        for kind, rate in result.items():
            rates[kind].append(rate)
        ratios.append(result["mixin"] / result["plain"])
        print(f"round {round_no + 1}: plain {result['plain']:.0f}/s mixin {result['mixin']:.0f}/s "
              f"ratio {ratios[-1]:.3f}", flush=True)
    print(f"{'strategy':<10}{'orders':>8}{'orders/s (median)':>20}")
    for kind, values in rates.items():
        print(f"{kind:<10}{args.ticks:>8}{statistics.median(values):>20.0f}")
    print(f"per-round ratios: min {min(ratios):.3f} max {max(ratios):.3f}")
    print(f"ratio={statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
