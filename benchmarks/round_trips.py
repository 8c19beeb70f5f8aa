"""Round-trip benchmark (issue 6): kit runner vs plain BacktestEngine.

Alternating MARKET BUY / SELL of 0.001 BTC on ``BTCUSDT-PERP.BINANCE-BOTH`` (Binance one-way mode),
one round trip every two quote ticks, at 10 k, 20 k and 100 k ticks. The plain engine (no kit
workarounds, everything else identical) runs only up to 20 k ticks: above that it takes many
minutes. Prints wall time, time per order and peak RSS growth per size; the last line is
``speedup_20k=<plain/kit wall time at 20 k ticks>``.

    .venv/bin/python benchmarks/round_trips.py            # full run (~6-7 min: the plain 20 k)
    .venv/bin/python benchmarks/round_trips.py --sizes 4000 --plain-max 4000   # quick look

Each measurement runs in a fresh subprocess so peak RSS and GC state do not leak between runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def _one(ticks: int, linear: bool) -> dict[str, float]:
    from nautilus_exec_kit.backtest.round_trip_strategy import RoundTripConfig, RoundTripStrategy
    from nautilus_exec_kit.backtest.runner import RunnerConfig, run_backtest
    from nautilus_exec_kit.backtest.tape import TapeSpec, default_instrument, synthetic_tape

    quotes = synthetic_tape(TapeSpec(ticks=ticks, seed=1)).quotes
    strategy = RoundTripStrategy(
        RoundTripConfig(instrument_id=default_instrument().id, log_events=False, log_commands=False)
    )
    config = RunnerConfig(linear_cost=linear, max_order_submit_rate="1000/00:00:01")
    start, cpu0 = time.perf_counter(), time.process_time()
    report = run_backtest(strategy, quotes, config=config)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "ticks": ticks,
        "orders": report.orders,
        "wall_s": wall,
        "cpu_s": cpu,
        "ms_per_order": 1e3 * wall / max(report.orders, 1),
        "peak_rss_mb": rss1 / 1024,
        "pnl": report.stats_pnls.get("USDT", {}).get("PnL (total)", float("nan")),
    }


def _measure(ticks: int, linear: bool) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(ticks), "1" if linear else "0"],
        check=True, capture_output=True, text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000, 100_000])
    parser.add_argument("--plain-max", type=int, default=20_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_one(int(args.child[0]), args.child[1] == "1")))
        return 0
    header = f"{'ticks':>8} {'runner':>6} {'orders':>7} {'wall s':>8} {'cpu s':>8} {'ms/order':>9} "
    header += f"{'peak RSS MB':>11} {'PnL total':>12}"
    print(header, flush=True)
    walls: dict[tuple[int, str], float] = {}
    cpus: dict[tuple[int, str], float] = {}
    per_order: dict[int, float] = {}
    rss: dict[int, tuple[float, float]] = {}
    for ticks in args.sizes:
        for name, linear in (("kit", True), ("plain", False)):
            if not linear and ticks > args.plain_max:
                print(f"{ticks:>8} {name:>6}  skipped (quadratic; minutes)", flush=True)
                continue
            r = _measure(ticks, linear)
            walls[(ticks, name)] = r["wall_s"]
            cpus[(ticks, name)] = r["cpu_s"]
            if linear:
                per_order[ticks] = r["ms_per_order"]
            if linear:
                rss[ticks] = (r["orders"], r["peak_rss_mb"])
            print(
                f"{ticks:>8} {name:>6} {int(r['orders']):>7} "
                f"{r['wall_s']:>8.2f} {r['cpu_s']:>8.2f} "
                f"{r['ms_per_order']:>9.3f} {r['peak_rss_mb']:>11.0f} "
                f"{r['pnl']:>12.4f}",
                flush=True,
            )
    if len(per_order) >= 2:
        sizes = sorted(per_order)
        ratio = per_order[sizes[-1]] / per_order[sizes[0]]
        print(f"linearity: ms/order at {sizes[-1]} / at {sizes[0]} = {ratio:.2f} (goal <= 1.5)")
        (o0, m0), (o1, m1) = rss[sizes[0]], rss[sizes[-1]]
        slope = (m1 - m0) * 100_000 / max(o1 - o0, 1)
        print(f"kit peak RSS growth: {slope:.0f} MB per 100k orders (incl. the tape itself)")
    key = 20_000
    if (key, "kit") in walls and (key, "plain") in walls:
        # CPU time is printed too: on a shared machine it is the steadier of the two
        print(f"speedup_20k_cpu={cpus[(key, 'plain')] / cpus[(key, 'kit')]:.1f}")
        print(f"speedup_20k={walls[(key, 'plain')] / walls[(key, 'kit')]:.1f}")
    else:
        print("speedup_20k=nan")
    return 0


if __name__ == "__main__":
    sys.exit(main())
