"""Hedge-mode pair on NautilusTrader 2 (the twin of ``strategies/hedge_pair.py``): holds a LONG
and a SHORT leg at once and takes profit on each leg separately; prices on quote mids, or on bar
closes when ``bar_type`` is set.

It reads each leg with ``kit_holding``, not ``cache.position(...)``: after a liquidation live,
Nautilus leaves the leg open in the cache while Binance holds nothing (docs/production.md §6),
and a strategy reading the cache would never reopen it.
"""

from __future__ import annotations

from decimal import Decimal

from nautilus_trader.model import Bar, BarType, InstrumentId, OrderSide, QuoteTick
from nautilus_trader.trading import Strategy

from nautilus_exec_kit.v2.config import ExecKitConfig
from nautilus_exec_kit.v2.mixin import ExecutionMixin


class HedgePairConfig(ExecKitConfig):
    """Settings of :class:`HedgePair`; ``position_mode`` must stay ``"HEDGE"``."""

    instrument_id: InstrumentId = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
    position_mode: str = "HEDGE"
    bar_type: BarType | None = None  # None: price on quote mids; else on these bars' closes
    leg_size: Decimal = Decimal("0.010")
    take_profit_bps: int = 30  # close a leg once it is this far in profit


class HedgePair(ExecutionMixin, Strategy):  # type: ignore[misc]
    """Keep one LONG and one SHORT leg open; bank the profitable leg and re-open it."""

    def __init__(self, config: HedgePairConfig) -> None:
        super().__init__(config)
        self.entry: dict[str, float] = {}  # leg -> the price it was (re)opened at

    def on_start(self) -> None:
        config = self.config
        if config.bar_type is None:
            self.subscribe_quotes(config.instrument_id)
        else:
            self.subscribe_bars(config.bar_type)

    def on_quote(self, quote: QuoteTick) -> None:
        self._on_price((quote.bid_price.as_double() + quote.ask_price.as_double()) / 2)

    def on_bar(self, bar: Bar) -> None:
        self._on_price(bar.close.as_double())

    def _on_price(self, price: float) -> None:
        config = self.config
        iid = config.instrument_id
        for leg, open_side in (("LONG", OrderSide.BUY), ("SHORT", OrderSide.SELL)):
            if self.kit_holding(iid, leg).side is None:  # flat at the venue (liquidated too)
                if not self._leg_order_in_flight(leg):
                    self.submit_market(iid, open_side, config.leg_size, position_side=leg)
                    self.entry[leg] = price
                continue
            entry = self.entry.setdefault(leg, price)  # held since before a restart: from now
            move = (price - entry) / entry * 10_000
            in_profit = move if leg == "LONG" else -move
            if in_profit >= config.take_profit_bps:
                (self.close_long if leg == "LONG" else self.close_short)(iid)

    def _leg_order_in_flight(self, leg: str) -> bool:
        iid = self.config.instrument_id
        # Live, the kit may hold an order before it reaches Nautilus (orders sent before the
        # start-up position check's verdict wait for it): not in the cache yet, but on its way.
        if self.kit_unsent_orders(iid, leg):
            return True
        pid = self.kit_position_id(iid, leg)
        inflight = self.cache.orders_inflight(strategy_id=self.strategy_id)
        return any(self.cache.position_id(o.client_order_id) == pid for o in inflight)

    def on_stop(self) -> None:
        self.close_all(self.config.instrument_id)
