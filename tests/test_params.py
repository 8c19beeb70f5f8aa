"""close_position / price_match rules, mirroring the Binance adapter's denials."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nautilus_trader.adapters.binance.common.constants import BINANCE_PRICE_MATCH_VALUES

from nautilus_exec_kit.core.capabilities import PROFILES, capabilities_for
from nautilus_exec_kit.core.errors import OrderValidationError, ParamError
from nautilus_exec_kit.core.intent import OrderIntent
from nautilus_exec_kit.core.params import (
    PRICE_MATCH_VALUES,
    adapter_params,
    check_params,
    parse_params,
    price_match_offset_ticks,
)
from nautilus_exec_kit.core.vocab import OrderSide, OrderType, PositionSide

# raws at fixed precision 16 (the params rules never look at the numbers)
_RAW = 10**16


def _px(text: str) -> int:
    return int(float(text) * 10) * _RAW // 10


def _qty(text: str) -> int:
    return round(float(text) * 1000) * _RAW // 1000

FUT = capabilities_for("USDT_FUTURES")
SPOT = capabilities_for("SPOT")


def intent(**kw: Any) -> OrderIntent:
    base: dict[str, Any] = {
        "order_type": OrderType.LIMIT,
        "side": OrderSide.BUY,
        "quantity": _qty("0.010"),
        "price": _px("50000.0"),
    }
    base.update(kw)
    return OrderIntent(**base)


def close(**kw: Any) -> OrderIntent:
    base: dict[str, Any] = {
        "order_type": OrderType.STOP_MARKET,
        "side": OrderSide.SELL,
        "quantity": None,
        "price": None,
        "trigger_price": _px("49000.0"),
        "close_position": True,
    }
    base.update(kw)
    return intent(**base)


def test_values_equal_adapter() -> None:
    assert PRICE_MATCH_VALUES == BINANCE_PRICE_MATCH_VALUES


# -- price_match ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", sorted(BINANCE_PRICE_MATCH_VALUES))
@pytest.mark.parametrize(
    "otype", [OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED]
)
def test_price_match_accepted(value: str, otype: OrderType) -> None:
    check_params(intent(order_type=otype, price_match=value), FUT, hedge_mode=False)
    check_params(intent(order_type=otype, price_match=value.lower()), FUT, hedge_mode=False)


@pytest.mark.parametrize("value", ["BOGUS", "", "QUEUE_3", "OPPONENT_1", " QUEUE"])
def test_price_match_unknown_value(value: str) -> None:
    with pytest.raises(ParamError) as info:
        check_params(intent(price_match=value), FUT, hedge_mode=False)
    assert "QUEUE_5" in info.value.hint


@pytest.mark.parametrize(
    "otype",
    [
        OrderType.MARKET,
        OrderType.STOP_MARKET,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.TRAILING_STOP_MARKET,
    ],
)
def test_price_match_wrong_type(otype: OrderType) -> None:
    with pytest.raises(ParamError) as info:
        check_params(intent(order_type=otype, price_match="QUEUE"), FUT, hedge_mode=False)
    assert otype.name in str(info.value)


def test_price_match_not_with_post_only_or_display() -> None:
    with pytest.raises(ParamError, match="post_only"):
        check_params(intent(price_match="QUEUE", post_only=True), FUT, hedge_mode=False)
    with pytest.raises(ParamError, match="display_qty"):
        check_params(
            intent(price_match="QUEUE", display_qty=_qty("0.001")),
            FUT,
            hedge_mode=False,
        )


def test_price_match_futures_only() -> None:
    with pytest.raises(ParamError, match="SPOT"):
        check_params(intent(price_match="QUEUE"), SPOT, hedge_mode=False)


# -- close_position ----------------------------------------------------------------------------


@pytest.mark.parametrize("otype", [OrderType.STOP_MARKET, OrderType.MARKET_IF_TOUCHED])
def test_close_position_types(otype: OrderType) -> None:
    check_params(close(order_type=otype), FUT, hedge_mode=False)


@pytest.mark.parametrize(
    "otype",
    [OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP_MARKET],
)
def test_close_position_wrong_type(otype: OrderType) -> None:
    with pytest.raises(ParamError) as info:
        check_params(close(order_type=otype), FUT, hedge_mode=False)
    assert "STOP_MARKET" in info.value.hint


def test_close_position_not_with_reduce_only() -> None:
    with pytest.raises(ParamError, match="reduce_only"):
        check_params(close(reduce_only=True), FUT, hedge_mode=False)


def test_close_position_quantity_may_be_given_or_not() -> None:
    check_params(close(quantity=None), FUT, hedge_mode=False)
    check_params(close(quantity=_qty("0.010")), FUT, hedge_mode=False)


@pytest.mark.parametrize(
    ("leg", "side", "ok"),
    [
        (PositionSide.LONG, OrderSide.SELL, True),
        (PositionSide.LONG, OrderSide.BUY, False),
        (PositionSide.SHORT, OrderSide.BUY, True),
        (PositionSide.SHORT, OrderSide.SELL, False),
    ],
)
def test_close_position_hedge_side(leg: PositionSide, side: OrderSide, ok: bool) -> None:
    order = close(side=side)
    if ok:
        check_params(order, FUT, hedge_mode=True, position_side=leg)
    else:
        with pytest.raises(ParamError) as info:
            check_params(order, FUT, hedge_mode=True, position_side=leg)
        assert leg.name in str(info.value)
    # one-way mode: the side decides what is closed; nothing to refuse
    check_params(order, FUT, hedge_mode=False, position_side=leg)


def test_close_position_futures_only() -> None:
    with pytest.raises(ParamError):
        check_params(close(), SPOT, hedge_mode=False)


# -- parse_params / adapter_params / offsets -----------------------------------------------------


def test_parse_params_mirrors_adapter_types() -> None:
    assert parse_params(None) == (False, None)
    assert parse_params({}) == (False, None)
    assert parse_params({"close_position": True, "price_match": "queue_5"}) == (True, "QUEUE_5")
    assert parse_params({"close_position": None, "price_match": None}) == (False, None)
    with pytest.raises(ParamError):
        parse_params({"close_position": "true"})
    with pytest.raises(ParamError):
        parse_params({"close_position": 1})
    with pytest.raises(ParamError):
        parse_params({"price_match": 5})
    with pytest.raises(ParamError) as info:
        parse_params({"closePosition": True})
    assert "close_position" in info.value.hint
    assert parse_params({"other": 1}, allow_unknown=True) == (False, None)


def test_adapter_params() -> None:
    assert adapter_params(intent()) is None
    assert adapter_params(intent(price_match="queue")) == {"price_match": "QUEUE"}
    assert adapter_params(close()) == {"close_position": True}
    # round trip: what we emit is what we parse
    emitted = adapter_params(close(price_match="OPPONENT"))
    assert parse_params(emitted) == (True, "OPPONENT")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("OPPONENT", ("OPPONENT", 1)),
        ("OPPONENT_5", ("OPPONENT", 5)),
        ("OPPONENT_10", ("OPPONENT", 10)),
        ("OPPONENT_20", ("OPPONENT", 20)),
        ("QUEUE", ("QUEUE", 1)),
        ("queue_5", ("QUEUE", 5)),
        ("QUEUE_10", ("QUEUE", 10)),
        ("QUEUE_20", ("QUEUE", 20)),
    ],
)
def test_price_match_offset_ticks(value: str, expected: tuple[str, int]) -> None:
    assert price_match_offset_ticks(value) == expected


def test_price_match_offset_ticks_rejects_unknown() -> None:
    with pytest.raises(ParamError):
        price_match_offset_ticks("QUEUE_3")


# -- properties --------------------------------------------------------------------------------

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(sorted(PRICE_MATCH_VALUES)),
    st.lists(st.integers(), max_size=2),
)
_keys = st.one_of(
    st.sampled_from(["close_position", "price_match", "closePosition", "priceMatch"]),
    st.text(max_size=10),
)


@settings(max_examples=300, deadline=None)
@given(params=st.dictionaries(_keys, _values, max_size=4))
def test_parse_params_property(params: dict[str, Any]) -> None:
    try:
        close_position, price_match = parse_params(params)
    except ParamError as err:
        assert err.field and err.hint
        return
    # only known keys survive, with the adapter's types
    assert set(params) <= {"close_position", "price_match"}
    assert isinstance(close_position, bool)
    assert price_match is None or (
        isinstance(price_match, str) and price_match == price_match.upper()
    )


@settings(max_examples=300, deadline=None)
@given(
    params=st.dictionaries(st.sampled_from(["close_position", "price_match"]), _values, max_size=2),
    otype=st.sampled_from(list(OrderType)),
    side=st.sampled_from([OrderSide.BUY, OrderSide.SELL]),
    reduce_only=st.booleans(),
    post_only=st.booleans(),
    profile=st.sampled_from(sorted(PROFILES)),
    hedge=st.booleans(),
    leg=st.sampled_from([None, PositionSide.LONG, PositionSide.SHORT]),
)
def test_check_params_property(
    params: dict[str, Any],
    otype: OrderType,
    side: OrderSide,
    reduce_only: bool,
    post_only: bool,
    profile: str,
    hedge: bool,
    leg: PositionSide | None,
) -> None:
    caps = PROFILES[profile]
    try:
        close_position, price_match = parse_params(params)
        order = intent(
            order_type=otype,
            side=side,
            reduce_only=reduce_only,
            post_only=post_only,
            close_position=close_position,
            price_match=price_match,
        )
        check_params(order, caps, hedge, position_side=leg)
    except OrderValidationError as err:
        assert isinstance(err, ParamError)
        return
    # Whatever passed obeys every rule.
    if close_position:
        assert otype in caps.close_position_types and not reduce_only
        if hedge and leg is PositionSide.LONG:
            assert side == OrderSide.SELL
        if hedge and leg is PositionSide.SHORT:
            assert side == OrderSide.BUY
    if price_match is not None:
        assert price_match in PRICE_MATCH_VALUES
        assert otype in caps.price_match_types and not post_only
    assert adapter_params(order) == (
        ({"close_position": True} if close_position else {})
        | ({"price_match": price_match} if price_match else {})
        or None
    )
