"""A fault rule narrowed by request parameters: it hits the order that carries them and lets the
order sent beside it on the same route through (a flip's reduce-only close delayed, its entry
not: tests/nautilus2's FLIP script)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from nautilus_exec_kit.sandbox import (
    FaultRule,
    PriceProcess,
    SandboxConfig,
    SandboxHandle,
    run_sandbox_in_thread,
)

from . import rest_client


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    handle = run_sandbox_in_thread(SandboxConfig(prices=PriceProcess(volatility_bps=0)))
    yield handle
    handle.stop()


def _market(side: str, **extra: str) -> dict[str, str]:
    return {"symbol": "BTCUSDT", "side": side, "type": "MARKET", "quantity": "0.010",
            "newClientOrderId": f"t-{time.monotonic_ns()}", **extra}


def test_a_latency_rule_with_params_delays_only_the_matching_order(
    sandbox: SandboxHandle,
) -> None:
    url = sandbox.venue.base_url_http
    sandbox.venue.faults.add({"kind": "latency", "path": "/fapi/v1/order", "method": "POST",
                              "delay_ms": 400, "params": {"reduceOnly": "true"}})
    rest_client.call(url, "POST", "/fapi/v1/order", _market("BUY"))
    start = time.monotonic()
    rest_client.call(url, "POST", "/fapi/v1/order", _market("BUY", reduceOnly="False"))
    assert time.monotonic() - start < 0.3  # not reduce-only: not delayed, the rule still armed
    assert sandbox.venue.faults.rules()[0]["fired"] == 0
    start = time.monotonic()
    status, _, _ = rest_client.call(url, "POST", "/fapi/v1/order",
                                    _market("SELL", reduceOnly="True"))  # booleans: any case
    assert status == 200 and time.monotonic() - start >= 0.4
    assert sandbox.venue.faults.rules() == []  # spent


def test_an_answering_rule_with_params_hits_the_ws_api_method_with_them(
    sandbox: SandboxHandle,
) -> None:
    rule = FaultRule(kind="binance_error", path="/fapi/v1/order", method="POST", status=400,
                     code=-2019, msg="Margin is insufficient.", params={"side": "SELL"})
    assert rule.matches_request("POST", "/fapi/v1/order", {"side": "sell", "type": "MARKET"})
    assert not rule.matches_request("POST", "/fapi/v1/order", {"side": "BUY"})
    assert not rule.matches_request("POST", "/fapi/v1/order", None)  # unparsable parameters
    sandbox.venue.faults.add(rule)
    url = sandbox.venue.base_url_http
    assert rest_client.call(url, "POST", "/fapi/v1/order", _market("BUY"))[0] == 200
    status, body, _ = rest_client.call(url, "POST", "/fapi/v1/order", _market("SELL"))
    assert (status, body["code"]) == (400, -2019)
