"""The core's venue-close ledger: the leg as the venue holds it after closes v2 booked elsewhere."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nautilus_exec_kit.core.risk import (
    Holding,
    RiskEventKind,
    VenueClose,
    VenueCloseLedger,
    classify_client_order_id,
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
