"""The Nautilus 1 side of the pre-trade checks: its instruments, values, enums and orders as the
core's plain values (:mod:`nautilus_exec_kit.core.validator` decides).

Why a separate module: the core reasons on integers at a fixed precision and on its own enums;
Nautilus 1 hands the kit Cython ``Price`` / ``Quantity`` objects, ``IntFlag`` enums and
``Order`` objects. Each conversion lives here once, so every helper converts the same way.

Example::

    rules = rules_of(instrument)
    validator = OrderValidator(rules, capabilities_for("USDT_FUTURES"))
    intent = intent_of(rules, OrderType.LIMIT, OrderSide.BUY, "0.010", price=50000.1)
    validator.check(intent, MarketSnapshot(bid=49999.9, ask=50000.0, last=50000.0))
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from nautilus_trader.model import enums as nt
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import (
    FIXED_PRECISION,
    PRICE_MAX,
    QUANTITY_MAX,
    Price,
    Quantity,
)
from nautilus_trader.model.orders import Order

from nautilus_exec_kit.core import params as _params
from nautilus_exec_kit.core import vocab
from nautilus_exec_kit.core.intent import MarketSnapshot, OrderIntent
from nautilus_exec_kit.core.margin import check_margin
from nautilus_exec_kit.core.rules import (
    Grid,
    InstrumentRules,
    coerce_raw,
    fixed_raw,
    rules_of_instrument,
)
from nautilus_exec_kit.core.validator import OrderValidator

_SCALAR: Final[int] = 10**FIXED_PRECISION

#: Nautilus 1 enum member -> the core's member of the same name (and back).
SIDE: Final = vocab.by_name(vocab.OrderSide, nt.OrderSide)
ORDER_TYPE: Final = vocab.by_name(vocab.OrderType, nt.OrderType)
TIME_IN_FORCE: Final = vocab.by_name(vocab.TimeInForce, nt.TimeInForce)
TRIGGER_TYPE: Final = vocab.by_name(vocab.TriggerType, nt.TriggerType)
TRAILING_OFFSET_TYPE: Final = vocab.by_name(vocab.TrailingOffsetType, nt.TrailingOffsetType)
POSITION_SIDE: Final = vocab.by_name(vocab.PositionSide, nt.PositionSide)
NT_SIDE: Final = vocab.invert(SIDE)
NT_ORDER_TYPE: Final = vocab.invert(ORDER_TYPE)
NT_TIME_IN_FORCE: Final = vocab.invert(TIME_IN_FORCE)
NT_TRIGGER_TYPE: Final = vocab.invert(TRIGGER_TYPE)
NT_POSITION_SIDE: Final = vocab.invert(POSITION_SIDE)

_PRICE_LIMIT_RAW: Final[int] = int(Decimal(repr(PRICE_MAX)) * _SCALAR)
_QUANTITY_LIMIT_RAW: Final[int] = int(Decimal(repr(QUANTITY_MAX)) * _SCALAR)
_FIXED_TYPES: Final = (Price, Quantity)


def rules_of(instrument: Instrument) -> InstrumentRules:
    """The core's rules of a Nautilus 1 instrument (any type; build once, cache it).

    Market-type orders follow the symbol's MARKET_LOT_SIZE when ``instrument.info`` carries
    Binance's filters (the adapter's instruments, live or from a saved exchangeInfo), else
    LOT_SIZE (e.g. ``TestInstrumentProvider``'s)."""
    return rules_of_instrument(
        instrument, fixed_precision=FIXED_PRECISION,
        price_limit_raw=_PRICE_LIMIT_RAW, quantity_limit_raw=_QUANTITY_LIMIT_RAW,
    )


def _coerce_raw(grid: Grid, value: Any, field: str) -> int:
    """A user number (or a Nautilus 1 value of any precision) as an exact raw on ``grid``."""
    return coerce_raw(grid, value, field, _FIXED_TYPES)


def coerce_price(rules: InstrumentRules, value: Any, field: str = "price") -> Price:
    """A user price as a ``Price`` at the instrument's precision, exactly or not at all.

    Never rounds; raises the core's precise error (too precise, off tick, out of range) with
    the two nearest valid prices.
    """
    return Price.from_raw(_coerce_raw(rules.price_grid, value, field), rules.price_precision)


def coerce_quantity(rules: InstrumentRules, value: Any, field: str = "quantity") -> Quantity:
    """A user quantity as a ``Quantity`` at the instrument's precision, never rounding."""
    return Quantity.from_raw(_coerce_raw(rules.size_grid, value, field), rules.size_precision)


def intent_of(
    rules: InstrumentRules,
    order_type: nt.OrderType,
    side: nt.OrderSide,
    quantity: Any,
    *,
    price: Any = None,
    trigger_price: Any = None,
    trigger_type: nt.TriggerType = nt.TriggerType.DEFAULT,
    time_in_force: nt.TimeInForce = nt.TimeInForce.GTC,
    expire_time_ns: int | None = None,
    post_only: bool = False,
    reduce_only: bool = False,
    display_qty: Any = None,
    quote_quantity: bool = False,
    trailing_offset: Decimal | None = None,
    trailing_offset_type: nt.TrailingOffsetType = nt.TrailingOffsetType.NO_TRAILING_OFFSET,
    activation_price: Any = None,
    close_position: bool = False,
    price_match: str | None = None,
) -> OrderIntent:
    """An intent from Nautilus 1 words and values (``Price`` / ``Quantity`` objects at any
    precision, or plain numbers, which are coerced exactly: the quantity onto the lot filter
    its order type follows, LOT_SIZE for a close_position order, whose quantity is not sent)."""
    otype = ORDER_TYPE[order_type]
    pg, sg = rules.price_grid, rules.size_grid
    lot = sg if close_position else rules.lot_grid(otype)

    def px(value: Any, field: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, Price):
            return fixed_raw(pg, value, field)
        return _coerce_raw(pg, value, field)

    def qty(value: Any, field: str, grid: Grid = sg) -> int | None:
        if value is None:
            return None
        if isinstance(value, Quantity):
            return fixed_raw(grid, value, field)
        return _coerce_raw(grid, value, field)

    return OrderIntent(
        order_type=otype,
        side=SIDE[side],
        quantity=qty(quantity, "quantity", lot),
        price=px(price, "price"),
        trigger_price=px(trigger_price, "trigger_price"),
        trigger_type=TRIGGER_TYPE[trigger_type],
        time_in_force=TIME_IN_FORCE[time_in_force],
        expire_time_ns=expire_time_ns,
        post_only=post_only,
        reduce_only=reduce_only,
        display_qty=qty(display_qty, "display_qty"),
        quote_quantity=quote_quantity,
        trailing_offset=trailing_offset,
        trailing_offset_type=TRAILING_OFFSET_TYPE[trailing_offset_type],
        activation_price=px(activation_price, "activation_price"),
        close_position=close_position,
        price_match=price_match,
    )


def intent_from_order(
    rules: InstrumentRules, order: Order, params: Mapping[str, Any] | None = None,
) -> OrderIntent:
    """Describe an already-created Nautilus 1 ``Order`` (plus its submit params) as an intent."""
    close_position, price_match = _params.parse_params(params)
    offset = getattr(order, "trailing_offset", None)
    return intent_of(
        rules,
        order.order_type,
        order.side,
        order.quantity,
        price=getattr(order, "price", None),
        trigger_price=getattr(order, "trigger_price", None),
        trigger_type=getattr(order, "trigger_type", nt.TriggerType.NO_TRIGGER),
        time_in_force=order.time_in_force,
        expire_time_ns=getattr(order, "expire_time_ns", 0) or None,
        post_only=bool(order.is_post_only),
        reduce_only=bool(order.is_reduce_only),
        display_qty=getattr(order, "display_qty", None),
        quote_quantity=bool(order.is_quote_quantity),
        trailing_offset=None if offset is None else Decimal(offset),
        trailing_offset_type=getattr(
            order, "trailing_offset_type", nt.TrailingOffsetType.NO_TRAILING_OFFSET,
        ),
        activation_price=getattr(order, "activation_price", None),
        close_position=close_position,
        price_match=price_match,
    )


def check_order(
    validator: OrderValidator,
    order: Order,
    market: MarketSnapshot | None = None,
    params: Mapping[str, Any] | None = None,
    now_ns: int | None = None,
    *,
    position_side: nt.PositionSide | None = None,
) -> None:
    """Run the core's checks on an already-created Nautilus 1 ``Order`` and its submit params."""
    validator.check(
        intent_from_order(validator.rules, order, params),
        market,
        now_ns,
        position_side=None if position_side is None else POSITION_SIDE[position_side],
    )


__all__ = [
    "InstrumentRules",
    "MarketSnapshot",
    "OrderIntent",
    "OrderValidator",
    "check_margin",
    "check_order",
    "coerce_price",
    "coerce_quantity",
    "intent_from_order",
    "intent_of",
    "rules_of",
]
