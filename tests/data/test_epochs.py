"""Epoch units by magnitude; one unit per file."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nautilus_exec_kit.data.epochs import epoch_to_ns, epochs_to_ns, unit_of
from nautilus_exec_kit.data.errors import DataFileError

MS = 1_704_067_200_000


@pytest.mark.parametrize(
    ("value", "unit"),
    [(MS, "milliseconds"), (MS * 1_000, "microseconds"), (MS * 1_000_000, "nanoseconds")],
)
def test_the_magnitude_names_the_unit(value: int, unit: str) -> None:
    found = unit_of(value)
    assert found is not None and found.name == unit
    assert epoch_to_ns(value) == MS * 1_000_000


def test_a_too_small_epoch_is_refused() -> None:
    assert unit_of(99_999_999_999) is None
    with pytest.raises(ValueError, match="too small"):
        epoch_to_ns(12)


def test_mixed_units_in_one_file_name_the_first_odd_line() -> None:
    values = np.array([MS, MS + 60_000, (MS + 120_000) * 1_000], dtype=np.int64)
    with pytest.raises(DataFileError) as info:
        epochs_to_ns(values, path="f.csv", first_line=2, column="open_time")
    assert info.value.line == 4
    assert str(info.value) == (
        "f.csv:4: open_time 1704067320000000 is in microseconds, line 2 in milliseconds "
        "(one file must use one unit)"
    )


def test_a_tiny_value_in_a_column_is_named() -> None:
    with pytest.raises(DataFileError, match=r"f.csv:3: t 5 is no epoch"):
        epochs_to_ns(np.array([MS, 5], dtype=np.int64), path="f.csv", first_line=2, column="t")


# 2017-01-01 .. 2030-01-01, in milliseconds
_ms = st.integers(1_483_228_800_000, 1_893_456_000_000)


@given(st.lists(_ms, min_size=1, max_size=50), st.sampled_from([1, 1_000, 1_000_000]))
def test_any_column_of_one_unit_converts_exactly(values: list[int], scale: int) -> None:
    ns = epochs_to_ns(
        np.array(values, dtype=np.int64) * scale, path="f", first_line=1, column="t"
    )
    assert ns.tolist() == [v * 1_000_000 for v in values]
