"""What a user of a third-party Binance client does against the sandbox, step by step.

Each flow is a list of named steps against one client (ccxt ``binanceusdm``, ``ccxt.pro``, Binance's
official USDⓈ-M SDK), configured only the way the client's own docs allow (base URLs, options):
nothing in the client is patched. ``run_flow`` runs every step, records whether it succeeded and
why not, so the tests assert on each step and ``benchmarks/peer_clients.py`` counts them.

Every URL the clients know is pointed at the sandbox (spot, sapi and dapi as well as fapi), so no
request can leave 127.0.0.1 even if a client calls an endpoint the flow did not expect.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from nautilus_exec_kit.sandbox import SandboxVenue

API_KEY, API_SECRET = "sandbox-api-key", "sandbox-api-secret"
SYMBOL = "BTC/USDT:USDT"
_HTTP = re.compile(r"https://[a-z0-9.-]*binance\.(com|vision)")
_WS = re.compile(r"wss://[a-z0-9.-]*binance\.(com|vision)(:\d+)?")


@attrs.define
class StepResult:
    client: str
    step: str
    ok: bool
    detail: str = ""


def retarget(urls: Any, venue: SandboxVenue) -> Any:
    """Every Binance URL in a client's (nested) URL table, pointed at ``venue``."""
    if isinstance(urls, dict):
        return {k: retarget(v, venue) for k, v in urls.items()}
    if isinstance(urls, list):
        return [retarget(v, venue) for v in urls]
    if isinstance(urls, str):
        return _WS.sub(venue.base_url_ws, _HTTP.sub(venue.base_url_http, urls))
    return urls


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


Step = tuple[str, Callable[[], Any]]


def run_steps(client: str, steps: list[Step]) -> list[StepResult]:
    """Run ``steps`` in order; a step passes if it returns anything but False and raises nothing."""
    results = []
    for name, fn in steps:
        try:
            outcome = fn()
        except Exception as exc:  # the step's failure is the result, not the test's crash
            results.append(StepResult(client, name, False, f"{type(exc).__name__}: {exc}"[:300]))
            continue
        results.append(StepResult(client, name, outcome is not False,
                                  "" if outcome is not False else "returned False"))
    return results


async def run_async_steps(client: str,
                          steps: list[tuple[str, Callable[[], Awaitable[Any]]]]
                          ) -> list[StepResult]:
    results = []
    for name, fn in steps:
        try:
            outcome = await asyncio.wait_for(fn(), 15)
        except Exception as exc:
            results.append(StepResult(client, name, False, f"{type(exc).__name__}: {exc}"[:300]))
            continue
        results.append(StepResult(client, name, outcome is not False,
                                  "" if outcome is not False else "returned False"))
    return results
