"""The holds of core/close_hold.py: when Binance would refuse a closePosition order, what
counts as a flip under way, which order must not overtake an earlier one (the sequence rule),
and the book of held orders (release in send order, the bound, cancels, the position check's
verdict)."""

from __future__ import annotations

from collections.abc import Callable, Hashable

import pytest

from nautilus_exec_kit.core.close_hold import (
    CHECK_HOLD_MAX_NS,
    HOLD_MAX_NS,
    SENT_AT_BOUND,
    HoldKind,
    OrderHold,
    SendTraits,
    flip_under_way,
    leaders,
    must_hold,
    refused_now,
    waits_behind,
)
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


def _answered(*keys: Hashable) -> Callable[[Hashable], bool]:
    return lambda key: key in keys


def _payloads(released: list) -> list:  # type: ignore[type-arg]
    return [item.payload for item in released]


MARKET, LIMIT = OrderType.MARKET, OrderType.LIMIT
CLOSE_BUY = SendTraits(BUY, MARKET, reduce_only=True)
ENTRY_BUY = SendTraits(BUY, MARKET)


@pytest.mark.parametrize(("later", "earlier", "waits"), [
    # a flip's entry behind the reduce-only close of the old position: arriving first it would
    # close the short itself, and Binance would refuse the close (-2022)
    (ENTRY_BUY, CLOSE_BUY, True),
    (SendTraits(BUY, LIMIT), CLOSE_BUY, True),  # a limit may trade on arrival too
    (SendTraits(BUY, OrderType.MARKET_TO_LIMIT), CLOSE_BUY, True),
    (ENTRY_BUY, SendTraits(BUY, LIMIT, reduce_only=True), True),
    # a close_position stop (reduce-only, live) sent before a market order on its side
    (SendTraits(SELL, MARKET), SendTraits(SELL, OrderType.STOP_MARKET, reduce_only=True), True),
    # what meets the venue the same either way goes out at once
    (SendTraits(BUY, LIMIT, post_only=True), CLOSE_BUY, False),  # never trades on arrival
    (SendTraits(BUY, OrderType.STOP_MARKET), CLOSE_BUY, False),  # waits for its trigger
    (SendTraits(SELL, MARKET), CLOSE_BUY, False),  # the other side adds to what it closes
    (SendTraits(BUY, MARKET, reduce_only=True), CLOSE_BUY, False),  # two closes
    (ENTRY_BUY, ENTRY_BUY, False),  # two entries
    (ENTRY_BUY, SendTraits(SELL, MARKET, reduce_only=True), False),
])
def test_an_order_waits_behind_an_earlier_reduce_only_order_it_would_take_the_position_of(
    later: SendTraits, earlier: SendTraits, waits: bool,
) -> None:
    assert waits_behind(later, earlier, ONE_WAY) is waits
    # hedge mode: an order on the same leg and side as a close is a close itself
    assert waits_behind(later, earlier, HEDGE) is False


def test_leaders_are_the_earlier_orders_an_order_waits_for() -> None:
    earlier = [("close", CLOSE_BUY), ("stop", SendTraits(SELL, OrderType.STOP_MARKET, True)),
               ("other-close", SendTraits(BUY, LIMIT, reduce_only=True))]
    assert leaders(ENTRY_BUY, earlier, ONE_WAY) == ["close", "other-close"]
    assert leaders(SendTraits(SELL, LIMIT, post_only=True), earlier, ONE_WAY) == []
    assert leaders(ENTRY_BUY, [], ONE_WAY) == []


def test_the_book_releases_held_orders_in_send_order_once_the_flip_is_done() -> None:
    book = OrderHold()
    assert not book and len(book) == 0
    assert book.hold("stop", "BTC", SELL, "stop-payload", 0) is HoldKind.CLOSE_POSITION
    book.hold("other", "ETH", SELL, "eth-payload", 0)
    book.hold("tp", "BTC", SELL, "tp-payload", 0)
    assert "stop" in book and len(book) == 3 and book.instruments() == {"BTC", "ETH"}
    assert book.held_on("BTC") == [("stop", "stop-payload"), ("tp", "tp-payload")]
    # still short, the close still under way: nothing goes
    assert book.release("BTC", SHORT, ONE_WAY, _flip(True), _answered(), 1) == []
    # the close filled (flat), or the flip ended and the long is open: both go, in order,
    # and only the instrument's
    released = book.release("BTC", None, ONE_WAY, _flip(True), _answered(), 5_000_000)
    assert _payloads(released) == ["stop-payload", "tp-payload"]
    assert [(r.kind, r.waited_ns, r.expired) for r in released] == [
        (HoldKind.CLOSE_POSITION, 5_000_000, False)] * 2
    assert len(book) == 1 and book.instruments() == {"ETH"}
    # still short but nothing under way any more (the close was refused): the venue decides
    assert _payloads(book.release("ETH", SHORT, ONE_WAY, _flip(False), _answered(), 2)) == [
        "eth-payload"]
    assert book.counts == {"close_hold.held": 3, "close_hold.released": 3}


def test_an_order_held_behind_earlier_orders_goes_once_every_one_is_answered() -> None:
    book = OrderHold()
    assert book.hold("entry", "BTC", BUY, "entry", 0, ["close", "close-2"]) is HoldKind.SEQUENCE
    # the closes are in flight: nothing goes, whatever the position
    assert book.release("BTC", None, ONE_WAY, _flip(False), _answered("close"), 1) == []
    [released] = book.release("BTC", SHORT, ONE_WAY, _flip(True),
                              _answered("close", "close-2"), 3_000_000)
    assert (released.key, released.payload, released.kind, released.waited_ns,
            released.expired) == ("entry", "entry", HoldKind.SEQUENCE, 3_000_000, False)
    assert book.counts == {"sequence_hold.held": 1, "sequence_hold.released": 1}


def test_an_order_behind_a_held_order_waits_for_that_one_to_be_sent_and_answered() -> None:
    book = OrderHold()
    book.hold("close", "BTC", BUY, "close", 0, ["earlier-close"])
    book.hold("entry", "BTC", BUY, "entry", 0, ["close"])
    everything = _answered("earlier-close", "close")
    # "close" is still held when "entry" is looked at, so only "close" goes on this look
    assert _payloads(book.release("BTC", None, ONE_WAY, _flip(False), everything, 1)) == [
        "close"]
    assert _payloads(book.release("BTC", None, ONE_WAY, _flip(False), everything, 2)) == [
        "entry"]


def test_nothing_is_held_past_the_bound_the_venue_decides() -> None:
    book = OrderHold(max_wait_ns=1_000)
    book.hold("entry", "BTC", BUY, "entry", 100, ["close"])  # the close is never answered
    book.hold("stop", "BTC", SELL, "stop", 600)  # the flip never ends
    assert book.release("BTC", SHORT, ONE_WAY, _flip(True), _answered(), 1_099) == []
    [entry] = book.release("BTC", SHORT, ONE_WAY, _flip(True), _answered(), 1_100)
    assert (entry.payload, entry.expired, entry.waited_ns) == ("entry", True, 1_000)
    [stop] = book.release("BTC", SHORT, ONE_WAY, _flip(True), _answered(), 1_600)
    assert (stop.payload, stop.expired) == ("stop", True)
    assert book.counts == {
        "sequence_hold.held": 1, "sequence_hold.released": 1, "sequence_hold.expired": 1,
        "close_hold.held": 1, "close_hold.released": 1, "close_hold.expired": 1,
    }
    assert OrderHold().max_wait_ns == HOLD_MAX_NS == 2_000_000_000


def test_a_held_order_cancelled_is_forgotten_and_never_released() -> None:
    book = OrderHold()
    book.hold("stop", "BTC", SELL, "stop", 0)
    book.hold("tp", "BTC", SELL, "tp", 0)
    book.hold("buy-stop", "BTC", BUY, "buy-stop", 0)
    assert book.cancel("tp") == "tp" and book.cancel("tp") is None
    assert book.cancel_instrument("BTC", BUY) == ["buy-stop"]
    assert book.cancel_instrument("ETH") == []
    assert _payloads(book.release("BTC", None, ONE_WAY, _flip(False), _answered(), 1)) == [
        "stop"]
    assert book.counts == {"close_hold.held": 3, "close_hold.released": 1,
                           "close_hold.cancelled": 2}
    book.hold("again", "BTC", SELL, "again", 0)
    assert book.cancel_instrument("BTC") == ["again"] and not book


def test_cancelling_the_order_others_wait_behind_lets_them_go() -> None:
    """A held order cancelled is never sent: the orders held behind it have no answer to
    wait for."""
    book = OrderHold()
    book.hold("close", "BTC", BUY, "close", 0, ["older"])
    book.hold("entry", "BTC", BUY, "entry", 0, ["close"])
    assert book.cancel("close") == "close"
    assert _payloads(book.release("BTC", None, ONE_WAY, _flip(False), _answered(), 1)) == [
        "entry"]
    assert book.counts == {"sequence_hold.held": 2, "sequence_hold.cancelled": 1,
                           "sequence_hold.released": 1}


def test_orders_held_for_the_position_check_go_in_send_order_when_it_passes() -> None:
    book = OrderHold()
    check = HoldKind.POSITION_CHECK
    assert book.hold("entry", "BTC", BUY, "entry", 0, kind=check) is check
    book.hold("stop", "BTC", SELL, "stop", 10, kind=check)
    book.hold("eth", "ETH", BUY, "eth", 20, kind=check)
    book.hold("flip-stop", "SOL", SELL, "flip-stop", 20)  # a close_hold: not the check's
    # no flip, no answer releases them: only the verdict (or the bound)
    assert book.release("BTC", None, ONE_WAY, _flip(False), _answered("entry"), 1_000) == []
    released = book.settle_check(True, 1_000_000_000)
    assert [(r.payload, r.kind, r.waited_ns, r.expired, r.refused) for r in released] == [
        ("entry", check, 1_000_000_000, False, False), ("stop", check, 999_999_990, False, False),
        ("eth", check, 999_999_980, False, False)]
    assert book.held_on_all() == [("flip-stop", "flip-stop")]
    assert book.settle_check(True, 2) == []  # settled once
    assert book.counts == {"position_check_hold.held": 3, "position_check_hold.released": 3,
                           "close_hold.held": 1}


def test_orders_held_for_a_failed_position_check_are_refused_never_sent() -> None:
    book = OrderHold()
    book.hold("entry", "BTC", BUY, "entry", 0, kind=HoldKind.POSITION_CHECK)
    book.hold("tp", "BTC", SELL, "tp", 0, kind=HoldKind.POSITION_CHECK)
    assert book.cancel("tp") == "tp"  # cancelled while held: nothing to refuse
    [refused] = book.settle_check(False, 5)
    assert (refused.payload, refused.refused, refused.expired) == ("entry", True, False)
    assert not book
    assert book.counts == {"position_check_hold.held": 2, "position_check_hold.refused": 1,
                           "position_check_hold.cancelled": 1}


def test_an_order_that_gets_no_verdict_within_its_bound_is_refused_not_sent() -> None:
    """The order-keeping holds send at their bound (the venue decides); the position check's
    refuses: the kit does not trade on a position nobody verified."""
    assert SENT_AT_BOUND == {HoldKind.CLOSE_POSITION: True, HoldKind.SEQUENCE: True,
                             HoldKind.POSITION_CHECK: False}
    book = OrderHold(max_wait_ns=1_000, check_wait_ns=5_000)
    assert book.bound_ns(HoldKind.POSITION_CHECK) == 5_000
    assert book.bound_ns(HoldKind.SEQUENCE) == book.bound_ns(HoldKind.CLOSE_POSITION) == 1_000
    book.hold("entry", "BTC", BUY, "entry", 0, kind=HoldKind.POSITION_CHECK)
    assert book.release("BTC", None, ONE_WAY, _flip(False), _answered(), 4_999) == []
    [late] = book.release("BTC", None, ONE_WAY, _flip(False), _answered(), 5_000)
    assert (late.payload, late.expired, late.refused, late.waited_ns) == ("entry", True, True,
                                                                         5_000)
    assert book.counts == {"position_check_hold.held": 1, "position_check_hold.refused": 1,
                           "position_check_hold.expired": 1}
    assert OrderHold().check_wait_ns == CHECK_HOLD_MAX_NS == 15_000_000_000
