"""Binance position modes, legs and the position IDs the live adapter reports, as plain values.

The live Binance futures exec client is a HEDGING-OMS client. It reports every position as
``{instrument_id}-BOTH`` in one-way mode and ``{instrument_id}-LONG`` / ``{instrument_id}-SHORT``
in hedge mode, in Nautilus 1 and 2 alike. The kit submits every order with exactly those IDs, on a
HEDGING OMS, in backtests too, so a strategy sees the same positions in both worlds (see
docs/position_modes.md). Bindings wrap :func:`position_id_text` in their ``PositionId``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from decimal import Decimal
from enum import Enum
from typing import Final

from nautilus_exec_kit.core.errors import ConfigurationError, PositionModeViolation
from nautilus_exec_kit.core.vocab import OrderSide, OrderType, PositionSide


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
#: The hedge-mode leg (as a position side) a ``-LONG`` / ``-SHORT`` order acts on.
LEG_SIDE: Final[dict[str, PositionSide]] = {
    "LONG": PositionSide.LONG,
    "SHORT": PositionSide.SHORT,
}

#: Order types that execute as soon as they reach the venue. Only these count as "already
#: committed" quantity when a close helper sizes a close: untriggered conditional orders are
#: protection that may never fire, and refusing a close because a stop exists would be wrong.
IMMEDIATE_TYPES: Final[frozenset[OrderType]] = frozenset(
    {OrderType.MARKET, OrderType.LIMIT, OrderType.MARKET_TO_LIMIT},
)


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


def position_id_text(instrument_id: str, mode: PositionMode, leg: str | None = None) -> str:
    """The adapter's position ID for an instrument, mode and leg, as text.

    One-way mode always gives ``{iid}-BOTH`` (``leg`` is ignored); hedge mode needs ``leg``
    ``"LONG"`` or ``"SHORT"``.

    >>> position_id_text("BTCUSDT-PERP.BINANCE", PositionMode.HEDGE, "LONG")
    'BTCUSDT-PERP.BINANCE-LONG'
    """
    name = "BOTH" if mode is PositionMode.ONE_WAY else leg
    if name not in LEGS:
        raise PositionModeViolation(
            "position_side",
            leg,
            "hedge mode needs the leg an order acts on",
            "pass position_side='LONG' or 'SHORT'",
        )
    return f"{instrument_id}-{name}"


def normalize_position_side(value: object) -> str | None:
    """Accept ``"LONG"``/``"SHORT"`` (any case) or any ``PositionSide`` enum member (the core's
    or a Nautilus generation's, by name); ``None`` passes."""
    if value is None:
        return None
    text = str(getattr(value, "name", value)).upper()
    if text not in LEG_SIDE:
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


def committed_close_quantity(
    orders: Iterable[tuple[OrderSide, OrderType, Decimal, Hashable]],
    position_id: Hashable,
    closing_side: OrderSide,
) -> Decimal:
    """Quantity already on its way to close a leg: the leaves of the closing side's
    immediate-type orders (:data:`IMMEDIATE_TYPES`) sent on the leg's position ID.

    Each order is ``(side, order type, leaves quantity, position ID)`` in the core's words; the
    binding leaves out close_position orders (their quantity follows the position and must
    not block a close) and names the position ID the order was sent with.
    """
    return sum(
        (
            leaves
            for side, order_type, leaves, order_pid in orders
            if side is closing_side and order_type in IMMEDIATE_TYPES and order_pid == position_id
        ),
        Decimal(0),
    )


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


def orders_on[OrderT](
    orders: Iterable[tuple[OrderT, Hashable]],
    instrument_id: Hashable | None = None,
    position_id: Hashable | None = None,
) -> list[OrderT]:
    """The orders of ``(order, position ID)`` pairs on one instrument (any object with an
    ``instrument_id``) and, optionally, one position ID (a hedge leg); None matches all.

    Both bindings answer ``kit_unsent_orders`` with it: the orders a helper returned that have
    not reached Nautilus yet (not in the cache), which a strategy that sends "unless an order
    is already on its way" must count (docs/helpers.md).
    """
    return [
        order for order, pid in orders
        if (instrument_id is None or getattr(order, "instrument_id", None) == instrument_id)
        and (position_id is None or pid == position_id)
    ]


__all__ = [
    "CLOSING_SIDE",
    "IMMEDIATE_TYPES",
    "LEGS",
    "LEG_SIDE",
    "PositionMode",
    "check_close_quantity",
    "check_hedge_flags",
    "committed_close_quantity",
    "leg_for",
    "normalize_position_side",
    "orders_on",
    "parse_position_mode",
    "position_id_text",
]
