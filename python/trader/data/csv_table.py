"""Typed CSV reading with pyarrow, and a line-by-line re-scan that names file:line and field on bad input."""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.csv as pacsv

from trader.errors import DataError


class Kind(Enum):
    """What a CSV column must hold."""

    TIMESTAMP = "timestamp"
    NUMBER = "number"
    TEXT = "text"


_ARROW_TYPES = {
    Kind.TIMESTAMP: pa.timestamp("ns", tz="UTC"),
    Kind.NUMBER: pa.float64(),
    Kind.TEXT: pa.string(),
}

_ARROW_CONVERSION = re.compile(
    r"In CSV column #(?P<column>\d+): CSV conversion error .*: invalid value '(?P<value>.*)'"
)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(?P<zone>Z|[+-]\d{2}:?\d{2})?$")


def open_text(path: Path) -> IO[str]:
    """Open a `.csv` or `.csv.gz` file as text."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def read_header(path: Path, columns: Mapping[str, Kind]) -> None:
    """Refuse a missing file, an empty file or a header that is not exactly `columns`, in order."""
    if not path.is_file():
        raise DataError("no such file", path=path)
    try:
        with open_text(path) as handle:
            first = handle.readline()
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise DataError(f"cannot read file: {exc}", path=path) from None
    if first == "":
        raise DataError("empty file (expected a header line)", path=path, line=1)
    got = [name.strip() for name in next(csv.reader([first.lstrip("\ufeff")]), [])]
    expected = list(columns)
    if got != expected:
        missing = [name for name in expected if name not in got]
        extra = [name for name in got if name not in expected]
        detail = (
            f"missing {missing}" if missing else f"unexpected {extra}" if extra else "columns out of order"
        )
        raise DataError(
            f"header must be {','.join(expected)} ({detail})", path=path, line=1, value=first.strip()
        )


def read_table(path: Path, columns: Mapping[str, Kind], *, keep: tuple[str, ...] | None = None) -> pa.Table:
    """Read `path` with a typed schema; bad input becomes a DataError naming file:line, field and value."""
    read_header(path, columns)
    names = list(columns)
    read = pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=8 << 20)
    # Empty lines stay rows (so that they are reported) and every position keeps its 1-based file line.
    parse = pacsv.ParseOptions(ignore_empty_lines=False, newlines_in_values=False)
    convert = pacsv.ConvertOptions(
        column_types={name: _ARROW_TYPES[kind] for name, kind in columns.items()},
        null_values=[],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        include_columns=list(keep) if keep is not None else names,
    )
    try:
        table = pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError, EOFError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        locate_error(path, columns, _arrow_hint(message, names))
        raise DataError(f"unreadable CSV: {message}", path=path) from None
    if table.num_rows == 0:
        raise DataError("no data rows after the header", path=path, line=2)
    return table


def _arrow_hint(message: str, names: list[str]) -> tuple[str, str] | None:
    """(column, value) that pyarrow's conversion error names, if it names one."""
    match = _ARROW_CONVERSION.search(message)
    if match is None or int(match["column"]) >= len(names):
        return None
    return names[int(match["column"])], match["value"]


def locate_error(path: Path, columns: Mapping[str, Kind], hint: tuple[str, str] | None = None) -> None:
    """Re-scan `path` with the csv module and raise a DataError at the first bad line; return if none.

    `hint` is a (column, value) pyarrow refused that our own checks may accept (`1_0`, year 3000).
    """
    names = list(columns)
    kinds = list(columns.values())
    with open_text(path) as handle:
        for line, row in _rows(handle, path):
            if line == 1:
                continue
            if len(row) != len(names):
                problem = "empty line" if not row else f"expected {len(names)} fields, got {len(row)}"
                raise DataError(problem, path=path, line=line, value=None if not row else ",".join(row))
            for name, kind, value in zip(names, kinds, row, strict=True):
                bad = _field_problem(kind, value)
                if bad is None and hint == (name, value):
                    bad = f"not a valid {kind.value} (or out of range)"
                if bad is not None:
                    raise DataError(bad, path=path, line=line, field=name, value=value)


def _rows(handle: IO[str], path: Path) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(handle)
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise DataError(f"malformed CSV: {exc}", path=path, line=reader.line_num) from None
    except UnicodeDecodeError:
        raise DataError("not UTF-8 text", path=path, line=reader.line_num + 1) from None
    except (OSError, EOFError) as exc:  # a damaged .gz
        raise DataError(f"cannot read file: {exc}", path=path, line=reader.line_num + 1) from None


def _field_problem(kind: Kind, value: str) -> str | None:
    if value.strip() == "":
        return "missing value"
    if kind is Kind.NUMBER:
        try:
            float(value)
        except ValueError:
            return "not a number"
        return None
    if kind is Kind.TIMESTAMP:
        return timestamp_problem(value.strip())
    return None


def timestamp_problem(value: str) -> str | None:
    """Why `value` is not an ISO-8601 timestamp with a zone (None when it is one)."""
    match = _ISO.match(value)
    if match is None:
        return "not an ISO-8601 timestamp (expected e.g. 2020-01-02T00:00:00Z)"
    if match.group("zone") is None:
        return "timestamp has no timezone (expected UTC with a trailing Z)"
    try:
        datetime.fromisoformat(value[:19])
    except ValueError:
        return "not a valid date/time"
    return None
