"""A close_position order sent during a flip: when a binding holds it, and when it sends it.

A strategy that flips in one tick (close the short, buy, protect the long with a
close_position SELL stop) sends the stop while the venue still holds the short. Binance
refuses a one-way closePosition order whose side would *increase* the position it finds (a
SELL while short, a BUY while long: ``-2022 ReduceOnly Order is rejected``); it accepts one
while the position is flat or on the side the order closes. So whether the stop survives
depends on which reaches the matching engine first, the close or the stop. NautilusTrader 2's
adapter sends market orders over the WS API and conditional ones over REST, each from its own
task, and does not keep a tick's orders in order. Measured against the sandbox
(``exec-kit live``, the v2 example with EMA 3/8, 8 runs of 10 s, 136 flips): without a hold
6 stops and 2 take-profits were refused that way; with it, none. On NautilusTrader 1.231 the
same strategy lost none (3 runs of 7 s, 36 flips).

The decision: hold such an order (one-way only; a hedge-mode leg has one side) while a flip is
under way, i.e. the strategy has an order on the closing side that will end within a round
trip (:data:`FLIP_ORDERS`); send it once the leg is flat or on its side, or once nothing is
under way any more (then the venue decides, as Binance would: a close_position order is never
dropped by the kit). The binding reads the leg and the orders; :class:`CloseHold` keeps the
held orders (in send order) and answers which may go.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Final

from nautilus_exec_kit.core.positions import CLOSING_SIDE, PositionMode
from nautilus_exec_kit.core.vocab import OrderSide, OrderType, PositionSide

#: Which of the strategy's orders on the closing side make a flip "under way", by type: True
#: while open or in flight (a market order ends within a round trip), False only while in
#: flight (sent, not yet acknowledged: a limit that then rests may never fill and must not
#: hold a stop back). Conditional orders never do: they are protection that may never fire.
FLIP_ORDERS: Final[Mapping[OrderType, bool]] = {
    OrderType.MARKET: True,
    OrderType.LIMIT: False,
    OrderType.MARKET_TO_LIMIT: False,
}


def refused_now(side: OrderSide, holding: PositionSide | None, mode: PositionMode) -> bool:
    """True when Binance would refuse a close_position order of ``side`` on the leg now
    (-2022): one-way, with a position the order would increase."""
    if mode is not PositionMode.ONE_WAY or holding is None:
        return False
    return CLOSING_SIDE[holding] is not side


def flip_under_way(
    closing_side: OrderSide, orders: Iterable[tuple[OrderSide, OrderType, bool]],
) -> bool:
    """Whether any of the strategy's orders ``(side, type, in_flight)`` on the instrument is
    reducing the leg now (:data:`FLIP_ORDERS`)."""
    for side, order_type, in_flight in orders:
        if side is closing_side:
            while_open = FLIP_ORDERS.get(order_type)
            if while_open or (while_open is not None and in_flight):
                return True
    return False


def must_hold(
    side: OrderSide, holding: PositionSide | None, mode: PositionMode,
    under_way: Callable[[OrderSide], bool],
) -> bool:
    """The decision for one close_position order: hold it while the venue would refuse it and
    a flip that will change that is under way (``under_way(closing_side)``)."""
    if holding is None or not refused_now(side, holding, mode):
        return False
    return under_way(CLOSING_SIDE[holding])


class CloseHold:
    """The close_position orders a binding holds, by key, in send order, each with its
    instrument, side and whatever the binding needs to send it later (``payload``).

    Counters (:attr:`counts`): ``held`` (ever held), ``released`` (sent after a hold),
    ``cancelled`` (cancelled while held: never sent, answered by the binding).
    """

    __slots__ = ("_held", "counts")

    def __init__(self) -> None:
        self._held: dict[Hashable, tuple[Hashable, OrderSide, Any]] = {}
        self.counts: dict[str, int] = {"held": 0, "released": 0, "cancelled": 0}

    def __len__(self) -> int:
        return len(self._held)

    def __bool__(self) -> bool:
        return bool(self._held)

    def __contains__(self, key: object) -> bool:
        return key in self._held

    def hold(self, key: Hashable, instrument: Hashable, side: OrderSide, payload: Any) -> None:
        self._held[key] = (instrument, side, payload)
        self.counts["held"] += 1

    def instruments(self) -> set[Hashable]:
        return {instrument for instrument, _, _ in self._held.values()}

    def release(
        self, instrument: Hashable, holding: PositionSide | None, mode: PositionMode,
        under_way: Callable[[OrderSide], bool],
    ) -> list[Any]:
        """The payloads of the held orders on ``instrument`` that may go now (no longer
        :func:`must_hold`), in send order, forgotten here."""
        due = [
            key for key, (held_on, side, _) in self._held.items()
            if held_on == instrument and not must_hold(side, holding, mode, under_way)
        ]
        self.counts["released"] += len(due)
        return [self._held.pop(key)[2] for key in due]

    def cancel(self, key: Hashable) -> Any:
        """Forget a held order the strategy cancelled; its payload, or None if not held."""
        held = self._held.pop(key, None)
        if held is None:
            return None
        self.counts["cancelled"] += 1
        return held[2]

    def cancel_instrument(self, instrument: Hashable, side: OrderSide | None = None) -> list[Any]:
        """Forget every held order on ``instrument`` (of ``side``, if given); their payloads."""
        keys = [
            key for key, (held_on, held_side, _) in self._held.items()
            if held_on == instrument and (side is None or held_side is side)
        ]
        return [self.cancel(key) for key in keys]


__all__ = ["FLIP_ORDERS", "CloseHold", "flip_under_way", "must_hold", "refused_now"]
