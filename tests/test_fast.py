"""The speed helpers of analysis._fast, each against the plain pandas, numpy or Python it replaces."""

import io
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import ids
from analysis._fast import arrow, digits, text
from analysis._fast import csv as csv_module
from analysis._fast.csv import write_csv
from analysis._fast.hashing import duplicated_mask
from analysis._fast.sets import count_distinct, isin_small, maybe_repeated, repeated, unique_sorted
from analysis._fast.sorting import argsort_stable, grouped
from analysis._fast.writes import write_all

texts = st.lists(st.one_of(st.none(), st.text(alphabet=list("ab eE1\t中　"), max_size=5)), max_size=30)
# Text an analyst's export can hold: separators, quotes, line breaks, a lone CR, CJK, nothing at all.
cell = st.one_of(st.none(), st.text(alphabet=st.sampled_from(list("ab ,\"\n\r\t'=中文１")), max_size=6))


def chunked(values: list, size: int) -> pd.Series:
    """A "str" column in chunks of `size` rows, as a Parquet file with small row groups arrives."""
    parts = [pa.array(values[i : i + size], pa.large_string()) for i in range(0, len(values), size)] or [
        pa.array([], pa.large_string())
    ]
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(parts), dtype=arrow.STR))


@settings(max_examples=150, deadline=None)
@given(texts, st.integers(1, 7), st.data())
def test_take_byte_checks_and_lengths_agree_with_python(values, size, data):
    series = chunked(values, size)
    positions = data.draw(st.lists(st.integers(0, max(len(values) - 1, 0)), max_size=12)) if values else []
    taken = arrow.take(series, np.array(positions, dtype=np.int64))
    pd.testing.assert_series_equal(taken, series.iloc[positions])
    assert text.any_byte(series, text.byte_table(b"eE")).tolist() == [
        v is not None and ("e" in v or "E" in v) for v in values
    ]
    assert text.edge_bytes(series, text.SPACE_AT_EDGE).tolist() == [
        bool(v) and (v[0] in " \t" or v[-1] in " \t" or not v[0].isascii() or not v[-1].isascii()) for v in values
    ]
    assert text.byte_lengths(series).tolist() == [-1 if v is None else len(v.encode()) for v in values]


TABLES = {
    "quoting": text.byte_table(b'",\n'),
    "other spaces": text.byte_table(b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f", non_ascii=True),
    "non-ASCII": text.byte_table(b"", non_ascii=True),
}


@pytest.mark.parametrize("memchr", [True, False], ids=["memchr", "numpy only"])
@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=list('ab,"\n\t\r 1中　é'), max_size=6)), max_size=30))
def test_any_byte_is_a_search_for_the_tables_characters(memchr, values):
    """With the C library's memchr telling absent bytes first, and without it (systems where it cannot be
    loaded): the same answer as looking at every character."""
    series = chunked(values, 4)
    saved = text._MEMCHR
    assert saved is not None or not sys.platform.startswith("linux")
    text._MEMCHR = saved if memchr else None
    try:
        for table in TABLES.values():
            chars = {chr(c) for c in np.flatnonzero(table[:0x80])}
            wide = bool(table[0x80:].all())
            expected = [v is not None and any(c in chars or (wide and not c.isascii()) for c in v) for v in values]
            assert text.any_byte(series, table).tolist() == expected
    finally:
        text._MEMCHR = saved


@settings(max_examples=100, deadline=None)
@given(texts, st.integers(1, 7))
def test_arrow_of_is_the_column_without_a_copy(values, size):
    series = chunked(values, size)
    arr = arrow.arrow_of(series)
    assert arr.to_pylist() == values
    assert arrow.text_array(series).to_pylist() == values
    assert [v for _, piece in arrow.pieces(series, 3) for v in piece.to_pylist()] == values


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.text(alphabet="ab中", max_size=4)), max_size=20))
def test_placed_constant_and_coded_text_are_plain_assignments(items):
    mask = np.array([m for m, _ in items], dtype=bool)
    index = pd.RangeIndex(len(items))
    values = pd.Series([v for m, v in items if m], dtype="str")
    plain = pd.Series(pd.NA, index=index, dtype="str")
    plain[mask] = values.to_numpy()
    pd.testing.assert_series_equal(arrow.placed(mask, values, index), plain, check_dtype=False)
    constant = pd.Series(np.where(mask, "x", None), index=index, dtype="str")
    pd.testing.assert_series_equal(arrow.constant_text(mask, "x", index), constant, check_dtype=False)
    codes = np.where(mask, np.arange(len(items)) % 2, -1)
    words = ["even", "odd"]
    assert arrow.coded_text(codes, words).to_pylist() == [words[c] if c >= 0 else None for c in codes]


def test_fixed_width_and_back_are_the_bytes_of_each_text():
    values = ["110105194912310021", None, "11010519491231002X"]
    arr = pa.array(values, pa.large_string())
    matrix = arrow.fixed_width(arr, np.array([0, 2]), 18)
    assert [bytes(row).decode() for row in matrix] == [values[0], values[2]]
    full = np.zeros((3, 18), dtype=np.uint8)
    full[[0, 2]] = matrix
    assert arrow.fixed_width_text(full, np.array([True, False, True])).to_pylist() == values


def test_digits18_checks_every_byte_at_every_place():
    """The 8-bytes-at-a-time digit check: each of the 256 byte values at each of the 18 places."""
    for place in range(18):
        m = np.full((256, 18), ord("0"), dtype=np.uint8)
        m[:, place] = np.arange(256)
        expected = [(48 <= b <= 57) or (place == 17 and b == ord("X")) for b in range(256)]
        assert digits.digits18(m).tolist() == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789", min_size=17, max_size=17), min_size=1, max_size=20))
def test_body_numbers_are_the_digits_read_as_numbers(bodies):
    """Eight digits at a time (SWAR) and column sums give the check sum, the 17 digits, the prefix and the birth
    date parts exactly."""
    matrix = np.array([list(b.encode()) for b in bodies], dtype=np.uint8)
    got = digits.body_numbers(matrix)
    assert got["number"].tolist() == [int(b) for b in bodies]
    assert got["weighted"].tolist() == [sum(int(c) * w for c, w in zip(b, ids.WEIGHTS, strict=True)) for b in bodies]
    assert got["prefix"].tolist() == [int(b[:2]) for b in bodies]
    assert got["year"].tolist() == [int(b[6:10]) for b in bodies]
    assert got["month"].tolist() == [int(b[10:12]) for b in bodies]
    assert got["day"].tolist() == [int(b[12:14]) for b in bodies]
    # the first 17 columns of an 18-character matrix (validate_ids passes the numbers with their check character)
    wide = digits.body_numbers(np.hstack([matrix, np.full((len(matrix), 1), ord("X"), dtype=np.uint8)]))
    assert all(np.array_equal(wide[k], got[k]) for k in got)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10**17 - 1), min_size=1, max_size=20))
def test_body_text_is_the_digits_and_stdnums_check_character(bodies):
    """17-digit numbers back to text eight digits at a time (SWAR), with the check character python-stdnum
    computes; leading zeros kept."""
    from stdnum.cn import ric

    got = digits.body_text(np.array(bodies, dtype=np.int64), ids.CHECK_CHARS)
    expected = [f"{b:017d}" + ric.calc_check_digit(f"{b:017d}0") for b in bodies]  # (it takes 18 characters)
    assert [bytes(row).decode() for row in got] == expected


def test_keys_of_bodies_are_null_where_no_citizen_body():
    keys = ids.key_of_body(np.array([-1, 0, 10**17 - 1, ids.OTHER_IDS, ids.OTHER_IDS + 7]))
    assert keys.to_pylist() == [None, "000000000000000001", "999999999999999993", None, None]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="0123456789/:X a", min_size=18, max_size=18), max_size=30))
def test_leading_numbers_are_the_first_17_digits(values):
    """CaseNumbers' reading of 18-character keys: the rows whose first 17 characters are digits, and their number."""
    matrix = np.array([list(v.encode()) for v in values], dtype=np.uint8).reshape(-1, 18)
    ok, number = digits.leading_numbers(matrix)
    assert ok.tolist() == [v[:17].isdigit() for v in values]
    assert number[ok].tolist() == [int(v[:17]) for v in values if v[:17].isdigit()]


def test_body_numbers_of_any_bytes_are_numbers_not_errors():
    """Rows that are not digits (validate_ids reads every 18-character row before it knows) give some number:
    the prefix stays a valid index of the prefix table and nothing raises."""
    matrix = np.arange(256 * 17, dtype=np.int64).reshape(256, 17).astype(np.uint8)
    got = digits.body_numbers(matrix)
    assert all(len(values) == 256 for values in got.values())
    assert (got["prefix"] >= 0).all() and (got["month"] >= 0).all()
    assert {values.dtype for values in got.values()} == {np.dtype(np.int64)}
    assert digits.body_numbers(np.zeros((0, 17), dtype=np.uint8))["number"].tolist() == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="ab1中 ", max_size=9)), max_size=40))
def test_duplicated_mask_finds_exactly_the_values_used_more_than_once(values):
    """The hashed duplicate finder behind 'application_id is used by N rows' agrees with pandas."""
    series = pd.Series(values, dtype="str")
    expected = (series.notna() & series.duplicated(keep=False)).to_numpy(dtype=bool)
    assert duplicated_mask(series).tolist() == expected.tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=25), st.booleans())
def test_count_distinct_is_nunique_sorted_or_not(values, ordered):
    values = np.array(sorted(values) if ordered else values, dtype=np.int64)
    assert count_distinct(values) == pd.Series(values).nunique()


@pytest.mark.parametrize("top", [1, 40, 62])
def test_argsort_stable_is_numpys_stable_argsort(top):
    """The packed sort behind find_overlaps: same permutation as numpy's, ties in row order, any key size."""
    rng = np.random.default_rng(top)
    key = rng.integers(0, 2**top, size=300_000, dtype=np.int64)
    key[::7] = key[0]  # many equal keys
    order, ordered = argsort_stable(key)
    np.testing.assert_array_equal(order, np.argsort(key, kind="stable"))
    np.testing.assert_array_equal(ordered, key[order])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-(2**63), 2**63 - 1) | st.integers(-3, 3), max_size=40),
    st.lists(st.integers(-(2**63), 2**63 - 1) | st.integers(-3, 3), max_size=10),
)
def test_sorted_set_helpers_are_numpys_unique_and_isin(values, other):
    """The sorts behind matching's groups: the same sets as numpy's unique and isin, whatever the int64 values."""
    values, other = np.array(values, dtype=np.int64), np.array(other, dtype=np.int64)
    np.testing.assert_array_equal(unique_sorted(values), np.unique(values))
    np.testing.assert_array_equal(repeated(values), np.unique(values[pd.Series(values).duplicated().to_numpy()]))
    both = np.concatenate([values, other])
    assert isin_small(both, np.unique(other)).tolist() == np.isin(both, other).tolist()


@pytest.mark.parametrize("every", [97, 3])
def test_isin_small_on_many_values_with_colliding_slots(every):
    """Many values, a few thousand members or tens of thousands (a bitmap sized to them): the bitmap only rules
    values out, the binary search decides."""
    rng = np.random.default_rng(1)
    values = rng.integers(0, 10**17, size=200_000, dtype=np.int64).astype(np.uint64)
    chosen = np.unique(values[::every])
    np.testing.assert_array_equal(isin_small(values, chosen), np.isin(values, chosen))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(cell, cell, st.integers(-(10**12), 10**12)), max_size=12))
def test_write_csv_is_pandas_to_csv(tmp_path_factory, rows):
    frame = pd.DataFrame(
        {
            "text": pd.Series([r[0] for r in rows], dtype="str"),
            "more": pd.Series([r[1] for r in rows], dtype="str"),
            "row": pd.Series([r[2] for r in rows], dtype="int64"),
        }
    )
    folder = tmp_path_factory.mktemp("csv")
    default = csv_module.PIECE_ROWS
    try:
        for encoding, piece in [("utf-8", default), ("utf-8-sig", default), ("utf-8-sig", 5)]:
            # flags.csv is written with a byte-order mark (export.FLAGS_CSV_ENCODING), in pieces of rows
            csv_module.PIECE_ROWS = piece
            write_csv(frame, folder / "ours.csv", encoding=encoding)
            frame.to_csv(folder / "pandas.csv", index=False, encoding=encoding)
            assert (folder / "ours.csv").read_bytes() == (folder / "pandas.csv").read_bytes()
            # what the file holds made a piece at a time on the writing threads (flags.csv's case ids, masking)
            write_csv(frame, folder / "ours.csv", encoding=encoding, prepare=_prepared)
            _prepared(frame).to_csv(folder / "pandas.csv", index=False, encoding=encoding)
            assert (folder / "ours.csv").read_bytes() == (folder / "pandas.csv").read_bytes()
    finally:
        csv_module.PIECE_ROWS = default


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    """A row-by-row change of columns: one gone, one new before another, one rewritten."""
    out = frame.drop(columns=["more"])
    out.insert(0, "kind", (frame["row"] % 3).map({0: "a", 1: "b,c", 2: None}).astype("str"))
    out["text"] = out["text"].str.upper()
    return out


def test_write_csv_of_no_rows_is_the_header(tmp_path):
    frame = pd.DataFrame({"application_id": pd.Series([], dtype="str"), "row": pd.Series([], dtype="int64")})
    write_csv(frame, tmp_path / "f.csv")
    assert (tmp_path / "f.csv").read_text(encoding="utf-8") == "application_id,row\n"
    write_csv(frame, tmp_path / "f.csv", encoding="utf-8-sig")
    assert (tmp_path / "f.csv").read_bytes() == b"\xef\xbb\xbfapplication_id,row\n"


def test_write_csv_with_a_byte_order_mark_reads_back_unchanged(tmp_path):
    frame = pd.DataFrame(
        {
            "application_id": pd.Series(["=1+2", "A,1", 'say "hi"', None, "中文\n两行"], dtype="str"),
            "row": pd.Series([2, 3, 4, 5, 6], dtype="int64"),
        }
    )
    write_csv(frame, tmp_path / "f.csv", encoding="utf-8-sig")
    back = pd.read_csv(tmp_path / "f.csv", dtype={"application_id": "str"}, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, frame)
    assert pd.read_csv(tmp_path / "f.csv").columns[0] == "application_id"  # pandas' default reader drops it too
    with pytest.raises(ValueError, match="UTF-8 only"):
        write_csv(frame, tmp_path / "g.csv", encoding="gb18030")


class _Calls(io.BytesIO):
    """A binary file that remembers the size of every write."""

    def __init__(self):
        super().__init__()
        self.sizes = []

    def write(self, data):
        self.sizes.append(len(memoryview(data).cast("B")))
        return super().write(data)


@pytest.mark.parametrize("size", [0, 1, 6, 7, 8, 14, 15, 100])
def test_write_all_is_one_write_in_pieces(monkeypatch, size):
    data = bytes(range(size))
    monkeypatch.setattr("analysis._fast.writes.WRITE_PIECE", 7)
    ours, plain = _Calls(), io.BytesIO()
    write_all(ours, memoryview(data))
    plain.write(data)
    assert ours.getvalue() == plain.getvalue() == data
    assert sum(ours.sizes) == size and all(0 < n <= 7 for n in ours.sizes)
    assert len(ours.sizes) == -(-size // 7)  # (as few calls as the pieces allow)


@pytest.mark.parametrize("size", [1, 3, 1000])
def test_validate_ids_reads_chunked_columns_like_one_array(size):
    values = [
        "11010519491231002X",
        None,
        "130503670401001",
        "１１０１０５１９４９１２３１００２ｘ",
        "123",
        "",
        "110105194912310021",
        "11010519491231002x",
    ]
    whole = ids.validate_ids(pd.Series(values, dtype="str"))
    parts = ids.validate_ids(chunked(values, size))
    pd.testing.assert_frame_equal(whole, parts)


# any day numpy writes with four-digit years and around them; and the days of day_text's table (1900-2199) and
# just outside it, which it computes
DAY_RANGES = {"any": (-400_000, 2_900_000), "table": (-25_600, 84_100)}


@pytest.mark.parametrize("days_range", DAY_RANGES.values(), ids=DAY_RANGES.keys())
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_day_text_is_numpys_datetime_as_string(days_range, data):
    values = data.draw(st.lists(st.one_of(st.none(), st.integers(*days_range)), max_size=60))
    days = np.array([np.datetime64("NaT") if v is None else np.datetime64(v, "D") for v in values], "datetime64[D]")
    plain = pa.array(np.datetime_as_string(days, unit="D").astype(object), pa.large_string(), mask=np.isnat(days))
    assert arrow.day_text(days).equals(plain)


def test_day_text_of_ordinary_days():
    days = np.array(["2024-02-29", "NaT", "1900-01-01", "9999-12-31", "2000-10-09"], dtype="datetime64[D]")
    assert arrow.day_text(days).to_pylist() == ["2024-02-29", None, "1900-01-01", "9999-12-31", "2000-10-09"]


def test_day_text_of_every_day_of_the_table_is_numpys():
    """The table day_text looks days up in (1900-2199), built from digits, is numpy's text of each day."""
    every = np.arange("1900-01-01", "2200-01-01", dtype="datetime64[D]")
    assert arrow.day_text(every).to_numpy(zero_copy_only=False).tolist() == np.datetime_as_string(every).tolist()


def test_null_text_is_all_missing_and_holds_no_memory_per_row():
    """An empty text column of five million rows: missing everywhere, "str" like the plain form, and slices of one
    shared array (pa.nulls would hold 40 MB of offsets)."""
    index = pd.RangeIndex(5_000_000)
    arrow.null_text(pd.RangeIndex(3))  # the shared array exists from here on
    before = pa.total_allocated_bytes()
    column = arrow.null_text(index)
    assert pa.total_allocated_bytes() - before < 100_000
    assert column.dtype == pd.Series(pd.NA, index=range(1), dtype="str").dtype
    assert len(column) == 5_000_000 and column.isna().all()
    assert arrow.null_text(pd.RangeIndex(0)).tolist() == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10**17), max_size=60), st.integers(0, 5))
def test_maybe_repeated_holds_every_repeated_value(values, copies):
    """The prefilter of the persons' sort: every position whose value repeats is there, in ascending order, and
    any other position shares its 32-bit hash with another value's."""
    values = np.array(values + values[:copies], dtype=np.int64)
    got = maybe_repeated(values)
    exact = np.flatnonzero(pd.Series(values).duplicated(keep=False).to_numpy())
    assert got.tolist() == sorted(set(got.tolist()))
    assert set(exact.tolist()) <= set(got.tolist())
    hashed = ((values.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)).tolist()
    for extra in set(got.tolist()) - set(exact.tolist()):
        assert hashed.count(hashed[extra]) > 1


def test_maybe_repeated_finds_colliding_hashes_too():
    """Two values with the same top 32 hash bits are both kept (the caller's exact sort tells them apart)."""
    multiplier = 0x9E3779B97F4A7C15
    inverse = pow(multiplier, -1, 2**64)
    a = (inverse * (5 << 32)) % 2**64  # hashes to exactly 5 << 32
    b = (inverse * ((5 << 32) + 1)) % 2**64  # same top half
    values = np.array([a, 7, b], dtype=np.uint64).view(np.int64)
    assert maybe_repeated(values).tolist() == [0, 2]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 29), max_size=40), st.booleans())
def test_take_of_chunked_text_is_iloc(positions, in_order):
    """Rows of a text column in three chunks, in any order or in order, repeats allowed: what iloc gives."""
    chunks = [pa.array([f"v{i}" if i % 7 else None for i in range(k, k + 10)], pa.large_string()) for k in (0, 10, 20)]
    column = pd.Series(arrow.as_str(pa.chunked_array(chunks)), index=range(100, 130))
    positions = sorted(positions) if in_order else positions
    expected = column.iloc[positions]
    default = arrow.TAKE_PIECE
    try:
        for piece in [default, 3]:  # (in pieces of positions, as for millions of them)
            arrow.TAKE_PIECE = piece
            got = arrow.take(column, np.array(positions, dtype=np.int64))
            assert got.tolist() == expected.tolist() and got.index.tolist() == expected.index.tolist()
            assert got.dtype == column.dtype
    finally:
        arrow.TAKE_PIECE = default


def test_large_runs_allocate_arrow_buffers_through_jemalloc():
    """The flag command switches Arrow's allocator to jemalloc and
    glibc's thresholds, for the rest of the process: checked in a process of its own, and a buffer made before
    the switch is still freed by the allocator that made it."""
    import subprocess
    import sys

    if not hasattr(pa, "jemalloc_memory_pool"):
        pytest.skip("pyarrow without jemalloc")
    code = (
        "import pyarrow as pa; from analysis._fast import memory; earlier = pa.array(range(1000)); "
        "print(memory.use_memory_settings_for_large_runs()); later = pa.array(range(1000)); "
        "print(pa.jemalloc_memory_pool().bytes_allocated() >= later.nbytes); del earlier, later"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == f"{{'arrow_pool': 'jemalloc', 'glibc_thresholds': {sys.platform.startswith('linux')}}}"
    assert out[1] == "True"


def test_categorical_text_is_astype_str():
    values = pd.Series(pd.Categorical(["44", None, "11", "44"], categories=["11", "44", "65"]))
    got = arrow.categorical_text(values)
    assert got.dtype == "str" and got.isna().tolist() == [False, True, False, False]
    pd.testing.assert_series_equal(got, values.astype("str"))


def test_replaced_rebuilds_only_the_chunks_with_positions():
    chunks = [pa.array(["a", None, "c"], pa.large_string()), pa.array(["d", "e"], pa.large_string())]
    chunks.append(pa.array(["f", "g", "h"], pa.large_string()))
    values = pd.Series(arrow.as_str(pa.chunked_array(chunks)))
    got = arrow.replaced(values, np.array([1, 5, 7]), pa.chunked_array([["x", None], ["z"]], pa.large_string()))
    assert got.tolist()[:2] == ["a", "x"] and pd.isna(got.iloc[5])
    assert got.fillna("-").tolist() == ["a", "x", "c", "d", "e", "-", "g", "z"]
    untouched = arrow.arrow_of(got).chunk(1)
    assert untouched.buffers()[2].address == chunks[1].buffers()[2].address  # the middle chunk is not copied


@pytest.mark.parametrize("buckets", [1, 3, 10, 70_000])
def test_grouped_is_each_groups_positions_in_row_order(buckets):
    bucket = np.random.default_rng(buckets).integers(0, buckets, 5_000).astype(np.uint64)
    order, bounds = grouped(bucket, buckets)
    assert len(bounds) == buckets + 1 and bounds[-1] == len(bucket)
    for b in sorted({0, buckets - 1, int(bucket[0])}):
        assert order[bounds[b] : bounds[b + 1]].tolist() == np.flatnonzero(bucket == b).tolist()
