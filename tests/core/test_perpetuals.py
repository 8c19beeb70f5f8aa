"""The core's perpetual economics against Binance's published formulas, computed here by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nautilus_exec_kit.core.perpetuals import (
    BTCUSDT_BRACKETS,
    Bracket,
    Leg,
    clearance_fee,
    cums,
    funding_payment,
    funding_times,
    is_liquidated,
    liquidation_price,
    maintenance_margin,
    tier,
)

D = Decimal
HOUR = 3_600 * 1_000_000_000


def test_maintenance_amounts_follow_binance_definition() -> None:
    # BTCUSDT as Binance lists it: 0, 50, 950, 11 450, 131 450
    assert cums(BTCUSDT_BRACKETS)[:5] == [D(0), D(50), D(950), D(11_450), D(131_450)]
    assert tier(BTCUSDT_BRACKETS, D(49_999))[0].maint_margin_ratio == D("0.004")
    assert tier(BTCUSDT_BRACKETS, D(50_000))[0].maint_margin_ratio == D("0.005")
    assert tier(BTCUSDT_BRACKETS, D(10) ** 12)[0] is BTCUSDT_BRACKETS[-1]
    # notional x mmr - cum, continuous at a tier boundary
    assert maintenance_margin(BTCUSDT_BRACKETS, D(50_000)) == D(50_000) * D("0.005") - 50
    assert maintenance_margin(BTCUSDT_BRACKETS, D(-40_000)) == D(160)
    assert maintenance_margin(BTCUSDT_BRACKETS, D(0)) == 0


@given(st.decimals(min_value=1, max_value=10**9, places=2))
def test_maintenance_margin_is_continuous_and_increasing(notional: Decimal) -> None:
    below = maintenance_margin(BTCUSDT_BRACKETS, notional - D("0.01"))
    here = maintenance_margin(BTCUSDT_BRACKETS, notional)
    assert D(0) <= here - below <= D("0.01") * D("0.5") + D("1e-20")


def test_longs_pay_shorts_when_the_rate_is_positive() -> None:
    assert funding_payment(D("0.5"), D(40_000), D("0.0001")) == D(-2)
    assert funding_payment(D("-0.5"), D(40_000), D("0.0001")) == D(2)
    assert funding_payment(D("0.5"), D(40_000), D("-0.0003")) == D(6)
    assert funding_payment(D(0), D(40_000), D("0.01")) == 0


def test_funding_times_are_aligned_to_utc_midnight() -> None:
    day = 24 * HOUR
    start = 19_000 * day + 3 * HOUR  # 03:00 UTC
    assert funding_times(start, start + day) == [
        19_000 * day + 8 * HOUR, 19_000 * day + 16 * HOUR, 19_001 * day]
    assert len(funding_times(start, start + day, 4)) == 6
    assert len(funding_times(start, start + day, 1)) == 24
    # a time exactly on the grid is a funding time for (start, end], not for the open end
    assert funding_times(19_000 * day, 19_000 * day + 8 * HOUR) == [19_000 * day + 8 * HOUR]
    with pytest.raises(ValueError, match="divide 24"):
        funding_times(0, day, 5)


def _margin_at(price: Decimal, legs: list[Leg], wallet: Decimal) -> tuple[Decimal, Decimal]:
    upnl = sum((leg.unrealized_pnl(price) for leg in legs), D(0))
    mm = sum((maintenance_margin(BTCUSDT_BRACKETS, leg.notional(price)) for leg in legs), D(0))
    return wallet + upnl, mm


def test_one_way_long_liquidation_price_by_hand() -> None:
    # 1 BTC long at 50 000 with 2 500 USDT: tier 2 at entry (mmr 0.5 %, cum 50) gives 47 688.44,
    # whose notional is in tier 1 (mmr 0.4 %, cum 0): (2500 - 50000) / (0.004 - 1)
    lp = liquidation_price([Leg("1", "50000")], BTCUSDT_BRACKETS, D(2500))
    assert lp == (D(2500) - D(50_000)) / (D("0.004") - 1)
    margin, mm = _margin_at(lp, [Leg("1", "50000")], D(2500))
    assert abs(margin - mm) < D("1e-20")


def test_short_and_isolated_and_hedge_cases() -> None:
    short = liquidation_price([Leg("-2", "30000")], BTCUSDT_BRACKETS, D(3000))
    assert short is not None and short > 30_000
    margin, mm = _margin_at(short, [Leg("-2", "30000")], D(3000))
    assert abs(margin - mm) < D("1e-18")
    # cross: other contracts' maintenance and PnL move the price
    worse = liquidation_price([Leg("1", "50000")], BTCUSDT_BRACKETS, D(2500),
                              other_maintenance=D(100), other_unrealized_pnl=D(-200))
    best = liquidation_price([Leg("1", "50000")], BTCUSDT_BRACKETS, D(2500))
    assert worse is not None and best is not None and worse > best
    # hedge: a LONG and a SHORT of equal size lose nothing on price, but their maintenance
    # grows with it: liquidated where 2 x price x 0.4 % meets the wallet
    assert liquidation_price([Leg("1", "50000"), Leg("-1", "50000")],
                             BTCUSDT_BRACKETS, D(100)) == D(100) / (2 * D("0.004"))
    # hedge: unequal legs share one price at which margin meets maintenance
    legs = [Leg("2", "50000"), Leg("-1", "51000")]
    lp = liquidation_price(legs, BTCUSDT_BRACKETS, D(5000))
    assert lp is not None
    margin, mm = _margin_at(lp, legs, D(5000))
    assert abs(margin - mm) < D("1e-18")
    # more margin than the position can lose: no liquidation price
    assert liquidation_price([Leg("1", "50000")], BTCUSDT_BRACKETS, D(60_000)) is None
    assert liquidation_price([], BTCUSDT_BRACKETS, D(1)) is None


@given(
    qty=st.decimals(min_value=D("0.001"), max_value=D(500), places=3),
    entry=st.decimals(min_value=D(1000), max_value=D(100_000), places=1),
    leverage=st.integers(min_value=2, max_value=100),
    short=st.booleans(),
)
def test_at_the_liquidation_price_margin_equals_maintenance(
    qty: Decimal, entry: Decimal, leverage: int, short: bool,
) -> None:
    leg = Leg(-qty if short else qty, entry)
    wallet = qty * entry / leverage
    lp = liquidation_price([leg], BTCUSDT_BRACKETS, wallet)
    assert lp is not None
    margin, mm = _margin_at(lp, [leg], wallet)
    assert abs(margin - mm) <= abs(mm) * D("1e-20") + D("1e-12")
    # one tick into the position's favour it is safe, one tick against it is liquidated
    favour = D("0.1") if not short else D("-0.1")
    assert not is_liquidated(*_margin_at(lp + favour, [leg], wallet))
    assert is_liquidated(*_margin_at(lp - favour, [leg], wallet))


def test_bracket_fixed_point_uses_the_tier_at_the_liquidation_price() -> None:
    two = (Bracket(0, 100, 50, "0.01"), Bracket(100, 10**9, 10, "0.05"))
    # entry notional 150 (tier 2), liquidation near 90 (tier 1): tier 1's rates must be used
    lp = liquidation_price([Leg("1", "150")], two, D(59))
    assert lp == (D(59) - 150) / (D("0.01") - 1)
    assert tier(two, lp)[0] is two[0]


def test_clearance_fee_never_takes_more_than_is_left() -> None:
    assert clearance_fee(D(40_000), D("0.0125"), D(1000)) == D(500)
    assert clearance_fee(D(40_000), D("0.0125"), D(120)) == D(120)
    assert clearance_fee(D(40_000), D("0.0125"), D(-5)) == 0


def test_due_liquidations_cross_account_and_isolated_positions() -> None:
    from nautilus_exec_kit.core.perpetuals import ContractExposure, due_liquidations

    btc = ContractExposure("BTC", (Leg("1", "50000"),), D(48_000))
    eth = ContractExposure("ETH", (Leg("-10", "3000"),), D(3_100))
    # cross: 2 500 wallet - 2 000 - 1 000 = -500 margin: both cross contracts go
    assert due_liquidations(D(2500), [btc, eth]) == ["BTC", "ETH"]
    assert due_liquidations(D(10_000), [btc, eth]) == []
    # isolated: only its own wallet counts; the cross wallet does not save it
    iso = ContractExposure("ISO", (Leg("1", "50000"),), D(47_000), isolated_wallet=D(2500))
    assert due_liquidations(D(1_000_000), [iso]) == ["ISO"]
    iso_ok = ContractExposure("ISO", (Leg("1", "50000"),), D(48_000), isolated_wallet=D(2500))
    assert due_liquidations(D(0), [iso_ok]) == []
    # at the formula's price on the tick grid it is due, one tick above it is not
    lp = liquidation_price([Leg("1", "50000")], BTCUSDT_BRACKETS, D(2500))
    assert lp is not None
    lp = lp.quantize(D("0.1"), rounding="ROUND_FLOOR")
    at = ContractExposure("BTC", (Leg("1", "50000"),), lp)
    above = ContractExposure("BTC", (Leg("1", "50000"),), lp + D("0.1"))
    assert due_liquidations(D(2500), [at]) == ["BTC"]
    assert due_liquidations(D(2500), [above]) == []
