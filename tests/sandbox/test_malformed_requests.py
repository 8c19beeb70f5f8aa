"""Hypothesis throws malformed requests at every route; each answer must be Binance's JSON error.

Binance never answers a text 500: a bad number, an unknown enum value, a JSON list that is not one,
a duplicate parameter or an empty body each get ``{"code": <int>, "msg": <str>}`` with a 4xx status,
and the venue keeps serving. The requests are properly signed, so they reach the parameter checks
and the engine rather than stopping at -1022.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nautilus_exec_kit.sandbox import (
    PriceProcess,
    RateLimits,
    SandboxConfig,
    SandboxHandle,
    SandboxVenue,
    run_sandbox_in_thread,
)
from tests.peers.probes import MALFORMED_VALUES, PARAM_NAMES

CONFIG = SandboxConfig(prices=PriceProcess(volatility_bps=0),
                       rate_limits=RateLimits(weight_per_minute=10**9, orders_per_10s=10**9,
                                              orders_per_minute=10**9))
ROUTES = SandboxVenue(CONFIG).route_keys()

NAMES = PARAM_NAMES
BAD_VALUES = st.one_of(
    st.sampled_from(MALFORMED_VALUES),
    st.text(max_size=12),
    st.integers(min_value=-10**21, max_value=10**21).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
ORDER = st.dictionaries(st.sampled_from(NAMES), BAD_VALUES, max_size=6)
BATCHES = st.lists(ORDER, min_size=0, max_size=6).map(json.dumps)
PARAMS = st.one_of(
    st.dictionaries(st.sampled_from(NAMES), BAD_VALUES, max_size=6),
    st.builds(lambda order, batch: {**order, "batchOrders": batch}, ORDER, BATCHES),
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    handle = run_sandbox_in_thread(CONFIG)
    yield handle
    handle.stop()


def _send(url: str, method: str, path: str, params: dict[str, str], in_body: bool) -> tuple[
        int, bytes, str]:
    params = {**params, "timestamp": str(int(time.time() * 1000))}
    text = urlencode(params)
    sig = hmac.new(b"sandbox-api-secret", text.encode(), hashlib.sha256).hexdigest()
    signed = f"{text}&signature={sig}"
    headers = {"X-MBX-APIKEY": "sandbox-api-key"}
    if in_body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(url + path, data=signed.encode(), method=method,
                                     headers=headers)
    else:
        req = urllib.request.Request(f"{url}{path}?{signed}", method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers.get("Content-Type", "")


def _is_binance_error(body: Any) -> bool:
    return (isinstance(body, dict) and isinstance(body.get("code"), int)
            and isinstance(body.get("msg"), str))


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(route=st.sampled_from(ROUTES), params=PARAMS, in_body=st.booleans())
def test_every_route_answers_malformed_input_with_a_binance_json_error(
        sandbox: SandboxHandle, route: tuple[str, str], params: dict[str, str],
        in_body: bool) -> None:
    method, path = route
    status, raw, content_type = _send(sandbox.venue.base_url_http, method, path, params,
                                      in_body and method != "GET")
    assert "application/json" in content_type, (route, params, raw[:200])
    body = json.loads(raw)
    assert status < 500, (route, params, body)
    if status != 200:
        assert _is_binance_error(body), (route, params, body)


@pytest.mark.parametrize("path", ["/fapi/v1/nope", "/nothing", "/fapi/v9/order", "/ws-fapi/v1"])
def test_unknown_paths_answer_json(sandbox: SandboxHandle, path: str) -> None:
    status, raw, content_type = _send(sandbox.venue.base_url_http, "GET", path, {}, False)
    assert status >= 400 and "application/json" in content_type
    assert _is_binance_error(json.loads(raw))
