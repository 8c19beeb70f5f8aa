"""Pre-trade checks against a real Nautilus instrument (BTCUSDT-PERP.BINANCE) and profiles."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nautilus_trader.common.component import TestClock
from nautilus_trader.common.factories import OrderFactory
from nautilus_trader.model.currencies import BTC, USDT
from nautilus_trader.model.enums import (
    OrderSide,
    OrderType,
    PositionSide,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from nautilus_trader.model.identifiers import InstrumentId, StrategyId, Symbol, TraderId, Venue
from nautilus_trader.model.instruments import CryptoPerpetual
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.test_kit.providers import TestInstrumentProvider

from nautilus_exec_kit import errors as E
from nautilus_exec_kit.core import validator as core_validator
from nautilus_exec_kit.core.capabilities import VenueCapabilities, capabilities_for
from nautilus_exec_kit.core.rules import InstrumentRules
from nautilus_exec_kit.validation import (
    ORDER_TYPE,
    POSITION_SIDE,
    MarketSnapshot,
    check_margin,
    check_order,
    coerce_price,
    coerce_quantity,
    intent_of,
    rules_of,
)


@attrs.frozen
class OrderIntent:
    """An order in Nautilus 1 words and values, as a v1 strategy writes it; ``OrderValidator``
    below converts it with the binding's ``intent_of`` and lets the core judge it, so these
    tests hold the binding and the core together."""

    order_type: OrderType
    side: OrderSide
    quantity: Any
    price: Any = None
    trigger_price: Any = None
    trigger_type: TriggerType = TriggerType.DEFAULT
    time_in_force: TimeInForce = TimeInForce.GTC
    expire_time_ns: int | None = None
    post_only: bool = False
    reduce_only: bool = False
    display_qty: Any = None
    quote_quantity: bool = False
    trailing_offset: Decimal | None = None
    trailing_offset_type: TrailingOffsetType = TrailingOffsetType.NO_TRAILING_OFFSET
    activation_price: Any = None
    close_position: bool = False
    price_match: str | None = None


class OrderValidator:
    """The core validator, fed through the v1 binding's conversions."""

    def __init__(self, rules: InstrumentRules, caps: VenueCapabilities, **kw: Any) -> None:
        self.core = core_validator.OrderValidator(rules, caps, **kw)
        self.rules = rules

    def check(self, intent: OrderIntent, market: MarketSnapshot | None = None,
              now_ns: int | None = None, *, position_side: PositionSide | None = None) -> None:
        self.core.check(
            intent_of(self.rules, **attrs.asdict(intent, recurse=False)), market, now_ns,
            position_side=None if position_side is None else POSITION_SIDE[position_side],
        )

    def check_order(self, order: Any, market: MarketSnapshot | None = None,
                    params: Any = None, now_ns: int | None = None, **kw: Any) -> None:
        check_order(self.core, order, market, params, now_ns, **kw)

    def check_modify(self, order_type: OrderType) -> None:
        self.core.check_modify(ORDER_TYPE[order_type])

BTC_PERP = TestInstrumentProvider.btcusdt_perp_binance()
RULES = rules_of(BTC_PERP)
FUT = OrderValidator(RULES, capabilities_for("USDT_FUTURES"))
MKT = MarketSnapshot(bid=49999.9, ask=50000.0, last=50000.0, mark=50010.0)


_FIVE_USDT = Money(5.00, USDT)


def _half_tick_perp(min_notional: Money | None = _FIVE_USDT) -> CryptoPerpetual:
    """A perpetual with a non-power-of-ten tick (0.5) and step (0.005)."""
    return CryptoPerpetual(
        instrument_id=InstrumentId(Symbol("HALFUSDT-PERP"), Venue("BINANCE")),
        raw_symbol=Symbol("HALFUSDT"),
        base_currency=BTC,
        quote_currency=USDT,
        settlement_currency=USDT,
        is_inverse=False,
        price_precision=1,
        price_increment=Price.from_str("0.5"),
        size_precision=3,
        size_increment=Quantity.from_str("0.005"),
        max_quantity=Quantity.from_str("100.000"),
        min_quantity=Quantity.from_str("0.005"),
        max_notional=None,
        min_notional=min_notional,
        max_price=Price.from_str("1000000.0"),
        min_price=Price.from_str("10.0"),
        margin_init=Decimal("0.05"),
        margin_maint=Decimal("0.025"),
        maker_fee=Decimal("0.0002"),
        taker_fee=Decimal("0.0004"),
        ts_event=0,
        ts_init=0,
    )


HALF = rules_of(_half_tick_perp())
#: no notional filter at all (Binance symbols without MIN_NOTIONAL load this way)
NO_NOTIONAL = rules_of(_half_tick_perp(min_notional=None))


def limit(**kw: Any) -> OrderIntent:
    base: dict[str, Any] = {
        "order_type": OrderType.LIMIT,
        "side": OrderSide.BUY,
        "quantity": Quantity.from_str("0.010"),
        "price": Price.from_str("49000.0"),
    }
    base.update(kw)
    return OrderIntent(**base)


def suggestions(message: str) -> list[str]:
    match = re.search(r"use ([0-9.]+)(?: or ([0-9.]+))?", message)
    assert match, message
    return [g for g in match.groups() if g]


# -- rules and coercion ---------------------------------------------------------------------------


def test_rules_precompute_integer_filters() -> None:
    assert RULES.tick_raw == Price.from_str("0.1").raw
    assert RULES.step_raw == Quantity.from_str("0.001").raw
    assert RULES.min_price_raw == Price.from_str("261.1").raw
    assert RULES.min_qty_raw == Quantity.from_str("0.001").raw
    assert RULES.max_qty_raw == Quantity.from_str("1000").raw
    assert RULES.min_notional_raw == Money(10, USDT).raw
    assert HALF.tick_raw == Price.from_str("0.5").raw


@pytest.mark.parametrize(
    "value",
    [50000.1, "50000.1", Decimal("50000.10"), Price.from_str("50000.1"), Price(50000.1, 3)],
)
def test_coerce_price_exact_inputs(value: Any) -> None:
    price = coerce_price(RULES, value)
    assert price == Price.from_str("50000.1")
    assert price.precision == 1


def test_coerce_price_int() -> None:
    assert coerce_price(RULES, 50000) == Price.from_str("50000.0")


@pytest.mark.parametrize("value", [50000.05, "50000.05", Decimal("50000.05"), Price(50000.05, 2)])
def test_coerce_price_never_rounds(value: Any) -> None:
    with pytest.raises(E.PriceTooPrecise) as info:
        coerce_price(RULES, value)
    err = info.value
    assert isinstance(err, E.PrecisionMismatch) and isinstance(err, E.PriceNotOnTick)
    assert err.field == "price"
    assert "tick 0.1" in str(err)
    assert suggestions(str(err)) == ["50000.0", "50000.1"]


def test_coerce_price_off_non_decimal_tick() -> None:
    with pytest.raises(E.PriceNotOnTick) as info:
        coerce_price(HALF, "100.3")
    assert not isinstance(info.value, E.PrecisionMismatch)
    assert suggestions(str(info.value)) == ["100.0", "100.5"]
    assert coerce_price(HALF, 100.5) == Price.from_str("100.5")


@pytest.mark.parametrize("value", [100.0, 900000.0, 0, -1])
def test_coerce_price_out_of_range(value: Any) -> None:
    with pytest.raises(E.PriceOutOfRange) as info:
        coerce_price(RULES, value)
    (bound,) = suggestions(str(info.value))
    assert bound in ("261.1", "809484.0")
    assert coerce_price(RULES, bound) == Price.from_str(bound)


@pytest.mark.parametrize("value", ["abc", float("nan"), float("inf"), True, None, object()])
def test_coerce_rejects_non_numbers_with_validation_error(value: Any) -> None:
    with pytest.raises(E.InstrumentRuleError):
        coerce_price(RULES, value)
    with pytest.raises(E.InstrumentRuleError):
        coerce_quantity(RULES, value)


def test_coerce_quantity() -> None:
    assert coerce_quantity(RULES, 0.01) == Quantity.from_str("0.010")
    assert coerce_quantity(RULES, "1") == Quantity.from_str("1.000")
    with pytest.raises(E.QuantityTooPrecise) as info:
        coerce_quantity(RULES, 0.0015)
    assert suggestions(str(info.value)) == ["0.001", "0.002"]
    with pytest.raises(E.QuantityNotOnStep) as info2:
        coerce_quantity(HALF, "0.012")
    assert suggestions(str(info2.value)) == ["0.010", "0.015"]
    with pytest.raises(E.QuantityOutOfRange) as info3:
        coerce_quantity(RULES, 2000)
    assert "1000.000" in str(info3.value)
    with pytest.raises(E.QuantityOutOfRange):
        coerce_quantity(RULES, 0)


# -- one test per check ------------------------------------------------------------------------


def test_valid_limit_passes() -> None:
    FUT.check(limit(), MKT)
    FUT.check(limit(price=None, order_type=OrderType.MARKET), MKT)


def test_unsupported_order_type() -> None:
    with pytest.raises(E.UnsupportedOrderType) as info:
        FUT.check(limit(order_type=OrderType.MARKET_TO_LIMIT))
    assert "TRAILING_STOP_MARKET" in str(info.value)  # lists the valid ones
    spot = OrderValidator(RULES, capabilities_for("SPOT"))
    with pytest.raises(E.UnsupportedOrderType):
        spot.check(limit(order_type=OrderType.STOP_MARKET, trigger_price=Price.from_str("51000.0")))


def test_trailing_fields_only_on_trailing_stops() -> None:
    # Found by the property test: Binance answers -1106 for parameters an order type does not take.
    with pytest.raises(E.UnsupportedFlag, match="activation_price"):
        FUT.check(limit(price=None, order_type=OrderType.MARKET,
                        activation_price=Price.from_str("1.2")))
    with pytest.raises(E.UnsupportedFlag, match="trailing_offset"):
        FUT.check(limit(trailing_offset=Decimal(50)))


@pytest.mark.parametrize("profile", ["USDT_FUTURES", "PERMISSIVE"])
def test_trigger_price_only_on_triggered_orders(profile: str) -> None:
    # Found by the property test: an off-grid trigger on a MARKET close_position order passed.
    # (A trigger more precise than the instrument is refused when the binding converts it,
    # before any order-type rule: PriceTooPrecise.)
    validator = OrderValidator(RULES, capabilities_for(profile))
    with pytest.raises(E.UnsupportedFlag, match="trigger_price"):
        validator.check(limit(price=None, order_type=OrderType.MARKET, quantity=None,
                              close_position=True, trigger_price=Price.from_str("1.2")))
    with pytest.raises(E.PriceTooPrecise, match="trigger_price"):
        validator.check(limit(price=None, order_type=OrderType.MARKET, quantity=None,
                              close_position=True, trigger_price=Price.from_str("1.25")))
    with pytest.raises(E.UnsupportedFlag, match="trigger_price"):
        validator.check(limit(trigger_price=Price.from_str("51000.0")))


def test_unsupported_tif() -> None:
    with pytest.raises(E.UnsupportedTimeInForce):
        FUT.check(limit(time_in_force=TimeInForce.DAY))
    with pytest.raises(E.UnsupportedTimeInForce):
        FUT.check(limit(order_type=OrderType.MARKET, price=None, time_in_force=TimeInForce.GTD))


def test_post_only_only_on_limit() -> None:
    FUT.check(limit(post_only=True))
    stop_limit = limit(
        order_type=OrderType.STOP_LIMIT,
        side=OrderSide.BUY,
        trigger_price=Price.from_str("51000.0"),
        price=Price.from_str("51000.0"),
        post_only=True,
    )
    with pytest.raises(E.UnsupportedFlag) as info:
        FUT.check(stop_limit)
    assert info.value.field == "post_only"


def test_reduce_only_only_on_futures() -> None:
    FUT.check(limit(reduce_only=True))
    spot = OrderValidator(RULES, capabilities_for("SPOT"))
    with pytest.raises(E.UnsupportedFlag) as info:
        spot.check(limit(reduce_only=True))
    assert info.value.field == "reduce_only"


def test_display_qty() -> None:
    with pytest.raises(E.UnsupportedFlag):
        FUT.check(limit(display_qty=Quantity.from_str("0.001")))
    spot = OrderValidator(RULES, capabilities_for("SPOT"))
    spot.check(limit(display_qty=Quantity.from_str("0.005")))
    with pytest.raises(E.QuantityOutOfRange):
        spot.check(limit(display_qty=Quantity.from_str("0.020")))


def test_quote_quantity() -> None:
    mkt = limit(order_type=OrderType.MARKET, price=None, quote_quantity=True)
    with pytest.raises(E.UnsupportedFlag):
        FUT.check(mkt)
    spot = OrderValidator(RULES, capabilities_for("SPOT"))
    spot.check(attrs.evolve(mkt, quantity=Quantity.from_str("20.000")), MKT)
    with pytest.raises(E.NotionalTooSmall):  # quote quantity 5 USDT < 10 USDT
        spot.check(attrs.evolve(mkt, quantity=Quantity.from_str("5.000")), MKT)


def test_gtd_needs_future_expiry() -> None:
    now = 1_700_000_000 * 10**9
    FUT.check(limit(time_in_force=TimeInForce.GTD, expire_time_ns=now + 3600 * 10**9), now_ns=now)
    with pytest.raises(E.InvalidExpireTime):
        FUT.check(limit(time_in_force=TimeInForce.GTD))
    with pytest.raises(E.InvalidExpireTime):  # Binance needs > 600 s of lead
        FUT.check(limit(time_in_force=TimeInForce.GTD, expire_time_ns=now + 60 * 10**9), now_ns=now)
    with pytest.raises(E.InvalidExpireTime):
        FUT.check(limit(time_in_force=TimeInForce.GTD, expire_time_ns=now - 1), now_ns=now)
    spot = OrderValidator(RULES, capabilities_for("SPOT"))
    with pytest.raises(E.UnsupportedTimeInForce):
        spot.check(limit(time_in_force=TimeInForce.GTD, expire_time_ns=now + 3600 * 10**9))


def test_price_tick_precision_and_range() -> None:
    with pytest.raises(E.PriceTooPrecise):
        FUT.check(limit(price=Price(49000.05, 2)))
    with pytest.raises(E.PriceTooPrecise):  # right value, wrong precision: RiskEngine would deny
        FUT.check(limit(price=Price(49000.1, 2)))
    with pytest.raises(E.PriceOutOfRange):
        FUT.check(limit(price=Price.from_str("200.0"), quantity=Quantity.from_str("1.000")))
    half = OrderValidator(HALF, capabilities_for("USDT_FUTURES"))
    with pytest.raises(E.PriceNotOnTick):
        half.check(limit(price=Price.from_str("100.3"), quantity=Quantity.from_str("1.000")))
    with pytest.raises(E.PriceOutOfRange) as info:
        FUT.check(limit(price=None))
    assert info.value.field == "price"


def test_quantity_step_and_range() -> None:
    with pytest.raises(E.QuantityTooPrecise):
        FUT.check(limit(quantity=Quantity.from_str("0.0105")))
    with pytest.raises(E.QuantityOutOfRange):
        FUT.check(limit(quantity=Quantity.from_str("1000.001")))
    with pytest.raises(E.QuantityOutOfRange):
        FUT.check(limit(quantity=None))
    half = OrderValidator(HALF, capabilities_for("USDT_FUTURES"))
    with pytest.raises(E.QuantityNotOnStep):
        half.check(limit(price=Price.from_str("1000.0"), quantity=Quantity.from_str("0.012")))


def test_min_notional_uses_price_then_trigger_then_market_side() -> None:
    small = Quantity.from_str("0.001")  # 0.001 x 49000 = 49 USDT >= 10 -> fine
    FUT.check(limit(quantity=small))
    with pytest.raises(E.NotionalTooSmall) as info:
        FUT.check(limit(quantity=small, price=Price.from_str("9000.0")))  # 9 USDT
    assert suggestions(str(info.value)) == ["0.002"]
    # trigger price when there is no limit price
    stop = limit(
        order_type=OrderType.STOP_MARKET,
        price=None,
        trigger_price=Price.from_str("9000.0"),
        side=OrderSide.SELL,
        quantity=small,
    )
    with pytest.raises(E.NotionalTooSmall):
        FUT.check(stop)
    # market order: BUY takes the ask
    mkt = limit(order_type=OrderType.MARKET, price=None, quantity=small)
    cheap = MarketSnapshot(bid=9000.0, ask=9000.1, last=9000.0)
    with pytest.raises(E.NotionalTooSmall):
        FUT.check(mkt, cheap)
    FUT.check(mkt)  # no market known: nothing to check against, no guess
    FUT.check(mkt, MarketSnapshot(bid=None, ask=10000.0, last=None))  # exactly 10 USDT
    # reduce-only orders are exempt (Binance -4164 says so)
    FUT.check(limit(quantity=small, price=Price.from_str("9000.0"), reduce_only=True))


def test_min_notional_half_tick_instrument() -> None:
    half = OrderValidator(HALF, capabilities_for("USDT_FUTURES"))
    half.check(limit(price=Price.from_str("1000.0"), quantity=Quantity.from_str("0.005")))
    with pytest.raises(E.NotionalTooSmall) as info:
        half.check(limit(price=Price.from_str("500.0"), quantity=Quantity.from_str("0.005")))
    assert suggestions(str(info.value)) == ["0.010"]


@pytest.mark.parametrize(
    ("otype", "side", "trigger", "ok"),
    [
        (OrderType.STOP_MARKET, OrderSide.BUY, "50000.1", True),
        (OrderType.STOP_MARKET, OrderSide.BUY, "50000.0", False),  # at the ask
        (OrderType.STOP_MARKET, OrderSide.SELL, "49999.8", True),
        (OrderType.STOP_MARKET, OrderSide.SELL, "49999.9", False),  # at the bid
        (OrderType.MARKET_IF_TOUCHED, OrderSide.BUY, "49999.8", True),
        (OrderType.MARKET_IF_TOUCHED, OrderSide.BUY, "50000.1", False),
        (OrderType.MARKET_IF_TOUCHED, OrderSide.SELL, "50000.1", True),
        (OrderType.MARKET_IF_TOUCHED, OrderSide.SELL, "49999.9", False),
    ],
)
def test_trigger_side(otype: OrderType, side: OrderSide, trigger: str, ok: bool) -> None:
    intent = limit(order_type=otype, side=side, price=None, trigger_price=Price.from_str(trigger))
    if ok:
        FUT.check(intent, MKT)
        return
    with pytest.raises(E.TriggerPriceError) as info:
        FUT.check(intent, MKT)
    assert info.value.binance_code == -2021
    # the suggested trigger passes
    fixed = attrs.evolve(intent, trigger_price=Price.from_str(suggestions(str(info.value))[0]))
    FUT.check(fixed, MKT)


def test_trigger_side_uses_mark_for_mark_price_triggers() -> None:
    # mark 50010: a BUY stop at 50005 is above the ask but below the mark
    intent = limit(
        order_type=OrderType.STOP_MARKET,
        price=None,
        trigger_price=Price.from_str("50005.0"),
        trigger_type=TriggerType.MARK_PRICE,
    )
    with pytest.raises(E.TriggerPriceError):
        FUT.check(intent, MKT)
    FUT.check(attrs.evolve(intent, trigger_type=TriggerType.LAST_PRICE), MKT)
    FUT.check(intent, attrs.evolve(MKT, mark=None))  # no mark known: last/bid/ask


def test_trigger_type_and_missing_trigger() -> None:
    intent = limit(
        order_type=OrderType.STOP_MARKET,
        price=None,
        trigger_price=Price.from_str("51000.0"),
        trigger_type=TriggerType.BID_ASK,
    )
    with pytest.raises(E.UnsupportedFlag):
        FUT.check(intent)
    with pytest.raises(E.TriggerPriceError):
        FUT.check(attrs.evolve(intent, trigger_price=None, trigger_type=TriggerType.DEFAULT))


def _trailing(**kw: Any) -> OrderIntent:
    base: dict[str, Any] = {
        "order_type": OrderType.TRAILING_STOP_MARKET,
        "side": OrderSide.SELL,
        "quantity": Quantity.from_str("0.010"),
        "price": None,
        "trailing_offset": Decimal(100),
        "trailing_offset_type": TrailingOffsetType.BASIS_POINTS,
    }
    base.update(kw)
    return OrderIntent(**base)


def test_trailing_offset() -> None:
    FUT.check(_trailing(), MKT)
    FUT.check(_trailing(trailing_offset=Decimal(10)), MKT)
    FUT.check(_trailing(trailing_offset=Decimal(1000)), MKT)
    for bad in (Decimal(9), Decimal(1001), Decimal(0)):
        with pytest.raises(E.TrailingOffsetError):
            FUT.check(_trailing(trailing_offset=bad), MKT)
    with pytest.raises(E.TrailingOffsetError):
        FUT.check(_trailing(trailing_offset_type=TrailingOffsetType.PRICE), MKT)
    with pytest.raises(E.TrailingOffsetError):
        FUT.check(_trailing(trailing_offset=None), MKT)
    with pytest.raises(E.TriggerPriceError) as info:
        FUT.check(_trailing(trigger_price=Price.from_str("49000.0")), MKT)
    assert "activation_price" in str(info.value)


def test_trailing_activation_side() -> None:
    FUT.check(_trailing(activation_price=Price.from_str("51000.0")), MKT)
    with pytest.raises(E.TriggerPriceError):
        FUT.check(_trailing(activation_price=Price.from_str("49000.0")), MKT)
    FUT.check(_trailing(side=OrderSide.BUY, activation_price=Price.from_str("49000.0")), MKT)
    with pytest.raises(E.TriggerPriceError):
        FUT.check(_trailing(side=OrderSide.BUY, activation_price=Price.from_str("51000.0")), MKT)


def test_params_are_checked() -> None:
    with pytest.raises(E.ParamError):
        FUT.check(limit(price_match="QUEUE", post_only=True))
    FUT.check(limit(price_match="queue"))
    stop = limit(
        order_type=OrderType.STOP_MARKET,
        side=OrderSide.SELL,
        price=None,
        quantity=None,
        trigger_price=Price.from_str("49000.0"),
        close_position=True,
    )
    FUT.check(stop, MKT)
    hedge = OrderValidator(RULES, capabilities_for("USDT_FUTURES"), hedge_mode=True)
    hedge.check(stop, MKT, position_side=PositionSide.LONG)
    with pytest.raises(E.ParamError):
        hedge.check(stop, MKT, position_side=PositionSide.SHORT)


def test_permissive_checks_instrument_filters_only() -> None:
    perm = OrderValidator(RULES, capabilities_for("PERMISSIVE"))
    perm.check(limit(order_type=OrderType.MARKET_TO_LIMIT, time_in_force=TimeInForce.DAY))
    perm.check(
        limit(order_type=OrderType.STOP_MARKET, price=None, trigger_price=Price.from_str("1000.0")),
        MKT,
    )
    with pytest.raises(E.PriceTooPrecise):
        perm.check(limit(price=Price(49000.05, 2)))


def test_check_modify() -> None:
    FUT.check_modify(OrderType.LIMIT)
    with pytest.raises(E.ModifyNotSupported):
        FUT.check_modify(OrderType.STOP_MARKET)


def test_check_margin() -> None:
    check_margin(10_000.0, 20.0, 500.0, "USDT")
    with pytest.raises(E.InsufficientMargin) as info:
        check_margin(100_000.0, 5.0, 1_000.0, "USDT")
    text = str(info.value)
    assert "20000" in text and "5000" in text and "100x" in text and "19000" in text
    with pytest.raises(E.InsufficientMargin):
        check_margin(1.0, 0.0, 1_000.0, "USDT")


# -- already-created Nautilus orders --------------------------------------------------------------


@pytest.fixture
def factory() -> OrderFactory:
    return OrderFactory(TraderId("T-001"), StrategyId("S-001"), TestClock())


def test_check_order_on_real_orders(factory: OrderFactory) -> None:
    iid = BTC_PERP.id
    order = factory.limit(iid, OrderSide.BUY, Quantity.from_str("0.010"), Price.from_str("49000.0"))
    FUT.check_order(order, MKT)
    FUT.check_order(order, MKT, params={"price_match": "OPPONENT_5"})
    with pytest.raises(E.ParamError):
        FUT.check_order(order, MKT, params={"price_match": 5})
    with pytest.raises(E.ParamError):
        FUT.check_order(order, MKT, params={"close_position": True})
    with pytest.raises(E.ParamError):
        FUT.check_order(order, MKT, params={"priceMatch": "QUEUE"})
    trail = factory.trailing_stop_market(
        iid,
        OrderSide.SELL,
        Quantity.from_str("0.010"),
        trailing_offset=Decimal(5),
        trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
    )
    with pytest.raises(E.TrailingOffsetError):
        FUT.check_order(trail, MKT)
    stop = factory.stop_market(iid, OrderSide.BUY, Quantity.from_str("0.010"), Price(49000, 1))
    with pytest.raises(E.TriggerPriceError):
        FUT.check_order(stop, MKT)
    mit = factory.market_if_touched(
        iid, OrderSide.SELL, Quantity.from_str("0.010"), Price(51000, 1)
    )
    FUT.check_order(mit, MKT, params={"close_position": True})


# -- properties -------------------------------------------------------------------------------

_prices = st.one_of(
    st.decimals(min_value=-10, max_value=2_000_000, places=3, allow_nan=False),
    st.floats(min_value=-1e6, max_value=1e7),
    st.sampled_from([float("nan"), float("inf"), 50000.05, 0.1 + 0.2]),
    st.integers(min_value=-10, max_value=10**7),
    st.text(max_size=8),
)
_qtys = st.one_of(
    st.decimals(min_value=0, max_value=2000, places=4, allow_nan=False),
    st.floats(min_value=-1, max_value=5000),
    st.sampled_from([float("nan"), 0.0015, 0.1 + 0.2]),
    st.integers(min_value=-1, max_value=5000),
    st.text(max_size=6),
)
_PROPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPS
@given(value=_prices, half=st.booleans())
def test_coerce_price_property(value: Any, half: bool) -> None:
    rules = HALF if half else RULES
    try:
        price = coerce_price(rules, value)
    except E.OrderValidationError as err:
        if isinstance(err, (E.PriceNotOnTick, E.PriceOutOfRange)):
            for text in suggestions(str(err)):
                assert coerce_price(rules, text).raw % rules.tick_raw == 0
        return
    assert price.raw % rules.tick_raw == 0
    assert price.precision == rules.price_precision
    assert price.as_decimal() == Decimal(repr(value) if isinstance(value, float) else value)


@_PROPS
@given(value=_qtys, half=st.booleans())
def test_coerce_quantity_property(value: Any, half: bool) -> None:
    rules = HALF if half else RULES
    try:
        qty = coerce_quantity(rules, value)
    except E.OrderValidationError as err:
        if isinstance(err, (E.QuantityNotOnStep, E.QuantityOutOfRange)):
            for text in suggestions(str(err)):
                coerce_quantity(rules, text)  # the suggestion is valid
        return
    assert qty.raw % rules.step_raw == 0
    assert qty.as_decimal() == Decimal(repr(value) if isinstance(value, float) else value)


_ORDER_TYPES = st.sampled_from(list(OrderType))
_opt_price = st.one_of(
    st.none(),
    st.builds(
        lambda v, p: Price(v, p),
        st.floats(min_value=0.0, max_value=1e6),
        st.integers(min_value=0, max_value=3),
    ),
)
_opt_qty = st.one_of(
    st.none(),
    st.builds(
        lambda v, p: Quantity(v, p),
        st.floats(min_value=0.0, max_value=2000.0),
        st.integers(min_value=0, max_value=4),
    ),
)
_intents = st.builds(
    OrderIntent,
    order_type=_ORDER_TYPES,
    side=st.sampled_from([OrderSide.BUY, OrderSide.SELL]),
    quantity=_opt_qty,
    price=_opt_price,
    trigger_price=_opt_price,
    trigger_type=st.sampled_from(list(TriggerType)),
    time_in_force=st.sampled_from(list(TimeInForce)),
    expire_time_ns=st.one_of(st.none(), st.integers(min_value=-1, max_value=10**19)),
    post_only=st.booleans(),
    reduce_only=st.booleans(),
    display_qty=_opt_qty,
    quote_quantity=st.booleans(),
    trailing_offset=st.one_of(st.none(), st.decimals(min_value=-10, max_value=5000, places=2)),
    trailing_offset_type=st.sampled_from(list(TrailingOffsetType)),
    activation_price=_opt_price,
    close_position=st.booleans(),
    price_match=st.one_of(st.none(), st.sampled_from(["QUEUE", "opponent_5", "BOGUS", ""])),
)
_markets = st.one_of(
    st.none(),
    st.builds(
        MarketSnapshot,
        bid=st.one_of(st.none(), st.floats(min_value=1, max_value=1e6)),
        ask=st.one_of(st.none(), st.floats(min_value=1, max_value=1e6)),
        last=st.one_of(st.none(), st.floats(min_value=1, max_value=1e6)),
        mark=st.one_of(st.none(), st.floats(min_value=1, max_value=1e6)),
    ),
)


@_PROPS
@given(
    intent=_intents,
    market=_markets,
    profile=st.sampled_from(["USDT_FUTURES", "COIN_FUTURES", "SPOT", "PERMISSIVE"]),
    hedge=st.booleans(),
    now=st.one_of(st.none(), st.integers(min_value=0, max_value=10**19)),
    side=st.sampled_from([None, PositionSide.LONG, PositionSide.SHORT, PositionSide.FLAT]),
)
def test_check_passes_or_raises_validation_error(
    intent: OrderIntent,
    market: MarketSnapshot | None,
    profile: str,
    hedge: bool,
    now: int | None,
    side: PositionSide | None,
) -> None:
    validator = OrderValidator(RULES, capabilities_for(profile), hedge_mode=hedge)
    try:
        validator.check(intent, market, now, position_side=side)
    except E.OrderValidationError as err:
        assert err.field and err.hint  # every error names the field and what to change
        return
    # what passed really is on the instrument's grid
    for p in (intent.price, intent.trigger_price, intent.activation_price):
        if p is not None:
            assert p.raw % RULES.tick_raw == 0
    if intent.quantity is not None:
        assert RULES.min_qty_raw <= intent.quantity.raw <= RULES.max_qty_raw


def test_check_order_permissive_market_to_limit(factory: OrderFactory) -> None:
    # MARKET_TO_LIMIT has no price when created: PERMISSIVE must not demand one.
    perm = OrderValidator(RULES, capabilities_for("PERMISSIVE"))
    order = factory.market_to_limit(BTC_PERP.id, OrderSide.BUY, Quantity.from_str("0.010"))
    perm.check_order(order)
    with pytest.raises(E.UnsupportedOrderType):
        FUT.check_order(order)


# -- every bound is exact --------------------------------------------------------------------------


def test_check_is_exact_at_every_bound() -> None:
    """On each bound itself check() takes the order, one tick / step outside it does not."""
    rules = FUT.rules
    px_mid = Price.from_str("49000.0").raw
    qty_max = rules.max_qty_raw
    inside_and_outside = [
        ((rules.min_qty_raw, px_mid), (rules.min_qty_raw - rules.step_raw, px_mid)),
        ((qty_max, px_mid), (qty_max + rules.step_raw, px_mid)),
        ((qty_max, rules.price_lo_raw), (qty_max, rules.price_lo_raw - rules.tick_raw)),
        ((qty_max, rules.price_hi_raw), (qty_max, rules.price_hi_raw + rules.tick_raw)),
    ]
    for inside, outside in inside_and_outside:
        qraw, praw = inside
        FUT.check(limit(quantity=Quantity.from_raw(qraw, rules.size_precision),
                        price=Price.from_raw(praw, rules.price_precision)))
        qraw, praw = outside
        if qraw > 0 and praw > 0:
            with pytest.raises(E.OrderValidationError):
                FUT.check(limit(quantity=Quantity.from_raw(qraw, rules.size_precision),
                                price=Price.from_raw(praw, rules.price_precision)))
