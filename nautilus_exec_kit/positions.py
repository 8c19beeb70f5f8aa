"""Binance position modes and the position IDs the live adapter reports.

The live Binance futures exec client is a HEDGING-OMS client. It reports every position as
``{instrument_id}-BOTH`` in one-way mode and ``{instrument_id}-LONG`` / ``{instrument_id}-SHORT``
in hedge mode. The kit submits every order with exactly those IDs, on a HEDGING OMS, in backtests
too, so a strategy sees the same positions in both worlds (see docs/position_modes.md).

This module is pure bookkeeping: which leg an order acts on, and how much of a leg may still be
closed. It never sends anything; the mixin does.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, Final

from nautilus_trader.model.enums import OrderSide, OrderType, PositionSide
from nautilus_trader.model.identifiers import InstrumentId, PositionId

from nautilus_exec_kit.errors import ConfigurationError, PositionModeViolation

if TYPE_CHECKING:
    from collections.abc import Callable, Container, Iterable

    from nautilus_trader.model.orders import Order
    from nautilus_trader.model.position import Position


class PositionMode(Enum):
    """The account's Binance position mode (``dualSidePosition``)."""

    ONE_WAY = "ONE_WAY"
    HEDGE = "HEDGE"


#: The leg names Binance uses for ``positionSide`` (and the suffix of the adapter's position IDs).
LEGS: Final[frozenset[str]] = frozenset({"BOTH", "LONG", "SHORT"})

#: Hedge mode: which leg an order *opens* when the caller does not say.
_OPENING_LEG: Final[dict[OrderSide, str]] = {OrderSide.BUY: "LONG", OrderSide.SELL: "SHORT"}

#: Hedge mode: which leg an order *closes* (Binance: only SELL closes LONG, only BUY closes SHORT).
_CLOSING_LEG: Final[dict[OrderSide, str]] = {OrderSide.SELL: "LONG", OrderSide.BUY: "SHORT"}

#: The side that reduces a position of the given side.
CLOSING_SIDE: Final[dict[PositionSide, OrderSide]] = {
    PositionSide.LONG: OrderSide.SELL,
    PositionSide.SHORT: OrderSide.BUY,
}

#: Order types that execute as soon as they reach the venue. Only these count as "already
#: committed" quantity when a close helper sizes a close: untriggered conditional orders are
#: protection that may never fire, and refusing a close because a stop exists would be wrong.
_IMMEDIATE_TYPES: Final[frozenset[OrderType]] = frozenset(
    {OrderType.MARKET, OrderType.LIMIT, OrderType.MARKET_TO_LIMIT},
)

_PID_CACHE: dict[tuple[InstrumentId, str], PositionId] = {}


def parse_position_mode(value: str | PositionMode) -> PositionMode:
    """Return the :class:`PositionMode` for a config value, or raise ``ConfigurationError``."""
    if isinstance(value, PositionMode):
        return value
    try:
        return PositionMode[str(value).upper()]
    except KeyError:
        raise ConfigurationError(
            f"position_mode={value!r} is not a position mode; use 'ONE_WAY' (Binance default) "
            "or 'HEDGE' (dualSidePosition=true)",
        ) from None


def position_id_for(
    instrument_id: InstrumentId,
    mode: PositionMode,
    position_side: str | None = None,
) -> PositionId:
    """Return the adapter's position ID for an instrument, mode and leg.

    One-way mode always gives ``{iid}-BOTH`` (``position_side`` is ignored); hedge mode needs
    ``position_side`` ``"LONG"`` or ``"SHORT"``. The ``PositionId`` objects are cached, because
    this runs on every submit.

    >>> position_id_for(InstrumentId.from_str("BTCUSDT-PERP.BINANCE"), PositionMode.HEDGE, "LONG")
    PositionId('BTCUSDT-PERP.BINANCE-LONG')
    """
    leg = "BOTH" if mode is PositionMode.ONE_WAY else position_side
    key = (instrument_id, leg or "")
    pid = _PID_CACHE.get(key)
    if pid is None:
        if leg not in ("LONG", "SHORT", "BOTH"):
            raise PositionModeViolation(
                "position_side",
                position_side,
                "hedge mode needs the leg an order acts on",
                "pass position_side='LONG' or 'SHORT'",
            )
        pid = PositionId(f"{instrument_id}-{leg}")
        _PID_CACHE[key] = pid
    return pid


def normalize_position_side(value: object) -> str | None:
    """Accept ``"LONG"``/``"SHORT"`` (any case) or a Nautilus ``PositionSide``; ``None`` passes."""
    if value is None:
        return None
    if isinstance(value, PositionSide):
        value = value.name
    text = str(value).upper()
    if text not in ("LONG", "SHORT"):
        raise PositionModeViolation(
            "position_side",
            value,
            "is not a hedge-mode leg",
            "pass position_side='LONG' or 'SHORT' (or leave it out)",
        )
    return text


def leg_for(
    mode: PositionMode,
    side: OrderSide,
    position_side: str | None = None,
    closing: bool = False,
) -> str:
    """Which leg an order acts on.

    One-way: always ``"BOTH"``. Hedge: the explicit ``position_side`` wins; otherwise an opening
    order acts on the leg of its own direction (BUY -> LONG) and a closing order on the opposite
    one (SELL closes LONG, BUY closes SHORT).
    """
    if mode is PositionMode.ONE_WAY:
        return "BOTH"
    if position_side is not None:
        return position_side
    return (_CLOSING_LEG if closing else _OPENING_LEG)[side]


def check_hedge_flags(mode: PositionMode, reduce_only: bool) -> None:
    """Refuse ``reduce_only`` in hedge mode.

    The live adapter never sends ``reduceOnly`` in hedge mode (it needs ``use_reduce_only=False``
    there, Binance answers -1106 otherwise); a close in hedge mode is an order on the leg, which
    the close helpers size so it never over-closes.
    """
    if reduce_only and mode is PositionMode.HEDGE:
        raise PositionModeViolation(
            "reduce_only",
            True,
            "reduce-only is not used in hedge mode (the adapter must not send reduceOnly there)",
            "use close_long()/close_short(), or submit the opposite side with position_side",
        )


def open_quantity(position: Position | None) -> tuple[PositionSide, Decimal]:
    """The side and size of an open position (``FLAT, 0`` when missing or closed)."""
    if position is None or position.is_closed:
        return PositionSide.FLAT, Decimal(0)
    return position.side, position.quantity.as_decimal()


def committed_close_quantity(
    orders: Iterable[Order],
    position_id: PositionId,
    closing_side: OrderSide,
    position_id_of: Callable[[Any], PositionId | None],
    excluded: Container[object],
) -> Decimal:
    """Quantity already on its way to close the leg: open, immediate-type closing orders.

    ``position_id_of`` maps a client order ID to the position ID it was submitted with
    (``cache.position_id``); ``excluded`` holds close_position orders, whose quantity follows
    the position and which must not block a close.
    """
    total = Decimal(0)
    for order in orders:
        coid = order.client_order_id
        if (
            order.side == closing_side
            and coid not in excluded
            and position_id_of(coid) == position_id
            and order.order_type in _IMMEDIATE_TYPES
        ):
            total += order.leaves_qty.as_decimal()
    return total


def check_close_quantity(leg: str, requested: Decimal, closable: Decimal) -> None:
    """Refuse a close larger than what is left of the leg.

    The SimulatedExchange would flip the leg to the other side; Binance refuses (hedge) or opens
    the opposite position (one-way without reduce-only). Either way it is not a close.
    """
    if requested > closable:
        raise PositionModeViolation(
            "quantity",
            requested,
            f"exceeds the closable {leg} quantity {closable} (position minus open closing orders)",
            f"close at most {closable}, or leave quantity out to close the rest of the leg",
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
    "open_quantity",
    "parse_position_mode",
    "position_id_for",
]
