"""Backtest throughput, counted instead of timed: the kit's extra work per order, deterministic.

``backtest_throughput.py`` times real runs. This script runs the same two strategies (plain and
mixin, same tape) under valgrind's cachegrind, which counts instructions, simulated L1 misses and
simulated branch mispredictions exactly: the same code gives the same figures on every run. Each
kind runs at two tape lengths and the difference is divided by the extra orders, so start-up
(imports, engine set-up) cancels out.

The estimated ratio weighs an L1 miss as 12 cycles and a misprediction as 15 (typical for this
class of CPU); it ignores L2/L3 effects, which cachegrind does not model, and those are where the
kit's per-order Python pays most (its code and data are cold again at every order). It therefore
overstates the ratio: 0.966 here where ``backtest_throughput.py``, run side by side, measured
0.942 on the same code. Use it, like ``kit_bytecodes.py``, to see whether a change removed work.

    .venv/bin/python benchmarks/throughput_instructions.py [--ticks 1000 4000]

Needs ``valgrind`` (``apt-get install valgrind``); about 10 minutes on this box.
Last line: ``est_ratio=<plain / mixin estimated cycles per order>``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_BENCH = Path(__file__).resolve().parent / "backtest_throughput.py"
_EVENTS = ("Ir", "I1mr", "D1mr", "D1mw", "Bcm", "Bim")
_CYCLES = {"Ir": 1, "I1mr": 12, "D1mr": 12, "D1mw": 12, "Bcm": 15, "Bim": 15}


def _count(kind: str, ticks: int, workdir: str) -> dict[str, int]:
    """Cachegrind's totals for one backtest of ``kind`` over ``ticks`` quotes."""
    out = os.path.join(workdir, f"{kind}.{ticks}")
    subprocess.run(
        [
            "valgrind", "--tool=cachegrind", "--cache-sim=yes", "--branch-sim=yes",
            f"--cachegrind-out-file={out}",
            sys.executable, "-W", "ignore", str(_BENCH), "--child", kind, "--ticks", str(ticks),
        ],
        check=True,
        capture_output=True,
        # The child says "ready" and waits for a line on stdin (backtest_throughput's
        # side-by-side start): an empty stdin lets it start at once.
        stdin=subprocess.DEVNULL,
        # One BLAS thread: OpenBLAS' idle workers spin under valgrind and pollute the counts.
        # A fixed hash seed: str hashes steer dict probing and start-up work, whose run-to-run
        # spread (tens of millions of instructions) would otherwise swamp the per-order figures.
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONHASHSEED": "0"},
    )
    names: list[str] = []
    for line in Path(out).read_text().splitlines():
        if line.startswith("events:"):
            names = line.split()[1:]
        elif line.startswith("summary:"):
            return dict(zip(names, map(int, line.split()[1:]), strict=True))
    raise RuntimeError(f"no summary in {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, nargs=2, default=(1000, 4000))
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    short, long = args.ticks
    runs = [(kind, ticks) for kind in ("plain", "mixin") for ticks in (short, long)]
    with tempfile.TemporaryDirectory() as workdir, ThreadPoolExecutor(max_workers=2) as pool:
        counts = dict(zip(runs, pool.map(lambda run: _count(*run, workdir), runs), strict=True))
    extra_orders = long - short
    per_order = {
        kind: {e: (counts[kind, long][e] - counts[kind, short][e]) / extra_orders for e in _EVENTS}
        for kind in ("plain", "mixin")
    }
    print(f"{'per order':<12}{'plain':>12}{'mixin':>12}{'extra':>10}")
    for event in _EVENTS:
        plain, mixin = per_order["plain"][event], per_order["mixin"][event]
        print(f"{event:<12}{plain:>12.0f}{mixin:>12.0f}{mixin - plain:>+10.0f}")
    cycles = {k: sum(_CYCLES[e] * v[e] for e in _EVENTS) for k, v in per_order.items()}
    print(f"{'est. cycles':<12}{cycles['plain']:>12.0f}{cycles['mixin']:>12.0f}"
          f"{cycles['mixin'] - cycles['plain']:>+10.0f}")
    print(f"Ir_ratio={per_order['plain']['Ir'] / per_order['mixin']['Ir']:.4f}")
    print(f"est_ratio={cycles['plain'] / cycles['mixin']:.4f}")


if __name__ == "__main__":
    main()
