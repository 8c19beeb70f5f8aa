"""Liquidation, ADL and settlement fills, delivered to the strategy as typed risk events.

Why a kit hook: Binance closes positions by itself in three cases (liquidation, auto-deleveraging,
delisting settlement). The Nautilus adapter recognises them only by their client order id and
turns them into an ``OrderStatusReport`` plus a ``FillReport`` for an order nobody submitted. The
execution engine then creates an *external* order owned by strategy ``EXTERNAL`` (or by the
strategy that claimed the instrument through ``external_order_claims``), so a plain strategy's
``on_order_filled`` usually never sees it: its position shrinks without a word.

The one channel every fill goes through, whoever owns the order, is the message bus topic
``events.fills.{instrument_id}`` (``ExecutionEngine._handle_order_fill`` publishes each
``OrderFilled`` there). :class:`RiskEventWatcher` subscribes to it, classifies the client order id
with the table :data:`RISK_CLIENT_ID_PREFIXES`, de-duplicates by trade id, and calls the
strategy's ``on_risk_event(event)``. On attach it also replays risk fills already in the cache,
so an event that happened while the node was down (and came back through start-up
reconciliation, before the strategy started) still reaches the hook.

Where the node books such a fill (measured against the sandbox with a real TradingNode and the
real adapter): not to the strategy's ``{instrument}-BOTH`` (or leg) position but to a new
``{instrument}-EXTERNAL`` one, with and without ``external_order_claims``. The strategy's own
position stays open in the node while the venue is flat. Given a ledger (the
:class:`~nautilus_exec_kit.mixin.ExecutionMixin` passes its own), the watcher records every
risk fill booked away from the leg it closes in the core's
:class:`~nautilus_exec_kit.core.risk.VenueCloseLedger` *before* calling the hook, and the kit's
helpers read the leg as the venue holds it (``kit_holding``).

Usage (the :class:`~nautilus_exec_kit.mixin.ExecutionMixin` does this at start)::

    class MyStrategy(Strategy):
        def on_start(self) -> None:
            RiskEventWatcher(self).attach()

        def on_risk_event(self, event: RiskEvent) -> None:
            self.log.warning(f"{event.kind.value}: {event.quantity} @ {event.price}")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

import attrs
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.events import OrderFilled
from nautilus_trader.model.identifiers import (
    ClientOrderId,
    InstrumentId,
    PositionId,
    TradeId,
    VenueOrderId,
)
from nautilus_trader.model.objects import Price, Quantity

from nautilus_exec_kit.core.positions import PositionMode
from nautilus_exec_kit.core.risk import RISK_CLIENT_ID_PREFIXES, RiskEventKind, VenueCloseLedger
from nautilus_exec_kit.core.risk import classify_client_order_id as classify_value
from nautilus_exec_kit.validation import SIDE

#: The message bus pattern every ``OrderFilled`` is published on, whoever owns the order.
FILL_TOPIC_PATTERN: Final[str] = "events.fills.*"

#: The name of the strategy method the watcher calls by default.
HOOK_NAME: Final[str] = "on_risk_event"


def classify_client_order_id(client_order_id: ClientOrderId | str | None) -> RiskEventKind | None:
    """The risk event kind a client order id stands for, or None for an ordinary order (the
    core's :func:`~nautilus_exec_kit.core.risk.classify_client_order_id`).

    >>> classify_client_order_id("autoclose-1700000000000").value
    'liquidation'
    """
    if client_order_id is None or isinstance(client_order_id, str):
        return classify_value(client_order_id)
    return classify_value(client_order_id.value)


@attrs.frozen
class RiskEvent:
    """One venue-generated fill that closed (part of) a position.

    ``side`` is the side of the closing fill (SELL closes a long). ``replayed`` is True when the
    fill was already in the cache at attach time (it happened before this strategy started, e.g.
    while the node was down, and came back through reconciliation).
    """

    kind: RiskEventKind
    instrument_id: InstrumentId
    side: OrderSide
    quantity: Quantity
    price: Price
    client_order_id: ClientOrderId
    venue_order_id: VenueOrderId | None
    position_id: PositionId | None
    trade_id: TradeId
    ts_event: int
    replayed: bool = False

    @classmethod
    def from_fill(cls, fill: OrderFilled, *, replayed: bool = False) -> RiskEvent | None:
        """The risk event of ``fill``, or None when the fill belongs to an ordinary order."""
        kind = classify_client_order_id(fill.client_order_id)
        if kind is None:
            return None
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
    """Routes risk fills of any owner to one strategy's ``on_risk_event``.

    ``instrument_ids=None`` watches every instrument (a liquidation anywhere on the account
    matters); pass a set to watch only some. ``callback`` defaults to ``strategy.on_risk_event``.
    Errors raised by the callback are logged, never propagated (a raising handler would stop the
    message bus dispatch of the fill to other subscribers).

    ``ledger``: record each risk fill the node booked away from the leg it closes (legs of
    ``mode``, the strategy's position mode) there, before the callback runs; None keeps none.
    """

    def __init__(
        self,
        strategy: Any,
        callback: Callable[[RiskEvent], None] | None = None,
        instrument_ids: Iterable[InstrumentId] | None = None,
        *,
        ledger: VenueCloseLedger | None = None,
        mode: PositionMode = PositionMode.ONE_WAY,
    ) -> None:
        self._strategy = strategy
        self._callback = callback
        self._instrument_ids = frozenset(instrument_ids) if instrument_ids is not None else None
        self._seen: set[TradeId] = set()
        self._attached = False
        self._mode = mode
        self.ledger = ledger
        self.delivered: list[RiskEvent] = []

    @property
    def attached(self) -> bool:
        """Whether the watcher is subscribed."""
        return self._attached

    def attach(self, replay: bool = True) -> RiskEventWatcher:
        """Subscribe to the fill topics (the strategy must be registered); replay cached fills.

        Idempotent: a second call does nothing.
        """
        if self._attached:
            return self
        msgbus = self._strategy.msgbus
        if msgbus is None:
            raise RuntimeError("RiskEventWatcher.attach() needs a registered strategy (call it "
                               "from on_start, not from __init__)")
        msgbus.subscribe(topic=FILL_TOPIC_PATTERN, handler=self._on_fill)
        self._attached = True
        if replay:
            self.replay_from_cache()
        return self

    def detach(self) -> None:
        """Unsubscribe (called from ``on_stop``/``on_dispose`` if the strategy may be restarted)."""
        if not self._attached:
            return
        msgbus = self._strategy.msgbus
        if msgbus is not None and msgbus.is_subscribed(FILL_TOPIC_PATTERN, self._on_fill):
            msgbus.unsubscribe(topic=FILL_TOPIC_PATTERN, handler=self._on_fill)
        self._attached = False

    def replay_from_cache(self) -> list[RiskEvent]:
        """Deliver risk fills already in the cache that this watcher has not delivered yet."""
        replayed: list[RiskEvent] = []
        for order in self._strategy.cache.orders():
            if classify_client_order_id(order.client_order_id) is None:
                continue
            for event in order.events:
                if isinstance(event, OrderFilled):
                    risk = self._deliver(event, replayed=True)
                    if risk is not None:
                        replayed.append(risk)
        return replayed

    def _on_fill(self, fill: Any) -> None:
        if isinstance(fill, OrderFilled):
            self._deliver(fill, replayed=False)

    def _deliver(self, fill: OrderFilled, *, replayed: bool) -> RiskEvent | None:
        if self._instrument_ids is not None and fill.instrument_id not in self._instrument_ids:
            return None
        if fill.trade_id in self._seen:
            return None
        event = RiskEvent.from_fill(fill, replayed=replayed)
        if event is None:
            return None
        self._seen.add(fill.trade_id)
        if self.ledger is not None:
            self.ledger.record_fill(
                fill.client_order_id.value, event.kind, fill.instrument_id, self._mode,
                SIDE[fill.order_side],
                None if fill.position_id is None else fill.position_id.value,
                fill.last_qty.raw,
            )
        self.delivered.append(event)
        callback = self._callback or getattr(self._strategy, HOOK_NAME, None)
        if callback is None:
            self._strategy.log.warning(f"risk event with no {HOOK_NAME} handler: {event}")
            return event
        try:
            callback(event)
        except Exception as exc:  # a handler error must not break the fill dispatch
            self._strategy.log.error(f"{HOOK_NAME} raised {exc!r} for {event}")
        return event


__all__ = [
    "FILL_TOPIC_PATTERN",
    "HOOK_NAME",
    "RISK_CLIENT_ID_PREFIXES",
    "RiskEvent",
    "RiskEventKind",
    "RiskEventWatcher",
    "classify_client_order_id",
]
