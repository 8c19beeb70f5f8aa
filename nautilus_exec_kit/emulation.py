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

What to do is decided in :mod:`nautilus_exec_kit.core.emulation` (both generations); each
binding's mixin carries it out with its own orders.
"""

from nautilus_exec_kit.core.emulation import (
    ClosePositionAction,
    ClosePositionBook,
    book_price_match,
    close_position_start_raw,
    price_match_quote_raw,
)

__all__ = [
    "ClosePositionAction",
    "ClosePositionBook",
    "book_price_match",
    "close_position_start_raw",
    "price_match_quote_raw",
]
