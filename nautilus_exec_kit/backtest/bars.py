"""Load 1-minute bars from CSV files into Nautilus ``Bar`` objects.

Two formats, detected from the column count:

* **plain**: ``timestamp,open,high,low,close,volume``; the timestamp is ISO-8601 text
  (``2021-12-31 23:01:00.000000``, UTC unless it carries an offset) or epoch milliseconds.
* **Binance Vision klines** (data.binance.vision): ``open_time,open,high,low,close,volume,
  close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore``. Newer files
  stamp times in microseconds instead of milliseconds; the unit is detected by magnitude.

A header line is optional in both. Timestamps are the bar's *open*; the Nautilus bar is stamped
at its close (open + 1 minute), which is when a live feed delivers it. Prices are rounded to the
instrument's price precision (Binance spot files carry more decimals than the perpetual's tick)
and volumes to its size precision: the matching engine rejects data of any other precision.

Why the bars alone are enough for a backtest: the venue runs with ``bar_execution=True``, so each
bar's open/high/low/close moves the simulated book and market orders fill against it; no quotes
need to be synthesised (docs/backtesting.md).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.instruments import Instrument

from nautilus_exec_kit.backtest.tape import BAR_TYPE_1M, default_instrument
from nautilus_exec_kit.core.errors import BarFileError

_NS_PER_MINUTE = 60_000_000_000
#: column count -> format name
FORMATS: dict[int, str] = {6: "plain", 12: "binance"}
#: epoch magnitude thresholds: values at or above are in this unit (ns per unit).
_EPOCH_UNITS: tuple[tuple[float, int, str], ...] = (
    (1e17, 1, "ns"),
    (1e14, 1_000, "us"),
    (1e11, 1_000_000, "ms"),
)


def _epoch_to_ns(value: int) -> int:
    for threshold, ns_per_unit, _ in _EPOCH_UNITS:
        if value >= threshold:
            return value * ns_per_unit
    raise ValueError(f"epoch {value} is too small for milliseconds (before 1973)")


def _parse_time(text: str) -> int:
    text = text.strip()
    if text.lstrip("-").isdigit():
        return _epoch_to_ns(int(text))
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def _is_header(row: list[str]) -> bool:
    try:
        float(row[1])
    except (ValueError, IndexError):
        return True
    return False


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with path.open(newline="") as handle:
        for line_no, row in enumerate(csv.reader(handle), start=1):
            if row and any(cell.strip() for cell in row):
                yield line_no, row


def load_bars(
    path: str | Path,
    instrument: Instrument | None = None,
    bar_type: str = BAR_TYPE_1M,
) -> list[Bar]:
    """Read ``path`` (plain or Binance kline CSV) into ``Bar`` objects for ``bar_type``.

    Raises :class:`~nautilus_exec_kit.errors.BarFileError` naming the file, the line and the
    problem for anything malformed: wrong column count, unparsable numbers or times, high below
    open/close, low above them, negative volume, timestamps not strictly increasing or not on a
    minute boundary.
    """
    path = Path(path)
    instrument = instrument or default_instrument()
    if not path.is_file():
        raise BarFileError(str(path), None, "no such file")
    price_prec, size_prec = instrument.price_precision, instrument.size_precision
    times: list[int] = []
    ohlcv: list[tuple[float, float, float, float, float]] = []
    width: int | None = None
    try:
        rows = list(_rows(path))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BarFileError(str(path), None, f"not a CSV text file ({exc})") from None
    for index, (line_no, row) in enumerate(rows):
        if index == 0 and _is_header(row):
            continue
        if width is None:
            width = len(row)
            if width not in FORMATS:
                raise BarFileError(
                    str(path),
                    line_no,
                    f"{width} columns; expected 6 (timestamp,open,high,low,close,volume) "
                    "or 12 (Binance kline)",
                )
        elif len(row) != width:
            raise BarFileError(str(path), line_no, f"{len(row)} columns, the file has {width}")
        times.append(_field_time(path, line_no, row[0]))
        ohlcv.append(_field_prices(path, line_no, row[1:6]))
        if len(times) > 1 and times[-1] <= times[-2]:
            raise BarFileError(str(path), line_no, "timestamp not after the previous line's")
        if times[-1] % _NS_PER_MINUTE:
            raise BarFileError(str(path), line_no, "timestamp is not on a minute boundary")
    if not times:
        raise BarFileError(str(path), None, "no bars in file")
    values = np.array(ohlcv, dtype=np.float64)
    values[:, :4] = np.round(values[:, :4], price_prec)
    values[:, 4] = np.round(values[:, 4], size_prec)
    close_ts = (np.array(times, dtype=np.uint64) + np.uint64(_NS_PER_MINUTE)).astype(np.uint64)
    bars: list[Bar] = Bar.from_raw_arrays_to_list(
        BarType.from_str(bar_type),
        price_prec,
        size_prec,
        np.ascontiguousarray(values[:, 0]),
        np.ascontiguousarray(values[:, 1]),
        np.ascontiguousarray(values[:, 2]),
        np.ascontiguousarray(values[:, 3]),
        np.ascontiguousarray(values[:, 4]),
        close_ts,
        close_ts,
    )
    return bars


def _field_time(path: Path, line_no: int, text: str) -> int:
    try:
        return _parse_time(text)
    except (ValueError, OverflowError) as exc:
        raise BarFileError(str(path), line_no, f"bad timestamp {text!r}: {exc}") from None


def _field_prices(
    path: Path, line_no: int, cells: list[str]
) -> tuple[float, float, float, float, float]:
    names = ("open", "high", "low", "close", "volume")
    try:
        o, h, lo, c, v = (float(cell) for cell in cells)
    except ValueError:
        bad = next(n for n, cell in zip(names, cells, strict=True) if not _is_float(cell))
        raise BarFileError(str(path), line_no, f"{bad} is not a number") from None
    for name, value in zip(names, (o, h, lo, c, v), strict=True):
        if not math.isfinite(value):
            raise BarFileError(str(path), line_no, f"{name} is not finite")
    if min(o, h, lo, c) <= 0:
        raise BarFileError(str(path), line_no, "prices must be > 0")
    if h < max(o, c, lo) or lo > min(o, c):
        raise BarFileError(
            str(path), line_no, f"high/low do not contain open/close (o={o} h={h} l={lo} c={c})"
        )
    if v < 0:
        raise BarFileError(str(path), line_no, "volume is negative")
    return o, h, lo, c, v


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
