"""Funding like Binance: at each funding time every open position pays or receives
``size x mark x rate`` (longs pay a positive rate), only positions open at that time; the wallet
change arrives as ACCOUNT_UPDATE FUNDING_FEE and as FUNDING_FEE income; fundingRate, premiumIndex
and fundingInfo serve the schedule and the rates."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

import aiohttp

from nautilus_exec_kit.sandbox import (
    FundingSpec,
    MatchingEngine,
    PriceProcess,
    SandboxConfig,
    run_sandbox_in_thread,
)
from nautilus_exec_kit.sandbox._market import set_price
from nautilus_exec_kit.sandbox.symbols import preset

from . import rest_client

MINUTE = 60_000
T0 = 1_800_000_000_000 + 5_000  # 5 s after a minute boundary


def _engine(clock: list[int], **funding: Any) -> MatchingEngine:
    spec = FundingSpec(interval_ms=MINUTE, **funding)
    symbols = (preset("BTCUSDT", funding=FundingSpec(interval_ms=MINUTE,
                                                     rates=("0.0001", "-0.0003"))),
               preset("ETHUSDT", funding=FundingSpec(interval_ms=MINUTE, rates="0.0002")),
               preset("DOGEUSDT", funding=spec), preset("SOLUSDT", funding=spec))
    config = SandboxConfig(symbols=symbols, balances=(("USDT", Decimal(100_000)),))
    return MatchingEngine(config, lambda: clock[0])


def _market(eng: MatchingEngine, symbol: str, side: str, qty: str) -> None:
    eng.new_order({"symbol": symbol, "side": side, "type": "MARKET", "quantity": qty})


def _funding_frames(events: list[Any]) -> list[dict[str, Any]]:
    return [e.frame["a"] for e in events
            if e.frame["e"] == "ACCOUNT_UPDATE" and e.frame["a"]["m"] == "FUNDING_FEE"]


def test_open_positions_pay_size_times_mark_times_rate_at_the_funding_time() -> None:
    clock = [T0]
    eng = _engine(clock)
    funding_time = T0 - T0 % MINUTE + MINUTE
    assert eng.funding["BTCUSDT"].next_time == funding_time
    _market(eng, "BTCUSDT", "BUY", "0.5")
    _market(eng, "ETHUSDT", "SELL", "2")
    _market(eng, "DOGEUSDT", "BUY", "1000")   # opened and closed before the funding time:
    _market(eng, "DOGEUSDT", "SELL", "1000")  # never charged
    set_price(eng.books["BTCUSDT"], Decimal("50100"), Decimal("50123.45"))
    set_price(eng.books["ETHUSDT"], Decimal("3001"), Decimal("3001.5"))
    clock[0] = funding_time - 1
    assert eng.settle_due_funding(clock[0]) == []  # not yet
    wallet = eng.wallet

    clock[0] = funding_time + 3
    events = eng.settle_due_funding(clock[0])
    # By hand (Binance: funding = position size x mark price x rate; longs pay when > 0):
    btc = -(Decimal("0.5") * Decimal("50123.45") * Decimal("0.0001"))   # -2.5061725
    eth = -(Decimal("-2") * Decimal("3001.5") * Decimal("0.0002"))      # +1.2006
    assert eng.wallet - wallet == btc + eth == Decimal("-1.3055725")
    frames = _funding_frames(events)
    assert [(f["B"][0]["bc"], f["P"]) for f in frames] == [("-2.5061725", []), ("1.2006", [])]
    assert frames[-1]["B"][0]["wb"] == str(eng.wallet.normalize())
    income = [(i.symbol, i.amount, i.time) for i in eng.income if i.kind == "FUNDING_FEE"]
    assert income == [("BTCUSDT", btc, funding_time), ("ETHUSDT", eth, funding_time)]
    assert eng.settle_due_funding(clock[0] + 1) == []  # once per funding time


def test_only_positions_open_at_the_funding_time_pay_and_the_series_moves_on() -> None:
    clock = [T0]
    eng = _engine(clock)
    first = T0 - T0 % MINUTE + MINUTE
    _market(eng, "BTCUSDT", "BUY", "0.2")
    clock[0] = first + 10
    # what the server does for a request after the funding time: settle, then the request
    assert len(_funding_frames(eng.settle_due_funding(clock[0]))) == 1
    _market(eng, "SOLUSDT", "SELL", "10")  # opened after the funding time: not charged for it
    assert [i.symbol for i in eng.income if i.kind == "FUNDING_FEE"] == ["BTCUSDT"]
    mark_btc, mark_sol = eng.books["BTCUSDT"].mark, eng.books["SOLUSDT"].mark
    clock[0] = first + MINUTE
    paid = {(f["B"][0]["bc"]) for f in _funding_frames(eng.settle_due_funding(clock[0]))}
    # BTCUSDT's series: 0.0001 then -0.0003 (a long receives); SOLUSDT: the default 0.0001
    assert paid == {str((Decimal("0.2") * mark_btc * Decimal("0.0003")).normalize()),
                    str((Decimal("10") * mark_sol * Decimal("0.0001")).normalize())}
    history = [(e.time, e.rate) for e in eng.funding["BTCUSDT"].history]
    assert history == [(first, Decimal("0.0001")), (first + MINUTE, Decimal("-0.0003"))]
    assert eng.funding["BTCUSDT"].next_rate == Decimal("0.0001")  # the series repeats


def test_isolated_funding_moves_the_isolated_wallet_and_reports_the_position() -> None:
    clock = [T0]
    eng = _engine(clock)
    eng.set_margin_type({"symbol": "ETHUSDT", "marginType": "ISOLATED"})
    _market(eng, "ETHUSDT", "BUY", "1")
    held = eng.position("ETHUSDT", "BOTH").isolated_wallet
    assert held == Decimal("3000.01") / 20  # the initial margin at the fill price
    clock[0] = T0 - T0 % MINUTE + MINUTE
    [frame] = _funding_frames(eng.settle_due_funding(clock[0]))
    paid = -(Decimal(1) * eng.books["ETHUSDT"].mark * Decimal("0.0002"))
    assert eng.position("ETHUSDT", "BOTH").isolated_wallet == held + paid
    assert frame["P"][0]["mt"] == "isolated" and Decimal(frame["P"][0]["iw"]) == held + paid
    assert Decimal(frame["B"][0]["cw"]) == eng.wallet - held - paid


FAST = SandboxConfig(
    symbols=(preset("BTCUSDT", funding=FundingSpec(interval_ms=3000, rates=("0.0001",))),
             preset("ETHUSDT", funding=FundingSpec(interval_hours=4, interval_ms=3000,
                                                   rates=("-0.0002",)))),
    prices=PriceProcess(volatility_bps=0, mark_basis_bps=0),
    # no market ticks during the test: only requests settle funding, as after a quiet spell
    market_data_interval_ms=60_000, mark_price_interval_ms=200)


def _signed(url: str, method: str, path: str, **params: Any) -> Any:
    status, body, _ = rest_client.call(url, method, path, params)
    assert status == 200, body
    return body


def test_funding_over_the_wire_frames_income_and_history() -> None:
    with run_sandbox_in_thread(FAST) as handle:
        venue, url = handle.venue, handle.venue.base_url_http
        key = rest_client.call(url, "POST", "/fapi/v1/listenKey", signed=False)[1]["listenKey"]

        async def scenario() -> tuple[list[Any], int]:
            async with aiohttp.ClientSession() as http, http.ws_connect(
                    f"{venue.base_url_ws}/ws/{key}") as ws:
                await asyncio.to_thread(_signed, url, "POST", "/fapi/v1/order",
                                        symbol="BTCUSDT", side="BUY", type="MARKET",
                                        quantity="0.4")
                funding_time = venue.truth()["funding"]["BTCUSDT"]["next_time"]
                await asyncio.sleep(max(0, funding_time - time.time() * 1000) / 1000 + 0.05)
                # The first request after the funding time settles it before it runs: the ETH
                # position it opens was not open at the funding time and pays nothing.
                await asyncio.to_thread(_signed, url, "POST", "/fapi/v1/order",
                                        symbol="ETHUSDT", side="SELL", type="MARKET",
                                        quantity="1")
                frames: list[Any] = []
                while len([f for f in frames if f["e"] == "ORDER_TRADE_UPDATE"]) < 4:
                    frames.append(json.loads((await ws.receive(timeout=5)).data))
                return frames, funding_time

        frames, funding_time = asyncio.run(scenario())
        fees = [f for f in frames if f["e"] == "ACCOUNT_UPDATE" and f["a"]["m"] == "FUNDING_FEE"]
        expected = -(Decimal("0.4") * Decimal("50000") * Decimal("0.0001"))  # -2 USDT
        assert [(f["a"]["B"][0]["bc"], f["T"]) for f in fees] == [("-2", funding_time)]
        # it came before the ETH order's frames: the order was handled after the settlement
        order = [f["e"] + f.get("o", {}).get("s", "") + f.get("a", {}).get("m", "")
                 for f in frames]
        assert order.index("ACCOUNT_UPDATEFUNDING_FEE") < order.index("ORDER_TRADE_UPDATEETHUSDT")

        income = _signed(url, "GET", "/fapi/v1/income", incomeType="FUNDING_FEE")
        assert [(r["symbol"], r["income"], r["time"]) for r in income] == [
            ("BTCUSDT", "-2", funding_time)]
        kinds = {r["incomeType"] for r in _signed(url, "GET", "/fapi/v1/income")}
        assert kinds == {"COMMISSION", "FUNDING_FEE"}

        _, rates, _ = rest_client.call(url, "GET", "/fapi/v1/fundingRate",
                                       {"symbol": "BTCUSDT", "startTime": funding_time},
                                       signed=False)
        assert [(r["fundingTime"], r["fundingRate"], r["markPrice"]) for r in rates] == [
            (funding_time, "0.0001", "50000.00")]
        _, premium, _ = rest_client.call(url, "GET", "/fapi/v1/premiumIndex",
                                         {"symbol": "ETHUSDT"}, signed=False)
        assert premium["lastFundingRate"] == "-0.0002"
        assert premium["nextFundingTime"] == venue.truth()["funding"]["ETHUSDT"]["next_time"]
        _, info, _ = rest_client.call(url, "GET", "/fapi/v1/fundingInfo", signed=False)
        assert [(r["symbol"], r["fundingIntervalHours"]) for r in info] == [("ETHUSDT", 4)]

        # the operator settles now: both positions, at the next rates
        wallet = Decimal(venue.truth()["balances"]["USDT"])
        assert venue.settle_funding() == 2
        eth_paid = -(Decimal(-1) * Decimal("3000") * Decimal("-0.0002"))
        assert Decimal(venue.truth()["balances"]["USDT"]) - wallet == expected + eth_paid


def test_hedge_mode_legs_pay_and_receive_each_on_its_own() -> None:
    clock = [T0]
    config = SandboxConfig(symbols=(preset("BTCUSDT", funding=FundingSpec(interval_ms=MINUTE)),),
                           dual_side_position=True)
    eng = MatchingEngine(config, lambda: clock[0])
    eng.new_order({"symbol": "BTCUSDT", "side": "BUY", "positionSide": "LONG",
                   "type": "MARKET", "quantity": "0.3"})
    eng.new_order({"symbol": "BTCUSDT", "side": "SELL", "positionSide": "SHORT",
                   "type": "MARKET", "quantity": "0.1"})
    clock[0] = T0 - T0 % MINUTE + MINUTE
    paid = [Decimal(f["B"][0]["bc"]) for f in _funding_frames(eng.settle_due_funding(clock[0]))]
    mark = eng.books["BTCUSDT"].mark
    assert paid == [-(Decimal("0.3") * mark * Decimal("0.0001")),
                    Decimal("0.1") * mark * Decimal("0.0001")]
