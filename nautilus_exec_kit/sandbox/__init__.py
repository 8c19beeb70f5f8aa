"""A local Binance USDT-M futures venue the real Nautilus Binance adapter trades against.

Usage::

    from nautilus_exec_kit.sandbox import SandboxConfig, run_sandbox_in_thread
    from nautilus_exec_kit.sandbox.symbols import universe

    sandbox = run_sandbox_in_thread(SandboxConfig(seed=7, symbols=universe(20)))
    venue = sandbox.venue
    # BinanceExecClientConfig(base_url_http=venue.base_url_http,
    #                         base_url_ws=venue.base_url_ws_api,
    #                         base_url_ws_stream=venue.base_url_ws_stream, ...)
    venue.faults.disconnect_user_streams()
    print(venue.truth()["positions"])
    sandbox.stop()

See ``docs/sandbox.md`` for the routes, the fault plan and the admin API.
"""

from nautilus_exec_kit.sandbox._brackets import Bracket
from nautilus_exec_kit.sandbox._config import (
    ApiCredential,
    FundingSpec,
    PriceProcess,
    RateLimits,
    SandboxConfig,
    SymbolSpec,
)
from nautilus_exec_kit.sandbox._engine import BinanceReject, MatchingEngine
from nautilus_exec_kit.sandbox._server import SandboxVenue, VenueAction
from nautilus_exec_kit.sandbox._thread import SandboxHandle, run_sandbox_in_thread
from nautilus_exec_kit.sandbox.faults import (
    FaultAction,
    FaultController,
    FaultKind,
    FaultPlan,
    FaultRule,
    ScheduledAction,
)

__all__ = [
    "ApiCredential",
    "BinanceReject",
    "Bracket",
    "FaultAction",
    "FaultController",
    "FaultKind",
    "FaultPlan",
    "FaultRule",
    "FundingSpec",
    "MatchingEngine",
    "PriceProcess",
    "RateLimits",
    "SandboxConfig",
    "SandboxHandle",
    "SandboxVenue",
    "ScheduledAction",
    "SymbolSpec",
    "VenueAction",
    "run_sandbox_in_thread",
]
