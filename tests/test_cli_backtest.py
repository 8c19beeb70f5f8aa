"""``exec-kit backtest`` end to end (small tapes, small Binance Vision files made here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nautilus_exec_kit.cli import main
from nautilus_exec_kit.data.layout import vision_path
from nautilus_exec_kit.data.synthetic import synthetic_funding, synthetic_klines, write_vision
from tests.data.conftest import T0_MS, exchange_info_body

SECTIONS = ("Run ", "Orders", "Rejects and denials", "PnL", "Statistics", "Positions")
ROUND_TRIPS = "nautilus_exec_kit.backtest.round_trip_strategy:RoundTripStrategy"


def test_default_example_strategy_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--ticks", "2000", "--no-progress"]) == 0
    out = capsys.readouterr().out
    for section in SECTIONS:
        assert section in out
    assert "\x1b[" not in out  # plain text off a terminal


def test_round_trips_with_injected_rejects_and_progress(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        ["backtest", "--strategy", ROUND_TRIPS, "--ticks", "600", "--inject-rejects=-2019@nth=3"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "100%" in captured.err and "data points" in captured.err  # rich's bar, on stderr
    assert "REJECTED" in captured.out and "-2019" in captured.out
    assert any(line.split()[:2] == ["MARKET", "FILLED"] for line in captured.out.splitlines())


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
    policy = out[out.index("Error policy"):]
    assert "-1003=1" in policy and "-2019=1" in policy
    assert "backoff=1" in policy and "skip=1" in policy
    assert "retries_sent=1" in policy


def _orders(out: str) -> int:
    return int(out.split(" orders,")[0].rsplit(" ", 1)[1].replace(",", ""))


def _bars_csv(path: Path, n: int = 600) -> Path:
    frame = synthetic_klines(start_ms=T0_MS, count=n, start_price=46_000, tick=0.1, vol_bps=15)
    return write_vision(frame, path, header=False)


def test_the_example_trades_a_bars_only_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bars = _bars_csv(tmp_path / "bars.csv")
    code = main(["backtest", "--bars", str(bars), "--no-progress",
                 "--config", '{"fast_period": 5, "slow_period": 20}'])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert _orders(captured.out) > 10  # it trades on bar closes
    assert "subscribed to" not in captured.err  # no unfed subscription


def test_a_quote_strategy_on_bars_is_warned_about_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bars = _bars_csv(tmp_path / "bars.csv", 50)
    code = main(["backtest", "--strategy", ROUND_TRIPS, "--bars", str(bars), "--no-progress",
                 "--config", '{"trade_size": "0.002"}'])
    captured = capsys.readouterr()
    assert code == 0
    assert " 0 orders" in captured.out
    assert (
        "warning: RoundTripStrategy-000 subscribed to quote ticks of BTCUSDT-PERP.BINANCE, but "
        "the run has none (it has: bars BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL)"
    ) in captured.err


def test_the_warning_shows_above_the_progress_bar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bars = _bars_csv(tmp_path / "bars.csv", 50)
    assert main(["backtest", "--strategy", ROUND_TRIPS, "--bars", str(bars)]) == 0
    err = capsys.readouterr().err
    assert "warning: RoundTripStrategy-000 subscribed to quote ticks" in err
    assert err.count("subscribed to") == 1


@pytest.fixture
def catalog(tmp_path: Path) -> tuple[Path, Path]:
    """Two symbols' klines and funding, imported with ``exec-kit data import``."""
    info = tmp_path / "exchangeInfo.json"
    info.write_text(json.dumps(exchange_info_body()))
    for seed, (symbol, price, tick) in enumerate((("BTCUSDT", 42_000, 0.1),
                                                   ("ETHUSDT", 2_300, 0.01))):
        write_vision(synthetic_klines(start_ms=T0_MS, count=720, start_price=price, tick=tick,
                                      seed=seed, vol_bps=15),
                     vision_path(tmp_path / "dl", "klines", symbol, "2024-01", "1m"))
        write_vision(synthetic_funding(start_ms=T0_MS, count=3, seed=seed),
                     vision_path(tmp_path / "dl", "fundingRate", symbol, "2024-01"))
    cat = tmp_path / "catalog"
    assert main(["data", "import", "--catalog", str(cat), "--exchange-info", str(info),
                 "--no-progress", str(tmp_path / "dl")]) == 0
    return cat, info


def test_a_catalog_runs_every_symbol(
    catalog: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code = main(["backtest", "--catalog", str(catalog[0]), "--no-progress",
                 "--config", '{"fast_period": 5, "slow_period": 20}'])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "1,446 data points" in captured.out  # 2 x 720 bars + 2 x 3 settlements
    assert "OneWayTrend-BTCUSDT" in captured.out and "OneWayTrend-ETHUSDT" in captured.out
    assert "funding" in captured.out
    assert _orders(captured.out) > 10


def test_symbols_and_a_time_range_select(
    catalog: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code = main(["backtest", "--catalog", str(catalog[0]), "--no-progress", "--symbols", "ethusdt",
                 "--start", "2024-01-01T02:00", "--end", "2024-01-01T04:00",
                 "--config", '{"fast_period": 5, "slow_period": 20}'])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "120 data points" in captured.out  # 120 bars, no settlement in 02:00 .. 03:59
    assert "OneWayTrend-000" in captured.out and "BTCUSDT" not in captured.out


def test_bars_of_another_symbol_need_its_instrument(
    tmp_path: Path, catalog: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    eth = vision_path(tmp_path / "dl", "klines", "ETHUSDT", "2024-01", "1m")
    assert main(["backtest", "--bars", str(eth), "--no-progress"]) == 2
    assert "pass --exchange-info with a saved exchangeInfo JSON for ETHUSDT" in (
        capsys.readouterr().err
    )
    code = main(["backtest", "--bars", str(eth), "--exchange-info", str(catalog[1]),
                 "--no-progress", "--config", '{"fast_period": 5, "slow_period": 20}'])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "720 data points" in captured.out and _orders(captured.out) > 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--strategy", "nope.nothing:X"], "cannot import strategy module"),
        (["--strategy", ROUND_TRIPS, "--config", '{"bogus": 1}'], "no field(s) bogus"),
        (["--strategy", ROUND_TRIPS, "--config", "{not json"], "not valid JSON"),
        (["--strategy", ROUND_TRIPS, "--bars", "/nonexistent.csv"], "no such file"),
        (["--strategy", ROUND_TRIPS, "--inject-rejects=@@@"], ""),
        (["--catalog", "/nonexistent-catalog"], "no catalog here"),
        (["--start", "yesterday-ish"], "--start 'yesterday-ish' is no time"),
        (["--start", "2024-01-02", "--end", "2024-01-01"], "--end must be after --start"),
        (["--symbols", "ETHUSDT"], "pass --exchange-info"),
    ],
)
def test_user_errors_exit_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backtest", "--ticks", "100", "--no-progress", *argv]) == 2
    err = capsys.readouterr().err
    assert "exec-kit backtest: error:" in err and message in err


# -- perpetual economics on the command line ---------------------------------------------------

def _pnl_line(out: str, name: str) -> float:
    line = next(line for line in out.splitlines() if line.split()[:len(name.split())] ==
                name.split())
    return float(line.split()[-1].replace(",", ""))


def test_a_constant_funding_rate_is_charged_and_its_absence_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 20 h of bars from 00:00: funding times 08:00 and 16:00; the trend example holds positions
    bars = _bars_csv(tmp_path / "bars.csv", 20 * 60)
    args = ["backtest", "--bars", str(bars), "--no-progress",
            "--config", '{"fast_period": 5, "slow_period": 20}']
    assert main([*args, "--funding-rate", "0.001"]) == 0
    funded = capsys.readouterr()
    assert _pnl_line(funded.out, "funding") != 0
    assert "funding time(s)" not in funded.err
    assert main(args) == 0
    unfunded = capsys.readouterr()
    assert _pnl_line(unfunded.out, "funding") == 0
    assert ("warning: BTCUSDT-PERP.BINANCE was held across 2 funding time(s) the data has no "
            "rate for") in unfunded.err
    # the plain engine: no economics, no split, no warning
    assert main([*args, "--no-perpetuals"]) == 0
    plain = capsys.readouterr()
    assert "funding" not in plain.out and "funding time(s)" not in plain.err


def test_leverage_brackets_and_liquidation_fees_come_from_saved_answers(
    tmp_path: Path, catalog: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    base = ["backtest", "--catalog", str(catalog[0]), "--no-progress", "--exchange-info",
            str(catalog[1]), "--config", '{"fast_period": 5, "slow_period": 20}']
    assert main(base) == 0
    err = capsys.readouterr().err
    assert "note: leverage brackets: BTCUSDT's stand in for ETHUSDT" in err
    # each symbol's funding records are its own (the catalog once labelled them all BTCUSDT)
    assert "funding time(s)" not in err
    brackets = tmp_path / "leverageBracket.json"
    brackets.write_text(json.dumps([
        {"symbol": s, "brackets": [
            {"bracket": 1, "initialLeverage": 50, "notionalCap": 10**9, "notionalFloor": 0,
             "maintMarginRatio": 0.01, "cum": 0}]} for s in ("BTCUSDT", "ETHUSDT")]))
    assert main([*base, "--leverage-brackets", str(brackets)]) == 0
    assert "stand in" not in capsys.readouterr().err
    brackets.write_text(json.dumps([{"symbol": "ETHUSDT", "brackets": [{"bracket": 1}]}]))
    assert main([*base, "--leverage-brackets", str(brackets)]) == 2
    assert "a row lacks or misspells a field" in capsys.readouterr().err
