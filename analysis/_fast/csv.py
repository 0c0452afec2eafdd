"""flags.csv written by Arrow, byte for byte as pandas writes it."""

from __future__ import annotations

import codecs
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .arrow import arrow_of, as_str, equal_pieces, offsets
from .text import any_byte, byte_table
from .writes import write_all

_QUOTED = byte_table(b'",\n')
_EMPTY = pa.scalar("", pa.large_string())


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


def write_csv(
    frame: pd.DataFrame,
    path: str | Path,
    encoding: str = "utf-8",
    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> None:
    """`frame.to_csv(path, index=False, encoding=encoding)`, byte for byte (minimal quoting, empty for missing),
    built by Arrow in a few vectorized passes: pandas' writer formats row by row and takes seconds per million
    rows. `encoding`: "utf-8", or "utf-8-sig" for the same bytes after a byte-order mark. `prepare`: what the
    file holds of a piece of rows (the same columns for every piece), done on the writing threads: `write_csv(
    prepare(frame), ...)` without the whole prepared frame at once.

    Why not `pyarrow.csv.write_csv`: its quoting differs from pandas' (it quotes every string), and both
    engines' flags.csv must be the bytes pandas would write.
    """
    if encoding.lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig"):
        raise ValueError(f"write_csv writes UTF-8 only, with or without a byte-order mark, not {encoding!r}")
    bom = codecs.BOM_UTF8 if encoding.lower().replace("_", "-") == "utf-8-sig" else b""
    with open(path, "wb") as fh:
        fh.write(bom + header_line((prepare(frame.iloc[:0]) if prepare else frame).columns))
        append_rows(frame, fh, prepare)


def header_line(columns: pd.Index | list[str]) -> bytes:
    """The header line pandas writes for these columns."""
    return (
        ",".join('"' + h.replace('"', '""') + '"' if any(c in h for c in '",\n') else h for h in map(str, columns))
        + "\n"
    ).encode("utf-8")


def rows_bytes(frame: pd.DataFrame) -> bytes:
    """The rows of `frame` as CSV lines (no header), one piece after the other on this thread."""
    return b"".join(
        view for start in range(0, len(frame), PIECE_ROWS) for view in _lines(frame.iloc[start : start + PIECE_ROWS])
    )


def append_rows(
    frame: pd.DataFrame, fh: BinaryIO, prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None
) -> None:
    """The rows of `frame` (of `prepare(frame)`, a piece at a time) as CSV lines (no header) at the end of a
    file open for binary writing."""
    lines = _lines if prepare is None else lambda piece: _lines(prepare(piece))
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        # a piece of rows at a time (the lines of ten million flags are gigabytes of text, built twice), two
        # pieces built at once (Arrow's kernels release the GIL), written in order
        building: deque = deque()
        for start, stop in equal_pieces(len(frame), PIECE_ROWS, THREADS):  # (1.2M flags: 0.70 s -> 0.55 s)
            building.append(pool.submit(lines, frame.iloc[start:stop]))
            if len(building) > 2:
                _write(fh, building.popleft().result())
        while building:
            _write(fh, building.popleft().result())


def _write(fh: BinaryIO, views: list[memoryview]) -> None:
    for view in views:  # (a piece's lines are tens of megabytes: writes.write_all says why in pieces)
        write_all(fh, view)


PIECE_ROWS = 1 << 18
THREADS = 2


def _lines(frame: pd.DataFrame) -> list[memoryview]:
    """The CSV lines of these rows, as the bytes of Arrow's buffers (one per chunk: joining them is a copy)."""
    columns = []
    for name in frame.columns:
        values = frame[name]
        if values.dtype.kind in "iu":  # (whole numbers by Arrow's cast: pandas' astype goes through Python objects)
            arr = pc.cast(pa.array(values.to_numpy()), pa.large_string())
        else:
            arr = arrow_of(values.astype("str")).cast(pa.large_string())
        # quoted as pandas quotes: a comma, a quote or a line feed (a lone carriage return is not quoted)
        quote = any_byte(pd.Series(as_str(arr)), _QUOTED)
        if quote.any():
            quoted = pc.binary_join_element_wise(_text('"'), pc.replace_substring(arr, '"', '""'), _text('"'), _EMPTY)
            arr = pc.if_else(pa.array(quote), quoted, arr)
        columns.append(pc.fill_null(arr, _EMPTY))
    if not columns or not len(frame):
        return []
    lines = pc.binary_join_element_wise(*columns, _text(","))
    del columns
    lines = pc.binary_join_element_wise(lines, _EMPTY, _text("\n"))
    views = []
    for chunk in lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]:
        at = offsets(chunk)
        if at[-1] > at[0]:
            views.append(memoryview(chunk.buffers()[2])[at[0] : at[-1]])
    return views
