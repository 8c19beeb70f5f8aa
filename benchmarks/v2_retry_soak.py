"""Does NautilusTrader 2's own submit retry execute an order twice? ``max_retries`` 0 vs 3.

On NautilusTrader 1.231 the kit's node keeps the Binance exec client's ``max_retries=0``: the
adapter retries a -1007 ("send status unknown") submit under the SAME client order ID, Binance
refuses a repeated ID only while the first order is open, so a first attempt that was placed
and filled at once executes twice (``benchmarks/fault_soak.py``, docs/production.md). This
re-measures the reasoning on 2.0.0rc6.

Each run: a fresh sandbox (in this process) and a v2 ``LiveNode`` from the kit's factory
(``nautilus_exec_kit.v2.live.build_live_node``, in a ``.venv-v2`` subprocess) running a kit
strategy that arms one sandbox fault (``POST /admin/faults``) right before each order
(:data:`INTENTS`):

* placed, then an ambiguous answer: ``timeout_placed`` (503 -1007) on two MARKET orders (they
  fill at once) and on a resting LIMIT (a same-ID resend meets -4116), ``timeout_placed``
  answering 503 -1001 instead (Binance: a 5xx means "execution status unknown"; -1001 is one
  of the codes v1's adapter retried), and a -1007 MARKET whose NEW and TRADE frames are
  dropped as well (the node learns of the fill only by asking the venue);
* not placed: ``timeout_not_placed`` (503 -1007) and a 429 -1003 on MARKET orders (a resend,
  the adapter's or the kit's, is what executes them; a same-ID resend here is harmless and
  shows whether the adapter retries at all);
* a clean MARKET order.

Four runs, side by side (in parallel, one sandbox each): ``max_retries`` 0 and 3, each over the
WS API (v2's default order path, ``use_ws_trading=True``) and over REST
(``use_ws_trading=False``). Per run: orders (intents), acknowledged (intents the venue holds a
row of), executed, lost (node and venue disagree on what the intent executed or whether it
rests), duplicated (the venue executed an intent more than once, under one client order ID or
across the kit's fresh-ID resends), adapter resends (order requests beyond the orders the node
sent: the adapter's own same-ID retries).

Usage::

    .venv-v2/bin/python benchmarks/v2_retry_soak.py [--keep DIR]

The last line is machine-readable (each figure summed over both transports)::

    v2_retries=0 duplicated=<n> lost=<n> | v2_retries=3 duplicated=<n> lost=<n>
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.nautilus2.node_runner import run_until_report  # noqa: E402

MARK: Final = "RETRY-REPORT "
QTY: Final = Decimal("0.010")
API_KEY, API_SECRET = "sandbox-api-key", "sandbox-api-secret"
TRANSPORTS: Final = ("ws_api", "rest")
RETRIES: Final = (0, 3)
#: Binance's text of a -1001 (an internal error, answered with a 5xx).
INTERNAL_MSG: Final = "Internal error; unable to process your request. Please try again."
#: The intents, each with the fault armed right before it: (name, fault rule or None, order
#: kind, side). ``frames_dropped`` also drops that many ORDER_TRADE_UPDATE frames.
INTENTS: Final[tuple[tuple[str, dict[str, Any] | None, str, str], ...]] = (
    ("placed_1007_market_buy", {"kind": "timeout_placed"}, "MARKET", "BUY"),
    ("placed_1007_market_sell", {"kind": "timeout_placed"}, "MARKET", "SELL"),
    ("placed_1007_limit", {"kind": "timeout_placed"}, "LIMIT", "BUY"),
    ("placed_1001_market_buy", {"kind": "timeout_placed", "status": 503, "code": -1001,
                                "msg": INTERNAL_MSG}, "MARKET", "BUY"),
    # ... and its NEW and TRADE frames lost too: the node learns the fill only by asking
    ("placed_1007_unseen_sell", {"kind": "timeout_placed", "frames_dropped": 2}, "MARKET",
     "SELL"),
    ("not_placed_1007_market", {"kind": "timeout_not_placed"}, "MARKET", "SELL"),
    ("not_placed_1003_market", {"kind": "binance_error", "status": 429, "code": -1003,
                                "msg": "Too many requests."}, "MARKET", "BUY"),
    ("clean_market", None, "MARKET", "SELL"),
)
#: Quotes between two intents (the sandbox streams one every ~100 ms): each fault is spent
#: before the next one is armed.
SPACING_QUOTES: Final = 3
#: Seconds after the last intent before the report: v2's in-flight check gives up on an
#: ambiguous submit about 10 s after it against the sandbox, the kit's reconcile wait and its
#: fresh-ID resend follow.
SETTLE_S: Final = 26.0
#: Venue order requests (WS API method or REST route) that place a regular order.
PLACE_REQUESTS: Final = frozenset({("WS", "order.place"), ("POST", "/fapi/v1/order")})


# -- the node side (runs in the .venv-v2 subprocess) -------------------------------------------


def node_main(http: str, ws: str, ws_api: str, token: str, retries: int, transport: str) -> None:
    """Build the kit's v2 node, send :data:`INTENTS`, print a report once settled."""
    from nautilus_trader.model import InstrumentId, OrderSide, StrategyId
    from nautilus_trader.trading import Strategy

    from nautilus_exec_kit.secrets import Secret
    from nautilus_exec_kit.v2.config import ExecKitConfig
    from nautilus_exec_kit.v2.live import Credentials, SandboxEndpoints, build_live_node
    from nautilus_exec_kit.v2.mixin import ExecutionMixin

    iid = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
    plan = {5 + i * SPACING_QUOTES: intent for i, intent in enumerate(INTENTS)}
    last_step = max(plan)

    def post_rule(body: dict[str, Any]) -> None:
        request = urllib.request.Request(
            f"{http}/admin/faults", data=json.dumps(body).encode(), method="POST",
            headers={"X-Sandbox-Admin-Token": token, "Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=5).read()

    def arm(rule: dict[str, Any]) -> None:
        rule = dict(rule)
        dropped = rule.pop("frames_dropped", 0)
        if dropped:
            post_rule({"kind": "drop_user_frames", "event": "ORDER_TRADE_UPDATE",
                       "count": dropped})
        post_rule({"path": "/fapi/v1/order", "method": "POST", "count": 1, **rule})

    class RetryProbe(ExecutionMixin, Strategy):  # type: ignore[misc]
        def __init__(self, config: ExecKitConfig) -> None:
            super().__init__(config)
            self.quotes = 0
            self.sent: dict[str, str] = {}
            self.errors: list[str] = []
            self.done_at: float | None = None
            self.reported = False

        def on_start(self) -> None:
            self.subscribe_quotes(iid)

        def on_quote(self, quote: Any) -> None:
            if self.exec_kit_position_check() is None:
                return  # the kit sends nothing before its start-up position check
            self.quotes += 1
            if self.quotes == last_step:
                self.done_at = time.monotonic()
            if self.done_at is not None and not self.reported and (
                    time.monotonic() - self.done_at > SETTLE_S):
                self.reported = True
                self.report()
            intent = plan.get(self.quotes)
            if intent is None:
                return
            name, fault, kind, side = intent
            try:
                if fault is not None:
                    arm(fault)
                nt_side = OrderSide.BUY if side == "BUY" else OrderSide.SELL
                if kind == "MARKET":
                    order = self.submit_market(iid, nt_side, str(QTY))
                else:  # far below the market: it rests
                    price = f"{round(quote.bid_price.as_double() * 0.9, 1):.1f}"
                    order = self.submit_limit(iid, nt_side, str(QTY), price)
                self.sent[name] = order.client_order_id.value
            except Exception as error:
                self.errors.append(f"{name}: {type(error).__name__}: {error}")

        def report(self) -> None:
            cache = self._kit_cache
            orders = [
                {"coid": o.client_order_id.value, "status": o.status.name,
                 "side": o.side.name, "filled": str(o.filled_qty),
                 "open": cache.is_order_open(o.client_order_id), "tags": list(o.tags or [])}
                for o in cache.orders()
            ]
            out = {"sent": self.sent, "orders": orders, "errors": self.errors,
                   "decisions": [[d.action.value, d.reason.key]
                                 for d in self.exec_kit_policy.decisions]}
            print(MARK + json.dumps(out), flush=True)

    strategy = RetryProbe(ExecKitConfig(strategy_id=StrategyId.from_str("RETRY-001")))
    node = build_live_node(
        [strategy], environment="sandbox", endpoints=SandboxEndpoints(http, ws, ws_api),
        credentials=Credentials(Secret(API_KEY), Secret(API_SECRET)),
        max_retries=retries, use_ws_trading=transport == "ws_api",
    )
    node.run()


# -- the measuring side --------------------------------------------------------------------------


def _run_node(venue: Any, retries: int, transport: str) -> tuple[dict[str, Any], str]:
    """Run the node until it reported (or 120 s passed), then SIGINT it."""
    reports, log = run_until_report(
        [sys.executable, str(Path(__file__).resolve()), "--node", venue.base_url_http,
         f"{venue.base_url_ws}/ws", venue.base_url_ws_api, venue.admin_token, str(retries),
         transport], MARK, timeout_s=120)
    if not reports:
        raise RuntimeError(f"the node never reported:\n{log[-4000:]}")
    return reports[0], log


def figures_of(report: dict[str, Any], truth: dict[str, Any]) -> dict[str, Any]:
    """Per intent: what the venue executed (every row of every client order ID the intent
    used: the original and the kit's fresh-ID resends) against what the node booked."""
    from nautilus_trader.adapters.binance import decode_binance_futures_client_order_id

    ids: dict[str, list[str]] = {name: [coid] for name, coid in report["sent"].items()}
    origin = {coid: name for name, coid in report["sent"].items()}
    node_filled: dict[str, Decimal] = defaultdict(Decimal)
    node_open: dict[str, bool] = defaultdict(bool)
    node_net = Decimal(0)
    for order in report["orders"]:
        sign = 1 if order["side"] == "BUY" else -1
        node_net += sign * Decimal(order["filled"])
        first = next((t.split("=", 1)[1] for t in order["tags"] if t.startswith("retry-of=")),
                     order["coid"])
        name = origin.get(first)
        if name is None:
            continue
        if order["coid"] != first:
            ids[name].append(order["coid"])
        node_filled[name] += Decimal(order["filled"])
        node_open[name] |= bool(order["open"])
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in truth["orders"]:  # the adapter encodes client order IDs on the wire
        rows[decode_binance_futures_client_order_id(row["clientOrderId"])].append(row)
    per_intent: dict[str, dict[str, Any]] = {}
    for name, coids in ids.items():
        venue_rows = [r for c in coids for r in rows.get(c, [])]
        executed = sum((Decimal(r["executedQty"]) for r in venue_rows), Decimal(0))
        live_rows = sum(r["status"] in ("NEW", "PARTIALLY_FILLED", "FILLED") for r in venue_rows)
        venue_open = any(r["status"] in ("NEW", "PARTIALLY_FILLED") for r in venue_rows)
        per_intent[name] = {
            "ids": len(coids), "venue_rows": len(venue_rows), "executed": str(executed),
            "node_filled": str(node_filled[name]), "venue_open": venue_open,
            "node_open": node_open[name],
            "duplicated": executed > QTY or live_rows > 1,
            "lost": executed != node_filled[name] or venue_open != node_open[name],
        }
    placed = Counter((r["method"], r["path"]) for r in truth["request_log"])
    requests = sum(n for key, n in placed.items() if key in PLACE_REQUESTS)
    venue_net = sum((Decimal(p["positionAmt"]) for p in truth["positions"]), Decimal(0))
    return {
        "orders": len(ids),
        "acknowledged": sum(1 for v in per_intent.values() if v["venue_rows"]),
        "executed": sum(1 for v in per_intent.values() if Decimal(v["executed"])),
        "lost": sum(1 for v in per_intent.values() if v["lost"]),
        "duplicated": sum(1 for v in per_intent.values() if v["duplicated"]),
        "kit_resends": sum(len(c) - 1 for c in ids.values()),
        "adapter_resends": requests - len(report["orders"]),
        "venue_net": str(venue_net), "node_net": str(node_net),
        "positions_match": venue_net == node_net,
        "per_intent": per_intent, "errors": report["errors"],
        "decisions": report["decisions"],
    }


def measure(retries: int, transport: str, keep: Path | None = None) -> dict[str, Any]:
    """One run: a fresh sandbox, the node against it, the figures."""
    from nautilus_exec_kit.sandbox import PriceProcess, SandboxConfig, run_sandbox_in_thread

    handle = run_sandbox_in_thread(SandboxConfig(
        prices=PriceProcess(volatility_bps=2), api_key=API_KEY, api_secret=API_SECRET))
    try:
        report, log = _run_node(handle.venue, retries, transport)
        truth = handle.venue.truth()
    finally:
        handle.stop()
    if keep is not None:
        (keep / f"node-{transport}-{retries}.log").write_text(log)
    figures = figures_of(report, truth)
    figures["secret_logged"] = API_SECRET in log
    return figures


def _print_run(retries: int, transport: str, f: dict[str, Any]) -> None:
    print(f"max_retries={retries} {transport:>6}: orders={f['orders']} "
          f"acknowledged={f['acknowledged']} executed={f['executed']} lost={f['lost']} "
          f"duplicated={f['duplicated']} adapter_resends={f['adapter_resends']} "
          f"kit_resends={f['kit_resends']} venue_net={f['venue_net']} "
          f"node_net={f['node_net']} positions_match={f['positions_match']} "
          f"secret_logged={f['secret_logged']}")
    for name, v in f["per_intent"].items():
        flags = [k for k in ("lost", "duplicated") if v[k]]
        print(f"    {name:<24} ids={v['ids']} venue_rows={v['venue_rows']} "
              f"executed={v['executed']} node_filled={v['node_filled']} "
              f"open(venue/node)={v['venue_open']}/{v['node_open']} {' '.join(flags)}")
    print(f"    kit decisions: {f['decisions']}")
    if f["errors"]:
        print(f"    errors: {f['errors']}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--node"]:  # the node subprocess (raw: the admin token may start with "-")
        http, ws, ws_api, token, retries, transport = argv[1:7]
        node_main(http, ws, ws_api, token, int(retries), transport)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="keep the node logs in this directory")
    args = parser.parse_args(argv)
    keep = Path(args.keep) if args.keep else None
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    runs = [(r, t) for t in TRANSPORTS for r in RETRIES]
    with ThreadPoolExecutor(len(runs)) as pool:
        results = list(pool.map(lambda run: measure(run[0], run[1], keep), runs))
    totals: dict[int, Counter[str]] = {r: Counter() for r in RETRIES}
    for (retries, transport), figures in zip(runs, results, strict=True):
        _print_run(retries, transport, figures)
        totals[retries].update(duplicated=figures["duplicated"], lost=figures["lost"])
    print(f"elapsed_s={time.monotonic() - started:.0f}")
    print(" | ".join(f"v2_retries={r} duplicated={t['duplicated']} lost={t['lost']}"
                     for r, t in totals.items()))
    if any(f["orders"] != len(INTENTS) for f in results):
        print("incomplete: a run did not send every intent (see its errors above)")
        return 1
    kit = totals[0]  # the kit's setting must neither duplicate nor lose an order
    return 1 if kit["duplicated"] or kit["lost"] else 0


if __name__ == "__main__":
    sys.exit(main())
