"""``exec-kit backtest``: run a strategy on the kit's Binance USDT-M backtest venue.

Default: the one-way trend example (``strategies.one_way_trend:OneWayTrend``) on a synthetic
BTCUSDT-PERP tape, with a progress bar on stderr and the summary on stdout. Heavy imports happen
inside :func:`run` so ``exec-kit --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import typing
from typing import Any, TextIO

DEFAULT_STRATEGY = "strategies.one_way_trend:OneWayTrend"
DEFAULT_TICKS = 200_000
#: config fields the CLI fills in when the strategy's config has them and the user did not.
_DEFAULT_FIELDS: dict[str, Any] = {
    "instrument_id": "BTCUSDT-PERP.BINANCE",
    "bar_type": "BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL",
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
    p.add_argument(
        "--bars",
        metavar="FILE",
        help="1-minute bars CSV (plain timestamp,o,h,l,c,v or Binance kline) "
        "instead of the synthetic tape",
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


def _with_defaults(config_cls: type, fields: dict[str, Any], verbose: bool) -> Any:
    known = set(getattr(config_cls, "__struct_fields__", ()))
    merged = {k: v for k, v in _DEFAULT_FIELDS.items() if k in known}
    if verbose:
        merged.update(log_events=True, log_commands=True)
    merged.update(fields)
    unknown = sorted(set(fields) - known) if known else []
    if unknown:
        raise CliError(f"{config_cls.__name__} has no field(s) {', '.join(unknown)}")
    try:
        return config_cls.parse(json.dumps(merged))  # type: ignore[attr-defined]
    except Exception as exc:
        raise CliError(f"invalid {config_cls.__name__}: {exc}") from None


def build_strategy(strategy_spec: str, config_spec: str | None, verbose: bool = False) -> Any:
    """Import the strategy class and build it with its config (see ``--config``)."""
    try:
        strategy_cls = _import_attr(strategy_spec, "strategy")
    except CliError as exc:
        if strategy_spec == DEFAULT_STRATEGY:
            raise CliError(
                f"the default example strategy is not available ({exc}); pass --strategy "
                "module:Class"
            ) from None
        raise
    if config_spec is None or config_spec.lstrip().startswith("{"):
        try:
            fields = json.loads(config_spec) if config_spec else {}
        except json.JSONDecodeError as exc:
            raise CliError(f"--config is not valid JSON: {exc}") from None
        if not isinstance(fields, dict):
            raise CliError("--config JSON must be an object of config fields")
        config = _with_defaults(_config_class(strategy_cls), fields, verbose)
    else:
        obj = _import_attr(config_spec, "config")
        config = _with_defaults(obj, {}, verbose) if isinstance(obj, type) else obj
    return strategy_cls(config)


class ProgressBar:
    """A one-line progress bar redrawn in place on ``stream``."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30) -> None:
        self.total, self.width = total, width
        self.stream = stream if stream is not None else sys.stderr

    def __call__(self, fraction: float, done: int) -> None:
        filled = int(self.width * fraction)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {fraction:6.1%} {done:,}/{self.total:,} data points")
        if fraction >= 1.0:
            self.stream.write("\n")
        self.stream.flush()


def _load_data(args: argparse.Namespace) -> tuple[list[Any], bool]:
    """The data to run and whether it has quotes (bars drive the venue only without quotes)."""
    from nautilus_exec_kit.backtest.tape import TapeSpec, synthetic_tape

    if args.bars:
        from nautilus_exec_kit.backtest.bars import load_bars

        return list(load_bars(args.bars)), False
    if args.ticks < 2:
        raise CliError("--ticks must be at least 2")
    tape = synthetic_tape(TapeSpec(ticks=args.ticks, seed=args.seed, with_bars=True))
    return tape.data(), True


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
    from nautilus_exec_kit.backtest.runner import BacktestRunner, RunnerConfig
    from nautilus_exec_kit.backtest.summary import format_summary

    if args.tearsheet:
        try:
            import plotly  # noqa: F401
        except ImportError:
            raise CliError(
                "--tearsheet needs plotly: pip install 'nautilus-exec-kit[visualization]'"
            ) from None
    strategy = build_strategy(args.strategy, args.config, args.verbose)
    data, has_quotes = _load_data(args)
    hooks: list[Any] = []
    if args.inject_rejects:
        from nautilus_exec_kit.backtest.rejects import RejectInjector, parse_reject_spec

        injector = RejectInjector(parse_reject_spec(args.inject_rejects))
        hooks.append(injector.install)
    config = RunnerConfig(
        linear_cost=not args.plain_engine,
        verbose=args.verbose,
        bar_execution=not has_quotes,
        hooks=tuple(hooks),
    )
    runner = BacktestRunner(config)
    try:
        runner.add_strategies(strategy)
        progress = None if args.no_progress else ProgressBar(len(data))
        report = runner.run(data, progress)
        print(format_summary(report))
        if args.tearsheet:
            _write_tearsheet(runner.engine, args.tearsheet)
            print(f"tearsheet written to {args.tearsheet}")
    finally:
        runner.dispose()
    return 0
