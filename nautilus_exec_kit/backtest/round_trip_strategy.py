"""A load-generating strategy: one market round trip every two quotes on one position ID.

Why it exists: it is the worst case of issue 6 (scalpers, grids, market makers on Binance one-way
mode reuse ``{instrument_id}-BOTH`` for every round trip) and the workload of
``benchmarks/round_trips.py`` and of the runner's parity test. It is deliberately a *plain*
Nautilus ``Strategy`` so it measures the engine, not the kit's helpers.
"""

from __future__ import annotations

from decimal import Decimal

from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId, PositionId
from nautilus_trader.model.objects import Quantity
from nautilus_trader.trading.strategy import Strategy


class RoundTripConfig(StrategyConfig, kw_only=True, frozen=True):
    """Settings of :class:`RoundTripStrategy`.

    ``position_suffix`` is appended to the instrument ID to form the position ID (``"BOTH"`` is
    Binance one-way mode); ``None`` sends no position ID.
    """

    instrument_id: InstrumentId
    trade_size: Decimal = Decimal("0.001")
    position_suffix: str | None = "BOTH"
    oms_type: str | None = "HEDGING"


class RoundTripStrategy(Strategy):
    """Alternate MARKET BUY / MARKET SELL of ``trade_size``, one order per quote."""

    def __init__(self, config: RoundTripConfig) -> None:
        super().__init__(config)
        self._iid = config.instrument_id
        self._qty = Quantity.from_str(str(config.trade_size))
        self._pid = (
            PositionId(f"{config.instrument_id}-{config.position_suffix}")
            if config.position_suffix is not None
            else None
        )
        self._buy_next = True

    def on_start(self) -> None:
        self.subscribe_quote_ticks(self._iid)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        side = OrderSide.BUY if self._buy_next else OrderSide.SELL
        self._buy_next = not self._buy_next
        order = self.order_factory.market(self._iid, side, self._qty)
        self.submit_order(order, position_id=self._pid)
