"""Load a bar file into Nautilus ``Bar`` objects (``exec-kit backtest --bars FILE``).

Two formats:

* **Binance Vision klines** (data.binance.vision, zipped as downloaded or unzipped, with or
  without header): read by :mod:`nautilus_exec_kit.data.klines`, the same loader
  ``exec-kit data import`` uses (its checks: one timestamp unit per file, no gaps unless
  ``allow_gaps``, ...). The file is taken as 1-minute klines unless its name says another
  interval.
* **plain** ``timestamp,open,high,low,close,volume`` (header optional): the timestamp is ISO-8601
  text (``2021-12-31 23:01:00.000000``, UTC unless it carries an offset) or an epoch in ms/us/ns.

Timestamps are the bar's *open*; the Nautilus bar is stamped at its close (open + 1 minute),
which is when a live feed delivers it. Prices are rounded to the instrument's price precision
(Binance spot files carry more decimals than the perpetual's tick) and volumes to its size
precision: the matching engine rejects data of any other precision.

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

from nautilus_exec_kit.backtest.tape import default_instrument
from nautilus_exec_kit.core.errors import BarFileError
from nautilus_exec_kit.data.epochs import epoch_to_ns
from nautilus_exec_kit.data.klines import kline_bar_type, klines_from_file, wrangle_bars
from nautilus_exec_kit.data.layout import INTERVALS, named_symbol, vision_file

_NS_PER_MINUTE = 60_000_000_000
#: column count -> format name
FORMATS: dict[int, str] = {6: "plain", 12: "binance"}


def _parse_time(text: str) -> int:
    text = text.strip()
    if text.lstrip("-").isdigit():
        return epoch_to_ns(int(text))
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
    bar_type: str | None = None,
    *,
    allow_gaps: bool = False,
) -> list[Bar]:
    """Read ``path`` (plain CSV or Binance klines) into ``Bar`` objects for ``instrument``.

    ``bar_type`` defaults to the instrument's ``1-MINUTE-LAST-EXTERNAL`` bars (or the interval a
    Binance file's name tells). Raises :class:`~nautilus_exec_kit.errors.BarFileError` naming
    the file, the line and the problem for anything malformed: wrong column count, unparsable
    numbers or times, high below open/close, low above them, negative volume, timestamps not
    strictly increasing or not on a minute boundary, missing bars (unless ``allow_gaps``).
    """
    path = Path(path)
    instrument = instrument or default_instrument()
    if not path.is_file():
        raise BarFileError(str(path), None, "no such file")
    chosen = BarType.from_str(bar_type) if bar_type else None
    if path.suffix.lower() == ".zip" or _width(path) == 12:
        interval = None if named_symbol(path) else "1m"  # a Binance name tells its interval
        file = vision_file(path, "klines", symbol=instrument.raw_symbol.value, interval=interval)
        return klines_from_file(file, instrument, allow_gaps=allow_gaps, bar_type=chosen)
    return _plain_bars(path, instrument, chosen or kline_bar_type(instrument, "1m"), allow_gaps)


def _width(path: Path) -> int | None:
    """The column count of the first data row (None: no data row)."""
    try:
        for index, (_, row) in enumerate(_rows(path)):
            if index == 0 and _is_header(row):
                continue
            return len(row)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BarFileError(str(path), None, f"not a CSV text file ({exc})") from None
    return None


def _plain_bars(
    path: Path, instrument: Instrument, bar_type: BarType, allow_gaps: bool
) -> list[Bar]:
    times: list[int] = []
    ohlcv: list[tuple[float, float, float, float, float]] = []
    for index, (line_no, row) in enumerate(_rows(path)):
        if index == 0 and _is_header(row):
            continue
        if len(row) != 6:
            raise BarFileError(
                str(path),
                line_no,
                f"{len(row)} columns; expected 6 (timestamp,open,high,low,close,volume) "
                "or 12 (Binance kline)",
            )
        times.append(_field_time(path, line_no, row[0]))
        ohlcv.append(_field_prices(path, line_no, row[1:6]))
        if len(times) > 1 and times[-1] <= times[-2]:
            raise BarFileError(str(path), line_no, "timestamp not after the previous line's")
        if times[-1] % _NS_PER_MINUTE:
            raise BarFileError(str(path), line_no, "timestamp is not on a minute boundary")
        if not allow_gaps and len(times) > 1 and times[-1] - times[-2] > _NS_PER_MINUTE:
            missing = (times[-1] - times[-2]) // _NS_PER_MINUTE - 1
            raise BarFileError(
                str(path),
                line_no,
                f"gap: {missing} 1m bar(s) missing before this line (--allow-gaps imports it "
                "anyway)",
            )
    if not times:
        raise BarFileError(str(path), None, "no bars in file")
    values = np.array(ohlcv, dtype=np.float64)
    columns = dict(zip(("open", "high", "low", "close", "volume"), values.T, strict=True))
    closes = np.array(times, dtype=np.int64) + INTERVALS["1m"][2]  # type: ignore[operator]
    return wrangle_bars(columns, closes, instrument, bar_type)


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
