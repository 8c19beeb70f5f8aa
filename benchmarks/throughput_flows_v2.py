"""The two strategies of benchmarks/backtest_throughput.py on NautilusTrader 2: the same flow
as throughput_flows_v1.py, in v2's words (``on_quote``, ``cancel_order(client_order_id)``).

v2 hands Python a *copy* of an order: its status never changes after the call that returned it,
so both strategies ask the cache for the order's state (``cache.is_order_open``)."""

from __future__ import annotations

from typing import Any

from nautilus_trader import model as nt
from nautilus_trader.trading import Strategy, StrategyConfig

from nautilus_exec_kit.v2.backtest import mark_simulated
from nautilus_exec_kit.v2.config import ExecKitConfig
from nautilus_exec_kit.v2.mixin import ExecutionMixin
from tests.v2.conftest import IID, flat_quotes, make_engine

QTY = nt.Quantity.from_str("0.010")
PRICE = nt.Price.from_str("45000.0")
PID = nt.PositionId(f"{IID}-BOTH")


class PlainFlow(Strategy):  # type: ignore[misc]
    def __init__(self, config: StrategyConfig) -> None:
        super().__init__(config)
        self.previous: Any = None
        self.sent = 0

    def on_start(self) -> None:
        self.subscribe_quotes(IID)

    def on_quote(self, quote: Any) -> None:
        if self.previous is not None and self.cache.is_order_open(self.previous.client_order_id):
            self.cancel_order(self.previous.client_order_id)
        order = self.order_factory.limit(IID, nt.OrderSide.BUY, QTY, PRICE)
        self.submit_order(order, PID)
        self.previous = order
        self.sent += 1


class MixinFlow(ExecutionMixin, Strategy):  # type: ignore[misc]
    def __init__(self, config: ExecKitConfig) -> None:
        super().__init__(config)
        self.previous: Any = None
        self.sent = 0

    def on_start(self) -> None:
        self.subscribe_quotes(IID)

    def on_quote(self, quote: Any) -> None:
        if self.previous is not None and self.cache.is_order_open(self.previous.client_order_id):
            self.cancel(self.previous)
        self.previous = self.submit_limit(IID, nt.OrderSide.BUY, QTY, PRICE)
        self.sent += 1


def prepare(kind: str, ticks: int) -> tuple[Any, Any]:
    engine: Any = make_engine()
    engine.add_data(flat_quotes(ticks))
    quiet = {"log_events": False, "log_commands": False}
    strategy: Any = (
        PlainFlow(StrategyConfig(oms_type=nt.OmsType.HEDGING, **quiet))
        if kind == "plain"
        else MixinFlow(ExecKitConfig(**quiet))
    )
    engine.add_strategy(strategy)
    mark_simulated(strategy)  # as a kit backtest would; no-op for the plain one
    return engine, strategy
