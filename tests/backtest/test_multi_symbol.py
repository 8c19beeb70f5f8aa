"""Several symbols in one run, from memory or streamed from a catalog: the same fills."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from nautilus_trader.model.data import BarType
from nautilus_trader.model.events import OrderFilled
from nautilus_trader.model.instruments import Instrument

from nautilus_exec_kit.backtest.feed import DataKey, ListFeed
from nautilus_exec_kit.backtest.runner import BacktestRunner, RunnerConfig
from nautilus_exec_kit.data.catalog import open_catalog, write_instruments
from nautilus_exec_kit.data.catalog_feed import CatalogFeed
from nautilus_exec_kit.data.exchange_info import load_exchange_info
from nautilus_exec_kit.data.importer import import_files
from nautilus_exec_kit.data.layout import vision_path
from nautilus_exec_kit.data.synthetic import synthetic_funding, synthetic_klines, write_vision
from strategies import OneWayTrend, OneWayTrendConfig
from tests.data.conftest import T0_MS, exchange_info_body

MINUTES = 2 * 1440


@pytest.fixture(scope="module")
def catalog_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import json

    root = tmp_path_factory.mktemp("multi")
    info = root / "exchangeInfo.json"
    info.write_text(json.dumps(exchange_info_body()))
    instruments = load_exchange_info(info)
    catalog = open_catalog(root / "catalog", create=True)
    write_instruments(catalog, instruments.values())
    files = []
    for seed, (symbol, price, tick) in enumerate((("BTCUSDT", 42_000, 0.1),
                                                   ("ETHUSDT", 2_300, 0.01))):
        files.append(write_vision(
            synthetic_klines(start_ms=T0_MS, count=MINUTES, start_price=price, tick=tick,
                             seed=seed, vol_bps=12),
            vision_path(root, "klines", symbol, "2024-01", "1m")))
        files.append(write_vision(synthetic_funding(start_ms=T0_MS, count=6, seed=seed),
                                  vision_path(root, "fundingRate", symbol, "2024-01")))
    import_files(catalog, files, instruments=instruments)
    return root / "catalog"


def _strategies(instruments: list[Instrument]) -> list[OneWayTrend]:
    return [
        OneWayTrend(OneWayTrendConfig(
            instrument_id=i.id, bar_type=BarType.from_str(f"{i.id}-1-MINUTE-LAST-EXTERNAL"),
            order_id_tag=i.raw_symbol.value, fast_period=10, slow_period=40,
            log_events=False, log_commands=False,
        ))
        for i in instruments
    ]


class Fills:
    def __init__(self) -> None:
        self.fills: list[tuple[str, ...]] = []

    def __call__(self, event: Any) -> None:
        if isinstance(event, OrderFilled):
            self.fills.append((event.instrument_id.value, event.client_order_id.value,
                               str(event.last_px), str(event.last_qty), str(event.ts_event)))

    def install(self, engine: Any) -> None:
        engine.kernel.msgbus.subscribe(topic="events.order.*", handler=self)


def _run(instruments: list[Instrument], data: Any) -> tuple[Any, Fills, list[str]]:
    fills = Fills()
    runner = BacktestRunner(RunnerConfig(batches=5, hooks=(fills.install,)), instruments)
    try:
        runner.add_strategies(_strategies(instruments))
        report = runner.run(data)
        balance = runner.engine.cache.accounts()[0].balances_total()
    finally:
        runner.dispose()
    return (report, balance), fills, runner.data_warnings


def test_two_symbols_stream_from_the_catalog_as_from_memory(catalog_dir: Path) -> None:
    from nautilus_exec_kit.data.catalog import catalog_instruments

    catalog = open_catalog(catalog_dir)
    instruments = list(catalog_instruments(catalog).values())
    feed = CatalogFeed(catalog, instruments, max_batch_rows=700)  # many small windows
    assert feed.contents == {
        DataKey("bars", f"{s}-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL") for s in ("BTCUSDT", "ETHUSDT")
    } | {DataKey("funding rates", f"{s}-PERP.BINANCE") for s in ("BTCUSDT", "ETHUSDT")}
    windows = [b.data for b in feed.batches(5)]
    assert len(windows) >= 8
    streamed = [d for window in windows for d in window]
    everything = sorted(
        [*catalog.bars(), *(f for i in instruments
                             for f in catalog.funding_rates(instrument_ids=[i.id.value]))],
        key=lambda d: d.ts_init,
    )
    # each symbol's own settlements under its own name (one catalog query over both would
    # label them all with one instrument: NautilusTrader 1.231's FundingRateUpdate reader)
    funding = {(f.instrument_id.value, f.rate) for f in streamed if hasattr(f, "rate")}
    assert {iid for iid, _ in funding} == {"BTCUSDT-PERP.BINANCE", "ETHUSDT-PERP.BINANCE"}
    assert len(funding) == 12
    assert [d.ts_init for d in streamed] == sorted(d.ts_init for d in streamed)
    assert sorted((d.ts_init, repr(d)) for d in streamed) == sorted(
        (d.ts_init, repr(d)) for d in everything
    )
    (report, balance), fills, warnings = _run(instruments, CatalogFeed(catalog, instruments))
    (mem_report, mem_balance), mem_fills, _ = _run(instruments, everything)
    # the same fills (same-timestamp bars of two symbols may come in either order)
    assert sorted(fills.fills) == sorted(mem_fills.fills)
    assert balance == mem_balance
    assert {f[0] for f in fills.fills} == {"BTCUSDT-PERP.BINANCE", "ETHUSDT-PERP.BINANCE"}
    assert report.orders == mem_report.orders > 20 and report.ticks == len(everything)
    assert warnings == []


def test_a_time_range_selects_part_of_the_catalog(catalog_dir: Path) -> None:
    from nautilus_exec_kit.data.catalog import catalog_instruments

    catalog = open_catalog(catalog_dir)
    btc = [catalog_instruments(catalog)["BTCUSDT"]]
    lo, hi = (T0_MS + 60 * 60_000) * 10**6, (T0_MS + 120 * 60_000) * 10**6 - 1
    feed = CatalogFeed(catalog, btc, start_ns=lo, end_ns=hi)
    data = [d for b in feed.batches(3) for d in b.data]
    assert {d.ts_init for d in data} == {(T0_MS + m * 60_000) * 10**6 for m in range(60, 120)}
    assert len([d for d in data if hasattr(d, "bar_type")]) == 60
    # series whose stored span overlaps the range (the funding series spans it, with no
    # settlement inside)
    assert {str(k) for k in feed.contents} == {
        "bars BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL", "funding rates BTCUSDT-PERP.BINANCE",
    }
    later = CatalogFeed(catalog, btc, start_ns=(T0_MS + 2 * 86_400_000) * 10**6 - 1)
    assert {str(k) for k in later.contents} == {"bars BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"}


def test_a_list_feed_never_splits_a_timestamp() -> None:
    from nautilus_exec_kit.backtest.tape import TapeSpec, synthetic_tape

    tape = synthetic_tape(TapeSpec(ticks=3_000, with_trades=True, with_bars=True))
    feed = ListFeed(tape.data())
    batches = list(feed.batches(7))
    assert [d for b in batches for d in b.data] == sorted(tape.data(), key=lambda d: d.ts_init)
    for a, b in itertools.pairwise(batches):
        assert a.data[-1].ts_init < b.data[0].ts_init
    assert batches[-1].fraction == 1.0
    assert {str(k) for k in feed.contents} == {
        "quote ticks BTCUSDT-PERP.BINANCE", "trade ticks BTCUSDT-PERP.BINANCE",
        "bars BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL",
    }
