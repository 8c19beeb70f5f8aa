"""Orders a binding holds back (so the venue meets them in the order that matters, or until the
start-up position check has its verdict), and when it sends or refuses them.

NautilusTrader 2's Binance adapter sends market orders over the WS API and conditional ones over
REST, each from its own task, and does not keep a strategy's orders in the order it sent them.
Binance decides a reduce-only order by the position it finds on arrival, so two orders of one
tick that reach it the other way round can end differently. Three holds, one book
(:class:`OrderHold`), the first two for that:

* **close_hold** (:func:`must_hold`): a close_position order sent during a flip (close the short,
  buy, protect the long with a close_position SELL stop) can arrive while the venue still holds
  the short. Binance refuses a one-way closePosition order whose side would *increase* the
  position it finds (a SELL while short, a BUY while long: ``-2022 ReduceOnly Order is
  rejected``); it accepts one while the position is flat or on the side the order closes.
  Hold such an order (one-way only; a hedge-mode leg has one side) while a flip is under way,
  i.e. the strategy has an order on the closing side that will end within a round trip
  (:data:`FLIP_ORDERS`); send it once the leg is flat or on its side, or once nothing is under
  way any more (then the venue decides, as Binance would). Measured against the sandbox
  (``exec-kit live``, the v2 example with EMA 3/8, 8 runs of 10 s, 136 flips): without it 6
  stops and 2 take-profits were refused that way; with it, none.
* **sequence_hold** (:func:`waits_behind`): the flip's *entry* can overtake the reduce-only
  close sent just before it. It then closes the old position itself, Binance refuses the close
  (-2022), and the strategy ends flat instead of flipped (measured with
  ``benchmarks/v2_flip_order.py``: 7 of 79 flips; with the hold, 0 of 87, held
  4.7 ms median). An order that may
  trade on arrival and is not reduce-only waits while an earlier reduce-only order on the same
  instrument and side (one-way) has no answer from the venue yet; it is sent once that order
  is acknowledged (accepted, filled, rejected, denied, canceled). Orders the venue decides the
  same either way (the other side, two closes, post-only limits, conditional orders) do not
  wait.
* **position_check_hold** (:meth:`OrderHold.settle_check`): on a live v2 node the kit checks
  the node's positions against Binance's a second after start
  (:mod:`nautilus_exec_kit.core.reconciliation`); an order sent before that check has a verdict
  (in ``on_start``, on the first quotes) waits for it. It is sent when the check passes (or
  only logs), refused (``ReconciliationMismatch``) when it halts: the kit does not trade on a
  position it could not verify, and an order decided before the verdict was decided on the
  positions the check is about. Backtests have no check and hold nothing.

Nothing waits forever: a held order whose condition has not come after its bound
(:data:`HOLD_MAX_NS`, :data:`CHECK_HOLD_MAX_NS` for the position check) does what
:data:`SENT_AT_BOUND` says for its kind (``expired``): the order-keeping holds send it (the
venue decides, as it would have without the hold); a position_check_hold refuses it. The kit
never drops a held order silently. The binding reads the leg and the orders and carries the
answers out; NautilusTrader 1.231 keeps a strategy's orders in order and holds nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from enum import StrEnum
from typing import Any, Final

import attrs

from nautilus_exec_kit.core.positions import CLOSING_SIDE, IMMEDIATE_TYPES, PositionMode
from nautilus_exec_kit.core.vocab import OrderSide, OrderType, PositionSide

#: How long an order is held at most (2 s of strategy time): far above a round trip to
#: Binance (a few ms to tens of ms), below v2's in-flight check (5 s threshold live), so an
#: earlier order whose answer is lost (or late) holds nothing back for long.
HOLD_MAX_NS: Final = 2_000_000_000
#: How long an order waits at most for the start-up position check's verdict (15 s of strategy
#: time). The verdict comes ``STARTUP_CHECK_DELAY_MS`` (1 s) after start, or, after a
#: mismatch, ``CONFIRM_DELAY_MS`` (1 s) later, each after one signed read of the venue that the
#: binding bounds (v2: 5 s): 12 s at worst. Past that the check is stuck, and the order is
#: refused rather than sent on a position nobody verified.
CHECK_HOLD_MAX_NS: Final = 15_000_000_000

#: Which of the strategy's orders on the closing side make a flip "under way", by type: True
#: while open or in flight (a market order ends within a round trip), False only while in
#: flight (sent, not yet acknowledged: a limit that then rests may never fill and must not
#: hold a stop back). Conditional orders never do: they are protection that may never fire.
FLIP_ORDERS: Final[Mapping[OrderType, bool]] = {
    OrderType.MARKET: True,
    OrderType.LIMIT: False,
    OrderType.MARKET_TO_LIMIT: False,
}


def refused_now(side: OrderSide, holding: PositionSide | None, mode: PositionMode) -> bool:
    """True when Binance would refuse a close_position order of ``side`` on the leg now
    (-2022): one-way, with a position the order would increase."""
    if mode is not PositionMode.ONE_WAY or holding is None:
        return False
    return CLOSING_SIDE[holding] is not side


def flip_under_way(
    closing_side: OrderSide, orders: Iterable[tuple[OrderSide, OrderType, bool]],
) -> bool:
    """Whether any of the strategy's orders ``(side, type, in_flight)`` on the instrument is
    reducing the leg now (:data:`FLIP_ORDERS`)."""
    for side, order_type, in_flight in orders:
        if side is closing_side:
            while_open = FLIP_ORDERS.get(order_type)
            if while_open or (while_open is not None and in_flight):
                return True
    return False


def must_hold(
    side: OrderSide, holding: PositionSide | None, mode: PositionMode,
    under_way: Callable[[OrderSide], bool],
) -> bool:
    """The decision for one close_position order: hold it while the venue would refuse it and
    a flip that will change that is under way (``under_way(closing_side)``)."""
    if holding is None or not refused_now(side, holding, mode):
        return False
    return under_way(CLOSING_SIDE[holding])


@attrs.frozen(slots=True)
class SendTraits:
    """What the sequence rule reads of an order: its side, type and flags."""

    side: OrderSide
    order_type: OrderType
    reduce_only: bool = False
    post_only: bool = False

    @property
    def trades_on_arrival(self) -> bool:
        """Whether it may trade the moment the venue takes it (a post-only limit never does;
        a conditional order waits for its trigger)."""
        return self.order_type in IMMEDIATE_TYPES and not self.post_only


def waits_behind(later: SendTraits, earlier: SendTraits, mode: PositionMode) -> bool:
    """Whether ``later`` must reach the venue after ``earlier`` (same instrument, still
    unanswered): ``earlier`` is reduce-only, and ``later`` is not but trades on arrival on the
    same side, so arriving first it would take the position ``earlier`` reduces and the venue
    would refuse ``earlier`` (-2022; a flip's entry overtaking its close). One-way only: in
    hedge mode an order on the same leg and side as a close is a close itself. Orders that do
    not meet (the other side, two closes, protection that waits for a trigger) go out at once:
    the kit does not serialise what the venue decides the same either way."""
    return (
        mode is PositionMode.ONE_WAY
        and earlier.reduce_only
        and not later.reduce_only
        and later.side is earlier.side
        and later.trades_on_arrival
    )


def leaders(
    later: SendTraits, earlier: Iterable[tuple[Hashable, SendTraits]], mode: PositionMode,
) -> list[Hashable]:
    """The keys of the unanswered ``earlier`` orders ``later`` must wait for."""
    return [key for key, traits in earlier if waits_behind(later, traits, mode)]


class HoldKind(StrEnum):
    """Why an order is held (the prefix of its counters)."""

    CLOSE_POSITION = "close_hold"  # a close_position order waits for the flip (must_hold)
    SEQUENCE = "sequence_hold"  # an order waits for earlier ones' answers (waits_behind)
    POSITION_CHECK = "position_check_hold"  # an order waits for the start-up check's verdict


#: Whether an order that reached its bound without what it waited for is sent (the venue
#: decides, as without the hold) or refused, by kind. The order-keeping holds only change when
#: the venue meets an order; the position check decides whether the kit trades at all.
SENT_AT_BOUND: Final[Mapping[HoldKind, bool]] = {
    HoldKind.CLOSE_POSITION: True,
    HoldKind.SEQUENCE: True,
    HoldKind.POSITION_CHECK: False,
}


@attrs.define(slots=True)
class _Held:
    instrument: Hashable
    side: OrderSide
    payload: Any
    kind: HoldKind
    since_ns: int
    behind: set[Hashable]


@attrs.frozen(slots=True)
class Released:
    """A held order out of the book: its payload, why it was held, how long, whether its
    condition never came (``expired``: at its bound) and whether the binding must refuse it
    instead of sending it (``refused``: the position check failed, or gave no verdict within
    :data:`CHECK_HOLD_MAX_NS`)."""

    key: Hashable
    payload: Any
    kind: HoldKind
    waited_ns: int
    expired: bool
    refused: bool = False


class OrderHold:
    """The orders a binding holds, by key, in send order, each with its instrument, side, why
    it is held and whatever the binding needs to send it later (``payload``).

    Counters (:attr:`counts`), per :class:`HoldKind`: ``<kind>.held`` (ever held),
    ``.released`` (sent after a hold), ``.refused`` (never sent: the position check failed or
    gave no verdict), ``.expired`` (of those released or refused, at the bound without the
    answer, flip or verdict they waited for), ``.cancelled`` (cancelled while held: never
    sent, answered by the binding).
    """

    __slots__ = ("_held", "check_wait_ns", "counts", "max_wait_ns")

    def __init__(
        self, max_wait_ns: int = HOLD_MAX_NS, check_wait_ns: int = CHECK_HOLD_MAX_NS,
    ) -> None:
        self._held: dict[Hashable, _Held] = {}
        self.max_wait_ns = max_wait_ns
        self.check_wait_ns = check_wait_ns
        self.counts: Counter[str] = Counter()

    def __len__(self) -> int:
        return len(self._held)

    def __bool__(self) -> bool:
        return bool(self._held)

    def __contains__(self, key: object) -> bool:
        return key in self._held

    def hold(
        self, key: Hashable, instrument: Hashable, side: OrderSide, payload: Any, now_ns: int,
        behind: Collection[Hashable] = (), *, kind: HoldKind | None = None,
    ) -> HoldKind:
        """Hold an order: behind the ``behind`` orders' answers (sequence_hold), or, without
        them, until its flip is done (close_hold), or until the position check's verdict
        (``kind=HoldKind.POSITION_CHECK``, :meth:`settle_check`). Returns the kind."""
        if kind is None:
            kind = HoldKind.SEQUENCE if behind else HoldKind.CLOSE_POSITION
        self._held[key] = _Held(instrument, side, payload, kind, now_ns, set(behind))
        self.counts[f"{kind}.held"] += 1
        return kind

    def bound_ns(self, kind: HoldKind) -> int:
        """How long an order of ``kind`` is held at most."""
        return self.check_wait_ns if kind is HoldKind.POSITION_CHECK else self.max_wait_ns

    def instruments(self) -> set[Hashable]:
        return {held.instrument for held in self._held.values()}

    def held_on(self, instrument: Hashable) -> list[tuple[Hashable, Any]]:
        """``(key, payload)`` of the orders held on ``instrument``, in send order."""
        return [(key, held.payload) for key, held in self._held.items()
                if held.instrument == instrument]

    def held_on_all(self) -> list[tuple[Hashable, Any]]:
        """``(key, payload)`` of every held order, in send order."""
        return [(key, held.payload) for key, held in self._held.items()]

    def release(
        self, instrument: Hashable, holding: PositionSide | None, mode: PositionMode,
        under_way: Callable[[OrderSide], bool], answered: Callable[[Hashable], bool],
        now_ns: int,
    ) -> list[Released]:
        """The held orders on ``instrument`` that are due now, in send order, forgotten here:
        a close_hold order once it no longer :func:`must_hold`; a sequence_hold order once
        every order it waits behind is ``answered`` (one held here at the start of this call
        is not); any order held its :meth:`bound_ns` (``expired``; refused when
        :data:`SENT_AT_BOUND` says so). A position_check_hold order waits for
        :meth:`settle_check`, here only for its bound."""
        due: list[Released] = []
        unsent = set(self._held)  # a leader released in this pass is not answered yet either
        for key, held in list(self._held.items()):
            if held.instrument != instrument:
                continue
            if held.kind is HoldKind.SEQUENCE:
                ready = all(leader not in unsent and answered(leader) for leader in held.behind)
            elif held.kind is HoldKind.CLOSE_POSITION:
                ready = not must_hold(held.side, holding, mode, under_way)
            else:
                ready = False
            waited = now_ns - held.since_ns
            expired = not ready and waited >= self.bound_ns(held.kind)
            if ready or expired:
                refused = expired and not SENT_AT_BOUND[held.kind]
                due.append(self._out(key, waited, expired=expired, refused=refused))
        return due

    def settle_check(self, passed: bool, now_ns: int) -> list[Released]:
        """The position check has its verdict: every position_check_hold order, in send order,
        forgotten here, to be sent (``passed``: the check matched, or only logs) or refused."""
        return [
            self._out(key, now_ns - held.since_ns, expired=False, refused=not passed)
            for key, held in list(self._held.items())
            if held.kind is HoldKind.POSITION_CHECK
        ]

    def _out(self, key: Hashable, waited_ns: int, *, expired: bool, refused: bool) -> Released:
        held = self._held.pop(key)
        self.counts[f"{held.kind}.{'refused' if refused else 'released'}"] += 1
        if expired:
            self.counts[f"{held.kind}.expired"] += 1
        return Released(key, held.payload, held.kind, waited_ns, expired, refused)

    def cancel(self, key: Hashable) -> Any:
        """Forget a held order the strategy cancelled (orders held behind it no longer wait
        for it: it will never be sent); its payload, or None if not held."""
        held = self._held.pop(key, None)
        if held is None:
            return None
        self.counts[f"{held.kind}.cancelled"] += 1
        for other in self._held.values():
            other.behind.discard(key)
        return held.payload

    def cancel_instrument(self, instrument: Hashable, side: OrderSide | None = None) -> list[Any]:
        """Forget every held order on ``instrument`` (of ``side``, if given); their payloads."""
        keys = [
            key for key, held in self._held.items()
            if held.instrument == instrument and (side is None or held.side is side)
        ]
        return [self.cancel(key) for key in keys]


__all__ = [
    "CHECK_HOLD_MAX_NS",
    "FLIP_ORDERS",
    "HOLD_MAX_NS",
    "SENT_AT_BOUND",
    "HoldKind",
    "OrderHold",
    "Released",
    "SendTraits",
    "flip_under_way",
    "leaders",
    "must_hold",
    "refused_now",
    "waits_behind",
]
