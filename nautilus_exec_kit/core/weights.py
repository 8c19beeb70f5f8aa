"""Binance USDT-M request weights as data: what each REST route (and its WS API method) costs
against the IP's ``X-MBX-USED-WEIGHT-1M`` budget.

Why in the core: the sandbox charges these weights like Binance, and a live node's weight meter
counts what it sends with the same table (``nautilus_exec_kit.live.weight``); a production node
must not import the sandbox to know them. Figures from Binance's USDⓈ-M REST reference, by
symbol and ``limit`` where Binance charges so.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs


@attrs.frozen
class Weight:
    """What one route costs: ``base``, or ``without_symbol`` when no symbol is sent, or by
    ``limit`` (the first ``(up_to, weight)`` step the request's limit fits, ``default_limit``
    when it sends none)."""

    base: int = 1
    without_symbol: int | None = None
    by_limit: tuple[tuple[int, int], ...] = ()
    default_limit: int = 500

    def of(self, params: Mapping[str, str]) -> int:
        if self.without_symbol is not None and not params.get("symbol"):
            return self.without_symbol
        if self.by_limit:
            raw = params.get("limit") or ""
            limit = int(raw) if raw.isdigit() else self.default_limit
            for up_to, weight in self.by_limit:
                if limit <= up_to:
                    return weight
            return self.by_limit[-1][1]
        return self.base


_DEPTH = Weight(by_limit=((50, 2), (100, 5), (500, 10), (1000, 20)))
_KLINES = Weight(by_limit=((99, 1), (499, 2), (1000, 5), (1500, 10)))

#: Request weight per (method, path); 1 when absent. Binance's published USDT-M weights. Placing
#: and modifying orders (REST or WS API) costs "0 on IP rate limit": only the order counts.
WEIGHTS: Mapping[tuple[str, str], Weight] = {
    ("POST", "/fapi/v1/order"): Weight(0),
    ("PUT", "/fapi/v1/order"): Weight(0),
    ("POST", "/fapi/v1/algoOrder"): Weight(0),
    ("GET", "/fapi/v1/exchangeInfo"): Weight(1),
    ("GET", "/fapi/v2/account"): Weight(5),
    ("GET", "/fapi/v3/account"): Weight(5),
    ("GET", "/fapi/v2/balance"): Weight(5),
    ("GET", "/fapi/v3/balance"): Weight(5),
    ("GET", "/fapi/v2/positionRisk"): Weight(5),
    ("GET", "/fapi/v3/positionRisk"): Weight(5),
    ("GET", "/fapi/v1/openOrders"): Weight(1, without_symbol=40),
    ("GET", "/fapi/v1/allOrders"): Weight(5),
    ("GET", "/fapi/v1/userTrades"): Weight(5),
    ("GET", "/fapi/v1/openAlgoOrders"): Weight(1, without_symbol=40),
    ("GET", "/fapi/v1/allAlgoOrders"): Weight(5),
    ("GET", "/fapi/v1/depth"): _DEPTH,
    ("GET", "/fapi/v1/klines"): _KLINES,
    ("GET", "/fapi/v1/markPriceKlines"): _KLINES,
    ("GET", "/fapi/v1/positionSide/dual"): Weight(30),
    ("GET", "/fapi/v1/commissionRate"): Weight(20),
    ("GET", "/fapi/v1/trades"): Weight(5),
    ("GET", "/fapi/v1/aggTrades"): Weight(20),
    ("GET", "/fapi/v1/ticker/24hr"): Weight(1, without_symbol=40),
    ("GET", "/fapi/v1/ticker/price"): Weight(1, without_symbol=2),
    ("GET", "/fapi/v2/ticker/price"): Weight(1, without_symbol=2),
    ("GET", "/fapi/v1/ticker/bookTicker"): Weight(2, without_symbol=5),
    ("GET", "/fapi/v1/premiumIndex"): Weight(1, without_symbol=10),
    ("GET", "/fapi/v1/income"): Weight(30),
    ("GET", "/fapi/v1/forceOrders"): Weight(20, without_symbol=50),
    ("GET", "/fapi/v1/symbolConfig"): Weight(5),
    ("GET", "/fapi/v1/multiAssetsMargin"): Weight(30),
    ("POST", "/fapi/v1/batchOrders"): Weight(5),
    ("PUT", "/fapi/v1/batchOrders"): Weight(5),
}


def request_weight(method: str, path: str, params: Mapping[str, str]) -> int:
    """What Binance charges one request (1 for a route it publishes no weight for)."""
    weight = WEIGHTS.get((method.upper(), path))
    return 1 if weight is None else weight.of(params)


__all__ = ["WEIGHTS", "Weight", "request_weight"]
