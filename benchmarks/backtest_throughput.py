"""Backtest throughput: the same order flow through a mixin strategy and a plain strategy.

Both strategies cancel their previous order and place a new far-from-market limit on every quote
(nothing fills), on the same tape. The mixin strategy uses ``submit_limit`` (validated, margin
checked, error-policy gate, kit event bookkeeping); the plain one ``order_factory.limit +
submit_order`` on the same position ID.

How a round is measured, and why:

* Each kind runs one backtest in its own fresh process, as a user runs one: Nautilus 1.231 keeps
  each disposed strategy (and what it references) reachable, so a second backtest in the same
  process pays for the first one's leftovers, and which kind ran first moved an in-process ratio
  by several percent.
* The two processes run **side by side in alternating time slices** (``--slice-ms``, 20 ms): the
  parent lets one run while the other is stopped (SIGSTOP / SIGCONT), and each counts its own
  CPU time (``time.process_time``) over ``engine.run()``. This box is a shared 2-core machine
  whose neighbours' load changes over seconds; running the two kinds one after the other (this
  script's first method) put that change into the ratio: two *identical* plain strategies gave
  per-round ratios from 0.85 to 1.24 (sd 0.13, 8 rounds). In alternating slices both see the same
  neighbours: the identical pair gave 0.984 to 1.019 (sd 0.015, 6 rounds). ``--same`` runs that
  calibration (plain against plain), so a reader can judge the noise of their own machine.
* ``--rounds`` rounds, alternating which kind starts; the figure is the median of the per-round
  ratios.

    .venv/bin/python benchmarks/backtest_throughput.py [--ticks 20000] [--rounds 6] [--same]
        [--nautilus v1|v2]

``--nautilus v2`` measures the same flow on NautilusTrader 2 (benchmarks/throughput_flows_v2.py,
run by ``.venv-v2``'s interpreter); the default is v1 (throughput_flows_v1.py).

Last line: ``ratio=<mixin / plain orders per CPU second>`` (target >= 0.95).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: The interpreter of each generation: this one for v1, the Makefile's .venv-v2 for v2.
INTERPRETERS = {"v1": Path(sys.executable), "v2": ROOT / ".venv-v2" / "bin" / "python"}


def prepare(kind: str, ticks: int, nautilus: str = "v1") -> tuple[Any, Any]:
    """The engine and strategy of one backtest (imported here: the parent process runs no
    Nautilus, so it can measure either generation)."""
    if nautilus == "v2":
        from benchmarks import throughput_flows_v2 as flows
    else:
        from benchmarks import throughput_flows_v1 as flows  # type: ignore[no-redef]
    engine, strategy = flows.prepare(kind, ticks)
    gc.collect()
    return engine, strategy


def _child(kind: str, ticks: int, nautilus: str) -> None:
    """One backtest of ``kind``: build it, say ``ready``, wait for ``go`` on stdin, run it and
    print its orders per CPU second (the parent stops and continues this process meanwhile)."""
    engine, strategy = prepare(kind, ticks, nautilus)
    print("ready", flush=True)
    sys.stdin.readline()
    cpu0 = time.process_time()
    engine.run()
    cpu = time.process_time() - cpu0
    sent = strategy.sent
    engine.dispose()
    print(json.dumps({"orders_per_cpu_s": sent / cpu}), flush=True)


def _run_pair(
    kinds: tuple[str, str], ticks: int, slice_s: float, nautilus: str,
) -> list[float]:
    """Run one backtest per kind, each in a fresh process, in alternating time slices; their
    orders per CPU second, in the order of ``kinds``."""
    children = [
        subprocess.Popen(
            [str(INTERPRETERS[nautilus]), "-W", "ignore", __file__, "--child", kind,
             "--ticks", str(ticks), "--nautilus", nautilus],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for kind in kinds
    ]
    try:
        for child in children:
            assert child.stdout is not None and child.stdin is not None
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError(f"child {child.args!r} did not start")
            os.kill(child.pid, signal.SIGSTOP)
            child.stdin.write("go\n")
            child.stdin.flush()
        running = list(children)
        while running:
            for child in list(running):
                os.kill(child.pid, signal.SIGCONT)
                time.sleep(slice_s)
                if child.poll() is None:
                    os.kill(child.pid, signal.SIGSTOP)
                else:
                    running.remove(child)
        rates = []
        for child in children:
            assert child.stdout is not None
            if child.returncode != 0:
                raise RuntimeError(f"child {child.args!r} failed with exit code {child.returncode}")
            rates.append(float(json.loads(child.stdout.read().strip().splitlines()[-1])
                               ["orders_per_cpu_s"]))
        return rates
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--slice-ms", type=float, default=20.0)
    parser.add_argument(
        "--same", action="store_true", help="calibration: plain against plain (expect 1.0)",
    )
    parser.add_argument(
        "--nautilus", choices=("v1", "v2"), default="v1",
        help="which generation's venv runs the backtests (.venv / .venv-v2)",
    )
    parser.add_argument("--child", choices=("plain", "mixin"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.ticks, args.nautilus)
        return
    print(f"nautilus {args.nautilus}: {INTERPRETERS[args.nautilus]}")
    # (label, kind): the second is measured against the first
    pair = [("plain", "plain"), ("plain 2", "plain") if args.same else ("mixin", "mixin")]
    ratios: list[float] = []
    rates: dict[str, list[float]] = {label: [] for label, _ in pair}
    for round_no in range(args.rounds):
        order = pair if round_no % 2 == 0 else pair[::-1]  # alternate which one starts
        measured = dict(zip(
            (label for label, _ in order),
            _run_pair((order[0][1], order[1][1]), args.ticks, args.slice_ms / 1000,
                      args.nautilus),
            strict=True,
        ))
        for label, rate in measured.items():
            rates[label].append(rate)
        (base, _), (other, _) = pair
        ratios.append(measured[other] / measured[base])
        print(f"round {round_no + 1}: {base} {measured[base]:.0f}/s {other} "
              f"{measured[other]:.0f}/s ratio {ratios[-1]:.3f}", flush=True)
    print(f"{'strategy':<10}{'orders':>8}{'orders per CPU s (median)':>28}")
    for kind, values in rates.items():
        print(f"{kind:<10}{args.ticks:>8}{statistics.median(values):>28.0f}")
    print(f"per-round ratios: min {min(ratios):.3f} max {max(ratios):.3f}")
    print(f"ratio={statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
