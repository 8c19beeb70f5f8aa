"""How much market data one sandbox process serves, for 1 symbol and for many.

For each symbol count, a fresh venue lists that many symbols (``sandbox.symbols.universe``: the
real presets, then synthetic ones), every symbol walks, and one client subscribes to what a
Nautilus data client subscribes for quotes and trades (``<sym>@bookTicker``, ``<sym>@aggTrade``)
plus the mark price (``<sym>@markPrice@1s``). The client counts the frames it receives; the venue
reports what its market loop costs per tick (moving prices: walk, matching, funding and
liquidation checks; sending: building, encoding and writing the frames).

Then, with the most symbols, the venue's order history grows by ``--orders`` placed-and-cancelled
orders plus resting ones, and the tick is measured again: a tick looks at each symbol's working
orders only, so the history must not slow it down.

Usage::

    .venv/bin/python benchmarks/sandbox_streams.py [--symbols 1 5 20 50] [--seconds 5]

The last line is machine-readable:
``frames_per_s_1=<n> frames_per_s_<N>=<n> tick_ms_1=<x> tick_ms_<N>=<x> tick_us_per_symbol_1=<x>
tick_us_per_symbol_<N>=<x> tick_ms_after_orders=<x>``: per-symbol cost flat (linear total) is the
goal, and the market tick must stay well under the 100 ms market interval.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from nautilus_exec_kit.sandbox import SandboxConfig, run_sandbox_in_thread  # noqa: E402
from nautilus_exec_kit.sandbox.symbols import universe  # noqa: E402
from tests.sandbox import rest_client  # noqa: E402


async def _count_frames(url: str, streams: list[str], seconds: float) -> int:
    """Subscribe to ``streams`` on one socket, as the Nautilus data client does; count frames."""
    frames = 0
    async with aiohttp.ClientSession() as session, session.ws_connect(url + "/stream") as ws:
        await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": streams, "id": 1}))
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                msg = await ws.receive(timeout=left)
            except TimeoutError:
                break
            if msg.type == aiohttp.WSMsgType.TEXT and '"stream"' in msg.data:
                frames += 1
    return frames


def _streams(config: SandboxConfig) -> list[str]:
    return [f"{s.symbol.lower()}@{kind}" for s in config.symbols
            for kind in ("bookTicker", "aggTrade", "markPrice@1s")]


def _load_orders(venue: Any, orders: int) -> None:
    """``orders`` placed and cancelled across the symbols, and one resting order per symbol."""
    url = venue.base_url_http
    specs = venue.config.symbols
    for i in range(orders):
        spec = specs[i % len(specs)]
        price = (spec.start_price * Decimal("0.97") // spec.tick_size) * spec.tick_size
        qty = max(spec.min_qty, (spec.min_notional * 2 / price // spec.step_size + 1)
                  * spec.step_size)
        status, body, _ = rest_client.call(url, "POST", "/fapi/v1/order", {
            "symbol": spec.symbol, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
            "quantity": str(qty), "price": str(price), "newClientOrderId": f"bench-{i}"})
        if status != 200:
            raise RuntimeError(f"{spec.symbol}: {body}")
        if i >= len(specs):  # keep the first order of each symbol resting
            rest_client.call(url, "DELETE", "/fapi/v1/order",
                             {"symbol": spec.symbol, "orderId": body["orderId"]})


def measure(count: int, seconds: float, orders: int = 0) -> dict[str, float]:
    config = SandboxConfig(symbols=universe(count), balances=(("USDT", 10_000_000),),
                           rate_limits=_unlimited())
    with run_sandbox_in_thread(config) as handle:
        venue = handle.venue
        if orders:
            _load_orders(venue, orders)
        time.sleep(0.5)
        before = venue.truth()["market_stats"]
        frames = asyncio.run(_count_frames(venue.base_url_ws, _streams(config), seconds))
        after = venue.truth()["market_stats"]
    ticks = max(1, after["ticks"] - before["ticks"])
    move = (after["move_ms_per_tick"] * after["ticks"]
            - before["move_ms_per_tick"] * before["ticks"]) / ticks
    send = (after["send_ms_per_tick"] * after["ticks"]
            - before["send_ms_per_tick"] * before["ticks"]) / ticks
    return {"frames_per_s": frames / seconds, "move_ms": move, "send_ms": send,
            "tick_ms": move + send, "tick_us_per_symbol": 1000 * (move + send) / count,
            "ticks_per_s": ticks / seconds}


def measure_with_node(count: int, seconds: float, orders_per_s: float) -> dict[str, float]:
    """A real TradingNode (the real Binance data + exec clients) subscribed to quotes and trades
    of every symbol, sending market orders round the symbols at ``orders_per_s``."""
    from nautilus_trader.model.enums import OrderSide
    from nautilus_trader.model.events import OrderFilled
    from nautilus_trader.model.identifiers import InstrumentId
    from nautilus_trader.model.objects import Quantity

    from tests.sandbox.node_harness import DriverStrategy, NodeHarness

    config = SandboxConfig(symbols=universe(count), balances=(("USDT", 10_000_000),),
                           rate_limits=_unlimited())
    ids = tuple(InstrumentId.from_str(f"{s.symbol}-PERP.BINANCE") for s in config.symbols)
    with run_sandbox_in_thread(config) as handle:
        venue = handle.venue
        node = NodeHarness(venue, config.api_key, str(config.api_secret),
                           strategy=DriverStrategy(ids), trader_id="BENCH-001",
                           log_level="ERROR")
        try:
            node.start()
            node.wait_until(lambda: all(node.strategy.quotes_by[i] for i in ids), 30)
            before, quotes = venue.truth()["market_stats"], node.strategy.quotes
            sent = 0
            started = time.monotonic()
            while (elapsed := time.monotonic() - started) < seconds:
                if sent < elapsed * orders_per_s:
                    spec = config.symbols[sent % count]
                    side = OrderSide.BUY if (sent // count) % 2 == 0 else OrderSide.SELL
                    qty = max(spec.min_qty, (spec.min_notional * 2 / spec.start_price
                                             // spec.step_size + 1) * spec.step_size)

                    def submit(i: InstrumentId = ids[sent % count], q: Decimal = qty,
                               s: OrderSide = side) -> None:
                        f = node.strategy.order_factory
                        node.strategy.submit_order(f.market(i, s, Quantity.from_str(str(q))))

                    node.call(submit)
                    sent += 1
                time.sleep(0.005)
            node.wait_until(lambda: sum(isinstance(e, OrderFilled)
                                        for e in node.strategy.events) >= sent, 30)
            after = venue.truth()["market_stats"]
            quotes = node.strategy.quotes - quotes
        finally:
            node.stop()
    ticks = max(1, after["ticks"] - before["ticks"])
    tick_ms = (after["move_ms_per_tick"] * after["ticks"] + after["send_ms_per_tick"]
               * after["ticks"] - before["move_ms_per_tick"] * before["ticks"]
               - before["send_ms_per_tick"] * before["ticks"]) / ticks
    return {"orders": sent, "node_quotes_per_s": quotes / seconds, "tick_ms": tick_ms,
            "max_tick_ms": after["max_tick_ms"], "ticks_per_s": ticks / seconds}


def _unlimited() -> Any:
    from nautilus_exec_kit.sandbox import RateLimits

    return RateLimits(weight_per_minute=10**9, orders_per_10s=10**9, orders_per_minute=10**9)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, nargs="+", default=[1, 5, 20, 50])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--orders", type=int, default=3000,
                        help="orders placed and cancelled before the last measurement")
    parser.add_argument("--node-orders-per-s", type=float, default=20.0,
                        help="market orders a second the TradingNode sends (0: no node run)")
    args = parser.parse_args()
    results = {}
    print(f"{'symbols':>8} {'frames/s':>10} {'ticks/s':>8} {'move ms':>8} {'send ms':>8} "
          f"{'tick ms':>8} {'us/symbol':>10}")
    for count in args.symbols:
        r = results[count] = measure(count, args.seconds)
        print(f"{count:>8} {r['frames_per_s']:>10.0f} {r['ticks_per_s']:>8.1f} "
              f"{r['move_ms']:>8.2f} {r['send_ms']:>8.2f} {r['tick_ms']:>8.2f} "
              f"{r['tick_us_per_symbol']:>10.0f}")
    most = max(args.symbols)
    loaded = measure(most, args.seconds, orders=args.orders)
    print(f"{most} symbols after {args.orders} orders: tick {loaded['tick_ms']:.2f} ms "
          f"(move {loaded['move_ms']:.2f}, send {loaded['send_ms']:.2f}), "
          f"{loaded['frames_per_s']:.0f} frames/s")
    node = None
    if args.node_orders_per_s:
        node = measure_with_node(most, args.seconds * 2, args.node_orders_per_s)
        print(f"{most} symbols with a TradingNode sending {args.node_orders_per_s:.0f} orders/s: "
              f"{node['orders']} orders filled, node got {node['node_quotes_per_s']:.0f} "
              f"quotes/s, tick {node['tick_ms']:.2f} ms (max {node['max_tick_ms']:.1f}), "
              f"{node['ticks_per_s']:.1f} ticks/s")
    first = min(args.symbols)
    print(f"frames_per_s_{first}={results[first]['frames_per_s']:.0f} "
          f"frames_per_s_{most}={results[most]['frames_per_s']:.0f} "
          f"tick_ms_{first}={results[first]['tick_ms']:.3f} "
          f"tick_ms_{most}={results[most]['tick_ms']:.3f} "
          f"tick_us_per_symbol_{first}={results[first]['tick_us_per_symbol']:.0f} "
          f"tick_us_per_symbol_{most}={results[most]['tick_us_per_symbol']:.0f} "
          f"tick_ms_after_orders={loaded['tick_ms']:.3f}"
          + (f" node_quotes_per_s={node['node_quotes_per_s']:.0f} "
             f"tick_ms_with_node={node['tick_ms']:.3f}" if node else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
