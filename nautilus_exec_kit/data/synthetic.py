"""Binance Vision files of a synthetic market: for tests, benchmarks and trying the import
offline.

The files are byte-for-byte in Binance's format (columns, header, zipped single CSV member,
folder layout), so everything downstream (``exec-kit data import``, the catalog, a backtest) runs
exactly as on downloaded files. Prices follow a seeded random walk on the instrument's tick.

Example::

    frame = synthetic_klines(start_ms=1_704_067_200_000, count=44_640, start_price=42_000, tick=0.1)
    write_vision(frame, vision_path("downloads", "klines", "BTCUSDT", "2024-01", "1m"))
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from nautilus_exec_kit.data.layout import KINDS


def _decimals(increment: float) -> int:
    return max(0, -int(np.floor(np.log10(increment) + 1e-9)))


def synthetic_klines(
    *,
    start_ms: int,
    count: int,
    start_price: float,
    tick: float,
    step: float = 0.001,
    seed: int = 0,
    interval_ms: int = 60_000,
    vol_bps: float = 8.0,
    time_unit: str = "ms",
) -> pd.DataFrame:
    """``count`` consecutive klines in Binance's columns (times in ``"ms"`` or ``"us"``)."""
    rng = np.random.default_rng(seed)
    steps = rng.standard_normal(count + 1) * vol_bps * 1e-4
    path = start_price * np.exp(np.cumsum(steps))
    ticks = np.maximum(np.round(path / tick), 1)
    opens, closes = ticks[:-1], ticks[1:]
    wick = np.round(np.abs(rng.standard_normal((2, count))) * vol_bps * 1e-4 * path[1:] / tick)
    highs = np.maximum(opens, closes) + wick[0]
    lows = np.maximum(np.minimum(opens, closes) - wick[1], 1)
    digits, size_digits = _decimals(tick), _decimals(step)
    volume = np.round(rng.integers(1, 100_000, count) * step, size_digits)
    scale = 1_000 if time_unit == "us" else 1
    open_time = (start_ms + np.arange(count, dtype=np.int64) * interval_ms) * scale
    price = {name: np.round(v * tick, digits) for name, v in
             (("open", opens), ("high", highs), ("low", lows), ("close", closes))}
    close_price = price["close"]
    return pd.DataFrame(
        {
            "open_time": open_time,
            **price,
            "volume": volume,
            "close_time": open_time + (interval_ms - 1) * scale,
            "quote_volume": np.round(volume * close_price, 4),
            "count": rng.integers(1, 1_000, count),
            "taker_buy_volume": np.round(volume / 2, size_digits),
            "taker_buy_quote_volume": np.round(volume / 2 * close_price, 4),
            "ignore": 0,
        }
    )


def synthetic_funding(
    *, start_ms: int, count: int, rate: float = 0.0001, hours: int = 8, seed: int = 0
) -> pd.DataFrame:
    """``count`` funding settlements ``hours`` apart, rates around ``rate``."""
    rng = np.random.default_rng(seed)
    rates = np.round(rate + rng.standard_normal(count) * abs(rate) * 0.5, 8)
    return pd.DataFrame(
        {
            "calc_time": start_ms + np.arange(count, dtype=np.int64) * hours * 3_600_000,
            "funding_interval_hours": hours,
            "last_funding_rate": rates,
        }
    )


def write_vision(
    frame: pd.DataFrame | str,
    path: str | Path,
    *,
    header: bool = True,
    zipped: bool | None = None,
) -> Path:
    """Write ``frame`` (or ready CSV text) as Binance writes it: one CSV (``zipped``: inside a
    zip, as ``<name>.csv``; default: by the path's suffix), with or without the header row."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame if isinstance(frame, str) else csv_text(frame, header)
    if zipped if zipped is not None else path.suffix == ".zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(path.with_suffix(".csv").name, text)
    else:
        path.write_text(text)
    return path


def header_of(kind: str) -> str:
    """The header row of a kind's files."""
    return ",".join(KINDS[kind].column_names)


def csv_text(frame: pd.DataFrame, header: bool = True) -> str:
    """``frame`` as the CSV text of a Binance Vision file."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=header, lineterminator="\n")
    return buffer.getvalue()


__all__ = [
    "csv_text",
    "header_of",
    "synthetic_funding",
    "synthetic_klines",
    "write_vision",
]
