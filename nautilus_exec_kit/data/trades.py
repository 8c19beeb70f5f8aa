"""Binance Vision aggTrades files as Nautilus ``TradeTick`` objects (``TradeTickDataWrangler``).

One aggregate trade (all fills of one taker order at one price) is one ``TradeTick``: its
``trade_id`` is the aggregate trade ID, the aggressor is the side that was not the maker
(``is_buyer_maker`` true: a seller hit the bid), and it is stamped at ``transact_time``.

Checks: price and quantity > 0, times never go back, aggregate trade IDs count up by one (a jump
means trades are missing from the file: refused unless ``allow_gaps``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from nautilus_trader.model.data import TradeTick
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.persistence.wranglers import TradeTickDataWrangler

from nautilus_exec_kit.data.layout import VisionFile, vision_file
from nautilus_exec_kit.data.reader import read_table
from nautilus_exec_kit.data.timestamps import utc_index


def trades_from_file(
    file: VisionFile, instrument: Instrument, *, allow_gaps: bool = False
) -> list[TradeTick]:
    """The checked aggregate trades of an aggTrades file for ``instrument``."""
    table = read_table(file)
    times = table.times_ns()
    table.require_ordered(times, strictly=False)
    table.require_positive("price", "quantity")
    ids = table.column("agg_trade_id").astype(np.int64)
    steps = np.r_[1, np.diff(ids)]
    table.refuse(steps <= 0, lambda r: f"agg_trade_id {ids[r]} is not after the previous line's")
    if not allow_gaps:
        table.refuse(
            steps > 1,
            lambda r: f"gap: agg_trade_id {ids[r - 1] + 1}..{ids[r] - 1} missing "
            "(--allow-gaps imports it anyway)",
        )
    frame = pd.DataFrame(
        {
            "price": table.column("price").astype(np.float64),
            "quantity": table.column("quantity").astype(np.float64),
            "trade_id": ids.astype(str),
            "buyer_maker": table.column("is_buyer_maker").astype(bool),
        },
        index=utc_index(times),
    )
    ticks: list[TradeTick] = TradeTickDataWrangler(instrument).process(frame)
    return ticks


def load_agg_trades(
    path: str | Path, instrument: Instrument, *, allow_gaps: bool = False
) -> list[TradeTick]:
    """An aggTrades file (``BTCUSDT-aggTrades-2024-01-15.zip``) as ``TradeTick``s."""
    file = vision_file(path, "aggTrades", symbol=instrument.raw_symbol.value)
    return trades_from_file(file, instrument, allow_gaps=allow_gaps)


__all__ = ["load_agg_trades", "trades_from_file"]
