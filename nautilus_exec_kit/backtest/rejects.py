"""Make the simulated venue answer like Binance: inject rejects into a backtest.

Nautilus 1.231.0 has no hook for venue rejects in backtests (FillModel cannot reject, the
exchange is built inside ``add_venue``). The one seam that works is the ``"ExecEngine.execute"``
message-bus endpoint, which the RiskEngine sends every surviving command to. The
:class:`RejectInjector` swaps that endpoint for its own handler (public ``deregister`` /
``register``), matches each command against its rules and either forwards it to the real
execution engine or answers it itself, through ``"ExecEngine.process"``, exactly as the live
adapter would: ``OrderSubmitted`` then ``OrderRejected(reason="{'code': -2019, 'msg': ...}")``
(or ``OrderCancelRejected`` / ``OrderModifyRejected``). The cache and the order state machine
handle these like real venue events, so the error policy sees what it would see live.

Usage::

    injector = RejectInjector(parse_reject_spec("-1003@window=60s..120s;-2019@nth=3"))
    injector.install(engine)   # after add_venue/add_instrument, before run
    engine.run()

SPEC format (``exec-kit backtest --inject-rejects SPEC``): rules separated by ``;``, each
``TARGET[@key=value,key=value...]``. TARGET is a Binance code (``-2019``) or an HTTP status
(``418``, ``429``, ``503``). All conditions of a rule must hold; the first matching rule wins.

==============  ============================================================================
key             meaning
==============  ============================================================================
on              ``submit`` (default), ``cancel`` or ``modify``: which command to answer
type            order type name (``LIMIT``, ``MARKET``, ``STOP_MARKET``, ...)
tag             only orders carrying this tag
nth             ``3`` or ``3..5``: the nth matching command (1-based, per rule)
window          ``60s..120s`` (units ms/s/m/h, bare = s) from the start of the run
p               probability per matching command, drawn from a RNG seeded with ``seed``
seed            the RNG seed of ``p`` (default 0)
times           at most this many injections from this rule
msg             the ``msg`` text (no ``,``/``;``); default: the code table's meaning
status          HTTP status (418 turns a -1003 into an IP ban with ``banned until <ms>``)
retry_after     seconds appended as ``Retry-After: <s>``; default for -1003/429 with a window:
                the time left in the window; ``none`` disables
placed          ``true``: the order WAS placed (forwarded to the venue) but the reject is
                reported anyway (for -1007/-1006/-1000: exercises reconcile)
latency         delay of the reject (``50ms``); default 0 (synchronous)
==============  ============================================================================

Example: ``"-1003@window=60s..120s,retry_after=30;-2019@nth=3;-1007@p=0.05,seed=7,placed=true"``.

Caveat: the seam relies on the endpoint name and on ExecEngine internals of the pinned version;
``tests/test_rejects_backtest.py`` pins the behaviour.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from typing import Any, Final, Literal

import attrs
from nautilus_trader.common.actor import Actor
from nautilus_trader.common.config import ActorConfig
from nautilus_trader.common.events import TimeEvent
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.execution.messages import CancelOrder, ModifyOrder, QueryOrder, SubmitOrder
from nautilus_trader.model.enums import OrderType
from nautilus_trader.model.events import (
    OrderCancelRejected,
    OrderModifyRejected,
    OrderRejected,
    OrderSubmitted,
)

from nautilus_exec_kit.core.errors import ConfigurationError
from nautilus_exec_kit.core.policy.codes import BINANCE_CODES

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


# -- the injector --------------------------------------------------------------------------


@attrs.define
class _RuleState:
    rule: RejectRule
    rng: random.Random
    matched: int = 0
    injected: int = 0


@attrs.frozen
class CommandSeen:
    """One command that reached the venue seam (for benchmarks and tests)."""

    ts_ns: int
    kind: CommandKind
    client_order_id: str
    injected_code: int | None
    injected: bool
    placed: bool


_COMMAND_KINDS: Final[dict[type, CommandKind]] = {
    SubmitOrder: "submit",
    CancelOrder: "cancel",
    ModifyOrder: "modify",
}


def _client_order_id(command: Any) -> Any:
    """SubmitOrder carries the order; cancel/modify carry the ID."""
    return (
        command.order.client_order_id
        if isinstance(command, SubmitOrder)
        else (command.client_order_id)
    )


class RejectInjector(Actor):  # type: ignore[misc]
    """Answers chosen commands with Binance rejects, deterministically.

    Parameters
    ----------
    rules : sequence of RejectRule, or a SPEC string
        First matching rule wins.
    """

    def __init__(self, rules: Sequence[RejectRule] | str) -> None:
        super().__init__(ActorConfig(component_id="RejectInjector"))
        parsed = parse_reject_spec(rules) if isinstance(rules, str) else list(rules)
        self._states = [_RuleState(rule, random.Random(rule.seed)) for rule in parsed]
        self._forward: Any = None
        self._t0: int | None = None
        self._latency_seq = 0
        self._placed_pending: dict[str, Any] = {}
        self.queries: list[str] = []
        self.commands: list[CommandSeen] = []

    @property
    def rules(self) -> list[RejectRule]:
        """The installed rules, in matching order."""
        return [state.rule for state in self._states]

    def install(self, engine: Any) -> None:
        """Add the injector to ``engine`` and put it in front of the execution engine.

        Call after ``add_venue``/``add_instrument`` and before ``run``. Works for a
        ``BacktestEngine`` and for ``BacktestNode.get_engine(run_id)`` after ``build()``.
        """
        exec_engine = engine.kernel.exec_engine
        msgbus = engine.kernel.msgbus
        engine.add_actor(self)
        self._forward = exec_engine.execute
        msgbus.deregister("ExecEngine.execute", exec_engine.execute)
        msgbus.register("ExecEngine.execute", self._on_command)

    def on_start(self) -> None:
        """Windows are measured from here (the start of the run)."""
        self._t0 = self.clock.timestamp_ns()
        self.msgbus.subscribe("events.order.*", self._on_order_event)

    def _on_order_event(self, event: Any) -> None:
        """Release a ``placed=true`` reject once the venue has answered for the order."""
        if isinstance(event, OrderSubmitted):
            return
        pending = self._placed_pending.pop(str(event.client_order_id), None)
        if pending is not None:
            pending()

    def injected_count(self) -> int:
        """How many commands were answered with a reject."""
        return sum(1 for c in self.commands if c.injected)

    # -- matching ----------------------------------------------------------------------------

    def _match(self, kind: CommandKind, command: Any, now: int) -> RejectRule | None:
        order = self.cache.order(_client_order_id(command)) if kind != "submit" else command.order
        for state in self._states:
            rule = state.rule
            if rule.on != kind:
                continue
            if rule.order_type is not None and (
                order is None or order.order_type != OrderType[rule.order_type]
            ):
                continue
            if rule.tag is not None and (order is None or rule.tag not in (order.tags or [])):
                continue
            state.matched += 1
            if rule.nth is not None and not rule.nth[0] <= state.matched <= rule.nth[1]:
                continue
            if rule.window_ns is not None:
                elapsed = now - (self._t0 or now)
                if not rule.window_ns[0] <= elapsed < rule.window_ns[1]:
                    continue
            if rule.probability is not None and state.rng.random() >= rule.probability:
                continue
            if rule.times is not None and state.injected >= rule.times:
                continue
            state.injected += 1
            return rule
        return None

    def _on_command(self, command: Any) -> None:
        if isinstance(command, QueryOrder):
            # the backtest client raises NotImplementedError; the venue's events are the answer
            self.queries.append(str(command.client_order_id))
            return
        kind = _COMMAND_KINDS.get(type(command))
        if kind is None:
            self._forward(command)
            return
        now = self.clock.timestamp_ns()
        if self._t0 is None:
            self._t0 = now
        rule = self._match(kind, command, now)
        coid = str(_client_order_id(command))
        self.commands.append(
            CommandSeen(
                now,
                kind,
                coid,
                rule.code if rule else None,
                rule is not None,
                bool(rule and rule.placed),
            )
        )
        if rule is None:
            self._forward(command)
            return
        reason = rule.reason(now, self._t0)
        emit = lambda: self._emit_reject(kind, command, reason)  # noqa: E731
        if kind == "submit" and rule.placed:
            # The venue takes the order; the reject is reported once the venue has answered
            # (so the cache, fills and positions stay consistent) - what the policy must then
            # find out by reconciling.
            self._placed_pending[coid] = emit
            self._forward(command)
            return
        if kind == "submit":
            self._emit_submitted(command, now)
        self._later(rule.latency_ms, emit)

    # -- emission ----------------------------------------------------------------------------

    def _later(self, latency_ms: int, action: Any) -> None:
        if latency_ms <= 0:
            action()
            return
        self._latency_seq += 1
        name = f"reject-injector-{self._latency_seq}"

        def fire(_: TimeEvent) -> None:
            action()

        self.clock.set_time_alert_ns(name, self.clock.timestamp_ns() + latency_ms * _MS, fire)

    def _account_id(self, command: Any) -> Any:
        account = self.cache.account_for_venue(command.instrument_id.venue)
        return account.id if account is not None else None

    def _emit_submitted(self, command: SubmitOrder, now: int) -> None:
        self.msgbus.send(
            "ExecEngine.process",
            OrderSubmitted(
                command.trader_id,
                command.strategy_id,
                command.instrument_id,
                command.order.client_order_id,
                self._account_id(command),
                UUID4(),
                now,
                now,
            ),
        )

    def _emit_reject(self, kind: CommandKind, command: Any, reason: str) -> None:
        now = self.clock.timestamp_ns()
        ids = (
            command.trader_id,
            command.strategy_id,
            command.instrument_id,
            _client_order_id(command),
        )
        event: Any
        if kind == "submit":
            code_5022 = "'code': -5022" in reason
            event = OrderRejected(
                *ids, self._account_id(command), reason, UUID4(), now, now, False, code_5022
            )
        else:
            order = self.cache.order(_client_order_id(command))
            venue_order_id = order.venue_order_id if order is not None else None
            cls = OrderCancelRejected if kind == "cancel" else OrderModifyRejected
            event = cls(*ids, venue_order_id, self._account_id(command), reason, UUID4(), now, now)
        self.msgbus.send("ExecEngine.process", event)


__all__ = [
    "CommandSeen",
    "RejectInjector",
    "RejectRule",
    "RejectSpecError",
    "parse_reject_spec",
]
