"""Binance's ``close_position`` / ``price_match`` semantics on a simulated venue.

The SimulatedExchange silently ignores both params (facts §0, §1.1): a close_position stop is a
plain stop for its own quantity and a price_match limit rests at whatever price it carries. A
backtest would then promise behaviour Binance does not have. When the venue is simulated the kit
reproduces the Binance meaning instead:

* ``price_match``: the order is priced from the current top of book at submit time. QUEUE is the
  best price on the order's own side, OPPONENT the best on the other side; ``_5/_10/_20`` mean the
  5th/10th/20th price level of that side. The kit only sees the top of book, so it takes the N-th
  level as ``N - 1`` ticks deeper than the best (exact on a dense book such as BTCUSDT's).
* ``close_position``: the order's quantity follows the position. It is resized to the position's
  quantity on every position open/change on its leg, and cancelled when the position is closed by
  anything else, or flips to the side the order would increase. On Binance a closePosition order
  on a flat (or opposite) position does nothing when it triggers; in the simulator it would open a
  position, so cancelling is the closest equivalent.

Live, none of this runs: the params go to the adapter and the venue does the work.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Final

import attrs
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.events import PositionClosed
from nautilus_trader.model.objects import Price

from nautilus_exec_kit.positions import CLOSING_SIDE

if TYPE_CHECKING:
    from collections.abc import Mapping

    from nautilus_trader.model.identifiers import ClientOrderId, PositionId
    from nautilus_trader.model.objects import Quantity


#: price_match kind -> for each order side, (which book side is the base, tick direction).
#: QUEUE: own side, deeper = away from the market. OPPONENT: other side, deeper = through it.
_PRICE_MATCH_RULES: Final[dict[tuple[str, OrderSide], tuple[str, int]]] = {
    ("QUEUE", OrderSide.BUY): ("bid", -1),
    ("QUEUE", OrderSide.SELL): ("ask", +1),
    ("OPPONENT", OrderSide.BUY): ("ask", +1),
    ("OPPONENT", OrderSide.SELL): ("bid", -1),
}


def price_match_price(
    side: OrderSide,
    kind: str,
    level: int,
    bid: Price,
    ask: Price,
    tick_size: Decimal,
    precision: int,
) -> Price:
    """The price Binance would give a price_match order, from the top of book.

    ``kind``/``level`` come from :func:`nautilus_exec_kit.params.price_match_offset_ticks`
    (``"QUEUE_5"`` -> ``("QUEUE", 5)``, ``"QUEUE"`` -> ``("QUEUE", 1)``); level N is taken as
    ``N - 1`` ticks deeper than the best price of that side.

    >>> price_match_price(OrderSide.BUY, "QUEUE", 5, Price.from_str("100.0"),
    ...                   Price.from_str("100.1"), Decimal("0.1"), 1)
    Price(99.6)
    """
    book_side, direction = _PRICE_MATCH_RULES[(kind, side)]
    base = (bid if book_side == "bid" else ask).as_decimal()
    return Price(base + direction * (level - 1) * tick_size, precision)


@attrs.frozen
class ClosePositionAction:
    """One step that keeps a close_position order equal to its position.

    ``kind`` is ``"resize"`` (modify the order to ``quantity``) or ``"cancel"``.
    """

    kind: str
    client_order_id: ClientOrderId
    quantity: Quantity | None = None


class ClosePositionBook:
    """The open close_position orders, by the position (leg) they close.

    Used live too: the close helpers must not count a close_position order's quantity as an
    already-committed close. Only :meth:`plan` is emulation.
    """

    __slots__ = ("_by_position", "_position_of", "tracked")

    def __init__(self) -> None:
        self._by_position: dict[PositionId, dict[ClientOrderId, OrderSide]] = {}
        self._position_of: dict[ClientOrderId, PositionId] = {}
        #: Read-only view for a fast "anything tracked?" test on every event.
        self.tracked: Mapping[ClientOrderId, PositionId] = self._position_of

    def __contains__(self, client_order_id: object) -> bool:
        return client_order_id in self._position_of

    def __len__(self) -> int:
        return len(self._position_of)

    @property
    def active(self) -> bool:
        """True while any close_position order is tracked (a cheap test for every event)."""
        return bool(self._position_of)

    @property
    def client_order_ids(self) -> set[ClientOrderId]:
        """The tracked order IDs (a live view; do not mutate)."""
        return self._position_of.keys()  # type: ignore[return-value]

    def add(self, client_order_id: ClientOrderId, position_id: PositionId, side: OrderSide) -> None:
        """Track a close_position order sent on ``position_id`` with ``side``."""
        self._position_of[client_order_id] = position_id
        self._by_position.setdefault(position_id, {})[client_order_id] = side

    def discard(self, client_order_id: ClientOrderId) -> None:
        """Stop tracking an order (it closed)."""
        pid = self._position_of.pop(client_order_id, None)
        if pid is not None:
            self._by_position[pid].pop(client_order_id, None)

    def plan(
        self,
        event: object,
        position_id: PositionId,
        position_side: object,
        position_quantity: Quantity,
    ) -> list[ClosePositionAction]:
        """What to do with the close_position orders of ``position_id`` after a position event.

        Resize orders that close the position's current side to its quantity; cancel the others,
        and all of them when the position is closed.
        """
        orders = self._by_position.get(position_id)
        if not orders:
            return []
        closing_side = CLOSING_SIDE.get(position_side)  # type: ignore[call-overload]
        closed = isinstance(event, PositionClosed)
        actions: list[ClosePositionAction] = []
        for coid, side in orders.items():
            if closed or side != closing_side:
                actions.append(ClosePositionAction("cancel", coid))
            else:
                actions.append(ClosePositionAction("resize", coid, position_quantity))
        return actions


__all__ = ["ClosePositionAction", "ClosePositionBook", "price_match_price"]
