"""Instruments from a saved exchangeInfo, built by the pinned adapter's own provider."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from nautilus_trader.model.instruments import CryptoPerpetual

from nautilus_exec_kit.data.errors import DataFileError
from nautilus_exec_kit.data.exchange_info import SavedExchangeInfoClient, load_exchange_info
from tests.data.conftest import SERVER_TIME_MS, exchange_info_body


def test_every_perpetual_with_its_real_filters(exchange_info_file: Path) -> None:
    instruments = load_exchange_info(exchange_info_file)
    assert list(instruments) == ["BTCUSDT", "ETHUSDT"]
    eth = instruments["ETHUSDT"]
    assert isinstance(eth, CryptoPerpetual)
    assert eth.id.value == "ETHUSDT-PERP.BINANCE" and eth.raw_symbol.value == "ETHUSDT"
    assert (str(eth.price_increment), eth.price_precision) == ("0.01", 2)
    assert (str(eth.size_increment), eth.size_precision) == ("0.001", 3)
    assert (str(eth.min_quantity), str(eth.max_quantity)) == ("0.001", "10000.000")
    assert (str(eth.min_price), eth.min_notional.as_decimal()) == ("39.86", Decimal(100))
    assert eth.ts_event == eth.ts_init == SERVER_TIME_MS * 1_000_000
    filters = {f["filterType"]: f for f in eth.info["filters"]}
    saved = {f["filterType"]: f for f in exchange_info_body()["symbols"][1]["filters"]}  # type: ignore[index]
    assert filters["MARKET_LOT_SIZE"]["maxQty"] == saved["MARKET_LOT_SIZE"]["maxQty"]
    assert set(saved) <= set(filters)  # every filter kept for the kit's checks
    # the provider's own choices, as on a live node
    assert (eth.margin_init, eth.taker_fee, eth.maker_fee) == (
        Decimal(1), Decimal("0.0005"), Decimal("0.0002"),
    )
    btc = instruments["BTCUSDT"]
    assert (str(btc.price_increment), str(btc.min_price)) == ("0.10", "556.80")


def test_symbols_select_and_must_be_listed(exchange_info_file: Path) -> None:
    assert list(load_exchange_info(exchange_info_file, ["ETHUSDT"])) == ["ETHUSDT"]
    with pytest.raises(DataFileError) as info:
        load_exchange_info(exchange_info_file, ["ETHUSDT", "DOGEUSDT"])
    assert str(info.value) == (
        f"{exchange_info_file}: lists no perpetual DOGEUSDT (it lists BTCUSDT, ETHUSDT)"
    )


def test_a_schema_error_names_the_symbol(tmp_path: Path) -> None:
    body = exchange_info_body()
    del body["symbols"][1]["quantityPrecision"]  # type: ignore[index]
    path = tmp_path / "info.json"
    path.write_text(json.dumps(body))
    with pytest.raises(DataFileError) as info:
        load_exchange_info(path)
    assert str(info.value) == (
        f"{path}: not a /fapi/v1/exchangeInfo response: Object missing required field "
        "`quantityPrecision` - at `$.symbols[1]` (symbol ETHUSDT)"
    )


def test_broken_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "info.json"
    path.write_text('{"timezone": "UTC",\n "serverTime": }\n')
    with pytest.raises(DataFileError, match=r"info.json:2: not JSON"):
        load_exchange_info(path)
    with pytest.raises(DataFileError, match="no such file"):
        load_exchange_info(tmp_path / "missing.json")


def test_the_saved_client_answers_nothing_else() -> None:
    import asyncio

    from nautilus_trader.common.component import TestClock
    from nautilus_trader.core.nautilus_pyo3 import HttpMethod

    client = SavedExchangeInfoClient(b"{}", TestClock())
    assert asyncio.run(client.send_request(HttpMethod.GET, "/fapi/v1/exchangeInfo")) == b"{}"
    with pytest.raises(RuntimeError, match="answers no /fapi/v2/account"):
        asyncio.run(client.send_request(HttpMethod.GET, "/fapi/v2/account"))
