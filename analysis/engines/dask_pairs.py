"""Possible duplicates on Dask (docs/large-data.md): they pair persons across person-key partitions, so the columns
matching reads are brought to the client in a second pass over the input, only when it has names."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import matching
from ..normalize import mark_shared_ids, normalize


def plain_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as pandas' default `str` dtype (NaN for missing), as the pandas path reads them."""
    fix = {c: "str" for c, t in frame.dtypes.items() if isinstance(t, pd.StringDtype) and t != "str"}
    return frame.astype(fix) if fix else frame


MATCHING = ["row", "application_id", "person_key", "person_id", "name", "id_number", "id_problem", "record_problem"]
MATCHING += ["applied_on", "cancelled_on"]


def matching_part(
    raw: pd.DataFrame, starts: list[int], shared: pd.Series | None, file_format: str, partition_info: dict | None = None
) -> pd.DataFrame:
    """What matching.possible_duplicates reads of one input partition (names, and the typo candidates' ID text)."""
    number = partition_info["number"] if partition_info else 0
    out = normalize(plain_strings(raw), file_format, first_row=2 + starts[number])
    if shared is not None:
        mark_shared_ids(out, counts=shared)
    out["id_number"] = out["id_number"].where(out["name"].notna() & out["id_problem"].notna())
    return out[MATCHING]


def find_pairs(compute: Any, client: Any, raw: Any, starts: list[int], shared: Any, file_format: str, show: bool):
    """The possible duplicates of the whole input, found on the client (a second pass, only when there are names).
    `raw`: the input's Dask frame; `shared`: the delayed counts of shared ids; `compute`: how the engine computes."""
    empty = matching_part(raw._meta, [0], None, file_format)
    if "name" not in raw.columns:
        return matching.possible_duplicates(empty)
    parts = raw.map_partitions(matching_part, starts, shared, file_format, meta=empty)
    (records,) = compute(client, [parts], show)
    return matching.possible_duplicates(records.sort_values("row", kind="stable").reset_index(drop=True))
