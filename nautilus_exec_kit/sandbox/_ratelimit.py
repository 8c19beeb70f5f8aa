"""Binance's request-weight and order-count limits, with 429 escalating to a 418 IP ban.

Windows are fixed intervals aligned to the clock (as Binance's ``X-MBX-USED-WEIGHT-1M`` counts);
weights per endpoint are data. A client that keeps sending while limited collects violations and,
past ``ban_after_violations``, is banned for ``ban_secs`` with HTTP 418.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from nautilus_exec_kit.sandbox._config import RateLimits
from nautilus_exec_kit.sandbox._engine import BinanceReject

#: Request weight per (method, path); 1 when absent. Binance's published USDT-M weights.
WEIGHTS: Mapping[tuple[str, str], int] = {
    ("GET", "/fapi/v1/exchangeInfo"): 1,
    ("GET", "/fapi/v2/account"): 5,
    ("GET", "/fapi/v3/positionRisk"): 5,
    ("GET", "/fapi/v1/openOrders"): 40,
    ("GET", "/fapi/v1/allOrders"): 5,
    ("GET", "/fapi/v1/userTrades"): 5,
    ("GET", "/fapi/v1/openAlgoOrders"): 40,
    ("GET", "/fapi/v1/allAlgoOrders"): 5,
    ("GET", "/fapi/v1/depth"): 20,
    ("GET", "/fapi/v1/klines"): 5,
    ("GET", "/fapi/v1/positionSide/dual"): 30,
    ("GET", "/fapi/v1/commissionRate"): 20,
    ("GET", "/fapi/v1/trades"): 5,
    ("GET", "/fapi/v1/aggTrades"): 20,
}

#: Requests that count against the order-count limits (new orders only, as on Binance).
ORDER_ENDPOINTS: frozenset[tuple[str, str]] = frozenset(
    {("POST", "/fapi/v1/order"), ("POST", "/fapi/v1/algoOrder"), ("POST", "/fapi/v1/batchOrders")}
)


@attrs.define
class _Window:
    length_ms: int
    limit: int
    start: int = 0
    used: int = 0

    def add(self, now_ms: int, amount: int) -> int | None:
        """Count ``amount``; return ms until reset if the limit is exceeded, else None."""
        start = now_ms - now_ms % self.length_ms
        if start != self.start:
            self.start, self.used = start, 0
        if self.used + amount > self.limit:
            return self.start + self.length_ms - now_ms
        self.used += amount
        return None


@attrs.define
class RateLimiter:
    """Per-venue (one client IP: loopback) weight and order windows."""

    limits: RateLimits
    _weight: _Window = attrs.field(init=False)
    _orders_10s: _Window = attrs.field(init=False)
    _orders_1m: _Window = attrs.field(init=False)
    violations: int = 0
    banned_until_ms: int = 0

    def __attrs_post_init__(self) -> None:
        self._weight = _Window(60_000, self.limits.weight_per_minute)
        self._orders_10s = _Window(10_000, self.limits.orders_per_10s)
        self._orders_1m = _Window(60_000, self.limits.orders_per_minute)

    def used_weight(self) -> int:
        return self._weight.used

    def admit(self, method: str, path: str, now_ms: int) -> None:
        """Count one request; raise the 429/418 reject Binance would answer."""
        if now_ms < self.banned_until_ms:
            raise self._ban_reject(now_ms)
        key = (method.upper(), path)
        wait = self._weight.add(now_ms, WEIGHTS.get(key, 1))
        if wait is not None:
            self._violate(now_ms)
            raise BinanceReject(
                -1003,
                f"Too many requests; current limit of IP(127.0.0.1) request weight per minute is "
                f"{self.limits.weight_per_minute}. Please use WebSocket Streams for live updates "
                "to avoid polling the API.",
                status=429,
            ).with_retry_after(wait)
        if key in ORDER_ENDPOINTS:
            for window, label in ((self._orders_10s, "TEN_SECONDS"), (self._orders_1m, "MINUTE")):
                wait = window.add(now_ms, 1)
                if wait is not None:
                    self._violate(now_ms)
                    raise BinanceReject(
                        -1015,
                        f"Too many new orders; current limit is {window.limit} orders per {label}.",
                        status=429,
                    ).with_retry_after(wait)

    def _violate(self, now_ms: int) -> None:
        self.violations += 1
        if self.violations > self.limits.ban_after_violations:
            self.banned_until_ms = now_ms + int(self.limits.ban_secs * 1000)
            self.violations = 0
            raise self._ban_reject(now_ms)

    def _ban_reject(self, now_ms: int) -> BinanceReject:
        return BinanceReject(
            -1003,
            f"Way too many requests; IP(127.0.0.1) banned until {self.banned_until_ms}. "
            "Please use the websocket for live updates to avoid bans.",
            status=418,
        ).with_retry_after(self.banned_until_ms - now_ms)
