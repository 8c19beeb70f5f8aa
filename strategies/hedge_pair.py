"""Hedge-mode pair: holds a LONG and a SHORT leg at once and takes profit on each leg separately.

Binance hedge mode (``dualSidePosition=true``) keeps ``{iid}-LONG`` and ``{iid}-SHORT`` as two
positions. The kit sends every order on the right leg, refuses reduce-only (the adapter never
sends it in hedge mode), and ``close_long`` / ``close_short`` never close more than the leg holds.

It reads each leg with ``kit_holding``, not ``cache.position(...)``: after a liquidation live,
Nautilus leaves the leg open in the cache while Binance holds nothing (docs/production.md §6),
and a strategy reading the cache would never reopen it.

It prices on quote mids, or on bar closes when ``bar_type`` is set (a run of Binance klines).
"""

from __future__ import annotations

from decimal import Decimal

from nautilus_trader.model.data import Bar, BarType, QuoteTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.config import ExecKitConfig
from nautilus_exec_kit.mixin import ExecutionMixin


class HedgePairConfig(ExecKitConfig, frozen=True):
    """Settings of :class:`HedgePair`; ``position_mode`` must stay ``"HEDGE"``."""

    instrument_id: InstrumentId = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
    position_mode: str = "HEDGE"
    bar_type: BarType | None = None  # None: price on quote mids; else on these bars' closes
    leg_size: Decimal = Decimal("0.010")
    take_profit_bps: int = 30  # close a leg once it is this far in profit


class HedgePair(ExecutionMixin, Strategy):
    """Keep one LONG and one SHORT leg open; bank the profitable leg and re-open it."""

    def __init__(self, config: HedgePairConfig) -> None:
        super().__init__(config)
        self.entry: dict[str, float] = {}  # leg -> the price it was (re)opened at

    def on_start(self) -> None:
        if self.config.bar_type is None:
            self.subscribe_quote_ticks(self.config.instrument_id)
        else:
            self.subscribe_bars(self.config.bar_type)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        self._on_price((tick.bid_price.as_double() + tick.ask_price.as_double()) / 2)

    def on_bar(self, bar: Bar) -> None:
        self._on_price(bar.close.as_double())

    def _on_price(self, price: float) -> None:
        iid = self.config.instrument_id
        for leg, open_side in (("LONG", OrderSide.BUY), ("SHORT", OrderSide.SELL)):
            if self.kit_holding(iid, leg).side is None:  # flat at the venue (liquidated too)
                if not self._leg_order_in_flight(leg):
                    # position_side is implied (BUY opens LONG), spelled out for the reader.
                    self.submit_market(iid, open_side, self.config.leg_size, position_side=leg)
                    self.entry[leg] = price
                continue
            entry = self.entry.setdefault(leg, price)  # held since before a restart: from now
            move = (price - entry) / entry * 10_000
            in_profit = move if leg == "LONG" else -move
            if in_profit >= self.config.take_profit_bps:
                # Sized by the venue's leg; a second call in the same tick would return None.
                (self.close_long if leg == "LONG" else self.close_short)(iid)

    def _leg_order_in_flight(self, leg: str) -> bool:
        iid = self.config.instrument_id
        # The error policy may hold an order before it reaches Nautilus (queued in a backoff
        # after -1003, or behind the rate budget): not in the cache yet, but on its way.
        if self.kit_unsent_orders(iid, leg):
            return True
        pid = self.kit_position_id(iid, leg)
        inflight = self.cache.orders_inflight(strategy_id=self.id)
        return any(self.cache.position_id(o.client_order_id) == pid for o in inflight)

    def on_stop(self) -> None:
        self.close_all(self.config.instrument_id)
