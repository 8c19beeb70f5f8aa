"""``exec-kit live`` on NautilusTrader 2: a strategy on a ``LiveNode`` from the kit's factory.

The command line is the same as on 1.231 (:mod:`nautilus_exec_kit.cli.live`): ``--env sandbox``
(default, a sandbox venue in this process), ``demo`` or ``live`` (keys from the same variables,
LIVE needs ``--i-understand-this-is-live`` or ``EXEC_KIT_ALLOW_LIVE=1``), ``--strategy
MODULE:CLASS`` (default: the v2 example ``strategies.v2.one_way_trend:OneWayTrend``),
``--strategy-config JSON``, ``--instrument``, ``--hedge``, ``--duration``. The node is
:func:`nautilus_exec_kit.v2.live.build_live_node`'s (its safety rules, the start-up position
check). What v1's runner has and v2's does not yet: the node config file (``--config``), a
Redis-backed cache (``--redis``; v2's factory configures no database), ``--leverage`` and the
sandbox's Ed25519 login (``--key-type ed25519``); each is refused with exit status 1 rather
than ignored.

Exit status: 0 the run finished, 1 configuration error, 2 LIVE refused (no opt-in).
"""

from __future__ import annotations

import argparse
import importlib
import threading
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from nautilus_exec_kit.core.errors import ConfigurationError, LiveTradingNotConfirmed

#: The example strategy ``exec-kit live`` runs on NautilusTrader 2 when none is given.
DEFAULT_V2_STRATEGY: Final = "strategies.v2.one_way_trend:OneWayTrend"


def _unsupported(args: argparse.Namespace) -> list[str]:
    """The options v1's runner takes that the v2 runner does not offer yet."""
    flags = {
        "--config": args.config is not None,
        "--redis": args.redis is not None,
        "--leverage": args.leverage is not None,
        "--key-type ed25519": args.key_type == "ed25519",
    }
    return [flag for flag, given in flags.items() if given]


def _resolve(path: str) -> Any:
    module_name, _, name = path.partition(":")
    if not name:
        raise ConfigurationError(f"--strategy {path!r}: use MODULE:CLASS")
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"--strategy {path!r}: {exc}") from None


def _value(default: Any, value: Any) -> Any:
    """A JSON value as the config field's type (read from the field's default): Nautilus
    identifiers from their text, decimals exactly."""
    from_str = getattr(type(default), "from_str", None)
    if isinstance(value, str) and from_str is not None:
        return from_str(value)
    if isinstance(default, Decimal) and not isinstance(value, Decimal):
        return Decimal(str(value))
    return value


def build_strategy(path: str, values: Mapping[str, Any]) -> Any:
    """``MODULE:CLASS`` built with its ``<CLASS>Config`` (same module) from ``values``."""
    cls = _resolve(path)
    config_cls = _resolve(f"{path.partition(':')[0]}:{cls.__name__}Config")
    unknown = sorted(k for k in values if not hasattr(config_cls, k))
    if unknown:
        raise ConfigurationError(
            f"{config_cls.__name__} has no setting {', '.join(unknown)}",
        )
    config = config_cls(**{k: _value(getattr(config_cls, k), v) for k, v in values.items()})
    return cls(config)


def run_live(args: argparse.Namespace, strategy_values: Mapping[str, Any]) -> int:
    """Build the node, run it until Ctrl-C or ``--duration``, print what the kit did."""
    from nautilus_exec_kit.secrets import Secret
    from nautilus_exec_kit.v2.live import Credentials, SandboxEndpoints, build_live_node

    handle = None
    try:
        unsupported = _unsupported(args)
        if unsupported:
            raise ConfigurationError(
                f"{', '.join(unsupported)}: not offered on NautilusTrader 2 yet "
                "(docs/migration.md, 'Not on v2 yet')",
            )
        environment = args.env or "sandbox"
        values = dict(strategy_values)
        if args.hedge:
            values["position_mode"] = "HEDGE"
        strategy = build_strategy(args.strategy or DEFAULT_V2_STRATEGY, values)
        endpoints = credentials = None
        if environment == "sandbox":
            from nautilus_exec_kit.cli.sandbox import sandbox_config
            from nautilus_exec_kit.sandbox import run_sandbox_in_thread

            venue_config = sandbox_config(args, dual_side_position=args.hedge)
            handle = run_sandbox_in_thread(venue_config)
            venue = handle.venue
            endpoints = SandboxEndpoints(venue.base_url_http, f"{venue.base_url_ws}/ws",
                                         venue.base_url_ws_api)
            credentials = Credentials(Secret(venue_config.api_key),
                                      Secret(venue_config.api_secret))
        node = build_live_node([strategy], environment=environment, endpoints=endpoints,
                               credentials=credentials, allow_live=args.allow_live)
        print(f"About to start a LiveNode (NautilusTrader 2): environment={environment}, "
              f"strategy={type(strategy).__name__}, instrument={values.get('instrument_id')}"
              + (f", sandbox {endpoints.http}" if endpoints is not None else ""), flush=True)
        timer = None
        if args.duration is not None:
            timer = threading.Timer(args.duration, node.handle().stop)
            timer.daemon = True
            timer.start()
        started = time.monotonic()
        node.run()
        if timer is not None:
            timer.cancel()
        _print_summary(strategy, time.monotonic() - started)
    except LiveTradingNotConfirmed as exc:
        print(f"exec-kit live: {exc}")
        return 2
    except ConfigurationError as exc:
        print(f"exec-kit live: {exc}")
        return 1
    finally:
        if handle is not None:
            handle.stop()
    return 0


def _print_summary(strategy: Any, seconds: float) -> None:
    stats: dict[str, int] = getattr(strategy, "exec_kit_stats", dict)()
    sent = {k.removeprefix("submit."): v for k, v in stats.items() if k.startswith("submit.")}
    print(f"exec-kit live: ran {seconds:.0f} s; orders sent by the kit: {sum(sent.values())} "
          f"{sent}")
    invalid = {k: v for k, v in stats.items() if k.startswith("invalid.")}
    if invalid:
        print(f"exec-kit live: refused before sending: {invalid}")
    policy: dict[str, Any] = getattr(strategy, "exec_kit_policy_stats", dict)()
    if policy.get("by_action"):
        print(f"exec-kit live: error policy decisions: {policy['by_action']}")
    verdict = getattr(strategy, "exec_kit_position_check", lambda: None)()
    if verdict is not None:
        print(f"exec-kit live: {verdict.describe()}")


__all__ = ["DEFAULT_V2_STRATEGY", "build_strategy", "run_live"]
