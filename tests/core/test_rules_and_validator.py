"""The core's rules and validator on plain integers, at both Nautilus scales (1e9 and 1e16)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_exec_kit.core import errors as E
from nautilus_exec_kit.core.capabilities import capabilities_for
from nautilus_exec_kit.core.fixed import format_raw
from nautilus_exec_kit.core.intent import MarketSnapshot, OrderIntent
from nautilus_exec_kit.core.rules import InstrumentRules, market_lot_raws
from nautilus_exec_kit.core.validator import OrderValidator
from nautilus_exec_kit.core.vocab import (
    OrderSide,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)

FUT = capabilities_for("USDT_FUTURES")
MKT = MarketSnapshot(bid=49999.9, ask=50000.0, last=50000.0, mark=50010.0)


def btcusdt(fixed_precision: int, info: Any = None) -> InstrumentRules:
    """BTCUSDT-PERP's Binance filters (tick 0.1, step 0.001, 0.001..1000, min notional 100),
    plus the MARKET_LOT_SIZE of ``info`` (an exchangeInfo symbol entry) as the bindings read it."""
    s = 10**fixed_precision
    market_step, market_min, market_max = market_lot_raws(info, fixed_precision)
    return InstrumentRules.build(
        instrument_id="BTCUSDT-PERP.BINANCE", fixed_precision=fixed_precision,
        price_precision=1, size_precision=3, tick_raw=s // 10, step_raw=s // 1000,
        min_qty_raw=s // 1000, max_qty_raw=1000 * s, min_price_raw=2611 * s // 10,
        max_price_raw=809484 * s, min_notional_raw=100 * s, notional_currency="USDT",
        quote_currency="USDT", price_limit_raw=10**12 * s, quantity_limit_raw=10**12 * s,
        market_step_raw=market_step, market_min_qty_raw=market_min,
        market_max_qty_raw=market_max,
    )


RULES = {9: btcusdt(9), 16: btcusdt(16)}


def raw(value: str | Decimal, fixed_precision: int) -> int:
    return int(Decimal(value).scaleb(fixed_precision))


def limit(fp: int, qty: str = "0.010", price: str = "49000.0", **kw: Any) -> OrderIntent:
    return OrderIntent(OrderType.LIMIT, OrderSide.BUY, raw(qty, fp), raw(price, fp), **kw)


def verdict(validator: OrderValidator, intent: OrderIntent, market: MarketSnapshot | None) -> str:
    try:
        validator.check(intent, market)
    except E.OrderValidationError as error:
        return type(error).__name__
    return "ok"


@pytest.mark.parametrize("fp", [9, 16])
def test_plain_orders_pass_and_each_rule_refuses(fp: int) -> None:
    v = OrderValidator(RULES[fp], FUT)
    v.check(limit(fp), MKT)
    v.check(OrderIntent(OrderType.MARKET, OrderSide.SELL, raw("0.010", fp)), MKT)
    with pytest.raises(E.PriceNotOnTick, match=r"use 49000.0 or 49000.1"):
        v.check(limit(fp, price="49000.05"))
    with pytest.raises(E.QuantityNotOnStep):
        v.check(limit(fp, qty="0.0105"))
    with pytest.raises(E.QuantityOutOfRange, match=r"above the maximum 1000.000"):
        v.check(limit(fp, qty="1000.001"))
    with pytest.raises(E.NotionalTooSmall, match=r"use 0.003 or more"):
        v.check(limit(fp, qty="0.001"))
    v.check(limit(fp, qty="0.001", reduce_only=True))  # reduce-only orders are exempt
    with pytest.raises(E.UnsupportedTimeInForce):
        v.check(limit(fp, time_in_force=TimeInForce.DAY))
    with pytest.raises(E.UnsupportedFlag, match="post_only"):
        v.check(OrderIntent(OrderType.MARKET, OrderSide.BUY, raw("0.010", fp), post_only=True))
    with pytest.raises(E.UnsupportedOrderType):
        v.check(limit(fp)._replace(order_type=OrderType.MARKET_TO_LIMIT))


@pytest.mark.parametrize("fp", [9, 16])
def test_triggers_and_trailing(fp: int) -> None:
    v = OrderValidator(RULES[fp], FUT)
    stop = OrderIntent(OrderType.STOP_MARKET, OrderSide.SELL, raw("0.010", fp),
                       trigger_price=raw("49000.0", fp))
    v.check(stop, MKT)
    with pytest.raises(E.TriggerPriceError, match="below the market"):
        v.check(stop._replace(trigger_price=raw("50001.0", fp)), MKT)
    with pytest.raises(E.TriggerPriceError, match="needs a trigger price"):
        v.check(stop._replace(trigger_price=None), MKT)
    with pytest.raises(E.UnsupportedFlag, match="trigger_type"):
        v.check(stop._replace(trigger_type=TriggerType.BID_ASK), MKT)
    trail = OrderIntent(OrderType.TRAILING_STOP_MARKET, OrderSide.SELL, raw("0.010", fp),
                        trailing_offset=Decimal(100),
                        trailing_offset_type=TrailingOffsetType.BASIS_POINTS)
    v.check(trail, MKT)
    with pytest.raises(E.TrailingOffsetError, match=r"10..1000"):
        v.check(trail._replace(trailing_offset=Decimal(1001)), MKT)
    with pytest.raises(E.UnsupportedFlag, match="activation_price"):
        v.check(limit(fp)._replace(activation_price=raw("51000.0", fp)), MKT)


def test_format_raw_is_nautilus_text() -> None:
    assert format_raw(raw("49000.1", 16), 1, 16) == "49000.1"
    assert format_raw(raw("0.001", 9), 3, 9) == "0.001"
    assert format_raw(raw("12", 9), 0, 9) == "12"
    assert format_raw(-raw("1.5", 9), 2, 9) == "-1.50"


_DECIMALS = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("900000"), places=4)


@settings(max_examples=400, deadline=None)
@given(
    qty=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1200"), places=4),
    price=_DECIMALS,
    trigger=st.one_of(st.none(), _DECIMALS),
    otype=st.sampled_from([OrderType.LIMIT, OrderType.MARKET, OrderType.STOP_MARKET,
                           OrderType.STOP_LIMIT, OrderType.MARKET_IF_TOUCHED]),
    side=st.sampled_from([OrderSide.BUY, OrderSide.SELL]),
    reduce_only=st.booleans(),
)
def test_verdicts_do_not_depend_on_the_scale(
    qty: Decimal, price: Decimal, trigger: Decimal | None, otype: OrderType, side: OrderSide,
    reduce_only: bool,
) -> None:
    """The same order gets the same verdict (and error) whether its raws are Nautilus 1's
    1e9-scaled or Nautilus 2's 1e16-scaled integers."""
    verdicts = set()
    messages = set()
    for fp, rules in RULES.items():
        grid = rules.price_grid
        on_price = raw(str(price), fp) if price.as_tuple().exponent >= -1 else None  # type: ignore[operator]
        q = raw(str(qty), fp)
        intent = OrderIntent(
            otype, side, q,
            price=on_price if otype in (OrderType.LIMIT, OrderType.STOP_LIMIT) else None,
            trigger_price=None if trigger is None else raw(str(trigger), fp),
            reduce_only=reduce_only,
        )
        outcome = verdict(OrderValidator(rules, FUT), intent, MKT)
        verdicts.add(outcome)
        try:
            OrderValidator(rules, FUT).check(intent, MKT)
        except E.OrderValidationError as error:
            messages.add(str(error))
        assert grid.fixed_precision == fp
    assert len(verdicts) == 1, verdicts
    assert len(messages) <= 1, messages
