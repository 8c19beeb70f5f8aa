"""Import Binance Vision files into a ``ParquetDataCatalog`` (``exec-kit data import``).

Each file becomes one series in the catalog, through its kind's loader (:data:`LOADERS`, the
Nautilus wranglers underneath). Files are imported in time order per series, so a month that
leaves a hole after the previous one is caught (``catalog.write_series``) whatever order they
were given in. Every file is described and checked before the first write,
so a typo in the tenth path does not leave nine imported.

Example::

    catalog = open_catalog("catalog/", create=True)
    instruments = load_exchange_info("exchangeInfo.json")
    write_instruments(catalog, instruments.values())
    import_files(catalog, Path("downloads").rglob("*.zip"), instruments=instruments)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final, Protocol

import attrs
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from nautilus_exec_kit.data.catalog import identifier_of, write_series
from nautilus_exec_kit.data.errors import DataFileError
from nautilus_exec_kit.data.funding import funding_rates_from_file
from nautilus_exec_kit.data.klines import klines_from_file, mark_prices_from_file
from nautilus_exec_kit.data.layout import INTERVALS, VisionFile, vision_file
from nautilus_exec_kit.data.quotes import quotes_from_file
from nautilus_exec_kit.data.trades import trades_from_file


class Loader(Protocol):
    """A kind's loader: a described file and its instrument -> Nautilus data."""

    def __call__(
        self, file: VisionFile, instrument: Instrument, *, allow_gaps: bool = ...
    ) -> list[Any]: ...


#: Binance Vision kind -> the loader that turns one of its files into Nautilus data.
LOADERS: Final[Mapping[str, Loader]] = {
    "klines": klines_from_file,
    "markPriceKlines": mark_prices_from_file,
    "fundingRate": funding_rates_from_file,
    "aggTrades": trades_from_file,
    "bookTicker": quotes_from_file,
}


@attrs.frozen
class ImportedFile:
    """What one file added to the catalog (``written`` False: it was already there)."""

    file: VisionFile
    series: str
    rows: int
    first_ns: int
    last_ns: int
    written: bool


def import_files(
    catalog: ParquetDataCatalog,
    paths: Iterable[str | Path],
    *,
    instruments: Mapping[str, Instrument],
    kind: str | None = None,
    interval: str | None = None,
    allow_gaps: bool = False,
    on_file: Callable[[ImportedFile], None] | None = None,
) -> list[ImportedFile]:
    """Import ``paths`` (Binance Vision files) for ``instruments`` (by Binance symbol).

    ``kind`` / ``interval`` fill in what renamed files' names no longer tell. ``on_file`` is
    called after each file (progress). Raises :class:`DataFileError` on the first file that
    cannot be imported; the files before it stay imported (re-running skips them).
    """
    files = [vision_file(p, kind, interval=interval) for p in paths]
    for file in files:
        if file.symbol not in instruments:
            raise DataFileError(
                file.label,
                None,
                f"no instrument {file.symbol}: pass --exchange-info with a saved "
                "https://fapi.binance.com/fapi/v1/exchangeInfo that lists it",
            )
    files.sort(key=lambda f: (f.kind.name, f.symbol, f.interval or "", f.period or "", f.label))
    results = []
    for file in files:
        data = LOADERS[file.kind.name](file, instruments[file.symbol], allow_gaps=allow_gaps)
        step = INTERVALS[file.interval][2] if file.interval is not None else None
        written = write_series(
            catalog, data, source=file.label, step_ns=step, allow_gaps=allow_gaps
        )
        result = ImportedFile(
            file=file,
            series=f"{file.kind.name} {identifier_of(data[0])}",
            rows=len(data),
            first_ns=data[0].ts_init,
            last_ns=data[-1].ts_init,
            written=written,
        )
        results.append(result)
        if on_file is not None:
            on_file(result)
    return results


__all__ = ["LOADERS", "ImportedFile", "Loader", "import_files"]
