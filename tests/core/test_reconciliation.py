"""The position check both bindings share (``core/reconciliation.py``), on plain values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nautilus_exec_kit.core.errors import ReconciliationMismatch
from nautilus_exec_kit.core.reconciliation import (
    MismatchKind,
    NodePosition,
    PositionCheck,
    VenuePosition,
    binance_instrument_id,
    check_positions,
    confirmed,
    venue_positions_from_rows,
)

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
