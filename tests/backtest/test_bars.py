"""Bar loaders: plain and Binance kline CSVs, headers, ms/us epochs, malformed files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nautilus_exec_kit.backtest.bars import load_bars
from nautilus_exec_kit.core.errors import BarFileError, ConfigurationError

T0_MS = 1_640_991_660_000  # 2021-12-31 23:01:00 UTC
MIN = 60_000
BINANCE_HEADER = (
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
    "taker_buy_volume,taker_buy_quote_volume,ignore"
)
ROWS = [  # open, high, low, close, volume
    ("46216.9", "46250.0", "46200.1", "46240.5", "12.345"),
    ("46240.5", "46241.0", "46180.0", "46190.2", "8.000"),
    ("46190.2", "46300.0", "46190.2", "46299.9", "0.001"),
]


def _binance(path: Path, unit: int = 1, header: bool = True) -> Path:
    lines = [BINANCE_HEADER] if header else []
    for i, (o, h, lo, c, v) in enumerate(ROWS):
        t = (T0_MS + i * MIN) * unit
        lines.append(f"{t},{o},{h},{lo},{c},{v},{t + (MIN - 1) * unit},1.0,10,1.0,1.0,0")
    path.write_text("\n".join(lines) + "\n")
    return path


def _expected() -> list[tuple[str, str, str, str, str, int]]:
    return [
        (o, h, lo, c, v, (T0_MS + (i + 1) * MIN) * 1_000_000)
        for i, (o, h, lo, c, v) in enumerate(ROWS)
    ]


def _values(bars) -> list[tuple[str, str, str, str, str, int]]:
    return [
        (str(b.open), str(b.high), str(b.low), str(b.close), str(b.volume), b.ts_event)
        for b in bars
    ]


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize("unit", [1, 1_000])  # milliseconds, microseconds (newer files)
def test_binance_klines(tmp_path: Path, header: bool, unit: int) -> None:
    bars = load_bars(_binance(tmp_path / "k.csv", unit, header))
    assert _values(bars) == _expected()
    assert str(bars[0].bar_type) == "BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"


def test_plain_iso_with_header(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    lines = ["timestamp,open,high,low,close,volume"]
    for i, row in enumerate(ROWS):
        lines.append(f"2021-12-31 23:{1 + i:02d}:00.000000," + ",".join(row))
    path.write_text("\n".join(lines))
    assert _values(load_bars(path)) == _expected()


def test_plain_epoch_ms_without_header(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("\n".join(f"{T0_MS + i * MIN}," + ",".join(r) for i, r in enumerate(ROWS)))
    assert _values(load_bars(path)) == _expected()


def test_extra_decimals_are_rounded_to_the_instrument(tmp_path: Path) -> None:
    path = tmp_path / "spot.csv"
    path.write_text(f"{T0_MS},46216.93,46250.07,46200.11,46240.55,1.23456\n")
    (bar,) = load_bars(path)
    assert (str(bar.open), str(bar.high), str(bar.low), str(bar.volume)) == (
        "46216.9",
        "46250.1",
        "46200.1",
        "1.235",
    )


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (f"{T0_MS + MIN},46000.0,45000.0,45900.0,46000.0,1", "high/low"),
        (f"{T0_MS + MIN},46000.0,46100.0,46050.0,46000.0,1", "high/low"),
        (f"{T0_MS + MIN},46000.0,46100.0,45900.0,abc,1", "close is not a number"),
        (f"{T0_MS + MIN},46000.0,46100.0,45900.0,46000.0,-1", "volume is negative"),
        (f"{T0_MS + MIN},46000.0,46100.0,45900.0,46000.0", "5 columns"),
        (f"{T0_MS},46000.0,46100.0,45900.0,46000.0,1", "not after"),
        (f"{T0_MS + MIN + 1},46000.0,46100.0,45900.0,46000.0,1", "minute boundary"),
        ("yesterday,46000.0,46100.0,45900.0,46000.0,1", "bad timestamp"),
        (f"{T0_MS + MIN},0,46100.0,0,46000.0,1", "> 0"),
    ],
)
def test_malformed_line_names_file_line_and_problem(
    tmp_path: Path, line: str, problem: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"timestamp,open,high,low,close,volume\n{T0_MS},1.0,1.0,1.0,1.0,1\n{line}\n")
    with pytest.raises(BarFileError) as info:
        load_bars(path)
    err = info.value
    assert isinstance(err, ConfigurationError)
    assert err.line == 3 and err.path == str(path)
    assert problem in str(err) and f"{path}:3" in str(err)


def test_wrong_column_count_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(BarFileError, match=r"x.csv:2: 3 columns"):
        load_bars(path)
    with pytest.raises(BarFileError, match="no such file"):
        load_bars(tmp_path / "missing.csv")
    (tmp_path / "empty.csv").write_text(BINANCE_HEADER + "\n")
    with pytest.raises(BarFileError, match="no bars"):
        load_bars(tmp_path / "empty.csv")


_price = st.integers(min_value=3_000, max_value=10_000_000)  # in ticks of 0.1


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(_price, _price, _price, _price, st.integers(0, 10_000_000)),
        min_size=1,
        max_size=30,
    ),
    binance=st.booleans(),
    micro=st.booleans(),
)
def test_random_rows_round_trip(tmp_path: Path, rows, binance: bool, micro: bool) -> None:
    unit = 1_000 if micro else 1
    lines = []
    expected = []
    for i, (a, b, c, d, vol) in enumerate(rows):
        o, cl = a, b
        hi, lo = max(a, b, c, d), min(a, b, c, d)
        t = (T0_MS + i * MIN) * unit
        cells = [f"{x / 10:.1f}" for x in (o, hi, lo, cl)] + [f"{vol / 1000:.3f}"]
        extra = f",{t + MIN * unit - 1},0,0,0,0,0" if binance else ""
        lines.append(f"{t}," + ",".join(cells) + extra)
        expected.append((*cells, (T0_MS + (i + 1) * MIN) * 1_000_000))
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines))
    assert _values(load_bars(path)) == expected


def test_a_month_of_minutes_loads_in_seconds(tmp_path: Path) -> None:
    path = tmp_path / "month.csv"
    n = 44_640
    path.write_text(
        "\n".join(
            f"{T0_MS + i * MIN},46000.0,46010.5,45990.1,46005.2,1.5,{T0_MS + i * MIN + 59_999},"
            "1,1,1,1,0"
            for i in range(n)
        )
    )
    start = time.perf_counter()
    bars = load_bars(path)
    assert len(bars) == n
    assert time.perf_counter() - start < 10.0
