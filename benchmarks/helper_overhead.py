"""Per-call cost of a validated ``submit_limit`` vs the raw ``order_factory.limit + submit_order``.

One process, one backtest: on every quote the strategy cancels its previous order and submits a
new far-from-market limit (so nothing fills), alternating the raw path and the helper path so both
see the same cache size, GC pressure and machine noise. Only the submit call is timed
(``perf_counter_ns``), which covers Strategy -> RiskEngine -> ExecEngine -> BacktestExecClient
(the OrderSubmitted event, including the kit's event handler) for both paths.

    .venv/bin/python benchmarks/helper_overhead.py [--ticks 20000]

Last line: ``ratio=<helper median / raw median>`` (target <= 1.15).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.mixin import ExecutionMixin
from tests.conftest import IID, ScriptedConfig, flat_quotes, make_engine


class OverheadStrategy(ExecutionMixin, Strategy):
    """Alternates raw and helper submits of identical far-from-market limits."""

    def __init__(self, config: ScriptedConfig) -> None:
        super().__init__(config)
        self.raw_ns: list[int] = []
        self.helper_ns: list[int] = []
        self.previous: Any = None
        self.n = 0
        self.qty = Quantity.from_str("0.010")
        self.price = Price.from_str("45000.0")

    def on_start(self) -> None:
        self.subscribe_quote_ticks(IID)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        if self.previous is not None and self.previous.is_open:
            self.cancel_order(self.previous)
        self.n += 1
        if self.n % 2:
            t0 = time.perf_counter_ns()
            order = self.order_factory.limit(IID, OrderSide.BUY, self.qty, self.price)
            self.submit_order(order, position_id=self.kit_position_id(IID))
            self.raw_ns.append(time.perf_counter_ns() - t0)
        else:
            t0 = time.perf_counter_ns()
            order = self.submit_limit(IID, OrderSide.BUY, self.qty, self.price)
            self.helper_ns.append(time.perf_counter_ns() - t0)
        self.previous = order


def _p(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000.0


def _extra() -> dict[str, Any]:
    import os

    return {"margin_check": os.environ.get("KIT_MARGIN", "1") == "1"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=20_000)
    args = parser.parse_args()
    engine = make_engine()
    engine.add_data(flat_quotes(args.ticks))
    strategy = OverheadStrategy(ScriptedConfig(log_events=False, log_commands=False, **_extra()))
    engine.add_strategy(strategy)
    gc.collect()
    gc.freeze()
    engine.run()
    engine.dispose()
    raw, helper = strategy.raw_ns, strategy.helper_ns
    raw_med = statistics.median(raw) / 1000.0
    helper_med = statistics.median(helper) / 1000.0
    print(f"{'path':<28}{'calls':>8}{'median us':>12}{'p99 us':>10}")
    print(f"{'raw factory+submit_order':<28}{len(raw):>8}{raw_med:>12.1f}{_p(raw, 0.99):>10.1f}")
    print(f"{'submit_limit (validated)':<28}{len(helper):>8}{helper_med:>12.1f}"
          f"{_p(helper, 0.99):>10.1f}")
    print(f"ratio={helper_med / raw_med:.3f}")


if __name__ == "__main__":
    main()
