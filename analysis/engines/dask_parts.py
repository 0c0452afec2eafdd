"""What a Dask worker does with one partition (analysis.engines.dask): normalize an input partition and cut its
usable rows' rule columns into pieces by person, run the overlap rules on a person partition, and build an input
partition's output (its flags in order, with case numbers over the whole input, as flags.csv lines and a Parquet
part). The pandas path's own functions do the work: normalize, rules.row_flags, rules.overlap_flags,
export.flags_for_csv."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import export, rules
from .._fast.arrow import arrow_of, as_str, constant_text, joined, null_text, rows, take
from .._fast.csv import rows_bytes
from .._fast.hashing import text_digests
from .._fast.sets import count_distinct, isin_small
from .._fast.sorting import grouped
from .._fast.writes import write_all
from ..cases import CaseNumbers
from ..contract import FLAG_COLUMNS, FLAGS, UNUSABLE_FLAGS, FileFacts
from ..ids import OTHER_IDS, assign_other_ids
from ..matching import for_rules
from ..normalize import normalize, shared_id_problems, shared_rows
from ..provinces import CODE_CATEGORIES
from .dask_exchange import Stored, arrow_table, flags_file, hashes_file, load_joined, pieces_file, store
from .dask_input import in_groups, raw_frames

SHARD = "_shard"
FLAGS_META = pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else "str") for c in FLAG_COLUMNS})


_NO_DAY = np.iinfo(np.int32).min  # a missing date among days as int32


_DAY = 86_400
_NAT = np.iinfo(np.int64).min  # NaT among datetime64 values as int64


def _days(values: pd.Series, at: np.ndarray) -> np.ndarray:
    """The dates at positions `at` as int32 days since 1970 (_NO_DAY for none): half the bytes of datetime64 on
    the way. (Integer arithmetic on the seconds: a third of the time of numpy's datetime casts.)"""
    seconds = values.to_numpy(dtype="datetime64[s]").view(np.int64)[at]
    days = (seconds // _DAY).astype(np.int32)  # (floor: a date before 1970 is the day it falls in)
    days[seconds == _NAT] = _NO_DAY
    return days


def _dates(days: np.ndarray) -> np.ndarray:
    """_days back to datetime64[s] (NaT for none), as normalize gives them."""
    seconds = days.astype(np.int64) * _DAY
    seconds[days == _NO_DAY] = _NAT
    return seconds.view("datetime64[s]")


def _pieces(records: pd.DataFrame, at: np.ndarray, buckets: int) -> tuple[pa.Table, np.ndarray]:
    """What the overlap rules read of the rows at `at` (matching.for_rules' frame), about 40 bytes a row, ordered
    by piece: (the rows, where each of the `buckets` pieces starts and the last ends). Every application of a
    person is in the same piece number of every input partition. The shard key is the person number, or a hash
    of the key where it is not an 18-character number (those keep their text in other_key and are numbered again
    per person partition); dates are days, the province its code. Arrow columns: the pieces are stored as Arrow
    (dask_exchange) without a pandas frame on the way."""
    shard = records["person_id"].to_numpy()[at]
    other = shard >= OTHER_IDS
    if other.any():
        keys = take(records["other_key"], at[other])
        shard[other] = pd.util.hash_pandas_object(keys, index=False).to_numpy().view(np.int64)
    order, bounds = grouped(shard.view(np.uint64) % np.uint64(buckets), buckets)
    where = at[order]
    ordered = pa.table(
        {
            SHARD: shard[order],
            **({"other_key": arrow_of(take(records["other_key"], where))} if other.any() else {}),
            "application_id": arrow_of(take(records["application_id"], where)),
            "row": records["row"].to_numpy()[where],
            "applied_on": _days(records["applied_on"], where),
            "cancelled_on": _days(records["cancelled_on"], where),
            "province": records["province_code"].cat.codes.to_numpy()[where],  # int8 codes of CODE_CATEGORIES
        }
    )
    return ordered, bounds


def _piece(slices: list[tuple[pa.Table, np.ndarray]], b: int) -> pa.Table:
    """Piece `b` of a partition's slices (_pieces), joined: every column one chunk, an other_key column when a
    slice has one (missing in the others' rows; _pieces leaves it out where every key is an 18-character number:
    8 bytes a row held and stored for nothing)."""
    taken = [table.slice(bounds[b], bounds[b + 1] - bounds[b]) for table, bounds in slices]
    return pa.concat_tables(taken, promote_options="default").combine_chunks()


def input_part(
    part: Any,
    first_row: int,
    file_format: str,
    check_documents: bool,
    buckets: int,
    id_buckets: int,
    folder: str | None = None,
    name: int = 0,
) -> tuple[pd.DataFrame, list[pa.Table], FileFacts, list[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """One input partition (Input.parts) normalized once, SLICE_ROWS at a time: (its row flags; the overlap rules'
    columns of its usable rows in `buckets` pieces by person; its facts; the hashes of its application ids in
    `id_buckets` groups, dask_input.in_groups, none when id_buckets is 0; the hash of each row's application id
    and whether it has one, in row order, for ids_with_digests). Only usable rows can overlap
    (overlaps.find_overlaps), so the others never leave the partition. With a staging `folder` the pieces go
    into its file pieces_file(folder, name) (dask_exchange) and none are returned.

    Application ids used by several rows are not known yet (they are a property of the whole input, found from
    these hashes): row_part and overlap_part mark those rows afterwards, as mark_shared_ids would have."""
    facts, flags, usable, ids = FileFacts(), [], [], []
    for raw in raw_frames(part):
        records = for_rules(normalize(raw, file_format, first_row=first_row, facts=facts, keys=False))
        first_row += len(raw)
        del raw
        ids.append(records["application_id"])
        flags.append(_conform(rules.row_flags(records, check_documents), FLAGS_META))
        at = np.flatnonzero((records["record_problem"].isna() & records["id_problem"].isna()).to_numpy())
        usable.append(_pieces(records, at, buckets))
        del records
    pieces = [_piece(usable, b) for b in range(buckets)]
    del usable
    if folder is not None:  # (a local cluster: into the staging folder, Stored(pieces_file(folder, name), b))
        store(pieces, pieces_file(folder, name))
        pieces = []
    digest, present = text_digests(pd.concat(ids, ignore_index=True))  # (once: grouped, and kept in row order)
    del ids
    digests: list = in_groups(digest[present], id_buckets) if id_buckets else []
    if folder is not None and digests:  # (read by repeated_digests from the file: no bytes to send)
        store([pa.table({"hash": group}) for group in digests], hashes_file(folder, name))
        digests = [Stored(hashes_file(folder, name), b) for b in range(id_buckets)]
    return joined(flags), pieces, facts, digests, (digest, present)


def ids_with_digests(
    digests: np.ndarray,
    known: tuple[np.ndarray, np.ndarray],
    first_row: int,
    row_flags: pd.DataFrame,
    *pieces: pa.Table | Stored,
) -> pd.Series:
    """The application ids of an input partition whose hash is one of `digests` (dask_input.candidates), one per
    row: `known` is the hash of each of its rows' ids and whether it has one (input_part's, in row order from
    `first_row`); the ids themselves are its unusable rows' in their row flags and its usable rows' in its pieces
    (the partition is not read or hashed again)."""
    if not len(digests):
        return pd.Series([], dtype="str")
    digest, present = known
    hit = isin_small(digest, digests) & present
    unusable = row_flags[row_flags["flag"].isin(UNUSABLE_FLAGS).to_numpy()].drop_duplicates("row")
    found = [arrow_of(unusable["application_id"][hit[unusable["row"].to_numpy() - first_row]]).cast(pa.large_string())]
    for piece in pieces:  # (in Arrow: a pandas frame of each piece took longer than finding its few ids)
        table = arrow_table(piece)
        at = np.flatnonzero(hit[table.column("row").to_numpy() - first_row])
        found.append(table.column("application_id").take(at).cast(pa.large_string()))
    return pd.Series(as_str(pa.chunked_array([c for chunks in found for c in chunks.chunks], pa.large_string())))


def shared_counts(*ids: pd.Series) -> pd.Series:
    """Application id -> rows using it, for the ids several rows use (ids_with_digests of every partition)."""
    counts = pd.concat(ids, ignore_index=True).value_counts()
    return counts[counts > 1].astype("int64")


def row_part(flags: pd.DataFrame, shared: pd.Series) -> tuple[pd.DataFrame, dict, CaseNumbers]:
    """An input partition's row flags with its rows of shared application ids (`shared`: id -> rows using it)
    marked as mark_shared_ids marks them: the shared-id problem first in the row's invalid_record detail, or a
    new invalid_record flag where the row had none (it had invalid_id: every unusable row has a row flag; the
    usable ones are marked by overlap_part). (The flags in row-then-flag order; their _tally.)"""
    at = shared_rows(flags["application_id"], shared)
    if len(at):
        hit = rows(flags, at)
        record = (hit["flag"] == "invalid_record").to_numpy()
        fixed = flags["detail"].copy()
        fixed.iloc[at[record]] = shared_id_problems(
            hit["application_id"][record], shared, hit["detail"][record]
        ).to_numpy()
        flags = flags.assign(detail=fixed)
        # rows with invalid_id alone get one (a usable row's incomplete_documents flag is left to overlap_part)
        new = hit[((hit["flag"] == "invalid_id") & ~hit["row"].isin(hit["row"][record])).to_numpy()]
        if len(new):
            flags = _in_order(pd.concat([flags, _shared_id_flags(new, shared)], ignore_index=True))
    return flags, *_tally(flags)


def _shared_id_flags(found: pd.DataFrame, shared: pd.Series) -> pd.DataFrame:
    """invalid_record flags of rows (rules.ROW_COLUMNS) that had no record problem but whose application ids are
    shared."""
    no_problem = pd.Series(pd.NA, index=found.index, dtype="str")
    detail = shared_id_problems(found["application_id"], shared, no_problem)
    return _conform(found.assign(flag="invalid_record", detail=detail, conflicts_with=pd.NA), FLAGS_META)


def _in_order(flags: pd.DataFrame) -> pd.DataFrame:
    """Flags ordered by row, then flag (rules.flag_applications' order)."""
    # (each flag's place in FLAGS by Arrow's hash of the few kinds: a third of the time of pandas' Categorical)
    rank = pc.index_in(arrow_of(flags["flag"]), value_set=_FLAG_KINDS).to_numpy().astype(np.int64)
    return rows(flags, np.argsort(flags["row"].to_numpy() * len(FLAGS) + rank, kind="stable"))


_FLAG_KINDS = pa.array(FLAGS, pa.large_string())


def _conform(frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """Columns and dtypes of `meta` (an empty partition must look like a full one)."""
    if list(frame.columns) == list(meta.columns) and frame.dtypes.equals(meta.dtypes):
        return frame  # (already: an astype of every column is a few milliseconds of pandas per part)
    return frame[list(meta.columns)].astype(meta.dtypes.to_dict())


def _tally(flags: pd.DataFrame) -> tuple[dict, CaseNumbers]:
    """(Flags per kind and unusable rows: they add up over partitions, as a row's unusable flags are all found in
    one part: its input partition's row flags, or for a usable row whose id is shared, its person partition;
    the numbering of its cases' person keys, merged over the parts afterwards: a person's flags may lie in
    several parts.)"""
    counts = rules.flag_counts(flags)
    counts["rows_unusable"] = count_distinct(flags.loc[flags["flag"].isin(UNUSABLE_FLAGS), "row"].to_numpy())
    return counts, CaseNumbers(flags["person_key"])


def overlap_part(
    firsts: np.ndarray, shared: pd.Series, *pieces: pa.Table | Stored, folder: str | None = None, name: int = 0
) -> tuple[list[pd.DataFrame], dict, CaseNumbers]:
    """rules.overlap_flags on one person partition (its piece of every input partition): (its flags split by the
    input partition their row is in, `firsts` being each one's first file row; their _tally). With a staging
    `folder` the split goes into its file flags_file(folder, name) (dask_exchange) and none is returned.

    Rows whose application id is shared (`shared`: id -> rows using it) are not usable: they get the
    invalid_record flag mark_shared_ids would have given them and take no part in the overlap rules."""
    # in file order, as the pandas path has them: the pieces come in input-partition order, and each keeps its
    # partition's order (_pieces sorts stably)
    part = load_joined(list(pieces))
    del pieces
    if "other_key" in part.columns:  # input partitions numbered their `<id_type>:<number>` keys each: number
        other_key = part["other_key"]  # them over this partition's
        person_id = assign_other_ids(
            other_key, np.where(other_key.isna().to_numpy(), part[SHARD].to_numpy(), OTHER_IDS)
        )
    else:  # citizens only: the shard key is the person number
        other_key, person_id = null_text(part.index), part[SHARD].to_numpy()
    records = pd.DataFrame(
        {
            "person_id": person_id,
            "other_key": other_key,
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
    at = shared_rows(records["application_id"], shared)
    if len(at):
        marked = _shared_id_flags(rules.flag_rows(records, at), shared)
        # a record problem makes them unusable: the overlap rules pass them by (taking the other rows out of
        # every column took 40 ms a partition)
        shared_id = np.zeros(len(records), dtype=bool)
        shared_id[at] = True
        records["record_problem"] = constant_text(shared_id, "shared application_id", records.index)
    flags = _conform(rules.overlap_flags(records), FLAGS_META)
    if len(at):
        flags = _in_order(pd.concat([flags, marked], ignore_index=True))
    del records
    bounds = np.r_[np.searchsorted(flags["row"].to_numpy(), firsts), len(flags)]
    split = [flags.iloc[bounds[i] : bounds[i + 1]] for i in range(len(firsts))]  # (slices: sent compactly)
    if folder is not None:  # (as input_part's pieces: Stored(flags_file(folder, name), i))
        store(split, flags_file(folder, name))
        split = []
    return split, *_tally(flags)


def output_part(row_flags: pd.DataFrame, case_keys: CaseNumbers, *overlaps: pd.DataFrame | Stored) -> pd.DataFrame:
    """One input partition's flags.csv rows: its row flags and overlap flags ordered by row, then flag
    (rules.flag_applications' order), with case numbers over the whole input (`case_keys`: the cases of every
    partition)."""
    return export.flags_for_csv(_in_order(load_joined([row_flags, *overlaps])), case_keys)


def output_files(
    row_flags: pd.DataFrame,
    case_keys: CaseNumbers,
    *overlaps: pd.DataFrame | Stored,
    folder: str | None = None,
    name: str = "",
) -> tuple[bytes | str, bytes | str, int]:
    """output_part as the content of its flags.csv lines and of its Parquet part, and its rows flagged: the
    worker builds the files' content, the machine running the command puts it in the output folder (workers
    never write into it). The content is the bytes; or, with `folder` (a staging folder the worker can write
    to: a local cluster's), the paths of the two files `name`.csv and `name`.parquet written there (an empty
    part: b"", b"", 0 either way)."""
    part = output_part(row_flags, case_keys, *overlaps)
    if not len(part):
        return b"", b"", 0
    parquet = io.BytesIO()
    # dictionaries for the columns of a few values, statistics for the row range only: the other columns are
    # mostly distinct values, for which both take time and save nothing (0.10 s -> 0.05 s per 120K flags)
    pq.write_table(
        pa.Table.from_pandas(part, preserve_index=False),
        parquet,
        use_dictionary=["flag", "province_code"],
        write_statistics=["row"],
    )
    lines, rows_flagged = rows_bytes(part), count_distinct(part["row"].to_numpy())
    if folder is None:
        return lines, parquet.getvalue(), rows_flagged
    return _staged(folder, f"{name}.csv", lines), _staged(folder, f"{name}.parquet", parquet.getbuffer()), rows_flagged


def _staged(folder: str, name: str, content: bytes | memoryview) -> str:
    """`content` as the file `name` in `folder` (whole: export.whole); its path."""
    path = Path(folder) / name
    with export.whole(path) as partial, partial.open("wb", buffering=0) as fh:
        write_all(fh, content)
    return str(path)
