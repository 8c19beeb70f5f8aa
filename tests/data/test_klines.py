"""klines -> Bar and markPriceKlines -> MarkPriceUpdate: values, stamps, and every refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nautilus_trader.model.instruments import Instrument

from nautilus_exec_kit.data.errors import DataFileError
from nautilus_exec_kit.data.klines import load_klines, load_mark_price_klines
from nautilus_exec_kit.data.layout import vision_path
from nautilus_exec_kit.data.synthetic import header_of, synthetic_klines, write_vision
from tests.data.conftest import MIN_MS, T0_MS, kline_rows

HEADER = header_of("klines")
NS = 1_000_000


def _file(tmp_path: Path, rows: list[str], *, kind: str = "klines", interval: str = "1m",
          header: bool = True, zipped: bool = True) -> Path:
    path = vision_path(tmp_path, kind, "BTCUSDT", "2024-01", interval,
                       ".zip" if zipped else ".csv")
    return write_vision("\n".join(([HEADER] if header else []) + rows) + "\n", path)


@pytest.mark.parametrize("unit", [1, 1_000])
@pytest.mark.parametrize("zipped", [True, False])
def test_klines_become_bars_stamped_at_their_close(
    tmp_path: Path, btc: Instrument, unit: int, zipped: bool
) -> None:
    bars = load_klines(_file(tmp_path, kline_rows(3, unit=unit), zipped=zipped), btc)
    assert [str(b.bar_type) for b in bars] == ["BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"] * 3
    assert [(str(b.open), str(b.high), str(b.low), str(b.close), str(b.volume)) for b in bars] == [
        ("42000.0", "42002.5", "41998.0", "42000.5", "1.234"),
        ("42001.0", "42003.5", "41999.0", "42001.5", "1.234"),
        ("42002.0", "42004.5", "42000.0", "42002.5", "1.234"),
    ]
    assert [b.ts_event for b in bars] == [(T0_MS + (i + 1) * MIN_MS) * NS for i in range(3)]
    assert all(b.ts_init == b.ts_event for b in bars)


def test_mark_price_klines_become_one_update_per_close(tmp_path: Path, btc: Instrument) -> None:
    marks = load_mark_price_klines(_file(tmp_path, kline_rows(2), kind="markPriceKlines"), btc)
    assert [(m.instrument_id.value, str(m.value), m.ts_event, m.ts_init) for m in marks] == [
        ("BTCUSDT-PERP.BINANCE", "42000.5", (T0_MS + MIN_MS) * NS, (T0_MS + MIN_MS) * NS),
        ("BTCUSDT-PERP.BINANCE", "42001.5", (T0_MS + 2 * MIN_MS) * NS, (T0_MS + 2 * MIN_MS) * NS),
    ]


def test_a_kline_loader_refuses_a_mark_price_file(tmp_path: Path, btc: Instrument) -> None:
    path = _file(tmp_path, kline_rows(2), kind="markPriceKlines")
    with pytest.raises(DataFileError, match="is a markPriceKlines file, not klines"):
        load_klines(path, btc, kind="markPriceKlines")


def test_hourly_and_monthly_klines(tmp_path: Path, btc: Instrument) -> None:
    hour = 3_600_000
    rows = [r.replace(str(T0_MS + i * MIN_MS), str(T0_MS + i * hour), 1)
            for i, r in enumerate(kline_rows(2))]
    bars = load_klines(_file(tmp_path, rows, interval="1h"), btc)
    assert str(bars[0].bar_type) == "BTCUSDT-PERP.BINANCE-1-HOUR-LAST-EXTERNAL"
    assert [b.ts_event for b in bars] == [(T0_MS + hour) * NS, (T0_MS + 2 * hour) * NS]
    feb_ms = 1_706_745_600_000  # 2024-02-01: January has 31 days
    rows = [kline_rows(1)[0], kline_rows(1, t0_ms=feb_ms)[0]]
    bars = load_klines(_file(tmp_path / "m", rows, interval="1mo"), btc)
    assert [b.ts_event for b in bars] == [feb_ms * NS, 1_709_251_200_000 * NS]  # Feb, Mar 1st


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda rows: [rows[0], rows[2]], "gap: 1 1m bar(s) missing between "
         "2024-01-01T00:00:00Z and 2024-01-01T00:02:00Z (--allow-gaps imports it anyway)"),
        (lambda rows: [rows[0], rows[0]], "open_time is not after the previous line's"),
        (lambda rows: [rows[1], rows[0]], "open_time is not after the previous line's"),
        (lambda rows: [rows[0], rows[1].replace("1704067260000", "1704067290000", 1)],
         "open_time 2024-01-01T00:01:30Z is not on the 1m grid"),
        (lambda rows: [rows[0], rows[1].replace(",42003.5,", ",41000.0,", 1)],
         "high/low do not contain open/close"),
        (lambda rows: [rows[0], rows[1].replace(",41999.0,", ",-1.0,", 1)], "low -1.0 must be > 0"),
        (lambda rows: [rows[0], rows[1].replace(",1.234,", ",-1.0,", 1)],
         "volume -1.0 must be >= 0"),
        (lambda rows: [rows[0], rows[1].replace(",42001.5,", ",inf,", 1)],
         "close inf must be > 0"),
        (lambda rows: [rows[0], rows[1].replace("1704067260000", "1704067260000000", 1)],
         "open_time 1704067260000000 is in microseconds, line 2 in milliseconds"),
    ],
)
def test_refusals_name_the_line(tmp_path: Path, btc: Instrument, change, problem: str) -> None:
    path = _file(tmp_path, change(kline_rows(3)))
    with pytest.raises(DataFileError) as info:
        load_klines(path, btc)
    assert info.value.line == 3
    assert problem in str(info.value) and str(info.value).startswith(f"{path}:3: ")


def test_gaps_can_be_allowed(tmp_path: Path, btc: Instrument) -> None:
    rows = kline_rows(4)
    bars = load_klines(_file(tmp_path, [rows[0], rows[3]]), btc, allow_gaps=True)
    assert [b.ts_event for b in bars] == [(T0_MS + MIN_MS) * NS, (T0_MS + 4 * MIN_MS) * NS]


def test_the_file_symbol_must_be_the_instruments(tmp_path: Path, btc: Instrument) -> None:
    path = vision_path(tmp_path, "klines", "ETHUSDT", "2024-01", "1m")
    write_vision("\n".join(kline_rows(2)) + "\n", path)
    with pytest.raises(DataFileError, match="the file name says symbol ETHUSDT, not BTCUSDT"):
        load_klines(path, btc)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    count=st.integers(1, 200),
    start=st.integers(300, 2_000_000),
    seed=st.integers(0, 2**32 - 1),
    micro=st.booleans(),
    header=st.booleans(),
)
def test_random_klines_round_trip(
    tmp_path_factory: pytest.TempPathFactory, btc: Instrument, count: int, start: int, seed: int,
    micro: bool, header: bool,
) -> None:
    frame = synthetic_klines(start_ms=T0_MS, count=count, start_price=start / 10, tick=0.1,
                             seed=seed, time_unit="us" if micro else "ms")
    path = vision_path(tmp_path_factory.mktemp("k"), "klines", "BTCUSDT", "2024-01", "1m")
    bars = load_klines(write_vision(frame, path, header=header), btc)
    assert [(str(b.open), str(b.high), str(b.low), str(b.close), str(b.volume))
            for b in bars] == [
        (f"{o:.1f}", f"{h:.1f}", f"{lo:.1f}", f"{c:.1f}", f"{v:.3f}")
        for o, h, lo, c, v in frame[["open", "high", "low", "close", "volume"]].itertuples(
            index=False, name=None
        )
    ]
    assert [b.ts_event for b in bars] == [(T0_MS + (i + 1) * MIN_MS) * NS for i in range(count)]
