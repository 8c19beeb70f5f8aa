"""Third-party Binance clients against the sandbox: does every call work, does any attack get in?

Runs, each on a fresh venue: the ccxt ``binanceusdm`` REST flow, the ``ccxt.pro`` streams + WS API
flow, and Binance's official USDⓈ-M SDK (REST, WS API, WS streams), all unpatched; then the
attack probes (wrong keys, forged signatures, another key's listenKey, the admin API without its
token, ...) and a seeded corpus of malformed requests against every route.

Usage::

    .venv/bin/python benchmarks/peer_clients.py [--seed 7] [--per-route 20]

The last line is machine-readable:
``peer_calls_ok=<ok>/<total> auth_bypass=<n> non_json_errors=<n>``. Goal: all ok, 0, 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nautilus_exec_kit.sandbox import (  # noqa: E402
    ApiCredential,
    PriceProcess,
    SandboxConfig,
    run_sandbox_in_thread,
)
from nautilus_exec_kit.sandbox.symbols import universe  # noqa: E402
from tests.peers.ccxt_flow import ccxt_steps  # noqa: E402
from tests.peers.ccxt_pro_flow import ccxt_pro_steps  # noqa: E402
from tests.peers.probes import (  # noqa: E402
    SECOND_KEY,
    SECOND_SECRET,
    auth_probes,
    malformed_probe,
)
from tests.peers.sdk_flow import sdk_rest_steps, sdk_ws_steps  # noqa: E402

FLOWS = {"ccxt": ccxt_steps, "ccxt.pro": ccxt_pro_steps, "binance-sdk rest": sdk_rest_steps,
         "binance-sdk ws": sdk_ws_steps}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-route", type=int, default=20,
                        help="malformed requests per route")
    args = parser.parse_args()
    config = SandboxConfig(prices=PriceProcess(volatility_bps=0), gtd_min_lead_ms=0,
                           mark_price_interval_ms=200, seed=args.seed, symbols=universe(6),
                           extra_credentials=(ApiCredential(SECOND_KEY, SECOND_SECRET),))
    ok = total = 0
    for client, flow in FLOWS.items():
        with run_sandbox_in_thread(config) as handle:
            start = time.perf_counter()
            results = flow(handle.venue)
            took = time.perf_counter() - start
        passed = sum(r.ok for r in results)
        ok, total = ok + passed, total + len(results)
        print(f"{client:18s} {passed:3d}/{len(results):<3d} calls ok  ({took:.1f} s)")
        for r in results:
            if not r.ok:
                print(f"    FAILED {r.step}: {r.detail}")
    with run_sandbox_in_thread(config) as handle:
        probes = auth_probes(handle.venue)
        sent, non_json = malformed_probe(handle.venue, args.seed, args.per_route)
    bypasses = [name for name, got_in in probes if got_in]
    print(f"attack probes      {len(probes) - len(bypasses):3d}/{len(probes):<3d} refused"
          + (f"  GOT IN: {', '.join(bypasses)}" if bypasses else ""))
    print(f"malformed requests {sent - non_json:4d}/{sent:<4d} answered with Binance JSON")
    print(f"peer_calls_ok={ok}/{total} auth_bypass={len(bypasses)} non_json_errors={non_json}")
    return 0 if ok == total and not bypasses and not non_json else 1


if __name__ == "__main__":
    raise SystemExit(main())
