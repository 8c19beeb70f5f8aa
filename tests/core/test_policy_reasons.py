"""Every reason form the pinned Nautilus produces parses into the right typed value."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_exec_kit.core.policy import ErrorCategory, ReasonSource, RejectReason, parse_reason

C, S = ErrorCategory, ReasonSource

CASES = [
    # Python adapter: dict repr of the decoded body (submit, cancel, modify)
    (
        "{'code': -2019, 'msg': 'Margin is insufficient.'}",
        -2019,
        C.INSUFFICIENT_FUNDS,
        S.PYTHON_ADAPTER,
    ),
    (
        "{'code': -2010, 'msg': 'Order would immediately match and take.'}",
        -2010,
        C.WOULD_TAKE,
        S.PYTHON_ADAPTER,
    ),
    (
        "{'code': -2010, 'msg': 'Account has insufficient balance.'}",
        -2010,
        C.ORDER_REJECTED,
        S.PYTHON_ADAPTER,
    ),
    (
        "{'code': -1021, 'msg': \"Timestamp isn't inside recvWindow\"}",
        -1021,
        C.TIMESTAMP,
        S.PYTHON_ADAPTER,
    ),
    (
        "{'code': -4120, 'msg': 'Order type not supported for this endpoint.'}",
        -4120,
        C.ALGO_API,
        S.PYTHON_ADAPTER,
    ),
    (
        "{'code': -1007, 'msg': 'Timeout waiting for response from backend server.'}",
        -1007,
        C.UNKNOWN_STATUS,
        S.PYTHON_ADAPTER,
    ),
    ("{'code': -9999, 'msg': 'Something new.'}", -9999, C.UNCLASSIFIED, S.PYTHON_ADAPTER),
    (
        "Batch cancel failed: {'code': -2011, 'msg': 'Unknown order sent.'}",
        -2011,
        C.NOT_FOUND,
        S.PYTHON_ADAPTER,
    ),
    # JSON text
    ('{"code":-1003,"msg":"Too many requests."}', -1003, C.RATE_LIMIT, S.JSON),
    ('{"code":"-1121","msg":"Invalid symbol."}', -1121, C.INVALID_SYMBOL, S.JSON),
    # Rust adapter
    (
        "HTTP error: Binance error -2019: Margin is insufficient.",
        -2019,
        C.INSUFFICIENT_FUNDS,
        S.RUST_ADAPTER,
    ),
    (
        "Binance error -2015: Invalid API-key, IP, or permissions for action.",
        -2015,
        C.AUTH,
        S.RUST_ADAPTER,
    ),
    # NautilusTrader 2 over REST: the HTTP status between the code and the message
    (
        "submit-order-error: Binance error -2019 (HTTP 400): Margin is insufficient.",
        -2019,
        C.INSUFFICIENT_FUNDS,
        S.RUST_ADAPTER,
    ),
    ("batch-cancel-error: code=-2011, msg=Unknown order sent.", -2011, C.NOT_FOUND, S.BATCH),
    # raw bodies, websocket, in-flight
    (
        "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
        None,
        C.UNKNOWN_STATUS,
        S.RAW_BODY,
    ),
    ("<html>Service Unavailable</html>", None, C.UNKNOWN_STATUS, S.RAW_BODY),
    ("Non-JSON response (HTTP 200): <!doctype html>", None, C.UNKNOWN_STATUS, S.RAW_BODY),
    ("None", None, C.UNKNOWN_STATUS, S.RAW_BODY),
    ("REJECTED", None, C.ORDER_REJECTED, S.WEBSOCKET),
    ("UNKNOWN", None, C.UNKNOWN_STATUS, S.INFLIGHT),
    # adapter pre-submit denials
    (
        "UNSUPPORTED: `close_position` is not supported for order type LIMIT on Binance",
        None,
        C.PARAM_MISUSE,
        S.ADAPTER_DENIAL,
    ),
    (
        "INVALID_ARG: `price_match` value 'BOGUS' is not one of [...]",
        None,
        C.PARAM_MISUSE,
        S.ADAPTER_DENIAL,
    ),
    ("UNSUPPORTED_TIME_IN_FORCE: GTD", None, C.PARAM_MISUSE, S.ADAPTER_DENIAL),
    # RiskEngine denials (facts 3.1)
    ("price 49000.05 invalid (precision 2 > 1)", None, C.FILTER, S.RISK_ENGINE),
    ("quantity 1001.000 invalid (> maximum trade size of 1000.000)", None, C.FILTER, S.RISK_ENGINE),
    ("GTD 2023-11-14 22:13:19.200000+00:00 already passed", None, C.FILTER, S.RISK_ENGINE),
    ("Exceeded MAX_ORDER_SUBMIT_RATE", None, C.LOCAL_RATE_LIMIT, S.RISK_ENGINE),
    (
        "Reduce only order would increase position PositionId('BTCUSDT-PERP.BINANCE-S-000')",
        None,
        C.ORDER_REJECTED,
        S.RISK_ENGINE,
    ),
    ("TradingState.HALTED", None, C.TRADING_STATE, S.RISK_ENGINE),
    (
        "BUY when TradingState.REDUCING and LONG BTCUSDT-PERP.BINANCE",
        None,
        C.TRADING_STATE,
        S.RISK_ENGINE,
    ),
    (
        "`position_id` PositionId('X-LONG') is not valid for NETTING OMS; expected 'X-S'",
        None,
        C.POSITION_MODE,
        S.RISK_ENGINE,
    ),
    (
        "duplicate ClientOrderId('O-20231114-221320-001-000-9')",
        None,
        C.ORDER_REJECTED,
        S.RISK_ENGINE,
    ),
    (
        "NOTIONAL_EXCEEDS_FREE_BALANCE: free=1, notional=2",
        None,
        C.INSUFFICIENT_FUNDS,
        S.RISK_ENGINE,
    ),
    # SimulatedExchange rejects (facts 3.2)
    (
        "REDUCE_ONLY MARKET SELL order would have increased position",
        None,
        C.ORDER_REJECTED,
        S.SIMULATED_EXCHANGE,
    ),
    (
        "POST_ONLY LIMIT SELL order limit px of 49951.0 would have been a TAKER: "
        "bid=49951.0, ask=49951.1",
        None,
        C.WOULD_TAKE,
        S.SIMULATED_EXCHANGE,
    ),
    (
        "STOP_MARKET BUY order stop px of 40000.0 was in the market: bid=49951.0, ask=49951.1",
        None,
        C.WOULD_TRIGGER,
        S.SIMULATED_EXCHANGE,
    ),
    (
        "Invalid size precision for order O-1, was 4 when BTCUSDT-PERP.BINANCE size precision is 3",
        None,
        C.FILTER,
        S.SIMULATED_EXCHANGE,
    ),
    ("no market for BTCUSDT-PERP.BINANCE", None, C.ORDER_REJECTED, S.SIMULATED_EXCHANGE),
    (
        "time in force AT_THE_OPEN is not currently supported",
        None,
        C.PARAM_MISUSE,
        S.SIMULATED_EXCHANGE,
    ),
    ("ClientOrderId('O-1') not found", None, C.NOT_FOUND, S.SIMULATED_EXCHANGE),
    ("something nobody has seen", None, C.UNCLASSIFIED, S.UNPARSED),
]


@pytest.mark.parametrize(("text", "code", "category", "source"), CASES)
def test_every_form_parses(
    text: str, code: int | None, category: ErrorCategory, source: ReasonSource
) -> None:
    reason = parse_reason(text)
    assert (reason.code, reason.category, reason.source) == (code, category, source)


def test_message_and_status_are_extracted() -> None:
    reason = parse_reason("{'code': -2019, 'msg': 'Margin is insufficient.'}")
    assert reason.message == "Margin is insufficient."
    assert parse_reason("<html><title>503 Service Unavailable</title></html>").http_status == 503
    assert parse_reason("<html>Bad Gateway</html>").http_status == 502
    assert parse_reason('{"code":-1003,"msg":"Too many requests."}').http_status == 429


def test_ip_ban_becomes_418_with_its_end() -> None:
    text = (
        "{'code': -1003, 'msg': 'Way too many requests; IP(1.2.3.4) banned until "
        "1659146458453. Please use the websocket for live updates to avoid bans.'}"
    )
    reason = parse_reason(text)
    assert (reason.category, reason.http_status, reason.banned_until_ms) == (
        ErrorCategory.IP_BAN,
        418,
        1659146458453,
    )


@pytest.mark.parametrize(
    ("suffix", "expected_ns"),
    [
        ("Retry-After: 30", 30_000_000_000),
        ("retry after 1.5s", 1_500_000_000),
        ("Retry-After: 250ms", 250_000_000),
    ],
)
def test_retry_after_hint(suffix: str, expected_ns: int) -> None:
    reason = parse_reason(str({"code": -1003, "msg": f"Too many requests. {suffix}"}))
    assert reason.retry_after_ns == expected_ns
    assert reason.category is ErrorCategory.RATE_LIMIT


def test_counter_key() -> None:
    assert parse_reason("{'code': -2019, 'msg': 'x'}").key == "-2019"
    assert parse_reason("<html>503</html>").key == "http503"
    assert parse_reason("REJECTED").key == "order_rejected"


def test_non_string_and_hostile_inputs() -> None:
    assert parse_reason(None).category is ErrorCategory.UNKNOWN_STATUS  # str(None) == "None"
    assert parse_reason("{" * 5000).category is ErrorCategory.UNCLASSIFIED
    assert parse_reason("{'code': 1e999999}").source in set(ReasonSource)
    assert parse_reason("{'code': '9' * 5000}").category is ErrorCategory.UNCLASSIFIED


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    reason = parse_reason(text)
    assert isinstance(reason, RejectReason)
    assert isinstance(reason.category, ErrorCategory)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-99_999, max_value=-1), st.text(max_size=80))
def test_any_coded_dict_keeps_its_code(code: int, msg: str) -> None:
    for text in (str({"code": code, "msg": msg}), f"Binance error {code}: {msg}"):
        assert parse_reason(text).code == code


def test_nautilus2_adapter_reasons_are_parsed() -> None:
    """NautilusTrader 2's Binance adapter reports WS API errors as ``code=<c>: <msg>`` and its
    own pre-submit refusals as ``VALIDATION_FAILED: ...`` (seen against the sandbox)."""
    from nautilus_exec_kit.core.policy import parse_reason
    from nautilus_exec_kit.core.policy.codes import ErrorCategory
    from nautilus_exec_kit.core.policy.reasons import ReasonSource

    taker = parse_reason("code=-5022: Due to the order could not be executed as maker, the "
                         "Post Only order will be rejected.")
    assert (taker.code, taker.category, taker.source) == (
        -5022, ErrorCategory.WOULD_TAKE, ReasonSource.NAUTILUS2_ADAPTER,
    )
    busy = parse_reason("code=-1003: Too many requests. Retry-After: 5")
    assert busy.category is ErrorCategory.RATE_LIMIT and busy.retry_after_ns == 5_000_000_000
    stuck = parse_reason("INFLIGHT_TIMEOUT")  # v2's in-flight check gave up
    assert (stuck.category, stuck.source) == (ErrorCategory.UNKNOWN_STATUS, ReasonSource.INFLIGHT)
    wrong_leg = parse_reason("INVALID_POSITION_ID: BTCUSDT-PERP.BINANCE-LONG; conflicts with "
                             "canonical Binance Futures venue position ID")
    assert wrong_leg.category is ErrorCategory.PARAM_MISUSE
    denial = parse_reason("VALIDATION_FAILED: `close_position` requires `reduce_only=true`")
    assert (denial.category, denial.source) == (
        ErrorCategory.PARAM_MISUSE, ReasonSource.ADAPTER_DENIAL,
    )
