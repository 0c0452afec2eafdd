"""Frames handed between the Dask engine's stages through files (engines.dask_exchange)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis._fast.arrow import STR, arrow_of
from analysis.engines.dask_exchange import (
    Stored,
    arrow_table,
    column,
    flags_file,
    hashes_file,
    load_joined,
    pieces_file,
    store,
)


def _frame(rows: int, start: int) -> pd.DataFrame:
    ids = pd.array([f"A{i}" if i % 3 else None for i in range(start, start + rows)], dtype="str")
    return pd.DataFrame(
        {
            "_shard": np.arange(start, start + rows, dtype=np.int64),
            "application_id": ids,
            "applied_on": np.arange(rows, dtype=np.int32) - 5,
            "province": np.full(rows, 7, dtype=np.int8),
        },
        index=np.arange(100 + start, 100 + start + rows),  # (a slice's index: it does not travel)
    )


def test_frames_come_back_as_they_were_stored_each_by_its_number(tmp_path):
    """Each frame is one record batch: its numbers, int8/int32/int64 kept, text as pandas' "str" with missing
    values missing, an empty frame empty, a frame whose text is in several chunks in one piece."""
    chunked = pd.concat([_frame(3, 20), _frame(2, 30)])
    assert pa.array(chunked["application_id"].array).num_chunks == 2
    frames = [_frame(4, 0), _frame(0, 10), chunked]
    path = pieces_file(str(tmp_path), 3)

    store(frames, path)

    assert path.endswith("pieces-00003.arrow") and not list(tmp_path.glob("*.partial"))
    for i, frame in enumerate(frames):
        back = load_joined([Stored(path, i)])
        assert back.dtypes.tolist() == [np.dtype("int64"), STR, np.dtype("int32"), np.dtype("int8")]
        assert list(back.index) == list(range(len(frame)))
        pd.testing.assert_frame_equal(back, frame.reset_index(drop=True))
    assert load_joined([Stored(path, 0)])["application_id"].isna().tolist() == [True, False, False, True]


def test_a_frame_handed_in_memory_is_an_arrow_table_as_a_stored_one_is(tmp_path):
    """Pieces and flags are handed in memory where the workers cannot share a folder: pandas or Arrow, each is
    the same Arrow table a stored copy maps."""
    frame = _frame(3, 0)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    path = flags_file(str(tmp_path), 2)
    store([frame], path)

    stored = arrow_table(Stored(path, 0))
    assert arrow_table(table) is table
    assert arrow_table(frame).equals(table)
    assert stored.equals(table.replace_schema_metadata(None))


def test_storing_again_replaces_the_file_whole(tmp_path):
    """A task run again (a worker lost) writes its file again: the new frames, never a mix."""
    path = flags_file(str(tmp_path), 0)
    store([_frame(4, 0), _frame(2, 4)], path)
    store([_frame(1, 50)], path)

    assert column(Stored(path, 0), "_shard").tolist() == [50]
    assert pa.ipc.open_file(pa.memory_map(path)).num_record_batches == 1


def test_frames_joined_are_pandas_concat_with_text_in_one_chunk(tmp_path):
    """load_joined: stored, pandas and Arrow frames one after the other, as pd.concat joins them (a new
    RangeIndex); a column some lack (other_key) missing in their rows; each text column one Arrow chunk."""
    path = pieces_file(str(tmp_path), 0)
    stored = [_frame(4, 0), _frame(0, 10)]
    store(stored, path)
    with_key = _frame(2, 30).assign(other_key=pd.array(["HK:1", None], dtype="str"))
    arrow = pa.Table.from_pandas(_frame(3, 40), preserve_index=False)
    store([arrow], flags_file(str(tmp_path), 1))  # (store takes Arrow tables too)

    back = load_joined([Stored(path, 0), Stored(path, 1), with_key, arrow, Stored(flags_file(str(tmp_path), 1), 0)])

    expected = pd.concat(
        [frame.reset_index(drop=True) for frame in [*stored, with_key, _frame(3, 40), _frame(3, 40)]],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(back, expected[back.columns])
    assert sorted(back.columns) == sorted(expected.columns)
    assert back["other_key"].isna().tolist() == [True] * 4 + [False, True] + [True] * 6
    assert all(arrow_of(back[c]).num_chunks == 1 for c in ["application_id", "other_key"])


def test_a_column_of_numbers_comes_back_as_numpy(tmp_path):
    path = hashes_file(str(tmp_path), 0)
    groups = [np.array([3, 9, 2**64 - 1], dtype=np.uint64), np.zeros(0, dtype=np.uint64)]
    store([pd.DataFrame({"hash": group}) for group in groups], path)

    for i, group in enumerate(groups):
        back = column(Stored(path, i), "hash")
        assert back.dtype == np.uint64 and back.tolist() == group.tolist()
    assert column(pd.DataFrame({"hash": groups[0]}), "hash").tolist() == groups[0].tolist()
