"""The node's Binance request weight per clock minute, and the budget the kit's own checks keep.

Why: Binance allows 2400 request weight per minute per IP on USDT-M futures, counted in fixed
clock minutes, and bans an IP (HTTP 418) that keeps sending after a 429. Every REST answer
carries ``X-MBX-USED-WEIGHT-1M``: the IP's weight so far this minute, which includes what other
programs on the same IP spent. The Nautilus 1.231 adapter reads the answer's body and drops its
headers (``BinanceHttpClient.send_request``), so the kit puts a :class:`RequestWeightMeter` in
front of the adapter's HTTP client: it reads that header on every answer and also counts the
weight of every request from Binance's published weights (the table the sandbox charges by), so it
can say *what* spent the weight, and still has a figure when a proxy strips the header.

The kit's periodic checks (the order check, ``live/order_check.py``) ask the meter before each
query: above ``slow_pct`` of the limit only urgent questions go out, above ``stop_pct`` none until
the next minute. The strategy's own orders are never held back here: the adapter's own rate
limiter and the error policy's halt on -1003 / 429 / 418 handle those.

Reading the figures::

    meter = RequestWeightMeter.install(node)        # after node.build(); build_node does it
    meter.snapshot().used                           # weight of the current clock minute
    request_weight_stats(strategy.trader_id)        # what exec_kit_stats() adds
"""

from __future__ import annotations

import enum
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

import attrs

from nautilus_exec_kit.core.weights import request_weight

#: Binance's USDT-M futures request-weight limit per minute and IP (the default tier).
BINANCE_WEIGHT_LIMIT: Final[int] = 2400
#: The answer header with the IP's weight so far in the current minute (names are
#: case-insensitive; the Rust HTTP client hands them over in lower case).
USED_WEIGHT_HEADER: Final[str] = "x-mbx-used-weight-1m"
#: HTTP statuses Binance answers when the IP is over its limit (429) or banned (418).
RATE_LIMITED_STATUSES: Final[frozenset[int]] = frozenset({418, 429})
_MINUTE_MS: Final[int] = 60_000


def _pct(value: float) -> float:
    if not 0 < value <= 100:
        raise ValueError(f"a share of the limit must be in (0, 100], got {value}")
    return float(value)


@attrs.frozen
class WeightBudget:
    """How much of the per-minute limit the kit's own checks may see used before they slow down.

    ``limit``: the account's weight per minute (2400 unless Binance raised your tier).
    ``slow_pct``: above this share, the checks only ask about orders that are urgent (a market
    order still open, a cancel the venue refused). ``stop_pct``: above it, they wait for the next
    minute.
    """

    limit: int = attrs.field(default=BINANCE_WEIGHT_LIMIT, validator=attrs.validators.gt(0))
    slow_pct: float = attrs.field(default=50.0, converter=_pct)
    stop_pct: float = attrs.field(default=80.0, converter=_pct)

    def __attrs_post_init__(self) -> None:
        if self.slow_pct > self.stop_pct:
            raise ValueError(f"slow_pct={self.slow_pct} must not exceed stop_pct={self.stop_pct}")


class Pace(enum.StrEnum):
    """What the kit's checks may do with the weight left this minute."""

    #: Ask about every order in doubt.
    NORMAL = "normal"
    #: Ask only about urgent orders (``slow_pct`` passed).
    SLOW = "slow"
    #: Ask nothing until the next minute (``stop_pct`` passed).
    STOP = "stop"


@attrs.frozen
class WeightSnapshot:
    """The meter's figures at one instant."""

    #: Weight of the current clock minute: the venue's header when it sent one this minute, or the
    #: node's own count, whichever is higher.
    used: int
    #: The heaviest minute so far.
    peak: int
    limit: int
    #: REST requests the node sent, and how many Binance refused for the limit (429 / 418).
    requests: int
    rate_limited: int
    #: The node's counted weight per ``"METHOD /path"``, heaviest first.
    by_route: tuple[tuple[str, int], ...]

    @property
    def used_pct(self) -> float:
        """``used`` as a percentage of ``limit``."""
        return 100.0 * self.used / self.limit

    @property
    def peak_pct(self) -> float:
        """``peak`` as a percentage of ``limit``."""
        return 100.0 * self.peak / self.limit

    def describe(self) -> str:
        """One line for the run summary."""
        heaviest = ", ".join(f"{route} {weight}" for route, weight in self.by_route[:3])
        return (
            f"peak {self.peak}/{self.limit} per minute ({self.peak_pct:.0f}%), now {self.used}; "
            f"{self.requests} requests, {self.rate_limited} refused (429/418)"
            + (f"; heaviest: {heaviest}" if heaviest else "")
        )


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


def request_weight_of(method: str, path: str, params: Mapping[str, str] | None = None) -> int:
    """What Binance charges one request (its published USDT-M weights, by symbol and limit:
    the core's table, which the sandbox charges too)."""
    return request_weight(method, path, params or {})


class RequestWeightMeter:
    """Counts the node's REST request weight per clock minute and reads the venue's own figure.

    All methods run on the node's event loop; :meth:`used` and :meth:`snapshot` may also be read
    from another thread (a metrics scrape): they only read.
    """

    def __init__(
        self,
        budget: WeightBudget | None = None,
        now_ms: Callable[[], int] = _wall_ms,
    ) -> None:
        self.budget = budget or WeightBudget()
        self._now_ms = now_ms
        self._weight_of = request_weight
        # minute -> weight: what the node counted, and the highest header the venue sent
        self._counted: dict[int, int] = {}
        self._reported: dict[int, int] = {}
        self._peak = 0
        self.requests = 0
        self.rate_limited = 0
        self.by_route: Counter[str] = Counter()
        #: Called with (route, weight, status) after every answer (metrics subscribe here).
        self.listeners: list[Callable[[str, int, int | None], None]] = []

    # -- recording ------------------------------------------------------------------------------

    def observe(
        self,
        method: str,
        url: str,
        status: int | None,
        headers: Mapping[str, str] | None,
    ) -> None:
        """Record one request and its answer (``status`` None: no answer arrived)."""
        split = urlsplit(url)
        params = dict(parse_qsl(split.query))
        weight = self._weight_of(method, split.path, params)
        route = f"{method.upper()} {split.path}"
        minute = self._now_ms() // _MINUTE_MS
        self._counted[minute] = self._counted.get(minute, 0) + weight
        reported = _header(headers, USED_WEIGHT_HEADER)
        if reported is not None and reported > self._reported.get(minute, -1):
            self._reported[minute] = reported
        for old in [m for m in self._counted if m < minute - 1]:
            self._counted.pop(old, None)
            self._reported.pop(old, None)
        self.requests += 1
        self.rate_limited += status in RATE_LIMITED_STATUSES
        self.by_route[route] += weight
        self._peak = max(self._peak, self._used_in(minute))
        for listener in self.listeners:
            listener(route, weight, status)

    # -- reading --------------------------------------------------------------------------------

    def _used_in(self, minute: int) -> int:
        return max(self._counted.get(minute, 0), self._reported.get(minute, 0))

    def used(self) -> int:
        """Weight of the current clock minute (0 right after the minute turns)."""
        return self._used_in(self._now_ms() // _MINUTE_MS)

    @property
    def peak(self) -> int:
        """The heaviest minute so far."""
        return self._peak

    def pace(self) -> Pace:
        """What the kit's checks may do now."""
        pct = 100.0 * self.used() / self.budget.limit
        if pct >= self.budget.stop_pct:
            return Pace.STOP
        if pct >= self.budget.slow_pct:
            return Pace.SLOW
        return Pace.NORMAL

    def allows(self, cost: int, *, urgent: bool) -> bool:
        """Whether a check may spend ``cost`` now: below ``slow_pct`` anything, below
        ``stop_pct`` urgent questions only, and nothing that would cross ``stop_pct``."""
        after = 100.0 * (self.used() + cost) / self.budget.limit
        if after > self.budget.stop_pct:
            return False
        return urgent or after <= self.budget.slow_pct

    def snapshot(self) -> WeightSnapshot:
        """The figures now."""
        return WeightSnapshot(
            used=self.used(),
            peak=self._peak,
            limit=self.budget.limit,
            requests=self.requests,
            rate_limited=self.rate_limited,
            by_route=tuple(self.by_route.most_common()),
        )

    # -- wiring ---------------------------------------------------------------------------------

    def wrap(self, binance_http_client: Any) -> bool:
        """Put the meter in front of one ``BinanceHttpClient`` (its Rust ``HttpClient``).

        Returns False when already metered (the data and exec clients share one HTTP client when
        their settings match, as ``plan_node`` makes them).
        """
        inner = getattr(binance_http_client, "_client", None)
        if inner is None or isinstance(inner, MeteredHttpClient):
            return False
        binance_http_client._client = MeteredHttpClient(inner, self)
        return True

    @classmethod
    def install(cls, node: Any, budget: WeightBudget | None = None) -> RequestWeightMeter:
        """Meter every Binance client of a built ``TradingNode`` (after ``node.build()``) and
        register the meter under the node's trader id (:func:`meter_of`)."""
        meter = cls(budget)
        kernel = node.kernel
        # The engines keep their clients in ``_clients``; there is no public getter in 1.231.
        for engine in (kernel.data_engine, kernel.exec_engine):
            for client in engine._clients.values():
                http = getattr(client, "_http_client", None)
                if http is not None:
                    meter.wrap(http)
        _METERS[str(kernel.trader_id)] = meter
        return meter


def _header(headers: Mapping[str, str] | None, name: str) -> int | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return None


def _method_name(method: Any) -> str:
    # nautilus_pyo3.HttpMethod prints as "HttpMethod.GET"
    return str(method).rsplit(".", 1)[-1].upper()


class MeteredHttpClient:
    """Stands in for the adapter's Rust ``HttpClient``: forwards each request, then tells the
    meter what was sent and what came back (status and headers)."""

    def __init__(self, inner: Any, meter: RequestWeightMeter) -> None:
        self._inner = inner
        self._meter = meter

    async def request(self, method: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        """``HttpClient.request`` with the answer metered."""
        try:
            response = await self._inner.request(method, url, *args, **kwargs)
        except BaseException:
            # Binance may have counted a request whose answer never arrived.
            self._meter.observe(_method_name(method), url, None, None)
            raise
        self._meter.observe(_method_name(method), url, int(response.status),
                            dict(response.headers or {}))
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


#: The meter of each node in this process, by trader id.
_METERS: dict[str, RequestWeightMeter] = {}


def meter_of(trader_id: Any) -> RequestWeightMeter | None:
    """The meter installed on the node of ``trader_id`` in this process, if any."""
    return _METERS.get(str(trader_id))


def request_weight_stats(trader_id: Any) -> dict[str, int]:
    """``weight.used_1m`` / ``weight.peak_1m`` / ``weight.limit`` / ``weight.rate_limited`` of the
    node of ``trader_id`` (empty in a backtest: no meter)."""
    meter = meter_of(trader_id)
    if meter is None:
        return {}
    snap = meter.snapshot()
    return {
        "weight.used_1m": snap.used,
        "weight.peak_1m": snap.peak,
        "weight.limit": snap.limit,
        "weight.rate_limited": snap.rate_limited,
    }


__all__ = [
    "BINANCE_WEIGHT_LIMIT",
    "RATE_LIMITED_STATUSES",
    "USED_WEIGHT_HEADER",
    "MeteredHttpClient",
    "Pace",
    "RequestWeightMeter",
    "WeightBudget",
    "WeightSnapshot",
    "meter_of",
    "request_weight_of",
    "request_weight_stats",
]
