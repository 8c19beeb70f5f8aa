"""Binance's ``close_position`` / ``price_match`` meaning on a simulated venue, as plain values.

The simulated venues of both Nautilus generations ignore both params: a close_position stop is a
plain stop for its own quantity and a price_match limit rests at whatever price it carries. A
backtest would then promise behaviour Binance does not have, so the kit reproduces the Binance
meaning (the full story is in :mod:`nautilus_exec_kit.emulation`); what to do is decided here,
each binding carries it out with its own orders.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, Final

import attrs

from nautilus_exec_kit.core.errors import ParamError
from nautilus_exec_kit.core.params import price_match_offset_ticks
from nautilus_exec_kit.core.rules import InstrumentRules
from nautilus_exec_kit.core.vocab import OrderSide

#: price_match kind -> for each order side, (which book side is the base, tick direction).
#: QUEUE: own side, deeper = away from the market. OPPONENT: other side, deeper = through it.
_PRICE_MATCH_RULES: Final[dict[tuple[str, OrderSide], tuple[str, int]]] = {
    ("QUEUE", OrderSide.BUY): ("bid", -1),
    ("QUEUE", OrderSide.SELL): ("ask", +1),
    ("OPPONENT", OrderSide.BUY): ("ask", +1),
    ("OPPONENT", OrderSide.SELL): ("bid", -1),
}


def price_match_raw(
    side: OrderSide, kind: str, level: int, bid_raw: int, ask_raw: int, tick_raw: int,
) -> int:
    """The raw price Binance would give a price_match order, from the top of book.

    ``kind``/``level`` come from :func:`nautilus_exec_kit.core.params.price_match_offset_ticks`
    (``"QUEUE_5"`` -> ``("QUEUE", 5)``); level N is taken as ``N - 1`` ticks deeper than the
    best price of that side.

    >>> price_match_raw(OrderSide.BUY, "QUEUE", 5, 1000, 1001, 1)
    996
    """
    book_side, direction = _PRICE_MATCH_RULES[(kind, side)]
    base = bid_raw if book_side == "bid" else ask_raw
    return base + direction * (level - 1) * tick_raw


def book_price_match(price: object, price_match: str | None, emulating: bool) -> str | None:
    """The price_match to price a limit order from the book with, or ``None`` when the
    caller's ``price`` stands.

    On a simulated venue price_match always prices from the book (the Binance meaning). Live,
    the caller's price is kept when given (the venue replaces it anyway); a missing one is
    taken from the book because a Nautilus order must carry a price. Raises when there is
    neither a price nor a price_match.
    """
    if price_match is None or (price is not None and not emulating):
        if price is None:
            raise ParamError(
                "price", None, "a limit price is required",
                "pass price=..., or price_match='QUEUE'/'OPPONENT'/...",
            )
        return None
    return price_match


def close_position_start_raw(
    held_raw: int, requested_raw: int | None, rules: InstrumentRules,
) -> int:
    """The quantity a close_position order carries when sent.

    Binance ignores it (the adapter omits it). On a simulated venue the order must close the
    whole position, so it starts at what the leg holds on the side it closes (``held_raw``);
    when flat (typical: the stop is placed right after the entry, before the fill) it starts
    at the caller's quantity or the instrument's minimum, and is resized when the position
    opens (:class:`ClosePositionBook`).
    """
    if held_raw > 0:
        return held_raw
    if requested_raw is not None:
        return requested_raw
    return rules.min_qty_raw


def no_quote_for(price_match: str, instrument: object) -> ParamError:
    """The error for a price_match order when no quote has been seen yet."""
    return ParamError(
        "price_match", price_match,
        f"there is no quote for {instrument} to price the order from",
        "subscribe to its quotes (or pass an explicit price when live)",
    )


def price_match_quote_raw(
    side: OrderSide, price_match: str, bid_raw: int, ask_raw: int, tick_raw: int,
) -> int:
    """The raw price Binance gives a ``price_match`` value (``"QUEUE_5"`` ...) at this top
    of book, ``tick_raw`` being the instrument's tick."""
    kind, level = price_match_offset_ticks(price_match)
    return price_match_raw(side, kind, level, bid_raw, ask_raw, tick_raw)


@attrs.frozen
class ClosePositionAction:
    """One step that keeps a close_position order equal to its position.

    ``kind`` is ``"resize"`` (modify the order to ``quantity``) or ``"cancel"``.
    """

    kind: str
    client_order_id: Hashable
    quantity: Any = None


class ClosePositionBook:
    """The open close_position orders, by the position (leg) they close.

    Used live too: the close helpers must not count a close_position order's quantity as an
    already-committed close. Only :meth:`plan` is emulation.
    """

    __slots__ = ("_by_position", "_position_of", "tracked")

    def __init__(self) -> None:
        self._by_position: dict[Hashable, dict[Hashable, object]] = {}
        self._position_of: dict[Hashable, Hashable] = {}
        #: Read-only view for a fast "anything tracked?" test on every event.
        self.tracked: Mapping[Hashable, Hashable] = self._position_of

    def __contains__(self, client_order_id: object) -> bool:
        return client_order_id in self._position_of

    def __len__(self) -> int:
        return len(self._position_of)

    @property
    def active(self) -> bool:
        """True while any close_position order is tracked (a cheap test for every event)."""
        return bool(self._position_of)

    @property
    def client_order_ids(self) -> set[Hashable]:
        """The tracked order IDs (a live view; do not mutate)."""
        return self._position_of.keys()  # type: ignore[return-value]

    def add(self, client_order_id: Hashable, position_id: Hashable, side: object) -> None:
        """Track a close_position order sent on ``position_id`` with ``side``."""
        self._position_of[client_order_id] = position_id
        self._by_position.setdefault(position_id, {})[client_order_id] = side

    def discard(self, client_order_id: Hashable) -> None:
        """Stop tracking an order (it closed)."""
        pid = self._position_of.pop(client_order_id, None)
        if pid is not None:
            self._by_position[pid].pop(client_order_id, None)

    def plan(
        self,
        position_id: Hashable,
        closing_side: object,
        position_quantity: Any,
        closed: bool,
    ) -> list[ClosePositionAction]:
        """What to do with the close_position orders of ``position_id`` after a position event.

        ``closing_side`` is the order side that reduces the position now (``None`` when flat),
        in the binding's own enum, as the orders were added. Resize orders of that side to the
        position's quantity; cancel the others, and all of them when the position is closed.
        """
        orders = self._by_position.get(position_id)
        if not orders:
            return []
        actions: list[ClosePositionAction] = []
        for coid, side in orders.items():
            if closed or side != closing_side:
                actions.append(ClosePositionAction("cancel", coid))
            else:
                actions.append(ClosePositionAction("resize", coid, position_quantity))
        return actions


__all__ = [
    "ClosePositionAction",
    "ClosePositionBook",
    "book_price_match",
    "close_position_start_raw",
    "no_quote_for",
    "price_match_quote_raw",
    "price_match_raw",
]
