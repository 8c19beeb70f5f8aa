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

from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.objects import Price

from nautilus_exec_kit.core.emulation import ClosePositionAction, ClosePositionBook, price_match_raw
from nautilus_exec_kit.validation import SIDE


def price_match_price(
    side: OrderSide,
    kind: str,
    level: int,
    bid: Price,
    ask: Price,
    tick_size: Decimal,
    precision: int,
) -> Price:
    """The price Binance would give a price_match order (the core's
    :func:`~nautilus_exec_kit.core.emulation.price_match_raw`, in Nautilus 1 values).

    >>> price_match_price(OrderSide.BUY, "QUEUE", 5, Price.from_str("100.0"),
    ...                   Price.from_str("100.1"), Decimal("0.1"), 1)
    Price(99.6)
    """
    tick = Price(tick_size, precision)
    raw = price_match_raw(SIDE[side], kind, level, int(bid.raw), int(ask.raw), int(tick.raw))
    return Price.from_raw(raw, precision)


__all__ = ["ClosePositionAction", "ClosePositionBook", "price_match_price"]
