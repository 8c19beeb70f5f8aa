"""The capability tables are pinned to the adapter's own constants and enum parsers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from nautilus_trader.adapters.binance.common.constants import (
    BINANCE_FUTURES_ALGO_ORDER_TYPES,
    BINANCE_MAX_CALLBACK_RATE,
    BINANCE_MIN_CALLBACK_RATE,
    BINANCE_PRICE_MATCH_ORDER_TYPES,
    BINANCE_PRICE_MATCH_VALUES,
)
from nautilus_trader.adapters.binance.futures.enums import BinanceFuturesEnumParser
from nautilus_trader.adapters.binance.spot.enums import BinanceSpotEnumParser

from nautilus_exec_kit.core.capabilities import PROFILES, VenueCapabilities, capabilities_for
from nautilus_exec_kit.core.errors import ConfigurationError
from nautilus_exec_kit.core.params import PRICE_MATCH_VALUES
from nautilus_exec_kit.core.vocab import OrderType, TimeInForce, TriggerType
from nautilus_exec_kit.validation import ORDER_TYPE, TIME_IN_FORCE


def types(adapter_set: object) -> frozenset[OrderType]:
    """The adapter's (Nautilus 1) order types in the core's words."""
    return frozenset(ORDER_TYPE[t] for t in adapter_set)  # type: ignore[attr-defined]


def tifs(adapter_set: object) -> frozenset[TimeInForce]:
    return frozenset(TIME_IN_FORCE[t] for t in adapter_set)  # type: ignore[attr-defined]

FUTURES = ("USDT_FUTURES", "COIN_FUTURES")


@pytest.mark.parametrize("name", FUTURES)
def test_futures_tables_equal_adapter_constants(name: str) -> None:
    caps = capabilities_for(name)
    parser = BinanceFuturesEnumParser()
    assert caps.order_types == types(parser.futures_valid_order_types)
    assert caps.algo_types == types(BINANCE_FUTURES_ALGO_ORDER_TYPES)
    assert caps.price_match_types == types(BINANCE_PRICE_MATCH_ORDER_TYPES)
    lo, hi = caps.trailing_offset_bps or (0, 0)
    assert Decimal(lo) / 100 == BINANCE_MIN_CALLBACK_RATE
    assert Decimal(hi) / 100 == BINANCE_MAX_CALLBACK_RATE
    # Every type's TIFs are ones the adapter accepts; non-MARKET types get all of them.
    valid_tifs = tifs(parser.futures_valid_time_in_force)
    for otype in caps.order_types:
        assert caps.time_in_force[otype] <= valid_tifs
    assert caps.time_in_force[OrderType.LIMIT] == valid_tifs
    assert TimeInForce.GTD not in caps.time_in_force[OrderType.MARKET]  # MarketOrder refuses GTD


def test_price_match_values_equal_adapter() -> None:
    assert PRICE_MATCH_VALUES == BINANCE_PRICE_MATCH_VALUES


def test_spot_table_within_adapter_parser() -> None:
    caps = capabilities_for("SPOT")
    parser = BinanceSpotEnumParser()
    assert caps.order_types == types(parser.spot_valid_order_types)
    for otype in caps.order_types:
        # GTD is left out on purpose: the Spot client silently downgrades it to GTC.
        assert caps.time_in_force[otype] <= tifs(parser.spot_valid_time_in_force)
        assert TimeInForce.GTD not in caps.time_in_force[otype]
    assert not caps.reduce_only
    assert not caps.gtd
    assert caps.algo_types == frozenset()
    assert caps.price_match_types == frozenset()
    assert caps.close_position_types == frozenset()
    assert caps.quote_quantity_types == frozenset({OrderType.MARKET})


@pytest.mark.parametrize("name", FUTURES)
def test_futures_profile_shape(name: str) -> None:
    caps = capabilities_for(name)
    assert caps.is_futures
    assert caps.reduce_only and caps.gtd
    assert not caps.display_qty and not caps.quote_quantity
    assert caps.post_only_types == frozenset({OrderType.LIMIT})
    assert caps.modifiable_types == frozenset({OrderType.LIMIT})
    assert caps.close_position_types == frozenset(
        {OrderType.STOP_MARKET, OrderType.MARKET_IF_TOUCHED},
    )
    assert caps.max_open_algo_orders == 200
    assert caps.trigger_types == frozenset(
        {TriggerType.DEFAULT, TriggerType.LAST_PRICE, TriggerType.MARK_PRICE},
    )
    assert caps.algo_types < caps.order_types


def test_permissive_offers_everything_but_checks_no_side() -> None:
    caps = capabilities_for("PERMISSIVE")
    assert caps.order_types == frozenset(OrderType)
    assert all(caps.time_in_force[t] == frozenset(TimeInForce) for t in OrderType)
    assert caps.trailing_offset_bps is None
    assert not caps.trigger_side_check
    assert not caps.is_futures


def test_profiles_keys_and_lookup() -> None:
    assert set(PROFILES) == {"SPOT", "USDT_FUTURES", "COIN_FUTURES", "PERMISSIVE"}
    assert capabilities_for("usdt_futures") is PROFILES["USDT_FUTURES"]
    for name, caps in PROFILES.items():
        assert isinstance(caps, VenueCapabilities)
        assert caps.name == name
        assert set(caps.time_in_force) == set(caps.order_types)
        assert caps.post_only_types <= caps.order_types
        assert caps.price_match_types <= caps.order_types
        assert caps.close_position_types <= caps.order_types


def test_unknown_profile_lists_valid_names() -> None:
    with pytest.raises(ConfigurationError) as info:
        capabilities_for("MARGIN")
    for name in PROFILES:
        assert name in str(info.value)


def test_profiles_are_immutable() -> None:
    caps = capabilities_for("USDT_FUTURES")
    with pytest.raises(AttributeError):
        caps.reduce_only = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        PROFILES["X"] = caps  # type: ignore[index]
