"""Unit level: risk-event classification and delivery, the position check, fill de-duplication,
the unknown-outcome hold, and the Redis helpers against a real redis-server."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.execution.reports import FillReport
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.enums import (
    AccountType,
    LiquiditySide,
    OmsType,
    OrderSide,
    OrderStatus,
    OrderType,
)
from nautilus_trader.model.events import OrderFilled, OrderRejected
from nautilus_trader.model.identifiers import (
    AccountId,
    ClientOrderId,
    PositionId,
    StrategyId,
    TradeId,
    TraderId,
    Venue,
    VenueOrderId,
)
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.model.position import Position
from nautilus_trader.test_kit.providers import TestInstrumentProvider
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.core.errors import ConfigurationError, ReconciliationMismatch
from nautilus_exec_kit.live.node_config import RedisSettings
from nautilus_exec_kit.live.redis import (
    RedisConnection,
    check_redis,
    delete_trader_state,
    persisted_state,
    production_cache_config,
)
from nautilus_exec_kit.reconciliation import (
    MismatchKind,
    PositionCheck,
    UnknownOutcomeHold,
    VenuePosition,
    binance_perpetual,
    check_positions,
    deduplicate_fill_reports,
    venue_positions_from_rows,
)
from nautilus_exec_kit.risk_events import (
    RISK_CLIENT_ID_PREFIXES,
    RiskEvent,
    RiskEventKind,
    RiskEventWatcher,
    classify_client_order_id,
)

from .conftest import free_port

INSTRUMENT = TestInstrumentProvider.btcusdt_perp_binance()
IID = INSTRUMENT.id
ACCOUNT = AccountId("BINANCE-001")


# -- risk events ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_id", "kind"),
    [("autoclose-1700000000000", RiskEventKind.LIQUIDATION), ("adl_autoclose", RiskEventKind.ADL),
     ("settlement_autoclose-17", RiskEventKind.SETTLEMENT), ("O-20240101-000000-001-000-1", None),
     ("autoclose", None), ("my-autoclose-1", None)],
)
def test_classify_client_order_id(client_id: str, kind: RiskEventKind | None) -> None:
    assert classify_client_order_id(client_id) is kind
    assert classify_client_order_id(ClientOrderId(client_id)) is kind


@given(st.sampled_from(RISK_CLIENT_ID_PREFIXES), st.text(alphabet="0123456789-abc", max_size=20))
def test_every_prefix_classifies_with_any_suffix(entry: tuple[str, RiskEventKind],
                                                 suffix: str) -> None:
    prefix, kind = entry
    assert classify_client_order_id(prefix + suffix) is kind


@given(st.text(alphabet="OXYZ0123456789-_", min_size=1, max_size=30))
def test_ordinary_ids_are_not_risk_events(client_id: str) -> None:
    assert classify_client_order_id(client_id) is None


def _fill(coid: str, trade: str, side: OrderSide = OrderSide.SELL,
          position: str = "BOTH") -> OrderFilled:
    return OrderFilled(
        trader_id=TraderId("T-001"), strategy_id=StrategyId("EXTERNAL"), instrument_id=IID,
        client_order_id=ClientOrderId(coid), venue_order_id=VenueOrderId("1"),
        account_id=ACCOUNT, trade_id=TradeId(trade), position_id=PositionId(f"{IID}-{position}"),
        order_side=side, order_type=OrderType.LIMIT, last_qty=Quantity.from_str("0.004"),
        last_px=Price.from_str("49000.0"), currency=USDT, commission=Money(0, USDT),
        liquidity_side=LiquiditySide.TAKER, event_id=UUID4(), ts_event=1, ts_init=1,
    )


class _Recorder(Strategy):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[RiskEvent] = []

    def on_risk_event(self, event: RiskEvent) -> None:
        self.seen.append(event)


def _registered_strategy() -> tuple[BacktestEngine, _Recorder]:
    engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(log_level="ERROR")))
    engine.add_venue(Venue("BINANCE"), OmsType.HEDGING, AccountType.MARGIN,
                     [Money(10_000, USDT)], base_currency=USDT)
    engine.add_instrument(INSTRUMENT)
    strategy = _Recorder()
    engine.add_strategy(strategy)
    return engine, strategy


def test_watcher_delivers_risk_fills_of_any_owner_once() -> None:
    engine, strategy = _registered_strategy()
    try:
        watcher = RiskEventWatcher(strategy).attach()
        bus = strategy.msgbus
        topic = f"events.fills.{IID}"
        bus.publish(topic, _fill("O-1", "T1"))  # ordinary fill: ignored
        bus.publish(topic, _fill("autoclose-99", "T2"))
        bus.publish(topic, _fill("autoclose-99", "T2"))  # same trade re-reported: once only
        bus.publish(topic, _fill("adl_autoclose", "T3", OrderSide.BUY))
        assert [(e.kind, e.trade_id.value, e.side) for e in strategy.seen] == [
            (RiskEventKind.LIQUIDATION, "T2", OrderSide.SELL),
            (RiskEventKind.ADL, "T3", OrderSide.BUY),
        ]
        event = strategy.seen[0]
        assert event.quantity == Quantity.from_str("0.004")
        assert event.price == Price.from_str("49000.0")
        assert event.position_id == PositionId(f"{IID}-BOTH")
        assert not event.replayed
        watcher.detach()
        bus.publish(topic, _fill("settlement_autoclose-1", "T4"))
        assert len(strategy.seen) == 2
    finally:
        engine.dispose()


def test_watcher_callback_errors_are_logged_not_raised() -> None:
    engine, strategy = _registered_strategy()
    try:
        def boom(event: RiskEvent) -> None:
            raise RuntimeError("handler bug")

        watcher = RiskEventWatcher(strategy, callback=boom).attach()
        strategy.msgbus.publish(f"events.fills.{IID}", _fill("autoclose-1", "T9"))
        assert [e.trade_id.value for e in watcher.delivered] == ["T9"]
    finally:
        engine.dispose()


def test_watcher_needs_a_registered_strategy() -> None:
    with pytest.raises(RuntimeError, match="registered strategy"):
        RiskEventWatcher(_Recorder()).attach()


# -- position check --------------------------------------------------------------------------------


class _Position:
    """The five attributes check_positions reads from a Nautilus Position."""

    def __init__(self, pid: str, qty: str) -> None:
        self.id = PositionId(pid)
        self.instrument_id = IID
        self.is_open = True
        self._qty = Decimal(qty)
        self.events: list[OrderFilled] = []

    def signed_decimal_qty(self) -> Decimal:
        return self._qty


def test_a_liquidation_on_external_counts_on_the_leg_it_closed() -> None:
    """Nautilus 1.231 books Binance's liquidation of a LONG leg (a SELL) to ``-EXTERNAL`` and
    keeps the ``-LONG``: the check reads the positions' fills and the venue's flat legs match."""
    stale = Position(INSTRUMENT, _fill("O-1", "T1", OrderSide.BUY, "LONG"))
    external = Position(INSTRUMENT, _fill("autoclose-1", "T2", OrderSide.SELL, "EXTERNAL"))
    assert check_positions([stale, external], [], hedge_mode=True).ok
    other_app = Position(INSTRUMENT, _fill("other-app-1", "T3", OrderSide.SELL, "EXTERNAL"))
    assert len(check_positions([stale, other_app], [], hedge_mode=True).mismatches) == 2


def test_hedge_leg_lost_is_the_3104_case() -> None:
    venue = venue_positions_from_rows([
        {"symbol": "BTCUSDT", "positionSide": "LONG", "positionAmt": "0.005"},
        {"symbol": "BTCUSDT", "positionSide": "SHORT", "positionAmt": "-0.003"},
        {"symbol": "BTCUSDT", "positionSide": "BOTH", "positionAmt": "0"},
    ])
    node = [_Position(f"{IID}-LONG", "0.005")]
    check = check_positions(node, venue, hedge_mode=True)
    assert not check.ok and check.hedge_leg_lost
    [mismatch] = check.mismatches
    assert (mismatch.kind, mismatch.side, mismatch.venue_quantity) == (
        MismatchKind.HEDGE_LEG_LOST, "SHORT", Decimal("-0.003"))
    assert "#3104" in check.describe()
    with pytest.raises(ReconciliationMismatch) as info:
        check.raise_if_mismatch()
    assert info.value.mismatches == check.mismatches
    assert PositionCheck.from_json(check.to_json()) == check
    both = check_positions([*node, _Position(f"{IID}-SHORT", "-0.003")], venue, hedge_mode=True)
    assert both.ok


def test_one_way_compares_net_across_owners() -> None:
    venue = [VenuePosition(IID, "BOTH", "0.003")]
    split = [_Position(f"{IID}-BOTH", "0.003"), _Position("P-EXTERNAL-1", "-0.003")]
    check = check_positions(split, venue, hedge_mode=False)
    assert [m.kind for m in check.mismatches] == [MismatchKind.MISSING_IN_NODE]
    assert check_positions([_Position(f"{IID}-BOTH", "0.002")], venue,
                           hedge_mode=False).mismatches[0].kind is MismatchKind.QUANTITY_DIFFERS
    assert check_positions([_Position(f"{IID}-BOTH", "0.002")], [],
                           hedge_mode=False).mismatches[0].kind is MismatchKind.UNKNOWN_AT_VENUE
    assert check_positions(split[:1], venue, hedge_mode=False).ok


@given(st.lists(st.decimals(min_value=-5, max_value=5, places=3), max_size=4))
def test_identical_views_always_match(qtys: list[Decimal]) -> None:
    node = [_Position(f"{IID}-BOTH", str(q)) for q in qtys]
    total = sum(qtys, Decimal(0))
    venue = [VenuePosition(IID, "BOTH", total)] if total else []
    assert check_positions(node, venue, hedge_mode=False).ok


def test_deduplicate_fill_reports_keeps_first_per_trade() -> None:
    def report(trade: str) -> FillReport:
        return FillReport(
            account_id=ACCOUNT, instrument_id=IID, venue_order_id=VenueOrderId("1"),
            trade_id=TradeId(trade), order_side=OrderSide.BUY,
            last_qty=Quantity.from_str("0.003"), last_px=Price.from_str("50000.0"),
            commission=Money(0, USDT), liquidity_side=LiquiditySide.TAKER, report_id=UUID4(),
            ts_event=1, ts_init=1,
        )

    first, again, other = report("9000001"), report("9000001"), report("9000002")
    assert deduplicate_fill_reports([first, again, other]) == [first, other]


@pytest.mark.parametrize(
    ("reason", "held"),
    [("{'code': -1007, 'msg': 'Timeout waiting for response'}", True),
     ("{'code': -4116, 'msg': 'ClientOrderId is duplicated.'}", True),
     ("<html><body><h1>503 Service Unavailable</h1></body></html>", True),
     ("UNKNOWN", False),  # the in-flight check's verdict after asking the venue
     ("{'code': -2019, 'msg': 'Margin is insufficient.'}", False)],
)
def test_unknown_outcome_rejects_are_held(reason: str, held: bool) -> None:
    event = OrderRejected(TraderId("T-001"), StrategyId("S-001"), IID, ClientOrderId("O-1"),
                          ACCOUNT, reason, UUID4(), 1, 1)
    assert UnknownOutcomeHold.is_unknown_outcome(event) is held


class _Engine:
    def __init__(self) -> None:
        self.forwarded: list[object] = []

    def process(self, event: object) -> None:
        self.forwarded.append(event)


class _Bus:
    def register(self, endpoint: str, handler: object) -> None:
        pass

    def deregister(self, endpoint: str, handler: object) -> None:
        pass


@pytest.mark.parametrize(
    ("status", "held"),
    [(OrderStatus.ACCEPTED, True), (OrderStatus.PARTIALLY_FILLED, True),
     (OrderStatus.TRIGGERED, True), (OrderStatus.SUBMITTED, False)],
)
def test_a_reject_of_an_acknowledged_order_is_held(status: OrderStatus, held: bool) -> None:
    """The adapter rejects an open order after three failed order queries (a -1003 here); the
    venue still holds it, so the hold keeps it open for the order check to settle."""
    cache = {ClientOrderId("O-1"): type("Order", (), {"status": status})()}
    engine = _Engine()
    hold = UnknownOutcomeHold(_Bus(), engine, cache=type("Cache", (), {"order": cache.get})())
    event = OrderRejected(TraderId("T-001"), StrategyId("S-001"), IID, ClientOrderId("O-1"),
                          ACCOUNT, "{'code': -1003, 'msg': 'Too many requests'}", UUID4(), 1, 1)
    hold.process(event)
    assert (list(hold.held) == [event]) is held
    assert (engine.forwarded == [event]) is not held


# -- redis --------------------------------------------------------------------------------------


def test_check_redis_fails_fast_with_a_clear_message() -> None:
    with pytest.raises(ConfigurationError, match=r"unreachable.*start redis-server"):
        check_redis(RedisSettings(port=free_port()), timeout=0.5)


def test_persisted_state_and_delete(redis_server: RedisSettings) -> None:
    with RedisConnection(redis_server) as conn:
        for key in ("orders:O-1", "orders:O-2", "positions:P-1", "accounts:A-1"):
            conn.command("SET", f"trader-UNIT-001:{key}", "x")
        conn.command("SET", "trader-OTHER-001:orders:O-9", "x")
    assert persisted_state(redis_server, "UNIT-001") == {"orders": 2, "positions": 1,
                                                          "accounts": 1}
    assert delete_trader_state(redis_server, "UNIT-001") == 4
    assert persisted_state(redis_server, "UNIT-001") == {}
    assert persisted_state(redis_server, "OTHER-001") == {"orders": 1}


def test_production_cache_config_persists_and_never_flushes(redis_server: RedisSettings) -> None:
    config = production_cache_config(redis_server)
    assert config.database is not None and config.database.type == "redis"
    assert config.database.port == redis_server.port
    assert config.flush_on_start is False
    assert config.buffer_interval_ms == redis_server.buffer_interval_ms




def test_non_ascii_symbols_work_in_the_pinned_nautilus_and_the_check() -> None:
    """Seeds issue #3053 (Rust panic on '币安人生'): fixed in 1.231.0; the kit's check copes too."""
    iid = binance_perpetual("币安人生USDT")
    assert str(iid) == "币安人生USDT-PERP.BINANCE"
    venue = venue_positions_from_rows([{"symbol": "币安人生USDT", "positionSide": "BOTH",
                                        "positionAmt": "12"}])
    node = [_Position(f"{iid}-BOTH", "12")]
    node[0].instrument_id = iid
    assert check_positions(node, venue, hedge_mode=False).ok
