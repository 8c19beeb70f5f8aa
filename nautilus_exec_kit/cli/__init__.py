"""``exec-kit``: the command line.

Each subcommand lives in its own module (``backtest``, ``data``, ``sandbox``, ``live``,
``check_config``) exposing ``add_parser(subparsers)`` and ``run(args) -> int``. Modules are
imported lazily so ``exec-kit --help`` stays fast and a broken optional subcommand cannot break
the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: subcommand name -> module under nautilus_exec_kit.cli
SUBCOMMANDS: dict[str, str] = {
    "backtest": "backtest",
    "data": "data",
    "sandbox": "sandbox",
    "live": "live",
    "check-config": "check_config",
}


def build_parser() -> argparse.ArgumentParser:
    """Build the ``exec-kit`` parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="exec-kit",
        description="Validated Binance USDT-M execution for NautilusTrader strategies.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in SUBCOMMANDS.items():
        try:
            module = importlib.import_module(f"nautilus_exec_kit.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"nautilus_exec_kit.cli.{module_name}":
                raise
            continue
        module.add_parser(subparsers, name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``exec-kit`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    module = importlib.import_module(f"nautilus_exec_kit.cli.{SUBCOMMANDS[args.command]}")
    result: int = module.run(args)
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
