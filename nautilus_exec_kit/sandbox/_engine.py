"""The matching engine: Binance USDT-M semantics, no I/O.

Everything the venue knows (orders, algo orders, positions, the wallet, the book) lives here and
changes only through these methods, each of which returns the answer body and the user-stream
frames Binance would push. The server decides when and how to send them. Being synchronous and
clock-injected (``now`` in ms), it is unit-testable without sockets.

Semantics kept from Binance because the kit depends on them:
market orders fill at the touch; limits rest and fill when the touch crosses them (maker, at the
limit price) or fill at once as taker; GTX that would take -> -5022; reduce-only that would not
reduce -> -2022; initial margin above available -> -2019; one-way vs hedge ``positionSide``
-> -4061;
conditional types only through the Algo Order API (-4120 on ``/order``); triggers on last
(CONTRACT_PRICE) or mark (MARK_PRICE); trailing stops with callback rate; closePosition;
priceMatch; GTD expiry; fee-tier-0 commissions.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Any

import attrs

from nautilus_exec_kit.core.perpetuals import (
    ContractExposure,
    Leg,
    autoclose_client_order_id,
    clearance_fee,
    due_liquidations,
    funding_payment,
    liquidation_price,
    maintenance_margin,
)
from nautilus_exec_kit.sandbox import _wire as wire
from nautilus_exec_kit.sandbox._config import SandboxConfig, SymbolSpec
from nautilus_exec_kit.sandbox._funding import FundingClock

REGULAR_TYPES: frozenset[str] = frozenset({"LIMIT", "MARKET"})
ALGO_TYPES: frozenset[str] = frozenset(
    {"STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"}
)
#: Algo type -> the order type of the child it places when triggered.
CHILD_TYPE: Mapping[str, str] = {
    "STOP": "LIMIT",
    "TAKE_PROFIT": "LIMIT",
    "STOP_MARKET": "MARKET",
    "TAKE_PROFIT_MARKET": "MARKET",
    "TRAILING_STOP_MARKET": "MARKET",
}
#: Algo type -> direction of the trigger for a BUY (+1: price rises to it; -1: falls to it).
BUY_TRIGGER_DIRECTION: Mapping[str, int] = {
    "STOP": 1,
    "STOP_MARKET": 1,
    "TAKE_PROFIT": -1,
    "TAKE_PROFIT_MARKET": -1,
}
CLOSE_POSITION_TYPES: frozenset[str] = frozenset({"STOP_MARKET", "TAKE_PROFIT_MARKET"})
TIME_IN_FORCE: frozenset[str] = frozenset({"GTC", "IOC", "FOK", "GTX", "GTD"})
PRICE_MATCH: frozenset[str] = frozenset(
    {
        "OPPONENT", "OPPONENT_5", "OPPONENT_10", "OPPONENT_20",
        "QUEUE", "QUEUE_5", "QUEUE_10", "QUEUE_20",
    }
)
OPEN_STATUSES: frozenset[str] = frozenset({"NEW", "PARTIALLY_FILLED"})
SIGN: Mapping[str, int] = {"BUY": 1, "SELL": -1}

#: The reject table: name -> (code, msg), Binance's wording.
REJECTS: Mapping[str, tuple[int, str]] = {
    "margin": (-2019, "Margin is insufficient."),
    "gtx": (
        -5022,
        "Due to the order could not be executed as maker, the Post Only order will be rejected. "
        "The order will not be recorded in the order book",
    ),
    "fok": (
        -5021,
        "Due to the order could not be filled immediately, the FOK order has been rejected. "
        "The order will not be recorded in the order book",
    ),
    "reduce_only": (-2022, "ReduceOnly Order is rejected."),
    "would_trigger": (-2021, "Order would immediately trigger."),
    "algo_switch": (
        -4120,
        "Order type not supported for this endpoint. Please use the Algo Order API endpoints "
        "instead.",
    ),
    "position_side": (-4061, "Order's position side does not match user's setting."),
    "unknown_order": (-2011, "Unknown order sent."),
    "no_such_order": (-2013, "Order does not exist."),
    "bad_symbol": (-1121, "Invalid symbol."),
    "order_type": (-1116, "Invalid orderType."),
    "tif": (-1115, "Invalid timeInForce."),
    "tick": (-4014, "Price not increased by tick size."),
    "min_price": (-4013, "Price less than min price."),
    "max_price": (-4002, "Price greater than max price."),
    "max_position": (-2027, "Exceeded the maximum allowable position at current leverage."),
    "lot": (-1013, "Filter failure: LOT_SIZE"),
    "max_qty": (-4005, "Quantity greater than max quantity."),
    "gtd": (
        -5040,
        "goodTillDate timestamp must be greater than current time plus 600 seconds and smaller "
        "than 253402300799000",
    ),
    "no_need_margin_type": (-4046, "No need to change margin type."),
    "no_need_position_side": (-4059, "No need to change position side."),
    "position_exists": (-4068, "The position side cannot be changed if there exists position."),
    "callback_rate": (-2007, "Invalid callBackRate."),
    "duplicate": (-4116, "ClientOrderId is duplicated."),
    "margin_type_position": (-4048, "Margin type cannot be changed if there exists position."),
    "margin_type_orders": (-4047,
                           "Margin type cannot be changed if there exists open orders."),
    "batch_size": (-1130, "Data sent for parameter 'batchOrders' is not valid."),
}
#: Binance takes at most this many orders in one ``POST /fapi/v1/batchOrders``.
MAX_BATCH_ORDERS = 5


class BinanceReject(Exception):
    """A request the venue refuses: HTTP ``status`` with ``{"code", "msg"}``."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        self.code = code
        self.msg = msg
        self.status = status
        #: Seconds for a ``Retry-After`` header (rate limits), if any.
        self.retry_after_s: int | None = None
        super().__init__(f"{code}: {msg}")

    def with_retry_after(self, wait_ms: int) -> BinanceReject:
        """This reject with a ``Retry-After`` of ``wait_ms`` rounded up to whole seconds."""
        self.retry_after_s = max(1, -(-wait_ms // 1000))
        return self

    @classmethod
    def of(cls, name: str, **fmt: Any) -> BinanceReject:
        """The reject named ``name`` in :data:`REJECTS`."""
        code, msg = REJECTS[name]
        return cls(code, msg.format(**fmt) if fmt else msg)


def mandatory(name: str) -> BinanceReject:
    """-1102 for a missing parameter, with Binance's wording."""
    return BinanceReject(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def not_required(name: str) -> BinanceReject:
    """-1106 for a parameter that must not be sent here."""
    return BinanceReject(-1106, f"Parameter '{name}' sent when not required.")


def _flag(value: str | None) -> bool:
    # The adapter sends reduceOnly as "True"/"False" and closePosition as "true" (landmine §9.11).
    return (value or "").strip().lower() == "true"


def _dec(params: Mapping[str, str], name: str) -> Decimal | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return Decimal(raw)
    except ArithmeticError:
        raise mandatory(name) from None


def _each(calls: list[Callable[[], tuple[dict[str, Any], list[UserEvent]]]]) -> tuple[
        list[dict[str, Any]], list[UserEvent]]:
    """A batch route's answer: each call's row, or its Binance error in its place."""
    results: list[dict[str, Any]] = []
    events: list[UserEvent] = []
    for call in calls:
        try:
            row, evs = call()
        except BinanceReject as reject:
            results.append(wire.error(reject.code, reject.msg))
        else:
            results.append(row)
            events += evs
    return results, events


@attrs.frozen
class UserEvent:
    """One user-stream frame and the pause the server keeps before sending it."""

    frame: dict[str, Any]
    gap_ms: int = 0


@attrs.define
class VenueOrder:
    """A regular order on the book (or done), as Binance reports it."""

    order_id: int
    client_order_id: str
    symbol: str
    side: str
    type: str
    orig_type: str
    tif: str
    qty: Decimal
    price: Decimal
    position_side: str
    reduce_only: bool
    time: int
    stop_price: Decimal = Decimal(0)
    close_position: bool = False
    price_match: str = "NONE"
    gtd: int = 0
    working_type: str = "CONTRACT_PRICE"
    status: str = "NEW"
    executed_qty: Decimal = Decimal(0)
    cum_quote: Decimal = Decimal(0)
    update_time: int = 0
    parent_algo_id: int | None = None

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed_qty if self.executed_qty else Decimal(0)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def leaves(self) -> Decimal:
        return self.qty - self.executed_qty


@attrs.define
class AlgoOrder:
    """A conditional order held by the Algo service until its trigger."""

    algo_id: int
    client_algo_id: str
    symbol: str
    side: str
    order_type: str
    position_side: str
    tif: str
    qty: Decimal | None
    trigger_price: Decimal
    price: Decimal
    working_type: str
    reduce_only: bool
    close_position: bool
    create_time: int
    price_match: str = "NONE"
    gtd: int = 0
    callback_rate: Decimal | None = None
    activate_price: Decimal | None = None
    status: str = "NEW"
    update_time: int = 0
    trigger_time: int = 0
    actual_order_id: int | None = None
    executed_qty: Decimal = Decimal(0)
    avg_price: Decimal = Decimal(0)
    #: Trailing stops: activated yet, and the best price seen since.
    activated: bool = False
    extreme: Decimal | None = None


@attrs.define
class Position:
    """One position leg: BOTH (signed amount) in one-way mode, LONG/SHORT in hedge mode."""

    symbol: str
    side: str
    amt: Decimal = Decimal(0)
    entry_price: Decimal = Decimal(0)
    realized: Decimal = Decimal(0)
    #: Isolated margin mode: the margin held for this leg alone (its initial margin at entry,
    #: released in proportion as it closes, plus the funding it received or paid).
    isolated_wallet: Decimal = Decimal(0)

    def unrealized(self, mark: Decimal) -> Decimal:
        return (mark - self.entry_price) * self.amt if self.amt else Decimal(0)

    def leg(self) -> Leg:
        """This position as the core's liquidation math reads it."""
        return Leg(self.amt, self.entry_price)


@attrs.frozen
class Income:
    """One ``GET /fapi/v1/income`` row: a change of the wallet and why."""

    tran_id: int
    symbol: str
    kind: str
    amount: Decimal
    time: int
    trade_id: str = ""

    def row(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "incomeType": self.kind, "income": wire.num(self.amount),
                "asset": "USDT", "info": self.kind, "time": self.time,
                "tranId": self.tran_id, "tradeId": self.trade_id}


@attrs.define
class Trade:
    """One fill, as ``/fapi/v1/userTrades`` reports it."""

    trade_id: int
    order_id: int
    symbol: str
    side: str
    position_side: str
    price: Decimal
    qty: Decimal
    commission: Decimal
    realized: Decimal
    maker: bool
    time: int

    def row(self) -> dict[str, Any]:
        return {
            "buyer": self.side == "BUY",
            "commission": wire.num(self.commission),
            "commissionAsset": "USDT",
            "id": self.trade_id,
            "orderId": self.order_id,
            "price": wire.num(self.price),
            "qty": wire.num(self.qty),
            "quoteQty": wire.num(self.price * self.qty),
            "realizedPnl": wire.num(self.realized),
            "side": self.side,
            "positionSide": self.position_side,
            "symbol": self.symbol,
            "maker": self.maker,
            "marginAsset": "USDT",
            "time": self.time,
        }


@attrs.define
class Book:
    """Top of book, last and mark price of one symbol; depth is synthesised at tick spacing."""

    spec: SymbolSpec
    last: Decimal
    mark: Decimal
    update_id: int = 1

    @property
    def bid(self) -> Decimal:
        return (self.last / self.spec.tick_size).to_integral_value(ROUND_DOWN) * self.spec.tick_size

    @property
    def ask(self) -> Decimal:
        return self.bid + self.spec.tick_size

    def level(self, side: str, n: int) -> Decimal:
        """The n-th (1-based) price level of ``side`` ("BUY" = bids, "SELL" = asks)."""
        step = self.spec.tick_size * (n - 1)
        return self.bid - step if side == "BUY" else self.ask + step

    def depth(self, levels: int) -> tuple[list[list[str]], list[list[str]]]:
        tick, step = self.spec.tick_size, self.spec.step_size
        qty = format(self.spec.level_qty.quantize(step), "f")
        bids = [[format(self.level("BUY", i).quantize(tick), "f"), qty]
                for i in range(1, levels + 1)]
        asks = [[format(self.level("SELL", i).quantize(tick), "f"), qty]
                for i in range(1, levels + 1)]
        return bids, asks


class MatchingEngine:
    """The venue's state and its Binance rules. Not thread-safe: one loop owns it."""

    ORDER_ID_START = 1_000_000
    ALGO_ID_START = 5_000_000_000  # disjoint from order ids (wire protocol §9.7)
    TRADE_ID_START = 9_000_000

    def __init__(self, config: SandboxConfig, now: Callable[[], int]) -> None:
        self.config = config
        self.now = now
        self.dual_side = config.dual_side_position
        self.wallet = dict(config.balances).get("USDT", Decimal(0))
        #: Each symbol starts at the venue's leverage, capped at what its brackets allow.
        self.leverage: dict[str, int] = {
            s.symbol: min(config.leverage, s.max_leverage) for s in config.symbols}
        self.margin_type: dict[str, str] = {s.symbol: "CROSSED" for s in config.symbols}
        self.books: dict[str, Book] = {
            s.symbol: Book(s, s.start_price, s.start_price) for s in config.symbols
        }
        self.orders: dict[int, VenueOrder] = {}
        self.algos: dict[int, AlgoOrder] = {}
        #: The open orders and algo orders of each symbol, so a price move of one symbol looks at
        #: that symbol's working orders only, never at the whole history of every symbol.
        self.open_orders: dict[str, dict[int, VenueOrder]] = {s: {} for s in self.books}
        self.open_algos: dict[str, dict[int, AlgoOrder]] = {s: {} for s in self.books}
        #: (symbol, client id) -> the latest order / algo order that used it.
        self._by_client_id: dict[tuple[str, str], int] = {}
        self._algo_by_client_id: dict[str, int] = {}
        #: Client ids held by open orders and open algo orders (-4116 for a second one).
        self._open_client_ids: dict[str, int] = {}
        self.positions: dict[tuple[str, str], Position] = {}
        #: Each symbol's funding schedule and settled history.
        self.funding: dict[str, FundingClock] = {
            s.symbol: FundingClock.starting(s.funding, now()) for s in config.symbols}
        self._next_funding = min(c.next_time for c in self.funding.values())
        self.trades: list[Trade] = []
        #: Every change of the wallet (``GET /fapi/v1/income``), oldest first.
        self.income: list[Income] = []
        #: ``GET /fapi/v1/orderAmendment`` rows, oldest first.
        self.amendments: list[dict[str, Any]] = []
        self._next_order = self.ORDER_ID_START
        self._next_algo = self.ALGO_ID_START
        self._next_trade = self.TRADE_ID_START

    # -- ids and lookups ----------------------------------------------------------------------

    def _order_id(self) -> int:
        self._next_order += 1
        return self._next_order

    def _trade_id(self) -> int:
        self._next_trade += 1
        return self._next_trade

    def _book_income(self, symbol: str, kind: str, amount: Decimal, now: int,
                     trade_id: int | None = None) -> None:
        if amount:
            self.income.append(Income(len(self.income) + 1, symbol, kind, amount, now,
                                      "" if trade_id is None else str(trade_id)))

    def is_isolated(self, symbol: str) -> bool:
        return self.margin_type[symbol] == "ISOLATED"

    def open_positions(self) -> list[Position]:
        return [p for p in self.positions.values() if p.amt]

    def cross_wallet(self) -> Decimal:
        """The wallet less what isolated positions hold (``crossWalletBalance``)."""
        return self.wallet - sum((p.isolated_wallet for p in self.positions.values()), Decimal(0))

    def book(self, symbol: str | None) -> Book:
        if not symbol:
            raise mandatory("symbol")
        book = self.books.get(symbol.upper())
        if book is None:
            raise BinanceReject.of("bad_symbol")
        return book

    def position(self, symbol: str, side: str) -> Position:
        key = (symbol, side)
        if key not in self.positions:
            self.positions[key] = Position(symbol, side)
        return self.positions[key]

    def find_order(self, params: Mapping[str, str], symbol: str) -> VenueOrder | None:
        """The order of ``symbol`` named by ``orderId`` or ``origClientOrderId`` (latest wins
        on reuse)."""
        if params.get("orderId"):
            found = self.orders.get(int(params["orderId"]))
            return found if found and found.symbol == symbol else None
        cid = params.get("origClientOrderId")
        order_id = self._by_client_id.get((symbol, cid)) if cid else None
        return None if order_id is None else self.orders[order_id]

    def find_algo(self, params: Mapping[str, str]) -> AlgoOrder | None:
        if params.get("algoId"):
            return self.algos.get(int(params["algoId"]))
        cid = params.get("clientAlgoId")
        algo_id = self._algo_by_client_id.get(cid) if cid else None
        return None if algo_id is None else self.algos[algo_id]

    def autoclose_id(self, now: int) -> str:
        """The client id of a liquidation at ``now`` (ms): Binance's ``autoclose-<ms>``, with a
        ``-2``, ``-3``... suffix for a second one in the same millisecond (both legs of a hedge
        account, or two symbols, closed by one price move), as the kit's backtest venue names
        them (:func:`~nautilus_exec_kit.core.perpetuals.autoclose_client_order_id`). Nautilus
        keys an order by its client id alone, whatever the symbol: two fills under one id are
        one order to it, and NautilusTrader 1.231 rejects the second as an overfill."""
        return autoclose_client_order_id(
            now * 1_000_000,
            lambda cid: any((symbol, cid) in self._by_client_id for symbol in self.books))

    def _add_order(self, order: VenueOrder) -> None:
        self.orders[order.order_id] = order
        self._by_client_id[(order.symbol, order.client_order_id)] = order.order_id
        self._track(order)

    def _track(self, order: VenueOrder) -> None:
        """Keep the open-order indexes in step with ``order``'s status."""
        book = self.open_orders[order.symbol]
        if order.is_open:
            book[order.order_id] = order
            self._open_client_ids[order.client_order_id] = order.order_id
        elif book.pop(order.order_id, None) is not None and self._open_client_ids.get(
                order.client_order_id) == order.order_id:
            del self._open_client_ids[order.client_order_id]

    def _add_algo(self, algo: AlgoOrder) -> None:
        self.algos[algo.algo_id] = algo
        self._algo_by_client_id[algo.client_algo_id] = algo.algo_id
        self._track_algo(algo)

    def _track_algo(self, algo: AlgoOrder) -> None:
        """Keep the open-algo indexes in step with ``algo``'s status."""
        book = self.open_algos[algo.symbol]
        if algo.status == "NEW":
            book[algo.algo_id] = algo
            self._open_client_ids[algo.client_algo_id] = algo.algo_id
        elif book.pop(algo.algo_id, None) is not None and self._open_client_ids.get(
                algo.client_algo_id) == algo.algo_id:
            del self._open_client_ids[algo.client_algo_id]

    def working_orders(self, symbol: str | None = None) -> list[VenueOrder]:
        """The open regular orders of ``symbol`` (every symbol: None), oldest first."""
        books = [self.open_orders[symbol]] if symbol else list(self.open_orders.values())
        return sorted((o for b in books for o in b.values()), key=lambda o: o.order_id)

    def working_algos(self, symbol: str | None = None) -> list[AlgoOrder]:
        """The open algo orders of ``symbol`` (every symbol: None), oldest first."""
        books = [self.open_algos[symbol]] if symbol else list(self.open_algos.values())
        return sorted((a for b in books for a in b.values()), key=lambda a: a.algo_id)

    # -- rules shared by /order and /algoOrder ---------------------------------------------

    def _position_side(self, params: Mapping[str, str]) -> str:
        side = (params.get("positionSide") or "BOTH").upper()
        if self.dual_side:
            if side not in ("LONG", "SHORT"):
                raise BinanceReject.of("position_side")
            if "reduceOnly" in params:
                raise not_required("reduceonly")
        elif side != "BOTH":
            raise BinanceReject.of("position_side")
        return side

    def _reduces(self, symbol: str, side: str, position_side: str) -> Decimal:
        """How much an order of ``side`` on ``position_side`` may close (0 = it opens)."""
        pos = self.position(symbol, position_side)
        if position_side == "BOTH":
            return abs(pos.amt) if pos.amt * SIGN[side] < 0 else Decimal(0)
        closing = (position_side == "LONG" and side == "SELL") or (
            position_side == "SHORT" and side == "BUY"
        )
        return abs(pos.amt) if closing else Decimal(0)

    def _is_closing_leg(self, side: str, position_side: str) -> bool:
        return (position_side, side) in (("LONG", "SELL"), ("SHORT", "BUY"))

    def _check_reduce(
        self, symbol: str, side: str, position_side: str, qty: Decimal, reduce_only: bool
    ) -> None:
        closable = self._reduces(symbol, side, position_side)
        if reduce_only and closable == 0:
            raise BinanceReject.of("reduce_only")
        if self._is_closing_leg(side, position_side) and qty > closable:
            raise BinanceReject.of("reduce_only")

    def available_balance(self) -> Decimal:
        """Cross wallet + cross unrealised PnL - initial margin of cross positions and of open
        orders (an isolated position's margin is already out of the cross wallet)."""
        cross = [p for p in self.open_positions() if not self.is_isolated(p.symbol)]
        upnl = sum((p.unrealized(self.books[p.symbol].mark) for p in cross), Decimal(0))
        used = sum(
            (abs(p.amt) * self.books[p.symbol].mark / self.leverage[p.symbol] for p in cross),
            Decimal(0),
        )
        used += sum(
            (o.leaves * o.price / self.leverage[o.symbol]
             for book in self.open_orders.values() for o in book.values()
             if o.type == "LIMIT" and not o.reduce_only),
            Decimal(0),
        )
        return self.cross_wallet() + upnl - used

    def _check_margin(self, symbol: str, side: str, position_side: str, qty: Decimal,
                      price: Decimal) -> None:
        opening = max(Decimal(0), qty - self._reduces(symbol, side, position_side))
        if opening == 0:
            return
        required = opening * price / self.leverage[symbol] + opening * price * self.config.taker_fee
        if required > self.available_balance():
            raise BinanceReject.of("margin")

    def _check_filters(self, spec: SymbolSpec, qty: Decimal, price: Decimal | None, *,
                       market: bool = False) -> None:
        """LOT_SIZE / MARKET_LOT_SIZE and PRICE_FILTER, with Binance's codes."""
        if qty < spec.min_qty or qty % spec.step_size != 0:
            raise BinanceReject.of("lot")
        if qty > (spec.market_lot_max if market else spec.max_qty):
            raise BinanceReject.of("max_qty")
        if price is None:
            return
        if price < spec.min_price:
            raise BinanceReject.of("min_price")
        if price > spec.max_price:
            raise BinanceReject.of("max_price")
        if price % spec.tick_size != 0:
            raise BinanceReject.of("tick")

    def _check_percent_price(self, book: Book, side: str, price: Decimal) -> None:
        """PERCENT_PRICE: a LIMIT BUY at most mark x multiplierUp, a SELL at least mark x
        multiplierDown (-4016 / -4024, with the bound in Binance's message)."""
        spec = book.spec
        if side == "BUY":
            cap = (book.mark * spec.percent_up).quantize(spec.tick_size, ROUND_DOWN)
            if price > cap:
                raise BinanceReject(-4016, f"Limit price can't be higher than {wire.num(cap)}.")
        else:
            floor = (book.mark * spec.percent_down).quantize(spec.tick_size, ROUND_UP)
            if price < floor:
                raise BinanceReject(-4024, f"Limit price can't be lower than {wire.num(floor)}.")

    def _check_max_position(self, book: Book, side: str, position_side: str, qty: Decimal,
                            price: Decimal) -> None:
        """-2027 when the position an order opens would exceed the notional the symbol's
        brackets allow at the current leverage."""
        symbol = book.spec.symbol
        opening = max(Decimal(0), qty - self._reduces(symbol, side, position_side))
        if opening == 0:
            return
        held = abs(self.position(symbol, position_side).amt)
        cap = book.spec.max_notional(self.leverage[symbol])
        if (held + opening) * price > cap:
            raise BinanceReject.of("max_position")

    def _check_notional(self, spec: SymbolSpec, qty: Decimal, price: Decimal,
                        reduce_only: bool) -> None:
        if not reduce_only and qty * price < spec.min_notional:
            raise BinanceReject(
                -4164,
                f"Order's notional must be no smaller than {wire.num(spec.min_notional)} "
                "(unless you choose reduce only).",
            )

    def _check_gtd(self, tif: str, params: Mapping[str, str]) -> int:
        if tif != "GTD":
            return 0
        raw = params.get("goodTillDate")
        if not raw:
            raise mandatory("goodTillDate")
        gtd = int(raw)
        if gtd < self.now() + self.config.gtd_min_lead_ms:
            raise BinanceReject.of("gtd")
        return gtd

    def _check_duplicate(self, client_id: str | None) -> None:
        # Binance refuses a client id already used by an open order or open algo order. A retried
        # submit whose first attempt was placed (-1007) therefore gets -4116: the kit must cope.
        if client_id and client_id in self._open_client_ids:
            raise BinanceReject.of("duplicate")

    def _match_price(self, book: Book, side: str, mode: str) -> Decimal:
        kind, _, depth = mode.partition("_")
        level = int(depth or 1)
        # OPPONENT = the other side of the book; QUEUE = our own side.
        book_side = ("SELL" if side == "BUY" else "BUY") if kind == "OPPONENT" else side
        return book.level(book_side, level)

    # -- regular orders ---------------------------------------------------------------------

    def new_order(self, params: Mapping[str, str], *, client_id_prefix: str = "") -> tuple[
        dict[str, Any], list[UserEvent]
    ]:
        """``POST /fapi/v1/order``: validate, place, and match at once if it crosses."""
        book = self.book(params.get("symbol"))
        spec = book.spec
        otype = (params.get("type") or "").upper()
        if otype in ALGO_TYPES:
            raise BinanceReject.of("algo_switch")
        if otype not in REGULAR_TYPES:
            raise BinanceReject.of("order_type")
        side = (params.get("side") or "").upper()
        if side not in SIGN:
            raise mandatory("side")
        position_side = self._position_side(params)
        reduce_only = _flag(params.get("reduceOnly"))
        qty = _dec(params, "quantity")
        if qty is None:
            raise mandatory("quantity")
        price_match = (params.get("priceMatch") or "NONE").upper()
        tif = (params.get("timeInForce") or "GTC").upper()
        price = _dec(params, "price")
        if otype == "LIMIT":
            if price_match != "NONE":
                if price_match not in PRICE_MATCH:
                    raise mandatory("priceMatch")
                if price is not None:
                    raise not_required("price")
                if tif == "GTX":
                    raise BinanceReject(-4360, "priceMatch is not allowed with GTX.")
                price = self._match_price(book, side, price_match)
            if price is None:
                raise mandatory("price")
            if tif not in TIME_IN_FORCE:
                raise BinanceReject.of("tif")
        else:
            if price is not None:
                raise not_required("price")
            tif = "GTC"
            price = Decimal(0)
        self._check_filters(spec, qty, price if otype == "LIMIT" else None,
                            market=otype == "MARKET")
        if otype == "LIMIT" and price_match == "NONE":
            self._check_percent_price(book, side, price)
        ref_price = price if otype == "LIMIT" else (book.ask if side == "BUY" else book.bid)
        self._check_notional(spec, qty, ref_price, reduce_only or
                             self._is_closing_leg(side, position_side))
        self._check_reduce(book.spec.symbol, side, position_side, qty, reduce_only)
        gtd = self._check_gtd(tif, params)
        crosses = otype == "MARKET" or (
            book.ask <= price if side == "BUY" else book.bid >= price
        )
        if otype == "LIMIT" and tif == "GTX" and crosses:
            raise BinanceReject.of("gtx")
        if otype == "LIMIT" and tif == "FOK" and not crosses:
            raise BinanceReject.of("fok")
        self._check_max_position(book, side, position_side, qty, ref_price)
        self._check_margin(spec.symbol, side, position_side, qty, ref_price)
        self._check_duplicate(params.get("newClientOrderId"))
        now = self.now()
        order = VenueOrder(
            order_id=self._order_id(),
            client_order_id=params.get("newClientOrderId") or f"{client_id_prefix}{now}",
            symbol=spec.symbol,
            side=side,
            type=otype,
            orig_type=otype,
            tif=tif,
            qty=qty,
            price=price,
            position_side=position_side,
            reduce_only=reduce_only,
            time=now,
            update_time=now,
            price_match=price_match,
            gtd=gtd,
        )
        self._add_order(order)
        events = [UserEvent(wire.order_update(order, "NEW", now))]
        if crosses:
            touch = book.ask if side == "BUY" else book.bid
            events += self._fill(order, order.leaves, touch, maker=False)
        elif tif == "IOC":
            events += self._finish(order, "EXPIRED")
        return wire.order_row(order), events

    def cancel_order(self, params: Mapping[str, str]) -> tuple[dict[str, Any], list[UserEvent]]:
        """``DELETE /fapi/v1/order``: -2011 when unknown or no longer open."""
        book = self.book(params.get("symbol"))
        order = self.find_order(params, book.spec.symbol)
        if order is None or not order.is_open:
            raise BinanceReject.of("unknown_order")
        events = self._finish(order, "CANCELED")
        return wire.order_row(order), events

    def modify_order(self, params: Mapping[str, str]) -> tuple[dict[str, Any], list[UserEvent]]:
        """``PUT /fapi/v1/order``: amend price/quantity of an open LIMIT order."""
        book = self.book(params.get("symbol"))
        order = self.find_order(params, book.spec.symbol)
        if order is None or not order.is_open:
            raise BinanceReject.of("no_such_order")
        if order.type != "LIMIT":
            raise BinanceReject(-4028, "Order type not supported for modification.")
        qty = _dec(params, "quantity") or order.qty
        price = _dec(params, "price") or order.price
        self._check_filters(book.spec, qty, price)
        self._check_percent_price(book, order.side, price)
        if qty <= order.executed_qty:
            raise BinanceReject(-4003, "Quantity less than or equal to executed quantity.")
        crosses = book.ask <= price if order.side == "BUY" else book.bid >= price
        if order.tif == "GTX" and crosses:
            raise BinanceReject.of("gtx")
        now = self.now()
        count = 1 + sum(1 for a in self.amendments if a["orderId"] == order.order_id)
        self.amendments.append({
            "amendmentId": len(self.amendments) + 1, "symbol": order.symbol,
            "pair": order.symbol, "orderId": order.order_id,
            "clientOrderId": order.client_order_id, "time": now,
            "amendment": {"price": {"before": wire.num(order.price), "after": wire.num(price)},
                          "origQty": {"before": wire.num(order.qty), "after": wire.num(qty)},
                          "count": count},
        })
        order.qty, order.price, order.update_time = qty, price, now
        events = [UserEvent(wire.order_update(order, "AMENDMENT", now))]
        if crosses:
            events += self._fill(order, order.leaves, book.ask if order.side == "BUY" else book.bid,
                                 maker=False)
        return wire.order_row(order), events

    def cancel_all(self, symbol: str | None) -> tuple[dict[str, Any], list[UserEvent]]:
        """``DELETE /fapi/v1/allOpenOrders``."""
        book = self.book(symbol)
        events: list[UserEvent] = []
        for order in self.working_orders(book.spec.symbol):
            events += self._finish(order, "CANCELED")
        return {"code": 200, "msg": "The operation of cancel all open order is done."}, events

    def batch_cancel(
        self, params: Mapping[str, str]
    ) -> tuple[list[dict[str, Any]], list[UserEvent]]:
        """``DELETE /fapi/v1/batchOrders``: one answer per id, in order."""
        symbol = self.book(params.get("symbol")).spec.symbol
        if params.get("origClientOrderIdList"):
            ids = json.loads(params["origClientOrderIdList"])
            keys = [{"origClientOrderId": str(c)} for c in ids]
        elif params.get("orderIdList"):
            keys = [{"orderId": str(i)} for i in json.loads(params["orderIdList"])]
        else:
            raise mandatory("orderIdList")
        return _each([functools.partial(self.cancel_order, {"symbol": symbol, **key})
                      for key in keys])

    def batch_new(
        self, params: Mapping[str, str],
        check: Callable[[Mapping[str, str]], None] = lambda p: None,
    ) -> tuple[list[dict[str, Any]], list[UserEvent]]:
        """``POST /fapi/v1/batchOrders``: up to 5 orders, one answer (row or error) each.

        ``check`` refuses one order's malformed parameters (the server's format checks), so a bad
        order in a batch is that order's error, as on Binance.
        """
        raw = params.get("batchOrders")
        if not raw:
            raise mandatory("batchOrders")
        orders = json.loads(raw)
        if not 1 <= len(orders) <= MAX_BATCH_ORDERS or not all(
                isinstance(o, dict) for o in orders):
            raise BinanceReject.of("batch_size")

        def place(order: Mapping[str, Any]) -> tuple[dict[str, Any], list[UserEvent]]:
            one = {str(k): wire.text(v) for k, v in order.items()}
            check(one)
            return self.new_order(one)

        return _each([functools.partial(place, order) for order in orders])

    def open_order(self, params: Mapping[str, str]) -> dict[str, Any]:
        """``GET /fapi/v1/openOrder``: -2013 unless the order is open."""
        order = self.find_order(params, self.book(params.get("symbol")).spec.symbol)
        if order is None or not order.is_open:
            raise BinanceReject.of("no_such_order")
        return wire.order_row(order)

    def order_amendments(self, params: Mapping[str, str]) -> list[dict[str, Any]]:
        """``GET /fapi/v1/orderAmendment``: one order's amendments, oldest first."""
        order = self.find_order(params, self.book(params.get("symbol")).spec.symbol)
        if order is None:
            raise BinanceReject.of("no_such_order")
        rows = [a for a in self.amendments if a["orderId"] == order.order_id]
        return rows[-int(params.get("limit") or 50):]

    def query_order(self, params: Mapping[str, str]) -> dict[str, Any]:
        order = self.find_order(params, self.book(params.get("symbol")).spec.symbol)
        if order is None:
            raise BinanceReject.of("no_such_order")
        return wire.order_row(order)

    # -- fills and positions ----------------------------------------------------------------

    def _finish(self, order: VenueOrder, status: str) -> list[UserEvent]:
        now = self.now()
        order.status, order.update_time = status, now
        self._track(order)
        events = [UserEvent(wire.order_update(order, status, now))]
        events += self._finish_parent(order)
        return events

    def _finish_parent(self, order: VenueOrder) -> list[UserEvent]:
        if order.parent_algo_id is None or order.is_open:
            return []
        algo = self.algos[order.parent_algo_id]
        algo.status = "FINISHED"
        algo.executed_qty, algo.avg_price = order.executed_qty, order.avg_price
        algo.update_time = self.now()
        return [UserEvent(wire.algo_update(algo, self.now()), self.config.algo_event_gap_ms)]

    def _apply_to_position(self, pos: Position, side: str, qty: Decimal, px: Decimal) -> Decimal:
        """Change ``pos`` by a fill; return the realised PnL of the part that closed."""
        signed = qty * SIGN[side]
        if pos.amt == 0 or (pos.amt > 0) == (signed > 0):
            new_amt = pos.amt + signed
            pos.entry_price = (pos.entry_price * abs(pos.amt) + px * qty) / abs(new_amt)
            pos.amt = new_amt
            return Decimal(0)
        closed = min(abs(pos.amt), qty)
        direction = 1 if pos.amt > 0 else -1
        realized = (px - pos.entry_price) * closed * direction
        pos.amt += signed
        if pos.amt == 0:
            pos.entry_price = Decimal(0)
        elif (pos.amt > 0) != (direction > 0):  # flipped: the rest opened at px
            pos.entry_price = px
        pos.realized += realized
        return realized

    def _fill(self, order: VenueOrder, qty: Decimal, px: Decimal, *, maker: bool,
              execution: str = "TRADE", gap_ms: int = 0) -> list[UserEvent]:
        now = self.now()
        fee = self.config.maker_fee if maker else self.config.taker_fee
        commission = (qty * px * fee).quantize(Decimal("0.00000001"))
        pos = self.position(order.symbol, order.position_side)
        before = pos.amt
        realized = self._apply_to_position(pos, order.side, qty, px)
        self.wallet += realized - commission
        if self.is_isolated(order.symbol):
            self._move_isolated_margin(pos, before, px)
        order.executed_qty += qty
        order.cum_quote += qty * px
        order.status = "FILLED" if order.leaves == 0 else "PARTIALLY_FILLED"
        order.update_time = now
        self._track(order)
        trade = Trade(self._trade_id(), order.order_id, order.symbol, order.side,
                      order.position_side, px, qty, commission, realized, maker, now)
        self.trades.append(trade)
        self._book_income(order.symbol, "REALIZED_PNL", realized, now, trade.trade_id)
        self._book_income(order.symbol, "COMMISSION", -commission, now, trade.trade_id)
        frame = wire.order_update(order, execution, now, last_qty=qty, last_px=px,
                                  trade_id=trade.trade_id, commission=commission, maker=maker,
                                  realized=realized)
        events = [
            UserEvent(frame, gap_ms),
            self._account_update("ORDER", [pos], now),
        ]
        events += self._finish_parent(order)
        return events

    def _move_isolated_margin(self, pos: Position, before: Decimal, px: Decimal) -> None:
        """An isolated leg's margin after a fill: what closed releases its share to the cross
        wallet, what opened brings its initial margin (``qty x price / leverage``) from it."""
        if before and (pos.amt == 0 or (pos.amt > 0) != (before > 0)):
            pos.isolated_wallet = Decimal(0)  # closed (or flipped: the rest opened at px)
        elif abs(pos.amt) < abs(before):
            pos.isolated_wallet = pos.isolated_wallet * abs(pos.amt) / abs(before)
        opened = abs(pos.amt) - abs(before) if (pos.amt > 0) == (before > 0) else abs(pos.amt)
        if opened > 0:
            pos.isolated_wallet += opened * px / self.leverage[pos.symbol]

    def _account_update(self, reason: str, positions: list[Position], now: int,
                        balance_change: Decimal = Decimal(0)) -> UserEvent:
        marks = {p.symbol: self.books[p.symbol].mark for p in positions}
        return UserEvent(wire.account_update(
            self.wallet, self.cross_wallet(), positions, reason, now,
            marks=marks, isolated={p.symbol for p in positions if self.is_isolated(p.symbol)},
            balance_change=balance_change))

    # -- algo orders ------------------------------------------------------------------------

    def new_algo_order(self, params: Mapping[str, str]) -> tuple[dict[str, Any], list[UserEvent]]:
        """``POST /fapi/v1/algoOrder``: validate and hold a conditional order until triggered."""
        book = self.book(params.get("symbol"))
        spec = book.spec
        if (params.get("algoType") or "").upper() != "CONDITIONAL":
            raise mandatory("algoType")
        otype = (params.get("type") or "").upper()
        if otype not in ALGO_TYPES:
            raise BinanceReject.of("order_type")
        side = (params.get("side") or "").upper()
        if side not in SIGN:
            raise mandatory("side")
        position_side = self._position_side(params)
        reduce_only = _flag(params.get("reduceOnly"))
        close_position = _flag(params.get("closePosition"))
        qty = _dec(params, "quantity")
        if close_position:
            if otype not in CLOSE_POSITION_TYPES:
                raise not_required("closePosition")
            if qty is not None:
                raise not_required("quantity")
            if reduce_only:
                raise not_required("reduceOnly")
        elif qty is None:
            raise mandatory("quantity")
        working = (params.get("workingType") or "CONTRACT_PRICE").upper()
        if working not in ("CONTRACT_PRICE", "MARK_PRICE"):
            raise mandatory("workingType")
        reference = book.mark if working == "MARK_PRICE" else book.last
        tif = (params.get("timeInForce") or "GTC").upper()
        if tif not in TIME_IN_FORCE:
            raise BinanceReject.of("tif")
        price = _dec(params, "price") or Decimal(0)
        price_match = (params.get("priceMatch") or "NONE").upper()
        callback: Decimal | None = None
        activate = _dec(params, "activatePrice")
        trigger = _dec(params, "triggerPrice")
        if otype == "TRAILING_STOP_MARKET":
            callback = _dec(params, "callbackRate")
            if callback is None:
                raise mandatory("callbackRate")
            if not Decimal("0.1") <= callback <= Decimal("10"):
                raise BinanceReject.of("callback_rate")
            trigger = Decimal(0)
        else:
            if trigger is None:
                raise mandatory("triggerPrice")
            direction = BUY_TRIGGER_DIRECTION[otype] * SIGN[side]
            if (trigger - reference) * direction <= 0:
                raise BinanceReject.of("would_trigger")
        if otype in ("STOP", "TAKE_PROFIT") and price == 0 and price_match == "NONE":
            raise mandatory("price")
        if qty is not None:
            self._check_filters(spec, qty, price or None, market=CHILD_TYPE[otype] == "MARKET")
            self._check_reduce(spec.symbol, side, position_side, qty, reduce_only)
        elif position_side == "BOTH" and self.position(spec.symbol, "BOTH").amt * SIGN[side] > 0:
            raise BinanceReject.of("reduce_only")
        gtd = self._check_gtd(tif, params)
        self._check_duplicate(params.get("clientAlgoId"))
        now = self.now()
        self._next_algo += 1
        algo = AlgoOrder(
            algo_id=self._next_algo,
            client_algo_id=params.get("clientAlgoId") or f"algo-{now}",
            symbol=spec.symbol,
            side=side,
            order_type=otype,
            position_side=position_side,
            tif=tif,
            qty=qty,
            trigger_price=trigger,
            price=price,
            working_type=working,
            reduce_only=reduce_only,
            close_position=close_position,
            create_time=now,
            update_time=now,
            price_match=price_match,
            gtd=gtd,
            callback_rate=callback,
            activate_price=activate,
        )
        if callback is not None and activate is None:
            algo.activated, algo.extreme = True, reference
        self._add_algo(algo)
        return wire.algo_row(algo), [UserEvent(wire.algo_update(algo, now))]

    def cancel_algo(self, params: Mapping[str, str]) -> tuple[dict[str, Any], list[UserEvent]]:
        """``DELETE /fapi/v1/algoOrder``; note the string ``code`` (landmine §9.1)."""
        algo = self.find_algo(params)
        if algo is None or algo.status != "NEW":
            raise BinanceReject.of("unknown_order")
        events = self._end_algo(algo, "CANCELED")
        body = {"algoId": algo.algo_id, "clientAlgoId": algo.client_algo_id,
                "code": "200", "msg": "success"}
        return body, events

    def _end_algo(self, algo: AlgoOrder, status: str) -> list[UserEvent]:
        algo.status, algo.update_time = status, self.now()
        self._track_algo(algo)
        return [UserEvent(wire.algo_update(algo, self.now()))]

    def cancel_all_algo(self, symbol: str | None) -> tuple[dict[str, Any], list[UserEvent]]:
        """``DELETE /fapi/v1/algoOpenOrders``."""
        book = self.book(symbol)
        events: list[UserEvent] = []
        for algo in self.working_algos(book.spec.symbol):
            events += self._end_algo(algo, "CANCELED")
        return {"code": 200, "msg": "The operation of cancel all open order is done."}, events

    def query_algo(self, params: Mapping[str, str]) -> dict[str, Any]:
        algo = self.find_algo(params)
        if algo is None:
            raise BinanceReject.of("no_such_order")
        return wire.algo_row(algo)

    def _triggered(self, algo: AlgoOrder, book: Book) -> bool:
        reference = book.mark if algo.working_type == "MARK_PRICE" else book.last
        if algo.order_type != "TRAILING_STOP_MARKET":
            direction = BUY_TRIGGER_DIRECTION[algo.order_type] * SIGN[algo.side]
            return (reference - algo.trigger_price) * direction >= 0
        assert algo.callback_rate is not None
        rate = algo.callback_rate / 100
        if not algo.activated:
            # A SELL trailing stop activates once the price rises to activatePrice; BUY mirrors.
            act = algo.activate_price or reference
            if (reference - act) * -SIGN[algo.side] < 0:
                return False
            algo.activated, algo.extreme = True, reference
        assert algo.extreme is not None
        if algo.side == "SELL":
            algo.extreme = max(algo.extreme, reference)
            return reference <= algo.extreme * (1 - rate)
        algo.extreme = min(algo.extreme, reference)
        return reference >= algo.extreme * (1 + rate)

    def _trigger(self, algo: AlgoOrder, book: Book) -> list[UserEvent]:
        """TRIGGERING -> TRIGGERED -> child NEW -> fill -> FINISHED, spaced (protocol §5.3)."""
        gap = self.config.algo_event_gap_ms
        now = self.now()
        algo.trigger_time = now
        events = self._end_algo(algo, "TRIGGERING")
        qty = algo.qty
        if algo.close_position:
            qty = abs(self.position(algo.symbol, algo.position_side).amt)
        child_type = CHILD_TYPE[algo.order_type]
        price = algo.price
        if child_type == "LIMIT" and algo.price_match != "NONE":
            price = self._match_price(book, algo.side, algo.price_match)
        closable = self._reduces(algo.symbol, algo.side, algo.position_side)
        must_reduce = algo.reduce_only or algo.close_position or self._is_closing_leg(
            algo.side, algo.position_side)
        if must_reduce and qty is not None:
            qty = min(qty, closable)
        child = VenueOrder(
            order_id=self._order_id(),
            client_order_id=algo.client_algo_id,
            symbol=algo.symbol,
            side=algo.side,
            type=child_type,
            orig_type=algo.order_type,
            tif=algo.tif if child_type == "LIMIT" else "GTC",
            qty=qty or Decimal(0),
            price=price if child_type == "LIMIT" else Decimal(0),
            position_side=algo.position_side,
            reduce_only=algo.reduce_only,
            time=now,
            update_time=now,
            stop_price=algo.trigger_price,
            close_position=algo.close_position,
            working_type=algo.working_type,
            gtd=algo.gtd,
            parent_algo_id=algo.algo_id,
        )
        self._add_order(child)
        algo.actual_order_id = child.order_id
        algo.status = "TRIGGERED"
        events.append(UserEvent(wire.algo_update(algo, now), gap))
        events.append(UserEvent(wire.order_update(child, "NEW", now), gap))
        if child.qty == 0:  # nothing left to reduce: the venue expires it
            return events + [UserEvent(e.frame, gap) for e in self._finish(child, "EXPIRED")]
        crosses = child_type == "MARKET" or (
            book.ask <= child.price if child.side == "BUY" else book.bid >= child.price
        )
        if crosses:
            touch = book.ask if child.side == "BUY" else book.bid
            events += self._fill(child, child.qty, touch, maker=False, gap_ms=gap)
        return events

    # -- market moves -----------------------------------------------------------------------

    def on_market(self, symbol: str) -> list[UserEvent]:
        """Match resting limits, fire algo triggers and expire GTDs after a price change."""
        book = self.books[symbol]
        now = self.now()
        events: list[UserEvent] = []
        for order in list(self.open_orders[symbol].values()):
            if not order.is_open:  # filled by an earlier order's events in this pass
                continue
            if order.gtd and now >= order.gtd:
                events += self._finish(order, "EXPIRED")
                continue
            if order.type != "LIMIT":
                continue
            crossed = book.ask <= order.price if order.side == "BUY" else book.bid >= order.price
            if not crossed:
                continue
            qty = order.leaves
            if order.reduce_only or self._is_closing_leg(order.side, order.position_side):
                qty = min(qty, self._reduces(symbol, order.side, order.position_side))
                if qty == 0:
                    events += self._finish(order, "EXPIRED")
                    continue
            events += self._fill(order, qty, order.price, maker=True)
            if order.is_open and order.reduce_only:
                events += self._finish(order, "EXPIRED")
        for algo in list(self.open_algos[symbol].values()):
            if algo.status != "NEW":
                continue
            if algo.gtd and now >= algo.gtd:
                events += self._end_algo(algo, "EXPIRED")
            elif self._triggered(algo, book):
                events += self._trigger(algo, book)
        return events

    # -- funding ----------------------------------------------------------------------------

    def settle_due_funding(self, now: int) -> list[UserEvent]:
        """Settle every symbol whose funding time has come (a no-op between funding times).

        The server calls this before each request and each market tick, so a position is
        charged at a funding time exactly when it was open at that time: a fill the venue
        handles at or after the funding time comes after the settlement."""
        if now < self._next_funding:
            return []
        events: list[UserEvent] = []
        for symbol, clock in self.funding.items():
            if clock.is_due(now):
                events += self._settle_funding(symbol, clock.next_time, now, scheduled=True)
        self._next_funding = min(c.next_time for c in self.funding.values())
        return events

    def settle_funding_now(self, symbol: str | None = None) -> list[UserEvent]:
        """Settle funding at once (admin ``settle_funding``): ``symbol``, or every symbol. The
        settlement takes the series' next rate; the schedule is unchanged."""
        now = self.now()
        symbols = [self.book(symbol).spec.symbol] if symbol else list(self.books)
        events: list[UserEvent] = []
        for name in symbols:
            events += self._settle_funding(name, now, now, scheduled=False)
        return events

    def _settle_funding(self, symbol: str, at: int, now: int, *,
                        scheduled: bool) -> list[UserEvent]:
        """Every open position of ``symbol`` pays or receives ``size x mark x rate`` (the core's
        funding payment), booked as FUNDING_FEE income and an ACCOUNT_UPDATE FUNDING_FEE."""
        book = self.books[symbol]
        event = self.funding[symbol].settle(at, book.mark, now, scheduled=scheduled)
        events: list[UserEvent] = []
        for pos in self.open_positions():
            if pos.symbol != symbol:
                continue
            paid = funding_payment(pos.amt, event.mark, event.rate).quantize(wire.MONEY)
            self.wallet += paid
            isolated = self.is_isolated(symbol)
            if isolated:
                pos.isolated_wallet += paid
            self._book_income(symbol, "FUNDING_FEE", paid, at)
            # Binance: cross positions report only the balance, isolated ones their position.
            events.append(self._account_update("FUNDING_FEE", [pos] if isolated else [], at,
                                               balance_change=paid))
        return events

    # -- liquidation ------------------------------------------------------------------------

    def _exposures(self) -> list[ContractExposure]:
        """The account's open contracts as the core's liquidation check reads them: one per
        cross symbol (all its legs), one per isolated leg."""
        out: list[ContractExposure] = []
        cross: dict[str, list[Position]] = {}
        for pos in self.open_positions():
            book = self.books[pos.symbol]
            if self.is_isolated(pos.symbol):
                out.append(ContractExposure((pos.symbol, pos.side), (pos.leg(),), book.mark,
                                            book.spec.brackets, pos.isolated_wallet))
            else:
                cross.setdefault(pos.symbol, []).append(pos)
        for symbol, legs in cross.items():
            book = self.books[symbol]
            out.append(ContractExposure(symbol, tuple(p.leg() for p in legs), book.mark,
                                        book.spec.brackets))
        return out

    def check_liquidations(self) -> list[UserEvent]:
        """Liquidate what the core's rule says is due at the current marks (see
        :mod:`nautilus_exec_kit.core.perpetuals`): cancel the open orders, close each contract
        with an ``autoclose-<ms>`` fill at the mark, charge the clearance fee."""
        if not any(p.amt for p in self.positions.values()):
            return []
        due = due_liquidations(self.cross_wallet(), self._exposures())
        if not due:
            return []
        events: list[UserEvent] = []
        isolated_due = [k for k in due if isinstance(k, tuple)]
        cancel = (sorted({symbol for symbol, _ in isolated_due}) if len(isolated_due) == len(due)
                  else list(self.books))
        for symbol in cancel:
            events += self.cancel_all(symbol)[1] + self.cancel_all_algo(symbol)[1]
        now = self.now()
        for key in due:
            if isinstance(key, str):
                legs = [self.position(key, side) for side in ("BOTH", "LONG", "SHORT")]
                events += self._liquidate(key, [p for p in legs if p.amt], now, isolated=False)
            elif isinstance(key, tuple):
                symbol, leg_side = key
                events += self._liquidate(symbol, [self.position(symbol, leg_side)], now,
                                          isolated=True)
        return events

    def _liquidate(self, symbol: str, legs: list[Position], now: int, *,
                   isolated: bool) -> list[UserEvent]:
        """Close ``legs`` at the mark (``autoclose-<ms>``), then take the clearance fee from the
        margin left; the insurance fund covers a loss beyond it, so the wallet never goes
        below zero."""
        book = self.books[symbol]
        events: list[UserEvent] = []
        for pos in legs:
            notional = abs(pos.amt) * book.mark
            held = pos.isolated_wallet
            wallet_before = self.wallet
            events += self.force_close(symbol, pos.side, self.autoclose_id(now))
            # What is left of the margin after the close: the leg's own (isolated) or the
            # account's cross wallet.
            margin_left = (held + self.wallet - wallet_before if isolated
                           else self.cross_wallet())
            if margin_left < 0:  # the insurance fund takes the loss beyond the margin
                self.wallet -= margin_left
                self._book_income(symbol, "INSURANCE_CLEAR", -margin_left, now)
                margin_left = Decimal(0)
            fee = clearance_fee(notional, book.spec.liquidation_fee, margin_left)
            if fee < margin_left:  # the fee in Binance's 8 decimals; all that is left, exactly
                fee = fee.quantize(wire.MONEY)
            self.wallet -= fee
            self._book_income(symbol, "INSURANCE_CLEAR", -fee, now)
            events.append(self._account_update("INSURANCE_CLEAR", [], now, balance_change=-fee))
        return events

    def liquidation_price(self, pos: Position) -> Decimal | None:
        """positionRisk's ``liquidationPrice`` of ``pos`` by the core's formula: isolated, the
        leg on its own margin; cross, the symbol's legs on the cross wallet with every other
        cross contract's maintenance margin and unrealised PnL."""
        book = self.books[pos.symbol]
        if not pos.amt:
            return None
        if self.is_isolated(pos.symbol):
            return liquidation_price([pos.leg()], book.spec.brackets, pos.isolated_wallet)
        others = [c for c in self._exposures()
                  if c.isolated_wallet is None and c.key != pos.symbol]
        legs = [p.leg() for p in self.open_positions() if p.symbol == pos.symbol]
        return liquidation_price(
            legs, book.spec.brackets, self.cross_wallet(),
            other_maintenance=sum((c.maintenance() for c in others), Decimal(0)),
            other_unrealized_pnl=sum((c.unrealized_pnl() for c in others), Decimal(0)))

    # -- account ----------------------------------------------------------------------------

    def set_leverage(self, params: Mapping[str, str]) -> dict[str, Any]:
        symbol = self.book(params.get("symbol")).spec.symbol
        leverage = int(params.get("leverage") or 0)
        if not 1 <= leverage <= self.books[symbol].spec.max_leverage:
            raise BinanceReject(-4028, f"Leverage {leverage} is not valid")
        self.leverage[symbol] = leverage
        cap = self.books[symbol].spec.max_notional(leverage)
        return {"leverage": leverage, "maxNotionalValue": wire.num(cap), "symbol": symbol}

    def set_margin_type(self, params: Mapping[str, str]) -> dict[str, Any]:
        symbol = self.book(params.get("symbol")).spec.symbol
        wanted = (params.get("marginType") or "").upper()
        wanted = {"CROSS": "CROSSED"}.get(wanted, wanted)
        if wanted not in ("CROSSED", "ISOLATED"):
            raise mandatory("marginType")
        if self.margin_type[symbol] == wanted:
            raise BinanceReject.of("no_need_margin_type")
        if any(p.amt for p in self.positions.values() if p.symbol == symbol):
            raise BinanceReject.of("margin_type_position")
        if self.open_orders[symbol] or self.open_algos[symbol]:
            raise BinanceReject.of("margin_type_orders")
        self.margin_type[symbol] = wanted
        return {"code": 200, "msg": "success"}

    def set_dual_side(self, params: Mapping[str, str]) -> dict[str, Any]:
        wanted = _flag(params.get("dualSidePosition"))
        if wanted == self.dual_side:
            raise BinanceReject.of("no_need_position_side")
        if any(p.amt for p in self.positions.values()) or any(self.open_orders.values()):
            raise BinanceReject.of("position_exists")
        self.dual_side = wanted
        return {"code": 200, "msg": "success"}

    def account(self) -> dict[str, Any]:
        """``GET /fapi/v2|v3/account``: the USDT asset with its margins, and the open positions."""
        now = self.now()
        positions = self.open_positions()
        upnl = sum((p.unrealized(self.books[p.symbol].mark) for p in positions), Decimal(0))
        cross_upnl = sum((p.unrealized(self.books[p.symbol].mark) for p in positions
                          if not self.is_isolated(p.symbol)), Decimal(0))
        initial = sum((abs(p.amt) * self.books[p.symbol].mark / self.leverage[p.symbol]
                       for p in positions), Decimal(0))
        maint = sum((maintenance_margin(self.books[p.symbol].spec.brackets,
                                        p.amt * self.books[p.symbol].mark) for p in positions),
                    Decimal(0))
        wallet, cross = wire.num(self.wallet), wire.num(self.cross_wallet())
        margin = wire.num(self.wallet + upnl)
        available = wire.num(max(Decimal(0), self.available_balance()))
        asset = {
            "asset": "USDT", "walletBalance": wallet, "unrealizedProfit": wire.num(upnl),
            "marginBalance": margin, "maintMargin": wire.num(maint),
            "initialMargin": wire.num(initial), "positionInitialMargin": wire.num(initial),
            "openOrderInitialMargin": "0", "crossWalletBalance": cross,
            "crossUnPnl": wire.num(cross_upnl), "availableBalance": available,
            "maxWithdrawAmount": available, "marginAvailable": True, "updateTime": now,
        }
        rows = [{"symbol": p.symbol, "positionSide": p.side, "positionAmt": wire.num(p.amt),
                 "unrealizedProfit": wire.num(p.unrealized(self.books[p.symbol].mark)),
                 "isolatedMargin": wire.num(p.isolated_wallet), "notional": wire.num(
                     p.amt * self.books[p.symbol].mark),
                 "isolatedWallet": wire.num(p.isolated_wallet),
                 "initialMargin": wire.num(abs(p.amt) * self.books[p.symbol].mark
                                           / self.leverage[p.symbol]),
                 "maintMargin": wire.num(maintenance_margin(
                     self.books[p.symbol].spec.brackets, p.amt * self.books[p.symbol].mark)),
                 "updateTime": now} for p in positions]
        return {
            "feeTier": 0, "canTrade": True, "canDeposit": True, "canWithdraw": True,
            "updateTime": now, "totalWalletBalance": wallet, "availableBalance": available,
            "totalMarginBalance": margin, "totalInitialMargin": wire.num(initial),
            "totalMaintMargin": wire.num(maint), "totalUnrealizedProfit": wire.num(upnl),
            "totalCrossWalletBalance": cross, "totalCrossUnPnl": wire.num(cross_upnl),
            "totalPositionInitialMargin": wire.num(initial),
            "totalOpenOrderInitialMargin": "0", "maxWithdrawAmount": available,
            "assets": [asset], "positions": rows,
        }

    def balances(self) -> list[dict[str, Any]]:
        """``GET /fapi/v2|v3/balance``: one row per asset (the sandbox's wallet is USDT)."""
        account = self.account()
        asset = account["assets"][0]
        return [{"accountAlias": "SgsR", "asset": "USDT", "balance": asset["walletBalance"],
                 "crossWalletBalance": asset["crossWalletBalance"],
                 "crossUnPnl": asset["crossUnPnl"], "availableBalance": asset["availableBalance"],
                 "maxWithdrawAmount": asset["maxWithdrawAmount"], "marginAvailable": True,
                 "updateTime": account["updateTime"]}]

    def position_risk(self, symbol: str | None) -> list[dict[str, Any]]:
        """``GET /fapi/v2|v3/positionRisk``: every leg of every symbol (flat ones with 0).

        Rows carry the fields of both versions (v2's ``leverage``, ``marginType``,
        ``maxNotionalValue`` as well as v3's margins): a client reading either finds its fields.
        """
        if symbol:
            self.book(symbol)
        sides = ("LONG", "SHORT") if self.dual_side else ("BOTH",)
        rows = []
        for name, book in self.books.items():
            if symbol and name != symbol.upper():
                continue
            for side in sides:
                pos = self.position(name, side)
                rows.append(wire.position_row(
                    pos, book.mark, self.now(), leverage=self.leverage[name],
                    margin_type=self.margin_type[name], brackets=book.spec.brackets,
                    max_notional=book.spec.max_notional(self.leverage[name]),
                    liquidation_price=self.liquidation_price(pos)))
        return rows

    def symbol_config(self) -> list[dict[str, Any]]:
        return [
            {"symbol": s, "marginType": self.margin_type[s], "isAutoAddMargin": False,
             "leverage": self.leverage[s],
             "maxNotionalValue": wire.num(b.spec.max_notional(self.leverage[s]))}
            for s, b in self.books.items()
        ]

    # -- venue-side events ------------------------------------------------------------------

    def force_close(self, symbol: str, position_side: str, client_id: str) -> list[UserEvent]:
        """Close a position the venue's way (liquidation, ADL, settlement): one CALCULATED fill."""
        book = self.book(symbol)
        pos = self.position(book.spec.symbol, position_side)
        if pos.amt == 0:
            raise BinanceReject(-2022, f"No {position_side} position on {symbol} to close.")
        side = "SELL" if pos.amt > 0 else "BUY"
        now = self.now()
        order = VenueOrder(
            order_id=self._order_id(), client_order_id=client_id, symbol=book.spec.symbol,
            side=side, type="LIMIT", orig_type="LIMIT", tif="IOC", qty=abs(pos.amt),
            price=book.mark, position_side=position_side, reduce_only=True, time=now,
            update_time=now,
        )
        self._add_order(order)
        return self._fill(order, order.qty, book.mark, maker=False, execution="CALCULATED")

    def snapshot(self) -> dict[str, Any]:
        """The venue's truth, JSON-ready."""
        return {
            "dual_side_position": self.dual_side,
            "orders": [wire.order_row(o) for o in self.orders.values()],
            "algo_orders": [wire.algo_row(a) for a in self.algos.values()],
            "positions": [
                {"symbol": p.symbol, "positionSide": p.side, "positionAmt": wire.num(p.amt),
                 "entryPrice": wire.num(p.entry_price), "realized": wire.num(p.realized),
                 "isolatedWallet": wire.num(p.isolated_wallet)}
                for p in self.positions.values()
                if p.amt or p.realized
            ],
            "balances": {"USDT": wire.num(self.wallet)},
            "trades": [t.row() for t in self.trades],
            "income": [i.row() for i in self.income],
            "leverage": dict(self.leverage),
            "margin_type": dict(self.margin_type),
            "funding": {
                s: {"next_time": c.next_time, "next_rate": wire.num(c.next_rate),
                    "settled": [{"time": e.time, "rate": wire.num(e.rate),
                                 "mark": wire.num(e.mark)} for e in c.history]}
                for s, c in self.funding.items()
            },
            "books": {
                s: {"last": wire.num(b.last), "mark": wire.num(b.mark), "bid": wire.num(b.bid),
                    "ask": wire.num(b.ask)}
                for s, b in self.books.items()
            },
        }
