"""Reading one file: zipped or plain, header or not; every malformed file is one line naming
the file and line."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nautilus_exec_kit.data.errors import DataFileError
from nautilus_exec_kit.data.layout import vision_file, vision_path
from nautilus_exec_kit.data.reader import read_table
from nautilus_exec_kit.data.synthetic import header_of, write_vision
from tests.data.conftest import kline_rows

HEADER = header_of("klines")


def _klines(tmp_path: Path, lines: list[str], *, zipped: bool = True) -> Path:
    path = vision_path(tmp_path, "klines", "BTCUSDT", "2024-01", "1m", ".zip" if zipped else ".csv")
    return write_vision("\n".join(lines) + "\n", path)


@pytest.mark.parametrize("zipped", [True, False])
@pytest.mark.parametrize("header", [True, False])
def test_zipped_or_plain_with_or_without_header(
    tmp_path: Path, zipped: bool, header: bool
) -> None:
    rows = kline_rows(3)
    table = read_table(vision_file(_klines(tmp_path, ([HEADER] if header else []) + rows,
                                          zipped=zipped)))
    assert table.first_line == (2 if header else 1)
    assert table.frame["open_time"].tolist() == [int(r.split(",")[0]) for r in rows]
    assert table.frame["close"].tolist() == [float(r.split(",")[4]) for r in rows]


def _error(path: Path) -> DataFileError:
    with pytest.raises(DataFileError) as info:
        read_table(vision_file(path))
    return info.value


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize(
    ("bad_row", "problem"),
    [
        ("1704067320000,42002.0,abc,42000.0,42002.5,1.234,1704067379999,1,1,1,1,0",
         "high 'abc' is not a number"),
        ("1704067320000,42002.0,42004.5,42000.0,42002.5,1.234,1704067379999,1,1.5,1,1,0",
         "count '1.5' is not an integer"),
        ("1704067320000.5,42002.0,42004.5,42000.0,42002.5,1.234,1704067379999,1,1,1,1,0",
         "open_time '1704067320000.5' is not an integer"),
        ("1704067320000,,42004.5,42000.0,42002.5,1.234,1704067379999,1,1,1,1,0",
         "open is empty"),
        ("1704067320000,42002.0,42004.5,42000.0,42002.5,1.234,1704067379999,1,1,1,1,0,7",
         "13 columns, expected 12"),
        ("1704067320000,42002.0,42004.5,42000.0,42002.5", "5 columns, expected 12"),
        ("", "blank line"),
    ],
)
def test_a_bad_row_names_file_line_and_problem(
    tmp_path: Path, header: bool, bad_row: str, problem: str
) -> None:
    rows = kline_rows(2)
    lines = ([HEADER] if header else []) + rows + [bad_row] + kline_rows(1, t0_ms=1_704_067_380_000)
    path = _klines(tmp_path, lines)
    error = _error(path)
    line = 4 if header else 3
    assert (error.path, error.line) == (str(path), line)
    assert str(error) == f"{path}:{line}: {error.problem}"
    assert problem in error.problem
    assert "\n" not in str(error)


def test_a_wrong_header_names_both_column_lists(tmp_path: Path) -> None:
    path = _klines(tmp_path, ["time,open,high,low,close,volume", *kline_rows(1)])
    error = _error(path)
    assert error.line == 1
    assert "header has columns time,open,high,low,close,volume; a klines file has open_time," in (
        str(error)
    )


def test_a_headerless_file_of_another_width_is_refused_at_line_1(tmp_path: Path) -> None:
    path = _klines(tmp_path, ["1704067200000,42000,42001,41999,42000.5,1.0"])
    assert str(_error(path)).endswith(
        ":1: 6 columns, expected 12 for klines (" + HEADER + ")"
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [("", "empty file"), (HEADER + "\n", "no rows after the header"), ("\n", "1: blank line")],
)
def test_empty_files(tmp_path: Path, content: str, problem: str) -> None:
    path = vision_path(tmp_path, "klines", "BTCUSDT", "2024-01", "1m", ".csv")
    write_vision(content, path)
    assert problem in str(_error(path))


def test_a_zip_must_hold_one_csv(tmp_path: Path) -> None:
    path = vision_path(tmp_path, "klines", "BTCUSDT", "2024-01", "1m")
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", "x")
        archive.writestr("b.csv", "y")
    assert "holds 2 files, expected one CSV" in str(_error(path))
    path.write_bytes(b"PK\x03\x04 truncated download")
    assert "not a zip file" in str(_error(path))


def test_a_checksum_file_beside_the_zip_is_verified(tmp_path: Path) -> None:
    path = _klines(tmp_path, [HEADER, *kline_rows(2)])
    checksum = path.with_name(path.name + ".CHECKSUM")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    checksum.write_text(f"{digest}  {path.name}\n")
    assert len(read_table(vision_file(path)).frame) == 2
    checksum.write_text(f"{'0' * 64}  {path.name}\n")
    assert "sha256 differs from" in str(_error(path))


def test_booleans_of_old_and_new_files(tmp_path: Path) -> None:
    header = header_of("aggTrades")
    path = vision_path(tmp_path, "aggTrades", "BTCUSDT", "2024-01-15", suffix=".csv")
    write_vision(f"{header}\n1,42000.0,0.1,1,1,1705276800000,true\n"
                 "2,42000.0,0.1,2,2,1705276800001,False\n", path)
    assert read_table(vision_file(path)).frame["is_buyer_maker"].tolist() == [True, False]
    write_vision(f"{header}\n1,42000.0,0.1,1,1,1705276800000,yes\n", path)
    assert str(_error(path)).endswith(":2: is_buyer_maker 'yes' is not true/false")


_NUMERIC_COLUMNS = [i for i, name in enumerate(HEADER.split(",")) if name != "ignore"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.integers(1, 40),
    data=st.data(),
    header=st.booleans(),
    zipped=st.booleans(),
    junk=st.sampled_from(["x", "1,5", "--1", "0x10", "1e", "", "NaN?"]),
)
def test_any_bad_cell_is_named_at_its_line(
    tmp_path_factory: pytest.TempPathFactory, rows: int, data: st.DataObject, header: bool,
    zipped: bool, junk: str,
) -> None:
    row = data.draw(st.integers(0, rows - 1))
    column = data.draw(st.sampled_from(_NUMERIC_COLUMNS))
    lines = kline_rows(rows)
    cells = lines[row].split(",")
    cells[column] = junk
    lines[row] = ",".join(cells)
    path = _klines(tmp_path_factory.mktemp("r"), ([HEADER] if header else []) + lines,
                   zipped=zipped)
    error = _error(path)
    assert error.line == row + (2 if header else 1)
    name = HEADER.split(",")[column]
    assert name in error.problem or "columns" in error.problem, error.problem


@pytest.mark.parametrize("header", [True, False])
def test_a_wide_first_row_is_named(tmp_path: Path, header: bool) -> None:
    rows = kline_rows(3)
    rows[0] += ",extra"
    path = _klines(tmp_path, ([HEADER] if header else []) + rows)
    error = _error(path)
    assert error.line == (2 if header else 1) and error.problem.startswith("13 columns")


def test_a_binary_file_is_not_text(tmp_path: Path) -> None:
    path = vision_path(tmp_path, "klines", "BTCUSDT", "2024-01", "1m", ".csv")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"1704067200000,\xff\xfe\x00\x01\n")
    assert "not a text file" in str(_error(path))
