"""Request parameters as Binance reads them: query string plus form body, then each value's format.

Binance takes a request's parameters from the query string and from an
``application/x-www-form-urlencoded`` body alike (ccxt sends every POST/PUT in the body, Nautilus
in the query); a name sent twice, in one part or across both, is -1101. Every value is checked
against its format before the matching engine sees it, with Binance's codes: -1100 for a number
that is not one (``NaN``, ``1e3``, ``-5``, ``abc``), -1117 / -1116 / -1115 for an unknown side,
order type or time in force, -1130 for a JSON list that is not one. The engine then only ever
sees well-formed text, so no malformed request can reach it and raise a non-Binance error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from nautilus_exec_kit.sandbox._auth import illegal_characters
from nautilus_exec_kit.sandbox._engine import (
    ALGO_TYPES,
    REGULAR_TYPES,
    TIME_IN_FORCE,
    BinanceReject,
)

INTEGER_FORMAT = "^[0-9]{1,20}$"
DECIMAL_FORMAT = "^([0-9]{1,20})(\\.[0-9]{1,20})?$"
_INTEGER = re.compile(INTEGER_FORMAT[1:-1])
_DECIMAL = re.compile(DECIMAL_FORMAT[1:-1])

DUPLICATE = BinanceReject(-1101, "Duplicate values for a parameter detected.")

#: Parameters that are non-negative integers on every route that takes them.
INTEGER_PARAMS: frozenset[str] = frozenset({
    "timestamp", "recvWindow", "orderId", "origOrderId", "algoId", "limit", "leverage",
    "startTime", "endTime", "fromId", "goodTillDate",
})
#: Parameters that are non-negative decimals.
DECIMAL_PARAMS: frozenset[str] = frozenset({
    "quantity", "price", "stopPrice", "triggerPrice", "activationPrice", "activatePrice",
    "callbackRate", "priceRate", "amount",
})
#: Parameters with a closed set of values, the values, and Binance's reject for any other.
ENUM_PARAMS: Mapping[str, tuple[frozenset[str], BinanceReject]] = {
    "side": (frozenset({"BUY", "SELL"}), BinanceReject(-1117, "Invalid side.")),
    "type": (REGULAR_TYPES | ALGO_TYPES, BinanceReject(-1116, "Invalid orderType.")),
    "timeInForce": (TIME_IN_FORCE, BinanceReject(-1115, "Invalid timeInForce.")),
    "workingType": (frozenset({"MARK_PRICE", "CONTRACT_PRICE"}),
                    illegal_characters("workingType", "MARK_PRICE|CONTRACT_PRICE")),
    "newOrderRespType": (frozenset({"ACK", "RESULT"}),
                         illegal_characters("newOrderRespType", "ACK|RESULT")),
}
#: Parameters that carry a JSON list (batch routes), checked for being one.
JSON_LIST_PARAMS: frozenset[str] = frozenset(
    {"batchOrders", "orderIdList", "origClientOrderIdList"}
)


def parse(query: str, body: str) -> dict[str, str]:
    """The request's parameters from the raw query and form body; -1101 for a repeated name."""
    params: dict[str, str] = {}
    for text in (query, body):
        for name, value in parse_qsl(text, keep_blank_values=True):
            if name in params:
                raise DUPLICATE
            params[name] = value
    params.pop("signature", None)
    return params


def _check_integer(name: str, value: str) -> None:
    if not _INTEGER.fullmatch(value):
        raise illegal_characters(name, INTEGER_FORMAT)


def _check_decimal(name: str, value: str) -> None:
    if not _DECIMAL.fullmatch(value):
        raise illegal_characters(name, DECIMAL_FORMAT)


def _check_json_list(name: str, value: str) -> None:
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if not isinstance(parsed, list):
        raise BinanceReject(-1130, f"Data sent for parameter '{name}' is not valid.")


def _checker(name: str) -> Callable[[str, str], None] | None:
    if name in JSON_LIST_PARAMS:
        return _check_json_list
    if name in INTEGER_PARAMS:
        return _check_integer
    if name in DECIMAL_PARAMS:
        return _check_decimal
    return None


def check_formats(params: Mapping[str, str]) -> None:
    """Refuse the first parameter whose value does not have its Binance format."""
    for name, value in params.items():
        if value == "":
            continue  # empty = not sent; the route says whether it is mandatory (-1102)
        enum = ENUM_PARAMS.get(name)
        if enum is not None:
            if value.upper() not in enum[0]:
                raise enum[1]
            continue
        check = _checker(name)
        if check is not None:
            check(name, value)


def from_json(params: Mapping[str, Any]) -> dict[str, str]:
    """WS API params (JSON values) as the text a REST request would carry them in."""
    out: dict[str, str] = {}
    for name, value in params.items():
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, float):
            out[name] = format(Decimal(repr(value)), "f")  # 1e-05 -> "0.00001", as sent
        elif isinstance(value, (list, dict)):
            out[name] = json.dumps(value)
        elif value is not None:
            out[name] = str(value)
    out.pop("signature", None)
    return out
