"""The market side: a seeded price walk and the market-stream frames it produces.

The same seed gives the same path, so a run against the sandbox can be replayed. Frames use the
combined-stream format ``{"stream": name, "data": {...}}`` the data client requires.
"""

from __future__ import annotations

import math
import random
import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import attrs

from nautilus_exec_kit.sandbox._config import PriceProcess, SandboxConfig
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


def walks(config: SandboxConfig) -> dict[str, PriceWalk]:
    """One walk per symbol, each with its symbol's price process and its own random stream drawn
    from the venue's seed and the symbol's name: the same seed gives the same paths, and a
    symbol's path does not change when other symbols are listed or removed."""
    return {s.symbol: PriceWalk(config.prices_of(s), random.Random(f"{config.seed}:{s.symbol}"))
            for s in config.symbols}


def set_price(book: Book, last: Decimal, mark: Decimal | None, basis_bps: float = 0.0) -> None:
    """Put ``book`` at ``last`` (rounded to tick) and ``mark`` (default: last plus basis)."""
    tick = book.spec.tick_size
    book.last = (Decimal(last) / tick).quantize(Decimal(1), ROUND_HALF_EVEN) * tick
    if mark is None:
        mark = book.last * (1 + Decimal(str(basis_bps)) / 10_000)
    book.mark = Decimal(mark).quantize(Decimal("0.00000001"))
    book.update_id += 1


@attrs.define
class StreamStats:
    """What the market loop costs: ticks, the time spent moving prices (walks, matching,
    liquidation checks) and sending frames, and the frames sent. ``truth()["market_stats"]``."""

    ticks: int = 0
    move_seconds: float = 0.0
    send_seconds: float = 0.0
    frames_sent: int = 0
    max_tick_seconds: float = 0.0

    def tick(self, move_seconds: float, send_seconds: float, frames: int) -> None:
        self.ticks += 1
        self.move_seconds += move_seconds
        self.send_seconds += send_seconds
        self.frames_sent += frames
        self.max_tick_seconds = max(self.max_tick_seconds, move_seconds + send_seconds)

    def as_dict(self) -> dict[str, float]:
        ticks = max(1, self.ticks)
        return {"ticks": self.ticks, "frames_sent": self.frames_sent,
                "move_ms_per_tick": 1000 * self.move_seconds / ticks,
                "send_ms_per_tick": 1000 * self.send_seconds / ticks,
                "max_tick_ms": 1000 * self.max_tick_seconds}


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
    return format(Decimal(price).quantize(book.spec.tick_size), "f")


def qty(book: Book, amount: Decimal) -> str:
    """A quantity with the symbol's fixed decimals."""
    return format(Decimal(amount).quantize(book.spec.step_size), "f")


def book_ticker(book: Book, now: int) -> dict[str, Any]:
    q = qty(book, book.spec.level_qty)
    return {"e": "bookTicker", "u": book.update_id, "E": now, "T": now, "s": book.spec.symbol,
            "b": px(book, book.bid), "B": q, "a": px(book, book.ask), "A": q}


def agg_trade(book: Book, trade_id: int, amount: Decimal, buyer_maker: bool,
              now: int) -> dict[str, Any]:
    return {"e": "aggTrade", "E": now, "s": book.spec.symbol, "a": trade_id,
            "p": px(book, book.last), "q": qty(book, amount), "f": trade_id, "l": trade_id,
            "T": now, "m": buyer_maker}


def mark_price(book: Book, funding_rate: Decimal, next_funding: int,
               now: int) -> dict[str, Any]:
    """A ``<symbol>@markPrice`` frame: the rate and time of the symbol's next funding."""
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


def trade(book: Book, trade_id: int, amount: Decimal, buyer_maker: bool,
          now: int) -> dict[str, Any]:
    """A ``<symbol>@trade`` frame."""
    return {"e": "trade", "E": now, "T": now, "s": book.spec.symbol, "t": trade_id,
            "p": px(book, book.last), "q": qty(book, amount), "X": "MARKET", "m": buyer_maker}


def ticker_24h(book: Book, k: KlineBuilder, now: int) -> dict[str, Any]:
    """A ``<symbol>@ticker`` frame (the sandbox's day is its kline history so far)."""
    change = book.last - k.open
    pct = change / k.open * 100 if k.open else Decimal(0)
    return {"e": "24hrTicker", "E": now, "s": book.spec.symbol, "p": px(book, change),
            "P": str(pct.quantize(Decimal("0.001"))), "w": px(book, (k.high + k.low) / 2),
            "c": px(book, book.last), "Q": qty(book, book.spec.min_qty),
            "o": px(book, k.open), "h": px(book, k.high), "l": px(book, k.low),
            "v": qty(book, k.volume), "q": num(k.volume * book.last), "O": k.open_time,
            "C": now, "F": 1, "L": max(1, k.trades), "n": k.trades}


def mini_ticker(book: Book, k: KlineBuilder, now: int) -> dict[str, Any]:
    """A ``<symbol>@miniTicker`` frame."""
    return {"e": "24hrMiniTicker", "E": now, "s": book.spec.symbol, "c": px(book, book.last),
            "o": px(book, k.open), "h": px(book, k.high), "l": px(book, k.low),
            "v": qty(book, k.volume), "q": num(k.volume * book.last)}


#: Binance kline intervals and their length in ms ("1M" is taken as 30 days).
INTERVAL_MS: dict[str, int] = {
    "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
    "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000, "8h": 28_800_000,
    "12h": 43_200_000, "1d": 86_400_000, "3d": 259_200_000, "1w": 604_800_000,
    "1M": 2_592_000_000,
}


def _bucket(buckets: list[KlineBuilder], open_time: int, price: Decimal, amount: Decimal,
            keep: int) -> None:
    """Add a print to the bucket opening at ``open_time`` (a new one if needed; at most
    ``keep`` buckets are kept)."""
    if not buckets or buckets[-1].open_time != open_time:
        buckets.append(KlineBuilder.start(open_time, price))
        if len(buckets) > keep:
            del buckets[: len(buckets) - keep]
    buckets[-1].add(price, amount)


@attrs.define
class KlineHistory:
    """The walk's prints in one-second and one-minute OHLCV buckets.

    ``GET /fapi/v1/trades`` / ``aggTrades`` read the seconds (at most 1000, their largest
    ``limit``); ``GET /fapi/v1/klines`` (every Binance interval is whole minutes) and the 24 h
    tickers read the minutes, so a ticker costs at most a day of minutes (1440) however long the
    venue has run, and adding a print costs the same at any age.
    """

    seconds: list[KlineBuilder] = attrs.field(factory=list)
    minutes: list[KlineBuilder] = attrs.field(factory=list)
    max_seconds: int = 1000
    #: klines' largest ``limit`` of 1m candles, and more than a day.
    max_minutes: int = 1500

    def add(self, now: int, price: Decimal, amount: Decimal) -> None:
        _bucket(self.seconds, now - now % 1000, price, amount, self.max_seconds)
        _bucket(self.minutes, now - now % 60_000, price, amount, self.max_minutes)

    def klines(self, interval_ms: int, start: int | None, end: int | None,
               limit: int) -> list[KlineBuilder]:
        """The klines of ``interval_ms`` overlapping [start, end], the last ``limit`` of them."""
        buckets: dict[int, KlineBuilder] = {}
        for minute in self.minutes:
            if (start is not None and minute.open_time < start - start % interval_ms) or (
                    end is not None and minute.open_time > end):
                continue
            open_time = minute.open_time - minute.open_time % interval_ms
            k = buckets.get(open_time)
            if k is None:
                buckets[open_time] = KlineBuilder(open_time, minute.open, minute.high,
                                                  minute.low, minute.close, minute.volume,
                                                  minute.trades)
            else:
                k.high, k.low = max(k.high, minute.high), min(k.low, minute.low)
                k.close = minute.close
                k.volume += minute.volume
                k.trades += minute.trades
        rows = [buckets[t] for t in sorted(buckets)]
        return rows[-limit:] if limit else rows

    def day(self, now: int, price: Decimal) -> KlineBuilder:
        """The last 24 h (by minute) as one kline, for tickers; a flat one at ``price`` before
        any print."""
        since = now - 86_400_000
        rows = [m for m in self.minutes if m.open_time >= since - since % 60_000]
        if not rows:
            return KlineBuilder.start(since, price)
        first = rows[0]
        day = KlineBuilder(first.open_time, first.open, first.high, first.low, first.close,
                           first.volume, first.trades)
        for k in rows[1:]:
            day.high, day.low, day.close = max(day.high, k.high), min(day.low, k.low), k.close
            day.volume += k.volume
            day.trades += k.trades
        return day


def kline_row(book: Book, k: KlineBuilder, interval_ms: int) -> list[Any]:
    """One ``GET /fapi/v1/klines`` row, Binance's 12-column array."""
    quote = k.volume * k.close
    return [k.open_time, px(book, k.open), px(book, k.high), px(book, k.low), px(book, k.close),
            qty(book, k.volume), k.open_time + interval_ms - 1, num(quote), k.trades,
            qty(book, k.volume / 2), num(quote / 2), "0"]


#: A listenKey's shape (Binance's are 64 URL-safe characters; the sandbox's too).
_LISTEN_KEY = re.compile(r"[A-Za-z0-9_-]{60,}")


def is_user_stream_name(name: str) -> bool:
    """Whether a stream name is a listenKey. Anything else without ``@`` (ccxt.pro opens
    ``/ws/0``, ``/ws/1``: connection ids) is ignored, as Binance ignores names it does not know."""
    return bool(_LISTEN_KEY.fullmatch(name))
