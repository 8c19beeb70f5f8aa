"""``exec-kit sandbox``: serve the local Binance USDT-M sandbox venue until Ctrl-C.

Point any Nautilus node at the printed URLs (or use ``exec-kit live --env sandbox``, which starts
its own). The API secret is not printed: it is the ``SandboxConfig`` default unless
``EXEC_KIT_SANDBOX_API_KEY`` / ``EXEC_KIT_SANDBOX_API_SECRET`` are set.
"""

from __future__ import annotations

import argparse
import os
import threading
from typing import Any

from nautilus_exec_kit.secrets import Secret

#: The variables that override the sandbox's credentials (same names ``exec-kit live`` reads).
SANDBOX_KEY_VAR = "EXEC_KIT_SANDBOX_API_KEY"
SANDBOX_SECRET_VAR = "EXEC_KIT_SANDBOX_API_SECRET"
SANDBOX_ADMIN_TOKEN_VAR = "EXEC_KIT_SANDBOX_ADMIN_TOKEN"


def add_parser(subparsers: Any, name: str) -> None:
    """Register ``exec-kit sandbox``."""
    parser = subparsers.add_parser(
        name,
        help="serve the local Binance USDT-M sandbox venue (127.0.0.1) until Ctrl-C",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_venue_arguments(parser)
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop after this many seconds instead of waiting for Ctrl-C",
    )


def add_venue_arguments(parser: argparse.ArgumentParser) -> None:
    """The venue options shared by ``sandbox`` and ``live --env sandbox``."""
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the price process")
    parser.add_argument(
        "--hedge", action="store_true", help="start the account in hedge mode (dualSidePosition)"
    )
    parser.add_argument(
        "--faults", default=None, metavar="FILE", help="fault plan JSON file (docs/live.md)"
    )
    parser.add_argument(
        "--symbols", type=int, default=None, metavar="N",
        help="list N symbols: the real presets (BTCUSDT, ETHUSDT, SOLUSDT, ...) then synthetic "
             "ones (default: BTCUSDT only)",
    )
    parser.add_argument(
        "--symbol", action="append", default=None, metavar="NAME",
        help="list this preset symbol (repeatable, e.g. --symbol ETHUSDT --symbol DOGEUSDT)",
    )
    parser.add_argument(
        "--funding-interval-ms", type=int, default=None, metavar="MS",
        help="settle funding every MS milliseconds instead of Binance's 8 h / 4 h / 1 h",
    )


def sandbox_config(args: argparse.Namespace, **overrides: Any) -> Any:
    """A ``SandboxConfig`` from the command line and the credential variables."""
    from nautilus_exec_kit.sandbox import SandboxConfig
    from nautilus_exec_kit.sandbox.faults import FaultPlan

    kwargs: dict[str, Any] = {
        "port": args.port,
        "seed": args.seed,
        "dual_side_position": args.hedge,
    }
    if os.environ.get(SANDBOX_KEY_VAR):
        kwargs["api_key"] = os.environ[SANDBOX_KEY_VAR]
    if os.environ.get(SANDBOX_SECRET_VAR):
        kwargs["api_secret"] = os.environ[SANDBOX_SECRET_VAR]
    if os.environ.get(SANDBOX_ADMIN_TOKEN_VAR):
        kwargs["admin_token"] = os.environ[SANDBOX_ADMIN_TOKEN_VAR]
    if args.faults:
        kwargs["faults"] = FaultPlan.from_json_file(args.faults)
    symbols = _symbols(args)
    if symbols is not None:
        kwargs["symbols"] = symbols
    kwargs.update(overrides)
    return SandboxConfig(**kwargs)


def _symbols(args: argparse.Namespace) -> tuple[Any, ...] | None:
    """The symbols ``--symbols`` / ``--symbol`` / ``--funding-interval-ms`` ask for (None: the
    venue's default)."""
    import attrs

    from nautilus_exec_kit.core.errors import ConfigurationError
    from nautilus_exec_kit.sandbox.symbols import PRESETS, preset, universe

    count, names = getattr(args, "symbols", None), getattr(args, "symbol", None)
    interval = getattr(args, "funding_interval_ms", None)
    if count is None and not names and interval is None:
        return None
    if count is not None and count < 1:
        raise ConfigurationError(f"--symbols {count}: list at least one symbol")
    unknown = [n for n in names or () if n.upper() not in PRESETS]
    if unknown:
        raise ConfigurationError(f"--symbol {unknown[0]}: not a preset; one of "
                                 f"{', '.join(PRESETS)}")
    specs = list(universe(count)) if count else []
    for name in names or ():
        if all(s.symbol != name.upper() for s in specs):
            specs.append(preset(name))
    specs = specs or [preset("BTCUSDT")]
    if interval is not None:
        specs = [attrs.evolve(s, funding=attrs.evolve(s.funding, interval_ms=interval))
                 for s in specs]
    return tuple(specs)


def run(args: argparse.Namespace) -> int:
    """Serve the venue until Ctrl-C (or ``--duration``)."""
    from nautilus_exec_kit.core.errors import ConfigurationError
    from nautilus_exec_kit.sandbox import run_sandbox_in_thread

    try:
        config = sandbox_config(args)
    except (ConfigurationError, ValueError, OSError) as exc:
        print(f"exec-kit sandbox: {exc}")
        return 1
    handle = run_sandbox_in_thread(config)
    venue = handle.venue
    try:
        print("Sandbox venue (Binance USDT-M) running:")
        print(f"  REST             : {venue.base_url_http}")
        print(f"  market streams   : {venue.base_url_ws}")
        print(f"  user stream base : {venue.base_url_ws_stream}")
        print(f"  WS API (Ed25519) : {venue.base_url_ws_api}")
        print(
            f"  api key          : {Secret(config.api_key).masked()} "
            f"(secret: {SANDBOX_SECRET_VAR} or the SandboxConfig default)"
        )
        print(f"  position mode    : {'HEDGE' if config.dual_side_position else 'ONE_WAY'}")
        names = [spec.symbol for spec in config.symbols]
        shown = ", ".join(names[:8]) + (f", ... ({len(names)} symbols)" if len(names) > 8 else "")
        print(f"  symbols          : {shown}")
        # The admin token guards /admin/* on this local venue only; it is printed (unless the
        # operator chose it) because nobody else can learn it, and the admin API needs it.
        token = (Secret(venue.admin_token).masked() if config.admin_token
                 else venue.admin_token)
        print(f"  admin API        : {venue.base_url_http}/admin/... with header "
              f"X-Sandbox-Admin-Token: {token}")
        print("Ctrl-C to stop.", flush=True)
        threading.Event().wait(args.duration)
    except KeyboardInterrupt:
        print("\nstopping")
    finally:
        handle.stop()
    print("sandbox stopped")
    return 0
