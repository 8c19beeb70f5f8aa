"""MARKET_LOT_SIZE: market-type orders follow Binance's second lot filter (its own step, min and
max; BTCUSDT: at most 120 BTC at market where LOT_SIZE allows 1000), at both Nautilus scales.

An instrument without the filter (no ``info``) keeps every order on LOT_SIZE, as before.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_exec_kit.core import errors as E
from nautilus_exec_kit.core.capabilities import capabilities_for
from nautilus_exec_kit.core.intent import MarketSnapshot, OrderIntent
from nautilus_exec_kit.core.rules import LOT_FILTER, InstrumentRules, LotFilter, market_lot_raws
from nautilus_exec_kit.core.validator import OrderValidator
from nautilus_exec_kit.core.vocab import OrderSide, OrderType, TrailingOffsetType
from tests.core.test_rules_and_validator import btcusdt, raw

FUT = capabilities_for("USDT_FUTURES")
MKT = MarketSnapshot(bid=49999.9, ask=50000.0, last=50000.0, mark=50010.0)
MARKET_TYPES = {
    OrderType.MARKET, OrderType.STOP_MARKET, OrderType.MARKET_IF_TOUCHED,
    OrderType.TRAILING_STOP_MARKET, OrderType.MARKET_TO_LIMIT,
}

#: What Binance's adapter keeps in ``instrument.info`` (the exchangeInfo symbol entry; here a
#: market step coarser than LOT_SIZE's, so the step and minimum rules are exercised too).
INFO: dict[str, Any] = {"symbol": "BTCUSDT", "filters": [
    {"filterType": "PRICE_FILTER", "minPrice": "261.10", "maxPrice": "809484", "tickSize": "0.10"},
    {"filterType": "LOT_SIZE", "minQty": "0.001", "maxQty": "1000", "stepSize": "0.001"},
    {"filterType": "MARKET_LOT_SIZE", "minQty": "0.010", "maxQty": "120", "stepSize": "0.010"},
    {"filterType": "MIN_NOTIONAL", "notional": "100"},
]}


RULES = {fp: btcusdt(fp, INFO) for fp in (9, 16)}
PLAIN = {fp: btcusdt(fp) for fp in (9, 16)}


def intent(otype: OrderType, qty: str | Decimal, fp: int, **kw: Any) -> OrderIntent:
    """A valid order of ``otype`` for MKT (a SELL: stops below, take-profits above the market),
    reduce-only so that min notional never decides."""
    fields: dict[str, Any] = {"reduce_only": True}
    if otype in (OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED):
        fields["price"] = raw("50100.0", fp)
    if otype in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT):
        fields["trigger_price"] = raw("49900.0", fp)
    if otype in (OrderType.MARKET_IF_TOUCHED, OrderType.LIMIT_IF_TOUCHED):
        fields["trigger_price"] = raw("50100.0", fp)
    if otype is OrderType.TRAILING_STOP_MARKET:
        fields["trailing_offset"] = Decimal(100)
        fields["trailing_offset_type"] = TrailingOffsetType.BASIS_POINTS
    fields.update(kw)
    return OrderIntent(otype, OrderSide.SELL, raw(qty, fp), **fields)


def refusal(rules: InstrumentRules, order: OrderIntent) -> E.OrderValidationError | None:
    try:
        OrderValidator(rules, FUT).check(order, MKT)
    except E.OrderValidationError as error:
        return error
    return None


def test_every_order_type_has_its_lot_filter() -> None:
    assert set(LOT_FILTER) == set(OrderType)
    assert {t for t, f in LOT_FILTER.items() if f is LotFilter.MARKET_LOT_SIZE} == MARKET_TYPES


@pytest.mark.parametrize("fp", [9, 16])
def test_market_lot_size_is_read_from_the_adapters_info(fp: int) -> None:
    s = 10**fp
    assert market_lot_raws(INFO, fp) == (s // 100, s // 100, 120 * s)
    missing: list[Any] = [None, {}, {"filters": []}, {"filters": "x"}, "text",
                          {"filters": [{"filterType": "LOT_SIZE", "maxQty": "1"}]}]
    for info in missing:
        assert market_lot_raws(info, fp) == (None, None, None)
    disabled = {"filters": [{"filterType": "MARKET_LOT_SIZE", "minQty": "0", "maxQty": "0",
                             "stepSize": "abc"}]}
    assert market_lot_raws(disabled, fp) == (None, None, None)
    assert PLAIN[fp].market_size_grid is PLAIN[fp].size_grid


@pytest.mark.parametrize("fp", [9, 16])
def test_market_type_orders_above_the_market_max_are_refused_limits_pass(fp: int) -> None:
    rules = RULES[fp]
    for otype in (OrderType.STOP_MARKET, OrderType.MARKET_IF_TOUCHED,
                  OrderType.TRAILING_STOP_MARKET, OrderType.MARKET):
        assert refusal(rules, intent(otype, "120.000", fp)) is None
        error = refusal(rules, intent(otype, "120.010", fp))
        assert isinstance(error, E.MarketQuantityOutOfRange), (otype, error)
        assert str(error) == (
            "quantity=120.010: above the maximum 120.000 for market-type orders "
            "(MARKET_LOT_SIZE); use 120.000 (or split the order, or use a limit order: "
            "LOT_SIZE allows up to 1000.000)"
        )
        assert error.binance_code == -4005
    for otype in (OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED):
        assert refusal(rules, intent(otype, "999.999", fp)) is None
    # Without MARKET_LOT_SIZE (TestInstrumentProvider-like instruments): LOT_SIZE, as before.
    assert refusal(PLAIN[fp], intent(OrderType.MARKET, "999.999", fp)) is None
    error = refusal(PLAIN[fp], intent(OrderType.MARKET, "1000.001", fp))
    assert type(error) is E.QuantityOutOfRange
    assert str(error) == (
        "quantity=1000.001: above the maximum 1000.000; use 1000.000 (or split the order)"
    )


@pytest.mark.parametrize("fp", [9, 16])
def test_market_step_and_minimum(fp: int) -> None:
    rules = RULES[fp]
    error = refusal(rules, intent(OrderType.MARKET, "1.005", fp))
    assert isinstance(error, E.MarketQuantityNotOnStep)
    assert isinstance(error, E.QuantityNotOnStep)  # caught by the existing handlers too
    assert str(error) == (
        "quantity=1.005: not a multiple of step 0.010 for market-type orders (MARKET_LOT_SIZE); "
        "use 1.000 or 1.010"
    )
    assert refusal(rules, intent(OrderType.LIMIT, "1.005", fp)) is None
    # 0.005 is off the market step too: the step is checked first, then the minimum.
    assert str(refusal(rules, intent(OrderType.MARKET, "0.005", fp))).endswith("use 0.010")


@pytest.mark.parametrize("fp", [9, 16])
def test_a_limit_order_above_lot_size_hears_of_the_market_max(fp: int) -> None:
    error = refusal(RULES[fp], intent(OrderType.LIMIT, "1000.001", fp))
    assert type(error) is E.QuantityOutOfRange
    assert error is not None and error.hint == (
        "use 1000.000 (or split the order; MARKET_LOT_SIZE holds market-type orders to 120.000)"
    )


@pytest.mark.parametrize("fp", [9, 16])
def test_a_close_position_quantity_follows_lot_size_only(fp: int) -> None:
    """Binance closes what is held when a closePosition order triggers (the adapter sends no
    quantity): the quantity the kit carries for a simulated venue is not held to the market
    max, as the sandbox does not hold it."""
    rules = RULES[fp]
    stop = intent(OrderType.STOP_MARKET, "500.000", fp, reduce_only=False, close_position=True)
    assert refusal(rules, stop) is None
    assert isinstance(refusal(rules, stop._replace(quantity=raw("1000.001", fp))),
                      E.QuantityOutOfRange)
    assert isinstance(refusal(rules, stop._replace(close_position=False, reduce_only=True)),
                      E.MarketQuantityOutOfRange)


@pytest.mark.parametrize("fp", [9, 16])
def test_the_min_notional_hint_is_on_the_market_step(fp: int) -> None:
    """0.010 at ask 4000 is 40 USDT: 100 needs 0.025 on LOT_SIZE's step, 0.030 on the market
    step a MARKET order follows."""
    rules = RULES[fp]
    low = MarketSnapshot(bid=3999.9, ask=4000.0, last=4000.0)
    order = OrderIntent(OrderType.MARKET, OrderSide.BUY, raw("0.010", fp))
    with pytest.raises(E.NotionalTooSmall, match=r"use 0\.030 or more"):
        OrderValidator(rules, FUT).check(order, low)
    limit = OrderIntent(OrderType.LIMIT, OrderSide.BUY, raw("0.010", fp), raw("4000.0", fp))
    with pytest.raises(E.NotionalTooSmall, match=r"use 0\.025 or more"):
        OrderValidator(rules, FUT).check(limit, low)


_ORDER_TYPES = sorted(FUT.order_types, key=lambda t: t.value)
_UNITS = 1000  # quantities in LOT_SIZE steps of 0.001
#: Around each bound that decides: the market minimum (10) and maximum (120 000), LOT_SIZE's
#: minimum (1) and maximum (1 000 000), and the market step (every 10 units).
_AROUND = st.sampled_from([1, 10, 120_000, 1_000_000]).flatmap(
    lambda bound: st.integers(bound - 25, bound + 25),
)


def _suggested(hint: str) -> list[str]:
    match = re.match(r"use ([0-9.]+)(?: or ([0-9.]+))?", hint)
    assert match is not None, hint
    return [value for value in match.groups() if value]


@settings(max_examples=500, deadline=None)
@given(
    units=st.one_of(_AROUND, st.integers(1, 1_100_000)),
    otype=st.sampled_from(_ORDER_TYPES),
)
def test_quantities_around_the_bounds_follow_the_order_types_filter(
    units: int, otype: OrderType,
) -> None:
    """Every offered order type, quantities near each bound: the verdict is the one the type's
    filter gives (a model written from Binance's rules), the same at both scales, and every
    quantity an error suggests passes."""
    qty = Decimal(units) / _UNITS
    market = otype in MARKET_TYPES
    step, lo, hi = (Decimal("0.010"), Decimal("0.010"), Decimal(120)) if market else (
        Decimal("0.001"), Decimal("0.001"), Decimal(1000))
    if qty % step:
        expected: type[E.OrderValidationError] | None = (
            E.MarketQuantityNotOnStep if market else E.QuantityNotOnStep)
    elif not lo <= qty <= hi:
        expected = E.MarketQuantityOutOfRange if market else E.QuantityOutOfRange
    else:
        expected = None
    messages = set()
    for fp, rules in RULES.items():
        error = refusal(rules, intent(otype, qty, fp))
        assert (type(error) if error else None) is expected, (qty, otype, error)
        if error is None:
            continue
        messages.add(str(error))
        for value in _suggested(error.hint):
            assert refusal(rules, intent(otype, value, fp)) is None, (qty, otype, error)
    assert len(messages) <= 1, messages
