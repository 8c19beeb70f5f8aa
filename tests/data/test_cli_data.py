"""``exec-kit data import`` / ``list``: progress, idempotence, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from nautilus_exec_kit.cli import main
from nautilus_exec_kit.data.layout import vision_path
from nautilus_exec_kit.data.synthetic import synthetic_klines, write_vision
from tests.data.conftest import T0_MS, kline_rows


def test_import_then_list(
    tmp_path: Path, exchange_info_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_vision(synthetic_klines(start_ms=T0_MS, count=90, start_price=42_000, tick=0.1),
                        vision_path(tmp_path / "dl", "klines", "BTCUSDT", "2024-01", "1m"))
    cat = str(tmp_path / "catalog")
    assert main(["data", "import", "--catalog", cat, "--exchange-info", str(exchange_info_file),
                 str(tmp_path / "dl")]) == 0
    captured = capsys.readouterr()
    assert (f"{path.name}: 90 klines BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL "
            "2024-01-01T00:01:00Z .. 2024-01-01T01:30:00Z (imported)") in captured.out
    assert "1 of 1 files imported" in captured.out
    assert "100%" in captured.err and "files" in captured.err
    # the catalog keeps the instruments: no --exchange-info needed any more
    assert main(["data", "import", "--catalog", cat, "--no-progress", str(path)]) == 0
    assert "(already in the catalog)" in capsys.readouterr().out
    assert main(["data", "list", "--catalog", cat]) == 0
    out = capsys.readouterr().out
    assert "BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL" in out and "ETHUSDT" in out
    assert "2024-01-01T01:30:00Z" in out


@pytest.mark.parametrize(
    ("make", "extra", "message"),
    [
        (lambda d: write_vision("\n".join(kline_rows(3)) + "\nx,1,2\n",
                                d / "BTCUSDT-1m-2024-01.csv"),
         ["--kind", "klines"], "BTCUSDT-1m-2024-01.csv:4: 3 columns, expected 12"),
        (lambda d: write_vision("\n".join(kline_rows(3)) + "\n", d / "BTCUSDT-1m-2024-01.csv"),
         [], "klines and markPriceKlines files share this name"),
        (lambda d: write_vision("\n".join(kline_rows(3)) + "\n", d / "XRPUSDT-1m-2024-01.csv"),
         ["--kind", "klines"], "no instrument XRPUSDT: pass --exchange-info"),
        (lambda d: d / "missing.zip", ["--kind", "klines"], "missing.zip: no such file"),
    ],
)
def test_errors_are_one_line_with_file_and_line(
    tmp_path: Path, exchange_info_file: Path, capsys: pytest.CaptureFixture[str],
    make, extra: list[str], message: str,
) -> None:
    path = make(tmp_path)
    code = main(["data", "import", "--catalog", str(tmp_path / "c"), "--exchange-info",
                 str(exchange_info_file), "--no-progress", *extra, str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("exec-kit data: error: ") and message in err
    assert err.count("\n") == 1
