"""fundingRate -> FundingRateUpdate: exact rates, intervals, next funding time, gaps."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nautilus_trader.model.instruments import Instrument

from nautilus_exec_kit.data.errors import DataFileError
from nautilus_exec_kit.data.funding import load_funding_rates
from nautilus_exec_kit.data.layout import vision_path
from nautilus_exec_kit.data.synthetic import header_of, write_vision
from tests.data.conftest import T0_MS

HOUR_MS = 3_600_000
NS = 1_000_000


def _file(tmp_path: Path, rows: list[str], header: bool = True, zipped: bool = True) -> Path:
    path = vision_path(tmp_path, "fundingRate", "BTCUSDT", "2024-01",
                       suffix=".zip" if zipped else ".csv")
    lines = ([header_of("fundingRate")] if header else []) + rows
    return write_vision("\n".join(lines) + "\n", path)


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize("zipped", [True, False])
def test_settlements_with_exact_rates(
    tmp_path: Path, btc: Instrument, header: bool, zipped: bool
) -> None:
    rows = [f"{T0_MS},8,0.00010000", f"{T0_MS + 8 * HOUR_MS},8,-0.00002345",
            f"{T0_MS + 12 * HOUR_MS},4,0.00300000"]
    updates = load_funding_rates(_file(tmp_path, rows, header, zipped), btc)
    assert [(u.instrument_id.value, u.rate, u.interval, u.ts_event, u.ts_init,
             u.next_funding_ns) for u in updates] == [
        ("BTCUSDT-PERP.BINANCE", Decimal("0.0001"), 480, T0_MS * NS, T0_MS * NS, None),
        ("BTCUSDT-PERP.BINANCE", Decimal("-0.00002345"), 480, (T0_MS + 8 * HOUR_MS) * NS,
         (T0_MS + 8 * HOUR_MS) * NS, None),
        ("BTCUSDT-PERP.BINANCE", Decimal("0.003"), 240, (T0_MS + 12 * HOUR_MS) * NS,
         (T0_MS + 12 * HOUR_MS) * NS, None),
    ]


@pytest.mark.parametrize(
    ("second", "problem"),
    [
        (f"{T0_MS + 16 * HOUR_MS},8,0.0001", "gap: no settlement between 2024-01-01T00:00:00Z "
         "and 2024-01-01T16:00:00Z (every 8 h expected; --allow-gaps imports it anyway)"),
        (f"{T0_MS},8,0.0001", "calc_time is not after the previous line's"),
        (f"{T0_MS + 8 * HOUR_MS},0,0.0001", "funding_interval_hours 0 must be > 0"),
        (f"{T0_MS + 8 * HOUR_MS},8,nan", "last_funding_rate 'nan' is not a number"),
        (f"{T0_MS + 8 * HOUR_MS},8,-inf", "last_funding_rate -inf is not finite"),
        (f"{T0_MS + 8 * HOUR_MS},8,1e-4x", "last_funding_rate '1e-4x' is not a number"),
    ],
)
def test_refusals(tmp_path: Path, btc: Instrument, second: str, problem: str) -> None:
    path = _file(tmp_path, [f"{T0_MS},8,0.0001", second])
    with pytest.raises(DataFileError) as info:
        load_funding_rates(path, btc)
    assert str(info.value) == f"{path}:3: {problem}"


def test_a_gap_can_be_allowed(tmp_path: Path, btc: Instrument) -> None:
    path = _file(tmp_path, [f"{T0_MS},8,0.0001", f"{T0_MS + 24 * HOUR_MS},8,0.0001"])
    assert len(load_funding_rates(path, btc, allow_gaps=True)) == 2


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(-75_000, 75_000), min_size=1, max_size=20))
def test_any_rate_of_8_decimals_is_kept_exactly(
    tmp_path_factory: pytest.TempPathFactory, btc: Instrument, units: list[int]
) -> None:
    rates = [Decimal(u).scaleb(-8) for u in units]  # Binance prints 8 decimals
    rows = [f"{T0_MS + i * 8 * HOUR_MS},8,{r:.8f}" for i, r in enumerate(rates)]
    updates = load_funding_rates(_file(tmp_path_factory.mktemp("f"), rows), btc)
    assert [u.rate for u in updates] == rates
