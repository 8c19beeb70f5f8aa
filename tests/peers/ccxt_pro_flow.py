"""The ``ccxt.pro`` ``binanceusdm`` flow: market streams, the user stream's fills, WS API orders."""

from __future__ import annotations

import asyncio
from typing import Any

from nautilus_exec_kit.sandbox import SandboxVenue
from tests.peers.flows import (
    API_KEY,
    API_SECRET,
    SYMBOL,
    StepResult,
    retarget,
    run_async_steps,
)


def ccxt_pro_client(venue: SandboxVenue) -> Any:
    import ccxt.pro

    exchange = ccxt.pro.binanceusdm({
        "apiKey": API_KEY, "secret": API_SECRET, "enableRateLimit": False,
        "options": {"fetchCurrencies": False, "fetchMarkets": {"types": ["linear"]}},
    })
    exchange.urls["api"] = retarget(exchange.urls["api"], venue)
    return exchange


async def _ccxt_pro_steps(venue: SandboxVenue) -> list[StepResult]:
    ex = ccxt_pro_client(venue)

    async def fill_seen_on_user_stream() -> bool:
        watcher = asyncio.ensure_future(ex.watch_orders(SYMBOL))
        await asyncio.sleep(0.5)  # the listenKey and user socket are up
        placed = await ex.create_order(SYMBOL, "market", "buy", 0.01)
        orders = await watcher
        return any(o["id"] == placed["id"] for o in orders)

    async def my_trade_seen() -> bool:
        watcher = asyncio.ensure_future(ex.watch_my_trades(SYMBOL))
        await asyncio.sleep(0.2)
        await ex.create_order(SYMBOL, "market", "sell", 0.01)
        return len(await watcher) >= 1

    async def balance_seen() -> bool:
        watcher = asyncio.ensure_future(ex.watch_balance())
        await asyncio.sleep(0.2)
        await ex.create_order(SYMBOL, "market", "buy", 0.01)
        return "USDT" in await watcher

    async def position_seen() -> bool:
        watcher = asyncio.ensure_future(ex.watch_positions([SYMBOL]))
        await asyncio.sleep(0.2)
        await ex.create_order(SYMBOL, "market", "buy", 0.01)
        return len(await watcher) >= 1

    async def ws_api_order() -> bool:
        order = await ex.create_order_ws(SYMBOL, "limit", "buy", 0.01, 49000)
        cancelled = await ex.cancel_order_ws(order["id"], SYMBOL)
        return cancelled["status"] == "canceled"

    async def ws_api_balance() -> bool:
        return "USDT" in await ex.fetch_balance_ws()

    steps = [
        ("load_markets", lambda: ex.load_markets()),
        ("watch_order_book", lambda: ex.watch_order_book(SYMBOL)),
        ("watch_ticker", lambda: ex.watch_ticker(SYMBOL)),
        ("watch_trades", lambda: ex.watch_trades(SYMBOL)),
        ("watch_ohlcv", lambda: ex.watch_ohlcv(SYMBOL, "1m")),
        ("watch_bids_asks", lambda: ex.watch_bids_asks([SYMBOL])),
        ("watch_mark_price", lambda: ex.watch_mark_price(SYMBOL)),
        ("watch_orders_fill", fill_seen_on_user_stream),
        ("watch_my_trades", my_trade_seen),
        ("watch_balance", balance_seen),
        ("watch_positions", position_seen),
        ("create_and_cancel_order_ws", ws_api_order),
        ("fetch_balance_ws", ws_api_balance),
        ("fetch_position_ws", lambda: ex.fetch_positions_ws([SYMBOL])),
    ]
    try:
        return await run_async_steps("ccxt.pro", steps)
    finally:
        await ex.close()


def ccxt_pro_steps(venue: SandboxVenue) -> list[StepResult]:
    return asyncio.run(_ccxt_pro_steps(venue))
