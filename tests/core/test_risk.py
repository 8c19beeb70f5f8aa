"""The core's venue-close ledger: the leg as the venue holds it after closes Nautilus (v1 and v2)
booked elsewhere."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nautilus_exec_kit.core.errors import PositionModeViolation
from nautilus_exec_kit.core.positions import PositionMode
from nautilus_exec_kit.core.risk import (
    Holding,
    RiskEventKind,
    VenueClose,
    VenueCloseLedger,
    classify_client_order_id,
    distinct_client_order_id,
    holding_leg,
    reduce_only_allowed,
)
from nautilus_exec_kit.core.vocab import OrderSide, PositionSide

LIQ = RiskEventKind.LIQUIDATION


def _close(coid: str, side: OrderSide, raw: int, leg: str = "BOTH") -> VenueClose:
    return VenueClose(coid, LIQ, "BTCUSDT-PERP.BINANCE", leg, side, raw)


def test_each_binance_prefix_is_classified_and_ordinary_ids_are_not() -> None:
    assert classify_client_order_id("autoclose-1796423624811") is RiskEventKind.LIQUIDATION
    assert classify_client_order_id("adl_autoclose") is RiskEventKind.ADL
    assert classify_client_order_id("settlement_autoclose-1") is RiskEventKind.SETTLEMENT
    for ordinary in ("O-20261204-223343-001-001-1", "x-autoclose-1", "", None):
        assert classify_client_order_id(ordinary) is None


@given(st.integers(min_value=1, max_value=2**63 - 1), st.integers(min_value=1, max_value=2**63 - 1))
def test_only_the_reused_adl_id_is_made_distinct_and_stays_an_adl(first: int, second: int) -> None:
    renamed = distinct_client_order_id("adl_autoclose", str(first))
    assert renamed == f"adl_autoclose-{first}"
    assert classify_client_order_id(renamed) is RiskEventKind.ADL
    assert (renamed == distinct_client_order_id("adl_autoclose", str(second))) == (first == second)
    # already distinct (once renamed, or Binance's per-order IDs) or ordinary: kept
    for kept in (renamed, f"autoclose-{first}", f"settlement_autoclose-{first}", "O-1", None):
        assert distinct_client_order_id(kept, str(second)) is None


def test_a_liquidated_long_reads_flat_and_a_later_sell_reads_short() -> None:
    ledger = VenueCloseLedger()
    assert ledger.holding(10, "BTCUSDT-PERP.BINANCE", "BOTH") == Holding(PositionSide.LONG, 10)
    assert ledger.record(_close("autoclose-1", OrderSide.SELL, 10)) == 10
    assert ledger.holding(10, "BTCUSDT-PERP.BINANCE", "BOTH") == Holding(None, 0)
    # the node's -BOTH sells 4 of its (stale) long: the venue is short 4
    assert ledger.holding(6, "BTCUSDT-PERP.BINANCE", "BOTH") == Holding(PositionSide.SHORT, 4)
    assert ledger.legs() == [("BTCUSDT-PERP.BINANCE", "BOTH")]
    assert ledger.holding(10, "ETHUSDT-PERP.BINANCE", "BOTH") == Holding(PositionSide.LONG, 10)


def test_an_order_filled_in_several_trades_counts_once_at_its_latest_quantity() -> None:
    ledger = VenueCloseLedger()
    assert ledger.record(_close("autoclose-1", OrderSide.SELL, 3)) == 3
    assert ledger.record(_close("autoclose-1", OrderSide.SELL, 3)) == 0  # read again
    assert ledger.record(_close("autoclose-1", OrderSide.SELL, 7)) == 4
    assert ledger.offset_raw("BTCUSDT-PERP.BINANCE", "BOTH") == -7
    assert len(ledger) == 1


@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(list(OrderSide)[1:]),
                          st.integers(1, 50)), max_size=20))
def test_the_offset_is_the_signed_sum_of_each_orders_largest_fill(
    reads: list[tuple[int, OrderSide, int]],
) -> None:
    ledger = VenueCloseLedger()
    largest: dict[int, tuple[OrderSide, int]] = {}
    for n, side, raw in reads:
        side = largest.get(n, (side, 0))[0]  # an order keeps its side
        ledger.record(_close(f"autoclose-{n}", side, raw))
        largest[n] = (side, max(raw, largest.get(n, (side, 0))[1]))
    expected = sum(raw if side is OrderSide.BUY else -raw for side, raw in largest.values())
    assert ledger.offset_raw("BTCUSDT-PERP.BINANCE", "BOTH") == expected


def test_a_fill_booked_away_is_recorded_on_the_leg_it_closes_and_own_leg_fills_are_not() -> None:
    ledger = VenueCloseLedger()
    iid = "BTCUSDT-PERP.BINANCE"
    one_way, hedge = PositionMode.ONE_WAY, PositionMode.HEDGE
    # NautilusTrader (both generations, live) books a liquidation to -EXTERNAL
    assert ledger.record_fill("autoclose-1", LIQ, iid, one_way, OrderSide.SELL,
                              f"{iid}-EXTERNAL", 4) == 4
    assert ledger.record_fill("autoclose-1", LIQ, iid, one_way, OrderSide.SELL,
                              f"{iid}-EXTERNAL", 6) == 6  # the order's second trade adds
    assert ledger.offset_raw(iid, "BOTH") == -10
    assert len(ledger) == 1
    # a fill booked to the leg's own ID (the kit's backtest venue) needs no correction
    assert ledger.record_fill("autoclose-2", LIQ, iid, one_way, OrderSide.SELL,
                              f"{iid}-BOTH", 5) == 0
    assert ledger.offset_raw(iid, "BOTH") == -10
    # hedge mode: a BUY closes the SHORT leg; a fill with no position ID is booked away too
    assert ledger.record_fill("adl_autoclose", RiskEventKind.ADL, iid, hedge, OrderSide.BUY,
                              None, 3) == 3
    assert ledger.record_fill("autoclose-3", LIQ, iid, hedge, OrderSide.SELL,
                              f"{iid}-LONG", 7) == 0
    assert (ledger.offset_raw(iid, "SHORT"), ledger.offset_raw(iid, "LONG")) == (3, 0)


def test_kit_holding_reads_both_in_one_way_mode_and_needs_the_leg_in_hedge_mode() -> None:
    assert holding_leg(PositionMode.ONE_WAY) == "BOTH"
    assert holding_leg(PositionMode.ONE_WAY, "LONG") == "BOTH"
    assert holding_leg(PositionMode.HEDGE, "short") == "SHORT"
    assert holding_leg(PositionMode.HEDGE, PositionSide.LONG) == "LONG"
    with pytest.raises(PositionModeViolation):
        holding_leg(PositionMode.HEDGE)


@given(st.integers(-50, 50), st.sampled_from([PositionSide.LONG, PositionSide.SHORT]),
       st.integers(1, 50))
def test_reduce_only_is_allowed_exactly_when_the_nodes_leg_covers_the_close(
    own: int, side: PositionSide, quantity: int,
) -> None:
    # Nautilus' risk engine: the position the order names must be on the side the order
    # reduces and at least as large as the order
    covered = (own > 0 if side is PositionSide.LONG else own < 0) and abs(own) >= quantity
    assert reduce_only_allowed(own, side, quantity) is covered
