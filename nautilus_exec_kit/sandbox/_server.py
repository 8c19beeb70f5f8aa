"""SandboxVenue: the aiohttp server that speaks Binance USDT-M REST + WebSocket on 127.0.0.1.

Routes are a table from (method, path) to (security level, engine call); the handler around them
does what every Binance request goes through, in Binance's order: fault injection, rate limits,
API key, signature and timestamp, then the engine. Engine events fan out to every open user-data
stream, each with its own sender task so one slow socket never delays another.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import random
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs
from aiohttp import WSMsgType, web

from nautilus_exec_kit.sandbox import _market as market
from nautilus_exec_kit.sandbox import _wire as wire
from nautilus_exec_kit.sandbox._auth import Authenticator
from nautilus_exec_kit.sandbox._config import SandboxConfig
from nautilus_exec_kit.sandbox._engine import BinanceReject, MatchingEngine, UserEvent
from nautilus_exec_kit.sandbox._ratelimit import RateLimiter
from nautilus_exec_kit.sandbox.faults import (
    FaultAction,
    FaultController,
    FaultKind,
    FaultRule,
)

log = logging.getLogger("nautilus_exec_kit.sandbox")

PUBLIC, API_KEY, SIGNED = "public", "api_key", "signed"

Params = Mapping[str, str]
Result = tuple[Any, list[UserEvent]]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@attrs.define(eq=False)
class _UserStream:
    """One connected user-data WebSocket and the queue its sender drains."""

    listen_key: str
    ws: web.WebSocketResponse
    queue: asyncio.Queue[UserEvent | None] = attrs.field(factory=asyncio.Queue)


@attrs.define(eq=False)
class _MarketStream:
    ws: web.WebSocketResponse
    streams: set[str] = attrs.field(factory=set)


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
        self._auth = Authenticator(
            api_key=config.api_key,
            api_secret=config.api_secret,
            ed25519_public_key=config.ed25519_public_key,
            verify_signatures=config.verify_signatures,
            recv_window_ms=config.recv_window_ms,
        )
        self._limiter = RateLimiter(config.rate_limits)
        self._walk = market.PriceWalk(config.prices, random.Random(config.seed))
        self._listen_keys: dict[str, int] = {} if restart_of is None else dict(
            restart_of._listen_keys)
        self._user_streams: list[_UserStream] = []
        self._market_streams: list[_MarketStream] = []
        self._api_sockets: list[web.WebSocketResponse] = []
        self._request_log: list[dict[str, Any]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._klines: dict[str, market.KlineBuilder] = {}
        self._agg_id = 0
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._routes = self._route_table()

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind 127.0.0.1 and start the market and fault-schedule tasks."""
        self._loop = asyncio.get_running_loop()
        app = web.Application()
        app.router.add_get("/ws-fapi/v1", self._ws_api)
        app.router.add_get("/stream", self._ws_market)
        app.router.add_get("/ws", self._ws_user)
        app.router.add_get("/ws/{listen_key}", self._ws_user)
        app.router.add_get("/admin/truth", self._admin_truth)
        app.router.add_get("/admin/faults", self._admin_faults_get)
        app.router.add_post("/admin/faults", self._admin_faults_add)
        app.router.add_delete("/admin/faults", self._admin_faults_clear)
        app.router.add_post("/admin/action/{action}", self._admin_action)
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
        sockets = [s.ws for s in self._user_streams] + [m.ws for m in self._market_streams]
        for ws in sockets + self._api_sockets:
            with contextlib.suppress(Exception):
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _spawn(self, coro: Awaitable[None]) -> None:
        self._tasks.append(asyncio.ensure_future(coro))

    @property
    def port(self) -> int:
        return self._port

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
            data["listen_keys"] = len(self._listen_keys)
            data["user_streams"] = len(self._user_streams)
            data["market_streams"] = len(self._market_streams)
            data["used_weight_1m"] = self._limiter.used_weight()
            data["banned_until_ms"] = self._limiter.banned_until_ms
            return data

        return dict(self._on_loop(snap))

    def set_price(self, symbol: str, last: Decimal | float | str,
                  mark: Decimal | float | str | None = None) -> None:
        """Move the market (thread-safe); resting orders and triggers react at once."""
        self.run_action(FaultAction.SET_PRICE,
                        {"symbol": symbol, "last": str(last),
                         "mark": None if mark is None else str(mark)})

    def run_action(self, action: FaultAction, args: Mapping[str, Any]) -> Any:
        """Carry out a one-shot :class:`FaultAction` on the venue's loop (thread-safe)."""
        handler = self._actions()[FaultAction(action)]
        return self._on_loop(lambda: handler(dict(args)))

    def _actions(self) -> dict[FaultAction, Callable[[dict[str, Any]], Any]]:
        def close(symbol: str, position_side: str, client_id: str) -> int:
            events = self.engine.force_close(symbol, position_side, client_id)
            self._publish(events)
            return len(events)

        stamp = _now_ms
        return {
            FaultAction.DISCONNECT_USER_STREAMS: lambda a: self._drop_sockets(self._user_streams),
            FaultAction.DISCONNECT_MARKET_STREAMS: lambda a: self._drop_sockets(
                self._market_streams),
            FaultAction.EXPIRE_LISTEN_KEYS: lambda a: self._expire_listen_keys(),
            FaultAction.LIQUIDATION: lambda a: close(
                a.get("symbol", "BTCUSDT"), a.get("position_side", "BOTH"),
                f"autoclose-{stamp()}"),
            FaultAction.ADL: lambda a: close(
                a.get("symbol", "BTCUSDT"), a.get("position_side", "BOTH"), "adl_autoclose"),
            FaultAction.SETTLEMENT: lambda a: close(
                a.get("symbol", "BTCUSDT"), a.get("position_side", "BOTH"),
                f"settlement_autoclose-{stamp()}"),
            FaultAction.EXTERNAL_ORDER: self._external_order,
            FaultAction.SET_PRICE: self._set_price_now,
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
                         self.config.prices.mark_basis_bps)
        self._after_move(book.spec.symbol)

    def _drop_sockets(self, streams: list[Any]) -> int:
        count = len(streams)
        for stream in list(streams):
            self._spawn(stream.ws.close())
        return count

    def _expire_listen_keys(self) -> int:
        now = _now_ms()
        self._listen_keys.clear()
        for stream in self._user_streams:
            stream.queue.put_nowait(UserEvent({"e": "listenKeyExpired", "E": now,
                                               "listenKey": stream.listen_key}))
        return len(self._user_streams)

    async def _scheduled(self, at_ms: int, action: FaultAction, args: Mapping[str, Any]) -> None:
        await asyncio.sleep(at_ms / 1000)
        try:
            self.run_action(action, args)
        except BinanceReject as reject:
            log.warning("scheduled %s failed: %s", action, reject)

    # -- user streams -----------------------------------------------------------------------

    def _publish(self, events: list[UserEvent]) -> None:
        for stream in self._user_streams:
            for event in events:
                stream.queue.put_nowait(event)

    async def _send_user(self, stream: _UserStream) -> None:
        while True:
            event = await stream.queue.get()
            if event is None:
                return
            etype = str(event.frame.get("e", ""))
            if event.gap_ms:
                await asyncio.sleep(event.gap_ms / 1000)
            if self.faults.for_frame(FaultKind.DROP_USER_FRAMES, etype) is not None:
                continue
            delay = self.faults.for_frame(FaultKind.DELAY_USER_FRAMES, etype)
            if delay is not None:
                await asyncio.sleep(delay.delay_ms / 1000)
            if stream.ws.closed:
                return
            try:
                await stream.ws.send_str(json.dumps(event.frame))
            except (ConnectionError, RuntimeError):
                return

    async def _ws_user(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info.get("listen_key") or request.query.get("listenKey", "")
        if key not in self._listen_keys:
            return web.json_response(wire.error(-1125, "This listenKey does not exist."),
                                     status=400)
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        stream = _UserStream(key, ws)
        self._user_streams.append(stream)
        sender = asyncio.ensure_future(self._send_user(stream))
        try:
            async for _ in ws:
                pass  # the client sends nothing on the user stream
        finally:
            self._user_streams.remove(stream)
            stream.queue.put_nowait(None)
            sender.cancel()
        return ws

    def _new_listen_key(self) -> str:
        key = secrets.token_urlsafe(48)
        self._listen_keys[key] = _now_ms() + self.config.listen_key_validity_ms
        return key

    # -- WS API (Ed25519 sessions) -----------------------------------------------------------

    async def _ws_api(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        self._api_sockets.append(ws)
        logged_on = False
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                rid, method = frame.get("id"), frame.get("method", "")
                params = frame.get("params") or {}
                self._log_request("WS", method, {k: v for k, v in params.items()
                                                 if k != "signature"}, 200, None)
                try:
                    if method == "session.logon":
                        self._ws_logon(params)
                        logged_on = True
                        result: Any = {"apiKey": self.config.api_key,
                                       "authorizedSince": _now_ms(), "serverTime": _now_ms()}
                    elif not logged_on and "apiKey" not in params:
                        raise BinanceReject(
                            -1002, "You are not authorized to execute this request.", status=401
                        )
                    elif method == "userDataStream.start":
                        result = {"listenKey": self._new_listen_key()}
                    elif method == "userDataStream.ping":
                        self._touch_listen_key(params.get("listenKey", ""))
                        result = {"listenKey": params.get("listenKey")}
                    elif method == "userDataStream.stop":
                        self._listen_keys.pop(params.get("listenKey", ""), None)
                        result = {}
                    else:
                        raise BinanceReject(-1100, f"Unknown method '{method}'.")
                    reply: dict[str, Any] = {"id": rid, "status": 200, "result": result}
                except BinanceReject as reject:
                    reply = {"id": rid, "status": reject.status,
                             "error": wire.error(reject.code, reject.msg)}
                await ws.send_str(json.dumps(reply))
        finally:
            self._api_sockets.remove(ws)
        return ws

    def _ws_logon(self, params: Mapping[str, Any]) -> None:
        self._auth.check_key(str(params.get("apiKey", "")))
        payload = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "signature")
        if self.config.verify_signatures and not self._auth.verify(
            payload, str(params.get("signature", "")), url_encoded=False
        ):
            raise BinanceReject(-1022, "Signature for this request is not valid.")
        self._auth.check_timestamp(str(params.get("timestamp", "")), None, _now_ms())

    def _touch_listen_key(self, key: str) -> None:
        if key not in self._listen_keys:
            raise BinanceReject(-1125, "This listenKey does not exist.")
        self._listen_keys[key] = _now_ms() + self.config.listen_key_validity_ms

    # -- market streams ---------------------------------------------------------------------

    async def _ws_market(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        first = request.query.get("streams", "")
        stream = _MarketStream(ws, {s for s in first.split("/") if s})
        self._market_streams.append(stream)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                method, names = frame.get("method"), frame.get("params") or []
                result: Any = None
                if method == "SUBSCRIBE":
                    stream.streams.update(names)
                elif method == "UNSUBSCRIBE":
                    stream.streams.difference_update(names)
                elif method == "LIST_SUBSCRIPTIONS":
                    result = sorted(stream.streams)
                await ws.send_str(json.dumps({"result": result, "id": frame.get("id")}))
        finally:
            self._market_streams.remove(stream)
        return ws

    async def _broadcast_market(self, frames: Callable[[str], dict[str, Any] | None]) -> None:
        for stream in list(self._market_streams):
            for name in list(stream.streams):
                data = frames(name)
                if data is None or stream.ws.closed:
                    continue
                if self.faults.for_frame(FaultKind.DROP_MARKET_FRAMES, name) is not None:
                    continue
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await stream.ws.send_str(json.dumps({"stream": name, "data": data}))

    def _tick_frame(self, name: str, now: int) -> dict[str, Any] | None:
        book = self.engine.books.get(market.stream_symbol(name))
        if book is None:
            return None
        kind = name.split("@")[1] if "@" in name else ""
        if kind == "bookTicker":
            return market.book_ticker(book, now)
        if kind == "aggTrade":
            return market.agg_trade(book, self._agg_id, book.spec.min_qty, self._agg_id % 2 == 0,
                                    now)
        if kind.startswith("depth"):
            return market.depth_update(book, int(kind[5:] or 20), now)
        return None

    async def _market_loop(self) -> None:
        interval = self.config.market_data_interval_ms / 1000
        while True:
            await asyncio.sleep(interval)
            for symbol, book in self.engine.books.items():
                self._walk.step(book)
                self._agg_id += 1
                self._klines[symbol].add(book.last, book.spec.min_qty)
                self._after_move(symbol)
            now = _now_ms()
            await self._broadcast_market(functools.partial(self._tick_frame, now=now))

    def _after_move(self, symbol: str) -> None:
        self._publish(self.engine.on_market(symbol))

    async def _mark_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.mark_price_interval_ms / 1000)
            now = _now_ms()

            def frame(name: str, now: int = now) -> dict[str, Any] | None:
                book = self.engine.books.get(market.stream_symbol(name))
                if book is None or "@markPrice" not in name:
                    return None
                return market.mark_price(book, self.config.prices.funding_rate, now)

            await self._broadcast_market(frame)

    async def _kline_loop(self) -> None:
        interval = self.config.kline_close_interval_ms
        while True:
            await asyncio.sleep(interval / 1000)
            now = _now_ms()
            closed = dict(self._klines)
            for symbol, book in self.engine.books.items():
                self._klines[symbol] = market.KlineBuilder.start(now, book.last)

            def frame(name: str, now: int = now,
                      closed: dict[str, market.KlineBuilder] = closed) -> dict[str, Any] | None:
                symbol = market.stream_symbol(name)
                if "@kline_" not in name or symbol not in closed:
                    return None
                k = closed[symbol]
                return market.kline(self.engine.books[symbol], k, name.split("_", 1)[1],
                                    now - 1, True, now)

            await self._broadcast_market(frame)

    # -- REST -------------------------------------------------------------------------------

    def _route_table(self) -> dict[tuple[str, str], tuple[str, Callable[[Params], Result]]]:
        e = self.engine

        def plain(fn: Callable[[Params], Any]) -> Callable[[Params], Result]:
            return lambda p: (fn(p), [])

        def open_orders(p: Params) -> Any:
            symbol = p.get("symbol")
            return [wire.order_row(o) for o in e.orders.values()
                    if o.is_open and (not symbol or o.symbol == symbol.upper())]

        def all_orders(p: Params) -> Any:
            symbol = e.book(p.get("symbol")).spec.symbol
            limit = int(p.get("limit") or 500)
            rows = [wire.order_row(o) for o in e.orders.values() if o.symbol == symbol]
            return rows[-limit:]

        def user_trades(p: Params) -> Any:
            symbol = e.book(p.get("symbol")).spec.symbol
            start, end = int(p.get("startTime") or 0), int(p.get("endTime") or 2**62)
            rows = [t.row() for t in e.trades if t.symbol == symbol and start <= t.time <= end]
            return rows[-int(p.get("limit") or 500):]

        def open_algos(p: Params) -> Any:
            symbol = p.get("symbol")
            return [wire.algo_row(a) for a in e.algos.values()
                    if a.status == "NEW" and (not symbol or a.symbol == symbol.upper())]

        def all_algos(p: Params) -> Any:
            symbol = e.book(p.get("symbol")).spec.symbol
            start, end = int(p.get("startTime") or 0), int(p.get("endTime") or 2**62)
            rows = [wire.algo_row(a) for a in e.algos.values()
                    if a.symbol == symbol and start <= a.create_time <= end]
            return rows[-int(p.get("limit") or 500):]

        def commission(p: Params) -> Any:
            symbol = e.book(p.get("symbol")).spec.symbol
            return {"symbol": symbol, "makerCommissionRate": wire.num(self.config.maker_fee),
                    "takerCommissionRate": wire.num(self.config.taker_fee)}

        def depth(p: Params) -> Any:
            levels = min(int(p.get("limit") or 500), 100)
            return market.depth_snapshot(e.book(p.get("symbol")), levels, _now_ms())

        def listen_key_new(p: Params) -> Any:
            return {"listenKey": self._new_listen_key()}

        def listen_key_keepalive(p: Params) -> Any:
            if not self._listen_keys:
                raise BinanceReject(-1125, "This listenKey does not exist.")
            for key in self._listen_keys:
                self._touch_listen_key(key)
            return {"listenKey": next(iter(self._listen_keys))}

        def listen_key_close(p: Params) -> Any:
            self._listen_keys.clear()
            return {}

        v1 = "/fapi/v1/"
        return {
            ("GET", v1 + "ping"): (PUBLIC, plain(lambda p: {})),
            ("GET", v1 + "time"): (PUBLIC, plain(lambda p: {"serverTime": _now_ms()})),
            ("GET", v1 + "exchangeInfo"): (PUBLIC, plain(lambda p: self._exchange_info())),
            ("GET", v1 + "depth"): (PUBLIC, plain(depth)),
            ("GET", "/fapi/v2/account"): (SIGNED, plain(lambda p: e.account())),
            ("GET", "/fapi/v3/account"): (SIGNED, plain(lambda p: e.account())),
            ("GET", "/fapi/v2/positionRisk"): (SIGNED, plain(lambda p: e.position_risk(
                p.get("symbol")))),
            ("GET", "/fapi/v3/positionRisk"): (SIGNED, plain(lambda p: e.position_risk(
                p.get("symbol")))),
            ("GET", v1 + "positionSide/dual"): (SIGNED, plain(
                lambda p: {"dualSidePosition": e.dual_side})),
            ("POST", v1 + "positionSide/dual"): (SIGNED, plain(e.set_dual_side)),
            ("GET", v1 + "symbolConfig"): (SIGNED, plain(lambda p: e.symbol_config())),
            ("POST", v1 + "leverage"): (SIGNED, plain(e.set_leverage)),
            ("POST", v1 + "marginType"): (SIGNED, plain(e.set_margin_type)),
            ("GET", v1 + "commissionRate"): (SIGNED, plain(commission)),
            ("POST", v1 + "listenKey"): (API_KEY, plain(listen_key_new)),
            ("PUT", v1 + "listenKey"): (API_KEY, plain(listen_key_keepalive)),
            ("DELETE", v1 + "listenKey"): (API_KEY, plain(listen_key_close)),
            ("POST", v1 + "order"): (SIGNED, e.new_order),
            ("GET", v1 + "order"): (SIGNED, plain(e.query_order)),
            ("DELETE", v1 + "order"): (SIGNED, e.cancel_order),
            ("PUT", v1 + "order"): (SIGNED, e.modify_order),
            ("GET", v1 + "openOrders"): (SIGNED, plain(open_orders)),
            ("GET", v1 + "allOrders"): (SIGNED, plain(all_orders)),
            ("GET", v1 + "userTrades"): (SIGNED, plain(user_trades)),
            ("DELETE", v1 + "allOpenOrders"): (SIGNED, lambda p: e.cancel_all(p.get("symbol"))),
            ("DELETE", v1 + "batchOrders"): (SIGNED, e.batch_cancel),
            ("POST", v1 + "algoOrder"): (SIGNED, e.new_algo_order),
            ("GET", v1 + "algoOrder"): (SIGNED, plain(e.query_algo)),
            ("DELETE", v1 + "algoOrder"): (SIGNED, e.cancel_algo),
            ("GET", v1 + "openAlgoOrders"): (SIGNED, plain(open_algos)),
            ("GET", v1 + "allAlgoOrders"): (SIGNED, plain(all_algos)),
            ("DELETE", v1 + "algoOpenOrders"): (SIGNED,
                                                lambda p: e.cancel_all_algo(p.get("symbol"))),
        }

    def _exchange_info(self) -> dict[str, Any]:
        symbols = []
        for spec in self.config.symbols:
            price_precision = max(0, -spec.tick_size.normalize().as_tuple().exponent)  # type: ignore[operator]
            qty_precision = max(0, -spec.step_size.normalize().as_tuple().exponent)  # type: ignore[operator]
            symbols.append({
                "symbol": spec.symbol, "pair": spec.symbol, "contractType": "PERPETUAL",
                "deliveryDate": 4133404800000, "onboardDate": 1569398400000, "status": "TRADING",
                "maintMarginPercent": "2.5000", "requiredMarginPercent": "5.0000",
                "baseAsset": spec.base_asset, "quoteAsset": "USDT", "marginAsset": "USDT",
                "pricePrecision": price_precision, "quantityPrecision": qty_precision,
                "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN",
                "underlyingSubType": ["PoW"], "settlePlan": 0, "triggerProtect": "0.0500",
                "liquidationFee": "0.012500", "marketTakeBound": "0.05",
                "filters": [
                    {"filterType": "PRICE_FILTER", "minPrice": wire.num(spec.min_price),
                     "maxPrice": wire.num(spec.max_price), "tickSize": str(spec.tick_size)},
                    {"filterType": "LOT_SIZE", "minQty": str(spec.min_qty),
                     "maxQty": wire.num(spec.max_qty), "stepSize": str(spec.step_size)},
                    {"filterType": "MARKET_LOT_SIZE", "minQty": str(spec.min_qty),
                     "maxQty": wire.num(spec.max_qty), "stepSize": str(spec.step_size)},
                    {"filterType": "MAX_NUM_ORDERS", "limit": 200},
                    {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 200},
                    {"filterType": "MIN_NOTIONAL", "notional": wire.num(spec.min_notional)},
                    {"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500",
                     "multiplierDown": "0.9500", "multiplierDecimal": "4"},
                ],
                "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT",
                               "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"],
                "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
            })
        limits = self.config.rate_limits
        return {
            "timezone": "UTC", "serverTime": _now_ms(),
            "rateLimits": [
                {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                 "limit": limits.weight_per_minute},
                {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1,
                 "limit": limits.orders_per_minute},
                {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10,
                 "limit": limits.orders_per_10s},
            ],
            "exchangeFilters": [],
            "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
            "symbols": symbols,
        }

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
        params = {k: v for k, v in request.query.items() if k != "signature"}
        delay_ms, rule = self.faults.for_request(method, path)
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        status, code = 200, None
        try:
            response = self._handle(method, path, raw_query, params, request, rule)
            status = response.status
            if status >= 400 and isinstance(response, web.Response) and response.text:
                with contextlib.suppress(ValueError):
                    code = json.loads(response.text).get("code")
        except BinanceReject as reject:
            status, code = reject.status, reject.code
            headers = {"Retry-After": str(reject.retry_after_s)} if reject.retry_after_s else None
            response = web.json_response(wire.error(reject.code, reject.msg), status=reject.status,
                                         headers=headers)
        self._log_request(method, path, params, status, code, received_ns)
        return response

    def _handle(self, method: str, path: str, raw_query: str, params: dict[str, str],
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
        self._limiter.admit(method, path, _now_ms())
        security, call = route
        if security != PUBLIC:
            self._auth.check_key(request.headers.get("X-MBX-APIKEY"))
        if security == SIGNED:
            self._auth.check_signed(raw_query, params.get("timestamp"),
                                    params.get("recvWindow"), _now_ms())
        body, events = call(params)
        self._publish(events)
        if rule is not None and rule.kind is FaultKind.TIMEOUT_PLACED:
            raise BinanceReject(rule.code, rule.msg, status=rule.status)
        return web.json_response(body)

    # -- admin ------------------------------------------------------------------------------

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
            action = FaultAction(request.match_info["action"])
        except ValueError:
            names = sorted(a.value for a in FaultAction)
            return web.json_response({"error": f"unknown action; one of {names}"}, status=404)
        args = await request.json() if request.can_read_body else {}
        try:
            result = self.run_action(action, args)
        except BinanceReject as reject:
            return web.json_response(wire.error(reject.code, reject.msg), status=reject.status)
        return web.json_response({"action": action.value, "result": result})


__all__ = ["SandboxVenue"]
