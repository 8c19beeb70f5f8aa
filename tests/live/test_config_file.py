"""Config files: every unknown key named with its real replacement, never a bare TypeError."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

import pytest
from conftest import IID, PROBE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nautilus_trader.adapters.binance.config import BinanceExecClientConfig

from nautilus_exec_kit.core.errors import ConfigurationError, UnknownConfigKey
from nautilus_exec_kit.live.config_file import (
    _FILE_MANAGED_KEYS,
    KNOWN_REPLACEMENTS,
    ROUTED_EXEC_FIELDS,
    UnknownNodeConfigKey,
    load_node_file,
    parse_node_file,
    struct_fields,
)

SPEC_FR001 = {
    "clock_sync_interval_secs": 60,
    "warn_rate_limits": True,
    "max_retries": 3,
    "retry_delay_secs": 1.0,
}
EXEC_FIELDS = struct_fields(BinanceExecClientConfig)
#: Real exec fields a file may set in exec_client (not managed, not credentials).
PASS_THROUGH = sorted(
    EXEC_FIELDS - set(_FILE_MANAGED_KEYS) - set(KNOWN_REPLACEMENTS) - set(ROUTED_EXEC_FIELDS)
)


def base(**extra: Any) -> dict[str, Any]:
    return {
        "environment": "demo",
        "instrument_ids": [IID],
        "strategies": [{"strategy_path": PROBE, "config": {"instrument_id": IID}}],
        **extra,
    }


def test_spec_fr001_keys_each_named_with_replacement() -> None:
    with pytest.raises(UnknownNodeConfigKey) as info:
        parse_node_file(base(exec_client=SPEC_FR001))
    message = str(info.value)
    assert set(info.value.keys) == {
        "clock_sync_interval_secs",
        "warn_rate_limits",
        "retry_delay_secs",
    }
    assert "exec_client.retry_delay_secs: use retry_delay_initial_ms and retry_delay_max_ms" in (
        message
    )
    assert "exec_client.clock_sync_interval_secs: no such setting" in message
    assert "exec_client.warn_rate_limits: no such setting" in message
    # The installed config really fails on these keys with a bare TypeError: we do not.
    with pytest.raises(TypeError):
        BinanceExecClientConfig(**SPEC_FR001)


def test_typo_gets_did_you_mean() -> None:
    with pytest.raises(UnknownConfigKey, match="did you mean max_retries"):
        parse_node_file(base(exec_client={"max_retrys": 3}))
    with pytest.raises(UnknownConfigKey, match="did you mean instrument_ids"):
        parse_node_file(base(instrument_id=[IID]))


def test_testnet_key_points_to_environment() -> None:
    with pytest.raises(UnknownConfigKey, match='environment = "demo"'):
        parse_node_file(base(exec_client={"testnet": True}))


def test_credentials_in_file_refused() -> None:
    with pytest.raises(UnknownConfigKey, match="credentials never go in a config file"):
        parse_node_file(base(exec_client={"api_secret": "x" * 64}))


junk_keys = st.text(alphabet=string.ascii_lowercase + "_", min_size=3, max_size=25)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    spec=st.sets(st.sampled_from(sorted(SPEC_FR001))),
    junk=st.sets(junk_keys, max_size=4),
    real=st.sets(st.sampled_from(["use_gtd", "recv_window_ms", "use_trade_lite"]), max_size=2),
)
def test_random_key_sets(spec: set[str], junk: set[str], real: set[str]) -> None:
    junk = {k for k in junk if k not in EXEC_FIELDS}
    values = {"use_gtd": True, "recv_window_ms": 5000, "use_trade_lite": False}
    exec_client = {
        **{k: SPEC_FR001[k] for k in spec},
        **{k: 1 for k in junk},
        **{k: values[k] for k in real},
    }
    bad = (spec - {"max_retries"}) | junk
    if not bad:
        parse_node_file(base(exec_client=exec_client))
        return
    with pytest.raises(UnknownNodeConfigKey) as info:
        parse_node_file(base(exec_client=exec_client))
    assert set(info.value.keys) == bad
    message = str(info.value)
    for key in bad:
        assert f"exec_client.{key}:" in message
        if key in KNOWN_REPLACEMENTS and KNOWN_REPLACEMENTS[key].use:
            assert str(KNOWN_REPLACEMENTS[key].use) in message
    for key in real:
        assert f"exec_client.{key}:" not in message


def test_every_pass_through_field_is_accepted() -> None:
    # Every real field the file may set is known to the key check (no false "unknown").
    node_file = parse_node_file(base(exec_client={"use_gtd": False}))
    assert node_file.exec_options == {"use_gtd": False}
    assert "recv_window_ms" in PASS_THROUGH


def test_fr001_routed_fields_land_in_the_kit_settings() -> None:
    node_file = parse_node_file(
        base(
            exec_client={"max_retries": 5, "retry_delay_initial_ms": 200, "retry_delay_max_ms": 900}
        )
    )
    assert (node_file.retry.max_retries, node_file.retry.initial_ms, node_file.retry.max_ms) == (
        5,
        200,
        900,
    )


def test_value_type_errors_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="hedge_mode"):
        parse_node_file(base(hedge_mode="yes"))
    with pytest.raises(ConfigurationError, match="max_retries"):
        parse_node_file(base(max_retries=True))
    with pytest.raises(ConfigurationError, match="environment"):
        parse_node_file(base(environment="mainnet"))


def test_toml_and_json_files_load_the_same(tmp_path: Path) -> None:
    toml = tmp_path / "node.toml"
    toml.write_text(
        f'environment = "demo"\ninstrument_ids = ["{IID}"]\nleverages = {{ "{IID}" = 5 }}\n'
        f'[exec_client]\nmax_retries = 2\n[[strategies]]\nstrategy_path = "{PROBE}"\n'
        f'config = {{ instrument_id = "{IID}" }}\n'
    )
    js = tmp_path / "node.json"
    js.write_text(json.dumps(base(leverages={IID: 5}, exec_client={"max_retries": 2})))
    assert load_node_file(toml) == load_node_file(js)


def test_broken_file_syntax_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("environment = \n")
    with pytest.raises(ConfigurationError, match=r"bad.toml is not valid toml"):
        load_node_file(bad)
