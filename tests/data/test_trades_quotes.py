"""aggTrades -> TradeTick and bookTicker -> QuoteTick (Nautilus' wranglers), and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.model.instruments import Instrument

from nautilus_exec_kit.data.errors import DataFileError
from nautilus_exec_kit.data.layout import vision_path
from nautilus_exec_kit.data.quotes import load_book_ticker
from nautilus_exec_kit.data.synthetic import header_of, write_vision
from nautilus_exec_kit.data.trades import load_agg_trades

T_MS = 1_705_276_800_000  # 2024-01-15
NS = 1_000_000


def _file(tmp_path: Path, kind: str, rows: list[str], header: bool = True,
          zipped: bool = True) -> Path:
    path = vision_path(tmp_path, kind, "BTCUSDT", "2024-01-15", suffix=".zip" if zipped else ".csv")
    return write_vision("\n".join(([header_of(kind)] if header else []) + rows) + "\n", path)


TRADES = [
    f"100,42000.1,0.005,200,201,{T_MS},true",
    f"101,42000.2,1.250,202,202,{T_MS},false",
    f"102,41999.9,0.001,203,205,{T_MS + 7},true",
]


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize("zipped", [True, False])
def test_agg_trades(tmp_path: Path, btc: Instrument, header: bool, zipped: bool) -> None:
    ticks = load_agg_trades(_file(tmp_path, "aggTrades", TRADES, header, zipped), btc)
    assert [(str(t.price), str(t.size), t.aggressor_side, t.trade_id.value, t.ts_event)
            for t in ticks] == [
        ("42000.1", "0.005", AggressorSide.SELLER, "100", T_MS * NS),  # buyer was maker
        ("42000.2", "1.250", AggressorSide.BUYER, "101", T_MS * NS),
        ("41999.9", "0.001", AggressorSide.SELLER, "102", (T_MS + 7) * NS),
    ]


@pytest.mark.parametrize(
    ("third", "problem"),
    [
        (f"104,41999.9,0.001,203,205,{T_MS + 7},true",
         "gap: agg_trade_id 102..103 missing (--allow-gaps imports it anyway)"),
        (f"101,41999.9,0.001,203,205,{T_MS + 7},true", "agg_trade_id 101 is not after"),
        (f"102,41999.9,0.001,203,205,{T_MS - 1},true", "transact_time is not at or after"),
        (f"102,41999.9,0,203,205,{T_MS + 7},true", "quantity 0.0 must be > 0"),
        (f"102,41999.9,0.001,203,205,{T_MS + 7},maybe", "is_buyer_maker 'maybe' is not"),
    ],
)
def test_agg_trade_refusals(tmp_path: Path, btc: Instrument, third: str, problem: str) -> None:
    path = _file(tmp_path, "aggTrades", [*TRADES[:2], third])
    with pytest.raises(DataFileError) as info:
        load_agg_trades(path, btc)
    assert str(info.value).startswith(f"{path}:4: ") and problem in str(info.value)


def test_agg_trade_gaps_can_be_allowed(tmp_path: Path, btc: Instrument) -> None:
    rows = [TRADES[0], TRADES[2].replace("102,", "150,", 1)]
    assert len(load_agg_trades(_file(tmp_path, "aggTrades", rows), btc, allow_gaps=True)) == 2


QUOTES = [
    f"9001,42000.0,1.5,42000.1,2.25,{T_MS},{T_MS + 3}",
    f"9005,42000.1,0.0,42000.3,1.0,{T_MS + 1},{T_MS + 4}",
]


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize("unit", [1, 1_000])
def test_book_ticker(tmp_path: Path, btc: Instrument, header: bool, unit: int) -> None:
    rows = [r.replace(str(T_MS), str(T_MS * unit)).replace(str(T_MS + 1), str((T_MS + 1) * unit))
            for r in QUOTES]
    rows = [",".join(c if i < 5 else str(int(c) * unit) for i, c in enumerate(r.split(",")))
            for r in QUOTES]
    quotes = load_book_ticker(_file(tmp_path, "bookTicker", rows, header), btc)
    assert [(str(q.bid_price), str(q.ask_price), str(q.bid_size), str(q.ask_size), q.ts_event,
             q.ts_init) for q in quotes] == [
        ("42000.0", "42000.1", "1.500", "2.250", T_MS * NS, T_MS * NS),
        ("42000.1", "42000.3", "0.000", "1.000", (T_MS + 1) * NS, (T_MS + 1) * NS),
    ]


@pytest.mark.parametrize(
    ("second", "problem"),
    [
        (f"9005,42000.3,1.0,42000.3,1.0,{T_MS + 1},{T_MS + 4}",
         "crossed book: bid 42000.3 >= ask 42000.3"),
        (f"9005,42000.1,-1,42000.3,1.0,{T_MS + 1},{T_MS + 4}", "best_bid_qty -1.0 must be >= 0"),
        (f"9005,42000.1,1,42000.3,1.0,{T_MS - 1},{T_MS + 4}", "transaction_time is not at or"),
        (f"9005,42000.1,1,42000.3,1.0,{T_MS * 1000},{T_MS + 4}",
         "transaction_time 1705276800000000 is in microseconds"),
    ],
)
def test_book_ticker_refusals(tmp_path: Path, btc: Instrument, second: str, problem: str) -> None:
    path = _file(tmp_path, "bookTicker", [QUOTES[0], second])
    with pytest.raises(DataFileError) as info:
        load_book_ticker(path, btc)
    assert str(info.value).startswith(f"{path}:3: ") and problem in str(info.value)
