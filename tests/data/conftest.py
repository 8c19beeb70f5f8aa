"""Fixtures of the data tests: small Binance Vision files written by the tests themselves, and
an exchangeInfo JSON as the kit's sandbox serves it (Binance's shape, no network)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nautilus_trader.model.instruments import Instrument

from nautilus_exec_kit.backtest.tape import default_instrument
from nautilus_exec_kit.sandbox._config import SandboxConfig, SymbolSpec
from nautilus_exec_kit.sandbox._routes import exchange_info

T0_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
MIN_MS = 60_000
SERVER_TIME_MS = 1_700_000_000_000

#: Two perpetuals with different grids (BTCUSDT tick 0.10, ETHUSDT tick 0.01).
SYMBOLS = (
    SymbolSpec(),
    SymbolSpec(symbol="ETHUSDT", base_asset="ETH", tick_size="0.01", min_price="39.86",
               max_qty="10000", start_price="3000"),
)


def exchange_info_body(symbols: tuple[SymbolSpec, ...] = SYMBOLS) -> dict[str, object]:
    """``GET /fapi/v1/exchangeInfo`` as the sandbox answers it."""
    return exchange_info(SandboxConfig(symbols=symbols), SERVER_TIME_MS)


@pytest.fixture
def exchange_info_file(tmp_path: Path) -> Path:
    path = tmp_path / "exchangeInfo.json"
    path.write_text(json.dumps(exchange_info_body(), indent=1))
    return path


@pytest.fixture
def btc() -> Instrument:
    return default_instrument()


def kline_rows(n: int, *, t0_ms: int = T0_MS, unit: int = 1, price: float = 42_000.0) -> list[str]:
    """``n`` consecutive 1-minute kline rows (times x ``unit``: 1 ms, 1000 us)."""
    rows = []
    for i in range(n):
        t = (t0_ms + i * MIN_MS) * unit
        o, c = price + i, price + i + 0.5
        rows.append(
            f"{t},{o:.1f},{c + 2:.1f},{o - 2:.1f},{c:.1f},1.234,{t + (MIN_MS - 1) * unit},"
            "51827.1,10,0.617,25913.5,0"
        )
    return rows
