"""Binance Vision funding and mark prices, imported and streamed from the catalog, are what the
venue charges: a position held across the file's settlements pays each settled rate on the mark
of the file's markPriceKlines."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.backtest.runner import BacktestRunner, RunnerConfig
from nautilus_exec_kit.config import ExecKitConfig
from nautilus_exec_kit.data.catalog import catalog_instruments, open_catalog, write_instruments
from nautilus_exec_kit.data.catalog_feed import CatalogFeed
from nautilus_exec_kit.data.exchange_info import load_exchange_info
from nautilus_exec_kit.data.importer import import_files
from nautilus_exec_kit.data.layout import vision_path
from nautilus_exec_kit.data.synthetic import synthetic_klines, write_vision
from nautilus_exec_kit.mixin import ExecutionMixin
from tests.data.conftest import T0_MS, exchange_info_body

HOUR_MS = 3_600_000
RATES = ("0.00010000", "-0.00025000", "0.00037500")


class HoldLong(ExecutionMixin, Strategy):
    """Buys 0.010 on its first bar and holds."""

    def on_start(self) -> None:
        self.bought = False
        self.subscribe_bars(BarType.from_str("BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"))

    def on_bar(self, bar: Bar) -> None:
        if not self.bought:  # (the runner purges closed orders: the cache forgets them)
            self.bought = True
            self.submit_market(bar.bar_type.instrument_id, OrderSide.BUY, "0.010")


def test_imported_settlements_are_charged_on_the_imported_marks(tmp_path: Path) -> None:
    info = tmp_path / "exchangeInfo.json"
    info.write_text(json.dumps(exchange_info_body()))
    instruments = load_exchange_info(info, ["BTCUSDT"])
    minutes = 25 * 60
    klines = synthetic_klines(start_ms=T0_MS, count=minutes, start_price=42_000, tick=0.1)
    marks = synthetic_klines(start_ms=T0_MS, count=minutes, start_price=42_010, tick=0.1, seed=9)
    funding = "".join(f"{T0_MS + (i + 1) * 8 * HOUR_MS},8,{r}\n" for i, r in enumerate(RATES))
    files = [
        write_vision(klines, vision_path(tmp_path, "klines", "BTCUSDT", "2024-01", "1m")),
        write_vision(marks, vision_path(tmp_path, "markPriceKlines", "BTCUSDT", "2024-01", "1m")),
        write_vision(funding, vision_path(tmp_path, "fundingRate", "BTCUSDT", "2024-01")),
    ]
    catalog = open_catalog(tmp_path / "catalog", create=True)
    write_instruments(catalog, instruments.values())
    import_files(catalog, files, instruments=instruments)
    btc = list(catalog_instruments(catalog).values())
    runner = BacktestRunner(RunnerConfig(batches=4), btc)
    try:
        runner.add_strategies(HoldLong(ExecKitConfig(log_events=False, log_commands=False)))
        runner.run(CatalogFeed(catalog, btc))
        assert runner.perpetuals is not None
        charges = runner.perpetuals.ledger.funding
    finally:
        runner.dispose()
    # the mark at a settlement: the close of the mark kline that ended then (stamped at close)
    mark_at = {
        (T0_MS + (i + 1) * 60_000) * 1_000_000: Decimal(f"{c:.1f}")
        for i, c in enumerate(marks["close"])
    }
    assert [(c.ts, c.rate, c.signed_qty, c.mark) for c in charges] == [
        ((T0_MS + (i + 1) * 8 * HOUR_MS) * 1_000_000, Decimal(r).normalize(), Decimal("0.010"),
         mark_at[(T0_MS + (i + 1) * 8 * HOUR_MS) * 1_000_000])
        for i, r in enumerate(RATES)
    ]
    for charge in charges:
        assert charge.amount == -(charge.signed_qty * charge.mark * charge.rate).quantize(
            Decimal("1e-8")
        )
