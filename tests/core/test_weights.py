"""Binance's published USDT-M request weights, as the sandbox charges them and a node counts."""

from __future__ import annotations

from nautilus_exec_kit.core.weights import request_weight


def test_placing_and_modifying_orders_cost_no_ip_weight() -> None:
    # "0 on IP rate limit (x-mbx-used-weight-1m)": only the order-count limits move
    assert request_weight("POST", "/fapi/v1/order", {"symbol": "BTCUSDT"}) == 0
    assert request_weight("PUT", "/fapi/v1/order", {"symbol": "BTCUSDT"}) == 0
    assert request_weight("POST", "/fapi/v1/algoOrder", {"symbol": "BTCUSDT"}) == 0
    # cancelling and querying do cost
    assert request_weight("DELETE", "/fapi/v1/order", {"symbol": "BTCUSDT"}) == 1
    assert request_weight("GET", "/fapi/v1/order", {"symbol": "BTCUSDT"}) == 1
    assert request_weight("POST", "/fapi/v1/batchOrders", {}) == 5


def test_weights_by_symbol_and_limit() -> None:
    assert request_weight("GET", "/fapi/v1/openOrders", {"symbol": "BTCUSDT"}) == 1
    assert request_weight("GET", "/fapi/v1/openOrders", {}) == 40
    assert request_weight("GET", "/fapi/v1/depth", {"limit": "1000"}) == 20
    assert request_weight("GET", "/fapi/v1/depth", {}) == 10  # default limit 500
    assert request_weight("get", "/fapi/v1/klines", {"limit": "1500"}) == 10
