"""Many symbols on one account, over HTTP and WebSocket: each symbol's filters, prices, orders,
positions and frames are its own; the account, the weights and the admin routes see them all."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from nautilus_exec_kit.sandbox import (
    PriceProcess,
    RateLimits,
    SandboxConfig,
    SandboxHandle,
    run_sandbox_in_thread,
)
from nautilus_exec_kit.sandbox.symbols import universe

from . import rest_client

CONFIG = SandboxConfig(symbols=universe(12), prices=PriceProcess(volatility_bps=0),
                       balances=(("USDT", Decimal("100000")),), market_data_interval_ms=50,
                       mark_price_interval_ms=100,
                       rate_limits=RateLimits(weight_per_minute=100_000))


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    handle = run_sandbox_in_thread(CONFIG)
    yield handle
    handle.stop()


@pytest.fixture(autouse=True)
def flat(sandbox: SandboxHandle) -> Iterator[None]:
    yield
    url, venue = sandbox.venue.base_url_http, sandbox.venue
    for spec in CONFIG.symbols:
        rest_client.call(url, "DELETE", "/fapi/v1/allOpenOrders", {"symbol": spec.symbol})
        venue.set_price(spec.symbol, spec.start_price, spec.start_price)
    for pos in venue.truth()["positions"]:
        amt = Decimal(pos["positionAmt"])
        if amt:
            _order(sandbox, pos["symbol"], "SELL" if amt > 0 else "BUY", abs(amt))


def _order(sandbox: SandboxHandle, symbol: str, side: str, qty: Any,
           price: Any = None, **extra: str) -> tuple[int, Any]:
    params = {"symbol": symbol, "side": side, "quantity": str(qty), **extra}
    if price is None:
        params["type"] = "MARKET"
    else:
        params.update(type="LIMIT", price=str(price), timeInForce="GTC")
    status, body, _ = rest_client.call(sandbox.venue.base_url_http, "POST", "/fapi/v1/order",
                                       params)
    return status, body


def _code(answer: tuple[int, Any]) -> int | None:
    return answer[1].get("code") if answer[0] != 200 else None


def test_exchange_info_lists_every_symbol_with_its_filters(sandbox: SandboxHandle) -> None:
    _, info, _ = rest_client.call(sandbox.venue.base_url_http, "GET", "/fapi/v1/exchangeInfo",
                                  signed=False)
    rows = {r["symbol"]: r for r in info["symbols"]}
    assert list(rows) == [s.symbol for s in CONFIG.symbols]
    doge = {f["filterType"]: f for f in rows["DOGEUSDT"]["filters"]}
    assert doge["PRICE_FILTER"]["tickSize"] == "0.000010"
    assert doge["LOT_SIZE"]["stepSize"] == "1" and doge["MIN_NOTIONAL"]["notional"] == "5"
    assert rows["DOGEUSDT"]["pricePrecision"] == 6 and rows["BTCUSDT"]["pricePrecision"] == 2


@pytest.mark.parametrize(("symbol", "side", "qty", "price", "code"), [
    ("DOGEUSDT", "BUY", "100.5", None, -1013),       # DOGE's step is 1
    ("ETHUSDT", "BUY", "0.005", "2999", -4164),      # 15 USDT < ETH's 20 minimum notional
    ("BTCUSDT", "BUY", "0.001", "2999", -4164),      # the same order on BTC: 100 minimum
    ("SOLUSDT", "BUY", "1", "150.005", -4014),       # SOL's tick is 0.01
    ("SOLUSDT", "BUY", "1", "158", -4016),           # above mark x 1.05
    ("SOLUSDT", "SELL", "1", "142", -4024),          # below mark x 0.95
    ("XRPUSDT", "BUY", "100", "0.0100", -4013),      # under XRP's minPrice
    ("DOGEUSDT", "SELL", "100", "31", -4002),        # over DOGE's maxPrice
    ("BTCUSDT", "BUY", "121", None, -4005),          # BTC's MARKET lot max is 120
])
def test_each_symbol_meets_its_own_filters(sandbox: SandboxHandle, symbol: str, side: str,
                                          qty: str, price: str | None, code: int) -> None:
    assert _code(_order(sandbox, symbol, side, qty, price)) == code


def test_orders_positions_and_account_per_symbol(sandbox: SandboxHandle) -> None:
    url = sandbox.venue.base_url_http
    assert _order(sandbox, "ETHUSDT", "BUY", "0.5")[0] == 200
    assert _order(sandbox, "DOGEUSDT", "SELL", "1000")[0] == 200
    assert _order(sandbox, "SOLUSDT", "BUY", "2", "140")[0] == 200
    assert _order(sandbox, "XRPUSDT", "BUY", "100", "0.5800")[0] == 200
    _, every, _ = rest_client.call(url, "GET", "/fapi/v1/openOrders")
    _, sol, _ = rest_client.call(url, "GET", "/fapi/v1/openOrders", {"symbol": "SOLUSDT"})
    assert sorted(o["symbol"] for o in every) == ["SOLUSDT", "XRPUSDT"]
    assert [o["symbol"] for o in sol] == ["SOLUSDT"]
    _, risk, _ = rest_client.call(url, "GET", "/fapi/v2/positionRisk")
    amounts = {r["symbol"]: r["positionAmt"] for r in risk}
    assert len(risk) == len(CONFIG.symbols)
    assert (amounts["ETHUSDT"], amounts["DOGEUSDT"], amounts["SOLUSDT"]) == ("0.5", "-1000", "0")
    _, account, _ = rest_client.call(url, "GET", "/fapi/v2/account")
    assert {p["symbol"] for p in account["positions"]} == {"ETHUSDT", "DOGEUSDT"}
    _, trades, _ = rest_client.call(url, "GET", "/fapi/v1/userTrades", {"symbol": "DOGEUSDT"})
    assert [t["symbol"] for t in trades][-1:] == ["DOGEUSDT"]
    # moving one symbol fills only that symbol's resting order
    sandbox.venue.set_price("SOLUSDT", "139.99")
    _, left, _ = rest_client.call(url, "GET", "/fapi/v1/openOrders")
    assert [o["symbol"] for o in left] == ["XRPUSDT"]


def test_leverage_is_capped_by_each_symbols_brackets(sandbox: SandboxHandle) -> None:
    url = sandbox.venue.base_url_http
    ok = rest_client.call(url, "POST", "/fapi/v1/leverage", {"symbol": "BTCUSDT",
                                                             "leverage": 100})
    refused = rest_client.call(url, "POST", "/fapi/v1/leverage", {"symbol": "SOLUSDT",
                                                                  "leverage": 100})
    assert ok[0] == 200 and ok[1]["maxNotionalValue"] == "600000"
    assert refused[1]["code"] == -4028
    rest_client.call(url, "POST", "/fapi/v1/leverage", {"symbol": "BTCUSDT", "leverage": 20})
    _, rows, _ = rest_client.call(url, "GET", "/fapi/v1/leverageBracket")
    first = {r["symbol"]: r["brackets"][0]["initialLeverage"] for r in rows}
    assert (first["BTCUSDT"], first["SOLUSDT"]) == (125, 75)


def test_a_position_beyond_the_brackets_notional_cap_is_refused(sandbox: SandboxHandle) -> None:
    # at 50x SOL's brackets allow 5 000 USDT (the first tier's cap); 40 SOL is 6 000
    url = sandbox.venue.base_url_http
    rest_client.call(url, "POST", "/fapi/v1/leverage", {"symbol": "SOLUSDT", "leverage": 75})
    try:
        assert _code(_order(sandbox, "SOLUSDT", "BUY", "40")) == -2027
        assert _order(sandbox, "SOLUSDT", "BUY", "30")[0] == 200
    finally:
        rest_client.call(url, "POST", "/fapi/v1/leverage", {"symbol": "SOLUSDT",
                                                            "leverage": 20})


def test_weights_stay_binances_with_many_symbols(sandbox: SandboxHandle) -> None:
    url = sandbox.venue.base_url_http

    def weight(path: str, params: dict[str, Any] | None = None, signed: bool = True) -> int:
        before = sandbox.venue.truth()["used_weight_1m"]
        status, _, _ = rest_client.call(url, "GET", path, params, signed=signed)
        assert status == 200
        return int(sandbox.venue.truth()["used_weight_1m"]) - before

    assert weight("/fapi/v1/openOrders", {"symbol": "ETHUSDT"}) == 1
    assert weight("/fapi/v1/openOrders") == 40
    assert weight("/fapi/v1/openAlgoOrders") == 40
    assert weight("/fapi/v1/allOrders", {"symbol": "ETHUSDT"}) == 5
    assert weight("/fapi/v1/premiumIndex", {"symbol": "ETHUSDT"}, signed=False) == 1
    assert weight("/fapi/v1/premiumIndex", signed=False) == 10
    assert weight("/fapi/v1/ticker/bookTicker", signed=False) == 5
    assert weight("/fapi/v1/income") == 30
    assert weight("/fapi/v1/forceOrders") == 50
    assert weight("/fapi/v1/forceOrders", {"symbol": "ETHUSDT"}) == 20


async def _frames(url: str, streams: list[str], until: Any, seconds: float = 5) -> list[Any]:
    out: list[Any] = []
    async with aiohttp.ClientSession() as http, http.ws_connect(url + "/stream") as ws:
        await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": streams, "id": 1}))
        deadline = time.monotonic() + seconds
        while not until(out) and time.monotonic() < deadline:
            frame = json.loads((await ws.receive(timeout=5)).data)
            if "stream" in frame:
                out.append(frame)
    return out


def test_one_socket_streams_every_symbol_at_its_own_precision(sandbox: SandboxHandle) -> None:
    streams = [f"{s.symbol.lower()}@bookTicker" for s in CONFIG.symbols] + [
        "dogeusdt@markPrice@1s", "!markPrice@arr"]

    def seen(frames: list[Any]) -> bool:
        return {f["stream"] for f in frames} >= set(streams)

    frames = asyncio.run(_frames(sandbox.venue.base_url_ws, streams, seen))
    assert seen(frames)
    tickers = {f["data"]["s"]: f["data"] for f in frames if f["stream"].endswith("bookTicker")}
    assert tickers["DOGEUSDT"]["b"] == "0.150000" and tickers["BTCUSDT"]["b"] == "50000.00"
    assert tickers["SOLUSDT"]["a"] == "150.0100"
    [every] = [f["data"] for f in frames if f["stream"] == "!markPrice@arr"][:1]
    assert {row["s"] for row in every} == {s.symbol for s in CONFIG.symbols}


def test_user_frames_name_their_symbol(sandbox: SandboxHandle) -> None:
    url = sandbox.venue.base_url_http
    _, key, _ = rest_client.call(url, "POST", "/fapi/v1/listenKey", signed=False)

    async def scenario() -> list[Any]:
        async with aiohttp.ClientSession() as http, http.ws_connect(
                f"{sandbox.venue.base_url_ws}/ws/{key['listenKey']}") as ws:
            await asyncio.to_thread(_order, sandbox, "XRPUSDT", "BUY", "100")
            await asyncio.to_thread(_order, sandbox, "LINKUSDT", "SELL", "2")
            frames: list[Any] = []
            while len([f for f in frames if f["e"] == "ACCOUNT_UPDATE"]) < 2:
                frames.append(json.loads((await ws.receive(timeout=5)).data))
            return frames

    frames = asyncio.run(scenario())
    fills = [f["o"] for f in frames if f["e"] == "ORDER_TRADE_UPDATE" and f["o"]["x"] == "TRADE"]
    assert [(f["s"], f["L"]) for f in fills] == [("XRPUSDT", "0.6001"), ("LINKUSDT", "15")]
    positions = [p["s"] for f in frames if f["e"] == "ACCOUNT_UPDATE" for p in f["a"]["P"]]
    assert positions == ["XRPUSDT", "LINKUSDT"]


def test_admin_routes_act_on_the_symbol_named(sandbox: SandboxHandle) -> None:
    venue = sandbox.venue
    venue.set_price("LTCUSDT", "81.37")
    books = venue.truth()["books"]
    assert books["LTCUSDT"]["last"] == "81.37" and books["ETHUSDT"]["last"] == "3000"
    assert _order(sandbox, "AVAXUSDT", "BUY", "3")[0] == 200
    assert _order(sandbox, "ETHUSDT", "BUY", "0.1")[0] == 200
    venue.faults.liquidation("AVAXUSDT")
    held = {p["symbol"]: p["positionAmt"] for p in venue.truth()["positions"]
            if Decimal(p["positionAmt"])}
    assert held == {"ETHUSDT": "0.1"}
    _, forced, _ = rest_client.call(venue.base_url_http, "GET", "/fapi/v1/forceOrders",
                                    {"symbol": "AVAXUSDT"})
    assert [o["clientOrderId"][:10] for o in forced] == ["autoclose-"]
