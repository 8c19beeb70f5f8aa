"""One-way trend follower on NautilusTrader 2 (the twin of ``strategies/one_way_trend.py``):
EMA cross entries, protected by a close_position stop and a close_position take-profit."""

from __future__ import annotations

from decimal import Decimal

from nautilus_trader.indicators import ExponentialMovingAverage
from nautilus_trader.model import InstrumentId, OrderSide, QuoteTick
from nautilus_trader.trading import Strategy

from nautilus_exec_kit.v2.config import ExecKitConfig
from nautilus_exec_kit.v2.mixin import ExecutionMixin


class OneWayTrendConfig(ExecKitConfig):
    """Settings of :class:`OneWayTrend` (plus every ExecKitConfig setting)."""

    instrument_id: InstrumentId = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
    trade_size: Decimal = Decimal("0.010")
    fast_period: int = 50
    slow_period: int = 200
    stop_bps: int = 40  # protective stop distance from entry, in basis points
    take_profit_bps: int = 80
    entry_with_limit: bool = False  # True: join the book with price_match="QUEUE"


class OneWayTrend(ExecutionMixin, Strategy):  # type: ignore[misc]
    """Long when the fast EMA is above the slow one, short when below; flat between signals."""

    def __init__(self, config: OneWayTrendConfig) -> None:
        super().__init__(config)  # the mixin checks the kit settings here
        self.fast = ExponentialMovingAverage(config.fast_period)
        self.slow = ExponentialMovingAverage(config.slow_period)
        self.trend = 0  # +1 long bias, -1 short bias, 0 unknown

    def on_start(self) -> None:
        self.subscribe_quotes(self.config.instrument_id)

    def on_quote(self, quote: QuoteTick) -> None:
        mid = (quote.bid_price.as_double() + quote.ask_price.as_double()) / 2
        self.fast.update_raw(mid)
        self.slow.update_raw(mid)
        if not self.slow.initialized:
            return
        trend = 1 if self.fast.value > self.slow.value else -1
        if trend == self.trend:
            return
        self.trend = trend
        self._flip(trend, mid)

    def _flip(self, trend: int, mid: float) -> None:
        config = self.config
        iid = config.instrument_id
        # Leave the old position and its protection first.
        self.cancel_all_orders(iid)
        self.close_all(iid)
        side = OrderSide.BUY if trend > 0 else OrderSide.SELL
        exit_side = OrderSide.SELL if trend > 0 else OrderSide.BUY
        if config.entry_with_limit:
            self.submit_limit(iid, side, config.trade_size, price_match="QUEUE")
        else:
            self.submit_market(iid, side, config.trade_size)
        # close_position orders carry no size on Binance: they close whatever the position is.
        stop = mid * (1 - trend * config.stop_bps / 10_000)
        target = mid * (1 + trend * config.take_profit_bps / 10_000)
        self.submit_stop_market(iid, exit_side, None, _tick(stop), close_position=True)
        self.submit_take_profit(iid, exit_side, None, _tick(target), close_position=True)

    def on_stop(self) -> None:
        iid = self.config.instrument_id
        self.cancel_all_orders(iid)
        self.close_all(iid)


def _tick(price: float, tick: float = 0.1) -> str:
    """Round a computed price to the tick *explicitly* (the kit never rounds silently)."""
    return f"{round(price / tick) * tick:.1f}"
