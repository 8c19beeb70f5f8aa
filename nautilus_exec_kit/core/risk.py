"""Venue-generated closes (liquidation, ADL, delisting settlement), as plain values.

Why in the core: Binance closes positions by itself in three cases and marks each with a client
order ID the kit recognises (:data:`RISK_CLIENT_ID_PREFIXES`). Both Nautilus generations turn such
a fill into an *external* order nobody submitted, and both book the fill away from the
strategy's position (measured against the sandbox with a real node and the real Binance adapter):

* NautilusTrader 1.231 books it to a new ``{instrument}-EXTERNAL`` position (owned by
  ``EXTERNAL``, or by the strategy that claims the instrument's external orders), in one-way and
  in hedge mode, although the adapter's fill report names the venue's position
  (``{instrument}-BOTH`` / the leg's);
* NautilusTrader 2 (rc6) books it to ``{instrument}-EXTERNAL`` too in one-way mode, or to a
  generated ``P-...`` when the strategy claims external orders; in hedge mode it books it to
  the leg's own ``-LONG`` / ``-SHORT`` (measured), which then needs no correction.

Where it is booked away, the strategy's ``-BOTH`` (or ``-LONG`` / ``-SHORT``) position stays
open in the node while the venue is flat (the node's net per instrument is right, its legs are
not). A kit helper that closed what the node's leg shows would send a close for a position the
venue no longer holds: a reduce-only order the venue rejects, or, without reduce-only, a new
position.

:class:`VenueCloseLedger` keeps what the venue closed behind the strategy's back, per instrument
and leg, so a binding can read the position the venue actually holds: the strategy's own signed
quantity plus the ledger's offset (:meth:`VenueCloseLedger.holding`). Bindings record each risk
fill once (:meth:`VenueCloseLedger.record_fill` decides whether the node booked it away from the
leg); a fill booked to the leg itself (the kit's backtest venue does that) needs no correction
and is not recorded. :func:`reduce_only_allowed` says when a close sized by that holding may
still carry Nautilus' reduce-only flag.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from enum import StrEnum
from typing import Final

import attrs

from nautilus_exec_kit.core.errors import PositionModeViolation
from nautilus_exec_kit.core.positions import (
    PositionMode,
    leg_for,
    normalize_position_side,
    position_id_text,
)
from nautilus_exec_kit.core.vocab import OrderSide, PositionSide


class RiskEventKind(StrEnum):
    """Why the venue closed (part of) a position on its own."""

    LIQUIDATION = "liquidation"
    ADL = "adl"
    SETTLEMENT = "settlement"


#: Client order ID prefixes Binance uses for venue-generated closes, as both generations'
#: adapters read them (``startswith`` checks). The prefixes are disjoint.
RISK_CLIENT_ID_PREFIXES: Final[tuple[tuple[str, RiskEventKind], ...]] = (
    ("autoclose-", RiskEventKind.LIQUIDATION),
    ("adl_autoclose", RiskEventKind.ADL),
    ("settlement_autoclose-", RiskEventKind.SETTLEMENT),
)

#: Client order IDs Binance gives *every* such order of a kind, not one per order: each
#: auto-deleverage is ``adl_autoclose`` (Binance's user-data stream documentation), where a
#: liquidation is ``autoclose-<ms>`` and a settlement ``settlement_autoclose-<ms>``. A node that
#: keys orders by client order ID takes a second ADL for the first (measured with
#: NautilusTrader 1.231 against the sandbox: its fill is rejected as an overfill and the leg it
#: closed stays open in the node). :func:`distinct_client_order_id` tells them apart.
REUSED_CLIENT_ORDER_IDS: Final[frozenset[str]] = frozenset({"adl_autoclose"})


def distinct_client_order_id(client_order_id: str | None, venue_order_id: str) -> str | None:
    """The client order ID a node should book a venue-generated order under, or None to keep
    the venue's: a reused ID (:data:`REUSED_CLIENT_ORDER_IDS`) gets the venue's order ID
    appended, which is unique, the same in every report of that order (stream, REST, restart)
    and keeps the ID's prefix, so :func:`classify_client_order_id` still reads its kind.

    >>> distinct_client_order_id("adl_autoclose", "8886774")
    'adl_autoclose-8886774'
    >>> distinct_client_order_id("autoclose-1700000000000", "8886775") is None
    True
    """
    if client_order_id in REUSED_CLIENT_ORDER_IDS:
        return f"{client_order_id}-{venue_order_id}"
    return None


#: The signed direction a fill of each side moves a position in.
FILL_SIGN: Final[dict[OrderSide, int]] = {OrderSide.BUY: 1, OrderSide.SELL: -1}


def classify_client_order_id(client_order_id: str | None) -> RiskEventKind | None:
    """The risk event kind a client order ID stands for, or None for an ordinary order.

    >>> classify_client_order_id("autoclose-1700000000000").value
    'liquidation'
    >>> classify_client_order_id("O-20240101-000000-001-000-1") is None
    True
    """
    if not client_order_id:
        return None
    for prefix, kind in RISK_CLIENT_ID_PREFIXES:
        if client_order_id.startswith(prefix):
            return kind
    return None


@attrs.frozen
class VenueClose:
    """One venue-generated closing order, at its latest filled quantity (integer raw)."""

    client_order_id: str
    kind: RiskEventKind
    instrument_key: Hashable
    leg: str
    side: OrderSide
    filled_raw: int

    @property
    def signed_raw(self) -> int:
        return FILL_SIGN[self.side] * self.filled_raw


@attrs.frozen
class Holding:
    """What a leg holds at the venue: its side (None when flat) and its size (integer raw)."""

    side: PositionSide | None
    quantity_raw: int

    @classmethod
    def of_signed(cls, signed_raw: int) -> Holding:
        if signed_raw > 0:
            return cls(PositionSide.LONG, signed_raw)
        if signed_raw < 0:
            return cls(PositionSide.SHORT, -signed_raw)
        return cls(None, 0)


class VenueCloseLedger:
    """Venue-generated closes the node booked away from the strategy's own position.

    A binding records each risk fill it sees (:meth:`record_fill`, once per trade) or each risk
    order at its latest filled quantity (:meth:`record`, idempotent), and reads a leg through
    :meth:`holding`. The ledger never shrinks on its own: the strategy's own position keeps the
    fills it saw, the ledger the ones it did not, and their sum is the venue's position for as
    long as the node runs. An empty ledger (every backtest, and a live node until Binance
    closes something) is falsy, so a binding's hot path can skip it with one test.
    """

    __slots__ = ("_closes", "_offsets")

    def __init__(self) -> None:
        self._closes: dict[str, VenueClose] = {}
        self._offsets: dict[tuple[Hashable, str], int] = {}

    def __bool__(self) -> bool:
        return bool(self._closes)

    def __len__(self) -> int:
        return len(self._closes)

    def __iter__(self) -> Iterator[VenueClose]:
        return iter(self._closes.values())

    def record(self, close: VenueClose) -> int:
        """Book ``close`` (or its newer filled quantity); returns the raw quantity it added."""
        before = self._closes.get(close.client_order_id)
        added = close.filled_raw - (before.filled_raw if before is not None else 0)
        if added <= 0:
            return 0
        self._closes[close.client_order_id] = close
        key = (close.instrument_key, close.leg)
        self._offsets[key] = self._offsets.get(key, 0) + FILL_SIGN[close.side] * added
        return added

    def record_fill(
        self,
        client_order_id: str,
        kind: RiskEventKind,
        instrument_key: Hashable,
        mode: PositionMode,
        side: OrderSide,
        position_id: str | None,
        last_raw: int,
    ) -> int:
        """Book one fill of a risk order unless the node booked it to the leg it closes.

        The leg is the one ``side`` closes (SELL closes LONG in hedge mode); ``position_id`` is
        the ID the node booked the fill to (text, None when it named none). Each fill must be
        recorded once (the binding de-duplicates by trade ID): its quantity adds to the order's.
        Returns the raw quantity added (0 for a fill on the leg's own ID).
        """
        leg = leg_for(mode, side, None, closing=True)
        if position_id == position_id_text(str(instrument_key), mode, leg):
            return 0
        before = self._closes.get(client_order_id)
        filled = last_raw + (before.filled_raw if before is not None else 0)
        return self.record(VenueClose(client_order_id, kind, instrument_key, leg, side, filled))

    def offset_raw(self, instrument_key: Hashable, leg: str) -> int:
        """The signed raw quantity the venue closed on this leg that the node did not book."""
        return self._offsets.get((instrument_key, leg), 0)

    def legs(self) -> list[tuple[Hashable, str]]:
        """Every (instrument, leg) with a non-zero offset."""
        return [key for key, offset in self._offsets.items() if offset]

    def holding(self, own_signed_raw: int, instrument_key: Hashable, leg: str) -> Holding:
        """The leg as the venue holds it: the strategy's own signed quantity plus the offset."""
        return Holding.of_signed(own_signed_raw + self.offset_raw(instrument_key, leg))


def holding_leg(mode: PositionMode, position_side: object = None) -> str:
    """The leg ``kit_holding(instrument_id, position_side)`` reads, on both generations: BOTH in
    one-way mode (``position_side`` is ignored, as in the position ID), the named leg in hedge
    mode, where it is required."""
    leg = normalize_position_side(position_side)
    if mode is PositionMode.ONE_WAY:
        return "BOTH"
    if leg is None:
        raise PositionModeViolation(
            "position_side", None, "is required in hedge mode",
            "pass position_side='LONG' or 'SHORT'",
        )
    return leg


def reduce_only_allowed(
    own_signed_raw: int, position_side: PositionSide, quantity_raw: int,
) -> bool:
    """Whether Nautilus lets a reduce-only close of ``quantity_raw`` through on a leg whose own
    position (the node's, on the leg's ID) is ``own_signed_raw``.

    Both generations' risk engines deny a reduce-only order the position it names does not
    cover (v1: "Reduce only order would increase position", v2:
    ``REDUCE_ONLY_WOULD_INCREASE_POSITION``). After a venue close booked elsewhere the node's
    leg may be smaller than the venue's holding, or on the other side: such a close is sent
    without the flag, sized by the venue's holding (:meth:`VenueCloseLedger.holding`).

    >>> reduce_only_allowed(10, PositionSide.LONG, 10)
    True
    >>> reduce_only_allowed(0, PositionSide.SHORT, 4)
    False
    """
    held = own_signed_raw if position_side is PositionSide.LONG else -own_signed_raw
    return held >= quantity_raw


__all__ = [
    "FILL_SIGN",
    "REUSED_CLIENT_ORDER_IDS",
    "RISK_CLIENT_ID_PREFIXES",
    "Holding",
    "RiskEventKind",
    "VenueClose",
    "VenueCloseLedger",
    "classify_client_order_id",
    "distinct_client_order_id",
    "holding_leg",
    "reduce_only_allowed",
]
