"""Binance Vision bookTicker files as Nautilus ``QuoteTick`` objects (``QuoteTickDataWrangler``).

Each row is one change of the best bid/ask: ``update_id, best_bid_price, best_bid_qty,
best_ask_price, best_ask_qty, transaction_time, event_time``. The quote is stamped at
``transaction_time`` (the matching engine's time, as the live adapter stamps ``ts_event``).

Checks: prices > 0, sizes >= 0, bid below ask (a crossed top of book is no real quote), times
never go back. There is no gap check: quotes change irregularly, and ``update_id`` counts every
book update, not only the top.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.persistence.wranglers import QuoteTickDataWrangler

from nautilus_exec_kit.data.layout import VisionFile, vision_file
from nautilus_exec_kit.data.reader import read_table
from nautilus_exec_kit.data.timestamps import utc_index


def quotes_from_file(
    file: VisionFile, instrument: Instrument, *, allow_gaps: bool = True
) -> list[QuoteTick]:
    """The checked top-of-book updates of a bookTicker file for ``instrument``.

    ``allow_gaps`` is accepted for a uniform loader signature; quotes have no gap check.
    """
    table = read_table(file)
    times = table.times_ns()
    table.require_ordered(times, strictly=False)
    table.require_positive("best_bid_price", "best_ask_price")
    table.require_positive("best_bid_qty", "best_ask_qty", allow_zero=True)
    bid = table.column("best_bid_price").astype(np.float64)
    ask = table.column("best_ask_price").astype(np.float64)
    table.refuse(bid >= ask, lambda r: f"crossed book: bid {bid[r]} >= ask {ask[r]}")
    frame = pd.DataFrame(
        {
            "bid_price": bid,
            "ask_price": ask,
            "bid_size": table.column("best_bid_qty").astype(np.float64),
            "ask_size": table.column("best_ask_qty").astype(np.float64),
        },
        index=utc_index(times),
    )
    with warnings.catch_warnings():
        # the pinned wrangler renames columns with ``inplace=True``, deprecated by pandas 3
        deprecation = getattr(pd.errors, "Pandas4Warning", FutureWarning)
        warnings.simplefilter("ignore", category=deprecation)
        ticks: list[QuoteTick] = QuoteTickDataWrangler(instrument).process(frame)
    return ticks


def load_book_ticker(path: str | Path, instrument: Instrument) -> list[QuoteTick]:
    """A bookTicker file (``BTCUSDT-bookTicker-2024-01-15.zip``) as ``QuoteTick``s."""
    file = vision_file(path, "bookTicker", symbol=instrument.raw_symbol.value)
    return quotes_from_file(file, instrument)


__all__ = ["load_book_ticker", "quotes_from_file"]
