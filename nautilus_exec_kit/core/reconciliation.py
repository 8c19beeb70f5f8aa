"""Do the node's positions equal the venue's after reconciliation? The comparison both bindings
make, on plain values.

Why: Nautilus reconciles at start-up and then trusts the result. If that result is wrong, a
strategy trades on a position that does not exist. Known cases: nautilus_trader #3104 on 1.231
(hedge mode: LONG and SHORT at the venue, one position in the node), and, measured against the
sandbox on 2.0.0rc6 (``tests/nautilus2/test_kit_nautilus2.py``), a fill that lands while the
node reconciles is counted twice: once in the venue's position report, once more when the
buffered fill event is applied right after (the node then holds 0.050 where Binance holds
0.030). So the kit checks the outcome against the venue's own positions instead of trusting it,
and says so loudly: :func:`check_positions` names every mismatch, :meth:`PositionCheck.describe`
says what to do, and a binding acts on :class:`MismatchAction`.

What is compared: every open position of the node (all owners, EXTERNAL and generated
``P-...`` IDs included, as :class:`NodePosition`) with the venue's (:class:`VenuePosition`, from
Binance ``positionRisk`` rows or a binding's position reports). In hedge mode each leg on its
own; in one-way mode the net quantity per instrument. In one-way mode a venue that holds
LONG / SHORT legs is a mismatch of its own (:attr:`MismatchKind.VENUE_HOLDS_HEDGE_LEGS`): the
account is in hedge mode and the node trades it as one-way.

Which leg a node position counts on (:meth:`NodePosition.legs`) is read the way the kit's
helpers read a leg (``kit_holding``, :mod:`nautilus_exec_kit.core.risk`). NautilusTrader 1.231
books Binance's own closes (liquidation, ADL, settlement) to ``{instrument}-EXTERNAL`` and
leaves the closed leg open (v2 does so in one-way mode, or books to a generated ``P-...`` for a
claiming strategy), so a liquidated LONG shows as a stale ``-LONG`` plus an ``-EXTERNAL`` SHORT.
Counted by their sides, that is two mismatches on a flat venue (a false halt after a restart
with a persisted cache); counted on the leg each risk fill closed (a SELL closes LONG, a BUY
closes SHORT), the two cancel, as they do at the venue.

A check right after start-up can see a fill in transit (in the venue's answer, not yet in the
node, or the other way round); :func:`confirmed` keeps only what differs in two reads
:data:`CONFIRM_DELAY_MS` apart, which is how the v2 binding decides (v1 compares the engine's
own reconciliation snapshot, so one read is the verdict there).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

import attrs

from nautilus_exec_kit.core.errors import ReconciliationMismatch
from nautilus_exec_kit.core.positions import PositionMode, leg_for
from nautilus_exec_kit.core.risk import FILL_SIGN, classify_client_order_id
from nautilus_exec_kit.core.vocab import OrderSide

#: Binance position sides; BOTH is one-way mode.
POSITION_SIDES: Final[frozenset[str]] = frozenset({"BOTH", "LONG", "SHORT"})
#: The hedge legs.
HEDGE_LEGS: Final[frozenset[str]] = frozenset({"LONG", "SHORT"})

#: How long after the strategies start the v2 binding first reads the venue: events the node
#: buffered while it reconciled are applied right after the strategies start (measured: within
#: a millisecond on the sandbox; a second leaves room for Binance's stream lag).
STARTUP_CHECK_DELAY_MS: Final = 1_000
#: The wait before a mismatch is read again; only a mismatch that persists counts.
CONFIRM_DELAY_MS: Final = 1_000


class MismatchKind(StrEnum):
    """How the node's view of one position differs from the venue's."""

    #: The venue has a position the node does not hold at all.
    MISSING_IN_NODE = "missing_in_node"
    #: Both hold it, with different quantities (or sides).
    QUANTITY_DIFFERS = "quantity_differs"
    #: The node holds a position the venue reports flat.
    UNKNOWN_AT_VENUE = "unknown_at_venue"
    #: Hedge mode: LONG and SHORT both open at the venue, one leg missing in the node (#3104).
    HEDGE_LEG_LOST = "hedge_leg_lost"
    #: One-way mode: the venue holds a LONG / SHORT leg, so the account is in hedge mode.
    VENUE_HOLDS_HEDGE_LEGS = "venue_holds_hedge_legs"


class MismatchAction(StrEnum):
    """What a binding does besides logging when a check fails."""

    #: Log an ERROR only (and keep the verdict).
    LOG = "log"
    #: Refuse orders that would increase a position (v1: the risk engine's REDUCING state).
    REDUCE = "reduce"
    #: Refuse every new order until an operator resumes trading.
    HALT = "halt"


def _side(value: str) -> str:
    side = value.upper()
    if side not in POSITION_SIDES:
        raise ValueError(f"position side {value!r} is not one of {sorted(POSITION_SIDES)}")
    return side


@attrs.frozen
class VenuePosition:
    """One position as the venue reports it: ``quantity`` is signed (negative = short)."""

    instrument_id: str = attrs.field(converter=str)
    side: str = attrs.field(converter=_side)
    quantity: Decimal = attrs.field(converter=Decimal)

    @property
    def position_id(self) -> str:
        """The position ID the Binance adapters use for it (``{instrument_id}-{side}``)."""
        return f"{self.instrument_id}-{self.side}"


@attrs.frozen
class NodeFill:
    """One fill of a node position: its order's client ID, its side and its (unsigned) size."""

    client_order_id: str = attrs.field(converter=str)
    side: OrderSide
    quantity: Decimal = attrs.field(converter=Decimal)

    @property
    def signed_quantity(self) -> Decimal:
        return FILL_SIGN[self.side] * self.quantity


def _fills(fills: Iterable[NodeFill]) -> tuple[NodeFill, ...]:
    return tuple(fills)


@attrs.frozen
class NodePosition:
    """One open position of the node: its instrument, its ID, its signed quantity and its
    fills (only those of the venue's own closes matter; a binding may pass every fill)."""

    instrument_id: str = attrs.field(converter=str)
    position_id: str = attrs.field(converter=str)
    quantity: Decimal = attrs.field(converter=Decimal)
    fills: tuple[NodeFill, ...] = attrs.field(default=(), converter=_fills)

    def legs(self, hedge_mode: bool) -> dict[str, Decimal]:
        """The venue legs it counts on, with the signed quantity on each (summing to its
        quantity): BOTH in one-way mode; in hedge mode the ID's ``-LONG`` / ``-SHORT``. Another
        ID (``-EXTERNAL``, a generated ``P-...``) counts each risk fill (liquidation, ADL,
        settlement) on the leg it closed, as ``kit_holding`` reads the legs, and the rest on the
        side it has."""
        if not hedge_mode:
            return {"BOTH": self.quantity}
        suffix = self.position_id.rsplit("-", 1)[-1]
        if suffix in HEDGE_LEGS:
            return {suffix: self.quantity}
        legs: dict[str, Decimal] = defaultdict(Decimal)
        for fill in self.fills:
            if classify_client_order_id(fill.client_order_id) is not None:
                leg = leg_for(PositionMode.HEDGE, fill.side, closing=True)
                legs[leg] += fill.signed_quantity
        rest = self.quantity - sum(legs.values(), Decimal(0))
        if rest:
            legs["LONG" if rest > 0 else "SHORT"] += rest
        return dict(legs)


def binance_instrument_id(symbol: str) -> str:
    """``BTCUSDT`` -> ``BTCUSDT-PERP.BINANCE`` (how both adapters name USDT-M perpetuals)."""
    return f"{symbol.upper()}-PERP.BINANCE"


def venue_positions_from_rows(
    rows: Iterable[Mapping[str, Any]],
    instrument_for_symbol: Callable[[str], Any] = binance_instrument_id,
) -> list[VenuePosition]:
    """Positions from Binance ``positionRisk``-shaped rows (``symbol``, ``positionSide``,
    ``positionAmt``): the venue's REST answer or the sandbox's ``truth()["positions"]``.

    Flat rows are dropped, as the adapters do.
    """
    positions = []
    for row in rows:
        amount = Decimal(str(row["positionAmt"]))
        if amount == 0:
            continue
        positions.append(
            VenuePosition(instrument_for_symbol(str(row["symbol"])),
                          str(row.get("positionSide", "BOTH")), amount)
        )
    return positions


def node_totals(
    positions: Iterable[NodePosition], hedge_mode: bool,
) -> dict[tuple[str, str], Decimal]:
    """Signed open quantity per (instrument, leg) (:meth:`NodePosition.legs`)."""
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for position in positions:
        for leg, quantity in position.legs(hedge_mode).items():
            totals[(position.instrument_id, leg)] += quantity
    return dict(totals)


@attrs.frozen
class PositionMismatch:
    """One position where node and venue disagree, with both quantities (signed)."""

    kind: MismatchKind
    instrument_id: str
    side: str
    node_quantity: Decimal
    venue_quantity: Decimal

    @property
    def key(self) -> tuple[str, str]:
        return (self.instrument_id, self.side)

    def describe(self) -> str:
        """One line a person can act on."""
        return (f"{self.instrument_id} {self.side}: node {self.node_quantity} vs venue "
                f"{self.venue_quantity} ({self.kind.value})")


#: What each kind adds to the summary: the likely cause and what to change.
HINTS: Final[Mapping[MismatchKind, str]] = {
    MismatchKind.HEDGE_LEG_LOST: (
        "hedge mode lost a leg (nautilus_trader #3104): check the exec client has "
        "use_reduce_only=False and use_position_ids=True, then restart"
    ),
    MismatchKind.VENUE_HOLDS_HEDGE_LEGS: (
        "the account is in hedge mode (dual-side positions) and the strategies trade it as "
        "one-way: set position_mode='HEDGE', or switch the account to one-way when it is flat"
    ),
}


@attrs.frozen
class PositionCheck:
    """The result of one comparison; ``ok`` when nothing differs."""

    hedge_mode: bool
    instrument_ids: tuple[str, ...]
    mismatches: tuple[PositionMismatch, ...] = ()

    @property
    def ok(self) -> bool:
        """True when node and venue agree on every checked position."""
        return not self.mismatches

    @property
    def hedge_leg_lost(self) -> bool:
        """True for the nautilus_trader #3104 case."""
        return any(m.kind is MismatchKind.HEDGE_LEG_LOST for m in self.mismatches)

    def describe(self) -> str:
        """A summary naming every mismatch and what to do about it."""
        if self.ok:
            ids = ", ".join(self.instrument_ids) or "no open positions"
            return f"positions match the venue ({ids})"
        lines = [f"{len(self.mismatches)} position mismatch(es) after reconciliation:"]
        lines += [f"  - {m.describe()}" for m in self.mismatches]
        kinds = dict.fromkeys(m.kind for m in self.mismatches)
        lines += [f"  {HINTS[kind]}" for kind in kinds if kind in HINTS]
        lines.append("  do not trade until the node's positions match the venue's")
        return "\n".join(lines)

    def raise_if_mismatch(self) -> None:
        """Raise :class:`~nautilus_exec_kit.errors.ReconciliationMismatch` unless ``ok``."""
        if not self.ok:
            raise ReconciliationMismatch(self.describe(), self.mismatches)

    def to_json(self) -> bytes:
        """JSON for a cache / logs (quantities as strings)."""
        return json.dumps({
            "hedge_mode": self.hedge_mode,
            "instrument_ids": list(self.instrument_ids),
            "mismatches": [
                {"kind": m.kind.value, "instrument_id": m.instrument_id, "side": m.side,
                 "node_quantity": str(m.node_quantity), "venue_quantity": str(m.venue_quantity)}
                for m in self.mismatches
            ],
        }).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> PositionCheck:
        """Inverse of :meth:`to_json`."""
        raw = json.loads(data)
        return cls(
            hedge_mode=bool(raw["hedge_mode"]),
            instrument_ids=tuple(raw["instrument_ids"]),
            mismatches=tuple(
                PositionMismatch(MismatchKind(m["kind"]), m["instrument_id"], m["side"],
                                 Decimal(m["node_quantity"]), Decimal(m["venue_quantity"]))
                for m in raw["mismatches"]
            ),
        )


def _kind(have: Decimal, want: Decimal, side: str, hedge_mode: bool,
          both_legs: bool) -> MismatchKind:
    if not hedge_mode and side in HEDGE_LEGS:
        return MismatchKind.VENUE_HOLDS_HEDGE_LEGS
    if have == 0:
        return MismatchKind.HEDGE_LEG_LOST if hedge_mode and both_legs else \
            MismatchKind.MISSING_IN_NODE
    if want == 0:
        return MismatchKind.UNKNOWN_AT_VENUE
    return MismatchKind.QUANTITY_DIFFERS


def check_positions(
    node: Iterable[NodePosition],
    venue: Iterable[VenuePosition],
    *,
    hedge_mode: bool,
    instrument_ids: Iterable[Any] | None = None,
) -> PositionCheck:
    """Compare the node's open positions with the venue's.

    ``instrument_ids`` limits the check (default: every instrument either side holds). In hedge
    mode, a missing leg while the venue holds both legs of an instrument is reported as
    :attr:`MismatchKind.HEDGE_LEG_LOST` (the #3104 case). In one-way mode the venue's hedge
    legs are kept apart from its net (:attr:`MismatchKind.VENUE_HOLDS_HEDGE_LEGS`).
    """
    node_qty = node_totals(node, hedge_mode)
    venue_qty: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for pos in venue:
        leg = pos.side if hedge_mode or pos.side in HEDGE_LEGS else "BOTH"
        venue_qty[(pos.instrument_id, leg)] += pos.quantity
    scope = (frozenset(str(i) for i in instrument_ids) if instrument_ids is not None
             else frozenset(k[0] for k in (*node_qty, *venue_qty)))
    both_legs = {iid for iid in scope
                 if venue_qty.get((iid, "LONG")) and venue_qty.get((iid, "SHORT"))}
    mismatches = []
    for key in sorted({*node_qty, *venue_qty}):
        iid, side = key
        if iid not in scope:
            continue
        have, want = node_qty.get(key, Decimal(0)), venue_qty.get(key, Decimal(0))
        if have == want:
            continue
        kind = _kind(have, want, side, hedge_mode, iid in both_legs)
        mismatches.append(PositionMismatch(kind, iid, side, have, want))
    return PositionCheck(hedge_mode, tuple(sorted(scope)), tuple(mismatches))


def confirmed(first: PositionCheck, second: PositionCheck) -> PositionCheck:
    """``second`` with only the mismatches whose position also differed in ``first``: a fill
    in transit during one read does not count, a wrong position that stays does."""
    before = {m.key for m in first.mismatches}
    return attrs.evolve(second, mismatches=tuple(m for m in second.mismatches
                                                 if m.key in before))


__all__ = [
    "CONFIRM_DELAY_MS",
    "HEDGE_LEGS",
    "HINTS",
    "POSITION_SIDES",
    "STARTUP_CHECK_DELAY_MS",
    "MismatchAction",
    "MismatchKind",
    "NodeFill",
    "NodePosition",
    "PositionCheck",
    "PositionMismatch",
    "VenuePosition",
    "binance_instrument_id",
    "check_positions",
    "confirmed",
    "node_totals",
    "venue_positions_from_rows",
]
