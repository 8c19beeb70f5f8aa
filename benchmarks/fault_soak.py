"""Fault soak: >= 1000 mixed orders against the sandbox with seeded faults and kill -9 restarts.

A real TradingNode (Binance adapter, Redis-backed cache, the kit's ReconciliationGuard with its
fill de-duplication and unknown-outcome hold) runs in a subprocess and is SIGKILLed between
phases; each new node reloads from Redis and reconciles with the venue. Faults, drawn with a
seeded RNG per batch: -1007 where the venue placed / did not place the order, 503 HTML pages,
dropped ORDER_TRADE_UPDATE frames, user-stream disconnects, listenKey expiry. At the end the
node's orders and positions are compared with the venue's truth.

The node checks its orders the kit's way (``live/order_check.py``: the orders in doubt, one
query each, and a cheap reconciliation after each user-stream reconnect); ``--checks nautilus``
runs Nautilus' own open-order check instead (``open_check_open_only=False`` every 10 s, the
adapter's full mass status after each reconnect: the kit's previous set-up) and
``--checks nautilus-open-only`` Nautilus' default (``open_check_open_only=True``), to compare.

Usage::

    .venv/bin/python benchmarks/fault_soak.py --orders 1000 --seed 7 [--checks nautilus]

``benchmarks/multi_symbol_soak.py`` runs the same soak (this module's :func:`soak`) on many
symbols.

The last line is machine-readable:
``orders=<n> lost=<n> duplicated=<n> positions_match=<true|false> peak_weight_pct=<x>``.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import attrs

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nautilus_exec_kit.core.weights import request_weight  # noqa: E402
from nautilus_exec_kit.sandbox import (  # noqa: E402
    FaultKind,
    FaultRule,
    PriceProcess,
    SandboxConfig,
    SymbolSpec,
    run_sandbox_in_thread,
)
from tests.restart.driver import (  # noqa: E402
    API_KEY,
    API_SECRET,
    NodeProcess,
    node_spec,
    redis_server_process,
)
from tests.restart.helpers import node_vs_venue  # noqa: E402

#: The engine's continuous position check, and Nautilus' open-order check when it runs
#: (LiveExecEngineConfig); without an order check an order whose fill frames were lost stays
#: open in the node.
CHECK_SECS = 10.0
#: Binance's request weight limit per minute (the soak reports its heaviest minute against it).
WEIGHT_LIMIT = 2400
#: How the node checks its orders: the spec keys of each choice (tests/restart/node_process.py).
CHECKS: dict[str, dict[str, Any]] = {
    "kit": {"open_check_interval_secs": None},
    "nautilus": {"order_check": False, "open_check_interval_secs": CHECK_SECS,
                 "open_check_open_only": False},
    "nautilus-open-only": {"order_check": False, "open_check_interval_secs": CHECK_SECS,
                           "open_check_open_only": True},
}
BATCH = 8
#: Seconds between batches.
PACE_S = 0.75
#: An order's notional, as a multiple of its symbol's minimum notional (BTCUSDT: 0.003 BTC).
NOTIONAL_MULTIPLE = Decimal("1.5")
#: A LIMIT rests 1..40 steps of this share of the price away from the last price (BTCUSDT at
#: 50 000: 0.5 USDT steps).
LIMIT_STEP = Decimal("0.00001")
IN_FLIGHT = ("INITIALIZED", "SUBMITTED", "PENDING_CANCEL", "PENDING_UPDATE")
VENUE_OPEN = ("NEW", "PARTIALLY_FILLED")


@attrs.frozen
class SoakPlan:
    """One soak: how many orders on which symbols, with or without faults and kills."""

    orders: int
    seed: int
    restarts: int
    symbols: tuple[SymbolSpec, ...] = (SymbolSpec(),)
    faults: bool = True
    batch: int = BATCH
    pace_s: float = PACE_S
    #: ``BinanceExecClientConfig.max_retries`` (the kit's production value: 0).
    adapter_retries: int = 0
    checks: str = "kit"
    #: How often the node writes its view of the world (ms); a big soak makes it costly.
    state_interval_ms: int = 200
    balance: Decimal = Decimal("10000")


def _faults(rng: random.Random) -> list[Any]:
    """The faults of one batch (often none)."""
    roll = rng.random()
    order_post = {"path": "/fapi/v1/order", "method": "POST", "count": 1,
                  "skip": rng.randrange(4)}
    table: list[tuple[float, Any]] = [
        (0.08, FaultRule(kind=FaultKind.TIMEOUT_PLACED, **order_post)),
        (0.16, FaultRule(kind=FaultKind.TIMEOUT_NOT_PLACED, **order_post)),
        (0.22, FaultRule(kind=FaultKind.HTTP_ERROR, status=503, **order_post)),
        (0.30, FaultRule(kind=FaultKind.DROP_USER_FRAMES, event="ORDER_TRADE_UPDATE",
                         count=2, skip=rng.randrange(4))),
        (0.34, "disconnect"),
        (0.37, "expire"),
    ]
    for threshold, fault in table:
        if roll < threshold:
            return [fault]
    return []


def instrument_id(spec: SymbolSpec) -> str:
    """The Nautilus instrument ID of a sandbox symbol."""
    return f"{spec.symbol}-PERP.BINANCE"


def quantity(spec: SymbolSpec) -> Decimal:
    """An order size of ``NOTIONAL_MULTIPLE`` x the symbol's minimum notional at its start price,
    in whole steps (BTCUSDT: 0.003)."""
    steps = (spec.min_notional * NOTIONAL_MULTIPLE / spec.start_price / spec.step_size)
    size = steps.to_integral_value(rounding=ROUND_CEILING) * spec.step_size
    return max(size, spec.min_qty).quantize(spec.step_size)


def _on_tick(price: Decimal, tick: Decimal) -> Decimal:
    return ((price / tick).to_integral_value() * tick).quantize(tick)


def _order(rng: random.Random, spec: SymbolSpec, last: Decimal) -> dict[str, Any]:
    kind = rng.choices(["MARKET", "LIMIT", "STOP_MARKET"], weights=[4, 3, 1])[0]
    side = rng.choice(["BUY", "SELL"])
    item: dict[str, Any] = {"op": "submit", "kind": kind, "side": side,
                            "qty": str(quantity(spec)), "iid": instrument_id(spec)}
    if kind == "LIMIT":
        offset = Decimal(rng.randint(1, 40)) * _on_tick(spec.start_price * LIMIT_STEP,
                                                        spec.tick_size)
        price = last - offset if side == "BUY" else last + offset
        item["price"] = str(_on_tick(price, spec.tick_size))
    elif kind == "STOP_MARKET":
        trigger = last * (Decimal("1.1") if side == "BUY" else Decimal("0.9"))
        item["trigger"] = str(_on_tick(trigger, spec.tick_size))
    return item


def _batch(rng: random.Random, plan: SoakPlan, books: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for _ in range(plan.batch):
        # One symbol: no draw, so the one-symbol soak's orders stay those of its seed.
        spec = rng.choice(plan.symbols) if len(plan.symbols) > 1 else plan.symbols[0]
        items.append(_order(rng, spec, Decimal(books[spec.symbol]["last"])))
    return items


def _venue_view(truth: dict[str, Any]) -> tuple[dict[str, str], Counter[str], Counter[str]]:
    status: dict[str, str] = {}
    rows: Counter[str] = Counter()
    for order in truth["orders"]:
        status[order["clientOrderId"]] = order["status"]
        rows[order["clientOrderId"]] += 1
    for algo in truth["algo_orders"]:
        coid = algo["clientAlgoId"]
        rows[coid] += 1
        if coid not in status:
            status[coid] = "NEW" if algo["algoStatus"] == "NEW" else algo["algoStatus"]
    posts: Counter[str] = Counter()
    for entry in truth["request_log"]:
        if entry["method"] == "POST" and entry["status"] == 200 and entry["path"] in (
            "/fapi/v1/order", "/fapi/v1/algoOrder"
        ):
            params = entry["params"]
            posts[params.get("newClientOrderId") or params.get("clientAlgoId") or ""] += 1
    return status, rows, posts


def weight_figures(request_log: list[dict[str, Any]],
                   ) -> tuple[int, int, Counter[str]]:
    """The heaviest clock minute's REST request weight as the venue charges it (Binance's
    limit: 2400; order entry weighs 0 there, as on Binance), how many requests the venue refused
    for the rate limit or a ban (HTTP 429 / 418), and that minute's weight by route."""
    per_minute: Counter[int] = Counter()
    routes: dict[int, Counter[str]] = {}
    limited = 0
    for entry in request_log:
        if entry["method"] == "WS":
            continue
        minute = entry["t"] // 60_000
        weight = request_weight(entry["method"], entry["path"], entry["params"])
        per_minute[minute] += weight
        routes.setdefault(minute, Counter())[f"{entry['method']} {entry['path']}"] += weight
        limited += entry["status"] in (418, 429)
    if not per_minute:
        return 0, limited, Counter()
    heaviest = max(per_minute, key=per_minute.__getitem__)
    return per_minute[heaviest], limited, routes[heaviest]


def _lost(coid: str, node: dict[str, Any] | None, venue_status: str | None) -> bool:
    """The node and venue disagree on what became of this order."""
    node_open = bool(node and node["is_open"])
    venue_open = venue_status in VENUE_OPEN
    if node_open != venue_open:
        return True
    if venue_status == "FILLED" and (node is None or node["status"] != "FILLED"):
        return True
    return venue_status is None and node is not None and node["status"] == "FILLED"


def _sandbox_config(plan: SoakPlan) -> SandboxConfig:
    return SandboxConfig(
        seed=plan.seed, symbols=plan.symbols,
        prices=PriceProcess(volatility_bps=1.0, mark_basis_bps=0.5),
        balances=(("USDT", plan.balance),),
        market_data_interval_ms=100, algo_event_gap_ms=30, gtd_min_lead_ms=0,
        api_key=API_KEY, api_secret=API_SECRET,
    )


def soak(plan: SoakPlan, workdir: Path) -> dict[str, Any]:
    """Run one soak; return the figures (see :func:`print_figures`)."""
    rng = random.Random(plan.seed)
    sent: list[str] = []
    kinds: dict[str, str] = {}
    nodes: list[NodeProcess] = []
    started = time.monotonic()
    batches = -(-plan.orders // plan.batch)
    restarts = plan.restarts if plan.faults else 0
    kill_at = {batches * (i + 1) // (restarts + 1) for i in range(restarts)}
    with contextlib.ExitStack() as stack:
        redis = stack.enter_context(redis_server_process())
        sandbox = stack.enter_context(run_sandbox_in_thread(_sandbox_config(plan)))
        # first on the way out, also when the soak fails half-way: no node outlives it
        stack.callback(lambda: [n.kill() for n in nodes])
        venue = sandbox.venue
        spec = node_spec(venue, redis, max_retries=plan.adapter_retries,
                         position_check_interval_secs=CHECK_SECS,
                         instrument_ids=[instrument_id(s) for s in plan.symbols],
                         state_interval_ms=plan.state_interval_ms, **CHECKS[plan.checks])
        node = NodeProcess(workdir, spec)
        nodes.append(node)
        node.wait_started(timeout=60)
        for index in range(batches):
            if index in kill_at:
                node.kill()
                node = NodeProcess(workdir, spec)
                nodes.append(node)
                node.wait_state(lambda s: s["guard_checks"] >= 1, timeout=90, what="restart")
            for fault in _faults(rng) if plan.faults else []:
                if fault == "disconnect":
                    venue.faults.disconnect_user_streams()
                elif fault == "expire":
                    venue.faults.expire_listen_keys()
                else:
                    venue.faults.add(fault)
            items = _batch(rng, plan, venue.truth()["books"])[: plan.orders - len(sent)]
            ids = node.command(op="batch", items=items, timeout=30)
            sent.extend(ids)
            kinds.update(zip(ids, (item["kind"] for item in items), strict=True))
            if index % 2 == 1:
                node.command(op="cancel_all")
            # One-symbol soak: ~11 orders/s. The heaviest minute weighed 2100-2260 of the 2400
            # limit with Nautilus' checks (docs/production.md, section 10); at 0.5 s two of
            # four runs were banned.
            time.sleep(plan.pace_s)
        venue.faults.clear()
        node.command(op="cancel_all")

        def settled(state: dict[str, Any]) -> bool:
            status, _, _ = _venue_view(venue.truth())
            if any(o["status"] in IN_FLIGHT for o in state["orders"]):
                return False
            node_open = {o["coid"] for o in state["orders"] if o["is_open"]}
            venue_open = {c for c, s in status.items() if s in VENUE_OPEN}
            return node_open == venue_open and node_vs_venue(state, venue, hedge=False).ok

        converged = True
        try:
            state = node.wait_state(settled, timeout=120, what="node converged with the venue")
        except AssertionError:
            converged = False  # compared as it stands: a disagreement then counts as lost
            state = node.state() or {"orders": [], "positions": []}
        truth = venue.truth()
        status, rows, posts = _venue_view(truth)
        node_orders = {o["coid"]: o for o in state["orders"]}
        acknowledged = sum(1 for c in sent if c in status)
        filled = sum(1 for c in sent if status.get(c) == "FILLED")
        markets = [c for c in sent if kinds[c] == "MARKET"]
        markets_filled = sum(1 for c in markets if status.get(c) == "FILLED")
        lost = [c for c in sent if _lost(c, node_orders.get(c), status.get(c))]
        duplicated = [c for c in sent if rows[c] > 1 or posts[c] > 1]
        check = node_vs_venue(state, venue, hedge=False)
        venue_filled = {o["clientOrderId"]: o["executedQty"] for o in truth["orders"]}
        fill_diffs = [
            (c, o["filled"], venue_filled.get(c)) for c, o in node_orders.items()
            if Decimal(o["filled"]) != Decimal(venue_filled.get(c) or 0)
        ]
        dup_detail = [(c, rows[c], posts[c]) for c in duplicated]
        peak_weight, rate_limited, peak_routes = weight_figures(
            truth["request_log"])
        secret_leaks = sum(API_SECRET in n.log_text() for n in nodes)
    return {
        "symbols": len(plan.symbols), "orders": len(sent), "acknowledged": acknowledged,
        "filled": filled, "lost": len(lost), "duplicated": len(duplicated),
        "positions_match": check.ok, "restarts": len(nodes) - 1,
        "secret_leaks": secret_leaks, "elapsed_s": round(time.monotonic() - started, 1),
        # MARKET orders are the ones meant to fill (LIMITs rest near the touch, stops far away)
        "meant_to_fill": len(markets), "markets_filled": markets_filled,
        "fill_rate": round(markets_filled / len(markets), 5) if markets else 1.0,
        "lost_ids": lost[:10], "fill_diffs": fill_diffs[:10], "dup_detail": dup_detail[:10],
        # what each side said of a lost order: (id, node status, node open, venue status)
        "lost_detail": [
            (c, (node_orders.get(c) or {}).get("status"), (node_orders.get(c) or {}).get("is_open"),
             status.get(c))
            for c in lost[:10]
        ],
        "converged": converged,
        "peak_weight_per_minute": peak_weight,
        "peak_weight_pct": round(100 * peak_weight / WEIGHT_LIMIT, 1),
        "peak_minute_routes": peak_routes.most_common(8),
        "rate_limited": rate_limited,
        "order_check": state.get("order_check"),
        "node_weight": state.get("weight"),
        "adapter_retries": plan.adapter_retries, "checks": plan.checks,
        "workdir": str(workdir),
        "position_check": check.describe(),
    }


def print_figures(figures: dict[str, Any]) -> None:
    """The figures a person reads (the machine-readable line is each script's own)."""
    for key in ("symbols", "orders", "acknowledged", "filled", "meant_to_fill", "markets_filled",
                "fill_rate", "lost", "duplicated", "restarts", "secret_leaks", "elapsed_s",
                "peak_weight_per_minute", "peak_weight_pct", "peak_minute_routes",
                "rate_limited", "order_check", "node_weight"):
        print(f"{key:>22}: {figures[key]}")
    print(f"{'adapter retry':>22}: max_retries={figures['adapter_retries']}")
    print(f"{'order checks':>22}: {figures['checks']}")
    print(f"{'positions':>22}: {figures['position_check']}")
    print(f"{'converged':>22}: {figures['converged']}")
    for key in ("lost_detail", "dup_detail", "fill_diffs"):
        if figures[key]:
            print(f"{key:>22}: {figures[key]}")


def run(orders: int, seed: int, restarts: int, workdir: Path, quiet: bool = False,
        adapter_retries: int = 0, checks: str = "kit") -> dict[str, Any]:
    """The one-symbol soak (BTCUSDT); return the figures.

    ``adapter_retries`` is ``BinanceExecClientConfig.max_retries``. The kit's production value is
    0: the adapter re-sends a -1007 submit with the same client id, and Binance only refuses a
    duplicate client id among OPEN orders, so an order that filled at once executes twice.
    """
    figures = soak(SoakPlan(orders=orders, seed=seed, restarts=restarts,
                            adapter_retries=adapter_retries, checks=checks), workdir)
    if not quiet:
        print_figures(figures)
    return figures


def in_workdir(keep: str | None, prefix: str) -> contextlib.AbstractContextManager[str]:
    """``keep`` (created), or a temporary directory removed afterwards."""
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        return contextlib.nullcontext(keep)
    return tempfile.TemporaryDirectory(prefix=prefix)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--restarts", type=int, default=3)
    parser.add_argument("--keep", help="keep node logs in this directory")
    parser.add_argument("--adapter-retries", type=int, default=0,
                        help="BinanceExecClientConfig.max_retries (the kit's production value: 0)")
    parser.add_argument("--checks", choices=sorted(CHECKS), default="kit",
                        help="how the node checks its orders (default: the kit's order check)")
    args = parser.parse_args(argv)
    with in_workdir(args.keep, "fault-soak-") as workdir:
        figures = run(args.orders, args.seed, args.restarts, Path(workdir),
                      adapter_retries=args.adapter_retries, checks=args.checks)
    print(f"orders={figures['orders']} lost={figures['lost']} "
          f"duplicated={figures['duplicated']} "
          f"positions_match={str(figures['positions_match']).lower()} "
          f"peak_weight_pct={figures['peak_weight_pct']}")
    return 0 if figures["lost"] == 0 and figures["duplicated"] == 0 and \
        figures["positions_match"] else 1


if __name__ == "__main__":
    sys.exit(main())
