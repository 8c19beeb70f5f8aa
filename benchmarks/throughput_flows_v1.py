"""The two strategies of benchmarks/backtest_throughput.py on NautilusTrader 1.231: cancel the
previous order and place a far-from-market limit on every quote (nothing fills)."""

from __future__ import annotations

from typing import Any

from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import PositionId
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.trading.config import StrategyConfig
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.mixin import ExecutionMixin
from tests.conftest import IID, ScriptedConfig, flat_quotes, make_engine

QTY = Quantity.from_str("0.010")
PRICE = Price.from_str("45000.0")
PID = PositionId(f"{IID}-BOTH")


class PlainFlow(Strategy):
    def __init__(self, config: StrategyConfig) -> None:
        super().__init__(config)
        self.previous: Any = None
        self.sent = 0

    def on_start(self) -> None:
        self.subscribe_quote_ticks(IID)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        if self.previous is not None and self.previous.is_open:
            self.cancel_order(self.previous)
        order = self.order_factory.limit(IID, OrderSide.BUY, QTY, PRICE)
        self.submit_order(order, position_id=PID)
        self.previous = order
        self.sent += 1


class MixinFlow(ExecutionMixin, Strategy):
    def __init__(self, config: ScriptedConfig) -> None:
        super().__init__(config)
        self.previous: Any = None
        self.sent = 0

    def on_start(self) -> None:
        self.subscribe_quote_ticks(IID)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        if self.previous is not None and self.previous.is_open:
            self.cancel(self.previous)
        self.previous = self.submit_limit(IID, OrderSide.BUY, QTY, PRICE)
        self.sent += 1


def prepare(kind: str, ticks: int) -> tuple[Any, Any]:
    engine = make_engine()
    engine.add_data(flat_quotes(ticks))
    quiet = {"log_events": False, "log_commands": False}
    strategy: Any = (
        PlainFlow(StrategyConfig(oms_type="HEDGING", **quiet))
        if kind == "plain"
        else MixinFlow(ScriptedConfig(**quiet))
    )
    engine.add_strategy(strategy)
    return engine, strategy
