"""The venue over HTTP without a node: rate limits, fault rules, admin API, scheduled actions."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nautilus_exec_kit.sandbox import (
    FaultPlan,
    PriceProcess,
    RateLimits,
    SandboxConfig,
    SandboxHandle,
    run_sandbox_in_thread,
)

from . import rest_client

BASE = SandboxConfig(prices=PriceProcess(volatility_bps=0))


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Iterator[SandboxHandle]:
    config = getattr(request, "param", BASE)
    handle = run_sandbox_in_thread(config)
    yield handle
    handle.stop()


def _admin(handle: SandboxHandle, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(handle.venue.base_url_http + path, data=data, method=method,
                                 headers={"Content-Type": "application/json",
                                          "X-Sandbox-Admin-Token": handle.venue.admin_token})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


def _market(**extra: str) -> dict[str, str]:
    return {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.010",
            "newClientOrderId": f"t-{time.monotonic_ns()}", **extra}


LIMITED = SandboxConfig(prices=PriceProcess(volatility_bps=0),
                        rate_limits=RateLimits(weight_per_minute=30, orders_per_10s=3,
                                               ban_after_violations=2, ban_secs=60))


@pytest.mark.parametrize("sandbox", [LIMITED], indirect=True)
def test_order_rate_limit_then_ban(sandbox: SandboxHandle) -> None:
    url = sandbox.venue.base_url_http
    statuses = [rest_client.call(url, "POST", "/fapi/v1/order", _market())[0] for _ in range(3)]
    assert statuses == [200, 200, 200]
    status, body, headers = rest_client.call(url, "POST", "/fapi/v1/order", _market())
    assert (status, body["code"]) == (429, -1015)
    assert int(headers["Retry-After"]) >= 1
    rest_client.call(url, "POST", "/fapi/v1/order", _market())  # second violation
    status, body, headers = rest_client.call(url, "POST", "/fapi/v1/order", _market())
    assert (status, body["code"]) == (418, -1003)
    assert "banned until" in body["msg"]
    status, _, _ = rest_client.call(url, "GET", "/fapi/v1/time", signed=False)
    assert status == 418  # banned for everything, not only orders
    assert 55 <= int(headers["Retry-After"]) <= 60


@pytest.mark.parametrize("sandbox", [LIMITED], indirect=True)
def test_request_weight_limit(sandbox: SandboxHandle) -> None:
    url = sandbox.venue.base_url_http
    answers = [rest_client.call(url, "GET", "/fapi/v2/account")[0] for _ in range(7)]
    assert answers == [200] * 6 + [429]  # weight 5 each, 30 per minute


def test_http_error_rule_answers_html_once(sandbox: SandboxHandle) -> None:
    sandbox.venue.faults.add({"kind": "http_error", "path": "/fapi/v1/time", "status": 502,
                              "body": "<html>bad gateway</html>"})
    url = sandbox.venue.base_url_http
    assert rest_client.call(url, "GET", "/fapi/v1/time", signed=False)[:2] == (
        502, "<html>bad gateway</html>")
    assert rest_client.call(url, "GET", "/fapi/v1/time", signed=False)[0] == 200


def test_timeouts_placed_and_not_placed(sandbox: SandboxHandle) -> None:
    url = sandbox.venue.base_url_http
    sandbox.venue.faults.add({"kind": "timeout_not_placed", "path": "/fapi/v1/order"})
    status, body, _ = rest_client.call(url, "POST", "/fapi/v1/order", _market())
    assert (status, body["code"]) == (503, -1007)
    assert sandbox.venue.truth()["orders"] == []
    sandbox.venue.faults.add({"kind": "timeout_placed", "path": "/fapi/v1/order"})
    status, body, _ = rest_client.call(url, "POST", "/fapi/v1/order", _market())
    assert (status, body["code"]) == (503, -1007)
    assert [o["status"] for o in sandbox.venue.truth()["orders"]] == ["FILLED"]


def test_latency_rule_delays_answers(sandbox: SandboxHandle) -> None:
    sandbox.venue.faults.add({"kind": "latency", "delay_ms": 300, "count": None})
    start = time.monotonic()
    rest_client.call(sandbox.venue.base_url_http, "GET", "/fapi/v1/time", signed=False)
    assert time.monotonic() - start >= 0.3


def test_admin_endpoints(sandbox: SandboxHandle) -> None:
    added = _admin(sandbox, "POST", "/admin/faults", {"kind": "drop_user_frames", "count": 2})
    assert added["rules"][0]["kind"] == "drop_user_frames"
    _admin(sandbox, "POST", "/admin/action/set_price", {"symbol": "BTCUSDT", "last": "51000"})
    result = _admin(sandbox, "POST", "/admin/action/external_order",
                    {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "quantity": "0.010",
                     "price": "52000", "timeInForce": "GTC"})
    assert result["result"]["clientOrderId"].startswith("ext-")
    truth = _admin(sandbox, "GET", "/admin/truth")
    assert truth["books"]["BTCUSDT"]["last"] == "51000"
    assert truth["orders"][0]["status"] == "NEW"
    assert _admin(sandbox, "DELETE", "/admin/faults")["rules"] == []


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_admin_routes_refuse_without_the_admin_token(sandbox: SandboxHandle,
                                                     token: str | None) -> None:
    """The admin API moves the market: knowing the venue's port must not be enough."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-Sandbox-Admin-Token"] = token
    for method, path, body in [("GET", "/admin/truth", None),
                               ("POST", "/admin/action/set_price",
                                {"symbol": "BTCUSDT", "last": "1000"}),
                               ("POST", "/admin/faults", {"kind": "drop_user_frames"}),
                               ("DELETE", "/admin/faults", None)]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(sandbox.venue.base_url_http + path, data=data,
                                     method=method, headers=headers)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=5)
        assert err.value.code == 401
    assert sandbox.venue.truth()["books"]["BTCUSDT"]["last"] == "50000"
    assert sandbox.venue.faults.rules() == []


def test_fault_plan_from_json_file_schedules_actions(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps({
        "latency_ms": 0,
        "rules": [{"kind": "binance_error", "path": "/fapi/v1/time", "status": 400,
                   "code": -1021, "msg": "Timestamp outside of the recvWindow."}],
        "actions": [{"at_ms": 100, "action": "set_price",
                     "args": {"symbol": "BTCUSDT", "last": "42000"}}],
    }))
    config = SandboxConfig(prices=PriceProcess(volatility_bps=0),
                           faults=FaultPlan.from_json_file(plan_file))
    with run_sandbox_in_thread(config) as handle:
        status, body, _ = rest_client.call(handle.venue.base_url_http, "GET", "/fapi/v1/time",
                                           signed=False)
        assert (status, body["code"]) == (400, -1021)
        deadline = time.monotonic() + 3
        while handle.venue.truth()["books"]["BTCUSDT"]["last"] != "42000":
            assert time.monotonic() < deadline
            time.sleep(0.02)


def test_unknown_fault_keys_are_refused() -> None:
    with pytest.raises(TypeError):
        FaultPlan.from_dict({"rules": [{"kind": "latency", "delay": 5}]})
    with pytest.raises(ValueError):
        FaultPlan.from_dict({"rules": [{"kind": "meteor_strike"}]})


def test_config_refuses_non_loopback_host() -> None:
    with pytest.raises(ValueError, match="loopback"):
        SandboxConfig(host="0.0.0.0")


def test_a_restarted_venue_keeps_orders_and_lets_the_adapters_stream_client_back_in() -> None:
    """Binance keeps listenKeys and account state across its restarts. The Nautilus adapter's
    user-stream client reconnects with its old listenKey and only then rotates it; a restarted
    venue that refused the old key would leave the node deaf to its fills."""
    import asyncio

    import attrs
    from nautilus_trader.core.nautilus_pyo3 import WebSocketClient, WebSocketConfig

    async def scenario() -> tuple[list[float], str]:
        first = run_sandbox_in_thread(BASE)
        url = first.venue.base_url_http
        status, body, _ = rest_client.call(url, "POST", "/fapi/v1/listenKey", {})
        assert status == 200
        order = _market(type="LIMIT", price="40000.0", timeInForce="GTC")
        assert rest_client.call(url, "POST", "/fapi/v1/order", order)[0] == 200
        reconnects: list[float] = []
        started = time.monotonic()
        client = await WebSocketClient.connect(
            loop_=asyncio.get_running_loop(),
            config=WebSocketConfig(url=f"{first.venue.base_url_ws_stream}/ws/{body['listenKey']}",
                                   headers=[], heartbeat=60),
            handler=lambda _raw: None,
            post_reconnection=lambda: reconnects.append(time.monotonic() - started),
        )
        first.stop()
        second = run_sandbox_in_thread(attrs.evolve(BASE, port=first.venue.port),
                                       restart_of=first.venue)
        try:
            for _ in range(300):
                if reconnects:
                    break
                await asyncio.sleep(0.1)
            rows = [o for o in second.venue.truth()["orders"]
                    if o["clientOrderId"] == order["newClientOrderId"]]
            return reconnects, rows[0]["status"] if rows else "missing"
        finally:
            await client.disconnect()
            second.stop()

    reconnects, status = asyncio.run(scenario())
    assert reconnects, "the adapter's stream client never got back in after the restart"
    assert status == "NEW"


WEIGHED = SandboxConfig(prices=PriceProcess(volatility_bps=0),
                        rate_limits=RateLimits(weight_per_minute=100_000))


@pytest.mark.parametrize("sandbox", [WEIGHED], indirect=True)
def test_weights_by_symbol_and_limit_and_usage_headers(sandbox: SandboxHandle) -> None:
    """openOrders weighs 1 with a symbol and 40 without; depth by limit; headers tell the use."""
    url = sandbox.venue.base_url_http

    def used_after(path: str, params: dict[str, Any], signed: bool = True) -> int:
        before = sandbox.venue.truth()["used_weight_1m"]
        _, _, headers = rest_client.call(url, "GET", path, params, signed=signed)
        assert int(headers["X-MBX-USED-WEIGHT-1M"]) == sandbox.venue.truth()["used_weight_1m"]
        return sandbox.venue.truth()["used_weight_1m"] - before

    assert used_after("/fapi/v1/openOrders", {"symbol": "BTCUSDT"}) == 1
    assert used_after("/fapi/v1/openOrders", {}) == 40
    assert used_after("/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": 5}, False) == 2
    assert used_after("/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": 1000}, False) == 20
    assert used_after("/fapi/v1/ticker/24hr", {}, False) == 40
    _, _, headers = rest_client.call(url, "POST", "/fapi/v1/order", _market())
    assert headers["X-MBX-ORDER-COUNT-10S"] == "1" and headers["X-MBX-ORDER-COUNT-1M"] == "1"


def test_violations_are_forgiven_after_their_memory() -> None:
    """A client that once ran into the limit is not banned for it minutes later."""
    from nautilus_exec_kit.sandbox._ratelimit import RateLimiter

    limiter = RateLimiter(RateLimits(weight_per_minute=1, ban_after_violations=2,
                                     violation_memory_secs=60))
    t = 0
    for minute in range(5):  # two violations a minute, every minute: never more than 2 remembered
        t = minute * 61_000
        limiter.admit("GET", "/fapi/v1/time", t)
        for k in (1, 2):
            with pytest.raises(Exception, match="-1003"):
                limiter.admit("GET", "/fapi/v1/time", t + k)
    assert limiter.banned_until_ms == 0 and limiter.violations == 2
    with pytest.raises(Exception, match="banned"):
        limiter.admit("GET", "/fapi/v1/time", t + 3)  # the third within the memory bans


def test_position_risk_rows_carry_every_field_and_binance_rounding(
        sandbox: SandboxHandle) -> None:
    url = sandbox.venue.base_url_http
    for price in ("50000", "50000.1", "50000.3"):  # fills at the asks: average 50000.2333...
        sandbox.venue.set_price("BTCUSDT", price)
        status, _, _ = rest_client.call(url, "POST", "/fapi/v1/order", _market(quantity="0.003"))
        assert status == 200
    for version in ("v2", "v3"):
        _, rows, _ = rest_client.call(url, "GET", f"/fapi/{version}/positionRisk",
                                      {"symbol": "BTCUSDT"})
        [row] = rows
        assert {"leverage", "marginType", "maxNotionalValue", "initialMargin", "maintMargin",
                "breakEvenPrice", "isolatedWallet", "adl", "notional"} <= set(row)
        assert row["leverage"] == "20" and row["positionAmt"] == "0.009"
        assert row["entryPrice"] == "50000.23333333"  # Binance's 8 decimals, not 28 digits


def test_batch_orders_answer_each_order_in_its_place(sandbox: SandboxHandle) -> None:
    good = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.010",
            "price": "49000", "timeInForce": "GTC"}
    batch = [good, {**good, "quantity": "NaN"}, {**good, "side": "UP"}]
    status, rows, _ = rest_client.call(sandbox.venue.base_url_http, "POST",
                                       "/fapi/v1/batchOrders", {"batchOrders": json.dumps(batch)})
    assert status == 200
    assert rows[0]["status"] == "NEW"
    assert [r.get("code") for r in rows[1:]] == [-1100, -1117]
    status, body, _ = rest_client.call(sandbox.venue.base_url_http, "POST",
                                       "/fapi/v1/batchOrders",
                                       {"batchOrders": json.dumps([good] * 6)})
    assert (status, body["code"]) == (400, -1130)
