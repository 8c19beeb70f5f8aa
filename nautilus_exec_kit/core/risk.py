"""Venue-generated closes (liquidation, ADL, delisting settlement), as plain values.

Why in the core: Binance closes positions by itself in three cases and marks each with a client
order ID the kit recognises (:data:`RISK_CLIENT_ID_PREFIXES`). Both Nautilus generations turn such
a fill into an *external* order nobody submitted; what differs is where the fill is booked:

* NautilusTrader 1.231 books it to the venue's position ID (``{instrument}-BOTH``, or the leg's
  in hedge mode): the strategy's own position shrinks, so nothing needs correcting.
* NautilusTrader 2 (rc6, measured against the sandbox) books it to a new position
  (``{instrument}-EXTERNAL``, or a generated ``P-...`` when the strategy claims external
  orders): the strategy's ``-BOTH`` position stays open in the node while the venue is flat.

:class:`VenueCloseLedger` keeps what the venue closed behind the strategy's back, per instrument
and leg, so a binding can read the position the venue actually holds: the strategy's own signed
quantity plus the ledger's offset (:meth:`VenueCloseLedger.holding`). It counts each closing
order once, at its latest filled quantity, so a liquidation filled in several trades is neither
missed nor counted twice.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from enum import StrEnum
from typing import Final

import attrs

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

#: The signed direction a fill of each side moves a position in.
_SIGN: Final[dict[OrderSide, int]] = {OrderSide.BUY: 1, OrderSide.SELL: -1}


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
        return _SIGN[self.side] * self.filled_raw


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

    A binding records each risk order it finds (:meth:`record`, idempotent, growing with the
    order's filled quantity) and reads a leg through :meth:`holding`. The ledger never shrinks
    on its own: the strategy's own position keeps the fills it saw, the ledger the ones it did
    not, and their sum is the venue's position for as long as the node runs (a restart starts
    from the venue's reconciled positions and an empty ledger).
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
        self._offsets[key] = self._offsets.get(key, 0) + _SIGN[close.side] * added
        return added

    def offset_raw(self, instrument_key: Hashable, leg: str) -> int:
        """The signed raw quantity the venue closed on this leg that the node did not book."""
        return self._offsets.get((instrument_key, leg), 0)

    def legs(self) -> list[tuple[Hashable, str]]:
        """Every (instrument, leg) with a non-zero offset."""
        return [key for key, offset in self._offsets.items() if offset]

    def holding(self, own_signed_raw: int, instrument_key: Hashable, leg: str) -> Holding:
        """The leg as the venue holds it: the strategy's own signed quantity plus the offset."""
        return Holding.of_signed(own_signed_raw + self.offset_raw(instrument_key, leg))


__all__ = [
    "RISK_CLIENT_ID_PREFIXES",
    "Holding",
    "RiskEventKind",
    "VenueClose",
    "VenueCloseLedger",
    "classify_client_order_id",
]
