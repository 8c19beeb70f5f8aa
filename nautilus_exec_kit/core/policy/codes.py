"""Binance USDⓈ-M futures error codes as data: code -> (Binance's name, meaning, category).

Why a table and not if-chains: the policy asks "which category is -2019 in", the docs are generated
from the same rows (:mod:`nautilus_exec_kit.core.policy.doc_table`), and a user override names a
code or a category without knowing the code paths. Codes not listed here fall back to
:attr:`ErrorCategory.UNCLASSIFIED` (skip, loudly).

Source: every code on Binance's USDⓈ-M error-code page
(https://developers.binance.com/docs/derivatives/usds-margined-futures/error-code, read
2026-05), which is also where ``BinanceErrorCode`` in the pinned adapter
(``adapters/binance/common/enums.py``) comes from. The name and meaning are Binance's (the first
message the page lists, ``%s`` shown as ``N``); the category is the kit's decision about what a
strategy should do with the answer. Some rows answer requests an order never makes (leverage and
margin-type changes, options, transfers): they are listed so that every code Binance can send is
named and placed, in :attr:`ErrorCategory.OTHER_ENDPOINT`.
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
    POSITION_LIMIT = "position_limit"  # -2027/-2028: position or leverage limit: never resend
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
    ACCOUNT_REDUCE_ONLY = "account_reduce_only"  # -4400/-4087/-4088: account reduce-only
    SYMBOL_REDUCE_ONLY = "symbol_reduce_only"  # -4401/-4105/-4189: one symbol reduce-only
    SYMBOL_STATUS = "symbol_status"  # -4140/-4141: the symbol is not trading
    INVALID_SYMBOL = "invalid_symbol"  # the instrument is wrong for this venue/account
    ALGO_API = "algo_api"  # -4120: conditional orders must use the Algo Order API
    POSITION_MODE = "position_mode"  # positionSide/position mode mismatch (-4061 ...)
    PARAM_MISUSE = "param_misuse"  # close_position/price_match/flags the venue refuses
    AUTH = "auth"  # key, signature, permission
    ACCOUNT_STATE = "account_state"  # the futures account itself cannot trade (inactive ...)
    OTHER_ENDPOINT = "other_endpoint"  # an answer of a request an order never makes
    UNCLASSIFIED = "unclassified"  # text the parser could not place


@attrs.frozen
class CodeInfo:
    """One row of the Binance code table: Binance's name and meaning, the kit's category."""

    name: str
    meaning: str
    category: ErrorCategory


def _rows(category: ErrorCategory, rows: dict[int, tuple[str, str]]) -> dict[int, CodeInfo]:
    return {code: CodeInfo(name, meaning, category) for code, (name, meaning) in rows.items()}


_C = ErrorCategory

BINANCE_CODES: Final[Mapping[int, CodeInfo]] = MappingProxyType(
    {
        **_rows(
            _C.INSUFFICIENT_FUNDS,
            {
                -2018: ("BALANCE_NOT_SUFFICIENT", "Balance is insufficient."),
                -2019: ("MARGIN_NOT_SUFFICIEN", "Margin is insufficient."),
                -2024: ("POSITION_NOT_SUFFICIENT", "Position is not sufficient."),
                -4050: ("CROSS_BALANCE_INSUFFICIENT", "Cross balance insufficient."),
                -4051: ("ISOLATED_BALANCE_INSUFFICIENT", "Isolated balance insufficient."),
                -4118: (
                    "REDUCE_ONLY_MARGIN_CHECK_FAILED",
                    "ReduceOnly Order Failed. Please check your existing position and open orders",
                ),
            },
        ),
        **_rows(
            _C.POSITION_LIMIT,
            {
                -2027: (
                    "MAX_LEVERAGE_RATIO",
                    "Exceeded the maximum allowable position at current leverage.",
                ),
                -2028: (
                    "MIN_LEVERAGE_RATIO",
                    "Leverage is smaller than permitted: insufficient margin balance.",
                ),
            },
        ),
        **_rows(
            _C.WOULD_TAKE,
            {
                -5021: (
                    "FOK_ORDER_REJECT",
                    "Due to the order could not be filled immediately, the FOK order has been "
                    "rejected.",
                ),
                -5022: (
                    "GTX_ORDER_REJECT",
                    "Due to the order could not be executed as maker, the Post Only order will "
                    "be rejected.",
                ),
            },
        ),
        **_rows(
            _C.WOULD_TRIGGER,
            {
                -2021: ("ORDER_WOULD_IMMEDIATELY_TRIGGER", "Order would immediately trigger."),
                -4142: (
                    "STRATEGY_INVALID_TRIGGER_PRICE",
                    "REJECT: take profit or stop order will be triggered immediately",
                ),
            },
        ),
        **_rows(
            _C.FILTER,
            {
                # Binance's name; in practice the msg is "Filter failure: <FILTER>"
                -1013: ("INVALID_MESSAGE", "INVALID_MESSAGE (a filter failure)."),
                -1111: ("BAD_PRECISION", "Precision is over the maximum defined for this asset."),
                -2007: ("INVALID_CALLBACK_RATE", "Invalid callback rate."),
                -2020: ("UNABLE_TO_FILL", "Unable to fill."),
                -2025: ("MAX_OPEN_ORDER_EXCEEDED", "Reach max open order limit."),
                -4001: ("PRICE_LESS_THAN_ZERO", "Price less than 0."),
                -4002: ("PRICE_GREATER_THAN_MAX_PRICE", "Price greater than max price."),
                -4003: ("QTY_LESS_THAN_ZERO", "Quantity less than zero."),
                -4004: ("QTY_LESS_THAN_MIN_QTY", "Quantity less than min quantity."),
                -4005: ("QTY_GREATER_THAN_MAX_QTY", "Quantity greater than max quantity."),
                -4006: ("STOP_PRICE_LESS_THAN_ZERO", "Stop price less than zero."),
                -4007: ("STOP_PRICE_GREATER_THAN_MAX_PRICE", "Stop price greater than max price."),
                -4013: ("PRICE_LESS_THAN_MIN_PRICE", "Price less than min price."),
                -4014: ("PRICE_NOT_INCREASED_BY_TICK_SIZE", "Price not increased by tick size."),
                -4016: (
                    "PRICE_HIGHTER_THAN_MULTIPLIER_UP",
                    "Price is higher than mark price multiplier cap.",
                ),
                -4023: ("QTY_NOT_INCREASED_BY_STEP_SIZE", "Qty not increased by step size."),
                -4024: (
                    "PRICE_LOWER_THAN_MULTIPLIER_DOWN",
                    "Price is lower than mark price multiplier floor.",
                ),
                -4045: ("MAX_STOP_ORDER_EXCEEDED", "Reach max stop order limit."),
                -4164: (
                    "MIN_NOTIONAL",
                    "Order's notional must be no smaller than N (unless you choose reduce only)",
                ),
                -4183: (
                    "PRICE_HIGHER_THAN_STOP_MULTIPLIER_UP",
                    "Price is higher than stop price multiplier cap.",
                ),
                -4184: (
                    "PRICE_LOWER_THAN_STOP_MULTIPLIER_DOWN",
                    "Price is lower than stop price multiplier floor.",
                ),
                -4210: (
                    "STOP_PRICE_HIGHER_THAN_PRICE_MULTIPLIER_LIMIT",
                    "Stop price is higher than price multiplier cap.",
                ),
                -4211: (
                    "STOP_PRICE_LOWER_THAN_PRICE_MULTIPLIER_LIMIT",
                    "Stop price is lower than price multiplier floor.",
                ),
                -5029: (
                    "MODIFICATION_MIN_NOTIONAL",
                    "Order's notional must be no smaller than N",
                ),
                -5040: (
                    "FUTURE_GOOD_TILL_DATE",
                    "The goodTillDate timestamp must be greater than the current time plus 600 "
                    "seconds and smaller than 253402300799000 (UTC 9999-12-31 23:59:59)",
                ),
            },
        ),
        **_rows(
            _C.ORDER_REJECTED,
            {
                -1010: ("ERROR_MSG_RECEIVED", "ERROR_MSG_RECEIVED."),
                -1112: ("NO_DEPTH", "No orders on book for symbol."),
                -2010: ("NEW_ORDER_REJECTED", "NEW_ORDER_REJECTED"),
                -2012: ("CANCEL_ALL_FAIL", "Batch cancel failure."),
                -2022: ("REDUCE_ONLY_REJECT", "ReduceOnly Order is rejected."),
                -2023: ("USER_IN_LIQUIDATION", "User in liquidation mode now."),
                -4032: ("EXCEED_MAX_CANCEL_ORDER_SIZE", "Exceed maximum cancel order size."),
                -4117: ("STOP_ORDER_TRIGGERING", "stop order is triggering"),
                -4131: (
                    "MARKET_ORDER_REJECT",
                    "The counterparty's best price does not meet the PERCENT_PRICE filter limit",
                ),
                -5026: (
                    "EXCEED_MAXIMUM_MODIFY_ORDER_LIMIT",
                    "Exceed maximum modify order limit.",
                ),
                -5027: ("SAME_ORDER", "No need to modify the order."),
                -5041: ("BBO_ORDER_REJECT", "No depth matches this BBO order"),
                -5043: (
                    "EXISTING_PENDING_MODIFICATION",
                    "A pending modification already exists for this order.",
                ),
            },
        ),
        **_rows(
            _C.NOT_FOUND,
            {
                -2011: ("CANCEL_REJECTED", "Unknown order sent."),
                -2013: ("NO_SUCH_ORDER", "Order does not exist."),
                -4000: ("INVALID_ORDER_STATUS", "Invalid order status."),
            },
        ),
        **_rows(
            _C.RATE_LIMIT,
            {
                -1003: ("TOO_MANY_REQUESTS", "Too many requests."),
                -1015: ("TOO_MANY_ORDERS", "Too many new orders."),
            },
        ),
        **_rows(
            _C.TRANSIENT,
            {
                -1001: (
                    "DISCONNECTED",
                    "Internal error; unable to process your request. Please try again.",
                ),
                -1008: (
                    "SERVER_BUSY",
                    "Server is currently overloaded with other requests. Please try again in a "
                    "few minutes.",
                ),
                -1016: ("SERVICE_SHUTTING_DOWN", "This service is no longer available."),
            },
        ),
        **_rows(
            _C.TIMESTAMP,
            {
                -1021: (
                    "INVALID_TIMESTAMP",
                    "Timestamp for this request is outside of the recvWindow.",
                ),
                -5028: (
                    "ME_RECVWINDOW_REJECT",
                    "Timestamp for this request is outside of the ME recvWindow.",
                ),
            },
        ),
        **_rows(
            _C.UNKNOWN_STATUS,
            {
                -1000: ("UNKNOWN", "An unknown error occured while processing the request."),
                -1006: (
                    "UNEXPECTED_RESP",
                    "An unexpected response was received from the message bus. Execution "
                    "status unknown.",
                ),
                -1007: (
                    "TIMEOUT",
                    "Timeout waiting for response from backend server. Send status unknown; "
                    "execution status unknown.",
                ),
                # a failed batch may have placed some of its orders: query, never duplicate
                -4083: ("PLACE_BATCH_ORDERS_FAIL", "Fail to place batch orders."),
                # The adapter's own retry of a -1007 whose order WAS placed gets -4116: the venue
                # holds an order with this client ID, so query it; resending would duplicate it.
                -4116: ("DUPLICATED_CLIENT_ORDER_ID", "ClientOrderId is duplicated."),
            },
        ),
        **_rows(
            _C.ACCOUNT_REDUCE_ONLY,
            {
                -4087: ("REDUCE_ONLY_ORDER_PERMISSION", "User can only place reduce only order"),
                # no order at all for now: reduce-only orders are still tried (and skipped if
                # refused), everything else is refused locally until the restriction clears
                -4088: ("NO_PLACE_ORDER_PERMISSION", "User can not place order currently"),
                -4192: ("COOLING_OFF_PERIOD", "Trade forbidden due to Cooling-off Period."),
                -4400: (
                    "TRADING_QUANTITATIVE_RULE",
                    "Futures Trading Quantitative Rules violated, only reduceOnly order is "
                    "allowed, please try again later.",
                ),
            },
        ),
        **_rows(
            _C.SYMBOL_REDUCE_ONLY,
            {
                -4105: (
                    "SYMBOL_REDUCE_ONLY",
                    "Symbol is under position risk control, only reduce-only order is allowed.",
                ),
                -4106: (
                    "SYMBOL_REDUCE_ONLY_BUY",
                    "Symbol is under position risk control, buy order can only works with "
                    "reduce-only.",
                ),
                -4107: (
                    "SYMBOL_REDUCE_ONLY_SELL",
                    "Symbol is under position risk control, sell order can only works with "
                    "reduce-only.",
                ),
                -4189: (
                    "ACCOUNT_REDUCE_ONLY",
                    "Restricted account permission: can only place reduceOnly order on the "
                    "symbol.",
                ),
                -4401: (
                    "LARGE_POSITION_SYM_RULE",
                    "Futures Trading Risk Control Rules of large position holding violated, only "
                    "reduceOnly order is allowed, please reduce the position.",
                ),
            },
        ),
        **_rows(
            _C.SYMBOL_STATUS,
            {
                -1122: ("INVALID_SYMBOL_STATUS", "Invalid symbol status."),
                -4140: (
                    "INVALID_OPENING_POSITION_STATUS",
                    "Invalid symbol status for opening position",
                ),
                -4141: ("SYMBOL_ALREADY_CLOSED", "Symbol is closed"),
                -4402: (
                    "COMPLIANCE_BLACK_SYMBOL_RESTRICTION",
                    "Dear user, as per our Terms of Use and compliance with local regulations, "
                    "this feature is currently not available in your region.",
                ),
                -5024: (
                    "MOVE_ORDER_NOT_ALLOWED_SYMBOL_REASON",
                    "Symbol is not in trading status. Order amendment is not permitted.",
                ),
            },
        ),
        **_rows(
            _C.INVALID_SYMBOL,
            {
                -1110: ("BAD_INSTRUMENT_TYPE", "Invalid symbolType."),
                -1121: ("BAD_SYMBOL", "Invalid symbol."),
                -4104: ("INVALID_CONTRACT_TYPE", "Invalid contract type"),
                -4144: ("INVALID_PAIR", "Invalid pair"),
            },
        ),
        **_rows(
            _C.ALGO_API,
            {
                -4120: (
                    "STOP_ORDER_SWITCH_ALGO",
                    "Order type not supported for this endpoint. Please use the Algo Order API "
                    "endpoints instead.",
                ),
            },
        ),
        **_rows(
            _C.POSITION_MODE,
            {
                -4059: ("NO_NEED_TO_CHANGE_POSITION_SIDE", "No need to change position side."),
                -4060: ("INVALID_POSITION_SIDE", "Invalid position side."),
                -4061: (
                    "POSITION_SIDE_NOT_MATCH",
                    "Order's position side does not match user's setting.",
                ),
                -4062: ("REDUCE_ONLY_CONFLICT", "Invalid or improper reduceOnly value."),
                -4067: (
                    "POSITION_SIDE_CHANGE_EXISTS_OPEN_ORDERS",
                    "Position side cannot be changed if there exists open orders.",
                ),
                -4068: (
                    "POSITION_SIDE_CHANGE_EXISTS_QUANTITY",
                    "Position side cannot be changed if there exists position.",
                ),
            },
        ),
        **_rows(
            _C.PARAM_MISUSE,
            {
                -1014: ("UNKNOWN_ORDER_COMPOSITION", "Unsupported order combination."),
                -1020: ("UNSUPPORTED_OPERATION", "This operation is not supported."),
                -1100: ("ILLEGAL_CHARS", "Illegal characters found in a parameter."),
                -1101: ("TOO_MANY_PARAMETERS", "Too many parameters sent for this endpoint."),
                -1102: (
                    "MANDATORY_PARAM_EMPTY_OR_MALFORMED",
                    "A mandatory parameter was not sent, was empty/null, or malformed.",
                ),
                -1103: ("UNKNOWN_PARAM", "An unknown parameter was sent."),
                -1104: ("UNREAD_PARAMETERS", "Not all sent parameters were read."),
                -1105: ("PARAM_EMPTY", "A parameter was empty."),
                -1106: ("PARAM_NOT_REQUIRED", "A parameter was sent when not required."),
                -1114: ("TIF_NOT_REQUIRED", "TimeInForce parameter sent when not required."),
                -1115: ("INVALID_TIF", "Invalid timeInForce."),
                -1116: ("INVALID_ORDER_TYPE", "Invalid orderType."),
                -1117: ("INVALID_SIDE", "Invalid side."),
                -1118: ("EMPTY_NEW_CL_ORD_ID", "New client order ID was empty."),
                -1119: ("EMPTY_ORG_CL_ORD_ID", "Original client order ID was empty."),
                -1128: (
                    "OPTIONAL_PARAMS_BAD_COMBO",
                    "Combination of optional parameters invalid.",
                ),
                -1130: ("INVALID_PARAMETER", "Invalid data sent for a parameter."),
                -1136: ("INVALID_NEW_ORDER_RESP_TYPE", "Invalid newOrderRespType."),
                -2026: (
                    "REDUCE_ONLY_ORDER_TYPE_NOT_SUPPORTED",
                    "This OrderType is not supported when reduceOnly.",
                ),
                -4015: ("INVALID_CL_ORD_ID_LEN", "Client order id is not valid."),
                -4020: (
                    "TARGET_STRATEGY_INVALID",
                    "Target strategy invalid for orderType 'N',reduceOnly 'N'.",
                ),
                -4031: ("INVALID_WORKING_TYPE", "Invalid parameter working type"),
                -4082: (
                    "INVALID_BATCH_PLACE_ORDER_SIZE",
                    "Invalid number of batch place orders.",
                ),
                -4135: ("INVALID_ACTIVATION_PRICE", "Invalid activation price"),
                -4137: (
                    "QUANTITY_EXISTS_WITH_CLOSE_POSITION",
                    "Quantity must be zero with closePosition equals true",
                ),
                -4138: (
                    "REDUCE_ONLY_MUST_BE_TRUE",
                    "Reduce only must be true with closePosition equals true",
                ),
                -4139: (
                    "ORDER_TYPE_CANNOT_BE_MKT",
                    "Order type can not be market if it's unable to cancel",
                ),
                -5025: ("LIMIT_ORDER_ONLY", "Only limit order is supported."),
                -5037: ("INVALID_PRICE_MATCH", "Invalid price match"),
                -5038: (
                    "UNSUPPORTED_ORDER_TYPE_PRICE_MATCH",
                    "Price match only supports order type: LIMIT, STOP AND TAKE_PROFIT",
                ),
                -5039: (
                    "INVALID_SELF_TRADE_PREVENTION_MODE",
                    "Invalid self trade prevention mode",
                ),
            },
        ),
        **_rows(
            _C.AUTH,
            {
                -1002: ("UNAUTHORIZED", "You are not authorized to execute this request."),
                -1011: ("NON_WHITE_LIST", "This IP cannot access this route."),
                -1022: ("INVALID_SIGNATURE", "Signature for this request is not valid."),
                -1099: ("NOT_FOUND", "Not found, unauthenticated, or unauthorized."),
                -2014: ("BAD_API_KEY_FMT", "API-key format invalid."),
                -2015: ("REJECTED_MBX_KEY", "Invalid API-key, IP, or permissions for action."),
                -2017: ("API_KEYS_LOCKED", "API Keys are locked on this account."),
                -4056: ("INVALID_API_KEY_TYPE", "Invalid api key type."),
                -4057: ("INVALID_RSA_PUBLIC_KEY", "Invalid api public key"),
            },
        ),
        **_rows(
            _C.ACCOUNT_STATE,
            {
                -1109: ("BAD_ACCOUNT", "Invalid account."),
                -4027: ("INVALID_ACCOUNT_TYPE", "Invalid account type."),
                -4109: ("INACTIVE_ACCOUNT", "Inactive account"),
            },
        ),
        **_rows(
            _C.OTHER_ENDPOINT,
            {
                # IP whitelist, queries, assets, transfers, listenKeys
                -1004: ("DUPLICATE_IP", "This IP is already on the white list"),
                -1005: ("NO_SUCH_IP", "No such IP has been white listed"),
                -1023: ("START_TIME_GREATER_THAN_END_TIME", "Start time is greater than end time."),
                -1108: ("BAD_ASSET", "Invalid asset."),
                -1113: ("WITHDRAW_NOT_NEGATIVE", "Withdrawal amount must be negative."),
                -1120: ("BAD_INTERVAL", "Invalid interval."),
                -1125: (
                    "INVALID_LISTEN_KEY",
                    "This listenKey does not exist. Please use POST /fapi/v1/listenKey to "
                    "recreate listenKey",
                ),
                -1126: ("ASSET_NOT_SUPPORTED", "This asset is not supported."),
                -1127: ("MORE_THAN_XX_HOURS", "Lookup interval is too big."),
                -2016: (
                    "NO_TRADING_WINDOW",
                    "No trading window could be found for the symbol. Try ticker/24hrs instead.",
                ),
                -4021: ("INVALID_DEPTH_LIMIT", "Invalid depth limit."),
                -4033: ("INSURANCE_ACCOUNT_NOT_FOUND", "Insurance account not found."),
                -4044: ("INVALID_BALANCE_TYPE", "Balance Type is invalid."),
                -4084: ("UPCOMING_METHOD", "Method is not allowed currently. Upcoming soon."),
                -4114: ("INVALID_CLIENT_TRAN_ID_LEN", "clientTranId is not valid"),
                -4115: ("DUPLICATED_CLIENT_TRAN_ID", "clientTranId is duplicated"),
                -4165: ("INVALID_TIME_INTERVAL", "Invalid time interval"),
                # the venue's own symbol configuration
                -4008: ("TICK_SIZE_LESS_THAN_ZERO", "Tick size less than zero."),
                -4009: ("MAX_PRICE_LESS_THAN_MIN_PRICE", "Max price less than min price."),
                -4010: ("MAX_QTY_LESS_THAN_MIN_QTY", "Max qty less than min qty."),
                -4011: ("STEP_SIZE_LESS_THAN_ZERO", "Step size less than zero."),
                -4012: ("MAX_NUM_ORDERS_LESS_THAN_ZERO", "Max mum orders less than zero."),
                -4017: ("MULTIPLIER_UP_LESS_THAN_ZERO", "Multiplier up less than zero."),
                -4018: ("MULTIPLIER_DOWN_LESS_THAN_ZERO", "Multiplier down less than zero."),
                -4019: ("COMPOSITE_SCALE_OVERFLOW", "Composite scale too large."),
                -4022: ("WRONG_MARKET_STATUS", "market status sent is not valid."),
                -4025: (
                    "MULTIPLIER_DECIMAL_LESS_THAN_ZERO",
                    "Multiplier decimal less than zero.",
                ),
                -4026: ("COMMISSION_INVALID", "Commission invalid."),
                -4029: ("INVALID_TICK_SIZE_PRECISION", "Tick size precision is invalid."),
                -4030: ("INVALID_STEP_SIZE_PRECISION", "Step size precision is invalid."),
                -4058: (
                    "MAX_PRICE_TOO_LARGE",
                    "maxPrice and priceDecimal too large,please check.",
                ),
                -4085: ("INVALID_NOTIONAL_LIMIT_COEF", "Invalid notional limit coefficient"),
                -4086: ("INVALID_PRICE_SPREAD_THRESHOLD", "Invalid price spread threshold"),
                # account settings: leverage, margin type, multi-assets mode (the node sets
                # them at start; an order never gets these)
                -4028: ("INVALID_LEVERAGE", "Invalid leverage"),
                -4046: ("NO_NEED_TO_CHANGE_MARGIN_TYPE", "No need to change margin type."),
                -4047: (
                    "THERE_EXISTS_OPEN_ORDERS",
                    "Margin type cannot be changed if there exists open orders.",
                ),
                -4048: (
                    "THERE_EXISTS_QUANTITY",
                    "Margin type cannot be changed if there exists position.",
                ),
                -4049: (
                    "ADD_ISOLATED_MARGIN_REJECT",
                    "Add margin only support for isolated position.",
                ),
                -4052: (
                    "NO_NEED_TO_CHANGE_AUTO_ADD_MARGIN",
                    "No need to change auto add margin.",
                ),
                -4053: (
                    "AUTO_ADD_CROSSED_MARGIN_REJECT",
                    "Auto add margin only support for isolated position.",
                ),
                -4054: (
                    "ADD_ISOLATED_MARGIN_NO_POSITION_REJECT",
                    "Cannot add position margin: position is 0.",
                ),
                -4055: ("AMOUNT_MUST_BE_POSITIVE", "Amount must be positive."),
                -4161: (
                    "ISOLATED_LEVERAGE_REJECT_WITH_POSITION",
                    "Leverage reduction is not supported in Isolated Margin Mode with open "
                    "positions",
                ),
                -4167: (
                    "ISOLATED_REJECT_WITH_JOINT_MARGIN",
                    "Unable to adjust to Multi-Assets mode with symbols of USDⓈ-M Futures under "
                    "isolated-margin mode.",
                ),
                -4168: (
                    "JOINT_MARGIN_REJECT_WITH_ISOLATED",
                    "Unable to adjust to isolated-margin mode under the Multi-Assets mode.",
                ),
                -4169: (
                    "JOINT_MARGIN_REJECT_WITH_MB",
                    "Unable to adjust Multi-Assets Mode with insufficient margin balance in "
                    "USDⓈ-M Futures.",
                ),
                -4170: (
                    "JOINT_MARGIN_REJECT_WITH_OPEN_ORDER",
                    "Unable to adjust Multi-Assets Mode with open orders in USDⓈ-M Futures.",
                ),
                -4171: (
                    "NO_NEED_TO_CHANGE_JOINT_MARGIN",
                    "Adjusted asset mode is currently set and does not need to be adjusted "
                    "repeatedly.",
                ),
                -4172: (
                    "JOINT_MARGIN_REJECT_WITH_NEGATIVE_BALANCE",
                    "Unable to adjust Multi-Assets Mode with a negative wallet balance of margin "
                    "available asset in USDⓈ-M Futures account.",
                ),
                -4202: (
                    "ADJUST_LEVERAGE_KYC_FAILED",
                    "Intermediate Personal Verification is required for adjusting leverage "
                    "over 20x",
                ),
                -4203: (
                    "ADJUST_LEVERAGE_ONE_MONTH_FAILED",
                    "More than 20x leverage is available one month after account registration.",
                ),
                -4205: (
                    "ADJUST_LEVERAGE_X_DAYS_FAILED",
                    "More than 20x leverage is available N days after Futures account "
                    "registration.",
                ),
                -4206: (
                    "ADJUST_LEVERAGE_KYC_LIMIT",
                    "Users in this country has limited adjust leverage.",
                ),
                -4208: (
                    "ADJUST_LEVERAGE_ACCOUNT_SYMBOL_FAILED",
                    "Current symbol leverage cannot exceed 20 when using position limit "
                    "adjustment service.",
                ),
                -4209: ("ADJUST_LEVERAGE_SYMBOL_FAILED", "The max leverage of Symbol is 20x"),
                -4403: (
                    "ADJUST_LEVERAGE_COMPLIANCE_FAILED",
                    "Dear user, as per our Terms of Use and compliance with local regulations, "
                    "the leverage can only up to 10x in your region",
                ),
                # options (not traded by the kit)
                -4063: ("INVALID_OPTIONS_REQUEST_TYPE", "Invalid options request type"),
                -4064: ("INVALID_OPTIONS_TIME_FRAME", "Invalid options time frame"),
                -4065: ("INVALID_OPTIONS_AMOUNT", "Invalid options amount"),
                -4066: ("INVALID_OPTIONS_EVENT_TYPE", "Invalid options event type"),
                -4069: ("INVALID_OPTIONS_PREMIUM_FEE", "Invalid options premium fee"),
                -4070: ("INVALID_CL_OPTIONS_ID_LEN", "Client options id is not valid."),
                -4071: ("INVALID_OPTIONS_DIRECTION", "Invalid options direction"),
                -4072: ("OPTIONS_PREMIUM_NOT_UPDATE", "premium fee is not updated, reject order"),
                -4073: (
                    "OPTIONS_PREMIUM_INPUT_LESS_THAN_ZERO",
                    "input premium fee is less than 0, reject order",
                ),
                -4074: (
                    "OPTIONS_AMOUNT_BIGGER_THAN_UPPER",
                    "Order amount is bigger than upper boundary or less than 0, reject order",
                ),
                -4075: (
                    "OPTIONS_PREMIUM_OUTPUT_ZERO",
                    "output premium fee is less than 0, reject order",
                ),
                -4076: (
                    "OPTIONS_PREMIUM_TOO_DIFF",
                    "original fee is too much higher than last fee",
                ),
                -4077: (
                    "OPTIONS_PREMIUM_REACH_LIMIT",
                    "place order amount has reached to limit, reject order",
                ),
                -4078: ("OPTIONS_COMMON_ERROR", "options internal error"),
                -4079: ("INVALID_OPTIONS_ID", "invalid options id"),
                -4080: ("OPTIONS_USER_NOT_FOUND", "user not found"),
                -4081: ("OPTIONS_NOT_FOUND", "options not found"),
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
