"""Nanosecond epochs as pandas indexes and as text for messages.

Why here: pandas 3 defaults new datetimes to microseconds, while Nautilus' wranglers read the
index as nanoseconds; every frame handed to a wrangler gets its index from :func:`utc_index`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def utc_index(ns: np.ndarray) -> pd.DatetimeIndex:
    """A UTC ``DatetimeIndex`` at nanosecond resolution of epoch nanoseconds."""
    return pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"), tz="UTC")


def iso(ns: int | np.integer) -> str:
    """``2024-01-03T04:59:00Z`` (sub-second digits only when there are any)."""
    text: str = pd.Timestamp(int(ns), unit="ns", tz="UTC").isoformat()
    return text.replace("+00:00", "Z")


__all__ = ["iso", "utc_index"]
