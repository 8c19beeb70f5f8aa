"""The Nautilus 2 side of the pre-trade checks: its instruments, values and enums as the core's
plain values (the core decides; see :mod:`nautilus_exec_kit.core.validator`).

Why a module of its own: v2's ``Price`` / ``Quantity`` carry 128-bit raws at a fixed precision
of 16 (v1: 64-bit, 9), its enums are PyO3 classes, not Python ``Enum``\\s, and its limits are not
exported as constants. Each conversion lives here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from nautilus_trader import model as nt

from nautilus_exec_kit.core import vocab
from nautilus_exec_kit.core.positions import PositionMode, position_id_text
from nautilus_exec_kit.core.rules import Grid, InstrumentRules, coerce_raw, rules_of_instrument

FIXED_PRECISION: Final[int] = int(nt.FIXED_PRECISION)
_SCALAR: Final[int] = 10**FIXED_PRECISION
#: v2's largest Price / Quantity (its error messages name them; rc6 exports no constant).
PRICE_MAX: Final = Decimal(17_014_118_346_046)
QUANTITY_MAX: Final = Decimal(34_028_236_692_093)
_FIXED_TYPES: Final = (nt.Price, nt.Quantity)

#: Nautilus 2 enum member -> the core's member of the same name (and back).
SIDE: Final[Mapping[Any, vocab.OrderSide]] = vocab.by_name(
    vocab.OrderSide, nt.OrderSide.variants(),
)
ORDER_TYPE: Final = vocab.by_name(vocab.OrderType, nt.OrderType.variants())
TIME_IN_FORCE: Final = vocab.by_name(vocab.TimeInForce, nt.TimeInForce.variants())
TRIGGER_TYPE: Final = vocab.by_name(vocab.TriggerType, nt.TriggerType.variants())
TRAILING_OFFSET_TYPE: Final = vocab.by_name(
    vocab.TrailingOffsetType, nt.TrailingOffsetType.variants(),
)
POSITION_SIDE: Final = vocab.by_name(vocab.PositionSide, nt.PositionSide.variants())
NT_SIDE: Final = vocab.invert(SIDE)
NT_POSITION_SIDE: Final = vocab.invert(POSITION_SIDE)


def rules_of(instrument: Any) -> InstrumentRules:
    """The core's rules of a Nautilus 2 instrument (build once, cache it).

    Market-type orders follow MARKET_LOT_SIZE when ``instrument.info`` carries Binance's
    ``filters`` (an instrument built with them); 2.0.0rc6's Binance adapter leaves ``info``
    empty, so its instruments' market orders follow LOT_SIZE."""
    return rules_of_instrument(
        instrument, fixed_precision=FIXED_PRECISION,
        price_limit_raw=int(PRICE_MAX * _SCALAR), quantity_limit_raw=int(QUANTITY_MAX * _SCALAR),
    )


def _coerce_raw(grid: Grid, value: Any, field: str) -> int:
    """A user number (or a Nautilus 2 value of any precision) as an exact raw on ``grid``."""
    return coerce_raw(grid, value, field, _FIXED_TYPES)


def coerce_price(rules: InstrumentRules, value: Any, field: str = "price") -> nt.Price:
    """A user price as a v2 ``Price`` at the instrument's precision, exactly or not at all."""
    return nt.Price.from_raw(_coerce_raw(rules.price_grid, value, field), rules.price_precision)


def coerce_quantity(rules: InstrumentRules, value: Any, field: str = "quantity") -> nt.Quantity:
    """A user quantity as a v2 ``Quantity`` at the instrument's precision, never rounding."""
    return nt.Quantity.from_raw(_coerce_raw(rules.size_grid, value, field), rules.size_precision)


_PID_CACHE: dict[tuple[str, PositionMode, str | None], nt.PositionId] = {}


def position_id_for(
    instrument_id: Any, mode: PositionMode, leg: str | None = None,
) -> nt.PositionId:
    """The v2 ``PositionId`` the Binance adapter reports for this instrument and leg."""
    key = (str(instrument_id), mode, leg)
    pid = _PID_CACHE.get(key)
    if pid is None:
        pid = _PID_CACHE[key] = nt.PositionId(position_id_text(key[0], mode, leg))
    return pid


def nanos_of(expire_time: Any) -> int | None:
    """An expiry as UNIX nanoseconds (v2's factories take ``int`` ns; a ``datetime`` works)."""
    if expire_time is None:
        return None
    if isinstance(expire_time, int):
        return expire_time
    return int(expire_time.timestamp() * 1_000_000) * 1_000


__all__ = [
    "FIXED_PRECISION",
    "NT_POSITION_SIDE",
    "NT_SIDE",
    "ORDER_TYPE",
    "POSITION_SIDE",
    "SIDE",
    "TIME_IN_FORCE",
    "TRAILING_OFFSET_TYPE",
    "TRIGGER_TYPE",
    "coerce_price",
    "coerce_quantity",
    "nanos_of",
    "position_id_for",
    "rules_of",
]
