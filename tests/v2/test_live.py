"""The v2 node factory's safety rules (no node connects here: each check raises first, or the
node is built and never run)."""

from __future__ import annotations

import gc

import pytest

from nautilus_exec_kit.core import errors as E
from nautilus_exec_kit.secrets import Secret
from nautilus_exec_kit.v2.live import Credentials, SandboxEndpoints, build_live_node

LOCAL = SandboxEndpoints("http://127.0.0.1:9", "ws://127.0.0.1:9/ws", "ws://127.0.0.1:9/ws-fapi/v1")
CREDS = Credentials(Secret("k" * 20), Secret("s3cret-value-never-shown"))


def test_live_needs_an_explicit_opt_in() -> None:
    with pytest.raises(E.LiveTradingNotConfirmed, match="EXEC_KIT_ALLOW_LIVE=1"):
        build_live_node([], environment="live", credentials=CREDS, environ={})


def test_testnet_futures_are_refused() -> None:
    with pytest.raises(E.ConfigurationError, match="Spot only"):
        build_live_node([], environment="testnet", credentials=CREDS, environ={})


def test_a_sandbox_node_never_reaches_binance() -> None:
    with pytest.raises(E.ConfigurationError, match="endpoints"):
        build_live_node([], environment="sandbox", credentials=CREDS)
    remote = SandboxEndpoints("https://fapi.binance.com", LOCAL.ws, LOCAL.ws_api)
    with pytest.raises(E.ConfigurationError, match="not loopback"):
        build_live_node([], environment="sandbox", endpoints=remote, credentials=CREDS)
    with pytest.raises(E.ConfigurationError, match="for the sandbox"):
        build_live_node([], environment="demo", endpoints=LOCAL, credentials=CREDS)


def test_missing_credentials_name_the_variables_and_secrets_stay_masked() -> None:
    with pytest.raises(E.MissingCredentials, match="BINANCE_DEMO_API_SECRET") as info:
        build_live_node([], environment="demo", environ={"BINANCE_DEMO_API_KEY": "abc"})
    assert "abc" not in str(info.value)
    assert "s3cret" not in repr(CREDS) and "s3cret" not in str(CREDS)


def test_demo_and_sandbox_nodes_build_with_the_kit_settings() -> None:
    # v2 allows one LiveNode per thread: each is dropped before the next is built
    demo = build_live_node([], environment="demo", environ={
        "BINANCE_DEMO_API_KEY": "k" * 20, "BINANCE_DEMO_API_SECRET": "s" * 20,
    })
    assert type(demo).__name__ == "LiveNode"
    del demo
    gc.collect()
    sandbox = build_live_node([], environment="sandbox", endpoints=LOCAL, credentials=CREDS)
    assert type(sandbox).__name__ == "LiveNode"
    del sandbox
    gc.collect()


def test_strategies_of_one_node_share_the_accounts_position_mode() -> None:
    from nautilus_exec_kit.v2.config import ExecKitConfig
    from tests.v2.test_mixin import Scripted

    one_way = Scripted(ExecKitConfig(), {})
    hedge = Scripted(ExecKitConfig(position_mode="HEDGE"), {})
    with pytest.raises(E.ConfigurationError, match="position_mode"):
        build_live_node([one_way, hedge], environment="sandbox", endpoints=LOCAL,
                        credentials=CREDS)
