"""Read one Binance Vision file (zipped or plain, with or without header) into a checked table.

Why pandas' C parser with a diagnostic second pass: a month of 1-minute klines is 44 640 rows and
a day of bookTicker tens of millions, so the normal path must be the fast typed parse. When that
parse fails (a bad number, an empty cell), its message names neither file nor line, so the file is
read once more as text to find the first bad cell and name its line: errors are rare, speed is not.

Line numbers are file lines: blank lines are kept as rows (``skip_blank_lines=False``) so row ``i``
is line ``first_line + i``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any, Final

import attrs
import numpy as np
import pandas as pd

from nautilus_exec_kit.data.epochs import epochs_to_ns
from nautilus_exec_kit.data.errors import DataFileError
from nautilus_exec_kit.data.layout import BOOL, INT, TEXT, VisionFile, VisionKind

_TRUE: Final = ("true", "True", "TRUE")
_FALSE: Final = ("false", "False", "FALSE")
_INTEGER: Final = re.compile(r"^\s*[-+]?\d+\s*$")


@attrs.frozen
class VisionTable:
    """A file's rows as typed columns; row ``i`` is file line ``first_line + i``."""

    file: VisionFile
    frame: pd.DataFrame
    first_line: int

    def error(self, row: int | None, problem: str) -> DataFileError:
        """The one-line error for ``row`` (None: the whole file)."""
        return DataFileError(
            self.file.label, None if row is None else self.first_line + row, problem
        )

    def column(self, name: str) -> np.ndarray:
        """One column as a numpy array."""
        return np.asarray(self.frame[name].to_numpy())

    def times_ns(self, name: str | None = None) -> np.ndarray:
        """A time column (default: the kind's) in epoch nanoseconds, one unit per file."""
        name = name or self.file.kind.time_column
        return epochs_to_ns(
            self.column(name).astype(np.int64),
            path=self.file.label,
            first_line=self.first_line,
            column=name,
        )

    def refuse(self, bad: np.ndarray, problem: Callable[[int], str]) -> None:
        """Raise for the first row where ``bad`` is True, with ``problem(row)`` as the text."""
        if bad.any():
            row = int(np.argmax(bad))
            raise self.error(row, problem(row))

    def require_positive(self, *names: str, allow_zero: bool = False) -> None:
        """Every value of these columns > 0 (>= 0 with ``allow_zero``) and finite."""
        for name in names:
            values = self.column(name).astype(np.float64)
            bad = ~np.isfinite(values) | ((values < 0) if allow_zero else (values <= 0))
            self.refuse(bad, _must_be_positive(name, values, allow_zero))

    def require_ordered(self, ts: np.ndarray, *, strictly: bool) -> None:
        """Times must not go back (``strictly``: must advance) from one row to the next."""
        step = np.diff(ts)
        bad = np.r_[False, step <= 0 if strictly else step < 0]
        name = self.file.kind.time_column
        word = "after" if strictly else "at or after"
        self.refuse(bad, lambda row: f"{name} is not {word} the previous line's")


def read_table(file: VisionFile) -> VisionTable:
    """Parse ``file`` into its kind's columns; raise :class:`DataFileError` on any malformed cell.

    Checks: the zip holds one CSV (and matches a ``.CHECKSUM`` file beside it, when present); a
    header, if there is one, names the kind's columns; every row has the kind's column count;
    every cell parses as its column's type (no empty cells).
    """
    _verify_checksum(file)
    try:
        with _open_text(file) as handle:
            first = handle.readline()
    except UnicodeDecodeError as exc:
        raise DataFileError(file.label, 1, f"not a text file ({exc.reason})") from None
    if not first:
        raise DataFileError(file.label, None, "empty file")
    if not first.strip():
        raise DataFileError(file.label, 1, "blank line")
    has_header = _check_first_line(file, first)
    first_line = 2 if has_header else 1
    kind = file.kind
    try:
        frame = _read_csv(
            file, first_line, dtype=kind.dtypes, true_values=list(_TRUE),
            false_values=list(_FALSE),
        )
    except pd.errors.ParserError as exc:  # a row of another width (pandas' line may be off)
        raise _first_wrong_width(file, first_line) or DataFileError(
            file.label, None, f"not a CSV file ({exc})"
        ) from None
    except UnicodeDecodeError as exc:  # a ValueError too: first
        raise DataFileError(file.label, None, f"not a text file ({exc.reason})") from None
    except (ValueError, OverflowError) as exc:
        raise _first_wrong_width(file, first_line) or _first_bad_cell(
            file, first_line
        ) or DataFileError(file.label, None, f"unreadable ({exc})") from None
    if not isinstance(frame.index, pd.RangeIndex):
        # a first row wider than the kind: pandas took its extra column for an index
        raise _first_wrong_width(file, first_line) or DataFileError(
            file.label, None, "rows wider than the header"
        )
    table = VisionTable(file, frame, first_line)
    missing = frame.isna().to_numpy()
    if missing.any():  # an empty cell, a cut-off row, or a 'nan': the text pass tells which
        row = int(np.argwhere(missing)[0][0])
        raise _first_bad_cell(file, first_line) or table.error(
            row, _missing_problem(missing[row], kind)
        )
    if frame.empty:
        raise DataFileError(file.label, None, "no rows after the header")
    return table


def _must_be_positive(
    name: str, values: np.ndarray, allow_zero: bool
) -> Callable[[int], str]:
    sign = ">= 0" if allow_zero else "> 0"
    return lambda row: f"{name} {values[row]} must be {sign}"


def _read_csv(file: VisionFile, first_line: int, **options: Any) -> pd.DataFrame:
    """The file's rows from ``first_line`` on, one row per line (blank lines kept)."""
    with _open_text(file) as handle:
        return pd.read_csv(
            handle,
            header=None,
            skiprows=first_line - 1,
            names=list(file.kind.column_names),
            skip_blank_lines=False,
            engine="c",
            **options,
        )


def _check_first_line(file: VisionFile, line: str) -> bool:
    """Whether ``line`` is a header; a header must name the kind's columns, in order."""
    kind = file.kind
    cells = [cell.strip() for cell in line.rstrip("\r\n").split(",")]
    is_header = not _is_number(cells[0])
    expected = kind.column_names
    if is_header and [c.lower() for c in cells] != [c.lower() for c in expected]:
        raise DataFileError(
            file.label,
            1,
            f"header has columns {','.join(cells)}; a {kind.name} file has {','.join(expected)}",
        )
    if not is_header and len(cells) != len(expected):
        raise DataFileError(
            file.label,
            1,
            f"{len(cells)} columns, expected {len(expected)} for {kind.name} "
            f"({','.join(expected)})",
        )
    return is_header


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _first_wrong_width(file: VisionFile, first_line: int) -> DataFileError | None:
    """The first row with more cells than the kind's (Binance's CSV has no quoting, so a row's
    cells are its commas plus one); shorter rows are named by the empty-cell check."""
    expected = len(file.kind.columns)
    with _open_text(file) as handle:
        for line_no, line in enumerate(handle, start=1):
            width = line.count(",") + 1
            if line_no >= first_line and line.strip() and width > expected:
                return DataFileError(
                    file.label,
                    line_no,
                    f"{width} columns, expected {expected} ({','.join(file.kind.column_names)})",
                )
    return None


def _first_bad_cell(file: VisionFile, first_line: int) -> DataFileError | None:
    """Re-read ``file`` as text and name the first cell its column's type cannot hold."""
    kind = file.kind
    text = _read_csv(file, first_line, dtype=str, keep_default_na=False)
    bad: list[tuple[int, int]] = []  # (row, column index) of each column's first bad cell
    for index, (name, dtype) in enumerate(kind.columns):
        if dtype == TEXT:
            continue
        ok = _cells_ok(text[name], dtype)
        if not ok.all():
            bad.append((int(np.argmax(~ok)), index))
    if not bad:
        return None
    row, index = min(bad)
    name = kind.column_names[index]
    cell = text[name].iloc[row]
    empty = np.array([c != c or not str(c).strip() for c in text.iloc[row]])  # c != c: NaN
    if empty[-1] or not str(cell).strip():  # a short (cut-off) or blank row says so first
        problem = _missing_problem(empty, kind)
    else:
        problem = f"{name} {cell!r} is not {_TYPE_WORDS[kind.dtypes[name]]}"
    return DataFileError(file.label, first_line + row, problem)


def _missing_problem(missing: np.ndarray, kind: VisionKind) -> str:
    """What a row with missing cells is: blank, short (cut off), or one empty cell."""
    first = int(np.argmax(missing))
    if missing[first:].all():
        if first == 0:
            return "blank line"
        return f"{first} columns, expected {len(kind.columns)} ({','.join(kind.column_names)})"
    return f"{kind.column_names[first]} is empty"


_TYPE_WORDS: Final = {INT: "an integer", BOOL: "true/false", "float64": "a number"}


def _cells_ok(column: pd.Series, dtype: str) -> np.ndarray:
    if dtype == BOOL:
        return np.asarray(column.isin((*_TRUE, *_FALSE)))
    if dtype == INT:
        return np.asarray(column.str.match(_INTEGER))
    numbers = pd.to_numeric(column, errors="coerce")
    return np.asarray(numbers.notna())


@contextlib.contextmanager
def _open_text(file: VisionFile) -> Iterator[IO[str]]:
    """The CSV text of ``file``: the single member of a zip, or the plain file."""
    path = file.path
    if path.suffix.lower() != ".zip":
        with path.open(encoding="utf-8", newline="") as handle:
            yield handle
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise DataFileError(file.label, None, f"not a zip file ({exc})") from None
    with archive:
        members = [name for name in archive.namelist() if not name.endswith("/")]
        if len(members) != 1:
            raise DataFileError(
                file.label, None, f"holds {len(members)} files, expected one CSV ({members[:3]})"
            )
        with archive.open(members[0]) as raw:
            yield io.TextIOWrapper(raw, encoding="utf-8", newline="")


def _verify_checksum(file: VisionFile) -> None:
    """Check ``<file>.CHECKSUM`` (Binance Vision's sha256 file) when it was downloaded too."""
    checksum = file.path.with_name(file.path.name + ".CHECKSUM")
    if not checksum.is_file():
        return
    expected = checksum.read_text().split()[0].lower() if checksum.read_text().split() else ""
    digest = hashlib.sha256()
    with file.path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise DataFileError(
            file.label,
            None,
            f"sha256 differs from {checksum.name} (corrupt or partly downloaded; download it "
            "again)",
        )


def kind_columns(kind: VisionKind) -> str:
    """The kind's columns as a CSV header (for docs and messages)."""
    return ",".join(kind.column_names)


__all__ = ["VisionTable", "kind_columns", "read_table"]
