"""Parse every reject/denial reason string the pinned Nautilus produces into one typed value.

What a strategy receives today is a string whose shape depends on who wrote it:

* the Python Binance adapter: ``"{'code': -2019, 'msg': 'Margin is insufficient.'}"`` (the
  repr of the decoded JSON body; submit, cancel, modify and in-flight rejects), sometimes
  wrapped (``"Batch cancel failed: {...}"``, ``"batch-cancel-error: code=-2011, msg=..."``);
* JSON text ``{"code":-1003,"msg":"..."}``;
* the Rust adapter: ``"... Binance error -2019: Margin is insufficient."`` (over REST on v2:
  ``"submit-order-error: Binance error -2022 (HTTP 400): ..."``);
* a raw non-JSON body (an HTML 503 page, ``"Non-JSON response (HTTP 200): ..."``, ``"None"``
  for an empty body), the bare ``"REJECTED"`` of a websocket reject, ``"UNKNOWN"`` from the
  in-flight check;
* the adapter's own pre-submit denials (``"UNSUPPORTED: ..."``, ``"INVALID_ARG: ..."``);
* RiskEngine denials and SimulatedExchange rejects (backtests).

:func:`parse_reason` turns each into a :class:`RejectReason`. It never raises (property-tested
with arbitrary text) and caches by string, because a reject storm repeats the same few texts.

Response headers (``Retry-After``) never reach the strategy in 1.231.0: ``BinanceError`` keeps
them but the reject event only carries ``str(error)``. The parser therefore honours the two
hints that can be in the text: Binance's own ``"banned until <ms>"`` and a ``"Retry-After: <s>"``
that the kit's sandbox and reject injector append to the message.
"""

from __future__ import annotations

import ast
import enum
import functools
import json
import re
from collections.abc import Callable
from typing import Any, Final

import attrs

from nautilus_exec_kit.core.policy.codes import (
    HTTP_STATUS_CATEGORIES,
    ErrorCategory,
    code_info,
)

_C = ErrorCategory
_MAX_EVAL_CHARS: Final = 4_000  # literal_eval on megabytes of text is a denial of service
_RAW_KEEP_CHARS: Final = 500


class ReasonSource(enum.StrEnum):
    """Which Nautilus component wrote the reason string (tells how much to trust the code)."""

    PYTHON_ADAPTER = "python_adapter"  # dict repr of the decoded JSON body
    JSON = "json"  # JSON text
    RUST_ADAPTER = "rust_adapter"  # "Binance error <code>: <msg>"
    NAUTILUS2_ADAPTER = "nautilus2_adapter"  # NautilusTrader 2, WS API: "code=<code>: <msg>"
    BATCH = "batch"  # "batch-cancel-error: code=<c>, msg=<m>"
    RAW_BODY = "raw_body"  # non-JSON HTTP body (HTML 503 page, "None", ...)
    WEBSOCKET = "websocket"  # bare "REJECTED" from ORDER_TRADE_UPDATE / ALGO_UPDATE
    INFLIGHT = "inflight"  # "UNKNOWN": the in-flight check gave up
    ADAPTER_DENIAL = "adapter_denial"  # adapter pre-submit checks ("UNSUPPORTED: ...")
    RISK_ENGINE = "risk_engine"  # Nautilus RiskEngine / ExecEngine / Strategy denials
    SIMULATED_EXCHANGE = "simulated_exchange"  # backtest venue rejects
    UNPARSED = "unparsed"  # nothing matched


@attrs.frozen
class RejectReason:
    """A reject or denial reason, parsed once.

    Attributes
    ----------
    code : int | None
        The Binance error code, when the text carried one.
    message : str
        The venue's ``msg``, or the whole text when there was no structure.
    http_status : int | None
        The HTTP status when known or implied (418 for "banned until", 429 for -1003, 503 for
        a "Service Unavailable" page); ``None`` otherwise.
    category : ErrorCategory
        What kind of failure this is; the policy maps it to an action.
    source : ReasonSource
        Which component wrote the text.
    retry_after_ns : int | None
        A wait the venue asked for (``Retry-After: <s>`` in the text).
    banned_until_ms : int | None
        The epoch-ms end of an IP ban (``"... banned until 1659146458453 ..."``).
    """

    code: int | None
    message: str
    http_status: int | None
    category: ErrorCategory
    source: ReasonSource
    retry_after_ns: int | None = None
    banned_until_ms: int | None = None

    @property
    def key(self) -> str:
        """The counter key: the code as text (``"-2019"``), else ``"http<status>"`` or category."""
        if self.code is not None:
            return str(self.code)
        if self.http_status is not None:
            return f"http{self.http_status}"
        return self.category.value


# -- hints inside messages -------------------------------------------------------------------

_BANNED_UNTIL = re.compile(r"banned until (\d{10,16})", re.IGNORECASE)
_RETRY_AFTER = re.compile(r"retry[- ]after[:= ]\s*(\d{1,9}(?:\.\d{1,9})?)\s*(ms|s)?", re.IGNORECASE)
_TAKER_2010 = "Order would immediately match and take."


def _hints(message: str) -> tuple[int | None, int | None]:
    retry_after_ns: int | None = None
    banned_until_ms: int | None = None
    match = _RETRY_AFTER.search(message)
    if match:
        scale = 1_000_000 if match.group(2) and match.group(2).lower() == "ms" else 1_000_000_000
        retry_after_ns = int(float(match.group(1)) * scale)
    match = _BANNED_UNTIL.search(message)
    if match:
        banned_until_ms = int(match.group(1))
    return retry_after_ns, banned_until_ms


def _from_code(code: int, message: str, source: ReasonSource) -> RejectReason:
    """Classify a reason that carried a Binance code."""
    retry_after_ns, banned_until_ms = _hints(message)
    info = code_info(code)
    category = info.category if info is not None else _C.UNCLASSIFIED
    status: int | None = None
    if code == -2010 and message.strip() == _TAKER_2010:
        category = _C.WOULD_TAKE  # the adapter also sets due_post_only for exactly this text
    if code == -1003:
        status = 429
        if banned_until_ms is not None:
            category, status = _C.IP_BAN, 418
    return RejectReason(
        code=code,
        message=message,
        http_status=status,
        category=category,
        source=source,
        retry_after_ns=retry_after_ns,
        banned_until_ms=banned_until_ms,
    )


# -- structured forms ------------------------------------------------------------------------


def _as_mapping(text: str) -> dict[Any, Any] | None:
    """Decode a dict repr or JSON object from ``text`` (or from the first ``{...}`` in it)."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start or end - start > _MAX_EVAL_CHARS:
        return None
    candidate = text[start : end + 1]
    for decode in (ast.literal_eval, json.loads):
        try:
            value = decode(candidate)
        except Exception:  # literal_eval raises many types (incl. RecursionError)
            continue
        if isinstance(value, dict):
            return value
    return None


def _structured(text: str) -> RejectReason | None:
    mapping = _as_mapping(text)
    if mapping is None or "code" not in mapping:
        return None
    try:
        code = int(mapping["code"])
    except Exception:
        return None
    message = str(mapping.get("msg", mapping.get("message", "")))
    body = text[text.find("{") :].lstrip()
    source = ReasonSource.JSON if body.startswith('{"') else ReasonSource.PYTHON_ADAPTER
    return _from_code(code, message, source)


#: NautilusTrader 2's REST path adds the HTTP status: "Binance error -2022 (HTTP 400): ..."
_RUST_FORM = re.compile(r"Binance error (-?\d{1,6})(?: \(HTTP \d{3}\))?: ?(.*)", re.DOTALL)
_BATCH_FORM = re.compile(r"batch-cancel-error: code=(-?\d{1,6}), msg=(.*)", re.DOTALL)
_NAUTILUS2_FORM = re.compile(r"^code=(-?\d{1,6}): ?(.*)", re.DOTALL)


def _coded_text(text: str) -> RejectReason | None:
    for pattern, source in (
        (_RUST_FORM, ReasonSource.RUST_ADAPTER),
        (_BATCH_FORM, ReasonSource.BATCH),
        (_NAUTILUS2_FORM, ReasonSource.NAUTILUS2_ADAPTER),
    ):
        match = pattern.search(text)
        if match:
            return _from_code(int(match.group(1)), match.group(2).strip(), source)
    return None


# -- free-text forms: (pattern, category), tried in order ------------------------------------

_ADAPTER_DENIAL: Final = re.compile(
    r"^(UNSUPPORTED\w*|INVALID_ARG|INVALID_TRIGGER_TYPE|INVALID_TRAILING_OFFSET\w*"
    r"|INVALID_TRIGGER_PRICE|VALIDATION_FAILED|INVALID_POSITION_ID)\b"
)

_RISK_ENGINE_RULES: Final[tuple[tuple[re.Pattern[str], ErrorCategory], ...]] = tuple(
    (re.compile(pattern), category)
    for pattern, category in (
        (
            r"invalid \((precision|> maximum trade size|< minimum trade size|not positive)",
            _C.FILTER,
        ),
        (r"^GTD .* already passed", _C.FILTER),
        (r"Exceeded MAX_ORDER_(SUBMIT|MODIFY)_RATE", _C.LOCAL_RATE_LIMIT),
        (r"Reduce only order would increase position", _C.ORDER_REJECTED),
        (r"TradingState\.|MARKET_EXIT_IN_PROGRESS", _C.TRADING_STATE),
        (r"is not valid for NETTING OMS", _C.POSITION_MODE),
        (r"^duplicate ClientOrderId", _C.ORDER_REJECTED),
        (r"^(CUM_)?NOTIONAL_EXCEEDS_FREE_BALANCE", _C.INSUFFICIENT_FUNDS),
        (r"^NOTIONAL_", _C.FILTER),
    )
)

_SIM_EXCHANGE_RULES: Final[tuple[tuple[re.Pattern[str], ErrorCategory], ...]] = tuple(
    (re.compile(pattern), category)
    for pattern, category in (
        (r"^REDUCE_ONLY .* would have increased position", _C.ORDER_REJECTED),
        (r"^POST_ONLY .* would have been a TAKER", _C.WOULD_TAKE),
        (r" px of .* was in the market", _C.WOULD_TRIGGER),
        (r"^Invalid (price|size|trigger price) precision", _C.FILTER),
        (r"^Cannot reduce order quantity", _C.FILTER),
        (r"^no market", _C.ORDER_REJECTED),
        (r"^time in force .* is not currently supported", _C.PARAM_MISUSE),
        (r"^REJECT OTO from|^Contingent order .* already closed", _C.ORDER_REJECTED),
        (r"^Contract .* has expired", _C.INVALID_SYMBOL),
        (r"^ClientOrderId\('.*'\) not found", _C.NOT_FOUND),
        # adapter-side modify refusals (live), same remedy as a misused parameter
        (r"^only LIMIT orders supported by the venue|^only supported for `", _C.PARAM_MISUSE),
    )
)

_HTML: Final = re.compile(r"<\s*(!doctype|html|head|body|title)", re.IGNORECASE)
_NON_JSON: Final = re.compile(r"^Non-JSON response \(HTTP (\d{3})\)")
_STATUS_IN_TEXT: Final = re.compile(r"\b([45]\d\d)\b")
_STATUS_PHRASES: Final = {
    "service unavailable": 503,
    "bad gateway": 502,
    "gateway timeout": 504,
    "internal server error": 500,
    "too many requests": 429,
}


def _raw_body(text: str) -> RejectReason | None:
    match = _NON_JSON.match(text)
    if match:
        # HTTP 200 with a body the adapter could not read: the order may well exist.
        return RejectReason(
            None, text, int(match.group(1)), _C.UNKNOWN_STATUS, ReasonSource.RAW_BODY
        )
    if text.strip() in ("None", ""):
        # an HTTP error with an empty body: nothing says whether the request executed
        return RejectReason(None, text, None, _C.UNKNOWN_STATUS, ReasonSource.RAW_BODY)
    if not _HTML.search(text):
        return None
    status: int | None = None
    found = _STATUS_IN_TEXT.search(text)
    if found:
        status = int(found.group(1))
    else:
        lowered = text.lower()
        status = next((s for phrase, s in _STATUS_PHRASES.items() if phrase in lowered), None)
    category = (
        HTTP_STATUS_CATEGORIES.get(status, _C.UNKNOWN_STATUS) if status else _C.UNKNOWN_STATUS
    )
    retry_after_ns, _ = _hints(text)
    return RejectReason(
        None, text, status, category, ReasonSource.RAW_BODY, retry_after_ns=retry_after_ns
    )


def _free_text(text: str) -> RejectReason | None:
    stripped = text.strip()
    if stripped == "REJECTED":
        return RejectReason(None, stripped, None, _C.ORDER_REJECTED, ReasonSource.WEBSOCKET)
    if stripped in ("UNKNOWN", "INFLIGHT_TIMEOUT"):
        # v1's and v2's in-flight checks gave up on an order the venue never answered for
        # (v2 holds any ambiguous WS API submit failure, -1003 and 418 included, this way)
        return RejectReason(None, stripped, None, _C.UNKNOWN_STATUS, ReasonSource.INFLIGHT)
    if _ADAPTER_DENIAL.match(stripped):
        return RejectReason(None, stripped, None, _C.PARAM_MISUSE, ReasonSource.ADAPTER_DENIAL)
    for rules, source in (
        (_RISK_ENGINE_RULES, ReasonSource.RISK_ENGINE),
        (_SIM_EXCHANGE_RULES, ReasonSource.SIMULATED_EXCHANGE),
    ):
        for pattern, category in rules:
            if pattern.search(stripped):
                return RejectReason(None, stripped, None, category, source)
    return None


_PARSERS: Final[tuple[Callable[[str], RejectReason | None], ...]] = (
    _structured,
    _coded_text,
    _free_text,
    _raw_body,
)


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> RejectReason:
    for parser in _PARSERS:
        try:
            reason = parser(text)
        except Exception:  # a parser bug must degrade to "unclassified", never raise
            reason = None
        if reason is not None:
            return reason
    return RejectReason(None, text[:_RAW_KEEP_CHARS], None, _C.UNCLASSIFIED, ReasonSource.UNPARSED)


def parse_reason(text: object) -> RejectReason:
    """Parse a reject/denial reason into a :class:`RejectReason`; never raises.

    >>> parse_reason("{'code': -2019, 'msg': 'Margin is insufficient.'}").category
    <ErrorCategory.INSUFFICIENT_FUNDS: 'insufficient_funds'>
    >>> parse_reason("REJECTED").source
    <ReasonSource.WEBSOCKET: 'websocket'>
    """
    try:
        as_text = text if isinstance(text, str) else str(text)
    except Exception:
        as_text = "<unprintable reason>"
    return _parse_cached(as_text)


__all__ = ["ReasonSource", "RejectReason", "parse_reason"]
