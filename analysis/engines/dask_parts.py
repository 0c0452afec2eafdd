"""What a Dask worker does with one partition (analysis.engines.dask): normalize an input partition and cut its
usable rows' rule columns into pieces by person, run the overlap rules on a person partition, and build an input
partition's output (its flags in order, with case numbers over the whole input, as flags.csv lines and a Parquet
part). The pandas path's own functions do the work: normalize, rules.row_flags, rules.overlap_flags,
export.flags_for_csv."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd

from .. import export, rules
from .._fast.arrow import null_text, rows
from .._fast.csv import rows_bytes
from .._fast.memory import release_memory
from ..cases import CaseNumbers
from ..contract import FLAG_COLUMNS, FLAGS, UNUSABLE_FLAGS, FileFacts
from ..ids import OTHER_IDS, assign_other_ids
from ..matching import for_rules
from ..normalize import mark_shared_ids, normalize
from ..provinces import CODE_CATEGORIES
from .dask_input import raw_frames

SHARD = "_shard"
FLAGS_META = pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else "str") for c in FLAG_COLUMNS})


_NO_DAY = np.iinfo(np.int32).min  # a missing date among days as int32


def _days(values: pd.Series) -> np.ndarray:
    """Dates as int32 days since 1970 (_NO_DAY for none): half the bytes of datetime64 on the way."""
    days = values.to_numpy(dtype="datetime64[D]")
    return np.where(np.isnat(days), _NO_DAY, days.astype(np.int64)).astype(np.int32)


def _dates(days: np.ndarray) -> np.ndarray:
    """_days back to datetime64[s] (NaT for none), as normalize gives them."""
    return np.where(days == _NO_DAY, np.datetime64("NaT"), days.astype("datetime64[D]")).astype("datetime64[s]")


def _shuffled_columns(records: pd.DataFrame, at: np.ndarray) -> pd.DataFrame:
    """What the overlap rules read of the rows at `at` (matching.for_rules' frame), about 40 bytes a row. The shard
    key is the person number, or a hash of the key where it is not an 18-character number (those keep their text
    in other_key and are numbered again per person partition); dates are days, the province its code."""
    out = rows(records, at, ["other_key", "application_id", "row"])
    shard = records["person_id"].to_numpy()[at]
    other = shard >= OTHER_IDS
    if other.any():
        shard[other] = pd.util.hash_pandas_object(out["other_key"][other], index=False).to_numpy().view(np.int64)
    out.insert(0, SHARD, shard)
    out["applied_on"] = _days(records["applied_on"].iloc[at])
    out["cancelled_on"] = _days(records["cancelled_on"].iloc[at])
    out["province"] = records["province_code"].cat.codes.to_numpy()[at]  # int8 codes of CODE_CATEGORIES
    return out


def _by_person(usable: pd.DataFrame, buckets: int) -> list[pd.DataFrame]:
    """The rows in `buckets` pieces by shard key: every application of a person is in the same piece number of
    every input partition. Each piece is a copy of its own rows (a slice would carry its parent to the
    worker that takes it)."""
    bucket = usable[SHARD].to_numpy().view(np.uint64) % np.uint64(buckets)
    order = np.argsort(bucket, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(bucket.astype(np.int64), minlength=buckets))]
    return [rows(usable, order[bounds[b] : bounds[b + 1]]) for b in range(buckets)]


def input_part(
    part: Any, first_row: int, shared: pd.Series, file_format: str, check_documents: bool, buckets: int
) -> tuple[pd.DataFrame, list[pd.DataFrame], dict]:
    """One input partition (Input.parts) normalized once, SLICE_ROWS at a time: (its row flags; the overlap rules'
    columns of its usable rows in `buckets` pieces by person; its facts, flag counts and case keys). Only usable
    rows can overlap (rules.find_overlaps), so the others never leave the partition."""
    facts, flags, usable = FileFacts(), [], []
    for raw in raw_frames(part):
        records = for_rules(normalize(raw, file_format, first_row=first_row, facts=facts))
        first_row += len(raw)
        del raw
        mark_shared_ids(records, counts=shared)
        flags.append(_conform(rules.row_flags(records, check_documents), FLAGS_META))
        at = np.flatnonzero((records["record_problem"].isna() & records["id_problem"].isna()).to_numpy())
        usable.append(_shuffled_columns(records, at))
        del records
    pieces = _by_person(_joined(usable), buckets)
    del usable
    flags = _joined(flags)
    release_memory()  # (a long-lived worker: normalizing's freed temporaries back to the system between parts)
    return flags, pieces, {"facts": facts, **_tally(flags)}


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The slices' frames as one."""
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _conform(frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """Columns and dtypes of `meta` (an empty partition must look like a full one)."""
    return frame[list(meta.columns)].astype(meta.dtypes.to_dict())


def _tally(flags: pd.DataFrame) -> dict:
    """Flags per kind and unusable rows (they add up over partitions: a row's unusable flags are all found in its
    input partition), and the distinct person keys of cases (a person's flags may lie in several)."""
    counts = rules.flag_counts(flags)
    counts["rows_unusable"] = int(flags.loc[flags["flag"].isin(UNUSABLE_FLAGS), "row"].nunique())
    return {"counts": counts, "keys": flags["person_key"].dropna().unique()}


def overlap_part(firsts: np.ndarray, *pieces: pd.DataFrame) -> tuple[list[pd.DataFrame], dict]:
    """rules.overlap_flags on one person partition (its piece of every input partition): (its flags split by the
    input partition their row is in, `firsts` being each one's first file row; their tally)."""
    # in file order, as the pandas path has them: the pieces come in input-partition order, and each keeps its
    # partition's order (_by_person sorts stably)
    part = pd.concat(pieces, ignore_index=True)
    del pieces
    records = pd.DataFrame(
        {
            # input partitions numbered their `<id_type>:<number>` keys each: number them over this partition's
            "person_id": assign_other_ids(
                part["other_key"], np.where(part["other_key"].isna().to_numpy(), part[SHARD].to_numpy(), OTHER_IDS)
            ),
            "other_key": part["other_key"],
            "application_id": part["application_id"],
            "province_code": pd.Categorical.from_codes(part["province"].to_numpy(), dtype=CODE_CATEGORIES),
            "applied_on": _dates(part["applied_on"].to_numpy()),
            "cancelled_on": _dates(part["cancelled_on"].to_numpy()),
            "row": part["row"],
            "record_problem": null_text(part.index),  # (usable rows: none)
            "id_problem": null_text(part.index),
        }
    )
    del part
    flags = _conform(rules.overlap_flags(records), FLAGS_META)
    del records
    bounds = np.r_[np.searchsorted(flags["row"].to_numpy(), firsts), len(flags)]
    split = [rows(flags, np.arange(bounds[i], bounds[i + 1])) for i in range(len(firsts))]
    release_memory()
    return split, _tally(flags)


def output_part(row_flags: pd.DataFrame, case_keys: CaseNumbers, *overlaps: pd.DataFrame) -> pd.DataFrame:
    """One input partition's flags.csv rows: its row flags and overlap flags ordered by row, then flag
    (rules.flag_applications' order), with case numbers over the whole input (`case_keys`: the cases of every
    partition)."""
    flags = pd.concat([row_flags, *overlaps], ignore_index=True)
    rank = pd.Categorical(flags["flag"], categories=FLAGS).codes.astype("int64")
    flags = rows(flags, np.argsort(flags["row"].to_numpy() * len(FLAGS) + rank, kind="stable"))
    return export.flags_for_csv(flags, case_keys)


def output_files(row_flags: pd.DataFrame, case_keys: CaseNumbers, *overlaps: pd.DataFrame) -> tuple[bytes, bytes, int]:
    """output_part as the bytes of its flags.csv lines and of its Parquet part, and its rows flagged: the worker
    builds the files' content, the machine running the command only writes it (workers never write into the
    output folder)."""
    part = output_part(row_flags, case_keys, *overlaps)
    if not len(part):
        return b"", b"", 0
    parquet = io.BytesIO()
    part.to_parquet(parquet, index=False)
    return rows_bytes(part), parquet.getvalue(), int(part["row"].nunique())
