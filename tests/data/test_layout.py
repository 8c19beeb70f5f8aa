"""Binance Vision names and folders: what a file is, told from its name, folders or the caller."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nautilus_exec_kit.data.errors import DataFileError
from nautilus_exec_kit.data.layout import INTERVALS, KINDS, named_symbol, vision_file, vision_path


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")
    return path


@pytest.mark.parametrize(
    ("kind", "interval", "period"),
    [
        ("klines", "1m", "2024-01"),
        ("markPriceKlines", "1h", "2024-01-15"),
        ("fundingRate", None, "2024-01"),
        ("aggTrades", None, "2024-01-15"),
        ("bookTicker", None, "2024-02-29"),
    ],
)
def test_a_file_in_binance_vision_folders_tells_what_it_is(
    tmp_path: Path, kind: str, interval: str | None, period: str
) -> None:
    path = _touch(vision_path(tmp_path, kind, "1000PEPEUSDT", period, interval))
    file = vision_file(path)
    assert (file.kind.name, file.symbol, file.interval, file.period) == (
        kind, "1000PEPEUSDT", interval, period,
    )
    cadence = "daily" if len(period) == 10 else "monthly"
    assert f"data/futures/um/{cadence}/{kind}/1000PEPEUSDT" in path.as_posix()


def test_a_loose_kline_file_needs_its_kind(tmp_path: Path) -> None:
    path = _touch(tmp_path / "BTCUSDT-1m-2024-01.zip")
    with pytest.raises(DataFileError, match="klines and markPriceKlines files share this name"):
        vision_file(path)
    assert vision_file(path, "markPriceKlines").kind.name == "markPriceKlines"
    relative = vision_file(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd())
                           else path, "klines")
    assert relative.interval == "1m"


@pytest.mark.parametrize(
    ("name", "kwargs", "problem"),
    [
        ("BTCUSDT-fundingRate-2024-01.zip", {"kind": "aggTrades"}, "name says fundingRate"),
        ("BTCUSDT-1m-2024-01.zip", {"kind": "klines", "symbol": "ETHUSDT"}, "says symbol"),
        ("BTCUSDT-1m-2024-01.zip", {"kind": "klines", "interval": "5m"}, "says kline interval"),
        ("BTCUSDT-7m-2024-01.zip", {"kind": "klines"}, "unknown kline interval '7m'"),
        ("prices.csv", {}, "not a Binance Vision file name"),
        ("prices.csv", {"kind": "fundingRate"}, "cannot tell the symbol"),
        ("prices.csv", {"kind": "klines", "symbol": "BTCUSDT"}, "cannot tell the kline interval"),
        ("BTCUSDT-1m-2024-01.zip", {"kind": "trades"}, "unknown kind 'trades'"),
    ],
)
def test_names_and_arguments_must_agree(
    tmp_path: Path, name: str, kwargs: dict[str, str], problem: str
) -> None:
    path = _touch(tmp_path / name)
    with pytest.raises(DataFileError, match=problem) as info:
        vision_file(path, **kwargs)
    assert str(info.value).startswith(f"{path}: ")


def test_the_folders_and_the_caller_must_agree(tmp_path: Path) -> None:
    path = _touch(vision_path(tmp_path, "markPriceKlines", "BTCUSDT", "2024-01", "1m"))
    with pytest.raises(DataFileError, match="name says markPriceKlines, not klines"):
        vision_file(path, "klines")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"nope\.zip: no such file"):
        vision_file(tmp_path / "nope.zip")


def test_renamed_files_take_kind_symbol_and_interval_from_the_caller(tmp_path: Path) -> None:
    path = _touch(tmp_path / "prices.csv")
    file = vision_file(path, "klines", symbol="ETHUSDT", interval="15m")
    assert (file.kind.name, file.symbol, file.interval, file.period) == (
        "klines", "ETHUSDT", "15m", None,
    )
    assert named_symbol(path) is None and named_symbol("SOLUSDT-1m-2024-01.zip") == "SOLUSDT"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(sorted(KINDS)),
    symbol=st.from_regex(r"[A-Z0-9]{2,12}USDT", fullmatch=True),
    interval=st.sampled_from(sorted(INTERVALS)),
    year=st.integers(2019, 2030),
    month=st.integers(1, 12),
    day=st.none() | st.integers(1, 28),
    suffix=st.sampled_from([".zip", ".csv"]),
)
def test_vision_path_and_vision_file_are_inverse(
    tmp_path: Path, kind: str, symbol: str, interval: str, year: int, month: int,
    day: int | None, suffix: str,
) -> None:
    period = f"{year}-{month:02d}" + (f"-{day:02d}" if day else "")
    per_interval = KINDS[kind].per_interval
    path = _touch(vision_path(tmp_path, kind, symbol, period, interval if per_interval else None,
                              suffix))
    file = vision_file(path)
    assert (file.kind.name, file.symbol, file.period) == (kind, symbol, period)
    assert file.interval == (interval if per_interval else None)
