"""Third-party Binance clients trade against the sandbox unpatched: ccxt, ccxt.pro, Binance's SDK.

Each flow step is a test case of its own in the report (``StepResult``), but the clients share one
venue per flow, in order, as a user's session would: markets, account set-up, every order type,
query, modify, cancel, trades, market streams and the user stream's fills.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from nautilus_exec_kit.sandbox import (
    ApiCredential,
    PriceProcess,
    SandboxConfig,
    SandboxHandle,
    SandboxVenue,
    run_sandbox_in_thread,
)
from nautilus_exec_kit.sandbox.symbols import universe
from tests.peers.ccxt_flow import ccxt_client, ccxt_steps
from tests.peers.ccxt_pro_flow import ccxt_pro_steps
from tests.peers.flows import StepResult
from tests.peers.probes import SECOND_KEY, SECOND_SECRET, auth_probes, malformed_probe
from tests.peers.sdk_flow import sdk_client, sdk_rest_steps, sdk_ws_steps

#: The flows trade BTCUSDT and a second symbol of the account (DOGEUSDT / ETHUSDT).
CONFIG = SandboxConfig(prices=PriceProcess(volatility_bps=0), gtd_min_lead_ms=0,
                       mark_price_interval_ms=200, symbols=universe(6))
FLOWS: dict[str, Callable[[SandboxVenue], list[StepResult]]] = {
    "ccxt": ccxt_steps, "ccxt.pro": ccxt_pro_steps, "sdk-rest": sdk_rest_steps,
    "sdk-ws": sdk_ws_steps,
}


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    handle = run_sandbox_in_thread(CONFIG)
    yield handle
    handle.stop()


@pytest.mark.parametrize("client", sorted(FLOWS))
def test_client_flow_runs_every_step(sandbox: SandboxHandle, client: str) -> None:
    results = FLOWS[client](sandbox.venue)
    failed = [f"{r.step}: {r.detail}" for r in results if not r.ok]
    assert not failed, failed
    assert len(results) >= 13


def test_no_client_request_left_loopback_or_hit_an_unknown_route(sandbox: SandboxHandle) -> None:
    """Every request the clients made reached the venue (none went to a real Binance host) and
    was a route the venue serves."""
    ccxt_steps(sandbox.venue)
    sdk_rest_steps(sandbox.venue)
    log = sandbox.venue.truth()["request_log"]
    assert log and not [r for r in log if r["status"] == 404]


def test_ccxt_with_a_wrong_secret_is_refused(sandbox: SandboxHandle) -> None:
    import ccxt

    ex = ccxt_client(sandbox.venue, secret="not-the-secret")
    ex.load_markets()
    with pytest.raises(ccxt.AuthenticationError):
        ex.fetch_balance()
    with pytest.raises(ccxt.AuthenticationError):
        ex.create_order("BTC/USDT:USDT", "market", "buy", 0.01)
    assert sandbox.venue.truth()["orders"] == []


def test_sdk_with_an_unknown_key_is_refused(sandbox: SandboxHandle) -> None:
    from binance_common.errors import UnauthorizedError

    rest = sdk_client(sandbox.venue, api_key="unknown-key").rest_api
    with pytest.raises(UnauthorizedError):
        rest.new_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity=0.01)
    assert sandbox.venue.truth()["orders"] == []


SECURED = SandboxConfig(prices=PriceProcess(volatility_bps=0),
                        extra_credentials=(ApiCredential(SECOND_KEY, SECOND_SECRET),))


def test_no_attack_gets_in() -> None:
    with run_sandbox_in_thread(SECURED) as handle:
        results = auth_probes(handle.venue)
        orders = handle.venue.truth()["orders"]
    assert len(results) >= 19
    assert [name for name, got_in in results if got_in] == []
    assert orders == []


def test_the_malformed_corpus_gets_only_binance_json(sandbox: SandboxHandle) -> None:
    sent, bad = malformed_probe(sandbox.venue, seed=3, per_route=4)
    assert sent == 4 * len(sandbox.venue.route_keys()) >= 4 * 40 and bad == 0
