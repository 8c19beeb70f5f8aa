"""A tiny strategy for the live/ tests: buys once after the first quote, then sits.

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
