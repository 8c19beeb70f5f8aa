"""``exec-kit backtest``: run a strategy on the kit's Binance USDT-M backtest venue.

Default: the one-way trend example (``strategies.one_way_trend:OneWayTrend``) on a synthetic
BTCUSDT-PERP tape, with a progress bar on stderr and the summary on stdout. ``--bars FILE`` runs
one bar file instead; ``--catalog DIR`` runs what ``exec-kit data import`` stored (several
symbols, a time range). Heavy imports happen inside :func:`run` so ``exec-kit --help`` stays
fast.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import typing
import warnings
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from nautilus_exec_kit.core.perpetuals import MarginMode

DEFAULT_STRATEGY = "strategies.one_way_trend:OneWayTrend"
DEFAULT_TICKS = 200_000
#: config fields the CLI fills in when the strategy's config has them and the user did not.
_DEFAULT_FIELDS: dict[str, Any] = {
    "log_events": False,
    "log_commands": False,
}


def add_parser(subparsers: Any, name: str) -> None:
    """Register ``exec-kit backtest``."""
    p = subparsers.add_parser(
        name,
        help="run a strategy on a simulated Binance USDT-M venue and print a summary",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    p.add_argument(
        "--strategy",
        default=DEFAULT_STRATEGY,
        metavar="MODULE:CLASS",
        help=f"strategy class to run (default {DEFAULT_STRATEGY})",
    )
    p.add_argument(
        "--config",
        metavar="JSON|MODULE:CONFIG",
        help="strategy config: a JSON object of fields, or MODULE:NAME of a config "
        "instance or class",
    )
    data = p.add_mutually_exclusive_group()
    data.add_argument(
        "--bars",
        metavar="FILE",
        help="a 1-minute bars file (plain timestamp,o,h,l,c,v CSV or a Binance Vision klines "
        "file, zipped or not) instead of the synthetic tape",
    )
    data.add_argument(
        "--catalog",
        metavar="DIR",
        help="run the data a Nautilus ParquetDataCatalog holds (see 'exec-kit data import')",
    )
    p.add_argument(
        "--symbols",
        metavar="SYM,SYM",
        help="Binance symbols to run (with --catalog: default every instrument that has data; "
        "with --bars: the file's symbol)",
    )
    p.add_argument(
        "--start", metavar="TIME", help="first time to run (UTC date/time or epoch ms)"
    )
    p.add_argument(
        "--end", metavar="TIME", help="run up to, not including, this time (UTC, epoch ms)"
    )
    p.add_argument(
        "--exchange-info",
        metavar="FILE",
        help="instruments from a saved /fapi/v1/exchangeInfo JSON (any symbol, its real "
        "filters) instead of the kit's BTCUSDT test instrument (--catalog: of the catalog's)",
    )
    p.add_argument(
        "--allow-gaps",
        action="store_true",
        help="accept a --bars file with missing bars (default: refused, naming the gap)",
    )
    p.add_argument(
        "--ticks",
        type=int,
        default=DEFAULT_TICKS,
        help=f"synthetic tape length in quotes, 100 ms apart (default {DEFAULT_TICKS})",
    )
    p.add_argument("--seed", type=int, default=42, help="synthetic tape seed (default 42)")
    p.add_argument(
        "--inject-rejects",
        metavar="SPEC",
        help="inject Binance rejects, written with '=' since a spec starts with '-': "
        "--inject-rejects='-2019@nth=3;-1003@window=60s..120s'",
    )
    p.add_argument(
        "--tearsheet",
        metavar="FILE.html",
        help="write Nautilus' HTML tearsheet (needs the 'visualization' extra)",
    )
    economics = p.add_argument_group(
        "perpetual economics", "funding, mark price and liquidation as Binance charges them "
        "(docs/perpetuals.md); funding rates and mark prices in the data are used as they are")
    economics.add_argument(
        "--funding-rate",
        metavar="RATE",
        type=Decimal,
        help="a constant funding rate (e.g. 0.0001) charged on Binance's schedule for symbols "
        "the data has no funding rates for (default: none; the run names what it left out)",
    )
    economics.add_argument(
        "--margin-mode", choices=[m.value for m in MarginMode], default=MarginMode.CROSS.value,
        help="Binance marginType of every symbol (default cross)",
    )
    economics.add_argument(
        "--leverage-brackets",
        metavar="FILE",
        help="a saved /fapi/v1/leverageBracket JSON (signed: save it from your account): each "
        "symbol's maintenance-margin tiers (default: BTCUSDT's, named as a stand-in)",
    )
    economics.add_argument(
        "--no-perpetuals",
        action="store_true",
        help="the plain SimulatedExchange: no funding, no mark price, never liquidates",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument(
        "--plain-engine",
        action="store_true",
        help="disable the kit's linear-cost workarounds (for comparison)",
    )
    p.add_argument("--verbose", action="store_true", help="Nautilus INFO logs and event logs")


class CliError(Exception):
    """A user-facing error of this command: printed without a traceback, exit status 2."""


def _import_attr(spec: str, what: str) -> Any:
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise CliError(f"{what} must look like 'module:Name', got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise CliError(f"cannot import {what} module {module_name!r}: {exc}") from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise CliError(f"module {module_name!r} has no {attr!r} ({what})") from None


def _config_class(strategy_cls: Any) -> type:
    try:
        hints = typing.get_type_hints(strategy_cls.__init__)
    except Exception:  # unresolvable annotations: fall back to the naming convention
        hints = {}
    cls = hints.get("config")
    if isinstance(cls, type):
        return cls
    module = sys.modules[strategy_cls.__module__]
    named = getattr(module, f"{strategy_cls.__name__}Config", None)
    if isinstance(named, type):
        return named
    raise CliError(f"cannot tell the config class of {strategy_cls.__name__}; use --config")


def _required_fields(config_cls: type) -> set[str]:
    """The msgspec struct fields without a default."""
    names = tuple(getattr(config_cls, "__struct_fields__", ()))
    defaults = tuple(getattr(config_cls, "__struct_defaults__", ()))
    return set(names[: len(names) - len(defaults)])


def _parse_config(config_cls: type, merged: dict[str, Any], fields: dict[str, Any]) -> Any:
    known = set(getattr(config_cls, "__struct_fields__", ()))
    unknown = sorted(set(fields) - known) if known else []
    if unknown:
        raise CliError(f"{config_cls.__name__} has no field(s) {', '.join(unknown)}")
    try:
        return config_cls.parse(json.dumps(merged))  # type: ignore[attr-defined]
    except Exception as exc:
        raise CliError(f"invalid {config_cls.__name__}: {exc}") from None


def _with_defaults(
    config_cls: type,
    fields: dict[str, Any],
    verbose: bool,
    run_fields: dict[str, Any] | None = None,
) -> Any:
    """The config: the CLI's defaults and this run's fields (instrument, bars) under the
    user's ``fields``, each only where the config has the field."""
    known = set(getattr(config_cls, "__struct_fields__", ()))
    merged = {k: v for k, v in {**_DEFAULT_FIELDS, **(run_fields or {})}.items() if k in known}
    if verbose:
        merged.update(log_events=True, log_commands=True)
    merged.update(fields)
    return _parse_config(config_cls, merged, fields)


def _strategy_class(strategy_spec: str) -> Any:
    try:
        return _import_attr(strategy_spec, "strategy")
    except CliError as exc:
        if strategy_spec == DEFAULT_STRATEGY:
            raise CliError(
                f"the default example strategy is not available ({exc}); pass --strategy "
                "module:Class"
            ) from None
        raise


def build_strategies(
    strategy_spec: str,
    config_spec: str | None,
    verbose: bool = False,
    *,
    instruments: Sequence[Any] = (),
    contents: frozenset[Any] = frozenset(),
) -> list[Any]:
    """Import the strategy class and build it with its config (see ``--config``): one strategy
    per instrument when its config has an ``instrument_id`` the user did not set.

    Each gets the run's fields its config has: ``instrument_id``; ``bar_type`` when the config
    requires one, or when the instrument has bars but no quote ticks in the run (the kit's
    examples then trade on bars); ``order_id_tag`` = the symbol when there are several.
    """
    strategy_cls = _strategy_class(strategy_spec)
    fields: dict[str, Any]
    if config_spec is not None and not config_spec.lstrip().startswith("{"):
        obj = _import_attr(config_spec, "config")
        if not isinstance(obj, type):
            return [strategy_cls(obj)]
        config_cls, fields = obj, {}
    else:
        try:
            fields = json.loads(config_spec) if config_spec else {}
        except json.JSONDecodeError as exc:
            raise CliError(f"--config is not valid JSON: {exc}") from None
        if not isinstance(fields, dict):
            raise CliError("--config JSON must be an object of config fields")
        config_cls = _config_class(strategy_cls)
    known = set(getattr(config_cls, "__struct_fields__", ()))
    if "instrument_id" in fields or "instrument_id" not in known or not instruments:
        iid = fields.get("instrument_id") or (str(instruments[0].id) if instruments else None)
        run_fields = _run_fields(config_cls, iid, contents, fields) if iid else {}
        return [strategy_cls(_with_defaults(config_cls, fields, verbose, run_fields))]
    strategies = []
    for instrument in instruments:
        run_fields = _run_fields(config_cls, str(instrument.id), contents, fields)
        if len(instruments) > 1:
            run_fields["order_id_tag"] = instrument.raw_symbol.value
        strategies.append(strategy_cls(_with_defaults(config_cls, fields, verbose, run_fields)))
    return strategies


def build_strategy(strategy_spec: str, config_spec: str | None, verbose: bool = False) -> Any:
    """One strategy for the default instrument (see :func:`build_strategies`)."""
    from nautilus_exec_kit.backtest.tape import default_instrument

    return build_strategies(
        strategy_spec, config_spec, verbose, instruments=[default_instrument()]
    )[0]


def _run_fields(
    config_cls: type, iid: str, contents: frozenset[Any], fields: dict[str, Any]
) -> dict[str, Any]:
    """``instrument_id`` and, by the rule of :func:`build_strategies`, ``bar_type``."""
    from nautilus_trader.model.data import BarType

    out: dict[str, Any] = {"instrument_id": iid}
    if "bar_type" in fields:
        return out
    bars = sorted(
        (k.identifier for k in contents if k.kind == "bars"
         and str(BarType.from_str(k.identifier).instrument_id) == iid),
        key=lambda b: BarType.from_str(b).spec.timedelta,
    )
    has_quotes = any(k.kind == "quote ticks" and k.identifier == iid for k in contents)
    if "bar_type" in _required_fields(config_cls):
        out["bar_type"] = bars[0] if bars else f"{iid}-1-MINUTE-LAST-EXTERNAL"
    elif bars and not has_quotes:
        out["bar_type"] = bars[0]
    return out


def _write_tearsheet(engine: Any, path: str) -> None:
    try:
        from nautilus_trader.analysis.tearsheet import create_tearsheet
    except ImportError as exc:  # pragma: no cover - part of nautilus_trader
        raise CliError(f"tearsheet unavailable: {exc}") from None
    try:
        create_tearsheet(engine, output_path=path)
    except ImportError:
        raise CliError(
            "--tearsheet needs plotly: pip install 'nautilus-exec-kit[visualization]'"
        ) from None


def run(args: argparse.Namespace) -> int:
    """Run the backtest described by ``args``; 0 on success, 2 on a usage/config error."""
    from nautilus_exec_kit.core.errors import ConfigurationError

    try:
        return _run(args)
    except (CliError, ConfigurationError) as exc:
        print(f"exec-kit backtest: error: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from nautilus_exec_kit.backtest.report_view import print_summary
    from nautilus_exec_kit.backtest.runner import BacktestRunner, RunnerConfig
    from nautilus_exec_kit.backtest.subscriptions import UnfedSubscriptionWarning
    from nautilus_exec_kit.cli.console import cli_console
    from nautilus_exec_kit.cli.progress import ProgressBar
    from nautilus_exec_kit.cli.selection import select_run

    if args.tearsheet:
        try:
            import plotly  # noqa: F401
        except ImportError:
            raise CliError(
                "--tearsheet needs plotly: pip install 'nautilus-exec-kit[visualization]'"
            ) from None
    selection = select_run(args)
    strategies = build_strategies(
        args.strategy,
        args.config,
        args.verbose,
        instruments=selection.instruments,
        contents=selection.feed.contents,
    )
    hooks: list[Any] = []
    if args.inject_rejects:
        from nautilus_exec_kit.backtest.rejects import RejectInjector, parse_reject_spec

        injector = RejectInjector(parse_reject_spec(args.inject_rejects))
        hooks.append(injector.install)
    from nautilus_exec_kit.backtest.perpetuals import PerpetualTerms

    terms, notes = _perpetual_terms(args, selection.instruments)
    config = RunnerConfig(
        linear_cost=not args.plain_engine,
        verbose=args.verbose,
        bar_execution=selection.bars_drive_the_venue,
        hooks=tuple(hooks),
        perpetuals=None if args.no_perpetuals else PerpetualTerms(),
        perpetual_terms=terms,
    )
    err = cli_console(stderr=True)
    for note in notes:
        err.print(f"note: {note}", highlight=False, markup=False, soft_wrap=True)
    runner = BacktestRunner(config, selection.instruments)
    try:
        runner.add_strategies(strategies)
        with warnings.catch_warnings():
            # the CLI prints them itself, once, above the progress bar
            warnings.simplefilter("ignore", UnfedSubscriptionWarning)
            if args.no_progress:
                report = runner.run(selection.feed)
            else:
                with ProgressBar("backtest", "data points", err) as bar:
                    report = runner.run(selection.feed, _noting(bar, runner))
        for message in runner.data_warnings if args.no_progress else ():
            err.print(f"warning: {message}", highlight=False, markup=False, soft_wrap=True)
        for message in _unfunded_warnings(runner):
            err.print(f"warning: {message}", highlight=False, markup=False, soft_wrap=True)
        print_summary(report, cli_console())
        if args.tearsheet:
            _write_tearsheet(runner.engine, args.tearsheet)
            print(f"tearsheet written to {args.tearsheet}")
    finally:
        runner.dispose()
    return 0


def _read_json(path: str | None, what: str) -> Any:
    if path is None:
        return None
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise CliError(f"{what} {path}: {exc}") from None


def _perpetual_terms(
    args: argparse.Namespace, instruments: Any,
) -> tuple[dict[Any, Any], list[str]]:
    """Each instrument's perpetual terms from the command line and the saved Binance files."""
    from nautilus_exec_kit.backtest.perpetuals import terms_from_binance

    if args.no_perpetuals:
        return {}, []
    brackets = _read_json(args.leverage_brackets, "--leverage-brackets")
    if brackets is not None and not isinstance(brackets, list):
        raise CliError(f"--leverage-brackets {args.leverage_brackets}: not a "
                       "/fapi/v1/leverageBracket answer (a JSON list of symbols)")
    try:
        return terms_from_binance(
            instruments,
            exchange_info=_read_json(args.exchange_info, "--exchange-info"),
            leverage_brackets=brackets,
            funding_rate=args.funding_rate,
            margin_mode=MarginMode(args.margin_mode),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise CliError(f"--leverage-brackets {args.leverage_brackets}: a row lacks or "
                       f"misspells a field ({exc!r})") from None


def _unfunded_warnings(runner: Any) -> list[str]:
    module = runner.perpetuals
    return [] if module is None else [
        f"{instrument} was held across {n} funding time(s) the data has no rate for: its "
        "funding is not in the PnL (import its fundingRate files or pass --funding-rate)"
        for instrument, n in module.unfunded().items()]


def _noting(bar: Any, runner: Any) -> Any:
    """The progress callback: advance ``bar`` and print the runner's new data warnings."""
    shown = 0

    def progress(fraction: float, done: int) -> None:
        nonlocal shown
        for message in runner.data_warnings[shown:]:
            bar.note(f"warning: {message}")
        shown = len(runner.data_warnings)
        bar(fraction, done)

    return progress
