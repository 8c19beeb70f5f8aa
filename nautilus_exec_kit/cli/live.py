"""``exec-kit live``: run a strategy on a real ``TradingNode`` with the Binance adapter.

``--env sandbox`` (default) starts the local sandbox venue in this process and trades against it;
``--env demo`` and ``--env live`` use real Binance with keys from the environment variables
(docs/live.md). LIVE needs ``--i-understand-this-is-live`` or ``EXEC_KIT_ALLOW_LIVE=1``.
The node stops on Ctrl-C or after ``--duration`` seconds and prints the run's summary.

Exit status: 0 run finished, 1 configuration error, 2 LIVE refused (no opt-in), 3 the node's
clients were not connected when ``--duration`` ended (connection failed).
"""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path
from typing import Any

from nautilus_exec_kit.cli.sandbox import add_venue_arguments, sandbox_config

#: The example strategy ``exec-kit live`` runs when no ``--strategy`` is given.
DEFAULT_STRATEGY = "strategies.one_way_trend:OneWayTrend"
DEFAULT_INSTRUMENT = "BTCUSDT-PERP.BINANCE"
#: Config the default strategy gets on ``--env sandbox`` (``--strategy-config`` overrides it).
#: The example's own EMA periods (50/200 quotes) need 20 s of 100 ms sandbox quotes before the
#: first signal; these make a short ``--duration 30`` demo trade several times.
SANDBOX_DEMO_CONFIG: dict[str, Any] = {"fast_period": 5, "slow_period": 20}
#: Same as ``nautilus_exec_kit.live.runner.LIVE_OPT_IN_FLAG`` (kept literal so ``--help`` does not
#: import the adapter).
LIVE_OPT_IN_FLAG = "--i-understand-this-is-live"


def add_parser(subparsers: Any, name: str) -> None:
    """Register ``exec-kit live``."""
    parser = subparsers.add_parser(
        name,
        help="run a strategy on a real TradingNode (sandbox, demo or live)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--env",
        choices=["sandbox", "demo", "testnet", "live"],
        default=None,
        help="where to trade (default: the config file's environment, else sandbox)",
    )
    parser.add_argument(
        "--strategy",
        default=None,
        metavar="MODULE:CLASS",
        help=f"strategy to run (default: the config file's, else {DEFAULT_STRATEGY})",
    )
    parser.add_argument(
        "--strategy-config",
        default=None,
        metavar="JSON",
        help="the strategy's config as JSON, or @FILE (instrument_id is filled in)",
    )
    parser.add_argument("--config", default=None, metavar="FILE", help="node config file")
    parser.add_argument(
        "--instrument",
        default=None,
        metavar="ID",
        help=f"instrument (default {DEFAULT_INSTRUMENT})",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop after this many seconds (default: run until Ctrl-C)",
    )
    parser.add_argument("--leverage", type=int, default=None, help="leverage for the instrument")
    parser.add_argument(
        "--key-type",
        choices=["hmac", "ed25519"],
        default="hmac",
        help="sandbox only: sign with an HMAC secret or a fresh Ed25519 key (WS API login)",
    )
    parser.add_argument("--redis", default=None, metavar="HOST:PORT", help="Redis-backed cache")
    parser.add_argument("--log-level", default="INFO", help="Nautilus log level")
    parser.add_argument(
        LIVE_OPT_IN_FLAG,
        dest="allow_live",
        action="store_true",
        help="required (or EXEC_KIT_ALLOW_LIVE=1) to trade real money with --env live",
    )
    add_venue_arguments(parser)


def _strategy_overrides(args: argparse.Namespace) -> dict[str, Any]:
    from nautilus_exec_kit.core.errors import ConfigurationError

    raw = args.strategy_config
    if not raw:
        return {}
    text = Path(raw[1:]).read_text(encoding="utf-8") if raw.startswith("@") else raw
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"--strategy-config is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ConfigurationError("--strategy-config must be a JSON object")
    return value


def _plan_kwargs(args: argparse.Namespace) -> tuple[str, dict[str, Any], Any]:
    """(environment, plan_node overrides, NodeFile or None) from the arguments."""
    from nautilus_exec_kit.core.errors import ConfigurationError
    from nautilus_exec_kit.live.config_file import load_node_file
    from nautilus_exec_kit.live.node_config import RedisSettings, strategy_config

    node_file = load_node_file(args.config) if args.config else None
    environment = args.env or (node_file.environment.value if node_file else "sandbox")
    instrument = args.instrument or (
        node_file.instrument_ids[0]
        if node_file and node_file.instrument_ids
        else DEFAULT_INSTRUMENT
    )
    kwargs: dict[str, Any] = {"log_level": args.log_level}
    if not node_file or args.instrument:
        kwargs["instrument_ids"] = [instrument]
    if args.strategy or not (node_file and node_file.strategies):
        demo = SANDBOX_DEMO_CONFIG if environment == "sandbox" and not args.strategy else {}
        config = {"instrument_id": instrument, **demo, **_strategy_overrides(args)}
        kwargs["strategies"] = [strategy_config(args.strategy or DEFAULT_STRATEGY, config)]
    if args.leverage is not None:
        kwargs["leverages"] = {instrument: args.leverage}
    if args.hedge:
        kwargs["hedge_mode"] = True
    if args.redis:
        host, _, port = args.redis.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigurationError(f"--redis {args.redis!r}: use HOST:PORT")
        kwargs["redis"] = RedisSettings(host=host, port=int(port))
    return environment, kwargs, node_file


def _ed25519_keypair() -> tuple[str, str]:
    """A fresh (private PKCS#8 PEM, public PEM) pair for the sandbox's WS-API login."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def run(args: argparse.Namespace) -> int:
    """Plan, print, (opt-in check), run, summarize."""
    from nautilus_exec_kit import nautilus_generation
    from nautilus_exec_kit.core.errors import ConfigurationError, LiveTradingNotConfirmed

    if nautilus_generation() == "v2":  # a LiveNode from the v2 factory (v2/runner.py)
        # by name: the v1 type check must not follow into the v2 binding
        runner = importlib.import_module("nautilus_exec_kit.v2.runner")
        try:
            strategy_values = _strategy_overrides(args)
        except ConfigurationError as exc:
            print(f"exec-kit live: {exc}")
            return 1
        instrument = args.instrument or DEFAULT_INSTRUMENT
        demo = SANDBOX_DEMO_CONFIG if (args.env or "sandbox") == "sandbox" and \
            not args.strategy else {}
        code: int = runner.run_live(args, {"instrument_id": instrument, **demo,
                                           **strategy_values})
        return code
    from nautilus_exec_kit.live.credentials import Credentials
    from nautilus_exec_kit.live.node_config import Endpoints, plan_node
    from nautilus_exec_kit.live.runner import run_node

    handle = None
    try:
        environment, kwargs, node_file = _plan_kwargs(args)
        if environment == "sandbox":
            from nautilus_exec_kit.sandbox import run_sandbox_in_thread

            overrides: dict[str, Any] = {}
            node_secret = None
            if args.key_type == "ed25519":
                node_secret, public = _ed25519_keypair()
                overrides["ed25519_public_key"] = public
            if args.hedge or (node_file and node_file.hedge_mode):
                overrides["dual_side_position"] = True
            venue_config = sandbox_config(args, **overrides)
            handle = run_sandbox_in_thread(venue_config)
            kwargs["endpoints"] = Endpoints.from_venue(handle.venue)
            kwargs["credentials"] = Credentials.from_values(
                venue_config.api_key,
                node_secret or venue_config.api_secret,
                source="sandbox venue",
            )
        plan = (
            node_file.plan(environment=environment, **kwargs)
            if node_file
            else plan_node(environment, **kwargs)
        )
        result = run_node(plan, duration_secs=args.duration, allow_live=args.allow_live)
    except LiveTradingNotConfirmed as exc:
        print(f"exec-kit live: {exc}")
        return 2
    except ConfigurationError as exc:
        print(f"exec-kit live: {exc}")
        return 1
    finally:
        if handle is not None:
            handle.stop()
    return 3 if result.connected is False else 0
