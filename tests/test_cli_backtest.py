"""``exec-kit backtest`` end to end (small tapes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nautilus_exec_kit.cli import main

SECTIONS = (
    "== Run",
    "== Orders",
    "== Rejects and denials",
    "== PnL",
    "== Statistics",
    "== Positions",
)
ROUND_TRIPS = "nautilus_exec_kit.backtest.round_trip_strategy:RoundTripStrategy"


def test_default_example_strategy_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--ticks", "2000", "--no-progress"]) == 0
    out = capsys.readouterr().out
    for section in SECTIONS:
        assert section in out


def test_round_trips_with_injected_rejects_and_progress(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        ["backtest", "--strategy", ROUND_TRIPS, "--ticks", "600", "--inject-rejects=-2019@nth=3"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "100.0%" in captured.err  # the progress bar finished on stderr
    assert "REJECTED" in captured.out and "-2019" in captured.out
    assert "MARKET                 FILLED" in captured.out


def test_summary_shows_error_policy_counters_per_code_and_action(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        [
            "backtest", "--ticks", "20000", "--no-progress",
            "--inject-rejects=-1003@nth=3,retry_after=2;-2019@nth=5",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    policy = out[out.index("== Error policy"):]
    assert "-1003=1" in policy and "-2019=1" in policy
    assert "backoff=1" in policy and "skip=1" in policy
    assert "retries_sent=1" in policy


def test_config_json_and_bars_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bars = tmp_path / "bars.csv"
    t0 = 1_640_991_660_000
    bars.write_text(
        "\n".join(
            f"{t0 + i * 60_000},46000.0,46010.0,45990.0,{46000 + i % 7}.0,1.5" for i in range(50)
        )
    )
    code = main(
        [
            "backtest",
            "--strategy",
            ROUND_TRIPS,
            "--bars",
            str(bars),
            "--no-progress",
            "--config",
            '{"trade_size": "0.002"}',
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    # round trips subscribe to quotes only: bars move the venue but generate no orders
    assert "0 orders" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--strategy", "nope.nothing:X"], "cannot import strategy module"),
        (["--strategy", ROUND_TRIPS, "--config", '{"bogus": 1}'], "no field(s) bogus"),
        (["--strategy", ROUND_TRIPS, "--config", "{not json"], "not valid JSON"),
        (["--strategy", ROUND_TRIPS, "--bars", "/nonexistent.csv"], "no such file"),
        (["--strategy", ROUND_TRIPS, "--inject-rejects=@@@"], ""),
    ],
)
def test_user_errors_exit_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backtest", "--ticks", "100", "--no-progress", *argv]) == 2
    err = capsys.readouterr().err
    assert "exec-kit backtest: error:" in err and message in err
