"""Unit tests of positions.py: position IDs, legs, hedge flags, close sizing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from nautilus_trader.model.enums import OrderSide, PositionSide
from nautilus_trader.model.identifiers import PositionId

from nautilus_exec_kit.core.errors import ConfigurationError, PositionModeViolation
from nautilus_exec_kit.positions import (
    PositionMode,
    check_close_quantity,
    check_hedge_flags,
    leg_for,
    normalize_position_side,
    parse_position_mode,
    position_id_for,
)
from tests.conftest import IID


def test_position_ids_match_the_adapter() -> None:
    assert position_id_for(IID, PositionMode.ONE_WAY) == PositionId("BTCUSDT-PERP.BINANCE-BOTH")
    assert position_id_for(IID, PositionMode.ONE_WAY, "LONG") == PositionId(f"{IID}-BOTH")
    assert position_id_for(IID, PositionMode.HEDGE, "LONG") == PositionId(f"{IID}-LONG")
    assert position_id_for(IID, PositionMode.HEDGE, "SHORT") == PositionId(f"{IID}-SHORT")
    # cached: the same object every time
    assert position_id_for(IID, PositionMode.HEDGE, "LONG") is position_id_for(
        IID, PositionMode.HEDGE, "LONG",
    )


def test_hedge_needs_a_leg() -> None:
    with pytest.raises(PositionModeViolation):
        position_id_for(IID, PositionMode.HEDGE, None)


@pytest.mark.parametrize(
    ("side", "closing", "expected"),
    [
        (OrderSide.BUY, False, "LONG"),
        (OrderSide.SELL, False, "SHORT"),
        (OrderSide.SELL, True, "LONG"),
        (OrderSide.BUY, True, "SHORT"),
    ],
)
def test_hedge_leg_selection(side: OrderSide, closing: bool, expected: str) -> None:
    assert leg_for(PositionMode.HEDGE, side, None, closing) == expected
    assert leg_for(PositionMode.ONE_WAY, side, None, closing) == "BOTH"


def test_explicit_position_side_wins() -> None:
    assert leg_for(PositionMode.HEDGE, OrderSide.BUY, "SHORT") == "SHORT"
    assert normalize_position_side(PositionSide.LONG) == "LONG"
    assert normalize_position_side("short") == "SHORT"
    with pytest.raises(PositionModeViolation):
        normalize_position_side("BOTH")


def test_parse_position_mode() -> None:
    assert parse_position_mode("hedge") is PositionMode.HEDGE
    with pytest.raises(ConfigurationError, match="ONE_WAY"):
        parse_position_mode("NETTING")


def test_reduce_only_refused_in_hedge_only() -> None:
    check_hedge_flags(PositionMode.ONE_WAY, True)
    check_hedge_flags(PositionMode.HEDGE, False)
    with pytest.raises(PositionModeViolation, match="reduce"):
        check_hedge_flags(PositionMode.HEDGE, True)


def test_over_close_refused() -> None:
    check_close_quantity("LONG", Decimal("0.010"), Decimal("0.010"))
    with pytest.raises(PositionModeViolation, match=r"closable LONG quantity 0\.010"):
        check_close_quantity("LONG", Decimal("0.011"), Decimal("0.010"))
