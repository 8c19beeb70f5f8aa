"""``exec-kit data``: Binance Vision files into a Nautilus ``ParquetDataCatalog``, and what a
catalog holds.

    exec-kit data import --catalog catalog/ --exchange-info exchangeInfo.json downloads/
    exec-kit data list --catalog catalog/

``import`` takes files and folders (searched for ``*.zip`` / ``*.csv``), checks every file's
name, kind and instrument before writing anything, then imports them in time order with a
progress bar. Errors are one line naming the file and line, exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any, name: str) -> None:
    """Register ``exec-kit data`` and its ``import`` / ``list`` commands."""
    p = subparsers.add_parser(
        name,
        help="import Binance Vision files into a Parquet catalog, list a catalog",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    commands = p.add_subparsers(dest="data_command", metavar="COMMAND", required=True)
    imp = commands.add_parser(
        "import",
        help="import Binance Vision USDT-M files (klines, markPriceKlines, fundingRate, "
        "aggTrades, bookTicker; zipped or not)",
    )
    imp.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to import")
    imp.add_argument("--catalog", required=True, metavar="DIR", help="the catalog (created)")
    imp.add_argument(
        "--exchange-info",
        metavar="FILE",
        help="a saved https://fapi.binance.com/fapi/v1/exchangeInfo: the instruments (stored "
        "in the catalog too); needed unless the catalog already has them",
    )
    from nautilus_exec_kit.data.layout import KINDS  # a light import: names and columns only

    imp.add_argument(
        "--kind",
        choices=list(KINDS),
        help="the files' kind, when their names and folders do not tell it (a kline file "
        "outside Binance Vision's folders)",
    )
    imp.add_argument("--interval", metavar="1m", help="kline interval of renamed files")
    imp.add_argument(
        "--allow-gaps",
        action="store_true",
        help="import series with missing bars, settlements or trades (default: refused)",
    )
    imp.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    lst = commands.add_parser("list", help="instruments and series a catalog holds")
    lst.add_argument("--catalog", required=True, metavar="DIR")


def run(args: argparse.Namespace) -> int:
    """Run ``exec-kit data <command>``; 0 on success, 2 on a data or usage error."""
    from nautilus_exec_kit.core.errors import ConfigurationError

    try:
        return _COMMANDS[args.data_command](args)
    except ConfigurationError as exc:
        print(f"exec-kit data: error: {exc}", file=sys.stderr)
        return 2


def _files(paths: list[str]) -> list[Path]:
    """Files as given, and every ``*.zip`` / ``*.csv`` under folders (sorted)."""
    out: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.suffix.lower() in (".zip", ".csv"))
        else:
            out.append(path)  # a missing file is named by the loader
    return out


def _import(args: argparse.Namespace) -> int:
    from nautilus_exec_kit.cli.console import cli_console
    from nautilus_exec_kit.cli.progress import ProgressBar
    from nautilus_exec_kit.data.catalog import catalog_instruments, open_catalog, write_instruments
    from nautilus_exec_kit.data.exchange_info import load_exchange_info
    from nautilus_exec_kit.data.importer import ImportedFile, import_files
    from nautilus_exec_kit.data.timestamps import iso

    catalog = open_catalog(args.catalog, create=True)
    instruments: dict[str, Any] = dict(catalog_instruments(catalog))
    if args.exchange_info:
        listed = load_exchange_info(args.exchange_info)
        write_instruments(catalog, listed.values())
        instruments.update(listed)
    files = _files(args.paths)
    out, err = cli_console(), cli_console(stderr=True)
    results: list[ImportedFile] = []

    def imported(result: ImportedFile) -> None:
        results.append(result)
        if bar is not None:
            bar(len(results) / len(files), len(results))

    bar = None if args.no_progress else ProgressBar("import", "files", err)
    if bar is not None:
        with bar:
            import_files(catalog, files, instruments=instruments, kind=args.kind,
                         interval=args.interval, allow_gaps=args.allow_gaps, on_file=imported)
    else:
        import_files(catalog, files, instruments=instruments, kind=args.kind,
                     interval=args.interval, allow_gaps=args.allow_gaps, on_file=imported)
    for r in results:
        status = "imported" if r.written else "already in the catalog"
        out.print(
            f"{r.file.path.name}: {r.rows:,} {r.series} {iso(r.first_ns)} .. {iso(r.last_ns)} "
            f"({status})",
            highlight=False, markup=False, soft_wrap=True,
        )
    written = sum(r.written for r in results)
    out.print(f"{written} of {len(results)} files imported into {args.catalog}",
              highlight=False, markup=False, soft_wrap=True)
    return 0


def _list(args: argparse.Namespace) -> int:
    from rich import box
    from rich.table import Table

    from nautilus_exec_kit.backtest.feed import DATA_KINDS
    from nautilus_exec_kit.cli.console import cli_console
    from nautilus_exec_kit.data.catalog import (
        catalog_instruments,
        identifiers,
        open_catalog,
        stored_span,
    )
    from nautilus_exec_kit.data.catalog_feed import SERIES_CLASSES
    from nautilus_exec_kit.data.timestamps import iso

    catalog = open_catalog(args.catalog)
    table = Table(title="Instruments", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("symbol", "instrument", "tick", "step", "min notional", "taker fee"):
        table.add_column(column)
    for symbol, i in catalog_instruments(catalog).items():
        table.add_row(symbol, i.id.value, str(i.price_increment), str(i.size_increment),
                      str(i.min_notional), str(i.taker_fee))
    series = Table(title="Series", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("kind", "series", "from", "to"):
        series.add_column(column)
    for cls in SERIES_CLASSES:
        for ident in identifiers(catalog, cls):
            lo, hi = stored_span(catalog, cls, ident)
            series.add_row(DATA_KINDS[cls], ident, iso(lo), iso(hi))
    console = cli_console()
    console.print(table)
    console.print(series)
    return 0


_COMMANDS = {"import": _import, "list": _list}
