"""Market and user streams on every URL layout Binance serves, raw or wrapped as Binance sends."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from nautilus_exec_kit.sandbox import (
    PriceProcess,
    SandboxConfig,
    SandboxHandle,
    run_sandbox_in_thread,
)

from . import rest_client

CONFIG = SandboxConfig(prices=PriceProcess(volatility_bps=3), market_data_interval_ms=50,
                       mark_price_interval_ms=100, kline_close_interval_ms=400)


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    handle = run_sandbox_in_thread(CONFIG)
    yield handle
    handle.stop()


async def _frames(url: str, n: int, send: list[dict[str, Any]] | None = None,
                  until: Any = None) -> list[Any]:
    """The first ``n`` data frames (subscription answers left out) of a socket at ``url``."""
    out: list[Any] = []
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        for message in send or []:
            await ws.send_str(json.dumps(message))
        while len(out) < n:
            frame = json.loads((await ws.receive(timeout=5)).data)
            if isinstance(frame, dict) and "result" in frame and "id" in frame:
                continue
            if until is None or until(frame):
                out.append(frame)
    return out


def test_raw_single_stream_path(sandbox: SandboxHandle) -> None:
    [frame] = asyncio.run(_frames(f"{sandbox.venue.base_url_ws}/ws/btcusdt@bookTicker", 1))
    assert frame["e"] == "bookTicker" and frame["s"] == "BTCUSDT" and "stream" not in frame


def test_raw_multi_stream_path_and_subscribe(sandbox: SandboxHandle) -> None:
    frames = asyncio.run(_frames(
        f"{sandbox.venue.base_url_ws}/ws/btcusdt@aggTrade/btcusdt@trade", 6,
        send=[{"method": "SUBSCRIBE", "params": ["btcusdt@miniTicker"], "id": 1}]))
    assert {"aggTrade", "trade"} <= {f["e"] for f in frames}
    mini = asyncio.run(_frames(f"{sandbox.venue.base_url_ws}/ws", 1,
                               send=[{"method": "SUBSCRIBE", "params": ["btcusdt@miniTicker"],
                                      "id": 1}]))
    assert mini[0]["e"] == "24hrMiniTicker"


@pytest.mark.parametrize("prefix", ["", "/public", "/market"])
def test_combined_streams_are_wrapped(sandbox: SandboxHandle, prefix: str) -> None:
    url = f"{sandbox.venue.base_url_ws}{prefix}/stream?streams=btcusdt@ticker/!bookTicker"
    frames = asyncio.run(_frames(url, 4))
    assert {f["stream"] for f in frames} <= {"btcusdt@ticker", "!bookTicker"}
    by_stream = {f["stream"]: f["data"] for f in frames}
    assert by_stream["!bookTicker"]["e"] == "bookTicker"


def test_all_market_arrays_and_live_klines(sandbox: SandboxHandle) -> None:
    [tickers] = asyncio.run(_frames(f"{sandbox.venue.base_url_ws}/ws/!ticker@arr", 1))
    assert isinstance(tickers, list) and tickers[0]["e"] == "24hrTicker"
    klines = asyncio.run(_frames(f"{sandbox.venue.base_url_ws}/ws/btcusdt@kline_1m", 6))
    closed = [k["k"]["x"] for k in klines]
    assert False in closed and True in closed  # live updates as well as the closes


@pytest.mark.parametrize("layout", ["path", "query", "subscribe", "private", "combined"])
def test_user_data_on_every_layout(sandbox: SandboxHandle, layout: str) -> None:
    venue = sandbox.venue
    _, body, _ = rest_client.call(venue.base_url_http, "POST", "/fapi/v1/listenKey", signed=False)
    key = body["listenKey"]
    url, send = {
        "path": (f"{venue.base_url_ws}/ws/{key}", None),
        "query": (f"{venue.base_url_ws}/ws?listenKey={key}", None),
        "subscribe": (f"{venue.base_url_ws}/ws", [{"method": "SUBSCRIBE", "params": [key],
                                                   "id": 1}]),
        "private": (f"{venue.base_url_ws}/private/ws/{key}", None),
        "combined": (f"{venue.base_url_ws}/stream?streams={key}", None),
    }[layout]

    async def run() -> list[Any]:
        reader = asyncio.ensure_future(_frames(url, 1, send, until=lambda f: True))
        await asyncio.sleep(0.3)
        await asyncio.to_thread(rest_client.call, venue.base_url_http, "POST", "/fapi/v1/order",
                                {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                                 "quantity": "0.010"})
        return await reader

    [frame] = asyncio.run(run())
    data = frame["data"] if layout == "combined" else frame
    assert data["e"] in ("ORDER_TRADE_UPDATE", "ACCOUNT_UPDATE")
    if layout == "combined":
        assert frame["stream"] == key


def test_unknown_listen_key_is_refused_and_unknown_names_ignored(sandbox: SandboxHandle) -> None:
    async def run() -> tuple[int, list[Any]]:
        async with aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.WSServerHandshakeError) as err:
                await http.ws_connect(f"{sandbox.venue.base_url_ws}/ws/{'x' * 64}")
            async with http.ws_connect(f"{sandbox.venue.base_url_ws}/ws/0") as ws:
                await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": ["x" * 64],
                                              "id": 3}))
                refused = json.loads((await ws.receive(timeout=5)).data)
                await ws.send_str("{not json")
                bad = json.loads((await ws.receive(timeout=5)).data)
                await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 4}))
                listed = json.loads((await ws.receive(timeout=5)).data)
            return err.value.status, [refused, bad, listed]

    status, (refused, bad, listed) = asyncio.run(run())
    assert status == 400
    assert refused["error"]["code"] == 2 and refused["id"] == 3
    assert bad["error"]["code"] == 3
    assert listed == {"result": ["0"], "id": 4}
