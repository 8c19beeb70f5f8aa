"""The REST routes: (method, path) -> (security level, handler), Binance's USDT-M surface as data.

Each handler takes the request's parameters (already format-checked) and the API key that made
the request, and returns the answer body and the user-stream events it causes. The WS API's
methods are these same routes (``_ws_api.METHODS``), so both doors run one code path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from nautilus_exec_kit.sandbox import _brackets as brackets
from nautilus_exec_kit.sandbox import _market as market
from nautilus_exec_kit.sandbox import _params as request_params
from nautilus_exec_kit.sandbox import _wire as wire
from nautilus_exec_kit.sandbox._auth import API_KEY, PUBLIC, SIGNED
from nautilus_exec_kit.sandbox._config import SandboxConfig
from nautilus_exec_kit.sandbox._engine import BinanceReject, UserEvent, mandatory

if TYPE_CHECKING:
    from nautilus_exec_kit.sandbox._server import SandboxVenue

Params = Mapping[str, str]
Result = tuple[Any, list[UserEvent]]
#: (params, API key of the caller) -> (answer body, user-stream events).
Handler = Callable[[Params, str], Result]
RouteTable = dict[tuple[str, str], tuple[str, Handler]]

BAD_INTERVAL = BinanceReject(-1120, "Invalid interval.")


def _int(params: Params, name: str, default: int) -> int:
    raw = params.get(name)
    return int(raw) if raw else default


def build_routes(venue: SandboxVenue) -> RouteTable:
    """Every route the venue answers, bound to ``venue``'s engine, listenKeys and market."""
    e, now = venue.engine, venue.now_ms

    def plain(fn: Callable[[Params], Any]) -> Handler:
        return lambda p, owner: (fn(p), [])

    def events(fn: Callable[[Params], Result]) -> Handler:
        return lambda p, owner: fn(p)

    def symbols_of(p: Params) -> list[str]:
        symbol = p.get("symbol")
        return [e.book(symbol).spec.symbol] if symbol else list(e.books)

    def one_symbol(p: Params) -> str | None:
        """The symbol a route is asked about (checked), or None for every symbol."""
        return e.book(p["symbol"]).spec.symbol if p.get("symbol") else None

    def open_orders(p: Params) -> Any:
        return [wire.order_row(o) for o in e.working_orders(one_symbol(p))]

    def all_orders(p: Params) -> Any:
        symbol = e.book(p.get("symbol")).spec.symbol
        rows = [wire.order_row(o) for o in e.orders.values() if o.symbol == symbol]
        return rows[-_int(p, "limit", 500):]

    def user_trades(p: Params) -> Any:
        symbol = e.book(p.get("symbol")).spec.symbol
        start, end = _int(p, "startTime", 0), _int(p, "endTime", 2**62)
        rows = [t.row() for t in e.trades if t.symbol == symbol and start <= t.time <= end]
        return rows[-_int(p, "limit", 500):]

    def open_algos(p: Params) -> Any:
        return [wire.algo_row(a) for a in e.working_algos(one_symbol(p))]

    def all_algos(p: Params) -> Any:
        symbol = e.book(p.get("symbol")).spec.symbol
        start, end = _int(p, "startTime", 0), _int(p, "endTime", 2**62)
        rows = [wire.algo_row(a) for a in e.algos.values()
                if a.symbol == symbol and start <= a.create_time <= end]
        return rows[-_int(p, "limit", 500):]

    def commission(p: Params) -> Any:
        symbol = e.book(p.get("symbol")).spec.symbol
        return {"symbol": symbol, "makerCommissionRate": wire.num(venue.config.maker_fee),
                "takerCommissionRate": wire.num(venue.config.taker_fee)}

    def depth(p: Params) -> Any:
        levels = min(_int(p, "limit", 500), 100)
        return market.depth_snapshot(e.book(p.get("symbol")), levels, now())

    def klines(p: Params) -> Any:
        book = e.book(p.get("symbol"))
        interval = market.INTERVAL_MS.get(p.get("interval") or "")
        if interval is None:
            raise BAD_INTERVAL if p.get("interval") else mandatory("interval")
        limit = min(_int(p, "limit", 500), 1500)
        start = int(p["startTime"]) if p.get("startTime") else None
        end = int(p["endTime"]) if p.get("endTime") else None
        rows = venue.history[book.spec.symbol].klines(interval, start, end, limit)
        return [market.kline_row(book, k, interval) for k in rows]

    def public_trades(p: Params, aggregated: bool) -> Any:
        """The walk's trades, one per second of history (the sandbox prints one an interval)."""
        book = e.book(p.get("symbol"))
        seconds = venue.history[book.spec.symbol].seconds[-min(_int(p, "limit", 500), 1000):]
        rows = []
        for i, sec in enumerate(seconds):
            q = market.qty(book, sec.volume or book.spec.min_qty)
            if aggregated:
                rows.append({"a": i + 1, "p": market.px(book, sec.close), "q": q, "f": i + 1,
                             "l": i + 1, "T": sec.open_time, "m": i % 2 == 0})
            else:
                rows.append({"id": i + 1, "price": market.px(book, sec.close), "qty": q,
                             "quoteQty": wire.num(Decimal(q) * sec.close),
                             "time": sec.open_time, "isBuyerMaker": i % 2 == 0})
        return rows

    def one_or_all(p: Params, row: Callable[[str], dict[str, Any]]) -> Any:
        if p.get("symbol"):
            return row(e.book(p.get("symbol")).spec.symbol)
        return [row(s) for s in e.books]

    def price_row(symbol: str) -> dict[str, Any]:
        book = e.books[symbol]
        return {"symbol": symbol, "price": market.px(book, book.last), "time": now()}

    def book_row(symbol: str) -> dict[str, Any]:
        book, q = e.books[symbol], market.qty(e.books[symbol], e.books[symbol].spec.level_qty)
        return {"symbol": symbol, "bidPrice": market.px(book, book.bid), "bidQty": q,
                "askPrice": market.px(book, book.ask), "askQty": q, "time": now(),
                "lastUpdateId": book.update_id}

    def ticker_row(symbol: str) -> dict[str, Any]:
        book, t = e.books[symbol], now()
        frame = market.ticker_24h(book, venue.history[symbol].day(t, book.last), t)
        return {"symbol": symbol, "priceChange": frame["p"], "priceChangePercent": frame["P"],
                "weightedAvgPrice": frame["w"], "lastPrice": frame["c"], "lastQty": frame["Q"],
                "openPrice": frame["o"], "highPrice": frame["h"], "lowPrice": frame["l"],
                "volume": frame["v"], "quoteVolume": frame["q"], "openTime": frame["O"],
                "closeTime": frame["C"], "firstId": frame["F"], "lastId": frame["L"],
                "count": frame["n"]}

    def premium_row(symbol: str) -> dict[str, Any]:
        book, clock, t = e.books[symbol], e.funding[symbol], now()
        mark = market.px(book, book.mark)
        return {"symbol": symbol, "markPrice": mark, "indexPrice": mark,
                "estimatedSettlePrice": mark, "lastFundingRate": wire.num(clock.next_rate),
                "interestRate": "0.00010000", "nextFundingTime": clock.next_time, "time": t}

    def funding_rates(p: Params) -> Any:
        limit = min(_int(p, "limit", 100), 1000)
        start = int(p["startTime"]) if p.get("startTime") else None
        end = int(p["endTime"]) if p.get("endTime") else None
        rows = []
        for s in symbols_of(p):
            book = e.books[s]
            for event in e.funding[s].rows(start, end, limit, book.spec.start_price):
                rows.append({"symbol": s, "fundingTime": event.time,
                             "fundingRate": wire.num(event.rate),
                             "markPrice": market.px(book, event.mark)})
        return rows

    def funding_info(p: Params) -> Any:
        """Binance lists only the symbols whose interval or rate cap/floor is not the default."""
        return [{"symbol": s, "adjustedFundingRateCap": f"{b.spec.funding.rate_cap:.8f}",
                 "adjustedFundingRateFloor": f"{b.spec.funding.rate_floor:.8f}",
                 "fundingIntervalHours": b.spec.funding.interval_hours, "disclaimer": False}
                for s, b in e.books.items() if b.spec.funding.is_adjusted]

    def income(p: Params) -> Any:
        """``GET /fapi/v1/income``: the wallet's changes (REALIZED_PNL, COMMISSION, FUNDING_FEE,
        INSURANCE_CLEAR), oldest first; the first ``limit`` from ``startTime``, else the last
        ``limit`` of the past 7 days, as Binance answers."""
        symbol, kind = one_symbol(p), (p.get("incomeType") or "").upper()
        t = now()
        start = int(p["startTime"]) if p.get("startTime") else None
        end = _int(p, "endTime", t)
        low = start if start is not None else (0 if p.get("endTime") else t - 7 * 86_400_000)
        limit = min(_int(p, "limit", 100), 1000)
        rows = [i.row() for i in e.income
                if low <= i.time <= end and (symbol is None or i.symbol == symbol)
                and (not kind or i.kind == kind)]
        return rows[:limit] if start is not None else rows[-limit:]

    def force_orders(p: Params) -> Any:
        """``GET /fapi/v1/forceOrders``: the account's liquidation and ADL orders."""
        symbol, kind = one_symbol(p), (p.get("autoCloseType") or "").upper()
        prefixes = {"LIQUIDATION": ("autoclose-",), "ADL": ("adl_autoclose",)}.get(
            kind, ("autoclose-", "adl_autoclose"))
        rows = [wire.order_row(o) for o in e.orders.values()
                if o.client_order_id.startswith(prefixes)
                and (symbol is None or o.symbol == symbol)]
        return rows[-min(_int(p, "limit", 50), 100):]

    def leverage_bracket(p: Params) -> Any:
        rows = [brackets.rows(s, e.books[s].spec.brackets) for s in symbols_of(p)]
        return rows[0] if p.get("symbol") else rows

    def listen_key_new(p: Params, owner: str) -> Result:
        return {"listenKey": venue.listen_keys.open(owner, now())}, []

    def listen_key_keepalive(p: Params, owner: str) -> Result:
        return {"listenKey": venue.listen_keys.keepalive(owner, now(), p.get("listenKey"))}, []

    def listen_key_close(p: Params, owner: str) -> Result:
        key = venue.listen_keys.keepalive(owner, now(), p.get("listenKey"))
        venue.listen_keys.close(owner, now(), key)
        venue.close_user_streams(key)
        return {}, []

    v1, v2, v3 = "/fapi/v1/", "/fapi/v2/", "/fapi/v3/"
    return {
        ("GET", v1 + "ping"): (PUBLIC, plain(lambda p: {})),
        ("GET", v1 + "time"): (PUBLIC, plain(lambda p: {"serverTime": now()})),
        ("GET", v1 + "exchangeInfo"): (PUBLIC, plain(lambda p: exchange_info(venue.config,
                                                                               now()))),
        ("GET", v1 + "depth"): (PUBLIC, plain(depth)),
        ("GET", v1 + "klines"): (PUBLIC, plain(klines)),
        ("GET", v1 + "trades"): (PUBLIC, plain(lambda p: public_trades(p, aggregated=False))),
        ("GET", v1 + "aggTrades"): (PUBLIC, plain(lambda p: public_trades(p, aggregated=True))),
        ("GET", v1 + "ticker/price"): (PUBLIC, plain(lambda p: one_or_all(p, price_row))),
        ("GET", v2 + "ticker/price"): (PUBLIC, plain(lambda p: one_or_all(p, price_row))),
        ("GET", v1 + "ticker/bookTicker"): (PUBLIC, plain(lambda p: one_or_all(p, book_row))),
        ("GET", v1 + "ticker/24hr"): (PUBLIC, plain(lambda p: one_or_all(p, ticker_row))),
        ("GET", v1 + "premiumIndex"): (PUBLIC, plain(lambda p: one_or_all(p, premium_row))),
        ("GET", v1 + "fundingRate"): (PUBLIC, plain(funding_rates)),
        ("GET", v1 + "fundingInfo"): (PUBLIC, plain(funding_info)),
        ("GET", v2 + "account"): (SIGNED, plain(lambda p: e.account())),
        ("GET", v3 + "account"): (SIGNED, plain(lambda p: e.account())),
        ("GET", v2 + "balance"): (SIGNED, plain(lambda p: e.balances())),
        ("GET", v3 + "balance"): (SIGNED, plain(lambda p: e.balances())),
        ("GET", v2 + "positionRisk"): (SIGNED, plain(lambda p: e.position_risk(p.get("symbol")))),
        ("GET", v3 + "positionRisk"): (SIGNED, plain(lambda p: e.position_risk(p.get("symbol")))),
        ("GET", v1 + "leverageBracket"): (SIGNED, plain(leverage_bracket)),
        ("GET", v1 + "income"): (SIGNED, plain(income)),
        ("GET", v1 + "forceOrders"): (SIGNED, plain(force_orders)),
        ("GET", v1 + "positionSide/dual"): (SIGNED, plain(
            lambda p: {"dualSidePosition": e.dual_side})),
        ("POST", v1 + "positionSide/dual"): (SIGNED, plain(e.set_dual_side)),
        ("GET", v1 + "multiAssetsMargin"): (SIGNED, plain(
            lambda p: {"multiAssetsMargin": False})),
        ("GET", v1 + "symbolConfig"): (SIGNED, plain(lambda p: e.symbol_config())),
        ("POST", v1 + "leverage"): (SIGNED, plain(e.set_leverage)),
        ("POST", v1 + "marginType"): (SIGNED, plain(e.set_margin_type)),
        ("GET", v1 + "commissionRate"): (SIGNED, plain(commission)),
        ("POST", v1 + "listenKey"): (API_KEY, listen_key_new),
        ("PUT", v1 + "listenKey"): (API_KEY, listen_key_keepalive),
        ("DELETE", v1 + "listenKey"): (API_KEY, listen_key_close),
        ("POST", v1 + "order"): (SIGNED, events(e.new_order)),
        ("GET", v1 + "order"): (SIGNED, plain(e.query_order)),
        ("DELETE", v1 + "order"): (SIGNED, events(e.cancel_order)),
        ("PUT", v1 + "order"): (SIGNED, events(e.modify_order)),
        ("GET", v1 + "openOrder"): (SIGNED, plain(e.open_order)),
        ("GET", v1 + "orderAmendment"): (SIGNED, plain(e.order_amendments)),
        ("GET", v1 + "openOrders"): (SIGNED, plain(open_orders)),
        ("GET", v1 + "allOrders"): (SIGNED, plain(all_orders)),
        ("GET", v1 + "userTrades"): (SIGNED, plain(user_trades)),
        ("DELETE", v1 + "allOpenOrders"): (SIGNED, events(lambda p: e.cancel_all(p.get("symbol")))),
        ("POST", v1 + "batchOrders"): (SIGNED, events(
            lambda p: e.batch_new(p, check=request_params.check_formats))),
        ("DELETE", v1 + "batchOrders"): (SIGNED, events(e.batch_cancel)),
        ("POST", v1 + "algoOrder"): (SIGNED, events(e.new_algo_order)),
        ("GET", v1 + "algoOrder"): (SIGNED, plain(e.query_algo)),
        ("DELETE", v1 + "algoOrder"): (SIGNED, events(e.cancel_algo)),
        ("GET", v1 + "openAlgoOrders"): (SIGNED, plain(open_algos)),
        ("GET", v1 + "allAlgoOrders"): (SIGNED, plain(all_algos)),
        ("DELETE", v1 + "algoOpenOrders"): (SIGNED,
                                            events(lambda p: e.cancel_all_algo(p.get("symbol")))),
    }


def exchange_info(config: SandboxConfig, now: int) -> dict[str, Any]:
    """``GET /fapi/v1/exchangeInfo`` for the venue's symbols and limits."""
    symbols = []
    for spec in config.symbols:
        plain = {"tick": format(spec.tick_size, "f"), "step": format(spec.step_size, "f"),
                 "min_qty": format(spec.min_qty, "f")}
        symbols.append({
            "symbol": spec.symbol, "pair": spec.symbol, "contractType": "PERPETUAL",
            "deliveryDate": 4133404800000, "onboardDate": 1569398400000, "status": "TRADING",
            "maintMarginPercent": "2.5000", "requiredMarginPercent": "5.0000",
            "baseAsset": spec.base_asset, "quoteAsset": "USDT", "marginAsset": "USDT",
            "pricePrecision": spec.price_decimals, "quantityPrecision": spec.quantity_decimals,
            "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN",
            "underlyingSubType": ["PoW"], "settlePlan": 0, "triggerProtect": "0.0500",
            "liquidationFee": f"{spec.liquidation_fee:.6f}", "marketTakeBound": "0.05",
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": wire.num(spec.min_price),
                 "maxPrice": wire.num(spec.max_price), "tickSize": plain["tick"]},
                {"filterType": "LOT_SIZE", "minQty": plain["min_qty"],
                 "maxQty": wire.num(spec.max_qty), "stepSize": plain["step"]},
                {"filterType": "MARKET_LOT_SIZE", "minQty": plain["min_qty"],
                 "maxQty": wire.num(spec.market_lot_max), "stepSize": plain["step"]},
                {"filterType": "MAX_NUM_ORDERS", "limit": 200},
                {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 200},
                {"filterType": "MIN_NOTIONAL", "notional": wire.num(spec.min_notional)},
                {"filterType": "PERCENT_PRICE", "multiplierUp": f"{spec.percent_up:.4f}",
                 "multiplierDown": f"{spec.percent_down:.4f}", "multiplierDecimal": "4"},
            ],
            "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT",
                           "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"],
            "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
        })
    limits = config.rate_limits
    return {
        "timezone": "UTC", "serverTime": now,
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
