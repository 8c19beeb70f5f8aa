"""MARKET_LOT_SIZE on NautilusTrader 1: instruments the Binance adapter builds from an
exchangeInfo (here a saved one, as ``exec-kit backtest --exchange-info`` loads it) keep the
filter in ``info``, and the v1 binding's rules hold market-type orders to it; an instrument
without it (``TestInstrumentProvider``'s) keeps LOT_SIZE for every order.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nautilus_trader.model.enums import OrderSide, OrderType
from nautilus_trader.test_kit.providers import TestInstrumentProvider

from nautilus_exec_kit.core import errors as E
from nautilus_exec_kit.core.capabilities import capabilities_for
from nautilus_exec_kit.core.intent import MarketSnapshot
from nautilus_exec_kit.core.validator import OrderValidator
from nautilus_exec_kit.data.exchange_info import load_exchange_info
from nautilus_exec_kit.sandbox._config import SandboxConfig
from nautilus_exec_kit.sandbox._routes import exchange_info
from nautilus_exec_kit.sandbox.symbols import PRESETS
from nautilus_exec_kit.validation import intent_of, rules_of

FUT = capabilities_for("USDT_FUTURES")
MKT = MarketSnapshot(bid=2999.99, ask=3000.0, last=3000.0)


@pytest.fixture(scope="module")
def eth(tmp_path_factory: pytest.TempPathFactory) -> object:
    """ETHUSDT as the adapter parses Binance's listing: LOT_SIZE max 10 000, market max 2 000."""
    path: Path = tmp_path_factory.mktemp("info") / "exchangeInfo.json"
    symbols = (PRESETS["BTCUSDT"], PRESETS["ETHUSDT"])
    path.write_text(json.dumps(exchange_info(SandboxConfig(symbols=symbols), 1_700_000_000_000)))
    return load_exchange_info(path, symbols=["ETHUSDT"])["ETHUSDT"]


def test_the_adapters_instrument_carries_the_market_max_into_the_rules(eth: object) -> None:
    rules = rules_of(eth)  # type: ignore[arg-type]
    assert rules.qty_str(rules.max_qty_raw) == "10000.000"
    assert rules.qty_str(rules.market_size_grid.hi) == "2000.000"
    validator = OrderValidator(rules, FUT)
    validator.check(intent_of(rules, OrderType.MARKET, OrderSide.SELL, "2000.000",
                              reduce_only=True), MKT)
    validator.check(intent_of(rules, OrderType.LIMIT, OrderSide.SELL, "2000.001", price="3100",
                              reduce_only=True), MKT)
    # intent_of coerces a plain number onto the order type's lot filter already.
    with pytest.raises(E.MarketQuantityOutOfRange, match=r"maximum 2000\.000 for market-type"):
        intent_of(rules, OrderType.MARKET, OrderSide.SELL, "2000.001")
    # ... and a close_position quantity (never sent to Binance) onto LOT_SIZE only.
    intent_of(rules, OrderType.STOP_MARKET, OrderSide.SELL, "2000.001", trigger_price="2900",
              close_position=True)


def test_an_instrument_without_the_filter_keeps_lot_size() -> None:
    rules = rules_of(TestInstrumentProvider.btcusdt_perp_binance())
    assert rules.market_size_grid is rules.size_grid
    intent = intent_of(rules, OrderType.MARKET, OrderSide.SELL, "999.999", reduce_only=True)
    OrderValidator(rules, FUT).check(intent, MarketSnapshot(bid=49999.9, ask=50000.0, last=50000.0))
