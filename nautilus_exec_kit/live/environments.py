"""The environment table (SANDBOX, DEMO, TESTNET, LIVE) lives in the core
(:mod:`nautilus_exec_kit.core.environments`), shared with the Nautilus 2 node factory; the v1
node factory imports it from here as before."""

from nautilus_exec_kit.core.environments import (
    PROFILES,
    TESTNET_FUTURES_MESSAGE,
    Environment,
    EnvironmentProfile,
    InflightChecks,
    NodeTimeouts,
    RetrySettings,
    profile,
)

__all__ = [
    "PROFILES",
    "TESTNET_FUTURES_MESSAGE",
    "Environment",
    "EnvironmentProfile",
    "InflightChecks",
    "NodeTimeouts",
    "RetrySettings",
    "profile",
]
