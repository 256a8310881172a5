"""Loading bar files into columnar `Bars`: real samples, gzip, Parquet, inference, and malformed input."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trader.data import Bars, load_bars
from trader.data.writers import write_bars
from trader.errors import DataError
from trader.models import Timeframe

HEADER = "timestamp,open,high,low,close,volume\n"


def _plain_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    ("name", "rows", "timeframe"),
    [
        ("SPY_1d.csv", 5849, Timeframe.D1),
        ("AAPL_1d.csv", 5849, Timeframe.D1),
        ("SPY_1m.csv", 5786, Timeframe.M1),
        ("BTCUSD_1h.csv", 733, Timeframe.H1),
        ("BTCUSDT_1d.csv", 366, Timeframe.D1),
    ],
)
def test_samples_load_with_every_value_as_in_the_text(
    samples_dir: Path, name: str, rows: int, timeframe: Timeframe
) -> None:
    path = samples_dir / name
    bars = load_bars(path)
    plain = _plain_rows(path)
    assert len(bars) == rows == len(plain)
    assert bars.timeframe is timeframe
    assert bars.symbol == name.split("_", maxsplit=1)[0]
    assert bars.source == str(path)
    for i in (0, rows // 2, rows - 1):
        stamp = datetime.fromisoformat(plain[i]["timestamp"].replace("Z", "+00:00"))
        assert bars.ts[i] == int(stamp.timestamp()) * 1_000_000_000
        for name_ in ("open", "high", "low", "close", "volume"):
            assert getattr(bars, name_)[i] == float(plain[i][name_])
        assert bars.lines[i] == i + 2  # header is line 1


def test_bars_are_read_only_float64_and_int64(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "BTCUSD_1h.csv")
    assert bars.ts.dtype == np.int64
    assert bars.close.dtype == np.float64
    with pytest.raises(ValueError, match="read-only"):
        bars.close[0] = 1.0


def test_slicing_by_position_and_by_time(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    head = bars[:10]
    assert len(head) == 10
    assert head.close[9] == bars.close[9]
    year = bars.between(datetime(2020, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC))
    assert len(year) == 253  # NYSE trading days in 2020
    assert year.ts[0] == int(datetime(2020, 1, 2, tzinfo=UTC).timestamp()) * 10**9
    with pytest.raises(DataError, match="naive"):
        bars.between(datetime(2020, 1, 1))


def test_to_arrow_has_utc_timestamps_and_the_same_values(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "BTCUSDT_1d.csv")
    table = bars.to_arrow()
    assert table.schema.field("timestamp").type == pa.timestamp("ns", tz="UTC")
    assert table.column("timestamp")[0].as_py() == datetime(2020, 1, 1, tzinfo=UTC)
    np.testing.assert_array_equal(table.column("volume").to_numpy(), bars.volume)


def test_mismatched_column_lengths_are_refused() -> None:
    one = np.ones(3)
    with pytest.raises(DataError, match=r"'volume'.*2 values but there are 3"):
        Bars("X", None, np.arange(3), one, one, one, one, np.ones(2))


def test_gzip_csv_and_parquet_load_the_same_bars(samples_dir: Path, tmp_path: Path) -> None:
    source = samples_dir / "BTCUSD_1h.csv"
    gz = tmp_path / "BTCUSD_1h.csv.gz"
    gz.write_bytes(gzip.compress(source.read_bytes()))
    parquet = tmp_path / "BTCUSD_1h.parquet"
    write_bars(load_bars(source), parquet)
    plain, zipped, columnar = load_bars(source), load_bars(gz), load_bars(parquet)
    for other in (zipped, columnar):
        assert other.symbol == "BTCUSD"
        assert other.timeframe is Timeframe.H1
        for name in ("ts", "open", "high", "low", "close", "volume"):
            np.testing.assert_array_equal(getattr(other, name), getattr(plain, name))


def test_csv_written_back_is_byte_identical_to_the_shared_format(samples_dir: Path, tmp_path: Path) -> None:
    for name in ("AAPL_1d.csv", "BTCUSD_1h.csv", "SPY_1m.csv"):
        out = tmp_path / name
        write_bars(load_bars(samples_dir / name), out)
        assert out.read_text() == (samples_dir / name).read_text()


def test_timeframe_from_median_step_when_the_name_does_not_say(samples_dir: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "prices.csv"
    renamed.write_text((samples_dir / "SPY_1d.csv").read_text())
    bars = load_bars(renamed)
    assert bars.symbol == "prices"
    assert bars.timeframe is Timeframe.D1
    explicit = load_bars(renamed, symbol="SPY", timeframe=Timeframe.D1)
    assert explicit.symbol == "SPY"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", ":1: empty file"),
        ("time,open,high,low,close,volume\n", ":1: header must be timestamp,open,high,low,close,volume"),
        ("timestamp,open,high,low,close\n", ":1: header must be"),
        (HEADER, ":2: no data rows"),
        (
            HEADER + "2020-01-01T00:00:00Z,1,2,0.5,1,10\n2020-01-01T00:01:00Z,1,abc,0.5,1,10\n",
            ":3: field 'high': not a number (got 'abc')",
        ),
        (HEADER + "2020-01-01T00:00:00,1,2,0.5,1,10\n", ":2: field 'timestamp': timestamp has no timezone"),
        (HEADER + "01/02/2020,1,2,0.5,1,10\n", ":2: field 'timestamp': not an ISO-8601 timestamp"),
        (HEADER + "2020-13-45T00:00:00Z,1,2,0.5,1,10\n", ":2: field 'timestamp': not a valid date/time"),
        (HEADER + "2020-01-01T00:00:00Z,1,2,0.5,,10\n", ":2: field 'close': missing value"),
        (HEADER + "2020-01-01T00:00:00Z,1,2,0.5,1\n", ":2: expected 6 fields, got 5"),
        (
            HEADER + "2020-01-01T00:00:00Z,1,2,0.5,1,10\n\n2020-01-01T00:02:00Z,1,2,0.5,1,10\n",
            ":3: empty line",
        ),
        # Python's float() and our ISO check accept these; pyarrow does not, and its refusal is located.
        (HEADER + "2020-01-01T00:00:00Z,1_0,2,0.5,1,10\n", ":2: field 'open': not a valid number"),
        (HEADER + "3000-01-01T00:00:00Z,1,2,0.5,1,10\n", ":2: field 'timestamp': not a valid timestamp"),
    ],
)
def test_malformed_csv_names_file_line_field_and_value(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "X_1m.csv"
    path.write_text(body)
    with pytest.raises(DataError) as info:
        load_bars(path)
    assert f"{path}{expected}" in str(info.value)


def test_malformed_gzip_is_located_too(tmp_path: Path) -> None:
    path = tmp_path / "X_1m.csv.gz"
    path.write_bytes(gzip.compress((HEADER + "2020-01-01T00:00:00Z,1,2,x,1,10\n").encode()))
    with pytest.raises(DataError, match=r"X_1m\.csv\.gz:2: field 'low': not a number \(got 'x'\)"):
        load_bars(path)


def test_missing_file_and_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        load_bars(tmp_path / "nope.csv")
    other = tmp_path / "bars.txt"
    other.write_text(HEADER)
    with pytest.raises(DataError, match="unsupported file type"):
        load_bars(other)


def test_bad_parquet_is_refused_with_the_row(tmp_path: Path) -> None:
    stamps = pa.array([0, 60_000_000_000], type=pa.timestamp("ns", tz="UTC"))
    values = pa.array([1.0, None])
    columns = dict.fromkeys(("open", "high", "low", "close", "volume"), values)
    table = pa.table({"timestamp": stamps, **columns})
    path = tmp_path / "X_1m.parquet"
    pq.write_table(table, path)
    with pytest.raises(DataError, match=r"X_1m\.parquet:2: field 'open': missing value"):
        load_bars(path)
    naive = table.set_column(0, "timestamp", pa.array([0, 1], type=pa.timestamp("ns")))
    pq.write_table(naive, path)
    with pytest.raises(DataError, match="no timezone"):
        load_bars(path)
    path.write_text("not parquet")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        load_bars(path)


positive_floats = st.floats(min_value=1e-12, max_value=1e15, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(positive_floats, positive_floats), min_size=1, max_size=40),
    st.sampled_from([1, 1_000, 1_000_000, 1_000_000_000, 60_000_000_000]),
)
def test_csv_round_trip_is_exact_and_never_uses_exponents(
    tmp_path_factory: pytest.TempPathFactory, values: list[tuple[float, float]], unit: int
) -> None:
    n = len(values)
    price = np.array([v[0] for v in values])
    volume = np.array([v[1] for v in values])
    ts = np.arange(n, dtype=np.int64) * unit + 1_600_000_000 * 10**9
    bars = Bars("X", None, ts, price, price, price, price, volume)
    path = tmp_path_factory.mktemp("roundtrip") / "X.csv"
    write_bars(bars, path)
    body = path.read_text().splitlines()[1:]
    assert all("e" not in line.split(",", 1)[1] for line in body)
    back = load_bars(path)
    np.testing.assert_array_equal(back.ts, ts)
    np.testing.assert_array_equal(back.close, price)
    np.testing.assert_array_equal(back.volume, volume)


def test_damaged_gzip_and_non_utf8_are_data_errors(tmp_path: Path) -> None:
    truncated = tmp_path / "X_1m.csv.gz"
    truncated.write_bytes(gzip.compress((HEADER + "2020-01-01T00:00:00Z,1,2,0.5,1,10\n" * 50).encode())[:60])
    with pytest.raises(DataError, match=r"X_1m\.csv\.gz.*cannot read file"):
        load_bars(truncated)
    binary = tmp_path / "Y_1m.csv"
    binary.write_bytes(HEADER.encode() + b"2020-01-01T00:00:00Z,\xff\xfe,2,0.5,1,10\n")
    with pytest.raises(DataError, match=r"Y_1m\.csv.*(not UTF-8|cannot read file)"):
        load_bars(binary)
