"""Row selection on large frames without copying whole text columns.

pandas keeps text as Arrow arrays, and a Parquet column arrives in chunks (one per row group). Taking a
few rows from a chunked column (`.loc`, `.iloc`, `take`) first joins its chunks: a copy of the whole
column, hundreds of MiB on ten million rows, for every selection. These helpers take from each chunk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas 3's default "str" dtype


def as_str(arr: pa.Array) -> pd.arrays.ArrowStringArray:
    """An Arrow string array as pandas "str" values, without copying to Python objects."""
    return pd.arrays.ArrowStringArray(arr, dtype=STR)


def text_array(values: pd.Series) -> pa.Array:
    """The values as one Arrow string array (nulls for missing)."""
    if isinstance(values.array, pd.arrays.ArrowStringArray) or hasattr(values.array, "_pa_array"):
        arr = values.array._pa_array
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return pa.array(values.astype("str").to_numpy(dtype=object, na_value=None), type=pa.string())


def pieces(values: pd.Series, size: int) -> list[tuple[int, pa.Array]]:
    """(first row, Arrow string array) pieces of at most `size` rows covering the values, without copying
    them into one array first (a Parquet column arrives in chunks: joining them is a copy of the column)."""
    arr = values.array._pa_array if hasattr(values.array, "_pa_array") else text_array(values)
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    out, start = [], 0
    for chunk in chunks:
        for at in range(0, len(chunk), size):
            part = chunk.slice(at, min(size, len(chunk) - at))
            out.append((start, part))
            start += len(part)
    return out


def offsets(arr: pa.Array) -> np.ndarray:
    """The value offsets of a string array (len + 1 of them), without copying."""
    wide = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    return np.frombuffer(arr.buffers()[1], dtype=wide, count=len(arr) + 1, offset=arr.offset * np.dtype(wide).itemsize)


def fixed_width(arr: pa.Array, rows: np.ndarray, width: int) -> np.ndarray:
    """The strings at `rows` (all `width` bytes long) of one string array as a (len(rows), width) uint8 matrix."""
    if len(rows) == 0:
        return np.empty((0, width), dtype=np.uint8)
    if len(rows) == len(arr) and arr.null_count == 0:  # every value has this width: the data buffer is the matrix
        taken = arr
    else:
        taken = arr.take(pa.array(rows))
    at = offsets(taken)
    return np.frombuffer(taken.buffers()[2], dtype=np.uint8)[at[0]:at[-1]].reshape(-1, width)


def _chunks(values: pd.Series) -> list[pa.Array] | None:
    arr = getattr(values.array, "_pa_array", None)
    if isinstance(arr, pa.ChunkedArray) and arr.num_chunks > 1:
        return arr.chunks
    return None


def take(values: pd.Series, positions: np.ndarray) -> pd.Series:
    """values.iloc[positions] (any order, repeats allowed), chunk by chunk for chunked text."""
    positions = np.asarray(positions, dtype=np.int64)
    chunks = _chunks(values)
    if chunks is None:
        return values.iloc[positions]
    ends = np.cumsum([len(c) for c in chunks])
    which = np.searchsorted(ends, positions, side="right")
    by_chunk = np.argsort(which, kind="stable")
    starts = np.r_[0, ends[:-1]]
    bounds = np.r_[0, np.cumsum(np.bincount(which, minlength=len(chunks)))]
    parts = []
    for c in np.flatnonzero(bounds[1:] > bounds[:-1]):
        inside = by_chunk[bounds[c]:bounds[c + 1]]
        parts.append(chunks[c].take(pa.array(positions[inside] - starts[c])))
    taken = pa.concat_arrays(parts) if parts else pa.array([], chunks[0].type)
    back = np.empty(len(positions), dtype=np.int64)
    back[by_chunk] = np.arange(len(positions))
    taken = taken.take(pa.array(back)) if len(positions) else taken
    return pd.Series(pd.array(taken, dtype=values.dtype), index=values.index[positions], name=values.name)


def rows(frame: pd.DataFrame, positions: np.ndarray, columns: list[str] | None = None) -> pd.DataFrame:
    """frame.iloc[positions][columns], each column taken as `take` takes it."""
    columns = list(frame.columns) if columns is None else columns
    positions = np.asarray(positions, dtype=np.int64)
    out = {c: take(frame[c], positions).array for c in columns}
    return pd.DataFrame(out, index=frame.index[positions], columns=columns)


def mask_positions(mask) -> np.ndarray:
    """Positions where a boolean mask (Series or array, NA as False) is true."""
    if isinstance(mask, pd.Series):
        mask = mask.to_numpy(dtype=bool, na_value=False)
    return np.flatnonzero(mask)


def _bytes_of(piece: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(the data bytes of a string array piece, its offsets rebased to them), without copying."""
    at = offsets(piece).astype(np.int64)
    buffer = piece.buffers()[2]
    data = np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, dtype=np.uint8)
    return data[at[0]:at[-1]], at - at[0]


def any_byte(values: pd.Series, table: np.ndarray) -> np.ndarray:
    """Per row: some byte b of its UTF-8 text has table[b] (a 256-entry boolean table); False for missing.
    Plain numpy over Arrow's buffers: several times faster than a substring search on this machine."""
    out = np.zeros(len(values), dtype=bool)
    for start, piece in pieces(values, 1 << 20):
        data, offsets = _bytes_of(piece)
        if not len(data):
            continue
        some = np.diff(offsets) > 0  # empty texts hold no bytes, so the non-empty ones tile the data
        found = np.zeros(len(piece), dtype=bool)
        found[some] = np.logical_or.reduceat(table[data], offsets[:-1][some])
        if piece.null_count:
            found &= piece.is_valid().to_numpy(zero_copy_only=False)
        out[start:start + len(piece)] = found
    return out


def edge_bytes(values: pd.Series, table: np.ndarray) -> np.ndarray:
    """Per row: its first or last byte has table[b]; False for missing or empty text."""
    out = np.zeros(len(values), dtype=bool)
    for start, piece in pieces(values, 1 << 20):
        data, offsets = _bytes_of(piece)
        some = np.diff(offsets) > 0
        found = np.zeros(len(piece), dtype=bool)
        if some.any():
            found[some] = table[data[offsets[:-1][some]]] | table[data[offsets[1:][some] - 1]]
        if piece.null_count:
            found &= piece.is_valid().to_numpy(zero_copy_only=False)
        out[start:start + len(piece)] = found
    return out


def byte_table(chars: bytes = b"", non_ascii: bool = False) -> np.ndarray:
    """A 256-entry table for any_byte / edge_bytes: these bytes, and optionally every non-ASCII byte."""
    table = np.zeros(256, dtype=bool)
    table[list(chars)] = True
    if non_ascii:
        table[0x80:] = True
    return table


def byte_lengths(values: pd.Series) -> np.ndarray:
    """Per row: the UTF-8 byte length of its text, -1 for missing (from Arrow's offsets, no pass over text)."""
    out = np.empty(len(values), dtype=np.int64)
    for start, piece in pieces(values, 1 << 20):
        _, offsets = _bytes_of(piece)
        length = np.diff(offsets)
        if piece.null_count:
            length[~piece.is_valid().to_numpy(zero_copy_only=False)] = -1
        out[start:start + len(piece)] = length
    return out


SPACE_AT_EDGE = byte_table(b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f", non_ascii=True)  # non-ASCII: maybe a wide space
