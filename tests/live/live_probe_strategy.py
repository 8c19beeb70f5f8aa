"""Tiny strategies for the live/ tests: a plain one that buys once after the first quote, and a
kit one (``ExecutionMixin``) that buys on each of its first quotes.

It lives with the tests (imported as ``live_probe_strategy:ProbeStrategy``) so the factory and the
end-to-end run can be tested without depending on the example strategies.
"""

from __future__ import annotations

from decimal import Decimal

from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Quantity
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.config import ExecKitConfig
from nautilus_exec_kit.mixin import ExecutionMixin


class ProbeConfig(ExecKitConfig, frozen=True):
    """Which instrument to trade and how much."""

    instrument_id: InstrumentId
    trade_size: Decimal = Decimal("0.003")


class ProbeStrategy(Strategy):
    """Subscribe to quotes; on the first quote, send one MARKET buy."""

    def __init__(self, config: ProbeConfig) -> None:
        super().__init__(config)
        self._sent = False

    def on_start(self) -> None:
        self.subscribe_quote_ticks(self.config.instrument_id)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        if self._sent:
            return
        self._sent = True
        order = self.order_factory.market(
            instrument_id=self.config.instrument_id,
            order_side=OrderSide.BUY,
            quantity=Quantity.from_str(str(self.config.trade_size)),
        )
        self.submit_order(order)


class KitProbeConfig(ExecKitConfig, frozen=True):
    """The instrument, the size and how many MARKET buys to send."""

    instrument_id: InstrumentId
    trade_size: Decimal = Decimal("0.003")
    orders: int = 2


class KitProbeStrategy(ExecutionMixin, Strategy):
    """The kit's helpers: one MARKET buy on each of the first ``orders`` quotes."""

    def __init__(self, config: KitProbeConfig) -> None:
        super().__init__(config)
        self._sent = 0

    def on_start(self) -> None:
        self.subscribe_quote_ticks(self.config.instrument_id)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        if self._sent >= self.config.orders:
            return
        self._sent += 1
        self.submit_market(self.config.instrument_id, OrderSide.BUY, str(self.config.trade_size))
