"""The position check both bindings share (``core/reconciliation.py``), on plain values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nautilus_exec_kit.core.errors import ReconciliationMismatch
from nautilus_exec_kit.core.positions import PositionMode
from nautilus_exec_kit.core.reconciliation import (
    MismatchKind,
    NodeFill,
    NodePosition,
    PositionCheck,
    VenuePosition,
    binance_instrument_id,
    check_positions,
    confirmed,
    node_totals,
    venue_positions_from_rows,
)
from nautilus_exec_kit.core.risk import Holding, RiskEventKind, VenueCloseLedger
from nautilus_exec_kit.core.vocab import OrderSide, PositionSide

IID = binance_instrument_id("BTCUSDT")


def _rows(*legs: tuple[str, str]) -> list[VenuePosition]:
    return venue_positions_from_rows(
        [{"symbol": "BTCUSDT", "positionSide": side, "positionAmt": amount}
         for side, amount in legs])


def test_rows_name_the_perpetual_and_drop_flat_legs() -> None:
    venue = _rows(("BOTH", "0.030"), ("LONG", "0"), ("SHORT", "0.000"))
    assert venue == [VenuePosition("BTCUSDT-PERP.BINANCE", "BOTH", Decimal("0.030"))]
    assert venue[0].position_id == "BTCUSDT-PERP.BINANCE-BOTH"
    with pytest.raises(ValueError, match="position side"):
        VenuePosition(IID, "SIDEWAYS", "1")


def test_one_way_compares_the_net_of_every_owner_and_id() -> None:
    """v2 recovers a restarted position on a generated ``P-...`` ID and books a liquidation to
    ``-EXTERNAL``: in one-way mode only the instrument's net counts."""
    node = [NodePosition(IID, f"{IID}-BOTH", "0.010"), NodePosition(IID, "P-1", "0.030"),
            NodePosition(IID, f"{IID}-EXTERNAL", "-0.010")]
    assert check_positions(node, _rows(("BOTH", "0.030")), hedge_mode=False).ok


def test_a_fill_counted_twice_at_start_up_is_a_quantity_mismatch() -> None:
    """The v2 case measured against the sandbox: the node holds 0.050, Binance 0.030."""
    node = [NodePosition(IID, "P-1", "0.030"), NodePosition(IID, "P-2", "0.020")]
    check = check_positions(node, _rows(("BOTH", "0.030")), hedge_mode=False)
    [mismatch] = check.mismatches
    assert (mismatch.kind, mismatch.node_quantity, mismatch.venue_quantity) == (
        MismatchKind.QUANTITY_DIFFERS, Decimal("0.050"), Decimal("0.030"))
    text = check.describe()
    assert "BTCUSDT-PERP.BINANCE BOTH: node 0.050 vs venue 0.030 (quantity_differs)" in text
    assert "do not trade" in text
    with pytest.raises(ReconciliationMismatch) as info:
        check.raise_if_mismatch()
    assert info.value.mismatches == check.mismatches
    assert PositionCheck.from_json(check.to_json()) == check


@pytest.mark.parametrize(
    ("node", "venue", "kind"),
    [([], [("BOTH", "0.010")], MismatchKind.MISSING_IN_NODE),
     ([("P-1", "0.010")], [], MismatchKind.UNKNOWN_AT_VENUE),
     ([("P-1", "-0.010")], [("BOTH", "0.010")], MismatchKind.QUANTITY_DIFFERS)],
)
def test_each_one_way_kind(node: list[tuple[str, str]], venue: list[tuple[str, str]],
                           kind: MismatchKind) -> None:
    check = check_positions([NodePosition(IID, pid, q) for pid, q in node], _rows(*venue),
                            hedge_mode=False)
    assert [m.kind for m in check.mismatches] == [kind]


def test_hedge_legs_are_compared_one_by_one_and_a_lost_leg_is_3104() -> None:
    venue = _rows(("LONG", "0.020"), ("SHORT", "-0.010"))
    node = [NodePosition(IID, f"{IID}-LONG", "0.020")]
    check = check_positions(node, venue, hedge_mode=True)
    assert check.hedge_leg_lost and "#3104" in check.describe()
    # a recovered leg on a generated ID counts against the leg its side names
    both = [*node, NodePosition(IID, "P-7", "-0.010")]
    assert check_positions(both, venue, hedge_mode=True).ok


def test_a_one_way_node_on_a_hedge_account_is_a_mismatch_even_when_the_nets_agree() -> None:
    """The nets of LONG 0.020 and SHORT -0.010 agree with a one-way +0.010, and the node would
    still trade the account wrong: the legs stay apart and the message says what to change."""
    venue = _rows(("LONG", "0.020"), ("SHORT", "-0.010"))
    check = check_positions([NodePosition(IID, "P-1", "0.010")], venue, hedge_mode=False)
    assert {m.kind for m in check.mismatches} == {MismatchKind.VENUE_HOLDS_HEDGE_LEGS,
                                                  MismatchKind.UNKNOWN_AT_VENUE}
    assert "position_mode='HEDGE'" in check.describe()


def test_the_scope_limits_the_check() -> None:
    other = binance_instrument_id("ETHUSDT")
    venue = [VenuePosition(other, "BOTH", "1")]
    assert not check_positions([], venue, hedge_mode=False).ok
    assert check_positions([], venue, hedge_mode=False, instrument_ids=[IID]).ok


def test_only_a_mismatch_seen_in_both_reads_is_confirmed() -> None:
    node = [NodePosition(IID, "P-1", "0.030")]
    in_transit = check_positions(node, _rows(("BOTH", "0.040")), hedge_mode=False)
    settled = check_positions(node, _rows(("BOTH", "0.030")), hedge_mode=False)
    assert confirmed(in_transit, settled).ok
    still = check_positions(node, _rows(("BOTH", "0.020")), hedge_mode=False)
    assert confirmed(in_transit, still).mismatches == still.mismatches
    assert confirmed(settled, still).ok  # first seen on the second read: not yet confirmed


@given(st.lists(st.decimals(min_value=-5, max_value=5, places=3), max_size=4))
def test_identical_views_always_match(qtys: list[Decimal]) -> None:
    node = [NodePosition(IID, f"P-{i}", q) for i, q in enumerate(qtys)]
    total = sum(qtys, Decimal(0))
    venue = [VenuePosition(IID, "BOTH", total)] if total else []
    assert check_positions(node, venue, hedge_mode=False).ok


BUY, SELL = OrderSide.BUY, OrderSide.SELL


def _external(*fills: tuple[str, OrderSide, str]) -> NodePosition:
    """The ``-EXTERNAL`` position both generations book the venue's own closes to."""
    node_fills = [NodeFill(coid, side, qty) for coid, side, qty in fills]
    return NodePosition(IID, f"{IID}-EXTERNAL", sum((f.signed_quantity for f in node_fills),
                                                    Decimal(0)), node_fills)


def test_a_hedge_liquidation_booked_to_external_counts_on_the_leg_it_closed() -> None:
    """The false halt after a hedge liquidation and a restart: the stale ``-LONG`` and the
    ``-EXTERNAL`` SHORT of the liquidation's SELL are the venue's flat LONG leg; the SHORT leg
    keeps only its own position."""
    node = [NodePosition(IID, f"{IID}-LONG", "0.004"), NodePosition(IID, f"{IID}-SHORT", "-0.003"),
            _external(("autoclose-1700000000000", SELL, "0.004"))]
    assert check_positions(node, _rows(("SHORT", "-0.003")), hedge_mode=True).ok
    # both legs closed by the venue (a BUY closes SHORT), the fills netted in one position
    both = [NodePosition(IID, f"{IID}-LONG", "0.004"), NodePosition(IID, f"{IID}-SHORT", "-0.003"),
            _external(("autoclose-1700000000000", SELL, "0.004"), ("adl_autoclose", BUY, "0.003"))]
    assert node[-1].legs(True) == {"LONG": Decimal("-0.004")}
    assert both[-1].legs(True) == {"LONG": Decimal("-0.004"), "SHORT": Decimal("0.003")}
    assert check_positions(both, [], hedge_mode=True).ok


def test_the_venues_closes_do_not_hide_a_real_mismatch() -> None:
    node = [NodePosition(IID, f"{IID}-LONG", "0.004"),
            _external(("settlement_autoclose-1", SELL, "0.004"))]
    [mismatch] = check_positions(node, _rows(("LONG", "0.004")), hedge_mode=True).mismatches
    assert (mismatch.side, mismatch.node_quantity) == ("LONG", Decimal(0))
    # an ordinary external order in the same position still counts on the side it has
    other = [NodePosition(IID, f"{IID}-LONG", "0.004"),
             _external(("autoclose-1", SELL, "0.004"), ("other-app-1", SELL, "0.002"))]
    assert check_positions(other, _rows(("SHORT", "-0.002")), hedge_mode=True).ok
    # one-way: the net, as before
    one_way = [NodePosition(IID, f"{IID}-BOTH", "0.004"), _external(("autoclose-1", SELL, "0.004"))]
    assert check_positions(one_way, [], hedge_mode=False).ok


@given(st.lists(st.tuples(st.sampled_from(["autoclose-1", "adl_autoclose", "O-1"]),
                          st.sampled_from([BUY, SELL]),
                          st.decimals(min_value=1, max_value=9, places=0)), max_size=5),
       st.decimals(min_value=-9, max_value=9, places=0))
def test_the_check_reads_each_leg_as_kit_holding_does(
    fills: list[tuple[str, OrderSide, Decimal]], own: Decimal,
) -> None:
    """Per leg, the node's total is the ledger's holding (what the helpers read) plus what
    ordinary fills booked elsewhere hold; the legs always sum to the position's quantity."""
    external = _external(*((c, side, str(q)) for c, side, q in fills))
    assert sum(external.legs(True).values(), Decimal(0)) == external.quantity
    ledger = VenueCloseLedger()
    for trade, (coid, side, qty) in enumerate(fills):
        if coid != "O-1":
            ledger.record_fill(f"{coid}-{trade}", RiskEventKind.LIQUIDATION, IID,
                               PositionMode.HEDGE, side, external.position_id, int(qty))
    ordinary = sum((Decimal(q) * (1 if s is BUY else -1) for c, s, q in fills if c == "O-1"),
                   Decimal(0))
    totals = node_totals([NodePosition(IID, f"{IID}-LONG", own), external], hedge_mode=True)
    for leg, own_qty, rest in (("LONG", own, max(ordinary, Decimal(0))),
                               ("SHORT", Decimal(0), min(ordinary, Decimal(0)))):
        assert totals.get((IID, leg), Decimal(0)) - rest == _signed(
            ledger.holding(int(own_qty), IID, leg))


def _signed(holding: Holding) -> int:
    return holding.quantity_raw * (-1 if holding.side is PositionSide.SHORT else 1)
