"""Binance Vision klines as Nautilus ``Bar`` objects, and markPriceKlines as ``MarkPriceUpdate``.

A kline row is stamped with its *open* time; Nautilus stamps a bar at its *close* (open +
interval), which is when a live feed delivers it, so the bar's ``ts_event``/``ts_init`` is the
close. Bars are built by Nautilus' ``BarDataWrangler`` (prices and volumes at the instrument's
precision, as the matching engine requires).

Checks on top of the reader's: prices > 0, high/low contain open/close, volume >= 0, open times
on the interval's grid, each one interval after the previous (a larger step is a gap: refused,
unless ``allow_gaps``, because indicators and fills across a hole in the data are not what
happened).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from nautilus_trader.model.data import Bar, BarType, MarkPriceUpdate
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Price
from nautilus_trader.persistence.wranglers import BarDataWrangler

from nautilus_exec_kit.data.errors import DataFileError
from nautilus_exec_kit.data.layout import INTERVALS, VisionFile, vision_file
from nautilus_exec_kit.data.reader import VisionTable, read_table
from nautilus_exec_kit.data.timestamps import iso, utc_index

_OHLC = ("open", "high", "low", "close")


def kline_bar_type(instrument: Instrument, interval: str, price_type: str = "LAST") -> BarType:
    """``BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL`` for ``interval="1m"``."""
    step, aggregation, _ = INTERVALS[interval]
    return BarType.from_str(f"{instrument.id}-{step}-{aggregation}-{price_type}-EXTERNAL")


def read_klines(
    file: VisionFile, *, allow_gaps: bool = False
) -> tuple[VisionTable, np.ndarray, np.ndarray]:
    """The checked table of a kline file, its open times and its close stamps (ns)."""
    table = read_table(file)
    assert file.interval is not None  # layout.vision_file resolves it for kline kinds
    opens = table.times_ns()
    table.require_positive(*_OHLC)
    table.require_positive("volume", allow_zero=True)
    o, h, lo, c = (table.column(n).astype(np.float64) for n in _OHLC)
    table.refuse(
        (h < np.maximum(np.maximum(o, c), lo)) | (lo > np.minimum(o, c)),
        lambda r: f"high/low do not contain open/close (o={o[r]} h={h[r]} l={lo[r]} c={c[r]})",
    )
    _, _, length = INTERVALS[file.interval]
    if length is None:  # monthly klines: calendar months, stamped at the next month's start
        table.require_ordered(opens, strictly=True)
        closes = (utc_index(opens) + pd.DateOffset(months=1)).as_unit("ns").asi8
        return table, opens, np.asarray(closes, dtype=np.int64)
    name = file.kind.time_column
    if length <= 86_400_000_000_000:  # minutes, hours, days sit on the UTC grid
        table.refuse(
            opens % length != 0,
            lambda r: f"{name} {iso(opens[r])} is not on the {file.interval} grid",
        )
    _refuse_steps(table, opens, length, file.interval, allow_gaps)
    return table, opens, opens + length


def _refuse_steps(
    table: VisionTable, opens: np.ndarray, length: int, interval: str, allow_gaps: bool
) -> None:
    steps = np.r_[length, np.diff(opens)]
    name = table.file.kind.time_column
    table.refuse(steps <= 0, lambda r: f"{name} is not after the previous line's")
    table.refuse(
        steps % length != 0,
        lambda r: f"{name} {iso(opens[r])} is not one {interval} after the previous line's",
    )
    if not allow_gaps:
        table.refuse(
            steps > length,
            lambda r: f"gap: {steps[r] // length - 1} {interval} bar(s) missing between "
            f"{iso(opens[r - 1])} and {iso(opens[r])} (--allow-gaps imports it anyway)",
        )


def bars_from_table(
    table: VisionTable, closes: np.ndarray, instrument: Instrument, bar_type: BarType
) -> list[Bar]:
    """Bars stamped at ``closes`` from a checked kline table."""
    columns = {name: table.column(name) for name in (*_OHLC, "volume")}
    return wrangle_bars(columns, closes, instrument, bar_type)


def wrangle_bars(
    columns: Mapping[str, np.ndarray], closes: np.ndarray, instrument: Instrument, bar_type: BarType
) -> list[Bar]:
    """Bars from open/high/low/close/volume columns stamped at ``closes`` (epoch ns), built
    by Nautilus' ``BarDataWrangler`` at the instrument's precisions."""
    frame = pd.DataFrame(
        {name: np.asarray(columns[name], dtype=np.float64) for name in (*_OHLC, "volume")},
        index=utc_index(closes),
    )
    # pandas 3 hands out read-only arrays for a single-dtype frame's ``.values`` and the
    # wrangler's Cython memoryview needs a writable one: a column of another dtype makes pandas
    # build a fresh array (the wrangler reads only the first five columns).
    frame["_writable"] = np.zeros(len(frame), dtype=np.int8)
    bars: list[Bar] = BarDataWrangler(bar_type, instrument).process(frame)
    return bars


def klines_from_file(
    file: VisionFile,
    instrument: Instrument,
    *,
    allow_gaps: bool = False,
    bar_type: BarType | None = None,
) -> list[Bar]:
    """The checked bars of a klines file for ``instrument``."""
    if file.kind.name != "klines":
        raise table_kind_error(file, "klines")
    table, _, closes = read_klines(file, allow_gaps=allow_gaps)
    assert file.interval is not None
    return bars_from_table(
        table, closes, instrument, bar_type or kline_bar_type(instrument, file.interval)
    )


def mark_prices_from_file(
    file: VisionFile, instrument: Instrument, *, allow_gaps: bool = False
) -> list[MarkPriceUpdate]:
    """One ``MarkPriceUpdate`` per kline of a markPriceKlines file: its close, at its close.

    One update per kline is what the file can tell: the mark price at each interval's end (the
    intrabar high/low of the mark price are in the file but their times are not).
    """
    if file.kind.name != "markPriceKlines":
        raise table_kind_error(file, "markPriceKlines")
    table, _, closes = read_klines(file, allow_gaps=allow_gaps)
    iid, precision = instrument.id, instrument.price_precision
    return [
        MarkPriceUpdate(iid, Price(value, precision), ts, ts)
        for value, ts in zip(
            table.column("close").astype(np.float64).tolist(), closes.tolist(), strict=True
        )
    ]


def load_klines(
    path: str | Path,
    instrument: Instrument,
    *,
    kind: str | None = None,
    interval: str | None = None,
    allow_gaps: bool = False,
    bar_type: BarType | None = None,
) -> list[Bar]:
    """A klines file (``BTCUSDT-1m-2024-01.zip``) as bars of ``instrument``.

    ``bar_type`` defaults to ``<instrument>-<interval>-LAST-EXTERNAL``; ``kind`` / ``interval``
    fill in what a renamed file's name no longer tells.
    """
    file = vision_file(path, kind, symbol=instrument.raw_symbol.value, interval=interval)
    return klines_from_file(file, instrument, allow_gaps=allow_gaps, bar_type=bar_type)


def load_mark_price_klines(
    path: str | Path,
    instrument: Instrument,
    *,
    interval: str | None = None,
    allow_gaps: bool = False,
) -> list[MarkPriceUpdate]:
    """A markPriceKlines file as ``MarkPriceUpdate``s (see :func:`mark_prices_from_file`)."""
    file = vision_file(
        path, "markPriceKlines", symbol=instrument.raw_symbol.value, interval=interval
    )
    return mark_prices_from_file(file, instrument, allow_gaps=allow_gaps)


def table_kind_error(file: VisionFile, wanted: str) -> DataFileError:
    """The error for a file of another kind than the loader reads."""
    return DataFileError(file.label, None, f"is a {file.kind.name} file, not {wanted}")


__all__ = [
    "bars_from_table",
    "kline_bar_type",
    "klines_from_file",
    "load_klines",
    "load_mark_price_klines",
    "mark_prices_from_file",
    "read_klines",
    "wrangle_bars",
]
