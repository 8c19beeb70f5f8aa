"""Attacks and malformed input against the sandbox, counted for ``benchmarks/peer_clients.py``.

``auth_probes`` tries each way in that Binance refuses (wrong or missing key, a signature of
another key, an unsigned WS API order, an HMAC ``session.logon``, another key's listenKey, the
admin API without its token, ...); each must fail. ``malformed_probe`` sends a seeded corpus of
malformed parameters to every route and counts answers that are not Binance's JSON error.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import aiohttp

from nautilus_exec_kit.sandbox import SandboxVenue
from tests.peers.flows import API_KEY, API_SECRET

#: The account's second API key (give the venue ``ApiCredential(SECOND_KEY, SECOND_SECRET)``).
SECOND_KEY, SECOND_SECRET = "second-key", "second-secret"

PARAM_NAMES = ["symbol", "side", "type", "quantity", "price", "stopPrice", "triggerPrice",
               "timeInForce", "orderId", "origClientOrderId", "newClientOrderId", "clientAlgoId",
               "algoId", "algoType", "limit", "leverage", "marginType", "dualSidePosition",
               "startTime", "endTime", "interval", "reduceOnly", "closePosition", "priceMatch",
               "positionSide", "workingType", "callbackRate", "activatePrice", "goodTillDate",
               "batchOrders", "orderIdList", "origClientOrderIdList", "listenKey", "recvWindow",
               "newOrderRespType", "selfTradePreventionMode", "priceProtect", "fromId"]
MALFORMED_VALUES = ["NaN", "Infinity", "-Infinity", "nan", "1e3", "-1", "0", "", " ", "abc",
                    "0x10", "1.2.3", "99999999999999999999999", "BUY", "SELL", "LIMIT",
                    "STOP_MARKET", "GTX", "[]", "[1,2]", "[{}]", '[{"symbol": 1}]', "{}",
                    '[{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "NaN"}]',
                    "null", "true", "BTCUSDT", "btcusdt", "ETHUSDT", "1m", "1x", "\u00e9",
                    "0.00000000000000000001", "1000000", "1.5", "\x00", "%zz"]


def _http(venue: SandboxVenue, method: str, path: str, params: dict[str, Any], *,
          api_key: str | None = API_KEY, secret: str | None = API_SECRET,
          headers: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    query = dict(params)
    if secret is not None:
        query.setdefault("timestamp", int(time.time() * 1000))
    text = urlencode(query)
    if secret is not None:
        text += "&signature=" + hmac.new(secret.encode(), text.encode(),
                                         hashlib.sha256).hexdigest()
    all_headers = dict(headers or {})
    if api_key is not None:
        all_headers["X-MBX-APIKEY"] = api_key
    req = urllib.request.Request(f"{venue.base_url_http}{path}?{text}", method=method,
                                 headers=all_headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers.get("Content-Type", "")


def _order() -> dict[str, Any]:
    return {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.010"}


async def _ws_api(venue: SandboxVenue, *requests: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    async with aiohttp.ClientSession() as http, http.ws_connect(venue.base_url_ws_api) as ws:
        for i, request in enumerate(requests):
            await ws.send_str(json.dumps({"id": i, **request}))
            out.append(json.loads((await ws.receive(timeout=5)).data))
    return out


def _ws_signed(params: dict[str, Any], secret: str) -> dict[str, Any]:
    payload = "&".join(f"{k}={params[k]}" for k in sorted(params))
    return {**params, "signature": hmac.new(secret.encode(), payload.encode(),
                                            hashlib.sha256).hexdigest()}


def _ws_ok(venue: SandboxVenue, request: dict[str, Any]) -> bool:
    [reply] = asyncio.run(_ws_api(venue, request))
    return bool(reply.get("status") == 200)


def _stream_opens(url: str) -> bool:
    async def run() -> bool:
        async with aiohttp.ClientSession() as http:
            try:
                async with http.ws_connect(url):
                    return True
            except aiohttp.WSServerHandshakeError:
                return False
    return asyncio.run(run())


def auth_probes(venue: SandboxVenue) -> list[tuple[str, bool]]:
    """(probe, whether it got in) for each attack; every one must be False."""
    now = int(time.time() * 1000)
    ok = 200

    def first_key() -> str:
        _, body, _ = _http(venue, "POST", "/fapi/v1/listenKey", {}, secret=None)
        return str(json.loads(body)["listenKey"])

    def put_other() -> bool:
        mine = first_key()
        status, body, _ = _http(venue, "PUT", "/fapi/v1/listenKey", {}, api_key=SECOND_KEY,
                                secret=None)
        return status == ok and mine in body.decode()

    def delete_other() -> bool:
        mine = first_key()
        _http(venue, "DELETE", "/fapi/v1/listenKey", {"listenKey": mine}, api_key=SECOND_KEY,
              secret=None)
        status, _, _ = _http(venue, "PUT", "/fapi/v1/listenKey", {}, secret=None)
        return status != ok

    probes: list[tuple[str, Callable[[], bool]]] = [
        ("rest_unknown_key", lambda: _http(venue, "POST", "/fapi/v1/order", _order(),
                                           api_key="unknown")[0] == ok),
        ("rest_missing_key", lambda: _http(venue, "POST", "/fapi/v1/order", _order(),
                                           api_key=None)[0] == ok),
        ("rest_wrong_secret", lambda: _http(venue, "POST", "/fapi/v1/order", _order(),
                                            secret="wrong")[0] == ok),
        ("rest_other_keys_secret", lambda: _http(venue, "POST", "/fapi/v1/order", _order(),
                                                 secret=SECOND_SECRET)[0] == ok),
        ("rest_unsigned", lambda: _http(venue, "GET", "/fapi/v2/account",
                                        {"timestamp": now}, secret=None)[0] == ok),
        ("rest_stale_timestamp", lambda: _http(venue, "GET", "/fapi/v2/account",
                                               {"timestamp": now - 120_000})[0] == ok),
        ("rest_recv_window_over_60000", lambda: _http(
            venue, "GET", "/fapi/v2/account",
            {"timestamp": now - 65_000, "recvWindow": 70_000})[0] == ok),
        ("rest_duplicate_params", lambda: _http(venue, "GET", "/fapi/v1/time?a=1&a=2", {},
                                                secret=None)[0] == ok),
        ("listen_key_unknown_api_key", lambda: _http(venue, "POST", "/fapi/v1/listenKey", {},
                                                     api_key="unknown", secret=None)[0] == ok),
        ("listen_key_put_returns_other_keys", put_other),
        ("listen_key_delete_closes_other_keys", delete_other),
        ("ws_api_user_stream_unknown_key", lambda: _ws_ok(venue, {
            "method": "userDataStream.start", "params": {"apiKey": "anything"}})),
        ("ws_api_order_unsigned", lambda: _ws_ok(venue, {
            "method": "order.place", "params": {**_order(), "apiKey": API_KEY,
                                                "timestamp": now}})),
        ("ws_api_order_wrong_secret", lambda: _ws_ok(venue, {
            "method": "order.place", "params": _ws_signed(
                {**_order(), "apiKey": API_KEY, "timestamp": now}, "wrong")})),
        ("ws_api_logon_hmac", lambda: _ws_ok(venue, {
            "method": "session.logon", "params": _ws_signed(
                {"apiKey": API_KEY, "timestamp": now}, API_SECRET)})),
        ("ws_api_account_without_logon", lambda: _ws_ok(venue, {
            "method": "account.status", "params": {"timestamp": now}})),
        ("user_stream_made_up_listen_key", lambda: _stream_opens(
            f"{venue.base_url_ws}/ws/{'A' * 64}")),
        ("admin_truth_without_token", lambda: _http(venue, "GET", "/admin/truth", {},
                                                    api_key=None, secret=None)[0] == ok),
        ("admin_set_price_wrong_token", lambda: _http(
            venue, "POST", "/admin/action/set_price", {}, api_key=None, secret=None,
            headers={"X-Sandbox-Admin-Token": "guess"})[0] == ok),
    ]
    results = []
    for name, probe in probes:
        try:
            results.append((name, bool(probe())))
        except Exception:  # a probe that crashed did not get in
            results.append((name, False))
    return results


def is_binance_json(status: int, raw: bytes, content_type: str) -> bool:
    """A 2xx JSON answer, or a <500 error whose body is Binance's ``{"code": int, "msg": str}``."""
    if "application/json" not in content_type or status >= 500:
        return False
    try:
        body = json.loads(raw)
    except ValueError:
        return False
    if status < 400:
        return True
    return (isinstance(body, dict) and isinstance(body.get("code"), int)
            and isinstance(body.get("msg"), str))


def malformed_probe(venue: SandboxVenue, seed: int, per_route: int) -> tuple[int, int]:
    """(requests sent, answers that were not Binance JSON) for a seeded malformed corpus."""
    rng = random.Random(seed)
    sent = bad = 0
    for method, path in venue.route_keys():
        for _ in range(per_route):
            params = {rng.choice(PARAM_NAMES): rng.choice(MALFORMED_VALUES)
                      for _ in range(rng.randint(0, 5))}
            status, raw, content_type = _http(venue, method, path, params)
            sent += 1
            bad += not is_binance_json(status, raw, content_type)
    return sent, bad
