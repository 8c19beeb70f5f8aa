"""check-config exit codes and redaction; LIVE refused without the opt-in (and nothing started)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import HMAC_KEY, HMAC_SECRET, IID, PROBE, ed25519_pem

from nautilus_exec_kit.cli import live as live_cli
from nautilus_exec_kit.cli import main
from nautilus_exec_kit.core.errors import LiveTradingNotConfirmed
from nautilus_exec_kit.live import Credentials, Endpoints, plan_node, runner, strategy_config
from nautilus_exec_kit.live.runner import LIVE_OPT_IN_FLAG, LIVE_OPT_IN_VAR, confirm_live


def write(tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / "node.json"
    path.write_text(json.dumps(data))
    return str(path)


def node(**extra: Any) -> dict[str, Any]:
    return {
        "environment": "demo",
        "instrument_ids": [IID],
        "strategies": [{"strategy_path": PROBE, "config": {"instrument_id": IID}}],
        **extra,
    }


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "BINANCE_DEMO_API_KEY",
        "BINANCE_DEMO_API_SECRET",
        "BINANCE_API_KEY",
        "BINANCE_API_SECRET",
        LIVE_OPT_IN_VAR,
    ):
        monkeypatch.delenv(var, raising=False)


def test_check_config_ok_prints_redacted_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pem = ed25519_pem()
    monkeypatch.setenv("BINANCE_DEMO_API_KEY", HMAC_KEY)
    monkeypatch.setenv("BINANCE_DEMO_API_SECRET", pem)
    assert main(["check-config", write(tmp_path, node(leverages={IID: 3}))]) == 0
    out = capsys.readouterr().out
    assert ": OK" in out and "DEMO" in out and "BTCUSDT=3x" in out and "Ed25519" in out
    assert HMAC_KEY not in out and pem.splitlines()[1] not in out


def test_check_config_spec_keys_exit_1_naming_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        node(
            exec_client={
                "clock_sync_interval_secs": 60,
                "warn_rate_limits": True,
                "retry_delay_secs": 1.0,
            }
        ),
    )
    assert main(["check-config", path]) == 1
    out = capsys.readouterr().out
    assert "INVALID" in out
    for key in ("clock_sync_interval_secs", "warn_rate_limits", "retry_delay_secs"):
        assert key in out
    assert "retry_delay_initial_ms" in out
    assert "Traceback" not in out


def test_check_config_missing_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, node())
    assert main(["check-config", path]) == 0
    assert "BINANCE_DEMO_API_KEY" in capsys.readouterr().out
    assert main(["check-config", path, "--require-credentials"]) == 1


def test_check_config_unreadable_file(tmp_path: Path) -> None:
    assert main(["check-config", str(tmp_path / "missing.json")]) == 1


def test_live_refused_without_opt_in_prints_plan_first(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BINANCE_API_KEY", HMAC_KEY)
    monkeypatch.setenv("BINANCE_API_SECRET", HMAC_SECRET)
    started: list[object] = []
    # If the refusal failed, a TradingNode would be built: record it instead of connecting.
    monkeypatch.setattr(
        "nautilus_trader.live.node.TradingNode.build", lambda self: started.append(self)
    )
    code = main(
        ["live", "--env", "live", "--strategy", PROBE, "--leverage", "2", "--duration", "1"]
    )
    out = capsys.readouterr().out
    assert code == 2
    assert started == []
    assert out.index("environment      : LIVE") < out.index("refusing")
    assert "BTCUSDT=2x" in out and "REAL MONEY" in out
    assert LIVE_OPT_IN_FLAG in out and LIVE_OPT_IN_VAR in out
    assert HMAC_KEY not in out and HMAC_SECRET not in out


def test_confirm_live_accepts_flag_or_variable() -> None:
    plan = plan_node(
        "live",
        strategies=[strategy_config(PROBE, {"instrument_id": IID})],
        instrument_ids=[IID],
        environ={"BINANCE_API_KEY": HMAC_KEY, "BINANCE_API_SECRET": HMAC_SECRET},
    )
    with pytest.raises(LiveTradingNotConfirmed):
        confirm_live(plan, flag=False, environ={})
    with pytest.raises(LiveTradingNotConfirmed):
        confirm_live(plan, flag=False, environ={LIVE_OPT_IN_VAR: "yes"})
    confirm_live(plan, flag=True, environ={})
    confirm_live(plan, flag=False, environ={LIVE_OPT_IN_VAR: "1"})
    sandbox = plan_node(
        "sandbox",
        strategies=[],
        instrument_ids=[IID],
        endpoints=Endpoints.loopback(1),
        credentials=Credentials.from_values(HMAC_KEY, HMAC_SECRET, source="t"),
    )
    confirm_live(sandbox, flag=False, environ={})


def test_cli_flag_matches_runner_constant() -> None:
    assert live_cli.LIVE_OPT_IN_FLAG == runner.LIVE_OPT_IN_FLAG


def test_testnet_futures_refused_by_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["live", "--env", "testnet", "--strategy", PROBE]) == 1
    assert "DEMO" in capsys.readouterr().out
