"""The Nautilus 1 side of position modes: ``PositionId`` objects, positions and orders from its
cache, read as the core's legs and sides (:mod:`nautilus_exec_kit.core.positions` decides).

This module is pure bookkeeping: which leg an order acts on, and how much of a leg may still be
closed. It never sends anything; the mixin does. What a leg holds at the venue is the node's
position on the leg's ID (:func:`signed_raw`) plus what the core's ``VenueCloseLedger`` keeps of
the venue's own closes, which Nautilus books elsewhere (:mod:`nautilus_exec_kit.risk_events`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from nautilus_trader.model.enums import OrderSide, PositionSide
from nautilus_trader.model.identifiers import InstrumentId, PositionId

from nautilus_exec_kit.core import positions as core
from nautilus_exec_kit.core.positions import (
    LEGS,
    PositionMode,
    check_close_quantity,
    check_hedge_flags,
    normalize_position_side,
    parse_position_mode,
)
from nautilus_exec_kit.validation import NT_SIDE, ORDER_TYPE, POSITION_SIDE, SIDE

if TYPE_CHECKING:
    from collections.abc import Callable, Container, Iterable
    from decimal import Decimal

    from nautilus_trader.model.orders import Order
    from nautilus_trader.model.position import Position

#: The side that reduces a position of the given side (Nautilus 1 enums).
CLOSING_SIDE: Final[dict[PositionSide, OrderSide]] = {
    side: NT_SIDE[core.CLOSING_SIDE[POSITION_SIDE[side]]]
    for side in PositionSide
    if POSITION_SIDE[side] in core.CLOSING_SIDE
}

_PID_CACHE: dict[tuple[InstrumentId, str], PositionId] = {}


def position_id_for(
    instrument_id: InstrumentId,
    mode: PositionMode,
    position_side: str | None = None,
) -> PositionId:
    """The adapter's ``PositionId`` for an instrument, mode and leg (cached: every submit asks).

    >>> position_id_for(InstrumentId.from_str("BTCUSDT-PERP.BINANCE"), PositionMode.HEDGE, "LONG")
    PositionId('BTCUSDT-PERP.BINANCE-LONG')
    """
    key = (instrument_id, "BOTH" if mode is PositionMode.ONE_WAY else (position_side or ""))
    pid = _PID_CACHE.get(key)
    if pid is None:
        pid = _PID_CACHE[key] = PositionId(
            core.position_id_text(str(instrument_id), mode, position_side),
        )
    return pid


def leg_for(
    mode: PositionMode,
    side: OrderSide,
    position_side: str | None = None,
    closing: bool = False,
) -> str:
    """:func:`nautilus_exec_kit.core.positions.leg_for` for a Nautilus 1 ``OrderSide``."""
    return core.leg_for(mode, SIDE[side], position_side, closing)


def signed_raw(position: Position | None) -> int:
    """The signed raw quantity of a position (0 when missing or closed; negative when short)."""
    if position is None or position.is_closed:
        return 0
    raw = int(position.quantity.raw)
    return -raw if position.side == PositionSide.SHORT else raw


def committed_close_quantity(
    orders: Iterable[Order],
    position_id: PositionId,
    closing_side: OrderSide,
    position_id_of: Callable[[Any], PositionId | None],
    excluded: Container[object],
) -> Decimal:
    """:func:`nautilus_exec_kit.core.positions.committed_close_quantity` for Nautilus 1 orders.

    ``position_id_of`` maps a client order ID to the position ID it was submitted with
    (``cache.position_id``); ``excluded`` holds close_position orders, whose quantity follows
    the position and which must not block a close.
    """
    return core.committed_close_quantity(
        (
            (SIDE[order.side], ORDER_TYPE[order.order_type], order.leaves_qty.as_decimal(),
             position_id_of(order.client_order_id))
            for order in orders
            if order.client_order_id not in excluded
        ),
        position_id,
        SIDE[closing_side],
    )


__all__ = [
    "CLOSING_SIDE",
    "LEGS",
    "PositionMode",
    "check_close_quantity",
    "check_hedge_flags",
    "committed_close_quantity",
    "leg_for",
    "normalize_position_side",
    "parse_position_mode",
    "position_id_for",
    "signed_raw",
]
