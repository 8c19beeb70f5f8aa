"""What ``exec-kit backtest`` runs on: instruments and a data feed, from its arguments.

Three sources, one shape (:class:`RunSelection`):

* ``--catalog DIR``: the catalog's instruments (or ``--exchange-info``'s) and a
  :class:`~nautilus_exec_kit.data.catalog_feed.CatalogFeed` of their series in the time range;
* ``--bars FILE``: one bar file for one instrument (the kit's BTCUSDT test instrument, or the
  file's symbol from ``--exchange-info``);
* neither: the synthetic tape (quotes plus 1-minute bars), one per instrument.

Whether bars drive the simulated market follows from the data: an instrument with bars but no
quote or trade ticks can only be filled on its bars (``bar_execution``); otherwise the bars are
signals and the ticks alone decide fills, so no price is traded twice.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import Any

import attrs

from nautilus_exec_kit.backtest.feed import DataFeed, ListFeed
from nautilus_exec_kit.core.errors import ConfigurationError


class SelectionError(ConfigurationError):
    """The arguments select nothing runnable (the CLI prints it as a usage error)."""


@attrs.frozen
class RunSelection:
    """The instruments a run lists and the feed it runs."""

    instruments: tuple[Any, ...]
    feed: DataFeed

    @property
    def bars_drive_the_venue(self) -> bool:
        """True when some instrument has bars but no quote or trade ticks."""
        contents = self.feed.contents
        ticks = {k.instrument_id for k in contents if k.kind in ("quote ticks", "trade ticks")}
        return bool({k.instrument_id for k in contents if k.kind == "bars"} - ticks)


def parse_time(text: str, what: str) -> int:
    """``2024-01-31``, ``2024-01-31T12:00``, ``2024-01-31 12:00:00+02:00`` (UTC unless an
    offset is given) or epoch milliseconds, as epoch nanoseconds."""
    import pandas as pd

    from nautilus_exec_kit.data.epochs import epoch_to_ns

    text = text.strip()
    try:
        if re.fullmatch(r"\d+", text):
            return epoch_to_ns(int(text))
        stamp = pd.Timestamp(text)
    except ValueError as exc:
        raise SelectionError(f"{what} {text!r} is no time ({exc})") from None
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int(stamp.as_unit("ns").value)


def _symbols(args: argparse.Namespace) -> list[str] | None:
    if not args.symbols:
        return None
    return [s.strip().upper() for s in args.symbols.split(",") if s.strip()]


def _time_range(args: argparse.Namespace) -> tuple[int | None, int | None]:
    start = parse_time(args.start, "--start") if args.start else None
    end = parse_time(args.end, "--end") - 1 if args.end else None
    if start is not None and end is not None and end < start:
        raise SelectionError("--end must be after --start")
    return start, end


def select_run(args: argparse.Namespace) -> RunSelection:
    """The instruments and feed ``args`` select."""
    if args.catalog:
        return _from_catalog(args)
    if args.bars:
        return _from_bars(args)
    return _synthetic(args)


def _from_catalog(args: argparse.Namespace) -> RunSelection:
    from nautilus_exec_kit.data.catalog import catalog_instruments, open_catalog
    from nautilus_exec_kit.data.catalog_feed import CatalogFeed
    from nautilus_exec_kit.data.exchange_info import load_exchange_info

    catalog = open_catalog(args.catalog)
    symbols = _symbols(args)
    if args.exchange_info:
        instruments = load_exchange_info(args.exchange_info, symbols)
    else:
        instruments = catalog_instruments(catalog, symbols)
    if not instruments:
        raise SelectionError(
            f"{args.catalog}: no instruments (import an exchangeInfo JSON with the data)"
        )
    start, end = _time_range(args)
    feed = CatalogFeed(catalog, list(instruments.values()), start_ns=start, end_ns=end)
    with_data = {k.instrument_id for k in feed.contents}
    listed = [i for i in instruments.values() if i.id.value in with_data]
    if symbols is None and len(listed) < len(instruments):
        feed = CatalogFeed(catalog, listed, start_ns=start, end_ns=end)
    return RunSelection(tuple(listed if symbols is None else instruments.values()), feed)


def _instrument_for(args: argparse.Namespace, symbol: str | None) -> Any:
    from nautilus_exec_kit.backtest.tape import default_instrument
    from nautilus_exec_kit.data.exchange_info import load_exchange_info

    default = default_instrument()
    if args.exchange_info:
        chosen = symbol or default.raw_symbol.value
        return load_exchange_info(args.exchange_info, [chosen])[chosen]
    if symbol is not None and symbol != default.raw_symbol.value:
        raise SelectionError(
            f"the kit's built-in instrument is {default.raw_symbol.value}; pass "
            f"--exchange-info with a saved exchangeInfo JSON for {symbol}"
        )
    return default


def _from_bars(args: argparse.Namespace) -> RunSelection:
    from nautilus_exec_kit.backtest.bars import load_bars
    from nautilus_exec_kit.data.layout import named_symbol

    symbols = _symbols(args) or []
    if len(symbols) > 1:
        raise SelectionError("--bars runs one symbol (use --catalog for several)")
    symbol = symbols[0] if symbols else named_symbol(args.bars)
    instrument = _instrument_for(args, symbol)
    bars = load_bars(args.bars, instrument, allow_gaps=args.allow_gaps)
    return RunSelection((instrument,), ListFeed(_in_range(bars, args)))


def _synthetic(args: argparse.Namespace) -> RunSelection:
    from nautilus_exec_kit.backtest.tape import TapeSpec, synthetic_tape

    if args.ticks < 2:
        raise SelectionError("--ticks must be at least 2")
    symbols: Sequence[str | None] = _symbols(args) or [None]
    instruments = [_instrument_for(args, s) for s in symbols]
    data: list[Any] = []
    for index, instrument in enumerate(instruments):
        spec = TapeSpec(ticks=args.ticks, seed=args.seed + index, with_bars=True)
        data += synthetic_tape(spec, instrument).data()
    return RunSelection(tuple(instruments), ListFeed(_in_range(data, args)))


def _in_range(data: list[Any], args: argparse.Namespace) -> list[Any]:
    start, end = _time_range(args)
    if start is None and end is None:
        return data
    lo, hi = start if start is not None else 0, end if end is not None else 2**63
    kept = [d for d in data if lo <= d.ts_init <= hi]
    if not kept:
        raise SelectionError("no data between --start and --end")
    return kept


__all__ = ["RunSelection", "SelectionError", "parse_time", "select_run"]
