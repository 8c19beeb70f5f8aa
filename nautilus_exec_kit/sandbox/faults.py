"""Fault injection: what the sandbox does wrong on purpose, scripted per run or changed at runtime.

A :class:`FaultPlan` is data (build it in code, or load it from a dict / JSON file); the
:class:`FaultController` is the running venue's live copy of it plus one-shot actions (disconnect
the user streams, expire listenKeys, liquidate a position, place an order "from another app").
The admin HTTP endpoints under ``/admin/...`` call the same controller, so a test, the CLI and a
person with ``curl`` all inject faults the same way.

Example::

    plan = FaultPlan.from_dict({
        "rules": [
            {"kind": "http_error", "path": "/fapi/v1/order", "method": "POST", "status": 503},
            {"kind": "timeout_placed", "path": "/fapi/v1/order", "count": 1},
            {"kind": "drop_user_frames", "event": "ORDER_TRADE_UPDATE", "count": 2},
        ],
        "actions": [{"at_ms": 5000, "action": "disconnect_user_streams"}],
    })
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import attrs


class FaultKind(StrEnum):
    """What a rule does to the requests or frames it matches."""

    #: Delay the answer by ``delay_ms`` (REST) - stacks with other rules.
    LATENCY = "latency"
    #: Answer ``status`` with the raw, non-JSON ``body`` (an HTML error page, like a load balancer).
    HTTP_ERROR = "http_error"
    #: Answer ``status`` with the JSON ``{"code": code, "msg": msg}``.
    BINANCE_ERROR = "binance_error"
    #: -1007 "Timeout waiting for response", but the order WAS placed (the venue state changed).
    TIMEOUT_PLACED = "timeout_placed"
    #: -1007 "Timeout waiting for response", and the order was NOT placed.
    TIMEOUT_NOT_PLACED = "timeout_not_placed"
    #: Drop user-stream frames (optionally only those whose ``e`` equals ``event``).
    DROP_USER_FRAMES = "drop_user_frames"
    #: Delay user-stream frames by ``delay_ms``.
    DELAY_USER_FRAMES = "delay_user_frames"
    #: Drop market-stream frames.
    DROP_MARKET_FRAMES = "drop_market_frames"


#: Rules that decide the whole REST answer (the first match wins); the rest only modify it.
ANSWERING_KINDS: frozenset[FaultKind] = frozenset(
    {
        FaultKind.HTTP_ERROR,
        FaultKind.BINANCE_ERROR,
        FaultKind.TIMEOUT_PLACED,
        FaultKind.TIMEOUT_NOT_PLACED,
    }
)

TIMEOUT_MSG = (
    "Timeout waiting for response from backend server. Send status unknown; "
    "execution status unknown."
)


class FaultAction(StrEnum):
    """One-shot events a plan schedules (``at_ms`` after start) or the admin API triggers."""

    DISCONNECT_USER_STREAMS = "disconnect_user_streams"
    DISCONNECT_MARKET_STREAMS = "disconnect_market_streams"
    EXPIRE_LISTEN_KEYS = "expire_listen_keys"
    LIQUIDATION = "liquidation"
    ADL = "adl"
    SETTLEMENT = "settlement"
    EXTERNAL_ORDER = "external_order"
    SET_PRICE = "set_price"


def _upper(value: str | None) -> str | None:
    return value.upper() if value else None


@attrs.frozen
class FaultRule:
    """Match requests (``path``/``method``, and ``params`` when given) or frames (``event``)
    and misbehave ``count`` times.

    ``count=None`` means forever; ``skip`` lets the first matches through untouched. ``params``
    narrows a request rule to requests carrying those parameters (values compared without case:
    clients send booleans as ``true`` or ``True``), e.g. ``{"reduceOnly": "true"}`` delays a
    reduce-only order but not the order sent beside it on the same route.
    """

    kind: FaultKind = attrs.field(converter=FaultKind)
    path: str | None = None
    method: str | None = attrs.field(default=None, converter=_upper)
    event: str | None = None
    count: int | None = 1
    skip: int = 0
    delay_ms: int = 0
    status: int = 503
    body: str = "<html><body><h1>503 Service Unavailable</h1></body></html>"
    code: int = -1007
    msg: str = TIMEOUT_MSG
    params: Mapping[str, str] = attrs.field(factory=dict, hash=False)

    def matches_request(
        self, method: str, path: str, params: Mapping[str, str] | None = None,
    ) -> bool:
        """Whether this rule applies to a REST request (with these parameters)."""
        if self.path is not None and self.path != path:
            return False
        if self.method is not None and self.method != method.upper():
            return False
        given = params or {}
        return all(
            str(given.get(name, "")).lower() == str(value).lower()
            for name, value in self.params.items()
        )

    def matches_frame(self, event: str) -> bool:
        """Whether this rule applies to a user-stream frame with ``e == event``."""
        return self.event is None or self.event == event


@attrs.frozen
class ScheduledAction:
    """A :class:`FaultAction` fired ``at_ms`` after the venue started, with its arguments."""

    at_ms: int
    action: FaultAction = attrs.field(converter=FaultAction)
    args: Mapping[str, Any] = attrs.field(factory=dict)


def _rules(items: Any) -> tuple[FaultRule, ...]:
    return tuple(r if isinstance(r, FaultRule) else FaultRule(**r) for r in items)


def _actions(items: Any) -> tuple[ScheduledAction, ...]:
    return tuple(a if isinstance(a, ScheduledAction) else ScheduledAction(**a) for a in items)


@attrs.frozen
class FaultPlan:
    """The faults of one run: a base latency, rules, and scheduled one-shot actions."""

    latency_ms: int = 0
    rules: tuple[FaultRule, ...] = attrs.field(default=(), converter=_rules)
    actions: tuple[ScheduledAction, ...] = attrs.field(default=(), converter=_actions)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultPlan:
        """Build a plan from plain data (the JSON file's shape); unknown keys raise TypeError."""
        return cls(**dict(data))

    @classmethod
    def from_json_file(cls, path: str | Path) -> FaultPlan:
        """Load a plan from a JSON file holding the :meth:`from_dict` shape."""
        return cls.from_dict(json.loads(Path(path).read_text()))


class VenueActions(Protocol):
    """What the controller needs from the venue to carry out one-shot actions."""

    def run_action(self, action: FaultAction, args: Mapping[str, Any]) -> Any:
        """Carry out ``action`` on the venue's loop and return its result."""
        ...


@attrs.define
class _LiveRule:
    rule: FaultRule
    seen: int = 0
    fired: int = 0

    def take(self) -> bool:
        self.seen += 1
        if self.seen <= self.rule.skip:
            return False
        if self.rule.count is not None and self.fired >= self.rule.count:
            return False
        self.fired += 1
        return True

    @property
    def spent(self) -> bool:
        return self.rule.count is not None and self.fired >= self.rule.count


class FaultController:
    """The running venue's faults: rules (thread-safe to change) and one-shot actions."""

    def __init__(self, plan: FaultPlan, venue: VenueActions) -> None:
        self._lock = threading.Lock()
        self._venue = venue
        self.latency_ms = plan.latency_ms
        self._rules = [_LiveRule(r) for r in plan.rules]

    # -- rules ------------------------------------------------------------------------------

    def add(self, rule: FaultRule | Mapping[str, Any]) -> None:
        """Add a rule at runtime (a :class:`FaultRule` or its dict form)."""
        live = _LiveRule(rule if isinstance(rule, FaultRule) else FaultRule(**rule))
        with self._lock:
            self._rules.append(live)

    def clear(self) -> None:
        """Remove every rule and the base latency."""
        with self._lock:
            self._rules.clear()
            self.latency_ms = 0

    def rules(self) -> list[dict[str, Any]]:
        """The active rules with how often each fired (for the admin view)."""
        with self._lock:
            return [
                {**attrs.asdict(r.rule), "fired": r.fired}
                for r in self._rules
                if not r.spent
            ]

    def for_request(
        self, method: str, path: str, params: Mapping[str, str] | None = None,
    ) -> tuple[int, FaultRule | None]:
        """Extra latency and the answering rule (if any) for one REST request (``params``: its
        parameters, for rules that match on them); consumes counts."""
        delay = self.latency_ms
        answer: FaultRule | None = None
        with self._lock:
            for live in self._rules:
                rule = live.rule
                if not rule.matches_request(method, path, params):
                    continue
                if rule.kind is FaultKind.LATENCY and live.take():
                    delay += rule.delay_ms
                elif answer is None and rule.kind in ANSWERING_KINDS and live.take():
                    answer = rule
            self._rules = [r for r in self._rules if not r.spent]
        return delay, answer

    def for_frame(self, kind: FaultKind, event: str) -> FaultRule | None:
        """The DROP/DELAY rule of ``kind`` that applies to a frame with ``e == event``."""
        with self._lock:
            for live in self._rules:
                if live.rule.kind is kind and live.rule.matches_frame(event) and live.take():
                    self._rules = [r for r in self._rules if not r.spent]
                    return live.rule
        return None

    # -- one-shot actions -------------------------------------------------------------------

    def disconnect_user_streams(self) -> int:
        """Close every user-data WebSocket (the client must reconnect and reconcile)."""
        return int(self._venue.run_action(FaultAction.DISCONNECT_USER_STREAMS, {}))

    def disconnect_market_streams(self) -> int:
        """Close every market-data WebSocket."""
        return int(self._venue.run_action(FaultAction.DISCONNECT_MARKET_STREAMS, {}))

    def expire_listen_keys(self) -> int:
        """Send ``listenKeyExpired`` on every user stream and invalidate its listenKey."""
        return int(self._venue.run_action(FaultAction.EXPIRE_LISTEN_KEYS, {}))

    def liquidation(self, symbol: str = "BTCUSDT", position_side: str = "BOTH") -> Any:
        """Force-close a position the way Binance's liquidation engine does (``autoclose-...``)."""
        args = {"symbol": symbol, "position_side": position_side}
        return self._venue.run_action(FaultAction.LIQUIDATION, args)

    def adl(self, symbol: str = "BTCUSDT", position_side: str = "BOTH") -> Any:
        """Auto-deleverage a position (client id ``adl_autoclose``)."""
        args = {"symbol": symbol, "position_side": position_side}
        return self._venue.run_action(FaultAction.ADL, args)

    def settlement(self, symbol: str = "BTCUSDT", position_side: str = "BOTH") -> Any:
        """Close a position at delisting/settlement (``settlement_autoclose-...``)."""
        args = {"symbol": symbol, "position_side": position_side}
        return self._venue.run_action(FaultAction.SETTLEMENT, args)

    def external_order(self, **params: Any) -> Any:
        """Place an order as another app on the same account would (raw Binance params)."""
        return self._venue.run_action(FaultAction.EXTERNAL_ORDER, params)
