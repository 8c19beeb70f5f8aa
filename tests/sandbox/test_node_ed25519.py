"""Ed25519 keys: the adapter logs in over the WS API and signs REST with Ed25519; the sandbox
verifies every signature against the public key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.events import OrderFilled
from nautilus_trader.model.objects import Quantity

from nautilus_exec_kit.sandbox import PriceProcess, SandboxConfig

from .node_harness import INSTRUMENT_ID, NodeHarness, running_node

pytestmark = pytest.mark.live


def _keypair() -> tuple[str, str]:
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private_pem, public_pem


@pytest.fixture(scope="module")
def node() -> Iterator[NodeHarness]:
    private_pem, public_pem = _keypair()
    config = SandboxConfig(prices=PriceProcess(volatility_bps=0), api_key="ed-key",
                           api_secret=None, ed25519_public_key=public_pem)
    with running_node(config, "ed-key", private_pem, trader_id="SANDBOX-003") as harness:
        yield harness


def test_ed25519_node_logs_in_over_ws_api_and_trades(node: NodeHarness) -> None:
    def submit() -> object:
        order = node.strategy.order_factory.market(INSTRUMENT_ID, OrderSide.BUY,
                                                   Quantity.from_str("0.010"))
        node.strategy.submit_order(order)
        return order.client_order_id

    node.wait_for(OrderFilled, node.call(submit))
    log = node.venue.truth()["request_log"]
    ws_calls = [r["path"] for r in log if r["method"] == "WS"]
    assert ws_calls[:2] == ["session.logon", "userDataStream.start"]
    signed = [r for r in log if r["method"] != "WS" and "timestamp" in r["params"]]
    assert signed and all(r["status"] == 200 for r in signed)  # every Ed25519 signature verified
