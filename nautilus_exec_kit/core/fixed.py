"""Exact fixed-point numbers, whatever scale a Nautilus generation uses.

Nautilus keeps prices and quantities as integers (``raw``) scaled by ``10**FIXED_PRECISION``:
9 or 16 in Nautilus 1 (standard / high-precision builds), 16 in Nautilus 2. The core never
assumes one: every rule carries its ``fixed_precision``, and these helpers convert user input
to raws at that scale exactly, or say why they cannot. Nothing here rounds.
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any


def exact_decimal(value: Any) -> Decimal | None:
    """The decimal the user meant, or ``None`` when ``value`` is not a finite number.

    Floats read as their shortest repr (what the user typed); bools are not numbers.
    """
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, float):
            d = Decimal(repr(value))
        elif isinstance(value, str):
            d = Decimal(value.strip())
        elif isinstance(value, (int, Decimal)):
            d = Decimal(value)
        else:
            return None
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def floor_raw(d: Decimal, scalar: int) -> int:
    """``d`` in raw units, rounded down (for hints about the nearest valid values)."""
    return int((d * scalar).to_integral_value(rounding=ROUND_FLOOR))


def to_raw(value: Any, precision: int, scalar: int) -> tuple[int | None, Decimal | None]:
    """Exact raw of ``value`` with at most ``precision`` decimals -> ``(raw, None)``.

    ``(None, decimal)`` when it has more decimals; ``(None, None)`` when it is not a finite
    number. Floats take an exact round trip (no ``Decimal``) when they have one.
    """
    unit_raw = scalar // 10**precision
    if isinstance(value, float) and math.isfinite(value) and abs(value) < 1e15:
        scale = 10**precision
        n = round(value * scale)
        if n / scale == value:  # IEEE division is correctly rounded: exact round trip
            return n * unit_raw, None
    elif isinstance(value, int) and not isinstance(value, bool):
        return value * scalar, None
    d = exact_decimal(value)
    if d is None:
        return None, None
    scaled = d.scaleb(precision)
    if scaled == scaled.to_integral_value():
        return int(scaled) * unit_raw, None
    return None, d


def format_raw(raw: int, precision: int, fixed_precision: int) -> str:
    """``raw`` as text with exactly ``precision`` decimals (how Nautilus prints the value).

    A raw finer than ``precision`` is truncated toward zero, as Nautilus' ``from_raw`` shows it.
    """
    sign = "-" if raw < 0 else ""
    whole, frac = divmod(abs(raw), 10**fixed_precision)
    if precision == 0:
        return f"{sign}{whole}"
    digits = str(frac).rjust(fixed_precision, "0")[:precision]
    return f"{sign}{whole}.{digits}"


__all__ = ["exact_decimal", "floor_raw", "format_raw", "to_raw"]
