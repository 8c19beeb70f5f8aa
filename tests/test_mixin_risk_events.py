"""Every ExecutionMixin strategy hears about liquidations, ADL and settlements without wiring."""

from __future__ import annotations

from nautilus_trader.core.uuid import UUID4
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.enums import LiquiditySide, OrderSide, OrderType
from nautilus_trader.model.events import OrderFilled
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

from nautilus_exec_kit.risk_events import RiskEvent, RiskEventKind
from tests.conftest import IID, ScriptedConfig, ScriptedStrategy, make_engine


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
