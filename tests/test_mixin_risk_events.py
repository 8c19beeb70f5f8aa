"""Every ExecutionMixin strategy hears about liquidations, ADL and settlements without wiring."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nautilus_trader.core.uuid import UUID4
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.enums import LiquiditySide, OrderSide, OrderType
from nautilus_trader.model.events import OrderDenied, OrderFilled
from nautilus_trader.model.identifiers import (
    AccountId,
    ClientOrderId,
    PositionId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from nautilus_trader.model.objects import Money, Price, Quantity

from nautilus_exec_kit.core.errors import PositionModeViolation
from nautilus_exec_kit.core.risk import Holding
from nautilus_exec_kit.core.vocab import OrderSide as CoreSide
from nautilus_exec_kit.core.vocab import PositionSide
from nautilus_exec_kit.risk_events import RiskEvent, RiskEventKind
from tests.conftest import IID, ScriptedConfig, ScriptedStrategy, flat_quotes, make_engine

FLAT = Holding(None, 0)


class RiskAware(ScriptedStrategy):
    def __init__(self, config: ScriptedConfig) -> None:
        super().__init__(config)
        self.risk: list[RiskEvent] = []

    def on_risk_event(self, event: RiskEvent) -> None:
        self.risk.append(event)


def _exchange_fill(client_order_id: str, trade_id: str) -> OrderFilled:
    """What the adapter books for a Binance-generated order: owned by EXTERNAL, not by us."""
    return OrderFilled(
        trader_id=TraderId("TESTER-001"), strategy_id=StrategyId("EXTERNAL"), instrument_id=IID,
        client_order_id=ClientOrderId(client_order_id), venue_order_id=VenueOrderId("77"),
        account_id=AccountId("BINANCE-001"), trade_id=TradeId(trade_id),
        position_id=PositionId(f"{IID}-BOTH"), order_side=OrderSide.SELL,
        order_type=OrderType.MARKET, last_qty=Quantity.from_str("0.010"),
        last_px=Price.from_str("41000.0"), currency=USDT, commission=Money(0, USDT),
        liquidity_side=LiquiditySide.TAKER, event_id=UUID4(), ts_event=1, ts_init=1,
    )


def test_mixin_strategies_receive_risk_events_from_any_owner() -> None:
    engine = make_engine()
    strategy = RiskAware(ScriptedConfig())
    engine.add_strategy(strategy)  # registration attaches the watcher: no call by the author
    try:
        topic = f"events.fills.{IID}"
        strategy.msgbus.publish(topic, _exchange_fill("O-20240101-000000-001-000-1", "T1"))
        strategy.msgbus.publish(topic, _exchange_fill("autoclose-1700000000000", "T2"))
        strategy.msgbus.publish(topic, _exchange_fill("adl_autoclose", "T3"))
        assert [(e.kind, e.trade_id.value) for e in strategy.risk] == [
            (RiskEventKind.LIQUIDATION, "T2"),
            (RiskEventKind.ADL, "T3"),
        ]
        assert strategy.risk[0].price == Price.from_str("41000.0")
    finally:
        engine.dispose()


# -- the ledger: the leg as the venue holds it -------------------------------------------------

EXTERNAL_PID = f"{IID}-EXTERNAL"


def _liquidation_fill(side: OrderSide, qty: str, position_id: str, trade_id: str) -> OrderFilled:
    """A liquidation fill as NautilusTrader 1.231 publishes it live: booked to -EXTERNAL."""
    fill = _exchange_fill(f"autoclose-{trade_id}", trade_id)
    return OrderFilled(
        trader_id=fill.trader_id, strategy_id=fill.strategy_id, instrument_id=IID,
        client_order_id=fill.client_order_id, venue_order_id=fill.venue_order_id,
        account_id=fill.account_id, trade_id=fill.trade_id, position_id=PositionId(position_id),
        order_side=side, order_type=OrderType.MARKET, last_qty=Quantity.from_str(qty),
        last_px=fill.last_px, currency=USDT, commission=Money(0, USDT),
        liquidity_side=LiquiditySide.TAKER, event_id=UUID4(), ts_event=1, ts_init=1,
    )


def _publish(fill: OrderFilled) -> Callable[[ScriptedStrategy], None]:
    return lambda s: s.msgbus.publish(f"events.fills.{IID}", fill)


class HoldingAtRiskEvent(ScriptedStrategy):
    def __init__(self, config: ScriptedConfig, script: dict[int, Any]) -> None:
        super().__init__(config, script)
        self.seen: list[Holding] = []

    def on_risk_event(self, event: RiskEvent) -> None:
        self.seen.append(self.kit_holding(IID, "LONG" if self._kit_hedge else None))


def _run(script: dict[int, Any], **config: Any) -> HoldingAtRiskEvent:
    engine = make_engine()
    engine.add_data(flat_quotes(20))
    strategy = HoldingAtRiskEvent(ScriptedConfig(**config), script)
    engine.add_strategy(strategy)
    try:
        engine.run()
    finally:
        engine.dispose()
    return strategy


def _close_of(order: Any) -> tuple[OrderSide, str, bool]:
    return order.side, str(order.quantity), order.is_reduce_only


def test_a_liquidation_booked_to_external_reads_flat_and_later_positions_close_in_full() -> None:
    held = lambda s: s._kit_entry(IID).held_quantity("BOTH", CoreSide.SELL)  # noqa: E731
    strategy = _run({
        2: lambda s: s.submit_market(IID, OrderSide.BUY, "0.010"),
        4: _publish(_liquidation_fill(OrderSide.SELL, "0.010", EXTERNAL_PID, "T1")),
        5: lambda s: (s.kit_holding(IID), s.close_all(), s.close_long(IID), held(s)),
        6: lambda s: s.submit_market(IID, OrderSide.BUY, "0.010"),
        8: lambda s: (s.kit_holding(IID), [_close_of(o) for o in s.close_all()]),
        10: lambda s: (s.kit_holding(IID), s.submit_market(IID, OrderSide.SELL, "0.010")),
        12: lambda s: (s.kit_holding(IID), [_close_of(o) for o in s.close_all()]),
        14: lambda s: (s.kit_holding(IID), s.cache.position(s.kit_position_id(IID)).quantity),
    })
    assert not strategy.errors, strategy.errors
    long_10 = Holding(PositionSide.LONG, Quantity.from_str("0.010").raw)
    short_10 = Holding(PositionSide.SHORT, Quantity.from_str("0.010").raw)
    assert strategy.seen == [FLAT]  # the ledger has it before on_risk_event runs
    assert strategy.results[5] == (FLAT, [], None, 0.0)  # nothing to close, no margin relief
    # the node's -BOTH holds 0.020 (the liquidated 0.010 stays): a reduce-only close of 0.010
    assert strategy.results[8] == (long_10, [(OrderSide.SELL, "0.010", True)])
    # the node's -BOTH is flat, the venue short: Nautilus would deny a reduce-only close
    assert strategy.results[12] == (short_10, [(OrderSide.BUY, "0.010", False)])
    assert strategy.results[14] == (FLAT, Quantity.from_str("0.010"))  # stale -BOTH, venue flat
    assert not [e for e in strategy.events if isinstance(e, OrderDenied)]


def test_a_risk_fill_booked_to_the_strategys_own_leg_is_not_corrected_twice() -> None:
    # the kit's backtest venue books its liquidation to -BOTH: the node's position is the truth
    strategy = _run({
        2: lambda s: s.submit_market(IID, OrderSide.BUY, "0.010"),
        4: _publish(_liquidation_fill(OrderSide.SELL, "0.010", f"{IID}-BOTH", "T1")),
        5: lambda s: (s.kit_holding(IID), len(s._kit_ledger)),
    })
    assert not strategy.errors, strategy.errors
    assert strategy.results[5] == (Holding(PositionSide.LONG, Quantity.from_str("0.010").raw), 0)


def test_hedge_mode_books_a_liquidation_to_the_leg_it_closes() -> None:
    strategy = _run({
        2: lambda s: s.submit_market(IID, OrderSide.BUY, "0.010", position_side="LONG"),
        3: lambda s: s.submit_market(IID, OrderSide.SELL, "0.004", position_side="SHORT"),
        5: _publish(_liquidation_fill(OrderSide.SELL, "0.010", EXTERNAL_PID, "T1")),
        6: lambda s: (s.kit_holding(IID, "LONG"), s.kit_holding(IID, "SHORT"),
                      [_close_of(o) for o in s.close_all()]),
        7: lambda s: s.kit_holding(IID),
    }, position_mode="HEDGE")
    short_4 = Holding(PositionSide.SHORT, Quantity.from_str("0.004").raw)
    assert strategy.seen == [FLAT]
    assert strategy.results[6] == (FLAT, short_4, [(OrderSide.BUY, "0.004", False)])
    assert list(strategy.errors) == [7]  # kit_holding needs the leg in hedge mode
    assert isinstance(strategy.errors[7], PositionModeViolation)
