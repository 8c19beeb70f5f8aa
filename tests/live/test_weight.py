"""The request-weight meter: the venue's header and the node's own count per clock minute, the
budget the kit's checks keep, and the stand-in for the adapter's HTTP client."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from nautilus_exec_kit.live.weight import (
    MeteredHttpClient,
    Pace,
    RequestWeightMeter,
    WeightBudget,
    meter_of,
    request_weight_of,
    request_weight_stats,
)

BASE = "http://127.0.0.1:1"


class Clock:
    def __init__(self, ms: int = 10 * 60_000) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def test_weights_are_binances_published_ones() -> None:
    assert request_weight_of("GET", "/fapi/v1/order", {"symbol": "BTCUSDT"}) == 1
    assert request_weight_of("GET", "/fapi/v1/openOrders", {"symbol": "BTCUSDT"}) == 1
    assert request_weight_of("GET", "/fapi/v1/openOrders", {}) == 40
    assert request_weight_of("GET", "/fapi/v1/allOrders", {"symbol": "BTCUSDT"}) == 5


def test_the_venues_header_wins_when_it_says_more() -> None:
    clock = Clock()
    meter = RequestWeightMeter(now_ms=clock)
    meter.observe("GET", f"{BASE}/fapi/v1/openOrders?symbol=BTCUSDT&timestamp=1", 200,
                  {"X-MBX-USED-WEIGHT-1M": "900"})  # another program on the IP spent weight too
    meter.observe("GET", f"{BASE}/fapi/v1/openOrders?timestamp=2", 200, None)
    assert meter.used() == 900
    assert meter.snapshot().by_route == (("GET /fapi/v1/openOrders", 41),)
    meter.observe("GET", f"{BASE}/fapi/v1/allOrders?symbol=BTCUSDT", 200,
                  {"x-mbx-used-weight-1m": "5"})  # lower case, as the Rust client hands it over
    assert meter.used() == 900  # the highest figure of the minute stands


def test_a_new_minute_starts_from_zero_and_the_peak_stays() -> None:
    clock = Clock()
    meter = RequestWeightMeter(now_ms=clock)
    for _ in range(3):
        meter.observe("GET", f"{BASE}/fapi/v1/openOrders", 200, None)
    assert meter.used() == meter.peak == 120
    clock.ms += 60_000
    assert meter.used() == 0 and meter.peak == 120
    meter.observe("GET", f"{BASE}/fapi/v1/order?symbol=BTCUSDT", 429, None)
    snap = meter.snapshot()
    assert (snap.used, snap.peak, snap.requests, snap.rate_limited) == (1, 120, 4, 1)
    assert "peak 120/2400 per minute (5%)" in snap.describe()


@pytest.mark.parametrize(
    ("used", "pace", "routine", "urgent"),
    [(0, Pace.NORMAL, True, True), (1199, Pace.NORMAL, True, True),
     (1200, Pace.SLOW, False, True), (1919, Pace.SLOW, False, True),
     (1920, Pace.STOP, False, False)],
)
def test_the_budget_slows_routine_questions_first(used: int, pace: Pace, routine: bool,
                                                  urgent: bool) -> None:
    meter = RequestWeightMeter(WeightBudget(limit=2400, slow_pct=50, stop_pct=80), now_ms=Clock())
    if used:
        meter.observe("GET", f"{BASE}/fapi/v1/order?symbol=X", 200,
                      {"X-MBX-USED-WEIGHT-1M": str(used)})
    assert meter.pace() is pace
    assert meter.allows(1, urgent=False) is routine
    assert meter.allows(1, urgent=True) is urgent


def test_budget_values_are_checked() -> None:
    with pytest.raises(ValueError, match="slow_pct"):
        WeightBudget(slow_pct=90, stop_pct=80)
    with pytest.raises(ValueError):
        WeightBudget(stop_pct=120)


class _Response:
    status = 200
    headers = {"x-mbx-used-weight-1m": "17"}
    body = b"{}"


class _RustClient:
    """What the adapter's ``nautilus_pyo3.HttpClient`` looks like to the meter."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[tuple[Any, str]] = []

    async def request(self, method: Any, url: str, headers: Any = None, body: Any = None,
                      keys: Any = None) -> _Response:
        self.calls.append((method, url))
        if self.fail:
            raise TimeoutError("no answer")
        return _Response()


class _BinanceHttpClient:
    def __init__(self, inner: _RustClient) -> None:
        self._client = inner


def test_the_metered_client_forwards_and_reads_the_answer() -> None:
    from nautilus_trader.core.nautilus_pyo3 import HttpMethod

    meter = RequestWeightMeter(now_ms=Clock())
    inner = _RustClient()
    http = _BinanceHttpClient(inner)
    assert meter.wrap(http) and not meter.wrap(http)  # shared clients are metered once
    assert isinstance(http._client, MeteredHttpClient)
    response = asyncio.run(http._client.request(HttpMethod.GET, f"{BASE}/fapi/v2/positionRisk",
                                                headers={}, keys=["k"]))
    assert response.status == 200
    assert inner.calls == [(HttpMethod.GET, f"{BASE}/fapi/v2/positionRisk")]
    assert meter.used() == 17
    assert meter.by_route == {"GET /fapi/v2/positionRisk": 5}

    failing = _BinanceHttpClient(_RustClient(fail=True))
    meter.wrap(failing)
    with pytest.raises(TimeoutError):
        asyncio.run(failing._client.request(HttpMethod.GET, f"{BASE}/fapi/v1/order?symbol=X"))
    assert meter.requests == 2  # counted: Binance may have charged it


def test_stats_of_a_node_without_a_meter_are_empty() -> None:
    assert meter_of("NOBODY-001") is None
    assert request_weight_stats("NOBODY-001") == {}
