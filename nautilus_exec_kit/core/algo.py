"""Algo (conditional) orders: which orders are algo orders and the open-algo cap.

Since 2025-12-09 Binance USDT-M routes STOP_MARKET, STOP_LIMIT, TAKE_PROFIT(_MARKET) and
TRAILING_STOP_MARKET through the Algo Order API (``BINANCE_FUTURES_ALGO_ORDER_TYPES`` in the
adapter, both Nautilus generations). Those orders count against a cap of open conditional orders
per symbol (200) and cannot be amended until they trigger. Simulated venues know none of this,
so the kit tracks it itself and refuses before the venue would.

The book is fed by the binding: :meth:`AlgoOrderBook.on_sent` when an order leaves, and
:meth:`AlgoOrderBook.release` once the binding saw it trigger or reach a terminal state. Keys are
whatever hashable IDs the binding has (client order IDs, instrument IDs).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

from nautilus_exec_kit.core.capabilities import VenueCapabilities
from nautilus_exec_kit.core.errors import AlgoOrderLimitReached
from nautilus_exec_kit.core.vocab import OrderType


def is_algo_order(order_type: OrderType, capabilities: VenueCapabilities) -> bool:
    """True when this order type is an algo (conditional) order for the account type."""
    return order_type in capabilities.algo_types


class AlgoOrderBook:
    """Open algo orders per instrument, from send to trigger/terminal event.

    Orders are counted when they are *sent* (not when accepted), so a burst of submits within
    one tick cannot overshoot the cap while acknowledgements are still on their way.
    """

    __slots__ = ("_algo_types", "_by_instrument", "_instrument_of", "_max_open", "tracked")

    def __init__(self, capabilities: VenueCapabilities) -> None:
        self._algo_types: frozenset[OrderType] = frozenset(capabilities.algo_types)
        self._max_open: int | None = capabilities.max_open_algo_orders
        self._instrument_of: dict[Hashable, Hashable] = {}
        #: Read-only view for a fast "is this event about an algo order" test.
        self.tracked: Mapping[Hashable, Hashable] = self._instrument_of
        self._by_instrument: dict[Hashable, set[Hashable]] = {}

    def is_algo(self, order_type: OrderType) -> bool:
        """True when ``order_type`` is an algo order type here."""
        return order_type in self._algo_types

    def open_count(self, instrument: Hashable) -> int:
        """How many algo orders on this instrument are open (sent, not triggered or closed)."""
        open_ids = self._by_instrument.get(instrument)
        return len(open_ids) if open_ids else 0

    def check_can_submit(self, instrument: Hashable, order_type: OrderType) -> None:
        """Raise :class:`AlgoOrderLimitReached` if one more algo order would exceed the cap."""
        if self._max_open is None or order_type not in self._algo_types:
            return
        count = self.open_count(instrument)
        if count >= self._max_open:
            raise AlgoOrderLimitReached(
                "open_algo_orders",
                count,
                f"{instrument} already has the maximum of {self._max_open} open conditional "
                "(algo) orders",
                "cancel some stop/take-profit/trailing orders before placing another",
            )

    def on_sent(self, order: Hashable, instrument: Hashable, order_type: OrderType) -> None:
        """Record an order that was just sent (no-op for non-algo types)."""
        if order_type not in self._algo_types:
            return
        self._instrument_of[order] = instrument
        self._by_instrument.setdefault(instrument, set()).add(order)

    def release(self, order: Hashable) -> None:
        """The order triggered or closed: it no longer counts (no-op for untracked orders)."""
        instrument = self._instrument_of.pop(order, None)
        if instrument is not None:
            self._by_instrument[instrument].discard(order)


__all__ = ["AlgoOrderBook", "is_algo_order"]
