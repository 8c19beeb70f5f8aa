"""``exec-kit check-config FILE``: validate a node config file and print a redacted summary.

Exit status 0 when the file builds a node config, 1 otherwise (each bad key is named, with its
real replacement). Credentials are read from the environment's variables; when they are unset the
file is still checked (with placeholders) unless ``--require-credentials`` is given.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any, name: str) -> None:
    """Register ``exec-kit check-config``."""
    parser = subparsers.add_parser(
        name,
        help="validate a node config file (JSON or TOML) and print a redacted summary",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", help="node config file (.json or .toml)")
    parser.add_argument(
        "--require-credentials",
        action="store_true",
        help="fail when the environment's credential variables are not set",
    )


def run(args: argparse.Namespace) -> int:
    """Check the file; print the summary or every problem."""
    from nautilus_exec_kit.core.errors import ConfigurationError, MissingCredentials
    from nautilus_exec_kit.live.config_file import PLACEHOLDER_CREDENTIALS, load_node_file
    from nautilus_exec_kit.live.credentials import credentials_from_env
    from nautilus_exec_kit.live.node_config import Endpoints
    from nautilus_exec_kit.secrets import redact

    notes: list[str] = []
    try:
        node_file = load_node_file(args.file)
        try:
            credentials = credentials_from_env(node_file.environment, node_file.account_type)
        except MissingCredentials as exc:
            if args.require_credentials:
                raise
            credentials = PLACEHOLDER_CREDENTIALS
            notes.append(f"note: {exc} (checked with placeholders)")
        overrides: dict[str, Any] = {"credentials": credentials}
        if node_file.environment.value == "sandbox":
            # The real URLs exist only once a venue runs; check the layout on loopback.
            overrides["endpoints"] = Endpoints.loopback(0)
        plan = node_file.plan(**overrides)
    except ConfigurationError as exc:
        print(f"{args.file}: INVALID")
        print(redact(str(exc), _env_secrets()))
        return 1
    print(f"{args.file}: OK")
    print(plan.describe())
    for note in notes:
        print(note)
    return 0


def _env_secrets() -> list[str]:
    """Every credential variable's value, so no error message can echo one."""
    import os

    from nautilus_exec_kit.live.environments import PROFILES

    names: set[str] = set()
    for prof in PROFILES.values():
        for pair in (prof.futures_key_vars, prof.spot_key_vars, prof.deprecated_futures_key_vars):
            names.update(pair or ())
    return [os.environ[n] for n in names if os.environ.get(n)]
