"""Pre-trade checks: an order that passes here is one Binance (and the adapter) would accept.

Why it exists: the live adapter denies some orders before sending them and Binance rejects
others, while a simulated venue accepts almost everything (no margin, min-notional or param
checks). Running the same checks in the strategy makes backtest and live refuse the same orders,
with one typed error that names the field, the value and what to change.

Speed matters: every order passes :meth:`OrderValidator.check`. The pass is ordered so that a
valid plain order costs a few set lookups and integer comparisons (that *is* the fast path: no
second copy of these checks lives anywhere else), and each failure branches off to a method that
builds the precise error.

Example::

    validator = OrderValidator(rules, capabilities_for("USDT_FUTURES"))
    intent = OrderIntent(OrderType.LIMIT, OrderSide.BUY, qty_raw, price=price_raw)
    validator.check(intent, MarketSnapshot(bid=49999.9, ask=50000.0, last=50000.0))
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, NamedTuple

from nautilus_exec_kit.core import params as _params
from nautilus_exec_kit.core.capabilities import (
    IF_TOUCHED_TYPES,
    LIMIT_PRICE_TYPES,
    STOP_TYPES,
    TRAILING_TYPES,
    TRIGGER_PRICE_TYPES,
    VenueCapabilities,
)
from nautilus_exec_kit.core.errors import (
    InvalidExpireTime,
    ModifyNotSupported,
    NotionalTooSmall,
    PriceOutOfRange,
    QuantityNotOnStep,
    QuantityOutOfRange,
    TrailingOffsetError,
    TriggerPriceError,
    UnsupportedFlag,
    UnsupportedOrderType,
    UnsupportedTimeInForce,
)
from nautilus_exec_kit.core.fixed import floor_raw
from nautilus_exec_kit.core.intent import MarketSnapshot, OrderIntent
from nautilus_exec_kit.core.rules import Grid, InstrumentRules
from nautilus_exec_kit.core.vocab import (
    OrderSide,
    OrderType,
    PositionSide,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)

_NANOS_PER_SEC: Final[int] = 1_000_000_000
_GTD: Final = TimeInForce.GTD
_BUY: Final = OrderSide.BUY


class _TypePlan(NamedTuple):
    """What one order type needs on one venue profile, decided once per validator: the check
    reads one of these per order instead of asking five tables."""

    offered: bool
    tifs: frozenset[TimeInForce]
    post_only: bool
    quote_quantity: bool
    needs_price: bool
    triggered: bool
    trailing: bool
    lot: Grid  # the quantity filter this type follows (LOT_SIZE / MARKET_LOT_SIZE)

    @classmethod
    def of(cls, otype: OrderType, caps: VenueCapabilities, rules: InstrumentRules) -> _TypePlan:
        return cls(
            offered=otype in caps.order_types,
            tifs=caps.time_in_force.get(otype, frozenset()),
            post_only=otype in caps.post_only_types,
            quote_quantity=otype in caps.quote_quantity_types,
            needs_price=otype in LIMIT_PRICE_TYPES,
            triggered=otype in TRIGGER_PRICE_TYPES,
            trailing=otype in TRAILING_TYPES,
            lot=rules.lot_grid(otype),
        )


class OrderValidator:
    """Checks orders for one instrument against its rules and a venue's capabilities.

    Every failure raises the precise :class:`~nautilus_exec_kit.errors.OrderValidationError`
    subclass; success returns ``None``. ``hedge_mode`` is the account's position mode (it
    decides which side ``close_position`` may close).
    """

    __slots__ = (
        "_caps",
        "_hedge_mode",
        "_linear_min_notional_cmp",
        "_plans",
        "_reduce_only",
        "_rules",
        "capabilities",
        "rules",
    )

    def __init__(
        self,
        rules: InstrumentRules,
        capabilities: VenueCapabilities,
        *,
        hedge_mode: bool = False,
    ) -> None:
        self.rules = self._rules = rules
        self.capabilities = self._caps = capabilities
        self._hedge_mode = hedge_mode
        self._plans: dict[OrderType, _TypePlan] = {
            t: _TypePlan.of(t, capabilities, rules) for t in OrderType
        }
        self._reduce_only = capabilities.reduce_only
        # The common notional case decided once: a linear instrument with a quote-currency
        # minimum and no maximum compares one integer product; None sends every order to
        # _check_notional.
        self._linear_min_notional_cmp: int | None = (
            rules.min_notional_cmp
            if rules.max_notional_cmp is None and rules.notional_in_quote and not rules.is_inverse
            else None
        )

    def check(
        self,
        intent: OrderIntent,
        market: MarketSnapshot | None = None,
        now_ns: int | None = None,
        *,
        position_side: PositionSide | None = None,
    ) -> None:
        """Raise the first problem with ``intent``; return ``None`` if Binance would accept it.

        ``market`` enables the trigger-side and (for orders without a price) min-notional
        checks; ``now_ns`` enables the GTD expiry check; ``position_side`` is the hedge-mode
        leg a ``close_position`` order closes.
        """
        otype = intent.order_type
        offered, tifs, post_only_ok, quote_quantity_ok, needs_price, triggered, trailing, lot = (
            self._plans[otype]
        )
        if not offered:
            self._raise_order_type(otype)
        tif = intent.time_in_force
        if tif not in tifs:
            self._raise_tif(otype, tif)
        if intent.post_only:
            if not post_only_ok:
                raise UnsupportedFlag(
                    "post_only",
                    True,
                    f"not offered for {otype.name} on {self._caps.name}",
                    "use a LIMIT order for post-only, or drop post_only",
                )
            if tif not in self._caps.post_only_tifs:
                raise UnsupportedTimeInForce(
                    "time_in_force",
                    tif.name,
                    f"a post-only order on {self._caps.name} is sent as GTX / LIMIT_MAKER, "
                    f"which would replace {tif.name}",
                    "use time_in_force=GTC with post_only, or drop post_only",
                )
        if intent.reduce_only and not self._reduce_only:
            raise UnsupportedFlag(
                "reduce_only",
                True,
                f"{self._caps.name} has no reduce-only orders",
                "drop reduce_only and size the order to the holding",
            )
        if intent.quote_quantity and not quote_quantity_ok:
            raise UnsupportedFlag(
                "quote_quantity",
                True,
                f"not offered for {otype.name} on {self._caps.name}",
                "give the quantity in the base asset",
            )
        if tif is _GTD:
            self._check_gtd(intent, now_ns)

        rules = self._rules
        price = intent.price
        if price is None:
            if needs_price:
                raise PriceOutOfRange(
                    "price", None, f"{otype.name} needs a limit price", "pass price="
                )
        elif price % rules.tick_raw or price < rules.price_lo_raw or price > rules.price_hi_raw:
            rules.price_grid.check_raw(price, "price", rules.price_str(price))
        trigger = intent.trigger_price
        if triggered:
            if trigger is None:
                raise TriggerPriceError(
                    "trigger_price",
                    None,
                    f"{otype.name} needs a trigger price",
                    "pass trigger_price=",
                )
            rules.price_grid.check_raw(trigger, "trigger_price", rules.price_str(trigger))
            if intent.trigger_type not in self._caps.trigger_types:
                self._raise_trigger_type(intent.trigger_type)
        elif trailing:
            self._check_trailing(intent, market)
        elif trigger is not None:
            # Binance answers -1106 ("stopPrice sent when not required"); checked nowhere
            # else, an off-grid trigger would pass silently.
            raise UnsupportedFlag(
                "trigger_price",
                rules.price_str(trigger),
                f"applies only to stop, take-profit and if-touched orders, not {otype.name}",
                "remove trigger_price or use a stop / take-profit order",
            )
        if not trailing and (
            intent.activation_price is not None or intent.trailing_offset is not None
        ):
            # Binance answers -1106 ("sent when not required") rather than ignoring them.
            field = "activation_price" if intent.activation_price is not None else "trailing_offset"
            raise UnsupportedFlag(
                field,
                getattr(intent, field),
                f"applies only to TRAILING_STOP_MARKET orders, not {otype.name}",
                f"remove {field} or use a trailing stop",
            )

        qty = intent.quantity
        if qty is None:
            if not intent.close_position:
                raise QuantityOutOfRange(
                    "quantity",
                    None,
                    "missing",
                    "pass a quantity (only close_position orders may omit it)",
                )
        else:
            if qty % lot.inc_raw or qty < lot.lo or qty > lot.hi:
                # A close_position order's quantity never reaches Binance (it closes what is
                # held when it triggers): only LOT_SIZE, as Nautilus' RiskEngine checks it.
                grid = rules.size_grid if intent.close_position else lot
                grid.check_raw(qty, "quantity", rules.qty_str(qty))
            # Binance exempts reduce-only orders from MIN_NOTIONAL (-4164 says so).
            if not intent.close_position and not intent.reduce_only:
                min_cmp = self._linear_min_notional_cmp
                ref = price if price is not None else trigger
                if ref is not None and min_cmp is not None and not intent.quote_quantity:
                    if ref * qty * rules.multiplier_raw < min_cmp:
                        self._check_notional(intent, qty, market)
                elif rules.min_notional_raw is not None or rules.max_notional_raw is not None:
                    self._check_notional(intent, qty, market)

        display = intent.display_qty
        if display is not None:
            self._check_display(otype, display, qty)

        if triggered and market is not None and self._caps.trigger_side_check:
            self._check_trigger_side(intent, trigger, market)  # type: ignore[arg-type]

        if intent.close_position or intent.price_match is not None:
            _params.check_params(intent, self._caps, self._hedge_mode, position_side=position_side)

    def check_modify(self, order_type: OrderType) -> None:
        """Raise :class:`ModifyNotSupported` unless the venue amends ``order_type`` in place."""
        check_modifiable(order_type, self._caps)

    # -- pieces (the raise paths build strings; the pass paths do not) --------------------------

    def _raise_order_type(self, otype: OrderType) -> None:
        valid = ", ".join(sorted(t.name for t in self._caps.order_types))
        raise UnsupportedOrderType(
            "order_type",
            otype.name,
            f"not offered on {self._caps.name}",
            f"use one of {valid}",
        )

    def _raise_tif(self, otype: OrderType, tif: TimeInForce) -> None:
        valid = ", ".join(sorted(t.name for t in self._caps.time_in_force[otype]))
        raise UnsupportedTimeInForce(
            "time_in_force",
            tif.name,
            f"not offered for {otype.name} on {self._caps.name}",
            f"use one of {valid}",
        )

    def _raise_trigger_type(self, trigger_type: TriggerType) -> None:
        valid = ", ".join(sorted(t.name for t in self._caps.trigger_types))
        raise UnsupportedFlag(
            "trigger_type",
            trigger_type.name,
            f"not offered on {self._caps.name}",
            f"use one of {valid}",
        )

    def _check_gtd(self, intent: OrderIntent, now_ns: int | None) -> None:
        caps = self._caps
        expire = intent.expire_time_ns
        if not caps.gtd:
            raise UnsupportedTimeInForce(
                "time_in_force",
                "GTD",
                f"{caps.name} has no native GTD (the adapter would silently send GTC)",
                "use GTC and cancel the order yourself",
            )
        if expire is None or expire <= 0:
            raise InvalidExpireTime(
                "expire_time_ns", expire, "GTD needs an expiry", "pass expire_time="
            )
        if now_ns is not None and expire - now_ns < max(caps.gtd_min_lead_ns, 1):
            lead_s = caps.gtd_min_lead_ns / _NANOS_PER_SEC
            raise InvalidExpireTime(
                "expire_time_ns",
                expire,
                f"expires {(expire - now_ns) / _NANOS_PER_SEC:.3f}s from now; "
                f"{caps.name} needs more than {lead_s:g}s",
                f"expire at or after {now_ns + max(caps.gtd_min_lead_ns, 1)} ns, or use GTC",
            )

    def _check_display(self, otype: OrderType, display: int, qty: int | None) -> None:
        caps = self._caps
        rules = self._rules
        if not caps.display_qty or otype not in caps.display_qty_types:
            raise UnsupportedFlag(
                "display_qty",
                rules.qty_str(display),
                f"iceberg orders are not offered for {otype.name} on {caps.name}",
                "drop display_qty",
            )
        if display % rules.step_raw or display <= 0:
            raise QuantityNotOnStep(
                "display_qty",
                rules.qty_str(display),
                f"not a positive multiple of step {rules.qty_str(rules.step_raw)}",
                "use a multiple of the step",
            )
        if qty is not None and display > qty:
            raise QuantityOutOfRange(
                "display_qty",
                rules.qty_str(display),
                f"larger than the order quantity {rules.qty_str(qty)}",
                f"use at most {rules.qty_str(qty)}",
            )

    def _check_notional(
        self, intent: OrderIntent, q_raw: int, market: MarketSnapshot | None,
    ) -> None:
        rules = self._rules
        min_raw = rules.min_notional_raw
        max_raw = rules.max_notional_raw
        if min_raw is None and max_raw is None:
            return
        scalar = rules.scalar
        ref = intent.reference_price
        if ref is not None:
            px_raw = ref
        elif market is not None:
            # The side of the book the order would take.
            take = market.ask if intent.side is _BUY else market.bid
            for candidate in (take, market.last, market.mark):
                if candidate is not None and candidate > 0:
                    px_raw = round(candidate * scalar)
                    break
            else:
                return
        else:
            return
        if px_raw <= 0:
            return
        # notional * scalar**3, exact integer arithmetic in the common (linear, quote) case
        if intent.quote_quantity:
            notional3 = q_raw * scalar * scalar
        elif not rules.is_inverse:
            notional3 = px_raw * q_raw * rules.multiplier_raw
            if not rules.notional_in_quote:
                notional3 = q_raw * rules.multiplier_raw * scalar
        elif rules.notional_in_quote:
            notional3 = q_raw * rules.multiplier_raw * scalar
        else:
            notional3 = q_raw * rules.multiplier_raw * scalar * scalar // px_raw
        square = scalar * scalar  # a money raw already carries one scalar
        if min_raw is not None and notional3 < min_raw * square:
            self._raise_notional(intent, q_raw, px_raw, notional3, min_raw, too_small=True)
        if max_raw is not None and notional3 > max_raw * square:
            self._raise_notional(intent, q_raw, px_raw, notional3, max_raw, too_small=False)

    def _raise_notional(
        self,
        intent: OrderIntent,
        q_raw: int,
        px_raw: int,
        notional3: int,
        bound_raw: int,
        *,
        too_small: bool,
    ) -> None:
        rules = self._rules
        scalar = rules.scalar
        notional = notional3 / scalar**3
        bound = bound_raw / scalar
        # Quantity that meets the bound, on the order type's step grid (linear:
        # q = bound / (px * mult)).
        lot = self._plans[intent.order_type].lot
        unit3 = px_raw * rules.multiplier_raw * lot.inc_raw  # notional3 of one step
        if intent.quote_quantity or rules.is_inverse or not rules.notional_in_quote or unit3 <= 0:
            hint_qty = ""
        else:
            bound3 = bound_raw * scalar**2
            steps = -(-bound3 // unit3) if too_small else bound3 // unit3
            hint_qty = rules.qty_str(max(steps * lot.inc_raw, lot.lo))
        shown = rules.qty_str(q_raw)
        if too_small:
            raise NotionalTooSmall(
                "quantity",
                shown,
                f"notional {notional:.8g} {rules.quote_currency} at price "
                f"{rules.price_str(px_raw - px_raw % rules.price_unit_raw)} is below the minimum "
                f"{bound:g}",
                f"use {hint_qty or 'a larger quantity'} or more (reduce-only orders are exempt)",
            )
        raise NotionalTooSmall(
            "quantity",
            shown,
            f"notional {notional:.8g} {rules.quote_currency} is above the maximum {bound:g}",
            f"use {hint_qty or 'a smaller quantity'} or less, or split the order",
        )

    def _check_trigger_side(
        self, intent: OrderIntent, trigger: int, market: MarketSnapshot,
    ) -> None:
        otype = intent.order_type
        buy = intent.side is _BUY
        # BUY stop / SELL take-profit fire on a rise; SELL stop / BUY take-profit on a fall.
        if otype in STOP_TYPES:
            fires_on_rise = buy
        elif otype in IF_TOUCHED_TYPES:
            fires_on_rise = not buy
        else:
            return
        use_mark = intent.trigger_type is TriggerType.MARK_PRICE
        self._check_side("trigger_price", trigger, fires_on_rise, market, use_mark)

    def _check_side(
        self,
        field: str,
        raw: int,
        must_be_above: bool,
        market: MarketSnapshot,
        use_mark: bool,
    ) -> None:
        # Reference: the mark alone for MARK_PRICE triggers (when known), else the strictest of
        # the book side the trigger crosses and the last trade.
        value = raw / self._rules.scalar
        mark = market.mark
        book: float | None
        last: float | None
        if use_mark and mark is not None:
            book, last = mark, None
        else:
            book, last = (market.ask if must_be_above else market.bid), market.last
        if must_be_above:
            if book is not None and value <= book:
                self._raise_side(field, raw, max(book, last or book), above=True)
            if last is not None and value <= last:
                self._raise_side(field, raw, max(last, book or last), above=True)
        else:
            if book is not None and value >= book:
                self._raise_side(field, raw, min(book, last or book), above=False)
            if last is not None and value >= last:
                self._raise_side(field, raw, min(last, book or last), above=False)

    def _raise_side(self, field: str, raw: int, ref: float, *, above: bool) -> None:
        rules = self._rules
        ref_raw = floor_raw(Decimal(repr(ref)), rules.scalar)
        lo, hi = rules.price_bounds()
        below = ref_raw - ref_raw % rules.tick_raw
        if above:
            nearest = below + rules.tick_raw
        else:
            nearest = below - rules.tick_raw if below == ref_raw else below
        nearest = min(max(nearest, lo), hi)
        word = "above" if above else "below"
        raise TriggerPriceError(
            field,
            rules.price_str(raw),
            f"must be {word} the market ({ref:g}); the order would trigger immediately",
            f"use {rules.price_str(nearest)} or further {word}",
        )

    def _check_trailing(self, intent: OrderIntent, market: MarketSnapshot | None) -> None:
        caps = self._caps
        if intent.trigger_type not in caps.trigger_types:
            self._raise_trigger_type(intent.trigger_type)
        bounds = caps.trailing_offset_bps
        offset = intent.trailing_offset
        if offset is None:
            raise TrailingOffsetError(
                "trailing_offset", None, "a trailing stop needs an offset", "pass trailing_offset="
            )
        if bounds is not None:
            if intent.trigger_price is not None:
                raise TriggerPriceError(
                    "trigger_price",
                    self._rules.price_str(intent.trigger_price),
                    "Binance trailing stops take no trigger price",
                    "use activation_price instead",
                )
            if intent.trailing_offset_type is not TrailingOffsetType.BASIS_POINTS:
                raise TrailingOffsetError(
                    "trailing_offset_type",
                    intent.trailing_offset_type.name,
                    "Binance trailing stops take a callback rate",
                    "use TrailingOffsetType.BASIS_POINTS (100 = 1%)",
                )
            lo, hi = bounds
            if not (lo <= offset <= hi):
                raise TrailingOffsetError(
                    "trailing_offset",
                    offset,
                    f"callback rate outside {lo}..{hi} bps ({lo / 100:g}%..{hi / 100:g}%)",
                    f"use a value between {lo} and {hi}",
                )
        elif offset <= 0:
            raise TrailingOffsetError("trailing_offset", offset, "must be positive", "use > 0")
        activation = intent.activation_price
        if activation is not None:
            rules = self._rules
            rules.price_grid.check_raw(activation, "activation_price", rules.price_str(activation))
            if caps.trigger_side_check and market is not None:
                # A SELL trailing stop activates on a rise: activation above the market.
                self._check_side(
                    "activation_price",
                    activation,
                    intent.side is OrderSide.SELL,
                    market,
                    intent.trigger_type is TriggerType.MARK_PRICE,
                )


def check_modifiable(order_type: OrderType, capabilities: VenueCapabilities) -> None:
    """Raise :class:`ModifyNotSupported` when the venue cannot amend orders of this type."""
    if order_type not in capabilities.modifiable_types:
        raise ModifyNotSupported(
            "order_type",
            order_type.name,
            "Binance futures only amends LIMIT orders; an untriggered algo (conditional) order "
            "cannot be modified",
            "cancel the order and submit a new one with the new quantity/price",
        )


__all__ = ["OrderValidator", "check_modifiable"]
