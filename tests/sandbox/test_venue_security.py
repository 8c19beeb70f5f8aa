"""Who gets in: listenKeys scoped to their API key, WS API authentication, recvWindow, duplicates.

Each test here failed against the venue before it checked these (issue 12): a WS API client with any
``apiKey`` got a listenKey and the account's fills; ``PUT /fapi/v1/listenKey`` answered another
client's key and ``DELETE`` closed everybody's.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from nautilus_exec_kit.sandbox import (
    PriceProcess,
    SandboxConfig,
    SandboxHandle,
    run_sandbox_in_thread,
)
from nautilus_exec_kit.sandbox._config import ApiCredential

from . import rest_client

_PRIVATE = Ed25519PrivateKey.generate()
_PUBLIC_PEM = _PRIVATE.public_key().public_bytes(
    Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
CONFIG = SandboxConfig(prices=PriceProcess(volatility_bps=0), ed25519_public_key=_PUBLIC_PEM,
                       extra_credentials=(ApiCredential("second-key", "second-secret"),))


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    handle = run_sandbox_in_thread(CONFIG)
    yield handle
    handle.stop()


def _listen_key(url: str, method: str, api_key: str = "sandbox-api-key",
                params: dict[str, Any] | None = None) -> tuple[int, Any]:
    status, body, _ = rest_client.call(url, method, "/fapi/v1/listenKey", params, api_key=api_key,
                                       signed=False)
    return status, body


def test_listen_keys_belong_to_the_api_key_that_made_them(sandbox: SandboxHandle) -> None:
    url = sandbox.venue.base_url_http
    _, mine = _listen_key(url, "POST")
    status, none_yet = _listen_key(url, "PUT", "second-key")
    assert (status, none_yet["code"]) == (400, -1125)  # not the first key's listenKey
    _, theirs = _listen_key(url, "POST", "second-key")
    assert theirs["listenKey"] != mine["listenKey"]
    assert _listen_key(url, "POST")[1] == mine  # Binance: the active key again, extended
    assert _listen_key(url, "PUT")[1] == mine
    assert _listen_key(url, "PUT", "second-key")[1] == theirs
    status, body = _listen_key(url, "DELETE", "second-key", {"listenKey": mine["listenKey"]})
    assert (status, body["code"]) == (400, -1125)  # cannot close another key's listenKey
    assert _listen_key(url, "DELETE", "second-key") == (200, {})
    assert _listen_key(url, "PUT")[1] == mine  # the first key's listenKey survived
    assert sandbox.venue.truth()["listen_keys"] == 1


@pytest.mark.parametrize(("api_key", "code"), [("", -2014), ("not-a-key", -2015)])
def test_listen_key_needs_a_real_api_key(sandbox: SandboxHandle, api_key: str,
                                         code: int) -> None:
    status, body = _listen_key(sandbox.venue.base_url_http, "POST", api_key)
    assert (status, body["code"]) == (401, code)


def test_recv_window_above_60000_and_duplicate_params_are_refused(
        sandbox: SandboxHandle) -> None:
    url = sandbox.venue.base_url_http
    status, body, _ = rest_client.call(url, "GET", "/fapi/v2/account", {"recvWindow": 60001})
    assert (status, body["code"]) == (400, -1131)
    status, _, _ = rest_client.call(url, "GET", "/fapi/v2/account", {"recvWindow": 60000})
    assert status == 200
    ts = int(time.time() * 1000)
    qs = f"symbol=BTCUSDT&symbol=ETHUSDT&timestamp={ts}"
    sig = hmac.new(b"sandbox-api-secret", qs.encode(), hashlib.sha256).hexdigest()
    req = urllib.request.Request(f"{url}/fapi/v1/openOrders?{qs}&signature={sig}",
                                 headers={"X-MBX-APIKEY": "sandbox-api-key"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=5)
    assert json.loads(err.value.read())["code"] == -1101


def _form(url: str, method: str, path: str, query: dict[str, Any], body: dict[str, Any],
          secret: str = "sandbox-api-secret") -> tuple[int, Any]:
    qs, form = urlencode(query), urlencode(body)
    sig = hmac.new(secret.encode(), (qs + form).encode(), hashlib.sha256).hexdigest()
    req = urllib.request.Request(f"{url}{path}?{qs}" if qs else f"{url}{path}",
                                 data=f"{form}&signature={sig}".encode(), method=method,
                                 headers={"X-MBX-APIKEY": "sandbox-api-key",
                                          "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_signed_params_in_a_form_body_and_split_with_the_query(sandbox: SandboxHandle) -> None:
    """How ccxt sends every POST/PUT (all in the body), and Binance's split example."""
    url, ts = sandbox.venue.base_url_http, int(time.time() * 1000)
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.010",
             "timestamp": ts}
    status, body = _form(url, "POST", "/fapi/v1/order", {}, order)
    assert (status, body["status"]) == (200, "FILLED")
    status, body = _form(url, "POST", "/fapi/v1/leverage", {"symbol": "BTCUSDT"},
                         {"leverage": 7, "timestamp": ts})
    assert (status, body["leverage"]) == (200, 7)
    status, body = _form(url, "POST", "/fapi/v1/leverage", {"symbol": "BTCUSDT"},
                         {"leverage": 7, "timestamp": ts}, secret="wrong")
    assert (status, body["code"]) == (400, -1022)


def test_margin_type_change_with_an_open_position_is_4048(sandbox: SandboxHandle) -> None:
    url = sandbox.venue.base_url_http
    rest_client.call(url, "POST", "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY",
                                                     "type": "MARKET", "quantity": "0.010"})
    status, body, _ = rest_client.call(url, "POST", "/fapi/v1/marginType",
                                       {"symbol": "BTCUSDT", "marginType": "ISOLATED"})
    assert (status, body["code"]) == (400, -4048)


# -- WS API ---------------------------------------------------------------------------------------


def _ws_signed(params: dict[str, Any], secret: str = "sandbox-api-secret") -> dict[str, Any]:
    payload = "&".join(f"{k}={params[k]}" for k in sorted(params))
    return {**params, "signature": hmac.new(secret.encode(), payload.encode(),
                                            hashlib.sha256).hexdigest()}


def _ed_signed(params: dict[str, Any], key: Ed25519PrivateKey = _PRIVATE) -> dict[str, Any]:
    payload = "&".join(f"{k}={params[k]}" for k in sorted(params))
    return {**params, "signature": base64.b64encode(key.sign(payload.encode())).decode()}


async def _ws_api(url: str, *requests: dict[str, Any]) -> list[dict[str, Any]]:
    replies = []
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        for i, request in enumerate(requests):
            await ws.send_str(json.dumps({"id": i, **request}))
            replies.append(json.loads((await ws.receive(timeout=5)).data))
    return replies


def _now() -> int:
    return int(time.time() * 1000)


@pytest.mark.parametrize("api_key", ["anything", "sandbox-api-key-but-not", ""])
def test_ws_api_refuses_a_user_stream_to_an_unknown_api_key(sandbox: SandboxHandle,
                                                            api_key: str) -> None:
    [reply] = asyncio.run(_ws_api(sandbox.venue.base_url_ws_api,
                                  {"method": "userDataStream.start",
                                   "params": {"apiKey": api_key}}))
    assert reply["status"] == 401 and reply["error"]["code"] in (-2014, -2015)
    assert sandbox.venue.truth()["listen_keys"] == 0


def test_ws_api_signed_methods_need_a_valid_signature(sandbox: SandboxHandle) -> None:
    base = {"apiKey": "sandbox-api-key", "symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
            "quantity": "0.010"}
    unsigned, forged, signed, wrong_key = asyncio.run(_ws_api(
        sandbox.venue.base_url_ws_api,
        {"method": "order.place", "params": {**base, "timestamp": _now()}},
        {"method": "order.place", "params": {**_ws_signed({**base, "timestamp": _now()}),
                                             "quantity": "1.000"}},
        {"method": "order.place", "params": _ws_signed({**base, "timestamp": _now()})},
        {"method": "account.status", "params": _ws_signed(
            {"apiKey": "second-key", "timestamp": _now()})},
    ))
    assert unsigned["error"]["code"] == -1022 and forged["error"]["code"] == -1022
    assert signed["status"] == 200 and signed["result"]["status"] == "FILLED"
    assert wrong_key["error"]["code"] == -1022  # signed with the first key's secret
    assert len(sandbox.venue.truth()["orders"]) == 1


def test_ws_api_logon_takes_ed25519_only_then_authorizes_the_session(
        sandbox: SandboxHandle) -> None:
    hmac_logon, bad_ed, before, logon, started, status = asyncio.run(_ws_api(
        sandbox.venue.base_url_ws_api,
        {"method": "session.logon", "params": _ws_signed(
            {"apiKey": "sandbox-api-key", "timestamp": _now()})},
        {"method": "session.logon", "params": _ed_signed(
            {"apiKey": "sandbox-api-key", "timestamp": _now()}, Ed25519PrivateKey.generate())},
        {"method": "userDataStream.start", "params": {}},
        {"method": "session.logon", "params": _ed_signed(
            {"apiKey": "sandbox-api-key", "timestamp": _now()})},
        {"method": "userDataStream.start", "params": {}},
        {"method": "account.status", "params": {"timestamp": _now()}},
    ))
    assert hmac_logon["error"]["code"] == -1022 and bad_ed["error"]["code"] == -1022
    assert before["error"]["code"] == -1002
    assert logon["status"] == 200 and logon["result"]["apiKey"] == "sandbox-api-key"
    assert started["result"]["listenKey"]
    assert status["status"] == 200 and "totalWalletBalance" in status["result"]


def test_ws_api_bad_json_gets_a_json_error_and_the_socket_stays(sandbox: SandboxHandle) -> None:
    async def run() -> list[Any]:
        async with aiohttp.ClientSession() as http, \
                http.ws_connect(sandbox.venue.base_url_ws_api) as ws:
            out = []
            for text in ("{not json", "[1, 2]", json.dumps({"id": 7, "method": 5}),
                         json.dumps({"id": 8, "method": "time"})):
                await ws.send_str(text)
                out.append(json.loads((await ws.receive(timeout=5)).data))
            return out

    bad, wrong_shape, bad_method, ok = asyncio.run(run())
    assert bad["status"] == 400 and isinstance(bad["error"]["code"], int)
    assert wrong_shape["status"] == 400 and bad_method["id"] == 7
    assert ok["result"]["serverTime"] > 0


def test_ws_api_methods_meet_their_routes_fault_rules(sandbox: SandboxHandle) -> None:
    """``order.place`` is ``POST /fapi/v1/order``: a rule armed for that route answers a WS API
    order too (placed or not, as the rule says), once per ``count``."""
    faults = sandbox.venue.faults
    faults.add({"kind": "binance_error", "path": "/fapi/v1/order", "method": "POST",
                "status": 429, "code": -1003, "msg": "Too many requests.", "count": 1})
    base = {"apiKey": "sandbox-api-key", "symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
            "quantity": "0.010"}
    limited, placed = asyncio.run(_ws_api(
        sandbox.venue.base_url_ws_api,
        {"method": "order.place", "params": _ws_signed({**base, "timestamp": _now()})},
        {"method": "order.place", "params": _ws_signed({**base, "timestamp": _now()})},
    ))
    assert (limited["status"], limited["error"]["code"]) == (429, -1003)
    assert placed["status"] == 200
    faults.add({"kind": "timeout_placed", "path": "/fapi/v1/order", "method": "POST",
                "count": 1})
    [unknown] = asyncio.run(_ws_api(
        sandbox.venue.base_url_ws_api,
        {"method": "order.place", "params": _ws_signed({**base, "timestamp": _now()})},
    ))
    assert unknown["error"]["code"] == -1007
    assert len(sandbox.venue.truth()["orders"]) == 2  # the second and the "timed out" one
