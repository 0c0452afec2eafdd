"""The byte-level helpers the 10-million-row path rests on, against plain Python on the same values."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import frames, ids

texts = st.lists(st.one_of(st.none(), st.text(alphabet=list("ab eE1\t中　"), max_size=5)), max_size=30)


def chunked(values: list, size: int) -> pd.Series:
    """A "str" column in chunks of `size` rows, as a Parquet file with small row groups arrives."""
    parts = [pa.array(values[i:i + size], pa.large_string()) for i in range(0, len(values), size)] or [
        pa.array([], pa.large_string())]
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(parts), dtype=frames.STR))


@settings(max_examples=150, deadline=None)
@given(texts, st.integers(1, 7), st.data())
def test_take_byte_checks_and_lengths_agree_with_python(values, size, data):
    series = chunked(values, size)
    positions = data.draw(st.lists(st.integers(0, max(len(values) - 1, 0)), max_size=12)) if values else []
    taken = frames.take(series, np.array(positions, dtype=np.int64))
    pd.testing.assert_series_equal(taken, series.iloc[positions])
    assert frames.any_byte(series, frames.byte_table(b"eE")).tolist() == [
        v is not None and ("e" in v or "E" in v) for v in values]
    assert frames.edge_bytes(series, frames.SPACE_AT_EDGE).tolist() == [
        bool(v) and (v[0] in " \t" or v[-1] in " \t" or not v[0].isascii() or not v[-1].isascii()) for v in values]
    assert frames.byte_lengths(series).tolist() == [-1 if v is None else len(v.encode()) for v in values]


def test_digits18_checks_every_byte_at_every_place():
    """The 8-bytes-at-a-time digit check: each of the 256 byte values at each of the 18 places."""
    for place in range(18):
        m = np.full((256, 18), ord("0"), dtype=np.uint8)
        m[:, place] = np.arange(256)
        expected = [(48 <= b <= 57) or (place == 17 and b == ord("X")) for b in range(256)]
        assert ids._digits18(m).tolist() == expected


@pytest.mark.parametrize("size", [1, 3, 1000])
def test_validate_ids_reads_chunked_columns_like_one_array(size):
    values = ["11010519491231002X", None, "130503670401001", "１１０１０５１９４９１２３１００２ｘ", "123", "",
              "110105194912310021", "11010519491231002x"]
    whole = ids.validate_ids(pd.Series(values, dtype="str"))
    parts = ids.validate_ids(chunked(values, size))
    pd.testing.assert_frame_equal(whole, parts)
