"""The Parquet catalog: every kind round-trips; imports are idempotent, refuse overlaps and
holes, and check every file before writing any."""

from __future__ import annotations

from pathlib import Path

import pytest
from nautilus_trader.model.data import (
    Bar,
    FundingRateUpdate,
    MarkPriceUpdate,
    QuoteTick,
    TradeTick,
)

from nautilus_exec_kit.data.catalog import (
    catalog_instruments,
    identifiers,
    open_catalog,
    write_instruments,
)
from nautilus_exec_kit.data.errors import DataFileError
from nautilus_exec_kit.data.exchange_info import load_exchange_info
from nautilus_exec_kit.data.importer import import_files
from nautilus_exec_kit.data.layout import vision_path
from nautilus_exec_kit.data.synthetic import (
    header_of,
    synthetic_funding,
    synthetic_klines,
    write_vision,
)
from tests.data.conftest import MIN_MS, T0_MS

FEB_MS = T0_MS + 31 * 1440 * MIN_MS
DAY_MS = T0_MS + 14 * 1440 * MIN_MS  # 2024-01-15


def _downloads(root: Path) -> list[Path]:
    """One file of every kind for ETHUSDT, as Binance Vision lays them out."""
    paths = [
        write_vision(synthetic_klines(start_ms=T0_MS, count=300, start_price=2300, tick=0.01),
                     vision_path(root, "klines", "ETHUSDT", "2024-01", "1m")),
        write_vision(synthetic_klines(start_ms=T0_MS, count=300, start_price=2300, tick=0.01,
                                      seed=1, time_unit="us"),
                     vision_path(root, "markPriceKlines", "ETHUSDT", "2024-01", "1m"),
                     header=False),
        write_vision(synthetic_funding(start_ms=T0_MS, count=93),
                     vision_path(root, "fundingRate", "ETHUSDT", "2024-01")),
        write_vision(f"{header_of('aggTrades')}\n1,2300.01,0.5,1,3,{DAY_MS},true\n"
                     f"2,2300.02,0.25,4,4,{DAY_MS + 5},false\n",
                     vision_path(root, "aggTrades", "ETHUSDT", "2024-01-15")),
        write_vision(f"7,2300.01,3.5,2300.02,1.25,{DAY_MS},{DAY_MS + 2}\n"
                     f"9,2300.00,1.0,2300.03,2.0,{DAY_MS + 3},{DAY_MS + 4}\n",
                     vision_path(root, "bookTicker", "ETHUSDT", "2024-01-15", suffix=".csv")),
    ]
    return paths


def _key(datum: object) -> tuple[str, ...]:
    return (type(datum).__name__, repr(datum), str(datum.ts_event), str(datum.ts_init))  # type: ignore[attr-defined]


def test_every_kind_round_trips_through_the_catalog(
    tmp_path: Path, exchange_info_file: Path
) -> None:
    from nautilus_exec_kit.data.importer import LOADERS
    from nautilus_exec_kit.data.layout import vision_file

    instruments = load_exchange_info(exchange_info_file)
    catalog = open_catalog(tmp_path / "catalog", create=True)
    assert write_instruments(catalog, instruments.values()) == 2
    paths = _downloads(tmp_path / "downloads")
    results = import_files(catalog, reversed(paths), instruments=instruments)
    assert [r.written for r in results] == [True] * 5
    eth = instruments["ETHUSDT"]
    for path in paths:
        file = vision_file(path)
        loaded = LOADERS[file.kind.name](file, eth)
        stored = catalog.query(type(loaded[0]), identifiers=[
            str(loaded[0].bar_type) if isinstance(loaded[0], Bar) else eth.id.value
        ])
        assert [_key(d) for d in stored] == [_key(d) for d in loaded], file.kind.name
        assert len(stored) == {"klines": 300, "markPriceKlines": 300, "fundingRate": 93,
                               "aggTrades": 2, "bookTicker": 2}[file.kind.name]
    assert identifiers(catalog, Bar) == ["ETHUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"]
    for cls in (QuoteTick, TradeTick, MarkPriceUpdate, FundingRateUpdate):
        assert identifiers(catalog, cls) == ["ETHUSDT-PERP.BINANCE"]
    stored_eth = catalog_instruments(catalog, ["ETHUSDT"])["ETHUSDT"]
    assert stored_eth == eth and stored_eth.info == eth.info
    assert stored_eth.price_increment == eth.price_increment


def test_reimport_is_a_no_op_and_overlaps_are_refused(
    tmp_path: Path, exchange_info_file: Path
) -> None:
    instruments = load_exchange_info(exchange_info_file)
    catalog = open_catalog(tmp_path / "catalog", create=True)
    month = write_vision(synthetic_klines(start_ms=T0_MS, count=1440 * 2, start_price=42_000,
                                          tick=0.1), vision_path(tmp_path, "klines", "BTCUSDT",
                                                                 "2024-01", "1m"))
    assert import_files(catalog, [month], instruments=instruments)[0].written
    assert not import_files(catalog, [month], instruments=instruments)[0].written
    assert write_instruments(catalog, instruments.values()) == 2  # first time stored
    assert write_instruments(catalog, instruments.values()) == 0
    day = write_vision(synthetic_klines(start_ms=T0_MS + 1440 * MIN_MS, count=1440,
                                        start_price=42_000, tick=0.1),
                       vision_path(tmp_path, "klines", "BTCUSDT", "2024-01-02", "1m"))
    with pytest.raises(DataFileError) as info:
        import_files(catalog, [day], instruments=instruments)
    assert str(info.value) == (
        f"{day}: overlaps BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL already in the catalog "
        "(2024-01-01T00:01:00Z .. 2024-01-03T00:00:00Z); import each period once (a month or "
        "its days, not both)"
    )


def test_a_missing_month_is_a_gap(tmp_path: Path, exchange_info_file: Path) -> None:
    instruments = load_exchange_info(exchange_info_file)
    catalog = open_catalog(tmp_path / "catalog", create=True)
    jan = write_vision(synthetic_klines(start_ms=T0_MS, count=31 * 1440, start_price=42_000,
                                        tick=0.1), vision_path(tmp_path, "klines", "BTCUSDT",
                                                               "2024-01", "1m"))
    mar_ms = FEB_MS + 29 * 1440 * MIN_MS
    mar = write_vision(synthetic_klines(start_ms=mar_ms, count=10, start_price=42_000, tick=0.1),
                       vision_path(tmp_path, "klines", "BTCUSDT", "2024-03", "1m"))
    with pytest.raises(DataFileError) as info:
        import_files(catalog, [mar, jan], instruments=instruments)  # imported in time order
    assert str(info.value) == (
        f"{mar}: gap: the catalog's BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL ends at "
        "2024-02-01T00:00:00Z, this file starts at 2024-03-01T00:01:00Z (a file is missing; "
        "--allow-gaps imports it anyway)"
    )
    assert [r.written for r in import_files(catalog, [mar], instruments=instruments,
                                            allow_gaps=True)] == [True]


def test_every_file_is_checked_before_anything_is_written(
    tmp_path: Path, exchange_info_file: Path
) -> None:
    instruments = load_exchange_info(exchange_info_file, ["BTCUSDT"])
    catalog = open_catalog(tmp_path / "catalog", create=True)
    good = write_vision(synthetic_klines(start_ms=T0_MS, count=5, start_price=42_000, tick=0.1),
                        vision_path(tmp_path, "klines", "BTCUSDT", "2024-01", "1m"))
    other = write_vision(synthetic_klines(start_ms=T0_MS, count=5, start_price=2_300, tick=0.01),
                         vision_path(tmp_path, "klines", "SOLUSDT", "2024-01", "1m"))
    with pytest.raises(DataFileError, match=r"SOLUSDT-1m-2024-01\.zip: no instrument SOLUSDT"):
        import_files(catalog, [good, other], instruments=instruments)
    with pytest.raises(DataFileError, match="no such file"):
        import_files(catalog, [good, tmp_path / "typo.zip"], instruments=instruments)
    assert identifiers(catalog, Bar) == []


def test_the_latest_instrument_version_wins(tmp_path: Path, exchange_info_file: Path) -> None:
    import json

    catalog = open_catalog(tmp_path / "catalog", create=True)
    write_instruments(catalog, load_exchange_info(exchange_info_file).values())
    body = json.loads(exchange_info_file.read_text())
    body["serverTime"] += 86_400_000
    body["symbols"][0]["filters"][0]["tickSize"] = "0.50"
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(body))
    write_instruments(catalog, load_exchange_info(newer).values())
    assert str(catalog_instruments(catalog)["BTCUSDT"].price_increment) == "0.50"
    with pytest.raises(DataFileError, match="no instrument XRPUSDT in the catalog"):
        catalog_instruments(catalog, ["XRPUSDT"])
    with pytest.raises(DataFileError, match="no catalog here"):
        open_catalog(tmp_path / "nowhere")
