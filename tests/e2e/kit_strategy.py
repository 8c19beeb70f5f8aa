"""The strategy the e2e suite runs on a real TradingNode: an ``ExecutionMixin`` strategy that
records everything it sees.

The tests drive it with :meth:`KitNode.call` (which runs on the node's loop, i.e. on the
strategy's own thread, like a timer or a quote handler would) and read what it recorded: every
order event, every error-policy decision and the wall-clock time of each fill (for the latency
benchmark). It is loaded through ``ImportableStrategyConfig``, the path a user's node takes.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from nautilus_trader.model.events import OrderFilled
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.config import ExecKitConfig
from nautilus_exec_kit.mixin import ExecutionMixin
from nautilus_exec_kit.policy import PolicyDecision

STRATEGY_PATH = "tests.e2e.kit_strategy:ScriptedKitStrategy"
CONFIG_PATH = "tests.e2e.kit_strategy:ScriptedKitConfig"


class ScriptedKitConfig(ExecKitConfig, frozen=True):
    """The kit's settings plus the instrument to subscribe to."""

    instrument_id: InstrumentId = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")


class ScriptedKitStrategy(ExecutionMixin, Strategy):
    """Records events, policy decisions and fill arrival times; the test decides what to do."""

    def __init__(self, config: ScriptedKitConfig) -> None:
        super().__init__(config)
        self.events: list[Any] = []
        self.decisions: list[PolicyDecision] = []
        self.fill_wall_ns: dict[str, int] = {}
        self.quotes = 0
        self.started = threading.Event()
        #: Set on every fill (the benchmark waits on it instead of polling).
        self.filled = threading.Event()

    def on_start(self) -> None:
        self.subscribe_quote_ticks(self.config.instrument_id)
        self.started.set()

    def on_quote_tick(self, tick: Any) -> None:
        self.quotes += 1

    def on_order_filled(self, event: OrderFilled) -> None:
        # First fill only: the benchmark measures venue fill -> this handler.
        self.fill_wall_ns.setdefault(event.client_order_id.value, time.time_ns())
        self.filled.set()

    def on_event(self, event: Any) -> None:
        self.events.append(event)

    def on_policy_decision(self, decision: PolicyDecision) -> None:
        self.decisions.append(decision)
