"""Binance Vision fundingRate files as Nautilus ``FundingRateUpdate`` objects.

A row ``calc_time,funding_interval_hours,last_funding_rate`` is one funding settlement: at
``calc_time`` every open position paid (or received) ``rate x mark notional``. Each row becomes
``FundingRateUpdate(instrument_id, rate, ts_event=ts_init=calc_time, interval=<minutes>)``
with no ``next_funding_ns``: it is a *settlement record*, which the kit's perpetual economics
charge when it arrives (an update with ``next_funding_ns`` is a live estimate, charged at that
time; docs/perpetuals.md). The rate is the exact decimal of the file (the float a
CSV parse gives is printed back by ``repr``, which round-trips up to 15 significant digits, more
than Binance's 8 decimals).

Checks: settlement times increase; the interval is a positive number of hours; two settlements
further apart than the longer of their intervals (plus a minute) is a gap: a settlement is
missing, so a backtest would skip a payment. Refused unless ``allow_gaps``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Final

import numpy as np
from nautilus_trader.model.data import FundingRateUpdate
from nautilus_trader.model.instruments import Instrument

from nautilus_exec_kit.data.layout import VisionFile, vision_file
from nautilus_exec_kit.data.reader import read_table
from nautilus_exec_kit.data.timestamps import iso

_NS_PER_HOUR: Final = 3_600_000_000_000
#: Settlement times may drift by milliseconds; a gap is a missing settlement, not jitter.
_GAP_TOLERANCE_NS: Final = 60_000_000_000


def funding_rates_from_file(
    file: VisionFile, instrument: Instrument, *, allow_gaps: bool = False
) -> list[FundingRateUpdate]:
    """The checked settlements of a fundingRate file for ``instrument``."""
    table = read_table(file)
    times = table.times_ns()
    table.require_ordered(times, strictly=True)
    hours = table.column("funding_interval_hours").astype(np.int64)
    table.refuse(hours <= 0, lambda r: f"funding_interval_hours {hours[r]} must be > 0")
    rates = table.column("last_funding_rate").astype(np.float64)
    table.refuse(~np.isfinite(rates), lambda r: f"last_funding_rate {rates[r]} is not finite")
    if not allow_gaps and len(times) > 1:
        longer = np.maximum(hours[1:], hours[:-1]) * _NS_PER_HOUR + _GAP_TOLERANCE_NS
        late = np.r_[False, np.diff(times) > longer]
        table.refuse(
            late,
            lambda r: f"gap: no settlement between {iso(times[r - 1])} and {iso(times[r])} "
            f"(every {hours[r]} h expected; --allow-gaps imports it anyway)",
        )
    iid = instrument.id
    return [
        FundingRateUpdate(iid, Decimal(repr(rate)), ts, ts, interval=h * 60)
        for rate, ts, h in zip(rates.tolist(), times.tolist(), hours.tolist(), strict=True)
    ]


def load_funding_rates(
    path: str | Path, instrument: Instrument, *, allow_gaps: bool = False
) -> list[FundingRateUpdate]:
    """A fundingRate file (``BTCUSDT-fundingRate-2024-01.zip``) as ``FundingRateUpdate``s."""
    file = vision_file(path, "fundingRate", symbol=instrument.raw_symbol.value)
    return funding_rates_from_file(file, instrument, allow_gaps=allow_gaps)


__all__ = ["funding_rates_from_file", "load_funding_rates"]
