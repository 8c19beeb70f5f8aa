"""Unit tests of algo.py with real Nautilus orders and events."""

from __future__ import annotations

import pytest
from nautilus_trader.common.component import TestClock
from nautilus_trader.common.factories import OrderFactory
from nautilus_trader.model.enums import OrderSide, OrderType
from nautilus_trader.model.identifiers import StrategyId, TraderId
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.test_kit.stubs.events import TestEventStubs

from nautilus_exec_kit.algo import (
    AlgoOrderBook,
    check_modifiable,
    is_algo_order,
    record_event,
    record_sent,
)
from nautilus_exec_kit.core.capabilities import capabilities_for
from nautilus_exec_kit.core.errors import AlgoOrderLimitReached, ModifyNotSupported
from nautilus_exec_kit.validation import ORDER_TYPE
from tests.conftest import IID

CAPS = capabilities_for("USDT_FUTURES")


@pytest.fixture
def factory() -> OrderFactory:
    return OrderFactory(TraderId("T-001"), StrategyId("S-001"), TestClock())


def _stop(factory: OrderFactory):  # type: ignore[no-untyped-def]
    return factory.stop_market(IID, OrderSide.SELL, Quantity.from_str("0.010"),
                               Price.from_str("40000.0"))


def test_algo_types_follow_the_capabilities() -> None:
    assert is_algo_order(OrderType.STOP_MARKET, CAPS)
    assert is_algo_order(OrderType.TRAILING_STOP_MARKET, CAPS)
    assert not is_algo_order(OrderType.LIMIT, CAPS)
    assert not is_algo_order(OrderType.MARKET, CAPS)


def test_cap_enforced_and_released_by_events(factory: OrderFactory) -> None:
    book = AlgoOrderBook(CAPS)
    assert CAPS.max_open_algo_orders == 200
    orders = [_stop(factory) for _ in range(200)]
    for order in orders:
        book.check_can_submit(IID, ORDER_TYPE[order.order_type])
        record_sent(book, order)
    assert book.open_count(IID) == 200
    with pytest.raises(AlgoOrderLimitReached, match="200"):
        book.check_can_submit(IID, ORDER_TYPE[OrderType.STOP_MARKET])
    book.check_can_submit(IID, ORDER_TYPE[OrderType.LIMIT])  # plain orders are not capped
    record_event(book, TestEventStubs.order_canceled(orders[0]))
    assert book.open_count(IID) == 199
    book.check_can_submit(IID, ORDER_TYPE[OrderType.STOP_MARKET])
    record_event(book, TestEventStubs.order_triggered(orders[1]))
    assert book.open_count(IID) == 198
    record_event(book, TestEventStubs.order_submitted(orders[2]))  # not releasing
    assert book.open_count(IID) == 198


def test_limit_orders_are_not_tracked(factory: OrderFactory) -> None:
    book = AlgoOrderBook(CAPS)
    record_sent(book, factory.limit(IID, OrderSide.BUY, Quantity.from_str("0.010"),
                               Price.from_str("40000.0")))
    assert book.open_count(IID) == 0


def test_modify_refused_for_algo_orders(factory: OrderFactory) -> None:
    with pytest.raises(ModifyNotSupported, match="cancel the order and submit a new one"):
        check_modifiable(_stop(factory), CAPS)
    check_modifiable(
        factory.limit(IID, OrderSide.BUY, Quantity.from_str("0.010"), Price.from_str("4e4")),
        CAPS,
    )
