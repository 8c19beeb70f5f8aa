"""The Binance Vision USDT-M layout: which files exist, their columns, and how they are named.

data.binance.vision serves USDT-M futures data as zipped CSV files, one per symbol and month (or
day), in folders that name the kind of data::

    data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip
    data/futures/um/monthly/markPriceKlines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip
    data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2024-01.zip
    data/futures/um/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-01-15.zip
    data/futures/um/daily/bookTicker/BTCUSDT/BTCUSDT-bookTicker-2024-01-15.zip

Each kind's columns are data (:data:`KINDS`), so the reader, the error messages and the docs use
one list. Kline-like files (klines, markPriceKlines) share one file name, so their kind comes from
the folder they sit in or from the caller; the kit never guesses it, because mark prices read as
trade bars would be a silent wrong backtest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import attrs

from nautilus_exec_kit.data.errors import DataFileError

#: pandas dtype of each column type used below.
INT, FLOAT, BOOL, TEXT = "int64", "float64", "bool", "object"

_KLINE_COLUMNS: Final = (
    ("open_time", INT),
    ("open", FLOAT),
    ("high", FLOAT),
    ("low", FLOAT),
    ("close", FLOAT),
    ("volume", FLOAT),
    ("close_time", INT),
    ("quote_volume", FLOAT),
    ("count", INT),
    ("taker_buy_volume", FLOAT),
    ("taker_buy_quote_volume", FLOAT),
    ("ignore", TEXT),
)


@attrs.frozen
class VisionKind:
    """One kind of Binance Vision file: its folder name, columns (with dtypes) and time column.

    ``per_interval`` kinds (klines) are named ``SYMBOL-INTERVAL-PERIOD`` and sit in a folder per
    interval; the others are named ``SYMBOL-<name>-PERIOD``.
    """

    name: str
    columns: tuple[tuple[str, str], ...]
    time_column: str
    per_interval: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    @property
    def dtypes(self) -> dict[str, str]:
        return dict(self.columns)


#: Every kind the kit imports, by its Binance Vision folder name.
KINDS: Final[Mapping[str, VisionKind]] = {
    kind.name: kind
    for kind in (
        VisionKind("klines", _KLINE_COLUMNS, "open_time", per_interval=True),
        VisionKind("markPriceKlines", _KLINE_COLUMNS, "open_time", per_interval=True),
        VisionKind(
            "fundingRate",
            (("calc_time", INT), ("funding_interval_hours", INT), ("last_funding_rate", FLOAT)),
            "calc_time",
        ),
        VisionKind(
            "aggTrades",
            (
                ("agg_trade_id", INT),
                ("price", FLOAT),
                ("quantity", FLOAT),
                ("first_trade_id", INT),
                ("last_trade_id", INT),
                ("transact_time", INT),
                ("is_buyer_maker", BOOL),
            ),
            "transact_time",
        ),
        VisionKind(
            "bookTicker",
            (
                ("update_id", INT),
                ("best_bid_price", FLOAT),
                ("best_bid_qty", FLOAT),
                ("best_ask_price", FLOAT),
                ("best_ask_qty", FLOAT),
                ("transaction_time", INT),
                ("event_time", INT),
            ),
            "transaction_time",
        ),
    )
}

#: Kline intervals Binance publishes -> (Nautilus bar step, aggregation, length in ns or None).
#: ``1mo`` has no fixed length, so its files are not checked for gaps.
INTERVALS: Final[Mapping[str, tuple[int, str, int | None]]] = {
    **{f"{n}m": (n, "MINUTE", n * 60_000_000_000) for n in (1, 3, 5, 15, 30)},
    **{f"{n}h": (n, "HOUR", n * 3_600_000_000_000) for n in (1, 2, 4, 6, 8, 12)},
    "1d": (1, "DAY", 86_400_000_000_000),
    "3d": (3, "DAY", 3 * 86_400_000_000_000),
    "1w": (1, "WEEK", 7 * 86_400_000_000_000),
    "1mo": (1, "MONTH", None),
}

_NAME = re.compile(
    r"^(?P<symbol>[A-Z0-9_]+)-(?P<middle>[A-Za-z0-9]+)-(?P<period>\d{4}-\d{2}(?:-\d{2})?)"
    r"\.(?P<ext>csv|zip)$"
)


@attrs.frozen
class VisionFile:
    """One file to import: where it is, what it holds, for which symbol (and interval)."""

    path: Path
    kind: VisionKind
    symbol: str
    interval: str | None = None
    period: str | None = None

    @property
    def label(self) -> str:
        """The file as error messages name it."""
        return str(self.path)


def vision_file(
    path: str | Path,
    kind: str | None = None,
    *,
    symbol: str | None = None,
    interval: str | None = None,
) -> VisionFile:
    """Describe ``path`` from its Binance Vision name and folders.

    ``kind``, ``symbol`` and ``interval`` fill in what the name does not tell, and must agree
    with what it does.

    Raises :class:`DataFileError` for a missing file, an unknown kind or interval, or a kline
    file whose kind (klines or markPriceKlines) neither its folders nor ``kind`` tell.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(str(path), None, "no such file")
    if kind is not None and kind not in KINDS:
        raise DataFileError(
            str(path), None, f"unknown kind {kind!r}; the kit imports {', '.join(KINDS)}"
        )
    match = _NAME.match(path.name)
    named_interval = match["middle"] if match and match["middle"] in INTERVALS else None
    named_kind = match["middle"] if match and match["middle"] in KINDS else None
    named_kind = named_kind or _kind_from_folders(path.resolve(), named_interval)
    if named_kind and kind and named_kind != kind:
        raise DataFileError(str(path), None, f"the file's name says {named_kind}, not {kind}")
    resolved = kind or named_kind
    if resolved is None:
        if named_interval is not None:
            raise DataFileError(
                str(path),
                None,
                "klines and markPriceKlines files share this name; pass the kind "
                "(--kind klines) or keep Binance Vision's folders (.../klines/SYMBOL/1m/)",
            )
        raise DataFileError(
            str(path),
            None,
            "not a Binance Vision file name (SYMBOL-1m-2024-01.zip, "
            "SYMBOL-fundingRate-2024-01.zip, ...); pass the kind and symbol",
        )
    vision_kind = KINDS[resolved]
    resolved_symbol = _agreed(path, "symbol", match["symbol"] if match else None, symbol)
    resolved_interval = None
    if vision_kind.per_interval:
        named = match["middle"] if match and match["middle"] not in KINDS else None
        resolved_interval = _agreed(path, "kline interval", named, interval)
        if resolved_interval not in INTERVALS:
            raise DataFileError(
                str(path),
                None,
                f"unknown kline interval {resolved_interval!r}; Binance has "
                f"{', '.join(INTERVALS)}",
            )
    return VisionFile(
        path=path,
        kind=vision_kind,
        symbol=resolved_symbol,
        interval=resolved_interval,
        period=match["period"] if match else None,
    )


def vision_path(
    root: str | Path,
    kind: str,
    symbol: str,
    period: str,
    interval: str | None = None,
    suffix: str = ".zip",
) -> Path:
    """Where data.binance.vision keeps a file, under ``root`` (the inverse of
    :func:`vision_file`): ``root/data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip``
    for a month (``period="2024-01"``), ``.../daily/...`` for a day (``"2024-01-15"``)."""
    vision_kind = KINDS[kind]
    cadence = "daily" if len(period) == 10 else "monthly"
    folder = Path(root, "data", "futures", "um", cadence, kind, symbol)
    if vision_kind.per_interval:
        if interval is None:
            raise ValueError(f"{kind} files need an interval")
        return folder / interval / f"{symbol}-{interval}-{period}{suffix}"
    return folder / f"{symbol}-{kind}-{period}{suffix}"


def named_symbol(path: str | Path) -> str | None:
    """The symbol a Binance Vision file name tells (``ETHUSDT-1m-2024-01.zip``), else None."""
    match = _NAME.match(Path(path).name)
    return match["symbol"] if match else None


def _agreed(path: Path, what: str, named: str | None, given: str | None) -> str:
    """The value the file name tells, checked against the caller's (which fills in for names
    that tell nothing)."""
    if named is not None and given is not None and named != given:
        raise DataFileError(str(path), None, f"the file name says {what} {named}, not {given}")
    value = named or given
    if value is None:
        raise DataFileError(str(path), None, f"cannot tell the {what} from the name; pass it")
    return value


def _kind_from_folders(path: Path, interval: str | None) -> str | None:
    """``.../<kind>/<SYMBOL>/<interval>/<file>``: the kind of a kline file from its folders."""
    if interval is None or path.parent.name != interval:
        return None
    folder = path.parent.parent.parent.name
    kind = KINDS.get(folder)
    return kind.name if kind is not None and kind.per_interval else None


__all__ = [
    "INTERVALS",
    "KINDS",
    "VisionFile",
    "VisionKind",
    "named_symbol",
    "vision_file",
    "vision_path",
]
