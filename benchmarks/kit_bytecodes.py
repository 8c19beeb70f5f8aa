"""Python bytecodes per order, plain against mixin: where the kit's per-order cost is, counted.

The order flow of ``backtest_throughput.py`` runs almost entirely in Nautilus' compiled code:
its plain strategy executes about 40 Python bytecodes per order. Everything the kit adds per
order is Python, so its cost is close to proportional to the bytecodes it executes: on this box,
with the caches cold between two orders, about 60 ns each (``backtest_throughput.py``'s gap
divided by this script's count). Unlike a timing, the count is exact and the same on every run,
so it tells whether a change removed work, and from which function.

Counted with ``sys.monitoring`` (Python >= 3.12) over ``engine.run()`` only, one backtest per
kind in a fresh process; the table lists every function that executes at least half a bytecode
per order.

    .venv/bin/python benchmarks/kit_bytecodes.py [--ticks 2000]

Last line: ``kit_bytecodes_per_order=<mixin - plain>``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import CodeType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backtest_throughput import prepare

_TOOL_ID = 3  # a sys.monitoring id no debugger, coverage tool or profiler claims (0, 1, 2, 5)


def _count(kind: str, ticks: int) -> dict[str, Any]:
    """Run one backtest of ``kind``, counting the bytecodes and calls of every code object."""
    engine, strategy = prepare(kind, ticks)
    ops: Counter[CodeType] = Counter()
    calls: Counter[CodeType] = Counter()
    monitoring = sys.monitoring

    def on_instruction(code: CodeType, _offset: int) -> None:
        ops[code] += 1

    def on_start(code: CodeType, _offset: int) -> None:
        calls[code] += 1

    monitoring.use_tool_id(_TOOL_ID, "kit_bytecodes")
    monitoring.register_callback(_TOOL_ID, monitoring.events.INSTRUCTION, on_instruction)
    monitoring.register_callback(_TOOL_ID, monitoring.events.PY_START, on_start)
    monitoring.set_events(_TOOL_ID, monitoring.events.INSTRUCTION | monitoring.events.PY_START)
    try:
        engine.run()
    finally:
        monitoring.set_events(_TOOL_ID, 0)
        monitoring.free_tool_id(_TOOL_ID)
    orders = strategy.sent
    engine.dispose()
    rows = [
        {
            "function": f"{Path(code.co_filename).name}:{code.co_firstlineno} {code.co_qualname}",
            "ops": count / orders,
            "calls": calls[code] / orders,
        }
        for code, count in ops.most_common()
        if count * 2 >= orders  # at least half a bytecode per order
    ]
    return {"orders": orders, "ops": sum(ops.values()) / orders, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=2_000)
    parser.add_argument("--child", choices=("plain", "mixin"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_count(args.child, args.ticks)))
        return
    results = {}
    for kind in ("plain", "mixin"):
        out = subprocess.run(
            [sys.executable, "-W", "ignore", __file__, "--child", kind, "--ticks",
             str(args.ticks)],
            check=True, capture_output=True, text=True,
        ).stdout
        results[kind] = json.loads(out.strip().splitlines()[-1])
    for kind, result in results.items():
        print(f"{kind}: {result['ops']:.1f} bytecodes per order ({result['orders']} orders)")
        print(f"  {'ops/order':>10}{'calls/order':>12}  function")
        for row in result["rows"]:
            print(f"  {row['ops']:>10.1f}{row['calls']:>12.2f}  {row['function']}")
    extra = results["mixin"]["ops"] - results["plain"]["ops"]
    print(f"kit_bytecodes_per_order={extra:.0f}")


if __name__ == "__main__":
    main()
