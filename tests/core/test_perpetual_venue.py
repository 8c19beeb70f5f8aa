"""What a simulated perpetual venue keeps (core/perpetual_venue.py) and the liquidation
settlement rules both bindings' venues apply, against values worked out here by hand."""

from __future__ import annotations

from decimal import Decimal

from nautilus_exec_kit.core.perpetual_venue import (
    NEVER,
    FundingDue,
    FundingSchedule,
    PerpetualTerms,
    account_exposures,
    funding_charges,
)
from nautilus_exec_kit.core.perpetuals import (
    BTCUSDT_BRACKETS,
    ContractExposure,
    Leg,
    MarginMode,
    autoclose_client_order_id,
    insurance_fund_cover,
    isolated_wallet,
    liquidation_settlement,
    liquidation_settlements,
    margin_headroom,
)

D = Decimal
HOUR = 3_600 * 1_000_000_000
DAY = 24 * HOUR


def _schedule(terms: dict[str, PerpetualTerms]) -> FundingSchedule[str]:
    return FundingSchedule(lambda symbol: terms.get(symbol, PerpetualTerms()))


def test_the_first_step_starts_binances_schedule_and_a_constant_rate_falls_due_on_it() -> None:
    schedule = _schedule({"BTC": PerpetualTerms(funding_rate="0.0001"),
                          "ETH": PerpetualTerms(funding_rate="0.0002", funding_interval_hours=4)})
    start = 19_000 * DAY + 3 * HOUR  # 03:00 UTC
    assert schedule.due(start, ["BTC", "ETH"], lambda _: True) == []
    assert schedule.next_due == 19_000 * DAY + 4 * HOUR  # ETH's 04:00
    due = schedule.due(19_000 * DAY + 9 * HOUR, ["BTC", "ETH"], lambda _: True)
    assert [(d.instrument, (d.ts - 19_000 * DAY) // HOUR, d.rate) for d in due] == [
        ("BTC", 8, D("0.0001")), ("ETH", 4, D("0.0002")), ("ETH", 8, D("0.0002"))]
    assert schedule.next_due == 19_000 * DAY + 12 * HOUR
    assert schedule.due(19_000 * DAY + 9 * HOUR, ["BTC", "ETH"], lambda _: True) == []


def test_records_are_due_on_arrival_and_estimates_at_their_time_replacing_the_constant() -> None:
    schedule = _schedule({"BTC": PerpetualTerms(funding_rate="0.01")})
    schedule.due(0, ["BTC"], lambda _: True)
    record = schedule.on_rate("BTC", 8 * HOUR + 3_000_000, D("0.0003"), None)
    assert record == FundingDue("BTC", 8 * HOUR + 3_000_000, D("0.0003"))
    assert schedule.next_due == NEVER  # the constant rate no longer applies
    assert schedule.on_rate("BTC", 9 * HOUR, D("0.0004"), 16 * HOUR) is None
    assert schedule.on_rate("BTC", 10 * HOUR, D("0.0001"), 16 * HOUR) is None
    assert schedule.next_due == 16 * HOUR
    assert schedule.due(16 * HOUR - 1, ["BTC"], lambda _: True) == []
    assert schedule.due(16 * HOUR, ["BTC"], lambda _: True) == [
        FundingDue("BTC", 16 * HOUR, D("0.0001"))]  # the latest estimate, once
    assert schedule.due(17 * HOUR, ["BTC"], lambda _: True) == []


def test_funding_times_held_without_any_rate_are_counted() -> None:
    schedule = _schedule({})
    schedule.due(0, ["BTC", "ETH"], lambda _: True)
    held = {"BTC"}
    assert schedule.due(DAY, ["BTC", "ETH"], held.__contains__) == []
    assert schedule.unfunded() == {"BTC": 3}
    schedule.on_rate("BTC", DAY, D("0.0001"), None)  # rate data: nothing was left out
    assert schedule.unfunded() == {}
    schedule.reset()
    assert schedule.next_due == 0 and schedule.unfunded() == {}


def test_funding_charges_pay_size_times_mark_times_rate_in_usdt_precision() -> None:
    due = FundingDue("BTC", 8 * HOUR, D("0.000123"))
    charges = funding_charges(due, "BTCUSDT", [("P-1", D("0.5")), ("P-2", D("-0.3")),
                                               ("P-3", D(0))], D("43210.05"))
    assert [(c.position_id, c.amount) for c in charges] == [
        ("P-1", D("-2.65741808")),  # 0.5 x 43 210.05 x 0.000123 = 2.657418075
        ("P-2", D("1.59445084")),  # 0.3 x ... = 1.594450845, half to even
    ]
    assert charges[0].mark == D("43210.05") and charges[0].ts == 8 * HOUR


def test_account_exposures_one_cross_contract_per_instrument_isolated_on_its_own_wallet() -> None:
    terms = {"BTC": PerpetualTerms(), "ETH": PerpetualTerms(margin_mode=MarginMode.ISOLATED)}
    held = {"BTC": [("L", Leg("1", "50000")), ("S", Leg("-0.4", "50500"))],
            "ETH": [("E", Leg("-10", "3000"))], "XRP": [("X", Leg("5", "1"))]}
    marks = {"BTC": D(49_000), "ETH": D(3_100)}
    wallet, contracts = account_exposures(
        D(10_000), held, marks.get, terms.__getitem__, lambda _: D(20),
        {("ETH", "E"): D("-1.5")})
    iso = D(10) * 3000 / 20 - D("1.5")
    assert wallet == D(10_000) - iso  # the cross wallet does not hold the isolated margin
    assert [c.key for c in contracts] == [("BTC", None), ("ETH", "E")]  # XRP: no mark
    assert contracts[0].legs == (Leg("1", "50000"), Leg("-0.4", "50500"))
    assert contracts[0].isolated_wallet is None
    assert contracts[1].isolated_wallet == iso == isolated_wallet(Leg("-10", "3000"), D(20),
                                                                  D("-1.5"))


def test_margin_headroom_is_the_tightest_of_the_cross_account_and_each_isolated() -> None:
    cross = ContractExposure("BTC", (Leg("1", "50000"),), D(49_000))
    # 2 000 + (-1 000) - 49 000 x 0.004 = 804
    assert margin_headroom(D(2_000), [cross]) == D(804)
    iso = ContractExposure("ETH", (Leg("1", "3000"),), D(2_950), isolated_wallet=D(150))
    # 150 - 50 - 2 950 x 0.004 = 88.2
    assert margin_headroom(D(2_000), [cross, iso]) == D("88.2")
    assert margin_headroom(D(2_000), []) == 0
    assert BTCUSDT_BRACKETS[0].maint_margin_ratio == D("0.004")


def test_the_insurance_fund_brings_a_negative_margin_to_zero_before_the_fee() -> None:
    assert insurance_fund_cover(D(-30)) == D(30) and insurance_fund_cover(D(5)) == 0
    assert liquidation_settlement(D(40_000), D("0.0125"), D(1_000)) == (D(500), D(0))
    assert liquidation_settlement(D(40_000), D("0.0125"), D(120)) == (D(120), D(0))
    assert liquidation_settlement(D(40_000), D("0.0125"), D(-30)) == (D(0), D(30))


def test_cross_closes_share_what_is_left_isolated_ones_pay_from_their_own() -> None:
    rate = D("0.0125")
    # two cross closes (40 000 and 20 000 notional) share 600 left: 500, then 100 of 250;
    # an isolated one with 10 left pays 10; one at -7 is covered
    out = liquidation_settlements(D(600), [
        (D(40_000), rate, None), (D(20_000), rate, None), (D(8_000), rate, D(10)),
        (D(8_000), rate, D(-7))])
    assert out == [(D(500), D(0)), (D(100), D(0)), (D(10), D(0)), (D(0), D(7))]
    # a cross account left at -50: covered once, the next close pays nothing
    assert liquidation_settlements(D(-50), [(D(40_000), rate, None), (D(1_000), rate, None)]) == [
        (D(0), D(50)), (D(0), D(0))]
    # fees in USDT's precision
    assert liquidation_settlements(D(1_000), [(D("12345.678901"), rate, None)]) == [
        (D("154.32098626"), D(0))]


def test_autoclose_ids_are_binances_and_unique_within_a_millisecond() -> None:
    taken: set[str] = set()
    first = autoclose_client_order_id(1_700_000_000_123_456_789, taken.__contains__)
    assert first == "autoclose-1700000000123"
    taken.add(first)
    second = autoclose_client_order_id(1_700_000_000_123_999_999, taken.__contains__)
    assert second == "autoclose-1700000000123-2"
