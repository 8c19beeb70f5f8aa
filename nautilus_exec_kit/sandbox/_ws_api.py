"""The WebSocket API (``/ws-fapi/v1``): Binance's request/response socket, authenticated as Binance.

Each method is the REST route it mirrors (data, below), so a WS API order goes through exactly the
same parameter checks, limits and engine call as ``POST /fapi/v1/order``. Security follows the
route's: public methods need nothing; USER_STREAM ones (``userDataStream.*``) need an ``apiKey`` of
the account, or a logged-on session; SIGNED ones need ``apiKey``, ``timestamp`` and a ``signature``
over the params sorted by name (HMAC-SHA256 or Ed25519), or a session that ``session.logon``
authenticated with an Ed25519 signature (Binance allows logon with Ed25519 keys only).

Before this module the socket handed a listenKey, and with it the account's fills, to anyone who
sent any ``apiKey``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from nautilus_exec_kit.sandbox import _params as params_mod
from nautilus_exec_kit.sandbox import _wire as wire
from nautilus_exec_kit.sandbox._auth import BAD_SIGNATURE, PUBLIC, SIGNED, Authenticator
from nautilus_exec_kit.sandbox._engine import BinanceReject

RouteKey = tuple[str, str]
#: The REST route each WS API method is (method name -> (HTTP method, path)).
METHODS: Mapping[str, RouteKey] = {
    "time": ("GET", "/fapi/v1/time"),
    "depth": ("GET", "/fapi/v1/depth"),
    "ticker.price": ("GET", "/fapi/v2/ticker/price"),
    "ticker.book": ("GET", "/fapi/v1/ticker/bookTicker"),
    "order.place": ("POST", "/fapi/v1/order"),
    "order.modify": ("PUT", "/fapi/v1/order"),
    "order.cancel": ("DELETE", "/fapi/v1/order"),
    "order.status": ("GET", "/fapi/v1/order"),
    "openOrders.status": ("GET", "/fapi/v1/openOrders"),
    "algoOrder.place": ("POST", "/fapi/v1/algoOrder"),
    "algoOrder.cancel": ("DELETE", "/fapi/v1/algoOrder"),
    "account.status": ("GET", "/fapi/v2/account"),
    "v2/account.status": ("GET", "/fapi/v3/account"),
    "account.balance": ("GET", "/fapi/v2/balance"),
    "v2/account.balance": ("GET", "/fapi/v3/balance"),
    "account.position": ("GET", "/fapi/v2/positionRisk"),
    "v2/account.position": ("GET", "/fapi/v3/positionRisk"),
    "userDataStream.start": ("POST", "/fapi/v1/listenKey"),
    "userDataStream.ping": ("PUT", "/fapi/v1/listenKey"),
    "userDataStream.stop": ("DELETE", "/fapi/v1/listenKey"),
}

NOT_AUTHORIZED = BinanceReject(-1002, "You are not authorized to execute this request.",
                               status=401)

#: (route, params, api key of the caller) -> the answer body; raises BinanceReject.
Dispatch = Callable[[RouteKey, dict[str, str], str], Any]


@attrs.define
class WsApiSession:
    """One WS API connection: its logged-on API key (if any) and how it answers a frame."""

    auth: Authenticator
    security_of: Callable[[RouteKey], str | None]
    dispatch: Dispatch
    now_ms: Callable[[], int]
    #: The ``rateLimits`` every answer carries (the official SDK reads them on every reply).
    rate_limits: Callable[[], list[dict[str, object]]]
    logged_on: str | None = attrs.field(default=None, repr=False)

    def answer(self, text: str) -> tuple[str, dict[str, Any]]:
        """(the method, the reply) to one text frame: ``{"id", "status", "result" | "error"}``."""
        try:
            frame = json.loads(text)
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            return "", self._error(None, BinanceReject(-1000, "Invalid JSON request."))
        rid, method, raw = frame.get("id"), frame.get("method"), frame.get("params") or {}
        if not isinstance(method, str) or not isinstance(raw, dict):
            return "", self._error(rid, BinanceReject(
                -1102, "Mandatory parameter 'method' was not sent, was empty/null, or malformed."))
        try:
            result = self._call(method, raw)
        except BinanceReject as reject:
            return method, self._error(rid, reject)
        return method, {"id": rid, "status": 200, "result": result,
                        "rateLimits": self.rate_limits()}

    def _error(self, rid: Any, reject: BinanceReject) -> dict[str, Any]:
        return {"id": rid, "status": reject.status, "error": wire.error(reject.code, reject.msg),
                "rateLimits": self.rate_limits()}

    def _call(self, method: str, raw: Mapping[str, Any]) -> Any:
        if method == "session.logon":
            return self._logon(raw)
        if method == "session.status":
            return {"apiKey": self.logged_on, "serverTime": self.now_ms()}
        if method == "session.logout":
            self.logged_on = None
            return {"apiKey": None, "serverTime": self.now_ms()}
        route = METHODS.get(method)
        security = None if route is None else self.security_of(route)
        if route is None or security is None:
            raise BinanceReject(-1100, f"Unknown method '{method}'.")
        params = params_mod.from_json(raw)
        owner = self._authorize(security, raw)
        params.pop("apiKey", None)
        return self.dispatch(route, params, owner)

    def _authorize(self, security: str, raw: Mapping[str, Any]) -> str:
        if security == PUBLIC:
            return ""
        api_key = raw.get("apiKey")
        if api_key is None:
            if self.logged_on is None:
                raise NOT_AUTHORIZED
            if security == SIGNED:
                ts = raw.get("timestamp")
                self.auth.check_timestamp(None if ts is None else str(ts),
                                          _text(raw.get("recvWindow")), self.now_ms())
            return self.logged_on
        owner = self.auth.check_key(str(api_key))
        if security == SIGNED:
            self.auth.check_ws_signed(owner, raw, self.now_ms())
        return owner

    def _logon(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        owner = self.auth.check_key(_text(raw.get("apiKey")))
        if self.auth.verify_signatures and not self.auth.verify_ed25519(
            owner, raw, str(raw.get("signature", ""))
        ):
            raise BAD_SIGNATURE
        self.auth.check_timestamp(_text(raw.get("timestamp")), _text(raw.get("recvWindow")),
                                  self.now_ms())
        self.logged_on = owner
        now = self.now_ms()
        return {"apiKey": owner, "authorizedSince": now, "connectedSince": now,
                "returnRateLimits": False, "serverTime": now}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
