"""A catalog selection (instruments, time range) streamed into a backtest window by window.

Why windows: a year of 1-minute bars for ten symbols is about five million Nautilus objects
(gigabytes); the runner only ever holds one window of them. Each window is one time slice
``[lo, hi)`` queried from the catalog for every selected series at once and sorted by
``ts_init``; windows partition time, so no timestamp is split between two batches (the engine
orders same-timestamp data by type within a batch).

Example::

    feed = CatalogFeed(catalog, instruments, start_ns=..., end_ns=...)
    report = BacktestRunner(config, instruments).run(feed)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Any, Final

import pyarrow.parquet as pq
from nautilus_trader.model.data import (
    Bar,
    BarType,
    FundingRateUpdate,
    MarkPriceUpdate,
    QuoteTick,
    TradeTick,
)
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from nautilus_exec_kit.backtest.feed import DATA_KINDS, DataKey, FeedBatch
from nautilus_exec_kit.data.catalog import identifiers, stored_files
from nautilus_exec_kit.data.errors import DataFileError
from nautilus_exec_kit.data.timestamps import iso

#: The data classes a kit catalog holds series of (what the Binance Vision importer writes).
SERIES_CLASSES: Final[tuple[type, ...]] = (
    Bar,
    QuoteTick,
    TradeTick,
    MarkPriceUpdate,
    FundingRateUpdate,
)


class CatalogFeed:
    """Every stored series of ``instruments`` between ``start_ns`` and ``end_ns`` (inclusive).

    ``bar_types`` limits the bar series (default: all of the instruments'). ``max_batch_rows``
    bounds a window's size (memory); the window count is at least the runner's batch count.
    """

    def __init__(
        self,
        catalog: ParquetDataCatalog,
        instruments: Sequence[Instrument],
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
        bar_types: Sequence[str] | None = None,
        max_batch_rows: int = 500_000,
    ) -> None:
        self.catalog = catalog
        self.max_batch_rows = max_batch_rows
        wanted = {instrument.id.value for instrument in instruments}
        self.series: dict[type, list[str]] = {}
        for cls in SERIES_CLASSES:
            for ident in identifiers(catalog, cls):
                owner = str(BarType.from_str(ident).instrument_id) if cls is Bar else ident
                if owner in wanted and (cls is not Bar or bar_types is None or ident in bar_types):
                    self.series.setdefault(cls, []).append(ident)
        spans = {
            (cls, ident): catalog.get_intervals(cls, ident)
            for cls, idents in self.series.items()
            for ident in idents
        }
        if not spans:
            raise DataFileError(
                catalog.path, None, f"no data for {', '.join(sorted(wanted))} in the catalog"
            )
        self.start_ns = start_ns if start_ns is not None else min(
            lo for s in spans.values() for lo, _ in s
        )
        self.end_ns = end_ns if end_ns is not None else max(
            hi for s in spans.values() for _, hi in s
        )
        if self.end_ns < self.start_ns:
            raise DataFileError(
                catalog.path, None, f"empty time range {iso(self.start_ns)} .. {iso(self.end_ns)}"
            )
        inside = {
            key: [(lo, hi) for lo, hi in s if lo <= self.end_ns and self.start_ns <= hi]
            for key, s in spans.items()
        }
        self._contents = frozenset(
            DataKey(DATA_KINDS[cls], ident) for (cls, ident), s in inside.items() if s
        )
        if not self._contents:
            raise DataFileError(
                catalog.path,
                None,
                f"no data between {iso(self.start_ns)} and {iso(self.end_ns)} for "
                f"{', '.join(sorted(wanted))}",
            )
        self._size = sum(self._rows(cls, ident, s) for (cls, ident), s in spans.items())

    def _rows(self, cls: type, ident: str, stored: list[tuple[int, int]]) -> int:
        """Rows of one series inside the selection (files' row counts, pro rata by time)."""
        total = sum(
            int(pq.ParquetFile(self.catalog.fs.open(path)).metadata.num_rows)
            for path in stored_files(self.catalog, cls, ident)
        )
        lo, hi = min(a for a, _ in stored), max(b for _, b in stored)
        overlap = min(hi, self.end_ns) - max(lo, self.start_ns)
        if overlap < 0:
            return 0
        return math.ceil(total * (overlap + 1) / (hi - lo + 1))

    @property
    def contents(self) -> frozenset[DataKey]:
        return self._contents

    @property
    def size(self) -> int:
        return self._size

    def batches(self, count: int) -> Iterator[FeedBatch]:
        windows = max(count, math.ceil(self._size / self.max_batch_rows))
        start, stop = self.start_ns, self.end_ns + 1
        edges = [start + (stop - start) * i // windows for i in range(windows + 1)]
        for lo, hi in itertools.pairwise(edges):
            yield FeedBatch(self.window(lo, hi - 1), (hi - start) / (stop - start))

    def window(self, first_ns: int, last_ns: int) -> list[Any]:
        """Every selected datum with ``first_ns <= ts_init <= last_ns``, sorted by ``ts_init``."""
        data: list[Any] = []
        for cls, idents in self.series.items():
            # One query per instrument: NautilusTrader 1.231's catalog labels every row of a
            # query over several instruments' FundingRateUpdate files with the first one's
            # instrument ID (measured), so ETHUSDT's funding would be charged to BTCUSDT.
            for ident in idents:
                data.extend(self.catalog.query(cls, identifiers=[ident], start=first_ns,
                                               end=last_ns))
        data.sort(key=lambda d: d.ts_init)
        return data


__all__ = ["SERIES_CLASSES", "CatalogFeed"]
