"""Liquidation, ADL and settlement fills on NautilusTrader 2: risk events and the venue's position.

What v2 does with a venue-generated close (measured against the sandbox, whose ``liquidation``
action sends Binance's ``autoclose-<ms>`` fill): its adapter logs "Exchange-generated liquidation
fill" and the execution engine creates an external order, books the fill to a new position
(``{instrument}-EXTERNAL``, owned by ``EXTERNAL``; or a generated ``P-...`` of the strategy when
it claims the instrument's external orders), and no hook of the strategy hears of it unless it
claimed them. The strategy's ``-BOTH`` position stays open in the node while the venue is flat.
v2 exposes no message bus topic to Python for fills (``subscribe_topic("events.fills.*")`` gets
nothing), so v1's watcher has no counterpart.

:class:`RiskEventWatcher` therefore looks where v2 puts such orders:

* the cache's external orders (``client_order_ids(strategy_id=EXTERNAL)``), at start (as
  ``replayed`` events: they came back through start-up reconciliation) and then once a second
  on a live node (:data:`SCAN_INTERVAL_NS`; a backtest venue sends no such orders);
* claimed ones, when the strategy's own ``PositionOpened`` names a risk order as its opening
  order (the mixin hands every position event on);
* the kit's v2 backtest venue's liquidations (:mod:`nautilus_exec_kit.v2.perpetuals`: an
  ``EXTERNAL`` ``autoclose-<ms>`` order booked to the strategy's own position), when the
  strategy's ``PositionClosed`` names a risk order as its closing order.

Each risk fill reaches ``on_risk_event`` once (by trade ID); each one booked away from the
strategy's own position goes into the core's :class:`VenueCloseLedger` first
(:meth:`VenueCloseLedger.record_fill`, as on v1, where Nautilus 1.231 books it to
``-EXTERNAL`` too), from which the kit's helpers read the position the venue holds
(``close_all`` after a liquidation sends nothing; margin and close sizes use the venue's
quantity).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import attrs
from nautilus_trader import model as nt

from nautilus_exec_kit.core.positions import PositionMode
from nautilus_exec_kit.core.risk import (
    RiskEventKind,
    VenueCloseLedger,
    classify_client_order_id,
)
from nautilus_exec_kit.v2.convert import SIDE

#: The strategy ID v2 gives orders nobody submitted.
EXTERNAL: Final = nt.StrategyId("EXTERNAL")
#: How often a live strategy looks for new external risk orders.
SCAN_INTERVAL_NS: Final[int] = 1_000_000_000
#: The name of the kit's scan timer on the strategy's clock.
SCAN_TIMER: Final[str] = "exec-kit-risk-scan"


@attrs.frozen
class RiskEvent:
    """One venue-generated fill that closed (part of) a position: the same fields as on v1.

    ``side`` is the closing fill's side (SELL closes a long); ``replayed`` is True for a fill
    found in the cache when the strategy started (e.g. while the node was down).
    """

    kind: RiskEventKind
    instrument_id: nt.InstrumentId
    side: nt.OrderSide
    quantity: nt.Quantity
    price: nt.Price
    client_order_id: nt.ClientOrderId
    venue_order_id: nt.VenueOrderId | None
    position_id: nt.PositionId | None
    trade_id: nt.TradeId
    ts_event: int
    replayed: bool = False

    @classmethod
    def of_fill(cls, kind: RiskEventKind, fill: Any, *, replayed: bool) -> RiskEvent:
        return cls(
            kind=kind,
            instrument_id=fill.instrument_id,
            side=fill.order_side,
            quantity=fill.last_qty,
            price=fill.last_px,
            client_order_id=fill.client_order_id,
            venue_order_id=fill.venue_order_id,
            position_id=fill.position_id,
            trade_id=fill.trade_id,
            ts_event=fill.ts_event,
            replayed=replayed,
        )


class RiskEventWatcher:
    """Finds the account's risk orders in a v2 cache, books them, delivers their fills."""

    __slots__ = ("_cache", "_claimed", "_deliver", "_done", "_mode", "_seen", "delivered", "ledger")

    def __init__(
        self,
        cache: Any,
        mode: PositionMode,
        deliver: Callable[[RiskEvent], None],
        ledger: VenueCloseLedger | None = None,
    ) -> None:
        self._cache = cache
        self._mode = mode
        self._deliver = deliver
        self._claimed: list[Any] = []  # the strategy's own risk orders (claimed), as ClientOrderIds
        self._done: set[str] = set()  # closed risk orders read to the end
        self._seen: set[str] = set()  # trade IDs delivered
        self.ledger = VenueCloseLedger() if ledger is None else ledger
        self.delivered: list[RiskEvent] = []

    def on_position_event(self, event: Any) -> None:
        """One of the strategy's position events: a claimed risk order opened the position, or
        a risk order closed it; read the risk orders now."""
        kind = type(event)
        if kind is nt.PositionOpened:
            self.on_position_opened(event)
        elif kind is nt.PositionClosed:
            coid = event.closing_order_id
            if coid is not None and classify_client_order_id(coid.value) is not None:
                self.scan()

    def on_position_opened(self, event: Any) -> None:
        """A claimed risk order opens a position of the strategy's own: read it now."""
        coid = event.opening_order_id
        if classify_client_order_id(coid.value) is not None:
            self._claimed.append(coid)
            self.scan()

    def scan(self, replayed: bool = False) -> list[RiskEvent]:
        """Read every risk order not read to the end; returns the events delivered."""
        found: list[RiskEvent] = []
        for coid in (*self._cache.client_order_ids(strategy_id=EXTERNAL), *self._claimed):
            value = coid.value
            if value in self._done:
                continue
            kind = classify_client_order_id(value)
            if kind is None:
                self._done.add(value)
                continue
            order = self._cache.order(coid)
            if order is not None:
                found.extend(self._read(order, kind, replayed))
        return found

    def _read(self, order: Any, kind: RiskEventKind, replayed: bool) -> list[RiskEvent]:
        value = order.client_order_id.value
        side = SIDE[order.side]
        events = []
        for fill in order.events():
            if not isinstance(fill, nt.OrderFilled):
                continue
            trade = fill.trade_id.value
            if trade in self._seen:
                continue
            self._seen.add(trade)
            position_id = fill.position_id
            self.ledger.record_fill(
                value, kind, order.instrument_id, self._mode, side,
                None if position_id is None else position_id.value, int(fill.last_qty.raw),
            )
            event = RiskEvent.of_fill(kind, fill, replayed=replayed)
            self.delivered.append(event)
            events.append(event)
            self._deliver(event)
        if order.is_closed:
            self._done.add(value)
        return events


__all__ = ["EXTERNAL", "SCAN_INTERVAL_NS", "SCAN_TIMER", "RiskEvent", "RiskEventWatcher"]
