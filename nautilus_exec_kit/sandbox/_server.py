"""SandboxVenue: the aiohttp server that speaks Binance USDT-M REST + WebSocket on 127.0.0.1.

Routes are a table (``_routes``) from (method, path) to (security level, engine call); the handler
around them does what every Binance request goes through, in Binance's order: fault injection,
parameters (query + form body), rate limits, API key, signature and timestamp, parameter formats,
then the engine. The WS API (``_ws_api``) calls the same table. Every answer is Binance's JSON, an
error included, whatever the input; a bug answers ``-1000`` as JSON, never a text 500.

WebSockets take every URL layout Binance serves: ``/ws/<stream>[/<stream>...]`` and ``/ws`` +
SUBSCRIBE with raw frames, ``/stream?streams=...`` with ``{"stream", "data"}`` frames, the same
under ``/public``, ``/market`` and ``/private``; a listenKey in any of them (path, ``streams=``,
``?listenKey=``, SUBSCRIBE) makes the socket carry that key's user data. Engine events fan out to
every user-data socket, each with its own sender task so one slow socket never delays another.

``/admin/*`` (the venue's truth, faults, price moves) needs the ``X-Sandbox-Admin-Token`` header:
it moves the market, so knowing the port is not enough.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any

import attrs
from aiohttp import WSMsgType, web

from nautilus_exec_kit.sandbox import _market as market
from nautilus_exec_kit.sandbox import _params as request_params
from nautilus_exec_kit.sandbox import _wire as wire
from nautilus_exec_kit.sandbox._auth import PUBLIC, SIGNED, Authenticator
from nautilus_exec_kit.sandbox._config import SandboxConfig
from nautilus_exec_kit.sandbox._engine import BinanceReject, MatchingEngine, UserEvent
from nautilus_exec_kit.sandbox._listen_keys import NO_SUCH_KEY, ListenKeys
from nautilus_exec_kit.sandbox._ratelimit import RateLimiter
from nautilus_exec_kit.sandbox._routes import build_routes
from nautilus_exec_kit.sandbox._ws_api import WsApiSession
from nautilus_exec_kit.sandbox.faults import (
    FaultAction,
    FaultController,
    FaultKind,
    FaultRule,
)

log = logging.getLogger("nautilus_exec_kit.sandbox")

ADMIN_TOKEN_HEADER = "X-Sandbox-Admin-Token"
#: The answer to a request the venue failed on: Binance's shape, never a text traceback.
INTERNAL_ERROR = wire.error(-1000, "An unknown error occured while processing the request.")
#: Market-stream error codes (Binance's): 2 invalid request, 3 invalid JSON.
STREAM_INVALID_REQUEST, STREAM_INVALID_JSON = 2, 3
#: URL prefixes Binance serves its streams under (``/public`` book, ``/market``, ``/private``).
STREAM_PREFIXES = ("", "/public", "/market", "/private")
#: Market-stream kinds refreshed on every market tick; the others (mark price, tickers, live
#: klines) once a mark interval, and kline closes on the kline interval.
TICK_KINDS = ("bookTicker", "aggTrade", "trade", "depth")


def _params_or_none(query: str, body: str) -> dict[str, str] | None:
    """A request's parameters for the fault rules that match on them (None when they do not
    parse: the request is refused for that after its faults are applied)."""
    try:
        return request_params.parse(query, body)
    except BinanceReject:
        return None


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class VenueAction(StrEnum):
    """What the venue does on an operator's word that is not a fault (``POST /admin/action``)."""

    #: Settle funding now (``{"symbol"?}``): the positions pay or receive the next rate.
    SETTLE_FUNDING = "settle_funding"


def action_named(name: str) -> FaultAction | VenueAction:
    """The fault or venue action called ``name``; ValueError for neither."""
    try:
        return FaultAction(name)
    except ValueError:
        return VenueAction(name)


@attrs.define(eq=False)
class _Socket:
    """One connected stream socket: its market streams, its listenKeys, how it frames data.

    ``wrapped``: ``/stream`` sockets get ``{"stream": name, "data": frame}``; ``/ws`` ones the raw
    frame, as Binance sends them. User events go through ``queue`` (one sender task per socket).
    """

    ws: web.WebSocketResponse
    wrapped: bool
    streams: set[str] = attrs.field(factory=set)
    listen_keys: set[str] = attrs.field(factory=set)
    queue: asyncio.Queue[tuple[str, UserEvent] | None] = attrs.field(factory=asyncio.Queue)

    def frame(self, name: str, data: Any) -> str:
        return json.dumps({"stream": name, "data": data} if self.wrapped else data)


class SandboxVenue:
    """A local Binance USDT-M futures venue for the real Nautilus adapter.

    >>> venue = SandboxVenue(SandboxConfig())     # doctest: +SKIP
    >>> await venue.start(); venue.base_url_http  # doctest: +SKIP
    'http://127.0.0.1:54321'
    """

    def __init__(self, config: SandboxConfig, *, restart_of: SandboxVenue | None = None) -> None:
        """``restart_of``: a stopped venue this one restarts. Its matching engine (orders,
        positions, balances) and its listen keys carry over, as Binance keeps them across its own
        restarts; a client's user stream that reconnects with its old listenKey must be let in,
        or the Nautilus adapter never learns it reconnected (its WebSocket client does not get back
        in with a refused key)."""
        self.config = config
        self.engine: MatchingEngine = (MatchingEngine(config, _now_ms) if restart_of is None
                                       else restart_of.engine)
        self.faults = FaultController(config.faults, self)
        self._auth = Authenticator.of(config.credentials(),
                                      verify_signatures=config.verify_signatures,
                                      recv_window_ms=config.recv_window_ms)
        self._limiter = RateLimiter(config.rate_limits)
        self._walks = market.walks(config)
        self.listen_keys: ListenKeys = (
            ListenKeys(config.listen_key_validity_ms) if restart_of is None
            else restart_of.listen_keys.copy())
        #: The token ``/admin/*`` requires (``X-Sandbox-Admin-Token``); kept across a restart.
        self.admin_token: str = config.admin_token or (
            restart_of.admin_token if restart_of is not None else secrets.token_urlsafe(24))
        self.history: dict[str, market.KlineHistory] = {
            s.symbol: market.KlineHistory() for s in config.symbols}
        self._sockets: list[_Socket] = []
        self._api_sockets: list[web.WebSocketResponse] = []
        self._request_log: list[dict[str, Any]] = []
        self._tasks: list[asyncio.Future[object]] = []
        self._klines: dict[str, market.KlineBuilder] = {}
        #: Each symbol's last public trade id (aggTrade / trade frames).
        self._trade_ids: dict[str, int] = dict.fromkeys(self.engine.books, 0)
        self.stats = market.StreamStats()
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._routes = build_routes(self)

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind 127.0.0.1 and start the market and fault-schedule tasks."""
        self._loop = asyncio.get_running_loop()
        app = web.Application(middlewares=[self._json_errors])
        app.router.add_get("/ws-fapi/v1", self._ws_api)
        for prefix in STREAM_PREFIXES:
            app.router.add_get(prefix + "/ws", self._ws_stream)
            app.router.add_get(prefix + "/ws/{names:.+}", self._ws_stream)
            app.router.add_get(prefix + "/stream", self._ws_stream)
        app.router.add_get("/admin/truth", self._admin(self._admin_truth))
        app.router.add_get("/admin/faults", self._admin(self._admin_faults_get))
        app.router.add_post("/admin/faults", self._admin(self._admin_faults_add))
        app.router.add_delete("/admin/faults", self._admin(self._admin_faults_clear))
        app.router.add_post("/admin/action/{action}", self._admin(self._admin_action))
        app.router.add_route("*", "/fapi/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        server = site._server
        assert server is not None
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        now = _now_ms()
        for symbol, book in self.engine.books.items():
            self._klines[symbol] = market.KlineBuilder.start(now, book.last)
            self.history[symbol].add(now, book.last, Decimal(0))
        self._spawn(self._market_loop())
        self._spawn(self._mark_loop())
        self._spawn(self._kline_loop())
        for scheduled in self.config.faults.actions:
            self._spawn(self._scheduled(scheduled.at_ms, scheduled.action, scheduled.args))
        log.info("sandbox venue listening on %s", self.base_url_http)

    async def stop(self) -> None:
        """Stop listening, then close every socket, stop the tasks and the server.

        The listener goes first: a client whose socket is closed reconnects at once, and it must
        find the port closed (and retry until the venue is back), not a venue half torn down.
        """
        if self._runner is not None:
            for site in list(self._runner.sites):
                await site.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        for ws in [s.ws for s in self._sockets] + self._api_sockets:
            with contextlib.suppress(Exception):
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _spawn(self, coro: Awaitable[object]) -> None:
        self._tasks.append(asyncio.ensure_future(coro))

    @property
    def port(self) -> int:
        return self._port

    def route_keys(self) -> list[tuple[str, str]]:
        """Every REST (method, path) the venue answers, sorted."""
        return sorted(self._routes)

    @staticmethod
    def now_ms() -> int:
        """The venue's clock (wall-clock ms, as Binance's ``serverTime``)."""
        return _now_ms()

    @property
    def _user_streams(self) -> list[_Socket]:
        return [s for s in self._sockets if s.listen_keys]

    @property
    def _market_streams(self) -> list[_Socket]:
        return [s for s in self._sockets if s.streams]

    @property
    def base_url_http(self) -> str:
        """REST base: ``http://127.0.0.1:PORT`` (the adapter appends ``/fapi/v1/...``)."""
        return f"http://{self.config.host}:{self._port}"

    @property
    def base_url_ws(self) -> str:
        """Market-streams base (data client ``base_url_ws``); never ends with ``/``."""
        return f"ws://{self.config.host}:{self._port}"

    @property
    def base_url_ws_api(self) -> str:
        """WS API URL (exec client ``base_url_ws``), used by Ed25519 keys."""
        return f"ws://{self.config.host}:{self._port}/ws-fapi/v1"

    @property
    def base_url_ws_stream(self) -> str:
        """User-stream base (exec client ``base_url_ws_stream``)."""
        return f"ws://{self.config.host}:{self._port}"

    # -- thread-safe access -----------------------------------------------------------------

    def _on_loop(self, fn: Callable[[], Any]) -> Any:
        loop = self._loop
        if loop is None or not loop.is_running():
            return fn()
        try:
            if asyncio.get_running_loop() is loop:
                return fn()
        except RuntimeError:
            pass

        async def call() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=10)

    def truth(self) -> dict[str, Any]:
        """The venue's truth: orders, algo orders, positions, balances, trades, request log."""

        def snap() -> dict[str, Any]:
            data = self.engine.snapshot()
            data["request_log"] = list(self._request_log)
            data["listen_keys"] = len(self.listen_keys)
            data["user_streams"] = len(self._user_streams)
            data["market_streams"] = len(self._market_streams)
            data["used_weight_1m"] = self._limiter.used_weight()
            data["banned_until_ms"] = self._limiter.banned_until_ms
            data["market_stats"] = self.stats.as_dict()
            return data

        return dict(self._on_loop(snap))

    def set_price(self, symbol: str, last: Decimal | float | str,
                  mark: Decimal | float | str | None = None) -> None:
        """Move the market (thread-safe); resting orders and triggers react at once."""
        self.run_action(FaultAction.SET_PRICE,
                        {"symbol": symbol, "last": str(last),
                         "mark": None if mark is None else str(mark)})

    def settle_funding(self, symbol: str | None = None) -> int:
        """Settle funding now (thread-safe): ``symbol``'s positions, or every symbol's, pay or
        receive at the series' next rate; returns the ACCOUNT_UPDATE frames sent."""
        return int(self.run_action(VenueAction.SETTLE_FUNDING,
                                   {} if symbol is None else {"symbol": symbol}))

    def run_action(self, action: FaultAction | VenueAction, args: Mapping[str, Any]) -> Any:
        """Carry out a one-shot :class:`FaultAction` or :class:`VenueAction` on the venue's
        loop (thread-safe)."""
        actions = self._actions()
        handler = actions[action_named(str(action))]
        return self._on_loop(lambda: handler(dict(args)))

    def _settle_funding_now(self, args: dict[str, Any]) -> int:
        events = self.engine.settle_funding_now(args.get("symbol"))
        events += self.engine.check_liquidations()
        self._publish(events)
        return sum(1 for e in events if e.frame.get("e") == "ACCOUNT_UPDATE"
                   and e.frame["a"]["m"] == "FUNDING_FEE")

    def _actions(self) -> dict[FaultAction | VenueAction, Callable[[dict[str, Any]], Any]]:
        def close(symbol: str, position_side: str, client_id: str) -> int:
            events = self.engine.force_close(symbol, position_side, client_id)
            self._publish(events)
            return len(events)

        stamp = _now_ms
        first = self.config.symbols[0].symbol  # what an action without a symbol acts on
        return {
            FaultAction.DISCONNECT_USER_STREAMS: lambda a: self._drop_sockets(self._user_streams),
            FaultAction.DISCONNECT_MARKET_STREAMS: lambda a: self._drop_sockets(
                self._market_streams),
            FaultAction.EXPIRE_LISTEN_KEYS: lambda a: self._expire_listen_keys(),
            FaultAction.LIQUIDATION: lambda a: close(
                a.get("symbol", first), a.get("position_side", "BOTH"),
                self.engine.autoclose_id(stamp())),
            FaultAction.ADL: lambda a: close(
                a.get("symbol", first), a.get("position_side", "BOTH"), "adl_autoclose"),
            FaultAction.SETTLEMENT: lambda a: close(
                a.get("symbol", first), a.get("position_side", "BOTH"),
                f"settlement_autoclose-{stamp()}"),
            FaultAction.EXTERNAL_ORDER: self._external_order,
            FaultAction.SET_PRICE: self._set_price_now,
            VenueAction.SETTLE_FUNDING: self._settle_funding_now,
        }

    def _external_order(self, params: dict[str, Any]) -> Any:
        params = {k: str(v) for k, v in params.items()}
        params.setdefault("newClientOrderId", f"ext-{secrets.token_hex(6)}")
        if (params.get("type") or "").upper() in ("STOP", "STOP_MARKET", "TAKE_PROFIT",
                                                  "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"):
            params.setdefault("algoType", "CONDITIONAL")
            params.setdefault("clientAlgoId", params.pop("newClientOrderId"))
            body, events = self.engine.new_algo_order(params)
        else:
            body, events = self.engine.new_order(params)
        self._publish(events)
        return body

    def _set_price_now(self, args: dict[str, Any]) -> None:
        book = self.engine.book(args["symbol"])
        mark = args.get("mark")
        market.set_price(book, Decimal(args["last"]), None if mark is None else Decimal(mark),
                         self.config.prices_of(book.spec).mark_basis_bps)
        self._after_move(book.spec.symbol)

    def _drop_sockets(self, streams: list[Any]) -> int:
        count = len(streams)
        for stream in list(streams):
            self._spawn(stream.ws.close())
        return count

    def _expire_listen_keys(self) -> int:
        now = _now_ms()
        self.listen_keys.expire_all()
        streams = self._user_streams
        for stream in streams:
            for key in stream.listen_keys:
                stream.queue.put_nowait((key, UserEvent({"e": "listenKeyExpired", "E": now,
                                                         "listenKey": key})))
        return len(streams)

    def close_user_streams(self, listen_key: str) -> None:
        """A closed listenKey's sockets stop carrying user data (and close if that was all)."""
        for sock in self._user_streams:
            if listen_key in sock.listen_keys:
                sock.listen_keys.discard(listen_key)
                if not sock.listen_keys and not sock.streams:
                    self._spawn(sock.ws.close())

    async def _scheduled(self, at_ms: int, action: FaultAction, args: Mapping[str, Any]) -> None:
        await asyncio.sleep(at_ms / 1000)
        try:
            self.run_action(action, args)
        except BinanceReject as reject:
            log.warning("scheduled %s failed: %s", action, reject)

    # -- user streams -----------------------------------------------------------------------

    def _publish(self, events: list[UserEvent]) -> None:
        for sock in self._user_streams:
            for key in sock.listen_keys:
                for event in events:
                    sock.queue.put_nowait((key, event))

    async def _send_user(self, sock: _Socket) -> None:
        while True:
            item = await sock.queue.get()
            if item is None:
                return
            key, event = item
            etype = str(event.frame.get("e", ""))
            if event.gap_ms:
                await asyncio.sleep(event.gap_ms / 1000)
            if self.faults.for_frame(FaultKind.DROP_USER_FRAMES, etype) is not None:
                continue
            delay = self.faults.for_frame(FaultKind.DELAY_USER_FRAMES, etype)
            if delay is not None:
                await asyncio.sleep(delay.delay_ms / 1000)
            if sock.ws.closed:
                return
            try:
                await sock.ws.send_str(sock.frame(key, event.frame))
            except (ConnectionError, RuntimeError):
                return

    # -- stream sockets (market and user data, every layout) --------------------------------

    async def _ws_stream(self, request: web.Request) -> web.StreamResponse:
        names = [n for n in request.match_info.get("names", "").split("/") if n]
        names += [n for n in request.query.get("streams", "").split("/") if n]
        if request.query.get("listenKey"):
            names.append(request.query["listenKey"])
        keys = {n for n in names if market.is_user_stream_name(n)}
        if any(not self.listen_keys.is_valid(k, _now_ms()) for k in keys):
            return web.json_response(wire.error(NO_SUCH_KEY.code, NO_SUCH_KEY.msg), status=400)
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        sock = _Socket(ws, wrapped=request.path.endswith("/stream"),
                       streams={n for n in names if n not in keys}, listen_keys=keys)
        self._sockets.append(sock)
        sender = asyncio.ensure_future(self._send_user(sock))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await ws.send_str(json.dumps(self._stream_request(sock, msg.data)))
        finally:
            self._sockets.remove(sock)
            sock.queue.put_nowait(None)
            sender.cancel()
        return ws

    def _stream_request(self, sock: _Socket, text: str) -> dict[str, Any]:
        """The answer to a SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS frame."""
        try:
            frame = json.loads(text)
        except ValueError:
            return {"error": {"code": STREAM_INVALID_JSON, "msg": "Invalid JSON"}, "id": None}
        if not isinstance(frame, dict):
            return {"error": {"code": STREAM_INVALID_REQUEST, "msg": "Invalid request"},
                    "id": None}
        method, names, rid = frame.get("method"), frame.get("params") or [], frame.get("id")
        if method not in ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS") or not isinstance(
                names, list) or not all(isinstance(n, str) for n in names):
            return {"error": {"code": STREAM_INVALID_REQUEST,
                              "msg": "Invalid request: unknown method or params"}, "id": rid}
        keys = {n for n in names if market.is_user_stream_name(n)}
        result: Any = None
        if method == "SUBSCRIBE":
            if any(not self.listen_keys.is_valid(k, _now_ms()) for k in keys):
                return {"error": {"code": STREAM_INVALID_REQUEST,
                                  "msg": "Invalid request: unknown listenKey"}, "id": rid}
            sock.listen_keys |= keys
            sock.streams.update(n for n in names if n not in keys)
        elif method == "UNSUBSCRIBE":
            sock.listen_keys -= keys
            sock.streams.difference_update(names)
        else:
            result = sorted(sock.streams | sock.listen_keys)
        return {"result": result, "id": rid}

    # -- WS API -----------------------------------------------------------------------------

    async def _ws_api(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        self._api_sockets.append(ws)
        session = WsApiSession(self._auth, self._security_of, self._ws_dispatch, _now_ms,
                               self._limiter.usage)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    method, reply = session.answer(msg.data)
                except Exception:  # a bug must not kill the socket or leak a traceback
                    log.exception("WS API request failed")
                    method, reply = "", {"id": None, "status": 500, "error": INTERNAL_ERROR}
                self._log_request("WS", method, {}, int(reply["status"]),
                                  reply.get("error", {}).get("code"))
                await ws.send_str(json.dumps(reply))
        finally:
            self._api_sockets.remove(ws)
        return ws

    def _security_of(self, route: tuple[str, str]) -> str | None:
        entry = self._routes.get(route)
        return None if entry is None else entry[0]

    def _ws_dispatch(self, route: tuple[str, str], params: dict[str, str], owner: str) -> Any:
        """A WS API method runs its REST route, and that route's fault rules apply to it:
        ``binance_error`` and ``timeout_not_placed`` answer instead of the engine,
        ``timeout_placed`` after it (a client that places orders over the WS API, such as
        NautilusTrader 2's adapter, meets the same faults as one over REST). ``http_error``
        and latency rules are REST-only: a WS API reply is always JSON."""
        _, rule = self.faults.for_request(*route, params)
        if rule is not None and rule.kind in (FaultKind.BINANCE_ERROR,
                                              FaultKind.TIMEOUT_NOT_PLACED):
            raise BinanceReject(rule.code, rule.msg, status=rule.status)
        self._limiter.admit(route[0], route[1], _now_ms(), params)
        body = self._dispatch(route, params, owner)
        if rule is not None and rule.kind is FaultKind.TIMEOUT_PLACED:
            raise BinanceReject(rule.code, rule.msg, status=rule.status)
        return body

    def _dispatch(self, route: tuple[str, str], params: dict[str, str], owner: str) -> Any:
        """Run one admitted, authenticated request on its route: formats, engine, events."""
        request_params.check_formats(params)
        _, call = self._routes[route]
        # A funding time that has come is settled before the request that follows it, so a fill
        # at or after the funding time never pays it.
        self._publish(self.engine.settle_due_funding(_now_ms()))
        body, events = call(params, owner)
        self._publish(events)
        return body

    # -- market streams ---------------------------------------------------------------------

    async def _broadcast(self, cadence: str, now: int) -> int:
        """Send every market socket its streams' frames of this ``cadence``; return how many.

        A stream's frames are built and encoded once per tick however many sockets carry it, so
        the cost of a tick grows with the streams subscribed, not with streams x sockets."""
        encoded: dict[tuple[str, bool], list[str]] = {}
        sent = 0
        for sock in list(self._market_streams):
            for name in list(sock.streams):
                if sock.ws.closed:
                    break
                if self.faults.for_frame(FaultKind.DROP_MARKET_FRAMES, name) is not None:
                    continue
                key = (name, sock.wrapped)
                texts = encoded.get(key)
                if texts is None:
                    texts = encoded[key] = [sock.frame(name, data)
                                            for data in self._frames(name, cadence, now)]
                for text in texts:
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await sock.ws.send_str(text)
                        sent += 1
        return sent

    def _frames(self, name: str, cadence: str, now: int) -> list[Any]:
        """The frames stream ``name`` carries at this ``cadence`` (tick, mark, kline)."""
        if name.startswith("!"):
            kind = name[1:].split("@", 1)[0]
            symbols = list(self.engine.books)
            if kind == "bookTicker" and cadence == "tick":
                return [market.book_ticker(self.engine.books[s], now) for s in symbols]
            per_symbol = [self._symbol_frame(s, kind, cadence, now) for s in symbols]
            rows = [f for f in per_symbol if f is not None]
            return [rows] if rows else []
        symbol, _, kind = name.partition("@")
        frame = self._symbol_frame(symbol.upper(), kind, cadence, now)
        return [] if frame is None else [frame]

    def _symbol_frame(self, symbol: str, kind: str, cadence: str, now: int) -> Any:
        book = self.engine.books.get(symbol)
        if book is None:
            return None
        base = kind.split("@", 1)[0]
        if cadence == "tick":
            if base == "bookTicker":
                return market.book_ticker(book, now)
            trade_id = self._trade_ids[symbol]
            if base == "aggTrade":
                return market.agg_trade(book, trade_id, book.spec.min_qty, trade_id % 2 == 0, now)
            if base == "trade":
                return market.trade(book, trade_id, book.spec.min_qty, trade_id % 2 == 0, now)
            if base.startswith("depth"):
                return market.depth_update(book, int(base[5:] or 20), now)
            return None
        if cadence == "mark":
            if base == "markPrice":
                clock = self.engine.funding[symbol]
                return market.mark_price(book, clock.next_rate, clock.next_time, now)
            if base == "ticker":
                return market.ticker_24h(book, self.history[symbol].day(now, book.last), now)
            if base == "miniTicker":
                return market.mini_ticker(book, self.history[symbol].day(now, book.last), now)
            if base.startswith("kline_"):  # the open kline, as Binance pushes it (x=false)
                k = self._klines[symbol]
                return market.kline(book, k, base.split("_", 1)[1],
                                    k.open_time + self.config.kline_close_interval_ms - 1,
                                    False, now)
        return None

    async def _market_loop(self) -> None:
        """One tick every ``market_data_interval_ms`` on a fixed schedule (a slow tick does not
        push the next ones back): funding due, each symbol's walk, matching and triggers, the
        liquidation check once for the account, then the frames."""
        interval = self.config.market_data_interval_ms / 1000
        loop = asyncio.get_running_loop()
        deadline = loop.time()
        while True:
            deadline = max(deadline + interval, loop.time())
            await asyncio.sleep(deadline - loop.time())
            started = time.perf_counter()
            now = _now_ms()
            self._publish(self.engine.settle_due_funding(now))
            for symbol, book in self.engine.books.items():
                self._walks[symbol].step(book)
                self._trade_ids[symbol] += 1
                self._klines[symbol].add(book.last, book.spec.min_qty)
                self.history[symbol].add(now, book.last, book.spec.min_qty)
                self._publish(self.engine.on_market(symbol))
            self._publish(self.engine.check_liquidations())
            moved = time.perf_counter()
            sent = await self._broadcast("tick", now)
            self.stats.tick(moved - started, time.perf_counter() - moved, sent)

    def _after_move(self, symbol: str) -> None:
        """A price set from outside the walk: match, trigger, then check liquidations."""
        self._publish(self.engine.on_market(symbol))
        self._publish(self.engine.check_liquidations())

    async def _mark_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.mark_price_interval_ms / 1000)
            self.stats.frames_sent += await self._broadcast("mark", _now_ms())

    async def _kline_loop(self) -> None:
        interval = self.config.kline_close_interval_ms
        while True:
            await asyncio.sleep(interval / 1000)
            now = _now_ms()
            closed = dict(self._klines)
            for symbol, book in self.engine.books.items():
                self._klines[symbol] = market.KlineBuilder.start(now, book.last)
            for sock in list(self._market_streams):
                for name in list(sock.streams):
                    symbol = market.stream_symbol(name)
                    if "@kline_" not in name or symbol not in closed or sock.ws.closed:
                        continue
                    data = market.kline(self.engine.books[symbol], closed[symbol],
                                        name.split("_", 1)[1], now - 1, True, now)
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await sock.ws.send_str(sock.frame(name, data))

    # -- REST -------------------------------------------------------------------------------

    def _log_request(self, method: str, path: str, params: Mapping[str, Any], status: int,
                     code: int | None, received_ns: int | None = None) -> None:
        # received_ns / answered_ns: wall-clock ns (time.time_ns) for latency measurements by
        # a client in the same process (benchmarks/live_latency.py).
        answered_ns = time.time_ns()
        self._request_log.append({"t": _now_ms(), "method": method, "path": path,
                                  "params": dict(params), "status": status, "code": code,
                                  "received_ns": received_ns or answered_ns,
                                  "answered_ns": answered_ns})

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        received_ns = time.time_ns()
        method, path = request.method.upper(), request.path
        raw_query = request.rel_url.raw_query_string
        body = await self._form_body(request)
        delay_ms, rule = self.faults.for_request(method, path, _params_or_none(raw_query, body))
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        status, code = 200, None
        params: dict[str, str] = {}
        try:
            params = request_params.parse(raw_query, body)
            response = self._handle(method, path, raw_query, body, params, request, rule)
            status = response.status
            if status >= 400 and isinstance(response, web.Response) and response.text:
                with contextlib.suppress(ValueError):
                    code = json.loads(response.text).get("code")
        except BinanceReject as reject:
            status, code = reject.status, reject.code
            headers = {"Retry-After": str(reject.retry_after_s)} if reject.retry_after_s else None
            response = web.json_response(wire.error(reject.code, reject.msg), status=reject.status,
                                         headers=headers)
        except Exception:  # a bug answers Binance's -1000 as JSON; the venue stays up
            log.exception("REST %s %s failed", method, path)
            status, code = 500, int(INTERNAL_ERROR["code"])
            response = web.json_response(INTERNAL_ERROR, status=500)
        response.headers.update(self._limiter.headers(method, path))
        self._log_request(method, path, params, status, code, received_ns)
        return response

    @staticmethod
    async def _form_body(request: web.Request) -> str:
        """The form-urlencoded body Binance reads parameters from (other bodies are ignored)."""
        if not request.can_read_body:
            return ""
        kind = request.content_type
        if kind not in ("application/x-www-form-urlencoded", "application/octet-stream", ""):
            return ""
        return await request.text()

    def _handle(self, method: str, path: str, raw_query: str, body: str, params: dict[str, str],
                request: web.Request, rule: FaultRule | None) -> web.Response:
        if rule is not None and rule.kind is FaultKind.HTTP_ERROR:
            return web.Response(status=rule.status, text=rule.body, content_type="text/html")
        if rule is not None and rule.kind in (FaultKind.BINANCE_ERROR,
                                              FaultKind.TIMEOUT_NOT_PLACED):
            raise BinanceReject(rule.code, rule.msg, status=rule.status)
        route = self._routes.get((method, path))
        if route is None:
            return web.json_response(wire.error(-1000, f"Unknown endpoint {method} {path}"),
                                     status=404)
        security = route[0]
        self._limiter.admit(method, path, _now_ms(), params)
        owner = ""
        if security != PUBLIC:
            owner = self._auth.check_key(request.headers.get("X-MBX-APIKEY"))
        if security == SIGNED:
            self._auth.check_signed(owner, raw_query, body, params, _now_ms())
        answer = self._dispatch((method, path), params, owner)
        if rule is not None and rule.kind is FaultKind.TIMEOUT_PLACED:
            raise BinanceReject(rule.code, rule.msg, status=rule.status)
        return web.json_response(answer)

    @web.middleware
    async def _json_errors(self, request: web.Request,
                           handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                           ) -> web.StreamResponse:
        """aiohttp's own 404/405 pages as Binance JSON, so no path answers plain text."""
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return web.json_response(wire.error(-1000, f"{exc.reason}: {request.method} "
                                                       f"{request.path}"), status=exc.status)

    # -- admin ------------------------------------------------------------------------------

    def _admin(self, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
               ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """``handler`` behind the admin token (401 without it, compared in constant time)."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            given = request.headers.get(ADMIN_TOKEN_HEADER, "")
            if not secrets.compare_digest(given.encode(), self.admin_token.encode()):
                return web.json_response(
                    {"error": f"admin routes need the {ADMIN_TOKEN_HEADER} header "
                              "(SandboxVenue.admin_token)"}, status=401)
            return await handler(request)

        return guarded

    async def _admin_truth(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.truth())

    async def _admin_faults_get(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"latency_ms": self.faults.latency_ms,
                                  "rules": self.faults.rules()})

    async def _admin_faults_add(self, request: web.Request) -> web.StreamResponse:
        data = await request.json()
        try:
            if "latency_ms" in data and "kind" not in data:
                self.faults.latency_ms = int(data["latency_ms"])
            else:
                self.faults.add(data)
        except (TypeError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"rules": self.faults.rules()})

    async def _admin_faults_clear(self, request: web.Request) -> web.StreamResponse:
        self.faults.clear()
        return web.json_response({"rules": []})

    async def _admin_action(self, request: web.Request) -> web.StreamResponse:
        try:
            action = action_named(request.match_info["action"])
        except ValueError:
            names = sorted([a.value for a in FaultAction] + [a.value for a in VenueAction])
            return web.json_response({"error": f"unknown action; one of {names}"}, status=404)
        args = await request.json() if request.can_read_body else {}
        try:
            result = self.run_action(action, args)
        except BinanceReject as reject:
            return web.json_response(wire.error(reject.code, reject.msg), status=reject.status)
        return web.json_response({"action": action.value, "result": result})


__all__ = ["SandboxVenue", "VenueAction"]
