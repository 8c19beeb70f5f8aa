"""The order check's decisions on plain values: which open orders are in doubt, how it asks (the
cheapest questions, as Binance weighs them), what it spends under the weight budget, and what it
hands the engine. The check against a real node and venue: tests/restart/test_faults.py."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from nautilus_trader.model.enums import OrderStatus, OrderType, TimeInForce
from nautilus_trader.model.identifiers import ClientOrderId, InstrumentId

from nautilus_exec_kit.live.order_check import (
    CheckOutcome,
    OrderCheck,
    OrderCheckSettings,
    QueryKind,
    plan_questions,
    query_cost,
)
from nautilus_exec_kit.live.weight import RequestWeightMeter

S = 1_000_000_000
BTC = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
ETH = InstrumentId.from_str("ETHUSDT-PERP.BINANCE")


def order(n: int, *, iid: InstrumentId = BTC, kind: OrderType = OrderType.LIMIT,
          tif: TimeInForce = TimeInForce.GTC, ts_last: int = 0, last_event: Any = None,
          status: OrderStatus = OrderStatus.ACCEPTED, filled: str = "0") -> Any:
    return SimpleNamespace(
        client_order_id=ClientOrderId(f"O-{n}"), instrument_id=iid, order_type=kind,
        time_in_force=tif, ts_last=ts_last, last_event=last_event, status=status,
        is_open=True, filled_qty=Decimal(filled), venue_order_id=None,
        status_string=lambda: status.name,
    )


def test_query_costs_come_from_binances_weights() -> None:
    assert query_cost(QueryKind.ORDER) == 1
    assert query_cost(QueryKind.ALGO_ORDER) == 2
    assert query_cost(QueryKind.SYMBOL_OPEN_ORDERS) == 7  # positionRisk 5 + 1 + 1
    assert query_cost(QueryKind.ORDER_TRADES) == 5


def test_few_doubts_are_asked_one_by_one_many_by_symbol() -> None:
    few = [(order(i), False) for i in range(7)]  # 7 x 1 = the symbol's 7: singles
    assert [q.kind for q in plan_questions(few)] == [QueryKind.ORDER] * 7
    many = [(order(i), False) for i in range(8)]
    questions = plan_questions(many)
    assert [(q.kind, len(q.orders)) for q in questions] == [(QueryKind.SYMBOL_OPEN_ORDERS, 8)]
    algos = [(order(i, kind=OrderType.STOP_MARKET), False) for i in range(4)]  # 4 x 2 > 7
    assert [q.kind for q in plan_questions(algos)] == [QueryKind.SYMBOL_OPEN_ORDERS]


def test_questions_are_per_symbol_and_urgent_first() -> None:
    doubts = [(order(1, iid=BTC), False), (order(2, iid=ETH, kind=OrderType.MARKET), True)]
    questions = plan_questions(doubts)
    assert [q.orders[0].instrument_id for q in questions] == [ETH, BTC]
    assert [q.urgent for q in questions] == [True, False]


class _Bus:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    def subscribe(self, topic: str, handler: Any) -> None:
        pass

    def send(self, endpoint: str, msg: Any) -> None:
        self.sent.append((endpoint, msg))


def make_check(now_s: float = 100.0, **settings: Any) -> tuple[OrderCheck, Any, _Bus]:
    clock = SimpleNamespace(ns=int(now_s * S))
    clock.timestamp_ns = lambda: clock.ns
    bus = _Bus()
    orders: list[Any] = []
    cache = SimpleNamespace(
        orders_open=lambda venue=None: list(orders), orders_inflight=lambda venue=None: [],
        order=lambda coid: next((o for o in orders if o.client_order_id == coid), None),
        add_venue_order_id=lambda *a, **k: None,
    )
    engine = SimpleNamespace(reconciliation=True, is_running=True, _clients={})
    kernel = SimpleNamespace(cache=cache, clock=clock, msgbus=bus, exec_engine=engine, loop=None)
    meter = RequestWeightMeter(now_ms=lambda: clock.ns // 1_000_000)
    check = OrderCheck(kernel, OrderCheckSettings(**settings), meter, hedge_mode=False,
                       log=SimpleNamespace(error=print, warning=print, info=print))
    check.orders = orders  # type: ignore[attr-defined]
    return check, clock, bus


def test_an_order_is_in_doubt_after_its_quiet_time() -> None:
    check, _, _ = make_check(quiet_secs=10, prompt_secs=2)
    limit = order(1, ts_last=95 * S)
    market = order(2, kind=OrderType.MARKET, ts_last=97 * S)
    ioc = order(3, tif=TimeInForce.IOC, ts_last=99 * S)
    assert check.in_doubt(limit, 100 * S) == (False, False)
    assert check.in_doubt(limit, 105 * S) == (True, False)
    assert check.in_doubt(market, 100 * S) == (True, True)  # the venue finishes it at once
    assert check.in_doubt(ioc, 100 * S) == (False, True)


def test_a_refused_cancel_puts_the_order_in_doubt_at_once() -> None:
    from nautilus_trader.core.uuid import UUID4
    from nautilus_trader.model.events import OrderCancelRejected
    from nautilus_trader.model.identifiers import AccountId, StrategyId, TraderId, VenueOrderId

    check, _, _ = make_check()
    refused = OrderCancelRejected(  # -2011: the venue no longer holds the order open
        TraderId("T-001"), StrategyId("S-001"), BTC, ClientOrderId("O-1"),
        VenueOrderId("1"), AccountId("BINANCE-001"), "{'code': -2011, 'msg': 'Unknown order'}",
        UUID4(), 99 * S, 99 * S)
    disputed = order(1, ts_last=99 * S, last_event=refused)
    assert check.in_doubt(disputed, 100 * S) == (True, True)


class _Report(SimpleNamespace):
    pass


class _Client:
    """The exec client's report calls, answering what the venue holds."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.asked: Counter[str] = Counter()
        self.venue = "BINANCE"

    async def generate_order_status_report(self, command: Any) -> Any:
        self.asked[command.client_order_id.value] += 1
        return self.answers.get(command.client_order_id.value)


def report(coid: str, *, is_open: bool = True, filled: str = "0",
           status: OrderStatus = OrderStatus.ACCEPTED) -> _Report:
    return _Report(client_order_id=ClientOrderId(coid), is_open=is_open,
                   filled_qty=Decimal(filled), order_status=status, venue_order_id=None)


def test_confirmed_orders_back_off_changed_ones_reach_the_engine() -> None:
    check, clock, bus = make_check(quiet_secs=10, max_quiet_secs=40, fetch_fills=False)
    resting, filled = order(1, ts_last=0), order(2, ts_last=0)
    check.orders += [resting, filled]  # type: ignore[attr-defined]
    client = _Client({"O-1": report("O-1"),
                      "O-2": report("O-2", is_open=False, filled="0.003",
                                    status=OrderStatus.FILLED)})
    found = asyncio.run(check._check_client(client, everything=False))
    assert found == Counter({CheckOutcome.CONFIRMED: 1, CheckOutcome.CHANGED: 1})
    assert [msg.client_order_id.value for _, msg in bus.sent] == ["O-2"]  # only the change
    # The venue confirmed O-1: its quiet time doubles (20 s), then 40 s (the cap).
    check.orders.remove(filled)  # type: ignore[attr-defined]
    for wait_s, asked in ((19, 1), (20, 2), (59, 2), (60, 3), (99, 3), (100, 4)):
        clock.ns = (100 + wait_s) * S
        asyncio.run(check._check_client(client, everything=False))
        assert client.asked["O-1"] == asked, wait_s


def test_the_weight_budget_defers_routine_questions_not_urgent_ones() -> None:
    check, _, _ = make_check(quiet_secs=10, prompt_secs=2)
    check.meter.observe("GET", "http://h/fapi/v1/order?symbol=X", 200,
                        {"X-MBX-USED-WEIGHT-1M": "1500"})  # past 50 % of 2400
    check.orders += [order(1, ts_last=0), order(2, kind=OrderType.MARKET, ts_last=0)]  # type: ignore[attr-defined]
    client = _Client({"O-1": report("O-1"), "O-2": report("O-2")})
    found = asyncio.run(check._check_client(client, everything=False))
    assert client.asked == Counter({"O-2": 1})
    assert found[CheckOutcome.DEFERRED] == 1
    # After a reconnect everything is asked, whatever the budget.
    asyncio.run(check._check_client(client, everything=True))
    assert client.asked == Counter({"O-1": 1, "O-2": 2})


def test_not_found_is_counted_not_acted_on() -> None:
    check, _, bus = make_check()
    check.orders.append(order(1, ts_last=0))  # type: ignore[attr-defined]
    found = asyncio.run(check._check_client(_Client({}), everything=False))
    assert found == Counter({CheckOutcome.NOT_FOUND: 1}) and bus.sent == []


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        OrderCheckSettings(quiet_secs=30, max_quiet_secs=10)
    with pytest.raises(ValueError):
        OrderCheckSettings(interval_secs=0)


class _Trade(SimpleNamespace):
    def parse_to_fill_report(self, **kwargs: Any) -> Any:
        from nautilus_trader.model.identifiers import VenueOrderId

        return SimpleNamespace(venue_order_id=VenueOrderId(str(self.orderId)), trade=self.id)


class _Account:
    """The adapter's ``_http_account``: ``userTrades`` of one symbol (all, or one order's)."""

    def __init__(self, trades: list[_Trade]) -> None:
        self.trades = trades
        self.calls: list[tuple[str, int | None]] = []

    async def query_user_trades(self, symbol: str, order_id: int | None = None) -> list[_Trade]:
        self.calls.append((symbol, order_id))
        return [t for t in self.trades if order_id is None or t.orderId == order_id]


def test_missing_trades_are_fetched_once_per_symbol() -> None:
    from nautilus_trader.model.identifiers import VenueOrderId

    check, _, _ = make_check()
    trades = [_Trade(id=1, orderId=11), _Trade(id=2, orderId=12), _Trade(id=3, orderId=13),
              _Trade(id=4, orderId=99), _Trade(id=5, orderId=21)]
    client = SimpleNamespace(_http_account=_Account(trades), account_id=None,
                             use_position_ids=True)

    def filled(iid: InstrumentId, venue_id: int) -> Any:
        return SimpleNamespace(instrument_id=iid, venue_order_id=VenueOrderId(str(venue_id)))

    reports = [filled(BTC, 11), filled(BTC, 12), filled(BTC, 13), filled(ETH, 21)]
    fills = asyncio.run(check._fills_of(client, reports))
    assert sorted(client._http_account.calls, key=str) == [("BTCUSDT-PERP", None),
                                                           ("ETHUSDT-PERP", 21)]
    assert {k.value: [f.trade for f in v] for k, v in fills.items()} == {
        "11": [1], "12": [2], "13": [3], "21": [5]}  # order 99's trade is not one of ours


def test_trades_wait_for_a_minute_with_weight_to_spare() -> None:
    from nautilus_trader.model.identifiers import VenueOrderId

    check, _, _ = make_check()
    check.meter.observe("GET", "http://h/fapi/v1/order?symbol=X", 200,
                        {"X-MBX-USED-WEIGHT-1M": "1198"})  # + 5 would pass 50 % of 2400
    client = SimpleNamespace(_http_account=_Account([_Trade(id=1, orderId=11)]),
                             account_id=None, use_position_ids=True)
    report = SimpleNamespace(instrument_id=BTC, venue_order_id=VenueOrderId("11"))
    assert asyncio.run(check._fills_of(client, [report])) == {}
    assert client._http_account.calls == [] and check.stats["fills_inferred"] == 1
