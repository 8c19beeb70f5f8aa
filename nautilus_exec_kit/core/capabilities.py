"""What each Binance account type accepts, as data.

Every pre-trade capability check asks "is X in this profile's table"; nothing here is an
if-chain. The tables are derived from the pinned adapter (``nautilus_trader==1.231.0``;
2.0.0rc6 has the same constants), which is the authority where it disagrees with the
integration guides:

* order types / TIFs: ``BinanceFuturesEnumParser.futures_valid_order_types`` /
  ``futures_valid_time_in_force`` and the Spot parser's ``spot_valid_*`` sets
  (``adapters/binance/{futures,spot}/enums.py``), checked by ``_check_order_validity``;
* post_only: futures accept it on LIMIT only (``UNSUPPORTED_POST_ONLY``), although the newer guide
  lists STOP_LIMIT post-only "Futures only"; Spot denies STOP_LIMIT post-only;
* algo types, price-match types/values and callback-rate bounds: ``adapters/binance/common/
  constants.py`` (``BINANCE_FUTURES_ALGO_ORDER_TYPES``, ``BINANCE_PRICE_MATCH_ORDER_TYPES``,
  ``BINANCE_MIN/MAX_CALLBACK_RATE``); ``tests/test_capabilities.py`` pins the tables to them;
* close_position: ``_extract_close_position`` allows STOP_MARKET and MARKET_IF_TOUCHED only;
* modify: ``_modify_order`` amends LIMIT orders only (plus already-triggered STOP_LIMIT /
  LIMIT_IF_TOUCHED children, which the kit cannot know up front, so they are not listed).

Example::

    caps = capabilities_for("USDT_FUTURES")
    OrderType.TRAILING_STOP_MARKET in caps.order_types        # True
    caps.time_in_force[OrderType.LIMIT]                       # GTC, GTD, FOK, IOC
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from nautilus_exec_kit.core.errors import ConfigurationError
from nautilus_exec_kit.core.vocab import OrderType, TimeInForce, TriggerType

_ALL_ORDER_TYPES: Final = frozenset(OrderType)
_ALL_TIFS: Final = frozenset(TimeInForce)
_ALL_TRIGGER_TYPES: Final = frozenset(TriggerType)

#: Types that need a limit price when created (MARKET_TO_LIMIT and TRAILING_STOP_LIMIT get
#: theirs later, from the fill or the trail).
LIMIT_PRICE_TYPES: Final = frozenset(
    {OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED},
)
#: Types that need a trigger price (trailing stops use ``activation_price`` instead on Binance).
TRIGGER_PRICE_TYPES: Final = frozenset(
    {
        OrderType.STOP_MARKET,
        OrderType.STOP_LIMIT,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.LIMIT_IF_TOUCHED,
    },
)
#: Stop orders trigger when the market moves *against* the order side (BUY above, SELL below).
STOP_TYPES: Final = frozenset({OrderType.STOP_MARKET, OrderType.STOP_LIMIT})
#: Take-profit (if-touched) orders trigger the other way (BUY below, SELL above).
IF_TOUCHED_TYPES: Final = frozenset({OrderType.MARKET_IF_TOUCHED, OrderType.LIMIT_IF_TOUCHED})
TRAILING_TYPES: Final = frozenset({OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT})

# Nautilus' MarketOrder refuses GTD in its constructor; Binance sends no TIF for MARKET anyway.
_BINANCE_TIFS: Final = frozenset(
    {TimeInForce.GTC, TimeInForce.GTD, TimeInForce.FOK, TimeInForce.IOC},
)
_MARKET_TIFS: Final = frozenset({TimeInForce.GTC, TimeInForce.FOK, TimeInForce.IOC})

_FUTURES_ORDER_TYPES: Final = frozenset(
    {
        OrderType.MARKET,
        OrderType.LIMIT,
        OrderType.STOP_MARKET,
        OrderType.STOP_LIMIT,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.LIMIT_IF_TOUCHED,
        OrderType.TRAILING_STOP_MARKET,
    },
)
# The Spot/Margin client: no STOP_MARKET, MIT or trailing (guide 000 claims STOP_MARKET on
# Margin; the adapter's spot_valid_order_types does not have it).
_SPOT_ORDER_TYPES: Final = frozenset(
    {OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED},
)
# Copies of the adapter's constants (kept literal so the kit imports no adapter module at runtime;
# the test suite asserts equality with the adapter).
_FUTURES_ALGO_TYPES: Final = frozenset(
    {
        OrderType.STOP_MARKET,
        OrderType.STOP_LIMIT,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.LIMIT_IF_TOUCHED,
        OrderType.TRAILING_STOP_MARKET,
    },
)
_PRICE_MATCH_TYPES: Final = frozenset(
    {OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED},
)
_CLOSE_POSITION_TYPES: Final = frozenset({OrderType.STOP_MARKET, OrderType.MARKET_IF_TOUCHED})
# BINANCE_MIN_CALLBACK_RATE = 0.1 % and BINANCE_MAX_CALLBACK_RATE = 10.0 %, in basis points.
_CALLBACK_RATE_BPS: Final = (10, 1000)
# The adapter only accepts these for stop / trailing orders (INVALID_TRIGGER_TYPE otherwise):
# DEFAULT and LAST_PRICE map to workingType CONTRACT_PRICE, MARK_PRICE to MARK_PRICE.
_FUTURES_TRIGGER_TYPES: Final = frozenset(
    {TriggerType.DEFAULT, TriggerType.LAST_PRICE, TriggerType.MARK_PRICE},
)
# Binance rejects a goodTillDate less than 600 s in the future (-5040 on USDT-M).
_GTD_MIN_LEAD_NS: Final = 600 * 1_000_000_000


def _tif_table(
    order_types: frozenset[OrderType],
    tifs: frozenset[TimeInForce],
) -> Mapping[OrderType, frozenset[TimeInForce]]:
    table = {t: (tifs & _MARKET_TIFS if t == OrderType.MARKET else tifs) for t in order_types}
    return MappingProxyType(table)


@attrs.frozen
class VenueCapabilities:
    """What one Binance account type (or a permissive simulated venue) accepts.

    Attributes
    ----------
    name : str
        Profile key (``"USDT_FUTURES"``, ``"COIN_FUTURES"``, ``"SPOT"``, ``"PERMISSIVE"``).
    order_types : frozenset[OrderType]
        Order types the exec client submits (others are denied ``UNSUPPORTED_ORDER_TYPE``).
    time_in_force : Mapping[OrderType, frozenset[TimeInForce]]
        TIFs accepted per order type.
    post_only_types : frozenset[OrderType]
        Types on which ``post_only`` is allowed (futures send it as TIF GTX).
    post_only_tifs : frozenset[TimeInForce]
        TIFs a ``post_only`` order may carry. Binance has no post-only flag: the adapter sends
        futures post-only as TIF GTX and Spot as LIMIT_MAKER, silently replacing the order's
        own TIF, so only GTC keeps its meaning (an IOC or GTD post-only order would rest as a
        GTX / maker order instead).
    reduce_only : bool
        Whether ``reduceOnly`` exists (futures only; Spot silently drops it, so the kit refuses).
    display_qty : bool
        Iceberg orders. Binance USDT-M/COIN-M have no ``icebergQty``; only Spot does.
    quote_quantity : bool
        Quantity in quote currency (``quoteOrderQty``): Spot MARKET only.
    gtd : bool
        Native GTD with ``goodTillDate``. The Spot client downgrades GTD to GTC with a warning;
        the kit refuses it there instead of silently changing the order.
    modifiable_types : frozenset[OrderType]
        Types the venue can amend in place (futures: LIMIT).
    algo_types : frozenset[OrderType]
        Conditional types routed to Binance's Algo Order API (``/fapi/v1/algoOrder``).
    max_open_algo_orders : int | None
        Cap of open conditional orders per symbol. 200 on USDT-M (Binance Algo Service notice,
        error -4045 ``MAX_STOP_ORDER_EXCEEDED``). Note exchangeInfo's legacy
        ``MAX_NUM_ALGO_ORDERS`` filter reports 10; prefer the symbol's filter when you have it.
    price_match_types : frozenset[OrderType]
        Types that accept ``params={"price_match": ...}``.
    close_position_types : frozenset[OrderType]
        Types that accept ``params={"close_position": True}``.
    trailing_offset_bps : tuple[int, int] | None
        Inclusive callback-rate bounds in basis points; ``None`` = not checked.
    trigger_types : frozenset[TriggerType]
        Trigger types accepted on triggered / trailing orders.
    quote_quantity_types : frozenset[OrderType]
        Types on which ``quote_quantity`` is honoured.
    display_qty_types : frozenset[OrderType]
        Types on which an iceberg ``display_qty`` is honoured.
    trigger_side_check : bool
        Refuse triggers on the wrong side of the market (Binance -2021). Off for PERMISSIVE.
    gtd_min_lead_ns : int
        Minimum distance of a GTD ``expire_time_ns`` from now. Set it to 0 (``attrs.evolve``)
        when the live client runs with ``use_gtd=False`` (the kit then expires orders locally).
    """

    name: str
    order_types: frozenset[OrderType]
    time_in_force: Mapping[OrderType, frozenset[TimeInForce]]
    post_only_types: frozenset[OrderType]
    reduce_only: bool
    display_qty: bool
    quote_quantity: bool
    gtd: bool
    modifiable_types: frozenset[OrderType]
    algo_types: frozenset[OrderType]
    max_open_algo_orders: int | None
    price_match_types: frozenset[OrderType]
    close_position_types: frozenset[OrderType]
    trailing_offset_bps: tuple[int, int] | None
    trigger_types: frozenset[TriggerType] = _ALL_TRIGGER_TYPES
    quote_quantity_types: frozenset[OrderType] = frozenset()
    display_qty_types: frozenset[OrderType] = frozenset()
    trigger_side_check: bool = True
    gtd_min_lead_ns: int = 0
    post_only_tifs: frozenset[TimeInForce] = _ALL_TIFS

    @property
    def is_futures(self) -> bool:
        """True for the USDT-M / COIN-M profiles (reduce_only, params, algo orders exist)."""
        return self.name in ("USDT_FUTURES", "COIN_FUTURES")


#: The only TIF a Binance post-only order keeps (the adapter replaces it with GTX / LIMIT_MAKER).
_POST_ONLY_TIFS: Final = frozenset({TimeInForce.GTC})


def _futures(name: str) -> VenueCapabilities:
    return VenueCapabilities(
        name=name,
        order_types=_FUTURES_ORDER_TYPES,
        time_in_force=_tif_table(_FUTURES_ORDER_TYPES, _BINANCE_TIFS),
        post_only_types=frozenset({OrderType.LIMIT}),
        reduce_only=True,
        display_qty=False,
        quote_quantity=False,
        gtd=True,
        modifiable_types=frozenset({OrderType.LIMIT}),
        algo_types=_FUTURES_ALGO_TYPES,
        max_open_algo_orders=200,
        price_match_types=_PRICE_MATCH_TYPES,
        close_position_types=_CLOSE_POSITION_TYPES,
        trailing_offset_bps=_CALLBACK_RATE_BPS,
        trigger_types=_FUTURES_TRIGGER_TYPES,
        gtd_min_lead_ns=_GTD_MIN_LEAD_NS,
        post_only_tifs=_POST_ONLY_TIFS,
    )


_SPOT_TIFS: Final = _BINANCE_TIFS - {TimeInForce.GTD}

PROFILES: Final[Mapping[str, VenueCapabilities]] = MappingProxyType(
    {
        "USDT_FUTURES": _futures("USDT_FUTURES"),
        "COIN_FUTURES": _futures("COIN_FUTURES"),
        "SPOT": VenueCapabilities(
            name="SPOT",
            order_types=_SPOT_ORDER_TYPES,
            time_in_force=_tif_table(_SPOT_ORDER_TYPES, _SPOT_TIFS),
            post_only_types=frozenset({OrderType.LIMIT}),
            reduce_only=False,
            display_qty=True,
            quote_quantity=True,
            gtd=False,
            modifiable_types=frozenset(),
            algo_types=frozenset(),
            max_open_algo_orders=None,
            price_match_types=frozenset(),
            close_position_types=frozenset(),
            trailing_offset_bps=None,
            # The Spot client sends no workingType; any trigger type works as "last price".
            trigger_types=_ALL_TRIGGER_TYPES,
            quote_quantity_types=frozenset({OrderType.MARKET}),
            display_qty_types=frozenset(
                {OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED},
            ),
            post_only_tifs=_POST_ONLY_TIFS,
        ),
        # Instrument filters only: for simulated venues the kit has no profile for.
        "PERMISSIVE": VenueCapabilities(
            name="PERMISSIVE",
            order_types=_ALL_ORDER_TYPES,
            time_in_force=MappingProxyType({t: _ALL_TIFS for t in _ALL_ORDER_TYPES}),
            post_only_types=_ALL_ORDER_TYPES,
            reduce_only=True,
            display_qty=True,
            quote_quantity=True,
            gtd=True,
            modifiable_types=_ALL_ORDER_TYPES,
            algo_types=frozenset(),
            max_open_algo_orders=None,
            price_match_types=_ALL_ORDER_TYPES,
            close_position_types=_ALL_ORDER_TYPES,
            trailing_offset_bps=None,
            trigger_types=_ALL_TRIGGER_TYPES,
            quote_quantity_types=_ALL_ORDER_TYPES,
            display_qty_types=_ALL_ORDER_TYPES,
            trigger_side_check=False,
        ),
    },
)


def capabilities_for(account_type: str) -> VenueCapabilities:
    """Return the profile for ``account_type`` (case-insensitive).

    Raises
    ------
    ConfigurationError
        If the name is unknown; the message lists the valid names.
    """
    try:
        return PROFILES[account_type.upper()]
    except (KeyError, AttributeError):
        valid = ", ".join(sorted(PROFILES))
        raise ConfigurationError(
            f"account_type={account_type!r} is not a known capability profile; use one of {valid}",
        ) from None


__all__ = [
    "IF_TOUCHED_TYPES",
    "LIMIT_PRICE_TYPES",
    "PROFILES",
    "STOP_TYPES",
    "TRAILING_TYPES",
    "TRIGGER_PRICE_TYPES",
    "VenueCapabilities",
    "capabilities_for",
]
