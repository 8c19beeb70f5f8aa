"""The Nautilus 1 side of algo-order awareness: which of its order events release an algo order
from the core's :class:`~nautilus_exec_kit.core.algo.AlgoOrderBook`, and modify limits for its
``Order`` objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from nautilus_trader.model.events import (
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
)

from nautilus_exec_kit.core.algo import AlgoOrderBook
from nautilus_exec_kit.core.validator import check_modifiable as _check_type
from nautilus_exec_kit.validation import ORDER_TYPE

if TYPE_CHECKING:
    from nautilus_trader.model.enums import OrderType
    from nautilus_trader.model.orders import Order

    from nautilus_exec_kit.core.capabilities import VenueCapabilities

#: Events after which an algo order no longer counts as an open conditional order.
RELEASING_EVENTS: Final[tuple[type, ...]] = (
    OrderTriggered,
    OrderFilled,
    OrderCanceled,
    OrderExpired,
    OrderRejected,
    OrderDenied,
)


def is_algo_order(order_type: OrderType, capabilities: VenueCapabilities) -> bool:
    """True when this Nautilus 1 order type is an algo (conditional) order for the account."""
    return ORDER_TYPE[order_type] in capabilities.algo_types


def check_modifiable(order: Order, capabilities: VenueCapabilities) -> None:
    """Raise :class:`ModifyNotSupported` when the venue cannot amend this order."""
    _check_type(ORDER_TYPE[order.order_type], capabilities)


def record_sent(book: AlgoOrderBook, order: Order) -> None:
    """Count an order that was just sent (no-op for non-algo orders)."""
    book.on_sent(order.client_order_id, order.instrument_id, ORDER_TYPE[order.order_type])


def record_event(book: AlgoOrderBook, event: object) -> None:
    """Release an algo order once it triggered or closed. Cheap for every other event."""
    if isinstance(event, RELEASING_EVENTS):
        book.release(event.client_order_id)  # type: ignore[attr-defined]


__all__ = [
    "RELEASING_EVENTS",
    "AlgoOrderBook",
    "check_modifiable",
    "is_algo_order",
    "record_event",
    "record_sent",
]
