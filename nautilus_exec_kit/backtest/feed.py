"""What a backtest runs on: a *feed* of time-ordered batches, and what data it holds.

Why a feed and not a list: a year of 1-minute bars for ten symbols is five million objects; the
runner must be able to stream them from a catalog window by window (bounded memory) just as it
runs an in-memory tape batch by batch (progress). Both are a :class:`DataFeed`:

* :class:`ListFeed` sorts an in-memory list once and slices it;
* :class:`~nautilus_exec_kit.data.catalog_feed.CatalogFeed` queries a Parquet catalog per window.

A feed also says up front *which* data it holds (:attr:`DataFeed.contents`, a set of
:class:`DataKey`), so the runner can warn, before the first order, about a strategy that
subscribed to data the run will never deliver.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any, Final, Protocol, runtime_checkable

import attrs
from nautilus_trader.model.data import (
    Bar,
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    OrderBookDelta,
    OrderBookDeltas,
    OrderBookDepth10,
    QuoteTick,
    TradeTick,
)

#: Nautilus data class -> the kind of data it is (as messages name it).
DATA_KINDS: Final[dict[type, str]] = {
    QuoteTick: "quote ticks",
    TradeTick: "trade ticks",
    Bar: "bars",
    MarkPriceUpdate: "mark prices",
    IndexPriceUpdate: "index prices",
    FundingRateUpdate: "funding rates",
    OrderBookDelta: "order book deltas",
    OrderBookDeltas: "order book deltas",
    OrderBookDepth10: "order book depth",
}


@attrs.frozen(order=True)
class DataKey:
    """One series of a run: a kind of data for one instrument (bars: for one bar type)."""

    kind: str
    identifier: str

    def __str__(self) -> str:
        return f"{self.kind} {self.identifier}"

    @property
    def instrument_id(self) -> str:
        """The instrument the series is of (a bar type's instrument for bars)."""
        if self.kind == "bars":
            return str(BarType.from_str(self.identifier).instrument_id)
        return self.identifier


def key_of(datum: Any) -> DataKey | None:
    """The series ``datum`` belongs to (None for data the kit does not track, e.g. custom)."""
    kind = DATA_KINDS.get(type(datum))
    if kind is None:
        return None
    identifier = datum.bar_type if kind == "bars" else datum.instrument_id
    return DataKey(kind, str(identifier))


@attrs.frozen
class FeedBatch:
    """Time-ordered data to run next; ``fraction`` of the whole feed is done after it."""

    data: list[Any]
    fraction: float


@runtime_checkable
class DataFeed(Protocol):
    """Time-ordered data for a run, in batches that never split one timestamp."""

    @property
    def contents(self) -> frozenset[DataKey]:
        """Every series the feed holds (known before the first batch)."""
        ...

    @property
    def size(self) -> int:
        """How many data points the feed holds (an estimate for catalog feeds)."""
        ...

    def batches(self, count: int) -> Iterator[FeedBatch]:
        """The data in about ``count`` batches (more when memory needs smaller ones)."""
        ...


class ListFeed:
    """An in-memory list of Nautilus data as a feed (sorted by ``ts_init`` once)."""

    def __init__(self, data: Sequence[Any]) -> None:
        self._data = sorted(data, key=lambda d: d.ts_init)
        self._contents = frozenset(
            key for key in {key_of(d) for d in _one_per_series(self._data)} if key is not None
        )

    @property
    def contents(self) -> frozenset[DataKey]:
        return self._contents

    @property
    def size(self) -> int:
        return len(self._data)

    def batches(self, count: int) -> Iterator[FeedBatch]:
        ordered, n = self._data, len(self._data)
        # Batches must not split one timestamp: the engine orders same-ts data by type.
        bounds = [_align(ordered, round(i * n / count)) for i in range(count + 1)]
        for lo, hi in itertools.pairwise(bounds):
            if hi > lo:
                yield FeedBatch(ordered[lo:hi], hi / n)


def _one_per_series(data: Sequence[Any]) -> Iterator[Any]:
    """The first datum of each (type, identifier): a cheap pass for :func:`key_of`."""
    seen: set[tuple[type, Any]] = set()
    for datum in data:
        identity = (type(datum), getattr(datum, "bar_type", None) or getattr(
            datum, "instrument_id", None
        ))
        if identity not in seen:
            seen.add(identity)
            yield datum


def _align(ordered: Sequence[Any], index: int) -> int:
    while 0 < index < len(ordered) and ordered[index].ts_init == ordered[index - 1].ts_init:
        index += 1
    return index


__all__ = ["DATA_KINDS", "DataFeed", "DataKey", "FeedBatch", "ListFeed", "key_of"]
