"""The matching engine alone: Binance rules without sockets (fast)."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_exec_kit.sandbox import BinanceReject, MatchingEngine, PriceProcess, SandboxConfig
from nautilus_exec_kit.sandbox._market import PriceWalk, set_price

NOW = 1_800_000_000_000


def engine(**config: Any) -> MatchingEngine:
    return MatchingEngine(SandboxConfig(gtd_min_lead_ms=0, **config), lambda: NOW)


def order(eng: MatchingEngine, **params: str) -> tuple[dict[str, Any], list[Any]]:
    base = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.010"}
    return eng.new_order({**base, **params})


def algo(eng: MatchingEngine, **params: str) -> tuple[dict[str, Any], list[Any]]:
    base = {"symbol": "BTCUSDT", "side": "SELL", "type": "STOP_MARKET", "quantity": "0.010",
            "algoType": "CONDITIONAL", "triggerPrice": "49000"}
    return eng.new_algo_order({**base, **params})


def move(eng: MatchingEngine, last: str, mark: str | None = None) -> list[Any]:
    set_price(eng.books["BTCUSDT"], Decimal(last), Decimal(mark) if mark else None)
    return eng.on_market("BTCUSDT")


def code_of(fn: Any, *args: Any, **kwargs: Any) -> int:
    with pytest.raises(BinanceReject) as info:
        fn(*args, **kwargs)
    return info.value.code


def frames(events: list[Any]) -> list[tuple[str, str]]:
    out = []
    for e in events:
        f = e.frame
        out.append((f["e"], f["o"].get("x") or f["o"].get("X")) if "o" in f else (f["e"], ""))
    return out


def test_market_fills_at_touch_and_moves_wallet() -> None:
    eng = engine()
    row, events = order(eng)
    assert frames(events) == [("ORDER_TRADE_UPDATE", "NEW"), ("ORDER_TRADE_UPDATE", "TRADE"),
                              ("ACCOUNT_UPDATE", "")]
    assert eng.orders[row["orderId"]].avg_price == Decimal("50000.1")
    fee = Decimal("0.010") * Decimal("50000.1") * Decimal("0.0005")
    assert eng.wallet == Decimal(10000) - fee.quantize(Decimal("0.00000001"))
    order(eng, side="SELL")
    assert eng.position("BTCUSDT", "BOTH").amt == 0
    assert eng.position("BTCUSDT", "BOTH").realized == Decimal("-0.0010")  # crossed the spread


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"type": "STOP_MARKET", "stopPrice": "51000"}, -4120),
        ({"type": "TAKE_PROFIT"}, -4120),
        ({"quantity": "100"}, -2019),
        ({"type": "LIMIT", "price": "50100", "timeInForce": "GTX"}, -5022),
        ({"type": "LIMIT", "price": "49000", "timeInForce": "FOK"}, -5021),
        ({"reduceOnly": "True"}, -2022),
        ({"positionSide": "LONG"}, -4061),
        ({"quantity": "0.0105"}, -1013),
        ({"quantity": "0.001"}, -4164),
        ({"type": "LIMIT", "price": "49000.05"}, -4014),
        ({"symbol": "ETHUSDT"}, -1121),
        ({"type": "LIMIT", "price": "49000", "timeInForce": "GTD", "goodTillDate": "1"}, -5040),
    ],
)
def test_order_rejects(params: dict[str, str], code: int) -> None:
    assert code_of(order, engine(), **params) == code


def test_limit_rests_then_fills_as_maker() -> None:
    eng = engine()
    row, events = order(eng, type="LIMIT", price="49900", timeInForce="GTC")
    assert frames(events) == [("ORDER_TRADE_UPDATE", "NEW")]
    assert move(eng, "49950") == []
    events = move(eng, "49899.9")
    assert frames(events)[0] == ("ORDER_TRADE_UPDATE", "TRADE")
    assert events[0].frame["o"]["m"] is True
    assert eng.orders[row["orderId"]].avg_price == Decimal("49900")


def test_gtd_expires() -> None:
    clock = [NOW]
    eng = MatchingEngine(SandboxConfig(gtd_min_lead_ms=0), lambda: clock[0])
    order(eng, type="LIMIT", price="40000", timeInForce="GTD",
                   goodTillDate=str(NOW + 1000))
    clock[0] += 1000
    assert frames(move(eng, "50000")) == [("ORDER_TRADE_UPDATE", "EXPIRED")]


def test_hedge_mode_legs_and_reduce_only_flag() -> None:
    eng = engine(dual_side_position=True)
    assert code_of(order, eng) == -4061
    assert code_of(order, eng, positionSide="LONG", reduceOnly="true") == -1106
    order(eng, positionSide="LONG")
    order(eng, side="SELL", positionSide="SHORT", quantity="0.020")
    assert eng.position("BTCUSDT", "LONG").amt == Decimal("0.010")
    assert eng.position("BTCUSDT", "SHORT").amt == Decimal("-0.020")
    assert code_of(order, eng, side="SELL", positionSide="LONG", quantity="0.020") == -2022


def test_algo_would_trigger_and_trigger_sequence() -> None:
    eng = engine(algo_event_gap_ms=7)
    assert code_of(algo, eng, triggerPrice="51000") == -2021
    order(eng)
    row, events = algo(eng)
    assert frames(events) == [("ALGO_UPDATE", "NEW")]
    assert row["algoId"] not in eng.orders  # disjoint id ranges
    events = move(eng, "48900")
    assert frames(events) == [
        ("ALGO_UPDATE", "TRIGGERING"), ("ALGO_UPDATE", "TRIGGERED"),
        ("ORDER_TRADE_UPDATE", "NEW"), ("ORDER_TRADE_UPDATE", "TRADE"), ("ACCOUNT_UPDATE", ""),
        ("ALGO_UPDATE", "FINISHED"),
    ]
    assert [e.gap_ms for e in events] == [0, 7, 7, 7, 0, 7]
    child = events[2].frame["o"]
    assert (child["c"], child["ot"], child["o"]) == (row["clientAlgoId"], "STOP_MARKET", "MARKET")


def test_mark_price_trigger_ignores_last() -> None:
    eng = engine()
    algo(eng, side="BUY", type="STOP_MARKET", triggerPrice="50500", workingType="MARK_PRICE")
    assert move(eng, "50600", "50400") == []
    assert frames(move(eng, "50600", "50500"))[1] == ("ALGO_UPDATE", "TRIGGERED")


def test_trailing_stop_callback_rate() -> None:
    eng = engine()
    assert code_of(algo, eng, type="TRAILING_STOP_MARKET", callbackRate="20") == -2007
    algo(eng, type="TRAILING_STOP_MARKET", callbackRate="1", activatePrice="50500",
         triggerPrice="")
    for price in ("50400", "51000", "50500"):
        assert move(eng, price) == []
    assert frames(move(eng, "50490"))[1] == ("ALGO_UPDATE", "TRIGGERED")


def test_close_position_closes_everything() -> None:
    eng = engine()
    order(eng, quantity="0.030")
    algo(eng, quantity="", closePosition="true")
    move(eng, "48000")
    assert eng.position("BTCUSDT", "BOTH").amt == 0


def test_price_match_queue_and_opponent() -> None:
    eng = engine()
    row, _ = order(eng, type="LIMIT", timeInForce="GTC", priceMatch="QUEUE")
    assert row["price"] == "50000"
    assert code_of(order, eng, type="LIMIT", timeInForce="GTC", priceMatch="QUEUE",
                   price="1") == -1106
    row, _ = order(eng, type="LIMIT", timeInForce="GTC", priceMatch="OPPONENT_5", side="SELL")
    assert row["price"] == "49999.6" and row["status"] == "FILLED"


def test_cancel_modify_and_batch() -> None:
    eng = engine()
    a, _ = order(eng, type="LIMIT", price="49000", newClientOrderId="a")
    order(eng, type="LIMIT", price="48000", newClientOrderId="b")
    assert code_of(order, eng, type="LIMIT", price="47000", newClientOrderId="a") == -4116
    row, events = eng.modify_order({"symbol": "BTCUSDT", "orderId": str(a["orderId"]),
                                    "quantity": "0.020", "price": "49100"})
    assert frames(events) == [("ORDER_TRADE_UPDATE", "AMENDMENT")] and row["price"] == "49100"
    results, _ = eng.batch_cancel({"symbol": "BTCUSDT",
                                   "origClientOrderIdList": '["a","zzz","b"]'})
    assert [r.get("status", r.get("code")) for r in results] == ["CANCELED", -2011, "CANCELED"]
    assert code_of(eng.cancel_order, {"symbol": "BTCUSDT", "origClientOrderId": "a"}) == -2011
    assert code_of(eng.query_order, {"symbol": "BTCUSDT", "orderId": "1"}) == -2013


def test_algo_cancel_answer_has_string_code() -> None:
    eng = engine()
    row, _ = algo(eng)
    body, _ = eng.cancel_algo({"algoId": str(row["algoId"])})
    assert body["code"] == "200"
    assert "callbackRate" not in row  # never "" (wire landmine)


def test_force_close_is_calculated_fill_with_autoclose_id() -> None:
    eng = engine()
    order(eng)
    events = eng.force_close("BTCUSDT", "BOTH", "autoclose-1")
    o = events[0].frame["o"]
    assert (o["c"], o["x"], o["X"]) == ("autoclose-1", "CALCULATED", "FILLED")
    assert eng.position("BTCUSDT", "BOTH").amt == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["BUY", "SELL"]),
                          st.integers(min_value=3, max_value=40)), max_size=12))
def test_position_equals_sum_of_fills(trades: list[tuple[str, int]]) -> None:
    eng = engine(leverage=125)
    for side, lots in trades:
        order(eng, side=side, quantity=str(Decimal(lots) / 1000))
    net = sum((Decimal(t.qty) * (1 if t.side == "BUY" else -1) for t in eng.trades), Decimal(0))
    assert eng.position("BTCUSDT", "BOTH").amt == net
    realized = sum((t.realized - t.commission for t in eng.trades), Decimal(0))
    assert eng.wallet == Decimal(10000) + realized


def test_price_walk_same_seed_same_path() -> None:
    def path(seed: int) -> list[Decimal]:
        eng = engine()
        walk = PriceWalk(PriceProcess(volatility_bps=5), random.Random(seed))
        out = []
        for _ in range(50):
            walk.step(eng.books["BTCUSDT"])
            out.append(eng.books["BTCUSDT"].last)
        return out

    assert path(3) == path(3)
    assert path(3) != path(4)
    assert all(p % Decimal("0.1") == 0 for p in path(3))


def test_kline_history_stays_a_day_of_minutes_and_aggregates_them() -> None:
    from nautilus_exec_kit.sandbox._market import KlineHistory

    history = KlineHistory()
    start = 1_800_000_000_000
    for second in range(2 * 86_400 // 30):  # two days, a print every 30 s
        history.add(start + second * 30_000, Decimal(100 + second % 7), Decimal(1))
    assert len(history.minutes) == 1500 and len(history.seconds) <= 1000
    now = start + 2 * 86_400_000
    day = history.day(now, Decimal(0))
    assert day.trades == 2880 and (day.low, day.high) == (Decimal(100), Decimal(106))
    hours = history.klines(3_600_000, None, None, 5)
    assert len(hours) == 5 and all(k.trades == 120 for k in hours[:-1])
