"""Algo (conditional) orders: which orders are algo orders, the open-algo cap, and modify limits.

Since 2025-12-09 Binance USDT-M routes STOP_MARKET, STOP_LIMIT, TAKE_PROFIT(_MARKET) and
TRAILING_STOP_MARKET through the Algo Order API (``BINANCE_FUTURES_ALGO_ORDER_TYPES`` in the
adapter). Those orders count against a cap of open conditional orders per symbol (200) and cannot
be amended until they trigger. The SimulatedExchange knows none of this (facts §1.1), so the kit
tracks it itself and refuses before the venue would.

The tracker is fed from order events; an algo order stops counting once it triggers (it becomes a
regular order at the venue) or reaches a terminal state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from nautilus_trader.model.enums import OrderType
from nautilus_trader.model.events import (
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
)

from nautilus_exec_kit.errors import AlgoOrderLimitReached, ModifyNotSupported

if TYPE_CHECKING:
    from collections.abc import Mapping

    from nautilus_trader.model.identifiers import ClientOrderId, InstrumentId
    from nautilus_trader.model.orders import Order

    from nautilus_exec_kit.capabilities import VenueCapabilities


#: Events after which an algo order no longer counts as an open conditional order.
_RELEASING_EVENTS: Final[tuple[type, ...]] = (
    OrderTriggered,
    OrderFilled,
    OrderCanceled,
    OrderExpired,
    OrderRejected,
    OrderDenied,
)


def is_algo_order(order_type: OrderType, capabilities: VenueCapabilities) -> bool:
    """True when this order type is an algo (conditional) order for the account type."""
    return order_type in capabilities.algo_types


def check_modifiable(order: Order, capabilities: VenueCapabilities) -> None:
    """Raise :class:`ModifyNotSupported` when the venue cannot amend this order."""
    if order.order_type not in capabilities.modifiable_types:
        raise ModifyNotSupported(
            "order_type",
            order.order_type.name if isinstance(order.order_type, OrderType) else order.order_type,
            "Binance futures only amends LIMIT orders; an untriggered algo (conditional) order "
            "cannot be modified",
            "cancel the order and submit a new one with the new quantity/price",
        )


class AlgoOrderBook:
    """Open algo orders per instrument, from submit to trigger/terminal event.

    Orders are counted when they are *sent* (not when accepted), so a burst of submits within
    one tick cannot overshoot the cap while acknowledgements are still on their way.
    """

    __slots__ = ("_algo_types", "_by_instrument", "_instrument_of", "_max_open", "tracked")

    def __init__(self, capabilities: VenueCapabilities) -> None:
        self._algo_types: frozenset[OrderType] = frozenset(capabilities.algo_types)
        self._max_open: int | None = capabilities.max_open_algo_orders
        self._instrument_of: dict[ClientOrderId, InstrumentId] = {}
        #: Read-only view for a fast "is this event about an algo order" test.
        self.tracked: Mapping[ClientOrderId, InstrumentId] = self._instrument_of
        self._by_instrument: dict[InstrumentId, set[ClientOrderId]] = {}

    def is_algo(self, order_type: OrderType) -> bool:
        """True when ``order_type`` is an algo order type here."""
        return order_type in self._algo_types

    def open_count(self, instrument_id: InstrumentId) -> int:
        """How many algo orders on this instrument are open (sent, not triggered or closed)."""
        open_ids = self._by_instrument.get(instrument_id)
        return len(open_ids) if open_ids else 0

    def check_can_submit(self, instrument_id: InstrumentId, order_type: OrderType) -> None:
        """Raise :class:`AlgoOrderLimitReached` if one more algo order would exceed the cap."""
        if self._max_open is None or order_type not in self._algo_types:
            return
        count = self.open_count(instrument_id)
        if count >= self._max_open:
            raise AlgoOrderLimitReached(
                "open_algo_orders",
                count,
                f"{instrument_id} already has the maximum of {self._max_open} open conditional "
                "(algo) orders",
                "cancel some stop/take-profit/trailing orders before placing another",
            )

    def on_sent(self, order: Order) -> None:
        """Record an order that was just sent (no-op for non-algo orders)."""
        if order.order_type not in self._algo_types:
            return
        coid = order.client_order_id
        iid = order.instrument_id
        self._instrument_of[coid] = iid
        self._by_instrument.setdefault(iid, set()).add(coid)

    def on_event(self, event: object) -> None:
        """Release an algo order once it triggered or closed. Cheap for every other event."""
        coid = getattr(event, "client_order_id", None)
        if coid is None or coid not in self._instrument_of:
            return
        if isinstance(event, _RELEASING_EVENTS):
            iid = self._instrument_of.pop(coid)
            self._by_instrument[iid].discard(coid)


__all__ = ["AlgoOrderBook", "check_modifiable", "is_algo_order"]
