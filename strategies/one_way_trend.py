"""One-way trend follower: EMA cross entries, protected by a close_position stop and a
close_position take-profit.

Runs unchanged on the SimulatedExchange and live: the kit validates every order the way Binance
USDT-M would, and in backtests gives ``close_position`` its Binance meaning (the stop always
closes the whole position, and is cancelled when the take-profit closes it).

It trades on quote mids, or on bar closes when ``bar_type`` is set (a run of Binance klines has
no quotes; ``exec-kit backtest`` sets ``bar_type`` for such runs). The EMA periods count updates
of whichever it trades on.

It reads its position with ``kit_holding``, not ``cache.position(...)`` (as the kit's close
helpers do): after a liquidation live, Nautilus leaves the position open in the cache while
Binance holds nothing (docs/production.md §6).
"""

from __future__ import annotations

from decimal import Decimal

from nautilus_trader.model.data import Bar, BarType, QuoteTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.config import ExecKitConfig
from nautilus_exec_kit.mixin import ExecutionMixin
from strategies.signals import EmaCross


class OneWayTrendConfig(ExecKitConfig, frozen=True):
    """Settings of :class:`OneWayTrend` (plus every ExecKitConfig setting)."""

    instrument_id: InstrumentId = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
    bar_type: BarType | None = None  # None: trade on quote mids; else on these bars' closes
    trade_size: Decimal = Decimal("0.010")
    fast_period: int = 50
    slow_period: int = 200
    stop_bps: int = 40  # protective stop distance from entry, in basis points
    take_profit_bps: int = 80
    entry_with_limit: bool = False  # True: join the book with price_match="QUEUE"


class OneWayTrend(ExecutionMixin, Strategy):
    """Long when the fast EMA is above the slow one, short when below; flat between signals."""

    def __init__(self, config: OneWayTrendConfig) -> None:
        super().__init__(config)  # the mixin checks the kit settings here
        self.cross = EmaCross(config.fast_period, config.slow_period)  # shared by the twins
        self.tick = Decimal("0.1")  # the instrument's price increment (set on start)

    def on_start(self) -> None:
        instrument = self.cache.instrument(self.config.instrument_id)
        if instrument is not None:
            self.tick = instrument.price_increment.as_decimal()
        if self.config.bar_type is None:
            self.subscribe_quote_ticks(self.config.instrument_id)
        else:
            self.subscribe_bars(self.config.bar_type)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        self._on_price((tick.bid_price.as_double() + tick.ask_price.as_double()) / 2)

    def on_bar(self, bar: Bar) -> None:
        self._on_price(bar.close.as_double())

    def _on_price(self, price: float) -> None:
        trend = self.cross.update(price)
        if trend is not None:
            self._flip(trend, price)

    def _flip(self, trend: int, price: float) -> None:
        iid = self.config.instrument_id
        # Leave the old position and its protection first.
        self.cancel_all_orders(iid)
        self.close_all(iid)
        side = OrderSide.BUY if trend > 0 else OrderSide.SELL
        exit_side = OrderSide.SELL if trend > 0 else OrderSide.BUY
        if self.config.entry_with_limit:
            self.submit_limit(iid, side, self.config.trade_size, price_match="QUEUE")
        else:
            self.submit_market(iid, side, self.config.trade_size)
        # close_position orders carry no size on Binance: they close whatever the position is.
        stop = price * (1 - trend * self.config.stop_bps / 10_000)
        target = price * (1 + trend * self.config.take_profit_bps / 10_000)
        self.submit_stop_market(
            iid, exit_side, None, _on_tick(stop, self.tick), close_position=True
        )
        self.submit_take_profit(
            iid, exit_side, None, _on_tick(target, self.tick), close_position=True
        )

    def on_stop(self) -> None:
        iid = self.config.instrument_id
        self.cancel_all_orders(iid)
        self.close_all(iid)

    def net_side(self) -> str:
        """The position's side as the venue holds it: LONG, SHORT or FLAT (for summaries)."""
        side = self.kit_holding(self.config.instrument_id).side
        return "FLAT" if side is None else side.name


def _on_tick(price: float, tick: Decimal) -> Decimal:
    """Round a computed price to the tick *explicitly* (the kit never rounds silently)."""
    return (Decimal(repr(price)) / tick).to_integral_value() * tick
