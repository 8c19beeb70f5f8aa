"""Do a flip's orders reach Binance in the order the strategy sent them on NautilusTrader 2?

A flip (the v2 example strategy, ``strategies/v2/one_way_trend.py``) sends, in one tick, a
reduce-only MARKET close of the old position, the new entry (MARKET) and the new position's
close_position stop and take-profit. v2's adapter sends each submit from its own task (market
orders over the WS API, conditional ones over REST), so without the kit's ordering an entry can
overtake its close: the entry then closes the old position, Binance refuses the reduce-only
close (-2022) and the strategy ends flat instead of flipped, its new stop resting with no
position (docs/migration.md).

Each run is ``exec-kit live --env sandbox --duration D`` on v2 with the example at EMA 3/8 (a
flip every few hundred ms) and its own price seed; the node's log is read for:

* flips: the reduce-only MARKET closes the strategy sent;
* closes refused: those answered -2022 (the flip ended flat);
* close_position orders refused: stops / take-profits answered -2022;
* held: orders the kit held until an earlier order was answered (``held behind``) and
  close_position orders it held through a flip (``held until``), each with the time from the
  hold to its send on the strategy clock (the kit's ``sent (held X ms)`` line).

Usage::

    .venv-v2/bin/python benchmarks/v2_flip_order.py [--runs 8] [--duration 10] [--keep DIR]

The last line is machine-readable::

    flips=<n> closes_refused=<n> close_position_refused=<n> held=<n> held_median_ms=<x>
    held_max_ms=<x>   (one line)
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

ROOT = Path(__file__).resolve().parents[1]
EXEC_KIT: Final = ROOT / ".venv-v2" / "bin" / "exec-kit"
STRATEGY_CONFIG: Final = {"fast_period": 3, "slow_period": 8}
ANSI: Final = re.compile(r"\x1b\[[0-9;]*m")
INITIALIZED: Final = re.compile(
    r"OrderInitialized\(.*?client_order_id=(\S+?), side=(\w+), type=(\w+),.*?reduce_only=(\w+)",
)
REJECTED: Final = re.compile(r"OrderRejected\(.*?client_order_id=(\S+?),")
HELD: Final = re.compile(r"exec-kit: (\S+) \([^)]*\) held (behind|until)")
SENT: Final = re.compile(r"exec-kit: (\S+) \([^)]*\) sent \(held ([0-9.]+) ms\)")


def read_log(lines: Iterable[str]) -> dict[str, Any]:
    """The figures of one run's log. A flip is a reduce-only MARKET close followed by a MARKET
    entry (in the order Nautilus saw them, held orders when the kit sent them); the close the
    example sends from ``on_stop`` has no entry after it and is not a flip."""
    flip_closes: list[str] = []
    close: str | None = None
    close_position: set[str] = set()
    refused: set[str] = set()
    why_held: dict[str, str] = {}
    held_ms: dict[str, list[float]] = {"behind": [], "until": []}
    for raw in lines:
        line = ANSI.sub("", raw)
        if (init := INITIALIZED.search(line)) is not None:
            coid, _, order_type, reduce_only = init.groups()
            if order_type != "MARKET":
                if reduce_only == "true":
                    close_position.add(coid)
            elif reduce_only == "true":
                close = coid
            elif close is not None:
                flip_closes.append(close)
                close = None
        elif "OrderRejected(" in line and "-2022" in line:
            if (rejected := REJECTED.search(line)) is not None:
                refused.add(rejected.group(1))
        elif (held := HELD.search(line)) is not None:
            why_held[held.group(1)] = held.group(2)
        elif (sent := SENT.search(line)) is not None and sent.group(1) in why_held:
            held_ms[why_held.pop(sent.group(1))].append(float(sent.group(2)))
    return {
        "flips": len(flip_closes),
        "closes_refused": len(set(flip_closes) & refused),
        "close_position_refused": len(close_position & refused),
        "held_behind_ms": held_ms["behind"],
        "held_until_ms": held_ms["until"],
        "still_held": len(why_held),
    }


def run_once(seed: int, duration: float, keep: Path | None) -> dict[str, Any]:
    argv = [str(EXEC_KIT), "live", "--env", "sandbox", "--duration", str(duration),
            "--seed", str(seed), "--strategy-config", json.dumps(STRATEGY_CONFIG)]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=str(ROOT),
                          timeout=duration + 120, check=False)
    log = done.stdout + done.stderr
    if keep is not None:
        (keep / f"run-{seed}.log").write_text(ANSI.sub("", log))
    figures = read_log(log.splitlines())
    figures["exit"] = done.returncode
    return figures


def _ms(values: list[float]) -> str:
    if not values:
        return "-"
    return f"median {statistics.median(values):.1f} ms, max {max(values):.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--keep", help="keep the node logs in this directory")
    args = parser.parse_args(argv)
    keep = Path(args.keep) if args.keep else None
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    totals = {"flips": 0, "closes_refused": 0, "close_position_refused": 0, "still_held": 0}
    behind: list[float] = []
    until: list[float] = []
    failed = 0
    for seed in range(1, args.runs + 1):
        figures = run_once(seed, args.duration, keep)
        for key in totals:
            totals[key] += int(figures[key])
        behind += figures["held_behind_ms"]
        until += figures["held_until_ms"]
        failed += figures["exit"] != 0
        print(f"run {seed}: exit {figures['exit']}, flips {figures['flips']}, closes refused "
              f"{figures['closes_refused']}, close_position refused "
              f"{figures['close_position_refused']}, held behind an earlier order "
              f"{len(figures['held_behind_ms'])} ({_ms(figures['held_behind_ms'])}), "
              f"held through a flip {len(figures['held_until_ms'])}", flush=True)
    print(f"total: {totals['flips']} flips, {totals['closes_refused']} ended flat (close "
          f"refused -2022), {totals['close_position_refused']} close_position orders refused; "
          f"held behind an earlier order: {len(behind)} ({_ms(behind)}); held through a flip: "
          f"{len(until)} ({_ms(until)}); never sent: {totals['still_held']}; "
          f"elapsed {time.monotonic() - started:.0f} s")
    median = statistics.median(behind) if behind else 0.0
    print(f"flips={totals['flips']} closes_refused={totals['closes_refused']} "
          f"close_position_refused={totals['close_position_refused']} held={len(behind)} "
          f"held_median_ms={median:.1f} held_max_ms={max(behind, default=0.0):.1f}")
    refused = totals["closes_refused"] + totals["close_position_refused"]
    return 1 if failed or refused else 0


if __name__ == "__main__":
    sys.exit(main())
