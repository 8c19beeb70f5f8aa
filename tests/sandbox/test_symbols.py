"""Symbols for the sandbox: presets with Binance's filters, synthetic ones, exchangeInfo round trip,
independent price paths. No sockets."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

import attrs
import pytest

from nautilus_exec_kit.sandbox import FundingSpec, PriceProcess, SandboxConfig, SymbolSpec
from nautilus_exec_kit.sandbox._engine import Book
from nautilus_exec_kit.sandbox._market import PriceWalk, walks
from nautilus_exec_kit.sandbox._routes import exchange_info
from nautilus_exec_kit.sandbox.symbols import (
    PRESETS,
    from_exchange_info,
    preset,
    synthetic,
    universe,
)


def test_universe_lists_the_presets_then_synthetic_symbols() -> None:
    symbols = universe(25)
    names = [s.symbol for s in symbols]
    assert len(set(names)) == 25
    assert names[:6] == ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "DOGEUSDT"]
    assert names[len(PRESETS):] == [f"SYN{i:03d}USDT" for i in range(1, 26 - len(PRESETS))]
    SandboxConfig(symbols=symbols)  # a valid venue


def test_presets_carry_their_own_binance_filters() -> None:
    doge, eth, sol = preset("DOGEUSDT"), preset("ETHUSDT"), preset("solusdt")
    assert (doge.tick_size, doge.step_size, doge.min_notional) == (
        Decimal("0.000010"), Decimal("1"), Decimal("5"))
    assert (eth.tick_size, eth.step_size, eth.min_notional) == (
        Decimal("0.01"), Decimal("0.001"), Decimal("20"))
    assert (sol.price_decimals, sol.quantity_decimals, sol.max_leverage) == (4, 0, 75)
    assert preset("ETHUSDT", start_price=Decimal("2500")).start_price == Decimal("2500")


def test_synthetic_symbols_are_the_same_for_a_seed_and_valid() -> None:
    assert synthetic(30, seed=3) == synthetic(30, seed=3)
    assert synthetic(30, seed=3) != synthetic(30, seed=4)
    for spec in synthetic(30, seed=3):
        assert spec.start_price % spec.tick_size == 0
        assert spec.min_price <= spec.start_price <= spec.max_price
        assert "E" not in format(spec.tick_size, "f") and "E" not in str(spec.tick_size)
        # the minimum notional is a handful of steps, as on Binance, not thousands
        assert spec.min_qty * spec.start_price < 20 * spec.min_notional
    intervals = {s.funding.interval_hours for s in synthetic(30)}
    assert intervals == {1, 4, 8}


def test_exchange_info_round_trips_every_filter() -> None:
    config = SandboxConfig(symbols=universe(14))
    rows = exchange_info(config, 0)["symbols"]
    assert [r["symbol"] for r in rows] == [s.symbol for s in config.symbols]
    for spec, row in zip(config.symbols, rows, strict=True):
        again = from_exchange_info(row, start_price=spec.start_price)
        fields = ("tick_size", "step_size", "min_qty", "max_qty", "market_lot_max",
                  "min_notional", "min_price", "max_price", "percent_up", "percent_down",
                  "price_decimals", "quantity_decimals", "liquidation_fee")
        assert {f: getattr(again, f) for f in fields} == {f: getattr(spec, f) for f in fields}
        assert row["pricePrecision"] == spec.price_decimals
        # filter texts are plain decimals, never exponents (msgspec / Decimal parse them)
        numbers = [str(v) for f in row["filters"] for k, v in f.items() if k != "filterType"]
        assert numbers and not [n for n in numbers if "E" in n]


def test_exchange_info_shows_binance_precision_for_btcusdt() -> None:
    row = exchange_info(SandboxConfig(), 0)["symbols"][0]
    # Binance writes BTCUSDT's tick as 0.10 and its pricePrecision as 2
    assert (row["pricePrecision"], row["quantityPrecision"]) == (2, 3)
    assert row["filters"][0]["tickSize"] == "0.10"


def test_config_refuses_a_symbol_twice_and_a_start_price_outside_its_filter() -> None:
    with pytest.raises(ValueError, match="twice"):
        SandboxConfig(symbols=(SymbolSpec(), SymbolSpec()))
    with pytest.raises(ValueError, match="outside"):
        SandboxConfig(symbols=(SymbolSpec(start_price=Decimal("100")),))


def _path(config: SandboxConfig, symbol: str, steps: int) -> list[Decimal]:
    walk = walks(config)[symbol]
    spec = config.symbol(symbol)
    assert spec is not None
    book = Book(spec, spec.start_price, spec.start_price)
    out = []
    for _ in range(steps):
        walk.step(book)
        out.append(book.last)
    return out


def test_each_symbol_walks_its_own_path_from_the_seed() -> None:
    config = SandboxConfig(seed=5, symbols=universe(3))
    eth = _path(config, "ETHUSDT", 50)
    assert eth == _path(config, "ETHUSDT", 50)  # same seed, same path
    assert eth != _path(attrs.evolve(config, seed=6), "ETHUSDT", 50)
    # another symbol listed or not: ETHUSDT's path does not change
    assert eth == _path(attrs.evolve(config, symbols=universe(10)), "ETHUSDT", 50)
    # and the symbols do not move in lockstep
    btc = _path(config, "BTCUSDT", 50)
    up_eth = [b > a for a, b in itertools.pairwise(eth)]
    up_btc = [b > a for a, b in itertools.pairwise(btc)]
    assert up_eth != up_btc


def test_a_symbol_walks_with_its_own_volatility() -> None:
    calm = SymbolSpec(symbol="CALMUSDT", prices=PriceProcess(volatility_bps=0))
    config = SandboxConfig(symbols=(SymbolSpec(), calm),
                           prices=PriceProcess(volatility_bps=5))
    assert len(set(_path(config, "CALMUSDT", 20))) == 1
    assert len(set(_path(config, "BTCUSDT", 20))) > 5
    assert walks(config)["BTCUSDT"].process.volatility_bps == 5


def test_price_walk_alone_is_seeded() -> None:
    spec = SymbolSpec()
    paths = []
    for _ in range(2):
        walk, book = PriceWalk(PriceProcess(volatility_bps=5), random.Random(1)), Book(
            spec, spec.start_price, spec.start_price)
        walk.step(book)
        paths.append(book.last)
    assert paths[0] == paths[1]


def test_funding_spec_times_and_series() -> None:
    hourly = FundingSpec(interval_hours=1)
    assert hourly.next_time(3_600_000 * 5 + 1) == 3_600_000 * 6
    assert FundingSpec().next_time(0) == 28_800_000  # 08:00 UTC after midnight
    fast = FundingSpec(interval_ms=2000, rates=("0.0001", "-0.0002"))
    assert fast.period_ms == 2000
    assert [fast.rate(i) for i in range(3)] == [Decimal("0.0001"), Decimal("-0.0002"),
                                                Decimal("0.0001")]
    assert FundingSpec(rates="0.0003").rates == (Decimal("0.0003"),)
    assert not FundingSpec().is_adjusted and FundingSpec(interval_hours=4).is_adjusted
    with pytest.raises(ValueError):
        FundingSpec(interval_hours=5)


def test_the_cli_lists_the_symbols_asked_for() -> None:
    import argparse

    from nautilus_exec_kit.cli.sandbox import add_venue_arguments, sandbox_config
    from nautilus_exec_kit.core.errors import ConfigurationError

    parser = argparse.ArgumentParser()
    add_venue_arguments(parser)

    def config(*argv: str) -> SandboxConfig:
        return sandbox_config(parser.parse_args(list(argv)))  # type: ignore[no-any-return]

    assert [s.symbol for s in config().symbols] == ["BTCUSDT"]
    many = config("--symbols", "3", "--symbol", "avaxusdt", "--symbol", "ETHUSDT")
    assert [s.symbol for s in many.symbols] == ["BTCUSDT", "ETHUSDT", "SOLUSDT", "AVAXUSDT"]
    assert len(config("--symbols", "25").symbols) == 25
    fast = config("--symbol", "ETHUSDT", "--funding-interval-ms", "5000")
    assert [(s.symbol, s.funding.period_ms) for s in fast.symbols] == [("ETHUSDT", 5000)]
    with pytest.raises(ConfigurationError, match="not a preset"):
        config("--symbol", "FOOUSDT")
