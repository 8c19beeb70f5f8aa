"""Binance's request-weight and order-count limits, with 429 escalating to a 418 IP ban.

Windows are fixed intervals aligned to the clock (as Binance's ``X-MBX-USED-WEIGHT-1M`` counts);
weights per endpoint are data, by symbol and limit where Binance charges so. A client that keeps
sending while limited collects violations and, past ``ban_after_violations`` within
``violation_memory_secs``, is banned for ``ban_secs`` with HTTP 418. Every answer carries the usage
headers Binance sends, so a client's own limiter (ccxt, the official SDK) reads the truth.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from nautilus_exec_kit.core.weights import request_weight
from nautilus_exec_kit.sandbox._config import RateLimits
from nautilus_exec_kit.sandbox._engine import BinanceReject

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

    def refresh(self, now_ms: int) -> None:
        """Start a new window when ``now_ms`` is past this one."""
        start = now_ms - now_ms % self.length_ms
        if start != self.start:
            self.start, self.used = start, 0

    def add(self, now_ms: int, amount: int) -> int | None:
        """Count ``amount``; return ms until reset if the limit is exceeded, else None."""
        self.refresh(now_ms)
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
    banned_until_ms: int = 0
    #: When each 429 of the last ``violation_memory_secs`` was answered: older ones are forgiven,
    #: so only a client that keeps hammering after 429s is banned, not one that had a burst.
    _violations: list[int] = attrs.field(factory=list)

    def __attrs_post_init__(self) -> None:
        self._weight = _Window(60_000, self.limits.weight_per_minute)
        self._orders_10s = _Window(10_000, self.limits.orders_per_10s)
        self._orders_1m = _Window(60_000, self.limits.orders_per_minute)

    def used_weight(self) -> int:
        return self._weight.used

    @property
    def violations(self) -> int:
        return len(self._violations)

    def headers(self, method: str, path: str) -> dict[str, str]:
        """The usage headers Binance puts on every answer (order counts on order routes)."""
        out = {"X-MBX-USED-WEIGHT-1M": str(self._weight.used)}
        if (method.upper(), path) in ORDER_ENDPOINTS:
            out["X-MBX-ORDER-COUNT-10S"] = str(self._orders_10s.used)
            out["X-MBX-ORDER-COUNT-1M"] = str(self._orders_1m.used)
        return out

    def usage(self) -> list[dict[str, object]]:
        """The ``rateLimits`` array of a WS API answer: each window's limit and count."""
        return [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
             "limit": self._weight.limit, "count": self._weight.used},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10,
             "limit": self._orders_10s.limit, "count": self._orders_10s.used},
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1,
             "limit": self._orders_1m.limit, "count": self._orders_1m.used},
        ]

    def admit(self, method: str, path: str, now_ms: int,
              params: Mapping[str, str] | None = None) -> None:
        """Count one request; raise the 429/418 reject Binance would answer."""
        if now_ms < self.banned_until_ms:
            raise self._ban_reject(now_ms)
        key = (method.upper(), path)
        cost = request_weight(method, path, params or {})
        self._weight.refresh(now_ms)
        self._orders_10s.refresh(now_ms)
        self._orders_1m.refresh(now_ms)
        wait = self._weight.add(now_ms, cost)
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
        memory_ms = int(self.limits.violation_memory_secs * 1000)
        self._violations = [t for t in self._violations if now_ms - t < memory_ms]
        self._violations.append(now_ms)
        if len(self._violations) > self.limits.ban_after_violations:
            self.banned_until_ms = now_ms + int(self.limits.ban_secs * 1000)
            self._violations.clear()
            raise self._ban_reject(now_ms)

    def _ban_reject(self, now_ms: int) -> BinanceReject:
        return BinanceReject(
            -1003,
            f"Way too many requests; IP(127.0.0.1) banned until {self.banned_until_ms}. "
            "Please use the websocket for live updates to avoid bans.",
            status=418,
        ).with_retry_after(self.banned_until_ms - now_ms)
