"""Binance's ``workingType=MARK_PRICE`` on the simulated venue: stops that trigger on the mark.

Why: a Binance conditional order with ``workingType=MARK_PRICE`` (a Nautilus order with
``trigger_type=TriggerType.MARK_PRICE``; the live adapter sends it so) triggers when the *mark*
price crosses its trigger. NautilusTrader 1.231's matching engine has no mark-price handling: it
triggers such an order on bid/ask like any other (``nautilus_backtest_facts.md`` §4), so a
protective stop that a last-price wick would hit, and the mark would not, fills in the backtest
and not live. :class:`MarkPriceTriggers` gives the order Binance's meaning: it takes the order at
the venue seam (:class:`~nautilus_exec_kit.backtest.seam.ExecuteSeam`), acknowledges it as the
venue would (submitted, accepted), keeps it off the matching engine's bid/ask triggers, and when
the mark crosses the trigger it has the matching engine fill it at the market, as a Binance
STOP_MARKET / TAKE_PROFIT_MARKET algo order becomes a market order. Cancels, cancel-alls and
modifies of a held order are answered here, as the venue would answer them.

What it covers: ``STOP_MARKET`` (Binance STOP_MARKET) and ``MARKET_IF_TOUCHED``
(TAKE_PROFIT_MARKET) with ``trigger_type=MARK_PRICE``. A mark-price ``STOP_LIMIT`` /
``LIMIT_IF_TOUCHED`` / trailing stop still triggers on the contract price in a backtest (the
matching engine offers no public way to rest a limit that something else triggered); it warns
once per such order type, through the log of the
:class:`~nautilus_exec_kit.backtest.perpetuals.PerpetualEconomics` module that owns it.

The mark is the venue's (``PerpetualEconomics``: mark price data, else the latest market
datum's price); an order whose trigger the mark has already crossed when it arrives is
rejected with Binance's ``-2021 Order would immediately trigger``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from nautilus_trader.execution.messages import (
    CancelAllOrders,
    CancelOrder,
    ModifyOrder,
    SubmitOrder,
)
from nautilus_trader.model.enums import OrderSide, OrderType, TriggerType
from nautilus_trader.model.identifiers import VenueOrderId
from nautilus_trader.model.orders import Order

from nautilus_exec_kit.backtest.seam import ExecuteSeam

#: After reject injection in the venue seam: a command the venue rejects is never held.
TRIGGERS_PRIORITY: Final = 10

#: order type -> for each side, whether it triggers when the mark is at or above (True) or at or
#: below (False) the trigger price: a stop buys a rise and sells a fall, a take-profit the reverse.
_TRIGGERS_ABOVE: Final[dict[OrderType, dict[OrderSide, bool]]] = {
    OrderType.STOP_MARKET: {OrderSide.BUY: True, OrderSide.SELL: False},
    OrderType.MARKET_IF_TOUCHED: {OrderSide.BUY: False, OrderSide.SELL: True},
}

#: Mark-price orders the seam cannot give Binance's meaning (see the module docstring).
UNSUPPORTED_MARK_TYPES: Final = frozenset({
    OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED, OrderType.TRAILING_STOP_MARKET,
    OrderType.TRAILING_STOP_LIMIT,
})

_WOULD_TRIGGER: Final = "{'code': -2021, 'msg': 'Order would immediately trigger.'}"


def _crossed(order: Order, mark: float) -> bool:
    trigger: float = order.trigger_price.as_double()
    return mark >= trigger if _TRIGGERS_ABOVE[order.order_type][order.side] else mark <= trigger


class MarkPriceTriggers:
    """Held mark-price orders of one venue, triggered by :meth:`on_mark`."""

    def __init__(
        self,
        exchange: Any,
        mark_of: Callable[[Any], float | None],
        now: Callable[[], int],
        warn: Callable[[OrderType], None] = lambda _: None,
    ) -> None:
        self._exchange = exchange
        self._mark_of = mark_of
        self._now = now
        self._warn = warn
        self._held: dict[Any, Order] = {}  # client order ID -> order
        self._seq = 0
        self.unsupported_seen: set[OrderType] = set()
        self.triggered = 0

    def install(self, engine: Any) -> None:
        """Put the triggers in the venue seam of ``engine`` (after ``add_venue``)."""
        ExecuteSeam.of(engine).add(self._on_command, priority=TRIGGERS_PRIORITY)

    def has_held(self) -> bool:
        """Whether any order waits for the mark (the venue's per-step check asks this first)."""
        return bool(self._held)

    def held(self, instrument_id: Any = None) -> list[Order]:
        """The orders waiting for the mark (of ``instrument_id``, or all)."""
        return [o for o in self._held.values()
                if instrument_id is None or o.instrument_id == instrument_id]

    # -- the seam ---------------------------------------------------------------------------

    def _on_command(self, command: Any, forward: Callable[[Any], None]) -> None:
        if isinstance(command, SubmitOrder):
            order = command.order
            if getattr(order, "trigger_type", None) == TriggerType.MARK_PRICE:
                if order.order_type in _TRIGGERS_ABOVE:
                    self._hold(order)
                    return
                if order.order_type not in self.unsupported_seen:
                    self.unsupported_seen.add(order.order_type)
                    self._warn(order.order_type)
        elif isinstance(command, CancelOrder) and command.client_order_id in self._held:
            self.cancel(self._held[command.client_order_id])
            return
        elif isinstance(command, ModifyOrder) and command.client_order_id in self._held:
            self._modify(self._held[command.client_order_id], command)
            return
        elif isinstance(command, CancelAllOrders):
            for order in self.held(command.instrument_id):
                if command.order_side in (OrderSide.NO_ORDER_SIDE, order.side):
                    self.cancel(order)
        forward(command)

    def _hold(self, order: Order) -> None:
        client = self._exchange.exec_client
        now = self._now()
        client.generate_order_submitted(order.strategy_id, order.instrument_id,
                                        order.client_order_id, now)
        mark = self._mark_of(order.instrument_id)
        if mark is not None and _crossed(order, mark):
            client.generate_order_rejected(order.strategy_id, order.instrument_id,
                                           order.client_order_id, _WOULD_TRIGGER, now)
            return
        self._seq += 1
        client.generate_order_accepted(
            order.strategy_id, order.instrument_id, order.client_order_id,
            VenueOrderId(f"{self._exchange.id}-MARK-{self._seq}"), now)
        self._held[order.client_order_id] = order

    def cancel(self, order: Order) -> None:
        """Cancel a held order as the venue would (a liquidation cancels them too)."""
        self._held.pop(order.client_order_id, None)
        client = self._exchange.exec_client
        client.generate_order_canceled(order.strategy_id, order.instrument_id,
                                       order.client_order_id, order.venue_order_id, self._now())

    def _modify(self, order: Order, command: ModifyOrder) -> None:
        client = self._exchange.exec_client
        client.generate_order_updated(
            order.strategy_id, order.instrument_id, order.client_order_id,
            order.venue_order_id, command.quantity or order.quantity, None,
            command.trigger_price or order.trigger_price, self._now(), False)

    # -- the mark ---------------------------------------------------------------------------

    def on_mark(self, instrument_id: Any, mark: float) -> None:
        """Trigger every held order of ``instrument_id`` whose trigger ``mark`` has crossed:
        the matching engine fills it at the market."""
        fired = [o for o in self._held.values()
                 if o.instrument_id == instrument_id and _crossed(o, mark)]
        if not fired:
            return
        engine = self._exchange.get_matching_engine(instrument_id)
        for order in fired:
            del self._held[order.client_order_id]
            if order.is_open:
                self.triggered += 1
                engine.fill_market_order(order)


__all__ = ["TRIGGERS_PRIORITY", "UNSUPPORTED_MARK_TYPES", "MarkPriceTriggers"]
