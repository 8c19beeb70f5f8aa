"""Real-data speed (issue 14): a year of 1-minute bars for 10 symbols, from a Parquet catalog,
through the kit runner; beside it the plain engine on the same data.

What runs, each in a fresh process (no shared memory or GC state):

1. **files**: Binance Vision USDT-M files of a synthetic market (monthly ``klines`` 1m and
   ``fundingRate`` per symbol, zipped, Binance's columns and folders), and an exchangeInfo JSON
   listing the symbols (the sandbox's, with real filters for the real presets);
2. **import**: ``exec-kit data import``'s code path into a temporary ``ParquetDataCatalog``;
3. **kit**: ``BacktestRunner`` streaming the catalog window by window
   (:class:`~nautilus_exec_kit.data.catalog_feed.CatalogFeed`), the example ``OneWayTrend`` on
   bars per symbol (kit helpers: validation, close_position stop and take-profit), funding
   charged by the perpetual-economics module;
4. **kit-plain** (``--runs kit,kit-plain,plain``): the same runner and feed with a plain
   Nautilus ``Strategy`` (the same EMA cross, market orders only): the runner's cost without the
   kit's helpers;
5. **plain**: a plain ``BacktestEngine`` (the kit's venue set-up only), the whole catalog
   loaded into memory, the plain strategy, one ``engine.run()``;
6. **kit-noperp** (on request): the kit run with ``RunnerConfig(perpetuals=None)`` (no funding,
   mark price or liquidation): what the perpetual economics cost.

bars/s counts 1-minute bars over wall seconds of the run (catalog reads included, file
generation and import not). The machine is shared: CPU seconds are printed beside wall seconds.
The last line is ``bars_per_s=<kit> plain_bars_per_s=<plain>``.

    .venv/bin/python benchmarks/real_data_speed.py                         # 10 x 365 days (long)
    .venv/bin/python benchmarks/real_data_speed.py --symbols 2 --days 20   # a quick look
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

T0_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
DAY_MS = 86_400_000
#: EMA periods in 1-minute bars (4 h / 16 h): an intraday trend follower, a few hundred flips
#: per symbol and year. (Flipping every hour or so, ~100 k round trips a year, the plain engine
#: turns quadratic in its analyzer: docs/backtesting.md, "Linear cost"; round_trips.py measures
#: that.)
FAST, SLOW = 240, 960


# -- 1. files and 2. import ------------------------------------------------------------------------


def _months(days: int) -> list[tuple[str, int, int]]:
    """(period, start_ms, minutes) of each monthly file covering ``days`` from T0."""
    import pandas as pd

    start = pd.Timestamp(T0_MS, unit="ms", tz="UTC")
    end = start + pd.Timedelta(days=days)
    out = []
    month = start
    while month < end:
        following = month + pd.offsets.MonthBegin(1)
        stop = min(following, end)
        minutes = int((stop - month).total_seconds() // 60)
        out.append((month.strftime("%Y-%m"), int(month.value // 1_000_000), minutes))
        month = following
    return out


def make_files(root: Path, symbols: int, days: int) -> tuple[Path, int]:
    """Write the Binance Vision files and exchangeInfo; return its path and the bar count."""
    from nautilus_exec_kit.data.layout import vision_path
    from nautilus_exec_kit.data.synthetic import synthetic_funding, synthetic_klines, write_vision
    from nautilus_exec_kit.sandbox._config import SandboxConfig
    from nautilus_exec_kit.sandbox._routes import exchange_info
    from nautilus_exec_kit.sandbox.symbols import universe

    specs = universe(symbols)
    info = root / "exchangeInfo.json"
    info.write_text(json.dumps(exchange_info(SandboxConfig(symbols=specs), T0_MS)))
    bars = 0
    for seed, spec in enumerate(specs):
        for period, start_ms, minutes in _months(days):
            frame = synthetic_klines(
                start_ms=start_ms, count=minutes, start_price=float(spec.start_price),
                tick=float(spec.tick_size), step=float(spec.step_size),
                seed=seed * 100 + int(period[-2:]),
            )
            write_vision(frame, vision_path(root / "dl", "klines", spec.symbol, period, "1m"))
            funding = synthetic_funding(start_ms=start_ms, count=minutes // 480, seed=seed)
            write_vision(funding, vision_path(root / "dl", "fundingRate", spec.symbol, period))
            bars += minutes
    return info, bars


def import_catalog(root: Path, info: Path) -> Path:
    from nautilus_exec_kit.data.catalog import open_catalog, write_instruments
    from nautilus_exec_kit.data.exchange_info import load_exchange_info
    from nautilus_exec_kit.data.importer import import_files

    catalog = open_catalog(root / "catalog", create=True)
    instruments = load_exchange_info(info)
    write_instruments(catalog, instruments.values())
    files = sorted((root / "dl").rglob("*.zip"))
    import_files(catalog, files, instruments=instruments)
    return root / "catalog"


# -- 3-5. the runs ---------------------------------------------------------------------------------


def _plain_strategy_class() -> Any:
    from nautilus_trader.model.data import Bar, BarType
    from nautilus_trader.model.enums import OrderSide
    from nautilus_trader.model.identifiers import InstrumentId
    from nautilus_trader.model.objects import Quantity
    from nautilus_trader.trading.strategy import Strategy, StrategyConfig

    from strategies.signals import EmaCross

    class PlainTrendConfig(StrategyConfig, frozen=True):
        instrument_id: InstrumentId
        bar_type: BarType
        trade_size: str = "0.010"

    class PlainTrend(Strategy):
        """The example's EMA cross with plain Nautilus market orders (no kit)."""

        def __init__(self, config: PlainTrendConfig) -> None:
            super().__init__(config)
            self.cross = EmaCross(FAST, SLOW)
            self.size = Quantity.from_str(config.trade_size)

        def on_start(self) -> None:
            instrument = self.cache.instrument(self.config.instrument_id)
            self.size = instrument.make_qty(max(float(self.config.trade_size),
                                                float(instrument.min_quantity)))
            self.subscribe_bars(self.config.bar_type)

        def on_bar(self, bar: Bar) -> None:
            trend = self.cross.update(bar.close.as_double())
            if trend is None:
                return
            iid = self.config.instrument_id
            self.close_all_positions(iid)
            side = OrderSide.BUY if trend > 0 else OrderSide.SELL
            self.submit_order(self.order_factory.market(iid, side, self.size))

        def on_stop(self) -> None:
            self.close_all_positions(self.config.instrument_id)

    return PlainTrend, PlainTrendConfig


def _strategies(instruments: list[Any], kind: str) -> list[Any]:
    from decimal import Decimal

    from nautilus_trader.model.data import BarType

    from strategies import OneWayTrend, OneWayTrendConfig

    plain_cls, plain_config = _plain_strategy_class()
    out = []
    for instrument in instruments:
        bar_type = BarType.from_str(f"{instrument.id}-1-MINUTE-LAST-EXTERNAL")
        # ~100 USDT per order: above every symbol's minimum notional
        size = instrument.make_qty(max(float(instrument.min_quantity),
                                       150.0 / float(_start_price(instrument))))
        common = dict(instrument_id=instrument.id, bar_type=bar_type,
                      order_id_tag=instrument.raw_symbol.value, log_events=False,
                      log_commands=False)
        if kind == "kit":
            out.append(OneWayTrend(OneWayTrendConfig(
                **common, trade_size=Decimal(str(size)), fast_period=FAST, slow_period=SLOW,
            )))
        else:
            out.append(plain_cls(plain_config(**common, trade_size=str(size))))
    return out


def _start_price(instrument: Any) -> float:
    from nautilus_exec_kit.sandbox.symbols import universe

    for spec in universe(20):
        if spec.symbol == instrument.raw_symbol.value:
            return float(spec.start_price)
    return 100.0


def run_one(catalog_dir: Path, kind: str) -> dict[str, Any]:
    """One measured run (in this process); kind is kit, kit-plain or plain."""
    from nautilus_exec_kit.data.catalog import catalog_instruments, open_catalog

    catalog = open_catalog(catalog_dir)
    instruments = list(catalog_instruments(catalog).values())
    strategies = _strategies(instruments, "plain" if "plain" in kind else "kit")
    wall0, cpu0 = time.perf_counter(), time.process_time()
    if kind == "plain":
        orders, bars, load_s = _plain_engine(catalog, instruments, strategies)
    else:
        orders, bars, load_s = _kit_runner(catalog, instruments, strategies,
                                           perpetuals=kind != "kit-noperp")
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {
        "kind": kind, "bars": bars, "orders": orders, "wall_s": wall, "cpu_s": cpu,
        "load_s": load_s, "bars_per_s": bars / wall,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _kit_runner(
    catalog: Any, instruments: list[Any], strategies: list[Any], *, perpetuals: bool = True
) -> tuple[int, int, float]:
    from nautilus_exec_kit.backtest.perpetuals import PerpetualTerms
    from nautilus_exec_kit.backtest.runner import BacktestRunner, RunnerConfig
    from nautilus_exec_kit.data.catalog_feed import CatalogFeed

    config = RunnerConfig(
        max_order_submit_rate="1000/00:00:01",
        perpetuals=PerpetualTerms() if perpetuals else None,
    )
    runner = BacktestRunner(config, instruments)
    try:
        runner.add_strategies(strategies)
        report = runner.run(CatalogFeed(catalog, instruments))
        return report.orders, _bars_in(catalog), 0.0
    finally:
        runner.dispose()


def _bars_in(catalog: Any) -> int:
    import pyarrow.parquet as pq
    from nautilus_trader.model.data import Bar

    from nautilus_exec_kit.data.catalog import identifiers, stored_files

    return sum(
        pq.ParquetFile(catalog.fs.open(path)).metadata.num_rows
        for ident in identifiers(catalog, Bar)
        for path in stored_files(catalog, Bar, ident)
    )


def _plain_engine(
    catalog: Any, instruments: list[Any], strategies: list[Any]
) -> tuple[int, int, float]:
    from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
    from nautilus_trader.config import LoggingConfig, RiskEngineConfig
    from nautilus_trader.model.identifiers import TraderId

    from nautilus_exec_kit.backtest.venue import add_binance_venue

    load0 = time.perf_counter()
    bars = catalog.bars()
    load_s = time.perf_counter() - load0
    engine = BacktestEngine(BacktestEngineConfig(
        trader_id=TraderId("EXECKIT-001"), logging=LoggingConfig(log_level="ERROR"),
        risk_engine=RiskEngineConfig(max_order_submit_rate="1000/00:00:01"),
    ))
    try:
        add_binance_venue(engine, instruments)
        engine.add_data(bars)
        for strategy in strategies:
            engine.add_strategy(strategy)
        engine.run()
        return len(engine.cache.orders()), len(bars), load_s
    finally:
        engine.dispose()


def _measure(catalog_dir: Path, kind: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(catalog_dir), kind],
        check=True, capture_output=True, text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=10, help="how many symbols (default 10)")
    parser.add_argument("--days", type=int, default=365, help="days of 1m bars (default 365)")
    parser.add_argument("--runs", default="kit,plain",
                        help="which runs, of kit, kit-plain, kit-noperp, plain (default kit,plain)")
    parser.add_argument("--keep", metavar="DIR",
                        help="build the files and catalog here and keep them (reused if there)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(Path(args.child[0]), args.child[1])))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep) if args.keep else Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        catalog = root / "catalog"
        if args.keep and catalog.is_dir():
            print(f"reusing {catalog} (delete it to rebuild)", flush=True)
        else:
            t = time.perf_counter()
            info, bars = make_files(root, args.symbols, args.days)
            print(f"files:  {bars:,} 1m bars, {args.symbols} symbols x {args.days} days "
                  f"in {time.perf_counter() - t:.1f} s", flush=True)
            t = time.perf_counter()
            catalog = import_catalog(root, info)
            took = time.perf_counter() - t
            print(f"import: {bars / took:,.0f} bars/s ({took:.1f} s) into {catalog}", flush=True)
        print(f"{'run':>10} {'bars':>10} {'orders':>8} {'wall s':>8} {'cpu s':>8} "
              f"{'bars/s':>9} {'peak RSS MB':>11}", flush=True)
        results: dict[str, dict[str, Any]] = {}
        for kind in [k.strip() for k in args.runs.split(",") if k.strip()]:
            r = results[kind] = _measure(catalog, kind)
            note = f"  (catalog load {r['load_s']:.1f} s included)" if r["load_s"] else ""
            print(f"{kind:>10} {r['bars']:>10,} {r['orders']:>8,} {r['wall_s']:>8.1f} "
                  f"{r['cpu_s']:>8.1f} {r['bars_per_s']:>9,.0f} {r['peak_rss_mb']:>11,.0f}{note}",
                  flush=True)
    kit = results.get("kit", {}).get("bars_per_s", float("nan"))
    plain = results.get("plain", {}).get("bars_per_s", float("nan"))
    print(f"bars_per_s={kit:.0f} plain_bars_per_s={plain:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
