"""An order before it exists, and what the kit knows about the market, as plain values.

A binding describes each order a strategy asks for as an :class:`OrderIntent` (raws at its
rules' fixed precision, the core's enums) and hands it to the pipeline; the venue order is
only built once the pipeline admitted it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

import attrs

from nautilus_exec_kit.core.vocab import (
    OrderSide,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)


@attrs.frozen(slots=False)
class MarketSnapshot:
    """What the validator knows about the market: best bid/ask, last trade and mark price.

    Any of them may be ``None`` (not yet seen); checks that need a missing value are skipped,
    never guessed.
    """

    bid: float | None
    ask: float | None
    last: float | None
    mark: float | None = None

    @classmethod
    def of(cls, quote: Any, trade: Any, mark: Any) -> MarketSnapshot | None:
        """From a Nautilus quote tick, trade tick and mark price update of either generation
        (same attribute names: ``bid_price``, ``ask_price``, ``price``, ``value``), any of
        them ``None``; ``None`` before any quote or trade."""
        if quote is None and trade is None:
            return None
        return cls(
            quote.bid_price.as_double() if quote is not None else None,
            quote.ask_price.as_double() if quote is not None else None,
            trade.price.as_double() if trade is not None else None,
            mark.value.as_double() if mark is not None else None,
        )


# A NamedTuple: one is built for every order, and it constructs in about 60 % of the time of the
# fastest attrs class (frozen, slots=False) with these 17 fields; reads cost the same.
class OrderIntent(NamedTuple):
    """Everything about an order before it is created (immutable; ``_replace`` to vary one).

    Prices and quantities are raws on the instrument's grids (already converted by the
    binding, whose conversion checks their precision). ``quantity`` may be ``None`` only with
    ``close_position`` (Binance closes the whole position and ignores any quantity).
    ``price_match`` is one of :data:`~nautilus_exec_kit.core.params.PRICE_MATCH_VALUES`.
    """

    order_type: OrderType
    side: OrderSide
    quantity: int | None
    price: int | None = None
    trigger_price: int | None = None
    trigger_type: TriggerType = TriggerType.DEFAULT
    time_in_force: TimeInForce = TimeInForce.GTC
    expire_time_ns: int | None = None
    post_only: bool = False
    reduce_only: bool = False
    display_qty: int | None = None
    quote_quantity: bool = False
    trailing_offset: Decimal | None = None
    trailing_offset_type: TrailingOffsetType = TrailingOffsetType.NO_TRAILING_OFFSET
    activation_price: int | None = None
    close_position: bool = False
    price_match: str | None = None

    @property
    def reference_price(self) -> int | None:
        """The price the order's notional and margin are judged at, when it names one."""
        if self.price is not None:
            return self.price
        if self.trigger_price is not None:
            return self.trigger_price
        return self.activation_price


__all__ = ["MarketSnapshot", "OrderIntent"]
