"""The kit's use of Nautilus' ``ParquetDataCatalog``: instruments, series, and safe writes.

Why a thin layer and not a catalog of our own: ``ParquetDataCatalog`` is the field's standard
store (``BacktestNode``, Nautilus' tutorials and other tools read it). The kit only adds what a
user importing Binance files needs and the catalog leaves to the caller:

* **idempotent writes**: importing the same file twice is a no-op, not a second copy, and a file
  that overlaps data already in the catalog is refused with the overlap named (Nautilus raises a
  bare "non-disjoint intervals" ``ValueError``);
* **continuity**: a month of bars whose neighbour month in the catalog leaves a hole is a gap,
  the same error as a gap inside a file;
* **instrument versions**: each exchangeInfo import is one version per instrument, stamped with
  the response's ``serverTime``; a run uses the latest.

Example::

    catalog = open_catalog("catalog/")
    instruments = catalog_instruments(catalog, ["BTCUSDT"])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nautilus_trader.model.data import Bar
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.persistence.catalog import ParquetDataCatalog
from nautilus_trader.persistence.funcs import class_to_filename

from nautilus_exec_kit.data.errors import DataFileError
from nautilus_exec_kit.data.timestamps import iso


def open_catalog(path: str | Path, *, create: bool = False) -> ParquetDataCatalog:
    """The catalog at ``path`` (``create``: make the folder; otherwise it must exist)."""
    path = Path(path)
    if create:
        path.mkdir(parents=True, exist_ok=True)
    elif not path.is_dir():
        raise DataFileError(str(path), None, "no catalog here (import data first)")
    return ParquetDataCatalog(str(path))


def identifiers(catalog: ParquetDataCatalog, data_cls: type) -> list[str]:
    """The series of ``data_cls`` in the catalog: instrument IDs, or bar types for bars."""
    folder = f"{catalog.path.rstrip('/')}/data/{class_to_filename(data_cls)}"
    if not catalog.fs.exists(folder):
        return []
    return sorted(
        Path(entry).name for entry in catalog.fs.ls(folder, detail=False) if catalog.fs.isdir(entry)
    )


def identifier_of(datum: Any) -> str:
    """The catalog identifier of one datum (bar type for bars, else instrument ID)."""
    return str(datum.bar_type) if isinstance(datum, Bar) else datum.instrument_id.value


def write_instruments(catalog: ParquetDataCatalog, instruments: Iterable[Instrument]) -> int:
    """Store each instrument version not yet stored; return how many were new."""
    new = 0
    for instrument in instruments:
        stamp = (instrument.ts_init, instrument.ts_init)
        if stamp not in catalog.get_intervals(type(instrument), instrument.id.value):
            catalog.write_data([instrument])
            new += 1
    return new


def catalog_instruments(
    catalog: ParquetDataCatalog, symbols: Sequence[str] | None = None
) -> dict[str, Instrument]:
    """The latest version of each stored instrument, by Binance symbol (``"BTCUSDT"``).

    ``symbols`` (Binance symbols or instrument IDs) limits the result; each must be stored.
    """
    latest: dict[str, Instrument] = {}
    for instrument in catalog.instruments():
        symbol = instrument.raw_symbol.value
        if symbol not in latest or instrument.ts_init > latest[symbol].ts_init:
            latest[symbol] = instrument
    if symbols is None:
        return dict(sorted(latest.items()))
    by_id = {i.id.value: s for s, i in latest.items()}
    wanted = [by_id.get(s, s) for s in symbols]
    missing = [s for s in wanted if s not in latest]
    if missing:
        raise DataFileError(
            catalog.path,
            None,
            f"no instrument {', '.join(missing)} in the catalog (it has "
            f"{', '.join(latest) or 'none'}); import an exchangeInfo JSON that lists it",
        )
    return {s: latest[s] for s in wanted}


def write_series(
    catalog: ParquetDataCatalog,
    data: Sequence[Any],
    *,
    source: str,
    step_ns: int | None = None,
    allow_gaps: bool = False,
) -> bool:
    """Store one series' ``data`` (one class, one identifier, sorted); False if already stored.

    Raises :class:`DataFileError` naming ``source`` when the data overlaps stored data of the
    series, or (``step_ns`` given, gaps not allowed) when it leaves a hole next to stored data.
    """
    data_cls, identifier = type(data[0]), identifier_of(data[0])
    start, end = data[0].ts_init, data[-1].ts_init
    stored = catalog.get_intervals(data_cls, identifier)
    if (start, end) in stored:
        return False
    for lo, hi in stored:
        if lo <= end and start <= hi:
            raise DataFileError(
                source,
                None,
                f"overlaps {identifier} already in the catalog ({iso(lo)} .. {iso(hi)}); "
                "import each period once (a month or its days, not both)",
            )
    if step_ns is not None and not allow_gaps:
        _refuse_holes(stored, start, end, step_ns, source, identifier)
    catalog.write_data(list(data))
    return True


def _refuse_holes(
    stored: Sequence[tuple[int, int]],
    start: int,
    end: int,
    step_ns: int,
    source: str,
    identifier: str,
) -> None:
    before = [hi for _, hi in stored if hi < start]
    after = [lo for lo, _ in stored if lo > end]
    if before and start - max(before) > step_ns:
        raise DataFileError(
            source,
            None,
            f"gap: the catalog's {identifier} ends at {iso(max(before))}, this file starts at "
            f"{iso(start)} (a file is missing; --allow-gaps imports it anyway)",
        )
    if after and min(after) - end > step_ns:
        raise DataFileError(
            source,
            None,
            f"gap: this file ends at {iso(end)}, the catalog's {identifier} resumes at "
            f"{iso(min(after))} (a file is missing; --allow-gaps imports it anyway)",
        )


def stored_span(catalog: ParquetDataCatalog, data_cls: type, identifier: str) -> tuple[int, int]:
    """First and last ``ts_init`` stored for one series."""
    stored = catalog.get_intervals(data_cls, identifier)
    return min(lo for lo, _ in stored), max(hi for _, hi in stored)


def stored_files(catalog: ParquetDataCatalog, data_cls: type, identifier: str) -> list[str]:
    """The Parquet files of one series (for row counts)."""
    folder = f"{catalog.path.rstrip('/')}/data/{class_to_filename(data_cls)}/{identifier}"
    return sorted(catalog.fs.glob(f"{folder}/*.parquet"))


def describe(catalog: ParquetDataCatalog, classes: Mapping[type, str]) -> list[tuple[str, str]]:
    """(kind, identifier) of every stored series of ``classes`` (class -> kind name)."""
    return [(kind, ident) for cls, kind in classes.items() for ident in identifiers(catalog, cls)]


__all__ = [
    "catalog_instruments",
    "describe",
    "identifier_of",
    "identifiers",
    "open_catalog",
    "stored_files",
    "stored_span",
    "write_instruments",
    "write_series",
]
