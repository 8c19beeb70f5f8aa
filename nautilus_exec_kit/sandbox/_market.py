"""The market side: a seeded price walk and the market-stream frames it produces.

The same seed gives the same path, so a run against the sandbox can be replayed. Frames use the
combined-stream format ``{"stream": name, "data": {...}}`` the data client requires.
"""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import attrs

from nautilus_exec_kit.sandbox._config import PriceProcess
from nautilus_exec_kit.sandbox._engine import Book
from nautilus_exec_kit.sandbox._wire import num


@attrs.define
class PriceWalk:
    """A geometric random walk of the last price; mark = last x (1 + basis)."""

    process: PriceProcess
    rng: random.Random

    def step(self, book: Book) -> None:
        """Move ``book`` one step (no-op when volatility and drift are both 0)."""
        p = self.process
        if p.volatility_bps == 0 and p.drift_bps == 0:
            return
        shock = self.rng.gauss(p.drift_bps, p.volatility_bps) / 10_000
        raw = Decimal(str(float(book.last) * math.exp(shock)))
        set_price(book, raw, None, p.mark_basis_bps)


def set_price(book: Book, last: Decimal, mark: Decimal | None, basis_bps: float = 0.0) -> None:
    """Put ``book`` at ``last`` (rounded to tick) and ``mark`` (default: last plus basis)."""
    tick = book.spec.tick_size
    book.last = (Decimal(last) / tick).quantize(Decimal(1), ROUND_HALF_EVEN) * tick
    if mark is None:
        mark = book.last * (1 + Decimal(str(basis_bps)) / 10_000)
    book.mark = Decimal(mark).quantize(Decimal("0.00000001"))
    book.update_id += 1


@attrs.define
class KlineBuilder:
    """Accumulates one kline from the last prices; closes it on demand."""

    open_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal = Decimal(0)
    trades: int = 0

    @classmethod
    def start(cls, now: int, price: Decimal) -> KlineBuilder:
        return cls(now, price, price, price, price)

    def add(self, price: Decimal, qty: Decimal) -> None:
        self.high, self.low, self.close = max(self.high, price), min(self.low, price), price
        self.volume += qty
        self.trades += 1


def px(book: Book, price: Decimal) -> str:
    """A price with the symbol's fixed decimals: the data client takes precision from the text."""
    return str(Decimal(price).quantize(book.spec.tick_size))


def qty(book: Book, amount: Decimal) -> str:
    """A quantity with the symbol's fixed decimals."""
    return str(Decimal(amount).quantize(book.spec.step_size))


def book_ticker(book: Book, now: int) -> dict[str, Any]:
    q = qty(book, book.spec.level_qty)
    return {"e": "bookTicker", "u": book.update_id, "E": now, "T": now, "s": book.spec.symbol,
            "b": px(book, book.bid), "B": q, "a": px(book, book.ask), "A": q}


def agg_trade(book: Book, trade_id: int, amount: Decimal, buyer_maker: bool,
              now: int) -> dict[str, Any]:
    return {"e": "aggTrade", "E": now, "s": book.spec.symbol, "a": trade_id,
            "p": px(book, book.last), "q": qty(book, amount), "f": trade_id, "l": trade_id,
            "T": now, "m": buyer_maker}


def mark_price(book: Book, funding_rate: Decimal, now: int) -> dict[str, Any]:
    next_funding = now - now % 28_800_000 + 28_800_000
    mark = px(book, book.mark)
    return {"e": "markPriceUpdate", "E": now, "s": book.spec.symbol, "p": mark, "i": mark,
            "P": mark, "r": num(funding_rate), "T": next_funding}


def kline(book: Book, k: KlineBuilder, interval: str, close_time: int, closed: bool,
          now: int) -> dict[str, Any]:
    quote = k.volume * k.close
    return {"e": "kline", "E": now, "s": book.spec.symbol, "k": {
        "t": k.open_time, "T": close_time, "s": book.spec.symbol, "i": interval, "f": 1,
        "L": max(1, k.trades), "o": px(book, k.open), "c": px(book, k.close),
        "h": px(book, k.high), "l": px(book, k.low), "v": qty(book, k.volume), "n": k.trades,
        "x": closed, "q": num(quote), "V": qty(book, k.volume / 2), "Q": num(quote / 2),
        "B": "0"}}


def depth_update(book: Book, levels: int, now: int) -> dict[str, Any]:
    bids, asks = book.depth(levels)
    return {"e": "depthUpdate", "E": now, "T": now, "s": book.spec.symbol, "U": book.update_id,
            "u": book.update_id, "pu": book.update_id - 1, "b": bids, "a": asks}


def depth_snapshot(book: Book, levels: int, now: int) -> dict[str, Any]:
    bids, asks = book.depth(levels)
    return {"lastUpdateId": book.update_id, "E": now, "T": now, "bids": bids, "asks": asks}


def stream_symbol(stream: str) -> str:
    """``btcusdt@bookTicker`` -> ``BTCUSDT``."""
    return stream.split("@", 1)[0].upper()
