"""Planned Binance rejects for backtests: the SPEC, its rules, and which command each one hits.

Why in the core: a backtest of either Nautilus generation must be able to answer a chosen
command with the reject Binance would send, and give the error policy the same reason text the
live adapter reports. What to inject and when (the ``--inject-rejects`` SPEC, documented in
:mod:`nautilus_exec_kit.backtest.rejects`) is decided here on plain values; each binding owns
its seam into the simulated venue (v1: the execution engine's endpoint; v2: an execution
algorithm that denies).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable, Sequence
from typing import Any, Final, Literal

import attrs

from nautilus_exec_kit.core.errors import ConfigurationError
from nautilus_exec_kit.core.policy.codes import BINANCE_CODES
from nautilus_exec_kit.core.vocab import OrderType

_MS: Final = 1_000_000
_S: Final = 1_000_000_000
_UNITS: Final = {"ms": _MS, "s": _S, "m": 60 * _S, "h": 3600 * _S, "": _S}

_IP = "IP(127.0.0.1)"
_MSG_1003: Final = (
    f"Too many requests; current limit of {_IP} is 2400 requests per minute. "
    "Please use the websocket for live updates to avoid polling the API."
)
_MSG_BAN: Final = (
    "Way too many requests; " + _IP + " banned until {ms}. "
    "Please use the websocket for live updates to avoid bans."
)
_HTML_BODY: Final = "<html><body><h1>{status} {text}</h1></body></html>"
_HTTP_TEXT: Final = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_DEFAULT_BAN_NS: Final = 120 * _S

CommandKind = Literal["submit", "cancel", "modify"]


class RejectSpecError(ConfigurationError):
    """An ``--inject-rejects`` SPEC (or a :class:`RejectRule`) is malformed."""


@attrs.frozen
class RejectRule:
    """One injection rule: which commands to answer, and with what.

    ``code`` is the Binance code (``None`` with ``http_status`` for a raw body such as an HTML
    503). Conditions left ``None`` do not restrict.
    """

    code: int | None
    message: str | None = None
    http_status: int | None = None
    on: CommandKind = "submit"
    order_type: str | None = None
    tag: str | None = None
    nth: tuple[int, int] | None = None
    window_ns: tuple[int, int] | None = None
    probability: float | None = None
    seed: int = 0
    times: int | None = None
    retry_after_s: float | None = None
    auto_retry_after: bool = True
    placed: bool = False
    latency_ms: int = 0

    def __attrs_post_init__(self) -> None:
        if self.code is None and self.http_status is None:
            raise RejectSpecError("a reject rule needs a Binance code or an HTTP status")
        if self.on not in ("submit", "cancel", "modify"):
            raise RejectSpecError(f"on={self.on!r}: use submit, cancel or modify")
        if self.order_type is not None and self.order_type not in OrderType.__members__:
            raise RejectSpecError(
                f"type={self.order_type!r} is not an order type; use one of "
                f"{', '.join(OrderType.__members__)}"
            )
        if self.probability is not None and not 0.0 <= self.probability <= 1.0:
            raise RejectSpecError(f"p={self.probability} must be within [0, 1]")
        if self.nth is not None and not 1 <= self.nth[0] <= self.nth[1]:
            raise RejectSpecError(f"nth={self.nth[0]}..{self.nth[1]} must be 1 <= a <= b")
        if self.window_ns is not None and not 0 <= self.window_ns[0] < self.window_ns[1]:
            raise RejectSpecError("window=a..b needs 0 <= a < b")
        if self.placed and self.on != "submit":
            raise RejectSpecError("placed=true only applies to submits")
        if self.latency_ms < 0 or (self.times is not None and self.times <= 0):
            raise RejectSpecError("latency must be >= 0 and times > 0")

    def reason(self, now_ns: int, t0_ns: int) -> str:
        """The reason string exactly as the live Python adapter would report it."""
        window_end = t0_ns + self.window_ns[1] if self.window_ns is not None else None
        retry_after = self.retry_after_s
        rate_limited = self.code == -1003 or self.http_status == 429
        if retry_after is None and self.auto_retry_after and rate_limited and window_end:
            retry_after = max(1, math.ceil((window_end - now_ns) / _S))
        if self.http_status == 418:
            if window_end is not None:
                ban_end = window_end
            elif retry_after is not None:
                ban_end = now_ns + int(retry_after * _S)
            else:
                ban_end = now_ns + _DEFAULT_BAN_NS
            body: dict[str, Any] = {
                "code": self.code or -1003,
                "msg": self.message or _MSG_BAN.format(ms=ban_end // _MS),
            }
            return str(body)
        if self.code is None:
            status = self.http_status or 503
            return self.message or _HTML_BODY.format(
                status=status, text=_HTTP_TEXT.get(status, "Error")
            )
        default = _MSG_1003 if self.code == -1003 else None
        info = BINANCE_CODES.get(self.code)
        message = self.message or default or (info.meaning if info else "Injected error.")
        if retry_after is not None and rate_limited:
            message = f"{message} Retry-After: {retry_after:g}"
        return str({"code": self.code, "msg": message})


# -- SPEC parser ---------------------------------------------------------------------------

_DURATION: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|)\s*$")
_BOOL: Final = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _duration_ns(text: str, where: str) -> int:
    match = _DURATION.match(text)
    if not match:
        raise RejectSpecError(f"{where}: {text!r} is not a duration (e.g. 500ms, 60s, 2m)")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def _range(text: str, where: str, parse: Any) -> tuple[Any, Any]:
    low, sep, high = text.partition("..")
    first = parse(low, where)
    return (first, parse(high, where)) if sep else (first, first)


def _int(text: str, where: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise RejectSpecError(f"{where}: {text!r} is not an integer") from None


def _float(text: str, where: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise RejectSpecError(f"{where}: {text!r} is not a number") from None


def _parse_rule(text: str) -> RejectRule:
    target, _, options = text.partition("@")
    target = target.strip()
    try:
        number = int(target)
    except ValueError:
        raise RejectSpecError(
            f"rule {text!r}: {target!r} is neither a Binance code (-2019) nor an HTTP status (503)"
        ) from None
    kwargs: dict[str, Any] = {}
    if number < 0:
        kwargs["code"] = number
    elif 100 <= number <= 599:
        kwargs["http_status"] = number
        kwargs["code"] = -1003 if number in (418, 429) else None
    else:
        raise RejectSpecError(f"rule {text!r}: {number} is neither a code (<0) nor a status")
    for option in filter(None, (o.strip() for o in options.split(","))):
        key, eq, value = option.partition("=")
        key, value = key.strip().lower(), value.strip()
        where = f"rule {text!r}, {key}"
        if not eq:
            raise RejectSpecError(f"rule {text!r}: option {option!r} needs key=value")
        if key == "window":
            kwargs["window_ns"] = _range(value, where, _duration_ns)
        elif key == "nth":
            kwargs["nth"] = _range(value, where, _int)
        elif key == "p":
            kwargs["probability"] = _float(value, where)
        elif key == "seed":
            kwargs["seed"] = _int(value, where)
        elif key == "times":
            kwargs["times"] = _int(value, where)
        elif key == "type":
            kwargs["order_type"] = value.upper()
        elif key == "tag":
            kwargs["tag"] = value
        elif key == "on":
            kwargs["on"] = value.lower()
        elif key == "msg":
            kwargs["message"] = value
        elif key == "status":
            kwargs["http_status"] = _int(value, where)
        elif key == "retry_after":
            if value.lower() == "none":
                kwargs["auto_retry_after"] = False
            else:
                kwargs["retry_after_s"] = _float(value, where)
        elif key == "placed":
            if value.lower() not in _BOOL:
                raise RejectSpecError(f"{where}: {value!r} is not true/false")
            kwargs["placed"] = _BOOL[value.lower()]
        elif key == "latency":
            kwargs["latency_ms"] = _duration_ns(value, where) // _MS
        else:
            raise RejectSpecError(
                f"rule {text!r}: unknown option {key!r}; use on, type, tag, nth, window, p, "
                "seed, times, msg, status, retry_after, placed, latency"
            )
    return RejectRule(**kwargs)


def parse_reject_spec(text: str) -> list[RejectRule]:
    """Parse an ``--inject-rejects`` SPEC into rules (see the module docstring).

    >>> [r.code for r in parse_reject_spec("-2019@nth=3; 503@p=0.1,seed=7")]
    [-2019, None]

    Raises
    ------
    RejectSpecError
        With the offending rule and what to write instead.
    """
    rules = [_parse_rule(part) for part in text.split(";") if part.strip()]
    if not rules:
        raise RejectSpecError("empty reject SPEC; e.g. '-2019@nth=3'")
    return rules


@attrs.define
class _RuleState:
    rule: RejectRule
    rng: random.Random
    matched: int = 0
    injected: int = 0




class RejectPlan:
    """The rules of one backtest with their counters: first matching rule wins."""

    def __init__(self, rules: Sequence[RejectRule] | str) -> None:
        parsed = parse_reject_spec(rules) if isinstance(rules, str) else list(rules)
        self._states = [_RuleState(rule, random.Random(rule.seed)) for rule in parsed]

    @property
    def rules(self) -> list[RejectRule]:
        """The rules, in matching order."""
        return [state.rule for state in self._states]

    def match(
        self,
        kind: CommandKind,
        order_type: str | None,
        tags: Iterable[str] | None,
        elapsed_ns: int,
    ) -> RejectRule | None:
        """The rule that answers this command, if any (counts it); ``order_type`` is the
        order type's name, ``None`` when the order is unknown; ``elapsed_ns`` is the time since
        the run started."""
        for state in self._states:
            rule = state.rule
            if rule.on != kind:
                continue
            if rule.order_type is not None and order_type != rule.order_type:
                continue
            if rule.tag is not None and rule.tag not in (tags or ()):
                continue
            state.matched += 1
            if rule.nth is not None and not rule.nth[0] <= state.matched <= rule.nth[1]:
                continue
            if rule.window_ns is not None and not (
                rule.window_ns[0] <= elapsed_ns < rule.window_ns[1]
            ):
                continue
            if rule.probability is not None and state.rng.random() >= rule.probability:
                continue
            if rule.times is not None and state.injected >= rule.times:
                continue
            state.injected += 1
            return rule
        return None


__all__ = [
    "CommandKind",
    "RejectPlan",
    "RejectRule",
    "RejectSpecError",
    "parse_reject_spec",
]
