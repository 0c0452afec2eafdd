"""Possible duplicates on Dask (docs/large-data.md): they pair persons across person-key partitions, so the columns
matching reads are brought to the client in a second pass over the input, only when it has names."""

from __future__ import annotations

from typing import Any

import dask
import pandas as pd

from .. import matching
from ..normalize import mark_shared_ids, normalize
from .dask_input import raw_frame

MATCHING = ["row", "application_id", "person_key", "person_id", "name", "id_number", "id_problem", "record_problem"]
MATCHING += ["applied_on", "cancelled_on"]


def matching_part(part: Any, first_row: int, shared: pd.Series | None, file_format: str) -> pd.DataFrame:
    """What matching.possible_duplicates reads of one input partition (names, and the typo candidates' ID text);
    `part`: one of Input.parts()."""
    out = normalize(raw_frame(part), file_format, first_row=first_row)
    if shared is not None:
        mark_shared_ids(out, counts=shared)
    out["id_number"] = out["id_number"].where(out["name"].notna() & out["id_problem"].notna())
    return out[MATCHING]


def find_pairs(compute: Any, client: Any, found: Any, starts: list[int], shared: Any, show: bool):
    """The possible duplicates of the whole input, found on the client (a second pass, only when there are names).
    `found`: the engine's input partitions; `shared`: the delayed counts of shared ids; `compute`: how the engine
    computes."""
    empty = matching_part(found.empty(), 2, None, found.file_format)
    if "name" not in found.columns:
        return matching.possible_duplicates(empty)
    import dask.dataframe as dd  # (only for a file with names: a quarter of a second to import)

    one = dask.delayed(matching_part, pure=False)  # (it reads the file: a key from its path alone could be stale)
    firsts = [2 + start for start in starts[:-1]]
    parts = dd.from_delayed(
        [one(part, first, shared, found.file_format) for part, first in zip(found.parts(), firsts, strict=True)],
        meta=empty,
        verify_meta=False,
    )
    (records,) = compute(client, [parts], show)
    return matching.possible_duplicates(records.sort_values("row", kind="stable").reset_index(drop=True))
