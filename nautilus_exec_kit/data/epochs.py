"""Epoch timestamps in milliseconds, microseconds or nanoseconds, told apart by magnitude.

Why by magnitude: Binance Vision files carry no unit. Its older files stamp milliseconds; since
2025 some (spot first, then others) stamp microseconds. Any epoch after 1973 in ms is >= 1e11,
in us >= 1e14, in ns >= 1e17, so the magnitude names the unit unambiguously for real market data.
One file must use one unit: a file mixing them was concatenated from two sources and its order
can no longer be trusted, so it is refused with the first line that differs.
"""

from __future__ import annotations

from typing import Final

import attrs
import numpy as np
import numpy.typing as npt

from nautilus_exec_kit.data.errors import DataFileError


@attrs.frozen
class EpochUnit:
    """One epoch unit: values at or above ``floor`` (and below the next unit's) are in it."""

    name: str
    floor: int
    ns_per_unit: int


#: Largest unit first; anything below the last floor (ms before 1973) is no market timestamp.
EPOCH_UNITS: Final[tuple[EpochUnit, ...]] = (
    EpochUnit("nanoseconds", 10**17, 1),
    EpochUnit("microseconds", 10**14, 1_000),
    EpochUnit("milliseconds", 10**11, 1_000_000),
)


def unit_of(value: int) -> EpochUnit | None:
    """The unit ``value`` is in, or None when it is too small to be an epoch in any unit."""
    for unit in EPOCH_UNITS:
        if value >= unit.floor:
            return unit
    return None


def epoch_to_ns(value: int) -> int:
    """One epoch (ms, us or ns) in nanoseconds; ValueError when it is no plausible epoch."""
    unit = unit_of(value)
    if unit is None:
        raise ValueError(f"epoch {value} is too small for milliseconds (before 1973)")
    return value * unit.ns_per_unit


def epochs_to_ns(
    values: npt.NDArray[np.int64], *, path: str, first_line: int, column: str
) -> npt.NDArray[np.int64]:
    """A column of epochs in nanoseconds; every value must share the first value's unit.

    ``first_line`` is the file line of ``values[0]`` (rows map to consecutive lines), so an error
    names the exact line: ``f.csv:7: open_time 1735689600000000 is in microseconds, line 2 in
    milliseconds (one file must use one unit)``.
    """
    if len(values) == 0:
        return values.astype(np.int64)
    codes = np.full(len(values), -1, dtype=np.int8)
    for code, unit in reversed(list(enumerate(EPOCH_UNITS))):
        codes[values >= unit.floor] = code
    if codes[0] < 0 or (codes < 0).any():
        row = int(np.argmax(codes < 0))
        raise DataFileError(
            path,
            first_line + row,
            f"{column} {int(values[row])} is no epoch timestamp (too small for milliseconds)",
        )
    mixed = codes != codes[0]
    if mixed.any():
        row = int(np.argmax(mixed))
        raise DataFileError(
            path,
            first_line + row,
            f"{column} {int(values[row])} is in {EPOCH_UNITS[codes[row]].name}, line "
            f"{first_line} in {EPOCH_UNITS[codes[0]].name} (one file must use one unit)",
        )
    return values.astype(np.int64) * np.int64(EPOCH_UNITS[codes[0]].ns_per_unit)


__all__ = ["EPOCH_UNITS", "EpochUnit", "epoch_to_ns", "epochs_to_ns", "unit_of"]
