"""One instrument's filters as integers, and exact conversion of user numbers onto its grids.

Why integers: the kit checks every order, so the checks must cost microseconds and be exact.
Every rule is precomputed here in the fixed-point ``raw`` units of the Nautilus generation that
built it (``fixed_precision`` 9 or 16, see :mod:`nautilus_exec_kit.core.fixed`); the validator
compares ints, and text (and ``Decimal``) is only built when a check fails.

A binding builds rules from its ``Instrument`` (``rules_of``); anything else (a Binance
``exchangeInfo`` symbol, a test) calls :meth:`InstrumentRules.build` with the same numbers.

Binance has two quantity filters: ``LOT_SIZE`` (the instrument's ``min_quantity`` /
``max_quantity`` / ``size_increment``) and ``MARKET_LOT_SIZE``, which orders that execute at
market follow instead (BTCUSDT: market orders at most 120 BTC, limit orders 1000). Nautilus has
no field for the second; Binance's adapter keeps it in ``instrument.info["filters"]``, where
:func:`rules_of_instrument` reads it. Which order type follows which filter is
:data:`LOT_FILTER`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs

from nautilus_exec_kit.core.errors import (
    InstrumentRuleError,
    MarketQuantityNotOnStep,
    MarketQuantityOutOfRange,
    PriceNotOnTick,
    PriceOutOfRange,
    PriceTooPrecise,
    QuantityNotOnStep,
    QuantityOutOfRange,
    QuantityTooPrecise,
)
from nautilus_exec_kit.core.fixed import floor_raw, format_raw, to_raw
from nautilus_exec_kit.core.vocab import OrderType


class LotFilter(enum.Enum):
    """Binance's two quantity filters (the ``filterType`` of an exchangeInfo filter)."""

    LOT_SIZE = "LOT_SIZE"
    MARKET_LOT_SIZE = "MARKET_LOT_SIZE"


#: The quantity filter each order type follows on Binance USDT-M: orders that execute at market
#: (MARKET, and the conditional orders that place a market order when they trigger: STOP_MARKET,
#: TAKE_PROFIT_MARKET = MARKET_IF_TOUCHED, TRAILING_STOP_MARKET) follow MARKET_LOT_SIZE, the
#: rest LOT_SIZE. The sandbox applies the same split (its ``CHILD_TYPE``).
LOT_FILTER: Final[Mapping[OrderType, LotFilter]] = MappingProxyType({
    OrderType.MARKET: LotFilter.MARKET_LOT_SIZE,
    OrderType.LIMIT: LotFilter.LOT_SIZE,
    OrderType.STOP_MARKET: LotFilter.MARKET_LOT_SIZE,
    OrderType.STOP_LIMIT: LotFilter.LOT_SIZE,
    OrderType.MARKET_TO_LIMIT: LotFilter.MARKET_LOT_SIZE,
    OrderType.MARKET_IF_TOUCHED: LotFilter.MARKET_LOT_SIZE,
    OrderType.LIMIT_IF_TOUCHED: LotFilter.LOT_SIZE,
    OrderType.TRAILING_STOP_MARKET: LotFilter.MARKET_LOT_SIZE,
    OrderType.TRAILING_STOP_LIMIT: LotFilter.LOT_SIZE,
})

#: What the market-lot grid's messages add, so an error says which filter it enforced.
_MARKET_SCOPE: Final = " for market-type orders (MARKET_LOT_SIZE)"
#: What a grid's "above the maximum" hint offers first (each size grid may add more).
_SPLIT_HINT: Final = "or split the order"


def _grid_neighbours(raw_floor: int, inc: int, lo: int, hi: int) -> tuple[int, ...]:
    """The one or two grid points nearest to a value (given its raw floor), kept in [lo, hi]."""
    below = raw_floor - raw_floor % inc
    above = below + inc
    lo_g = -((-lo) // inc) * inc  # bounds rounded inward onto the grid
    hi_g = hi - hi % inc
    if lo_g > hi_g:
        return ()
    return tuple(sorted({min(max(x, lo_g), hi_g) for x in (below, above)}))


def not_a_number(field: str, value: Any) -> InstrumentRuleError:
    """The error for a value that is no finite number (NaN, inf, text, None where one is due)."""
    return InstrumentRuleError(field, value, "is not a finite number", "pass a number")


@attrs.frozen
class Grid:
    """One value grid of an instrument (prices on ticks, quantities on steps) and its errors.

    Prices and quantities follow the same rules (precision, multiple of an increment, inclusive
    range), so one piece of code checks both; only the words and error classes differ.
    """

    kind: str  # "tick" / "step"
    precision: int
    fixed_precision: int
    inc_raw: int
    lo: int
    hi: int
    off_grid: type[InstrumentRuleError]
    too_precise: type[InstrumentRuleError]
    out_of_range: type[InstrumentRuleError]
    #: Added to every problem: which filter this grid is (empty for LOT_SIZE and prices).
    scope: str = ""
    #: What else to do about a value above the maximum.
    above_hint: str = _SPLIT_HINT

    @property
    def unit_raw(self) -> int:
        """The raw of one unit in the last allowed decimal."""
        return int(10 ** (self.fixed_precision - self.precision))

    def fmt(self, raw: int) -> str:
        return format_raw(raw, self.precision, self.fixed_precision)

    def choices(self, raw_floor: int) -> str:
        picks = _grid_neighbours(raw_floor, self.inc_raw, self.lo, self.hi)
        return " or ".join(self.fmt(p) for p in picks) if picks else "no valid value exists"

    def check_raw(self, raw: int, field: str, shown: Any) -> None:
        """Raise unless ``raw`` is on the grid and in range (``shown``: the user's value)."""
        if raw % self.inc_raw:
            raise self.off_grid(
                field,
                shown,
                f"not a multiple of {self.kind} {self.fmt(self.inc_raw)}{self.scope}",
                f"use {self.choices(raw)}",
            )
        if raw < self.lo:
            raise self.out_of_range(
                field,
                shown,
                f"below the minimum {self.fmt(self.lo)}{self.scope}",
                f"use {self.fmt(self.lo)}",
            )
        if raw > self.hi:
            raise self.out_of_range(
                field,
                shown,
                f"above the maximum {self.fmt(self.hi)}{self.scope}",
                f"use {self.fmt(self.hi)} ({self.above_hint})",
            )

    def check_fixed(self, raw: int, precision: int, field: str, shown: Any) -> None:
        """Check a Nautilus value (its raw and precision): Nautilus' RiskEngine denies any
        precision above the instrument's, even when the value is on the grid."""
        if precision > self.precision:
            if raw % self.unit_raw == 0:
                hint = f"use {self.fmt(raw)} at precision {self.precision} (coerce it)"
            else:
                hint = f"use {self.choices(raw)}"
            raise self.too_precise(
                field,
                shown,
                f"precision {precision} > instrument precision {self.precision}",
                hint,
            )
        self.check_raw(raw, field, shown)

    def coerce(self, value: Any, field: str) -> int:
        """The exact raw of a user number on this grid, or the precise error. Never rounds."""
        scalar = 10**self.fixed_precision
        raw, too_precise = to_raw(value, self.precision, scalar)
        if raw is None:
            if too_precise is None:
                raise not_a_number(field, value)
            raise self.too_precise(
                field,
                value,
                f"not a multiple of {self.kind} {self.fmt(self.inc_raw)}{self.scope} "
                f"(at most {self.precision} decimals)",
                f"use {self.choices(floor_raw(too_precise, scalar))}",
            )
        self.check_raw(raw, field, value)
        return raw


@attrs.frozen
class InstrumentRules:
    """One instrument's filters, precomputed as fixed-point integers (build once, cache it).

    ``*_raw`` values are raws at ``fixed_precision`` (a Nautilus ``Price.raw`` /
    ``Quantity.raw`` of the generation that built the rules).
    """

    instrument_id: str
    fixed_precision: int
    scalar: int  # 10**fixed_precision: the raw of 1
    price_precision: int
    size_precision: int
    tick_raw: int
    step_raw: int
    min_price_raw: int | None
    max_price_raw: int | None
    min_qty_raw: int
    max_qty_raw: int
    min_notional_raw: int | None
    max_notional_raw: int | None
    notional_in_quote: bool  # min/max notional currency is the quote currency
    is_inverse: bool
    multiplier_raw: int
    quote_currency: str
    price_lo_raw: int  # inclusive bounds: instrument limits, else one tick .. PRICE_MAX
    price_hi_raw: int
    # Linear instrument with a quote-currency filter: price_raw * qty_raw * multiplier_raw is
    # compared with these directly (a money raw carries one scalar, the product three).
    min_notional_cmp: int | None
    max_notional_cmp: int | None
    price_grid: Grid
    size_grid: Grid  # LOT_SIZE
    #: MARKET_LOT_SIZE; ``size_grid`` itself when the instrument carries none.
    market_size_grid: Grid

    @classmethod
    def build(
        cls,
        *,
        instrument_id: str,
        fixed_precision: int,
        price_precision: int,
        size_precision: int,
        tick_raw: int,
        step_raw: int,
        min_qty_raw: int | None = None,
        max_qty_raw: int | None = None,
        min_price_raw: int | None = None,
        max_price_raw: int | None = None,
        min_notional_raw: int | None = None,
        max_notional_raw: int | None = None,
        notional_currency: str | None = None,
        quote_currency: str,
        is_inverse: bool = False,
        multiplier_raw: int | None = None,
        price_limit_raw: int,
        quantity_limit_raw: int,
        market_step_raw: int | None = None,
        market_min_qty_raw: int | None = None,
        market_max_qty_raw: int | None = None,
    ) -> InstrumentRules:
        """Derive every precomputed field from an instrument's filters (raws at
        ``fixed_precision``; ``None`` = no such filter). ``price_limit_raw`` /
        ``quantity_limit_raw`` are the generation's largest values (its ``PRICE_MAX`` /
        ``QUANTITY_MAX``), the bounds where the instrument sets none. ``market_*`` are
        ``MARKET_LOT_SIZE``'s stepSize / minQty / maxQty; each missing one is LOT_SIZE's."""
        scalar = 10**fixed_precision
        square = scalar * scalar
        min_qty = max(min_qty_raw or 0, step_raw)  # positive even without an instrument minimum
        max_qty = max_qty_raw if max_qty_raw is not None else quantity_limit_raw
        price_lo = min_price_raw if min_price_raw is not None else tick_raw
        price_hi = max_price_raw if max_price_raw is not None else price_limit_raw
        # Within LOT_SIZE's range too: Nautilus' RiskEngine holds every order to the
        # instrument's min_quantity / max_quantity, whatever its type.
        market_step = market_step_raw or step_raw
        market_min = max(market_min_qty_raw or 0, min_qty, market_step)
        market_max = min(max_qty, market_max_qty_raw or max_qty)

        def grid(
            kind: str, precision: int, inc: int, lo: int, hi: int,
            off_grid: type[InstrumentRuleError], too_precise: type[InstrumentRuleError],
            out_of_range: type[InstrumentRuleError], scope: str = "",
            above_hint: str = _SPLIT_HINT,
        ) -> Grid:
            return Grid(kind, precision, fixed_precision, inc, lo, hi, off_grid, too_precise,
                        out_of_range, scope, above_hint)

        def fmt_qty(raw: int) -> str:
            return format_raw(raw, size_precision, fixed_precision)

        lot_above = _SPLIT_HINT
        if market_max < max_qty:  # say so where a market order would meet LOT_SIZE's bound
            lot_above += f"; MARKET_LOT_SIZE holds market-type orders to {fmt_qty(market_max)}"
        size_grid = grid(
            "step", size_precision, step_raw, min_qty, max_qty,
            QuantityNotOnStep, QuantityTooPrecise, QuantityOutOfRange, above_hint=lot_above,
        )
        market_grid = size_grid
        if (market_step, market_min, market_max) != (step_raw, min_qty, max_qty):
            market_above = _SPLIT_HINT
            if max_qty > market_max:
                market_above += f", or use a limit order: LOT_SIZE allows up to {fmt_qty(max_qty)}"
            market_grid = grid(
                "step", size_precision, market_step, market_min, market_max,
                MarketQuantityNotOnStep, QuantityTooPrecise, MarketQuantityOutOfRange,
                scope=_MARKET_SCOPE, above_hint=market_above,
            )

        return cls(
            instrument_id=instrument_id,
            fixed_precision=fixed_precision,
            scalar=scalar,
            price_precision=price_precision,
            size_precision=size_precision,
            tick_raw=tick_raw,
            step_raw=step_raw,
            min_price_raw=min_price_raw,
            max_price_raw=max_price_raw,
            min_qty_raw=min_qty,
            max_qty_raw=max_qty,
            min_notional_raw=min_notional_raw,
            max_notional_raw=max_notional_raw,
            notional_in_quote=notional_currency in (None, quote_currency),
            is_inverse=is_inverse,
            multiplier_raw=multiplier_raw if multiplier_raw is not None else scalar,
            quote_currency=quote_currency,
            price_lo_raw=price_lo,
            price_hi_raw=price_hi,
            min_notional_cmp=None if min_notional_raw is None else min_notional_raw * square,
            max_notional_cmp=None if max_notional_raw is None else max_notional_raw * square,
            price_grid=grid(
                "tick", price_precision, tick_raw, price_lo, price_hi,
                PriceNotOnTick, PriceTooPrecise, PriceOutOfRange,
            ),
            size_grid=size_grid,
            market_size_grid=market_grid,
        )

    @property
    def price_unit_raw(self) -> int:
        return int(10 ** (self.fixed_precision - self.price_precision))

    def price_str(self, raw: int) -> str:
        """Format a raw price at the instrument's precision."""
        return format_raw(raw, self.price_precision, self.fixed_precision)

    def qty_str(self, raw: int) -> str:
        """Format a raw quantity at the instrument's precision."""
        return format_raw(raw, self.size_precision, self.fixed_precision)

    def price_bounds(self) -> tuple[int, int]:
        """The inclusive raw price range (instrument limits, else the tick .. PRICE_MAX)."""
        return self.price_lo_raw, self.price_hi_raw

    def lot_grid(self, order_type: OrderType) -> Grid:
        """The quantity grid ``order_type`` follows (:data:`LOT_FILTER`): MARKET_LOT_SIZE's for
        market-type orders, LOT_SIZE's for the rest."""
        market = LOT_FILTER[order_type] is LotFilter.MARKET_LOT_SIZE
        return self.market_size_grid if market else self.size_grid


def coerce_price_raw(rules: InstrumentRules, value: Any, field: str = "price") -> int:
    """A user price as a raw on the instrument's tick grid, exactly or not at all.

    Never rounds: a value with more decimals than the tick raises :class:`PriceTooPrecise`
    (a :class:`PrecisionMismatch` and a :class:`PriceNotOnTick`), one with the right decimals
    but off a non-power-of-ten tick raises :class:`PriceNotOnTick`; both messages suggest the
    two nearest valid prices. Outside the instrument's limits: :class:`PriceOutOfRange`.
    """
    return rules.price_grid.coerce(value, field)


def coerce_quantity_raw(rules: InstrumentRules, value: Any, field: str = "quantity") -> int:
    """A user quantity as a raw on the instrument's step grid, never rounding.

    Raises :class:`QuantityTooPrecise` / :class:`QuantityNotOnStep` (suggesting the nearest
    valid quantities) or :class:`QuantityOutOfRange` (suggesting the bound).
    """
    return rules.size_grid.coerce(value, field)


def _raw_of(value: Any) -> int | None:
    return None if value is None else int(value.raw)


def exchange_filter(info: Any, filter_type: LotFilter) -> Mapping[str, Any] | None:
    """One filter of a Binance symbol entry (``{"filters": [{"filterType": ...}, ...]}``, what
    Binance's adapter keeps in ``instrument.info``), or ``None`` when ``info`` has none."""
    if not isinstance(info, Mapping):
        return None
    filters = info.get("filters")
    if not isinstance(filters, (list, tuple)):
        return None
    for entry in filters:
        if isinstance(entry, Mapping) and entry.get("filterType") == filter_type.value:
            return entry
    return None


def market_lot_raws(
    info: Any, fixed_precision: int,
) -> tuple[int | None, int | None, int | None]:
    """``(stepSize, minQty, maxQty)`` of the symbol's MARKET_LOT_SIZE as raws at
    ``fixed_precision``; ``None`` for each one absent, zero (Binance: disabled) or unreadable
    (the rules then use LOT_SIZE's)."""
    entry = exchange_filter(info, LotFilter.MARKET_LOT_SIZE)
    if entry is None:
        return None, None, None
    scalar = 10**fixed_precision

    def raw(key: str) -> int | None:
        value, _ = to_raw(entry.get(key), fixed_precision, scalar)
        return value if value is not None and value > 0 else None

    return raw("stepSize"), raw("minQty"), raw("maxQty")


def rules_of_instrument(
    instrument: Any, *, fixed_precision: int, price_limit_raw: int, quantity_limit_raw: int,
) -> InstrumentRules:
    """The rules of a Nautilus instrument of either generation, read by attribute name (both
    name its filters the same: ``price_increment``, ``min_quantity``, ``min_notional``, ...,
    each value with a ``.raw``, and keep a venue's own data in ``info``); the binding gives its
    fixed precision and largest values. MARKET_LOT_SIZE comes from ``info`` when Binance's
    adapter put the symbol's filters there (NautilusTrader 1's does; 2.0.0rc6's leaves ``info``
    empty), else market-type orders follow LOT_SIZE."""
    money = instrument.min_notional if instrument.min_notional is not None else (
        instrument.max_notional
    )
    market_step, market_min, market_max = market_lot_raws(
        getattr(instrument, "info", None), fixed_precision,
    )
    return InstrumentRules.build(
        instrument_id=str(instrument.id),
        fixed_precision=fixed_precision,
        price_precision=int(instrument.price_precision),
        size_precision=int(instrument.size_precision),
        tick_raw=int(instrument.price_increment.raw),
        step_raw=int(instrument.size_increment.raw),
        min_qty_raw=_raw_of(instrument.min_quantity),
        max_qty_raw=_raw_of(instrument.max_quantity),
        min_price_raw=_raw_of(instrument.min_price),
        max_price_raw=_raw_of(instrument.max_price),
        min_notional_raw=_raw_of(instrument.min_notional),
        max_notional_raw=_raw_of(instrument.max_notional),
        notional_currency=None if money is None else money.currency.code,
        quote_currency=instrument.quote_currency.code,
        is_inverse=bool(instrument.is_inverse),
        multiplier_raw=_raw_of(instrument.multiplier),
        price_limit_raw=price_limit_raw,
        quantity_limit_raw=quantity_limit_raw,
        market_step_raw=market_step,
        market_min_qty_raw=market_min,
        market_max_qty_raw=market_max,
    )


def coerce_raw(grid: Grid, value: Any, field: str, fixed_types: tuple[type, ...]) -> int:
    """A user number, or a binding's fixed-point value (one of ``fixed_types``: its ``Price`` /
    ``Quantity``) at any precision, as an exact raw on ``grid``; never rounds."""
    if isinstance(value, fixed_types):
        fixed: Any = value  # a Price / Quantity of the binding's generation
        raw = int(fixed.raw)
        if fixed.precision <= grid.precision or raw % grid.unit_raw == 0:
            grid.check_raw(raw, field, fixed)
            return raw
        value = fixed.as_decimal()  # too precise: name the nearest valid values
    return grid.coerce(value, field)


def fixed_raw(grid: Grid, value: Any, field: str) -> int | None:
    """The raw of a fixed-point value an order already carries, refusing a precision above
    the instrument's as Nautilus' RiskEngine would (the grid itself is the validator's check)."""
    if value is None:
        return None
    raw = int(value.raw)
    if value.precision > grid.precision:
        grid.check_fixed(raw, value.precision, field, value)
    return raw


__all__ = [
    "LOT_FILTER",
    "Grid",
    "InstrumentRules",
    "LotFilter",
    "coerce_price_raw",
    "coerce_quantity_raw",
    "coerce_raw",
    "exchange_filter",
    "fixed_raw",
    "market_lot_raws",
    "not_a_number",
    "rules_of_instrument",
]
