"""Binance USDT-M error codes as data: code -> (meaning, category).

Why a table and not if-chains: the policy asks "which category is -2019 in", the docs are generated
from the same rows, and a user override names a code or a category without knowing the code
paths. Codes not listed here fall back to :attr:`ErrorCategory.UNCLASSIFIED` (skip, loudly).

The codes come from ``BinanceErrorCode`` in the pinned adapter
(``adapters/binance/common/enums.py``) and Binance's futures error-code page; the category is
the kit's decision about what a strategy should do with the answer.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs


class ErrorCategory(enum.StrEnum):
    """What kind of failure a reject is; the error policy maps each category to an action."""

    INSUFFICIENT_FUNDS = "insufficient_funds"  # balance/margin/position too small: never resend
    WOULD_TAKE = "would_take"  # post-only (GTX) or FOK could not rest/fill as asked
    WOULD_TRIGGER = "would_trigger"  # stop/trigger already in the market
    FILTER = "filter"  # tick/step/notional/precision: validation should have caught it
    ORDER_REJECTED = "order_rejected"  # the venue said no, without a more precise reason
    NOT_FOUND = "not_found"  # cancel/query of an order the venue does not know
    TRADING_STATE = "trading_state"  # the trader is HALTED/REDUCING (RiskEngine)
    RATE_LIMIT = "rate_limit"  # -1003/-1015/HTTP 429: slow down
    LOCAL_RATE_LIMIT = "local_rate_limit"  # Nautilus RiskEngine max_order_submit_rate denial
    IP_BAN = "ip_ban"  # HTTP 418 / "banned until": stop everything until the ban ends
    TRANSIENT = "transient"  # busy/disconnected: the request did not execute
    TIMESTAMP = "timestamp"  # recvWindow / clock skew
    UNKNOWN_STATUS = "unknown_status"  # execution status unknown: the order MAY exist
    INVALID_SYMBOL = "invalid_symbol"  # the instrument is wrong for this venue/account
    ALGO_API = "algo_api"  # -4120: conditional orders must use the Algo Order API
    POSITION_MODE = "position_mode"  # positionSide/position mode mismatch (-4061 ...)
    PARAM_MISUSE = "param_misuse"  # close_position/price_match/flags the venue refuses
    AUTH = "auth"  # key, signature, permission
    UNCLASSIFIED = "unclassified"  # text the parser could not place


@attrs.frozen
class CodeInfo:
    """One row of the Binance code table."""

    meaning: str
    category: ErrorCategory


def _rows(category: ErrorCategory, rows: dict[int, str]) -> dict[int, CodeInfo]:
    return {code: CodeInfo(meaning, category) for code, meaning in rows.items()}


_C = ErrorCategory

BINANCE_CODES: Final[Mapping[int, CodeInfo]] = MappingProxyType(
    {
        **_rows(
            _C.INSUFFICIENT_FUNDS,
            {
                -2018: "Balance is insufficient.",
                -2019: "Margin is insufficient.",
                -2024: "Position is not sufficient.",
                -2027: "Exceeded the maximum allowable position at current leverage.",
                -4050: "Cross balance insufficient.",
                -4051: "Isolated balance insufficient.",
                -4118: "ReduceOnly Order failed: check the existing position and open orders.",
            },
        ),
        **_rows(
            _C.WOULD_TAKE,
            {
                -5022: "Due to the order could not be executed as maker, the Post Only order "
                "will be rejected.",
                -5021: "Due to the order could not be filled immediately, the FOK order has "
                "been rejected.",
            },
        ),
        **_rows(_C.WOULD_TRIGGER, {-2021: "Order would immediately trigger."}),
        **_rows(
            _C.FILTER,
            {
                -1013: "Filter failure (price/quantity/notional).",
                -1111: "Precision is over the maximum defined for this asset.",
                -4003: "Quantity less than or equal to zero.",
                -4004: "Quantity less than minimum quantity.",
                -4005: "Quantity greater than maximum quantity.",
                -4013: "Price less than minimum price.",
                -4014: "Price not increased by tick size.",
                -4016: "Limit price can't be higher than the multiplier-up cap.",
                -4023: "Quantity not increased by step size.",
                -4024: "Limit price can't be lower than the multiplier-down floor.",
                -4164: "Order's notional must be no smaller than the minimum notional.",
                -2020: "Unable to fill.",
                -2025: "Reach max open order limit.",
                -4045: "Reach max stop order limit.",
                -2007: "Invalid callback rate.",
            },
        ),
        **_rows(
            _C.ORDER_REJECTED,
            {
                -2010: "New order rejected.",
                -2022: "ReduceOnly Order is rejected.",
                -2023: "User in liquidation mode now.",
                -4131: "The counterparty's best price does not meet the PERCENT_PRICE filter.",
            },
        ),
        **_rows(
            _C.NOT_FOUND,
            {-2011: "Unknown order sent.", -2013: "Order does not exist."},
        ),
        **_rows(
            _C.RATE_LIMIT,
            {
                -1003: "Too many requests.",
                -1015: "Too many new orders.",
            },
        ),
        **_rows(
            _C.TRANSIENT,
            {
                -1001: "Internal error; unable to process your request. Please try again.",
                -1008: "Server is currently overloaded with other requests.",
                -1016: "This service is no longer available.",
            },
        ),
        **_rows(
            _C.TIMESTAMP,
            {
                -1021: "Timestamp for this request is outside of the recvWindow.",
                -5028: "Timestamp for this request is outside of the ME recvWindow.",
            },
        ),
        **_rows(
            _C.UNKNOWN_STATUS,
            {
                -1000: "An unknown error occurred while processing the request.",
                -1006: "Unexpected response; execution status unknown.",
                -1007: "Timeout waiting for response from backend server. Send status unknown; "
                "execution status unknown.",
                # The adapter's own retry of a -1007 whose order WAS placed gets -4116: the venue
                # holds an order with this client ID, so query it; resending would duplicate it.
                -4116: "ClientOrderId is duplicated.",
            },
        ),
        **_rows(
            _C.INVALID_SYMBOL,
            {-1121: "Invalid symbol.", -1122: "Invalid symbol status.", -4141: "Symbol is closed."},
        ),
        **_rows(
            _C.ALGO_API,
            {-4120: "Order type not supported for this endpoint. Please use the Algo Order API."},
        ),
        **_rows(
            _C.POSITION_MODE,
            {
                -4059: "No need to change position side.",
                -4060: "Invalid position side.",
                -4061: "Order's position side does not match user's setting.",
                -4062: "Invalid or improper reduceOnly value.",
                -4067: "Position side cannot be changed if there exists open orders.",
                -4068: "Position side cannot be changed if there exists position.",
            },
        ),
        **_rows(
            _C.PARAM_MISUSE,
            {
                -1102: "Mandatory parameter was not sent, was empty/null, or malformed.",
                -1106: "A parameter was sent when not required.",
                -1115: "Invalid timeInForce.",
                -1116: "Invalid orderType.",
                -4137: "Quantity must be zero with closePosition equals true.",
                -4138: "Reduce only must be true with closePosition equals true.",
                -4139: "Order type can not be market if it's unable to cancel.",
                -4135: "Invalid activation price.",
            },
        ),
        **_rows(
            _C.AUTH,
            {
                -1002: "You are not authorized to execute this request.",
                -1022: "Signature for this request is not valid.",
                -2014: "API-key format invalid.",
                -2015: "Invalid API-key, IP, or permissions for action.",
                -2017: "API Keys are locked on this account.",
                -4088: "No permission to place orders.",
            },
        ),
    }
)

#: Codes the pinned adapter retries itself when ``BinanceExecClientConfig.max_retries`` is set
#: (``BINANCE_RETRY_ERRORS`` in ``adapters/binance/common/constants.py``).
ADAPTER_RETRIED_CODES: Final[frozenset[int]] = frozenset(
    {-1001, -1003, -1007, -1008, -1021, -2011, -5028}
)

#: HTTP statuses that carry a meaning of their own when no Binance code is known.
HTTP_STATUS_CATEGORIES: Final[Mapping[int, ErrorCategory]] = MappingProxyType(
    {
        401: _C.AUTH,
        403: _C.AUTH,  # WAF refusal
        418: _C.IP_BAN,
        429: _C.RATE_LIMIT,
        500: _C.UNKNOWN_STATUS,
        502: _C.UNKNOWN_STATUS,
        503: _C.UNKNOWN_STATUS,  # "Unknown error, please check your request or try again later."
        504: _C.UNKNOWN_STATUS,
    }
)


def code_info(code: int | None) -> CodeInfo | None:
    """The table row of ``code``, or ``None`` for codes the kit does not know."""
    return BINANCE_CODES.get(code) if code is not None else None


__all__ = [
    "ADAPTER_RETRIED_CODES",
    "BINANCE_CODES",
    "HTTP_STATUS_CATEGORIES",
    "CodeInfo",
    "ErrorCategory",
    "code_info",
]
