"""Frames handed from one stage of the Dask engine to the next through files of the command's staging folder (a
local cluster's workers can all read and write it): a task stores the frames it gives to several later tasks as
the record batches of one Arrow IPC file, and each later task maps its own batch from the file. In Dask's memory
instead, a worker held its partitions' pieces until every person partition had taken its own, and sent half of
them to the other worker through a socket (analysis.engines.dask; docs/large-data.md, "How it works")."""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from .._fast.arrow import STR
from ..export import whole


@dataclass(frozen=True)
class Stored:
    """The frame stored as record batch `index` of the Arrow IPC file `path` (store)."""

    path: str
    index: int


def pieces_file(folder: str, part: int) -> str:
    """The file of input partition `part`'s pieces (one per person partition)."""
    return f"{folder}/pieces-{part:05d}.arrow"


def hashes_file(folder: str, part: int) -> str:
    """The file of input partition `part`'s application id hashes (one group per hash range)."""
    return f"{folder}/hashes-{part:05d}.arrow"


def flags_file(folder: str, part: int) -> str:
    """The file of person partition `part`'s flags (one frame per input partition)."""
    return f"{folder}/flags-{part:05d}.arrow"


def store(frames: list[pd.DataFrame | pa.Table], path: str) -> None:
    """`frames` (the same columns; pandas or Arrow) as record batches 0, 1, ... of one Arrow IPC file at `path`
    (whole): Stored(path, i) is frames[i]."""
    tables = [arrow_table(frame) for frame in frames]
    schema = tables[0].schema.remove_metadata()  # (no pandas index: a frame comes back with a RangeIndex)
    with whole(path) as partial, pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
        for table in tables:
            columns = [column.combine_chunks() for column in table.cast(schema).columns]
            writer.write_batch(pa.record_batch(columns, schema=schema))


def _str_type(arrow_type: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    return STR if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) else None


def arrow_table(frame: Stored | pd.DataFrame | pa.Table) -> pa.Table:
    """The frame as an Arrow table (a Stored one mapped from its file, not copied)."""
    if isinstance(frame, Stored):
        return pa.Table.from_batches([pa.ipc.open_file(pa.memory_map(frame.path)).get_batch(frame.index)])
    return frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)


def column(frame: Stored | pd.DataFrame | pa.Table, name: str) -> np.ndarray:
    """A column of numbers of the frame as numpy (of a Stored one, on the mapped file: a pandas frame made of it
    first took 0.85 ms of a 1 ms load, and the shared-id step loads a batch of every input partition per task)."""
    if isinstance(frame, pd.DataFrame):
        return frame[name].to_numpy()
    return arrow_table(frame).column(name).to_numpy()


def load_joined(frames: list[Stored | pd.DataFrame | pa.Table]) -> pd.DataFrame:
    """The frames one after the other as one frame (a new RangeIndex), each column in one piece, as
    `_fast.arrow.joined` joins them; a column that some of them lack is missing in their rows. Joined by Arrow,
    then made one frame: a frame made of each and joined by pandas took twice as long (a person partition's ten
    pieces 18 -> 12 ms, an input partition's flags 16 -> 7 ms)."""
    table = pa.concat_tables([arrow_table(frame) for frame in frames], promote_options="default")
    # text in one chunk (a take per chunk is slow); numbers left in theirs: pandas copies them into its own
    # arrays from the mapped files (joined by Arrow first, they were held twice: 40 MiB more at the peak)
    columns = [column.combine_chunks() if _str_type(column.type) else column for column in table.columns]
    return pa.table(columns, names=table.column_names).to_pandas(types_mapper=_str_type)


@contextlib.contextmanager
def disk_room(folder: str) -> Iterator[None]:
    """A full disk met while the run hands its partitions on through `folder` or writes its output, as the one
    line the command prints for an OSError, saying where the room is wanted."""
    try:
        yield
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        where = Path(folder).parent
        raise OSError(
            errno.ENOSPC,
            f"no space left on a disk: for the Dask engine's staging files in {where} (point TMPDIR at a folder on a "
            "disk with room) or for the output",
        ) from None
