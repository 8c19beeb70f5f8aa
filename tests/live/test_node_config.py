"""The factory's TradingNodeConfig per environment, checked field by field against the adapter."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import HMAC_KEY, HMAC_SECRET, IID, PROBE, ed25519_pem
from nautilus_trader.adapters.binance.common.enums import (
    BinanceAccountType,
    BinanceEnvironment,
    BinanceKeyType,
)
from nautilus_trader.adapters.binance.common.urls import get_futures_user_stream_url
from nautilus_trader.adapters.binance.config import BinanceDataClientConfig, BinanceExecClientConfig
from nautilus_trader.adapters.binance.futures.enums import BinanceFuturesMarginType
from nautilus_trader.model.identifiers import InstrumentId

from nautilus_exec_kit.core.errors import ConfigurationError, PositionModeMismatch, UnknownConfigKey
from nautilus_exec_kit.live import (
    Credentials,
    Endpoints,
    RedisSettings,
    RetrySettings,
    build_node_config,
    plan_node,
    strategy_config,
)
from nautilus_exec_kit.live.order_check import OrderCheckSettings

DEMO_ENV = {"BINANCE_DEMO_API_KEY": HMAC_KEY, "BINANCE_DEMO_API_SECRET": HMAC_SECRET}
LIVE_ENV = {"BINANCE_API_KEY": HMAC_KEY, "BINANCE_API_SECRET": HMAC_SECRET}
SANDBOX = Endpoints.loopback(18999)


def probe(**config: Any) -> Any:
    return strategy_config(PROBE, {"instrument_id": IID, **config})


def clients(config: Any) -> tuple[BinanceDataClientConfig, BinanceExecClientConfig]:
    return config.data_clients["BINANCE"], config.exec_clients["BINANCE"]


def sandbox_plan(**kwargs: Any) -> Any:
    kwargs.setdefault("credentials", Credentials.from_values(HMAC_KEY, HMAC_SECRET, source="t"))
    kwargs.setdefault("strategies", [probe()])
    kwargs.setdefault("endpoints", SANDBOX)
    return plan_node("sandbox", instrument_ids=[IID], **kwargs)


def test_sandbox_wires_every_url_as_the_adapter_derives_them() -> None:
    plan = sandbox_plan()
    config = plan.config
    data, exec_ = clients(config)
    assert data.base_url_http == exec_.base_url_http == "http://127.0.0.1:18999"
    assert data.base_url_ws == "ws://127.0.0.1:18999"
    assert exec_.base_url_ws == "ws://127.0.0.1:18999/ws-fapi/v1"
    # The adapter's own derivation of the user stream URL lands on the sandbox.
    stream = get_futures_user_stream_url(exec_.account_type, exec_.base_url_ws_stream, "K")
    assert stream == "ws://127.0.0.1:18999/ws?listenKey=K"
    assert config.exec_engine.reconciliation is True
    assert config.exec_engine.reconciliation_startup_delay_secs < 10
    # The adapter never retries submits itself (a -1007 retry can execute twice); the kit's
    # policy and the guard's in-flight checks take over.
    assert exec_.max_retries == 0
    assert config.exec_engine.inflight_check_threshold_ms == 1_000
    # The kit's order check replaces Nautilus' open-order check, whose cost grows with the
    # symbols (live/order_check.py); the engine's position check stays.
    assert plan.order_check.enabled
    assert config.exec_engine.open_check_interval_secs is None
    assert config.exec_engine.position_check_interval_secs == 10.0
    assert "order check      : kit" in plan.describe()
    assert "metrics          : off" in plan.describe()


def test_without_the_kit_check_nautilus_checks_every_order() -> None:
    plan = sandbox_plan(order_check=OrderCheckSettings(enabled=False))
    engine = plan.config.exec_engine
    assert engine.open_check_interval_secs == 10.0
    # open_only=True never resolves an order the venue no longer lists (test_faults.py)
    assert engine.open_check_open_only is False
    assert "order check      : Nautilus' open-order check every 10 s" in plan.describe()


def test_sandbox_refuses_non_loopback_endpoints() -> None:
    remote = Endpoints(
        http="https://fapi.binance.com",
        ws_market="ws://127.0.0.1:1",
        ws_api="ws://127.0.0.1:1/ws-fapi/v1",
        ws_stream="ws://127.0.0.1:1",
    )
    with pytest.raises(ConfigurationError, match=r"127\.0\.0\.1"):
        sandbox_plan(endpoints=remote)


def test_sandbox_needs_endpoints() -> None:
    with pytest.raises(ConfigurationError, match="endpoints"):
        plan_node(
            "sandbox",
            strategies=[],
            instrument_ids=[IID],
            credentials=Credentials.from_values(HMAC_KEY, HMAC_SECRET, source="t"),
        )


def test_demo_uses_adapter_defaults_and_real_venue_rules() -> None:
    plan = plan_node(
        "demo",
        strategies=[probe()],
        instrument_ids=[IID],
        environ=DEMO_ENV,
        leverages={IID: 5},
        margin_types={"BTCUSDT": "ISOLATED"},
    )
    data, exec_ = clients(plan.config)
    assert exec_.environment is BinanceEnvironment.DEMO
    assert data.environment is BinanceEnvironment.DEMO
    assert exec_.base_url_http is None and exec_.base_url_ws_stream is None
    assert exec_.account_type is BinanceAccountType.USDT_FUTURES
    assert plan.config.exec_engine.reconciliation_startup_delay_secs >= 10
    assert exec_.futures_leverages == {"BTCUSDT": 5}
    assert exec_.futures_margin_types == {"BTCUSDT": BinanceFuturesMarginType.ISOLATED}
    assert (exec_.max_retries, exec_.retry_delay_initial_ms, exec_.retry_delay_max_ms) == (
        0,
        1000,
        10000,
    )
    assert plan.config.exec_engine.inflight_check_threshold_ms == 5_000
    provider = exec_.instrument_provider
    assert provider.load_all is False
    assert provider.load_ids == frozenset({InstrumentId.from_str(IID)})
    # Identical shared settings: the adapter's lru_cache shares one HTTP client and provider.
    for field in (
        "api_key",
        "api_secret",
        "key_type",
        "account_type",
        "environment",
        "base_url_http",
        "instrument_provider",
        "proxy_url",
        "us",
    ):
        assert getattr(data, field) == getattr(exec_, field), field


def test_live_uses_live_environment() -> None:
    plan = plan_node("live", strategies=[probe()], instrument_ids=[IID], environ=LIVE_ENV)
    _, exec_ = clients(plan.config)
    assert exec_.environment is BinanceEnvironment.LIVE
    assert plan.real_money


def test_real_venues_refuse_short_reconciliation_delay() -> None:
    with pytest.raises(ConfigurationError, match="at least 10"):
        plan_node(
            "live",
            strategies=[],
            instrument_ids=[IID],
            environ=LIVE_ENV,
            reconciliation_delay_secs=3,
        )


def test_testnet_futures_refused_spot_allowed() -> None:
    with pytest.raises(ConfigurationError, match="folded the USDT-M futures testnet into"):
        plan_node("testnet", strategies=[], instrument_ids=[IID], environ={})
    spot = plan_node(
        "testnet",
        strategies=[],
        instrument_ids=["BTCUSDT.BINANCE"],
        account_type=BinanceAccountType.SPOT,
        environ={"BINANCE_TESTNET_API_KEY": HMAC_KEY, "BINANCE_TESTNET_API_SECRET": HMAC_SECRET},
    )
    assert clients(spot.config)[1].environment is BinanceEnvironment.TESTNET


def test_ed25519_key_type_passed_to_both_clients() -> None:
    environ = {"BINANCE_DEMO_API_KEY": HMAC_KEY, "BINANCE_DEMO_API_SECRET": ed25519_pem()}
    data, exec_ = clients(
        plan_node("demo", strategies=[], instrument_ids=[IID], environ=environ).config
    )
    assert data.key_type is exec_.key_type is BinanceKeyType.ED25519


def test_hedge_mode_turns_off_reduce_only_and_sets_strategy_mode() -> None:
    plan = sandbox_plan(hedge_mode=True)
    _, exec_ = clients(plan.config)
    assert exec_.use_reduce_only is False
    assert exec_.use_position_ids is True
    assert plan.config.strategies[0].config["position_mode"] == "HEDGE"
    _, one_way = clients(sandbox_plan().config)
    assert one_way.use_reduce_only is True


def test_strategy_mode_disagreeing_with_node_raises() -> None:
    with pytest.raises(PositionModeMismatch, match="position_mode=ONE_WAY"):
        sandbox_plan(strategies=[probe(position_mode="ONE_WAY")], hedge_mode=True)


def test_external_order_claims_added_unless_strategy_sets_them() -> None:
    plan = sandbox_plan(
        strategies=[probe(), probe(external_order_claims=[])], external_order_claims=[IID]
    )
    assert plan.config.strategies[0].config["external_order_claims"] == [IID]
    assert plan.config.strategies[1].config["external_order_claims"] == []


def test_redis_cache_option() -> None:
    config = sandbox_plan(redis=RedisSettings(host="127.0.0.1", port=6380)).config
    assert config.cache is not None and config.cache.database is not None
    assert (config.cache.database.type, config.cache.database.port) == ("redis", 6380)
    assert sandbox_plan().config.cache is None


def test_retry_settings_and_bad_values() -> None:
    _, exec_ = clients(sandbox_plan(retry=RetrySettings(5, 200, 800)).config)
    assert (exec_.max_retries, exec_.retry_delay_initial_ms, exec_.retry_delay_max_ms) == (
        5,
        200,
        800,
    )
    with pytest.raises(ConfigurationError):
        RetrySettings(3, 1000, 10)
    with pytest.raises(ConfigurationError, match="leverage"):
        sandbox_plan(leverages={IID: 500})
    with pytest.raises(ConfigurationError, match="ISOLATED or CROSSED"):
        sandbox_plan(margin_types={IID: "PARTIAL"})


def test_exec_options_pass_through_and_unknown_options_are_named() -> None:
    _, exec_ = clients(sandbox_plan(exec_options={"use_gtd": False, "recv_window_ms": 3000}).config)
    assert (exec_.use_gtd, exec_.recv_window_ms) == (False, 3000)
    with pytest.raises(UnknownConfigKey, match="clock_sync_interval_secs"):
        sandbox_plan(exec_options={"clock_sync_interval_secs": 60})
    with pytest.raises(ConfigurationError, match="sandbox URLs"):
        sandbox_plan(exec_options={"base_url_http": "https://fapi.binance.com"})


def test_strategy_config_errors_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="does not parse"):
        sandbox_plan(strategies=[strategy_config(PROBE, {})])  # instrument_id missing
    with pytest.raises(ConfigurationError, match="cannot import"):
        strategy_config("no_such_module_xyz:Strategy")


def test_plan_and_describe_never_show_secrets() -> None:
    pem = ed25519_pem()
    plan = sandbox_plan(credentials=Credentials.from_values(HMAC_KEY, pem, source="t"))
    for text in (plan.describe(), repr(plan), str(plan)):
        assert HMAC_KEY not in text and pem.splitlines()[1] not in text
    assert "Ed25519" in plan.describe()


def test_build_node_config_is_the_plans_config() -> None:
    config = build_node_config("demo", strategies=[], instrument_ids=[IID], environ=DEMO_ENV)
    assert clients(config)[1].environment is BinanceEnvironment.DEMO
