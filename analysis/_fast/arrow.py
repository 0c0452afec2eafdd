"""Arrow arrays behind pandas text columns: reading them without copies, and building text columns.

pandas keeps text as Arrow arrays, and a Parquet column arrives in chunks (one per row group). Taking a
few rows from a chunked column (`.iloc`, `take`) first joins its chunks: a copy of the whole column,
hundreds of MiB on ten million rows, for every selection. These helpers take from each chunk.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas 3's default "str" dtype


def is_arrow_text(values: pd.Series) -> bool:
    """The column is pandas' default text dtype, held by Arrow."""
    return isinstance(values.array, pd.arrays.ArrowStringArray)


def arrow_of(values: pd.Series) -> pa.ChunkedArray:
    """The Arrow data behind an Arrow-backed pandas text column as a chunked array, without a copy (the public
    `__arrow_array__` protocol, no private attribute); any other column is converted to Arrow text."""
    if is_arrow_text(values):
        arr = pa.array(values.array)  # the column's own array: its chunks, or its one chunk
    else:
        arr = pa.array(values.astype("str").to_numpy(dtype=object, na_value=None), type=pa.string())
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def as_str(arr: pa.Array | pa.ChunkedArray) -> pd.arrays.ArrowStringArray:
    """An Arrow string array as pandas "str" values, without copying to Python objects."""
    return pd.arrays.ArrowStringArray(arr, dtype=STR)


def text_array(values: pd.Series) -> pa.Array:
    """The values as one Arrow string array (nulls for missing)."""
    arr = arrow_of(values)
    return arr.chunk(0) if arr.num_chunks == 1 else arr.combine_chunks()


def pieces(values: pd.Series, size: int) -> list[tuple[int, pa.Array]]:
    """(first row, Arrow string array) pieces of at most `size` rows covering the values, without copying
    them into one array first (a Parquet column arrives in chunks: joining them is a copy of the column)."""
    out, start = [], 0
    for chunk in arrow_of(values).chunks:
        for at in range(0, len(chunk), size):
            part = chunk.slice(at, min(size, len(chunk) - at))
            out.append((start, part))
            start += len(part)
    return out


def offsets(arr: pa.Array) -> np.ndarray:
    """The value offsets of a string array (len + 1 of them), without copying."""
    wide = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    return np.frombuffer(arr.buffers()[1], dtype=wide, count=len(arr) + 1, offset=arr.offset * np.dtype(wide).itemsize)


def data_bytes(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(the data bytes of a string array, its offsets rebased to them), without copying."""
    at = offsets(arr).astype(np.int64)
    buffer = arr.buffers()[2]
    data = np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, dtype=np.uint8)
    return data[at[0] : at[-1]], at - at[0]


def fixed_width(arr: pa.Array, rows: np.ndarray, width: int) -> np.ndarray:
    """The strings at `rows` (all `width` bytes long) of one string array as a (len(rows), width) uint8
    matrix. Plain form: `np.array([list(s.encode()) for s in arr.take(rows).to_pylist()])`."""
    if len(rows) == 0:
        return np.empty((0, width), dtype=np.uint8)
    if len(rows) == len(arr) and arr.null_count == 0:  # every value has this width: the data buffer is the matrix
        taken = arr
    else:
        taken = arr.take(pa.array(rows))
    data, _ = data_bytes(taken)
    return data.reshape(-1, width)


def fixed_width_text(matrix: np.ndarray, valid: np.ndarray) -> pa.Array:
    """An (n, width) byte matrix as an Arrow large_string array, null where not `valid` (no Python objects).
    Plain form: `pa.array([bytes(r).decode() if v else None for r, v in zip(matrix, valid)])`."""
    n, width = matrix.shape  # large_string (64-bit offsets), the type pandas keeps text in: no conversion after
    at = np.arange(0, width * (n + 1), width, dtype=np.int64)
    validity = pa.py_buffer(np.packbits(valid, bitorder="little")) if not valid.all() else None
    return pa.Array.from_buffers(pa.large_string(), n, [validity, pa.py_buffer(at), pa.py_buffer(matrix)])


_TABLE_FIRST = np.datetime64("1900-01-01", "D")  # day_text's table: every day of 1900-2199 as its text
_TABLE_DAYS = int((np.datetime64("2200-01-01", "D") - _TABLE_FIRST).astype(np.int64))


@functools.cache
def _day_table() -> np.ndarray:
    """The YYYY-MM-DD text of every day the table covers, one 10-byte item per day (1 MiB, made once: by digits,
    13 ms; numpy's datetime_as_string took 41 ms, in each Dask worker again)."""
    return _day_digits(_TABLE_FIRST + np.arange(_TABLE_DAYS)).view("V10").reshape(-1)


def _day_digits(days: np.ndarray) -> np.ndarray:
    """Days (datetime64[D], none missing, years 1000-9999) as a (len, 10) byte matrix of YYYY-MM-DD."""
    months = days.astype("datetime64[M]")
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months).astype(np.int64) + 1
    matrix = np.full((len(days), 10), ord("-"), dtype=np.uint8)
    for col, (value, power) in enumerate([(year, 1000), (year, 100), (year, 10), (year, 1)]):
        matrix[:, col] = value // power % 10 + ord("0")
    for col, (value, power) in zip([5, 6, 8, 9], [(month, 10), (month, 1), (day, 10), (day, 1)], strict=True):
        matrix[:, col] = value // power % 10 + ord("0")
    return matrix


def day_text(days: np.ndarray) -> pa.Array:
    """datetime64[D] days as YYYY-MM-DD large_string text, null for NaT, built as a byte matrix (no Python
    objects): each day's text looked up in a table of 1900-2199, other years' computed. Plain form:
    `pa.array(np.datetime_as_string(days, unit="D").astype(object), pa.large_string(), mask=np.isnat(days))`
    (a Python string per day: a second on two million)."""
    days = np.asarray(days, dtype="datetime64[D]")
    missing = np.isnat(days)
    offset = np.where(missing, 0, days.view(np.int64) - _TABLE_FIRST.view(np.int64))
    if ((offset >= 0) & (offset < _TABLE_DAYS)).all():
        matrix = _day_table()[offset].view(np.uint8).reshape(len(days), 10)
        return fixed_width_text(matrix, ~missing)
    filled = np.where(missing, np.datetime64(0, "D"), days)
    year = filled.astype("datetime64[Y]").astype(np.int64) + 1970
    if len(days) and not ((year >= 1000) & (year <= 9999)).all():  # other widths: the plain form
        return pa.array(np.datetime_as_string(days, unit="D").astype(object), pa.large_string(), mask=missing)
    return fixed_width_text(_day_digits(filled), ~missing)


def equal_pieces(rows: int, size: int, threads: int) -> list[tuple[int, int]]:
    """(start, stop) of pieces of at most `size` rows, of equal size, as many as a multiple of `threads` when
    there are several: five pieces on two threads took three rounds, the last with one thread idle."""
    count = -(-rows // size)
    count = -(-count // threads) * threads if count > 1 else count
    bounds = np.linspace(0, rows, count + 1).round().astype(np.int64).tolist()
    return list(itertools.pairwise(bounds))


def _chunks(values: pd.Series) -> list[pa.Array] | None:
    if not is_arrow_text(values):
        return None
    arr = arrow_of(values)
    return arr.chunks if arr.num_chunks > 1 else None


def take(values: pd.Series, positions: np.ndarray) -> pd.Series:
    """`values.iloc[positions]` (any order, repeats allowed), chunk by chunk for chunked text: pandas' take and
    Arrow's take of a chunked array both join the chunks into one array first, a copy of the whole column
    (2 GB of application ids at 100M rows) to take a few rows."""
    positions = np.asarray(positions, dtype=np.int64)
    chunks = _chunks(values)
    if chunks is None:
        return values.iloc[positions]
    if len(positions) > TAKE_PIECE:  # a piece of positions at a time: the second take copies only a piece
        pieces_taken = [_taken(chunks, positions[at : at + TAKE_PIECE]) for at in range(0, len(positions), TAKE_PIECE)]
        taken = pa.chunked_array([c for piece in pieces_taken for c in piece.chunks], chunks[0].type)
    else:
        taken = _taken(chunks, positions)
    array = as_str(taken) if values.dtype == STR else pd.array(taken, dtype=values.dtype)
    return pd.Series(array, index=values.index[positions], name=values.name)


TAKE_PIECE = 1 << 20


def _taken(chunks: list[pa.Array], positions: np.ndarray) -> pa.ChunkedArray:
    """The values at `positions` of the chunks' concatenation, in that order, taken chunk by chunk."""
    ends = np.cumsum([len(c) for c in chunks])
    which = np.searchsorted(ends, positions, side="right")
    ordered = bool(len(positions) < 2 or (which[1:] >= which[:-1]).all())
    by_chunk = np.arange(len(positions)) if ordered else np.argsort(which, kind="stable")
    starts = np.r_[0, ends[:-1]]
    bounds = np.r_[0, np.cumsum(np.bincount(which, minlength=len(chunks)))]
    parts = []
    for c in np.flatnonzero(bounds[1:] > bounds[:-1]):
        inside = by_chunk[bounds[c] : bounds[c + 1]]
        parts.append(chunks[c].take(pa.array(positions[inside] - starts[c])))
    taken = pa.chunked_array(parts, chunks[0].type)
    if not ordered:  # back to the order asked for (positions already in chunk order need no second take)
        back = np.empty(len(positions), dtype=np.int64)
        back[by_chunk] = np.arange(len(positions))
        taken = taken.take(pa.array(back))
    return taken


def categorical_text(values: pd.Series) -> pd.Series:
    """A categorical column of text as a "str" column, through an Arrow dictionary (codes and the few categories):
    `values.astype("str")` builds a Python string per row first."""
    codes = values.cat.codes.to_numpy()
    words = pa.array(values.cat.categories.astype("str").to_numpy(dtype=object), pa.large_string())
    arr = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), words).cast(pa.large_string())
    return pd.Series(as_str(arr), index=values.index, name=values.name)


def joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames one after the other (a new RangeIndex), each text column one Arrow chunk: joining keeps every
    frame's chunks, and taking rows from a text column of dozens of small chunks costs a take per chunk. For
    frames of a partition's size, not of a whole file (the text is copied once)."""
    out = pd.concat(frames, ignore_index=True) if len(frames) != 1 else frames[0].reset_index(drop=True)
    for column in out.columns:
        values = out[column]
        if is_arrow_text(values) and arrow_of(values).num_chunks > 1:
            one = pa.chunked_array([arrow_of(values).combine_chunks()])
            out[column] = pd.Series(as_str(one) if values.dtype == STR else pd.array(one, dtype=values.dtype))
    return out


def rows(frame: pd.DataFrame, positions: np.ndarray, columns: list[str] | None = None) -> pd.DataFrame:
    """`frame.iloc[positions][columns]`, each column taken as `take` takes it."""
    columns = list(frame.columns) if columns is None else columns
    positions = np.asarray(positions, dtype=np.int64)
    out = {c: take(frame[c], positions).array for c in columns}
    return pd.DataFrame(out, index=frame.index[positions], columns=columns)


_NULL_ROWS = 1 << 20
_NULLS: list[pa.Array] = []  # one all-null text array of _NULL_ROWS rows, made on first use


def _null_chunks(n: int) -> list[pa.Array]:
    """Slices of one shared all-null text array covering n rows: an all-missing column costs no memory per row
    (pa.nulls allocates 8 bytes of offsets per row: 800 MB for an empty column of 100 million)."""
    if not _NULLS:
        _NULLS.append(pa.nulls(_NULL_ROWS, pa.large_string()))
    shared = _NULLS[0]
    return [shared.slice(0, min(_NULL_ROWS, n - at)) for at in range(0, n, _NULL_ROWS)] or [shared.slice(0, 0)]


def null_text(index: pd.Index) -> pd.Series:
    """An all-missing "str" column (no per-row objects, and no memory per row: slices of one shared array).
    Plain form: `pd.Series(pd.NA, index=index, dtype="str")`."""
    return pd.Series(as_str(pa.chunked_array(_null_chunks(len(index)), pa.large_string())), index=index)


def placed(mask: np.ndarray, values: pd.Series, index: pd.Index) -> pd.Series:
    """A "str" column holding `values` (one per true entry of `mask`, in order) and missing elsewhere, built
    by Arrow. Plain form: `s = pd.Series(pd.NA, index, dtype="str"); s[mask] = values` (which copies the
    whole column on ten million rows)."""
    if len(mask) and mask.all():  # (every row: the values themselves, not copied through a dictionary)
        return pd.Series(as_str(arrow_of(values.astype("str")).cast(pa.large_string())), index=index)
    place = np.full(len(mask), -1, dtype=np.int32)
    place[mask] = np.arange(int(mask.sum()), dtype=np.int32)
    dictionary = pa.array(values.astype("str").array).cast(pa.large_string())
    if isinstance(dictionary, pa.ChunkedArray):
        dictionary = dictionary.combine_chunks()
    arr = pa.DictionaryArray.from_arrays(pa.array(place, mask=place < 0), dictionary).cast(pa.large_string())
    return pd.Series(as_str(arr), index=index)


def constant_text(mask: np.ndarray, message: str, index: pd.Index) -> pd.Series:
    """`message` where `mask`, missing elsewhere, as a "str" column (through a one-entry dictionary)."""
    if not mask.any():
        return null_text(index)
    codes = pa.array(np.zeros(len(mask), dtype=np.int8), mask=~mask)
    arr = pa.DictionaryArray.from_arrays(codes, pa.array([message], pa.large_string())).cast(pa.large_string())
    return pd.Series(as_str(arr), index=index)


def coded_text(codes: np.ndarray, words: list[str]) -> pa.Array:
    """`words[code]` per row (null where code < 0), through a dictionary of the few distinct words.
    Plain form: `pa.array([words[c] if c >= 0 else None for c in codes])`."""
    return pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32), mask=codes < 0), pa.array(words, pa.string())
    ).cast(pa.string())


def first_present(first: pd.Series, second: pd.Series) -> pd.Series:
    """`first.fillna(second)` for two text columns, by Arrow's coalesce (no copy to Python objects)."""
    return pd.Series(as_str(pc.coalesce(arrow_of(first), arrow_of(second))), index=first.index)


def replaced(values: pd.Series, positions: np.ndarray, new: list | pa.Array) -> pd.Series:
    """A text column with the values at `positions` (sorted) replaced by `new` (None: missing), chunk by chunk:
    only the chunks that hold a position are rebuilt. Plain form: `out = values.copy(); out.iloc[positions] =
    new` (which turns ten million strings into Python objects)."""
    if not len(positions):
        return values
    arr = arrow_of(values.astype("str"))
    new = pa.array(new, type=arr.type) if not isinstance(new, pa.Array | pa.ChunkedArray) else new.cast(arr.type)
    if isinstance(new, pa.ChunkedArray):  # (the replacements: a few rows, joined in one array)
        new = new.combine_chunks()
    positions = np.asarray(positions, dtype=np.int64)
    ends = np.cumsum([len(c) for c in arr.chunks])
    cut = np.searchsorted(positions, ends)  # the positions in chunk i: cut[i-1]:cut[i]
    chunks, start, first = [], 0, 0
    for chunk, end, last in zip(arr.chunks, ends, cut, strict=True):
        if last > first:
            mask = np.zeros(len(chunk), dtype=bool)
            mask[positions[first:last] - start] = True
            chunk = pc.replace_with_mask(chunk, pa.array(mask), new.slice(first, last - first))
        chunks.append(chunk)
        start, first = int(end), int(last)
    return pd.Series(as_str(pa.chunked_array(chunks, arr.type)), index=values.index, name=values.name)
