"""The close_position hold through a flip (core/close_hold.py): when Binance would refuse a
closePosition order, what counts as a flip under way, and the book of held orders."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nautilus_exec_kit.core.close_hold import CloseHold, flip_under_way, must_hold, refused_now
from nautilus_exec_kit.core.positions import PositionMode
from nautilus_exec_kit.core.vocab import OrderSide, OrderType, PositionSide

BUY, SELL = OrderSide.BUY, OrderSide.SELL
LONG, SHORT = PositionSide.LONG, PositionSide.SHORT
ONE_WAY, HEDGE = PositionMode.ONE_WAY, PositionMode.HEDGE


@pytest.mark.parametrize(("side", "holding", "refused"), [
    (SELL, SHORT, True),   # a SELL closePosition while short would increase it: -2022
    (BUY, LONG, True),
    (SELL, LONG, False),   # it closes the long
    (BUY, SHORT, False),
    (SELL, None, False),   # flat: Binance accepts it (the protective stop sent with its entry)
    (BUY, None, False),
])
def test_binance_refuses_a_one_way_close_position_order_that_would_increase_the_position(
    side: OrderSide, holding: PositionSide | None, refused: bool,
) -> None:
    assert refused_now(side, holding, ONE_WAY) is refused
    assert refused_now(side, holding, HEDGE) is False  # a hedge-mode leg has one side


@pytest.mark.parametrize(("order_type", "in_flight", "under_way"), [
    (OrderType.MARKET, True, True),
    (OrderType.MARKET, False, True),   # an open market order ends within a round trip
    (OrderType.LIMIT, True, True),
    (OrderType.LIMIT, False, False),   # a resting limit may never fill: it holds nothing
    (OrderType.STOP_MARKET, True, False),  # protection, not a close
    (OrderType.MARKET_IF_TOUCHED, False, False),
])
def test_a_flip_is_under_way_while_a_closing_order_that_ends_soon_is_live(
    order_type: OrderType, in_flight: bool, under_way: bool,
) -> None:
    assert flip_under_way(BUY, [(BUY, order_type, in_flight)]) is under_way
    assert flip_under_way(BUY, [(SELL, order_type, in_flight)]) is False  # the other side
    assert flip_under_way(BUY, []) is False


def _never(_: OrderSide) -> bool:
    raise AssertionError("the orders are read only when the venue would refuse the order")


def test_hold_only_what_the_venue_would_refuse_while_a_flip_is_under_way() -> None:
    assert must_hold(SELL, SHORT, ONE_WAY, lambda closing: closing is BUY) is True
    assert must_hold(SELL, SHORT, ONE_WAY, lambda closing: False) is False  # venue decides
    assert must_hold(SELL, None, ONE_WAY, _never) is False
    assert must_hold(SELL, LONG, ONE_WAY, _never) is False
    assert must_hold(SELL, SHORT, HEDGE, _never) is False


def _flip(under_way: bool) -> Callable[[OrderSide], bool]:
    return lambda closing: under_way


def test_the_book_releases_held_orders_in_send_order_once_the_flip_is_done() -> None:
    book = CloseHold()
    assert not book and len(book) == 0
    book.hold("stop", "BTC", SELL, "stop-payload")
    book.hold("other", "ETH", SELL, "eth-payload")
    book.hold("tp", "BTC", SELL, "tp-payload")
    assert "stop" in book and len(book) == 3 and book.instruments() == {"BTC", "ETH"}
    # still short, the close still under way: nothing goes
    assert book.release("BTC", SHORT, ONE_WAY, _flip(True)) == []
    # the close filled (flat), or the flip ended and the long is open: both go, in order,
    # and only the instrument's
    assert book.release("BTC", None, ONE_WAY, _flip(True)) == ["stop-payload", "tp-payload"]
    assert len(book) == 1 and book.instruments() == {"ETH"}
    # still short but nothing under way any more (the close was refused): the venue decides
    assert book.release("ETH", SHORT, ONE_WAY, _flip(False)) == ["eth-payload"]
    assert book.counts == {"held": 3, "released": 3, "cancelled": 0}


def test_a_held_order_cancelled_is_forgotten_and_never_released() -> None:
    book = CloseHold()
    book.hold("stop", "BTC", SELL, "stop")
    book.hold("tp", "BTC", SELL, "tp")
    book.hold("buy-stop", "BTC", BUY, "buy-stop")
    assert book.cancel("tp") == "tp" and book.cancel("tp") is None
    assert book.cancel_instrument("BTC", BUY) == ["buy-stop"]
    assert book.cancel_instrument("ETH") == []
    assert book.release("BTC", None, ONE_WAY, _flip(False)) == ["stop"]
    assert book.counts == {"held": 3, "released": 1, "cancelled": 2}
    book.hold("again", "BTC", SELL, "again")
    assert book.cancel_instrument("BTC") == ["again"] and not book
