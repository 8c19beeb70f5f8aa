"""Multi-symbol soak: thousands of orders over >= 20 symbols on one account, with faults and kills.

The fault soak of ``benchmarks/fault_soak.py`` (same node, same faults: -1007 placed / not placed,
503 pages, dropped ORDER_TRADE_UPDATE frames, user-stream disconnects, listenKey expiry, kill -9
restarts from Redis) on many symbols, each with its own filters and price path
(``nautilus_exec_kit.sandbox.symbols.universe``: BTCUSDT, ETHUSDT, SOLUSDT, ... then synthetic
ones). Every order goes to a random symbol, sized to 1.5 x that symbol's minimum notional.

What it proves: the node loses and duplicates nothing, its positions end equal to the venue's on
every symbol, and its checks keep the request weight low (the heaviest clock minute as a share of
Binance's 2400). With ``--no-faults`` (no faults, no kills) every MARKET order must fill
(``fill_rate``, Spec 015's 99.9 %).

Usage::

    .venv/bin/python benchmarks/multi_symbol_soak.py                  # 20 symbols, 5000 orders
    .venv/bin/python benchmarks/multi_symbol_soak.py --no-faults
    .venv/bin/python benchmarks/multi_symbol_soak.py --symbols 40 --orders 2000 --checks nautilus

It takes several minutes (``--orders`` / ``--batch`` / ``--pace`` size it). The last line is
machine-readable::

    symbols=<n> orders=<n> lost=<n> duplicated=<n> positions_match=<bool>
    peak_weight_pct=<heaviest minute / 2400 * 100> fill_rate=<MARKET filled / MARKET sent>
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.fault_soak import (  # noqa: E402
    BATCH,
    CHECKS,
    PACE_S,
    SoakPlan,
    in_workdir,
    print_figures,
    soak,
)
from nautilus_exec_kit.sandbox.symbols import universe  # noqa: E402

#: The goals this soak is held to (issue 15).
GOAL_PEAK_WEIGHT_PCT = 50.0
GOAL_FILL_RATE = 0.999


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--restarts", type=int, default=3, help="kill -9 restarts (with faults)")
    parser.add_argument("--no-faults", action="store_true",
                        help="no injected faults and no kills: the fill-rate run")
    parser.add_argument("--batch", type=int, default=BATCH, help="orders per batch")
    parser.add_argument("--pace", type=float, default=PACE_S, help="seconds between batches")
    parser.add_argument("--checks", choices=sorted(CHECKS), default="kit",
                        help="how the node checks its orders (default: the kit's order check)")
    parser.add_argument("--keep", help="keep node logs in this directory")
    args = parser.parse_args(argv)
    plan = SoakPlan(
        orders=args.orders, seed=args.seed, restarts=args.restarts,
        symbols=universe(args.symbols, args.seed), faults=not args.no_faults,
        batch=args.batch, pace_s=args.pace, checks=args.checks,
        # A node writing 5000 orders to its state file five times a second starves a 2-core box.
        state_interval_ms=1000, balance=Decimal(100_000),
    )
    with in_workdir(args.keep, "multi-symbol-soak-") as workdir:
        figures = soak(plan, Path(workdir))
    print_figures(figures)
    print(f"symbols={figures['symbols']} orders={figures['orders']} lost={figures['lost']} "
          f"duplicated={figures['duplicated']} "
          f"positions_match={str(figures['positions_match']).lower()} "
          f"peak_weight_pct={figures['peak_weight_pct']} fill_rate={figures['fill_rate']}")
    ok = (figures["lost"] == 0 and figures["duplicated"] == 0 and figures["positions_match"]
          and figures["peak_weight_pct"] <= GOAL_PEAK_WEIGHT_PCT
          and (plan.faults or figures["fill_rate"] >= GOAL_FILL_RATE))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
