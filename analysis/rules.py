"""The flags of docs/data-contract.md, vectorized: row-level checks and the person-level overlap rules.

Every rule is a property of one person's applications, so the same functions run on a whole
frame or per partition after records are partitioned by person key (analysis.engines.dask).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import provinces
from ._fast.arrow import arrow_of, as_str, categorical_text, day_text, reordered, rows, take
from ._fast.memory import release_memory
from ._fast.sorting import argsort_stable
from .contract import FLAG_COLUMNS, FLAGS, Loaded
from .ids import person_keys
from .overlaps import THREADS, find_overlaps, groups_of_rows, person_groups

ROW_COLUMNS = ["application_id", "person_key", "province_code", "row"]  # what a flag repeats of its row


def flag_rows(records: pd.DataFrame, at: np.ndarray) -> pd.DataFrame:
    """ROW_COLUMNS of the rows at positions `at` (the person key derived where the frame holds none as text)."""
    out = rows(records, at, ["application_id", "province_code", "row"])
    out.insert(1, "person_key", person_keys(records, at).array)
    out["province_code"] = _province_text(out["province_code"])
    return out


def _province_text(codes: pd.Series) -> pd.Series:
    """Province codes as "str" (the flag command's frame holds a categorical: through its few categories)."""
    return categorical_text(codes) if isinstance(codes.dtype, pd.CategoricalDtype) else codes.astype("str")


def document_problems(records: pd.DataFrame) -> pd.Series:
    """Why a row's documents are incomplete ('; '-joined reasons), NA where they are complete."""
    no_copy = ~records["id_copy"].to_numpy(dtype=bool)
    no_register = ~records["has_second_gen_id"].to_numpy(dtype=bool) & ~records["household_register_copy"].to_numpy(
        dtype=bool
    )
    category = records["special_category"]
    no_special = category.notna().to_numpy() & ~records["special_documents"].to_numpy(dtype=bool)
    reasons = pd.Series(pd.NA, index=records.index, dtype="str")
    hit = no_copy | no_register | no_special
    if not hit.any():
        return reasons
    # Reasons are built only for the rows that have one.
    parts = pd.DataFrame(
        {
            "copy": np.where(no_copy[hit], "no copy of the ID card", ""),
            "register": np.where(no_register[hit], "no second-generation ID card and no household-register copy", ""),
            "special": np.where(
                no_special[hit], "no special documents for category '" + category[hit].fillna("") + "'", ""
            ),
        }
    ).astype("str")
    text = (
        (parts["copy"] + "; " + parts["register"] + "; " + parts["special"])
        .str.replace(r"^(; )+|(; )+$", "", regex=True)
        .str.replace(r"(; ){2,}", "; ", regex=True)
    )
    note = records["document_note"][hit]
    text = text.where(note.isna().to_numpy(), text + " (" + note.fillna("").to_numpy() + ")")
    reasons[hit] = text.to_numpy()
    return reasons


def _row_flags(records: pd.DataFrame, check_documents: bool) -> list[pd.DataFrame]:
    out = []
    for flag, reason in [("invalid_record", records["record_problem"]), ("invalid_id", records["id_problem"])]:
        at = np.flatnonzero(reason.notna().to_numpy(dtype=bool))
        if len(at):  # (a clean part has none: no empty frames built for nothing)
            out.append(flag_rows(records, at).assign(flag=flag, detail=take(reason, at).array))
    if check_documents:
        docs = document_problems(records)
        at = np.flatnonzero(docs.notna().to_numpy(dtype=bool))
        out.append(flag_rows(records, at).assign(flag="incomplete_documents", detail=docs.iloc[at].array))
    return out


_SHORT_NAMES = pa.array([provinces.SHORT_NAME.get(f"{c:02d}", "") for c in range(100)], pa.large_string())


def _day_text(values: pd.Series) -> pa.Array:
    """Dates as YYYY-MM-DD text (null for none), by numpy (_fast.arrow.day_text): Arrow's strftime is several
    times slower."""
    return day_text(values.to_numpy(dtype="datetime64[D]"))


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


def _live_detail(earlier: pd.DataFrame) -> pa.Array:
    """'card application A of 2020-01-01 in 广东 44 is still live (cancelled 2021-01-01 | never cancelled)',
    built by Arrow (no Python string per row)."""
    app = pa.array(earlier["application_id"].astype("str").array).cast(pa.large_string())
    code = arrow_of(_province_text(earlier["province_code"])).cast(pa.large_string())
    name = pc.take(_SHORT_NAMES, pc.fill_null(pc.cast(code, pa.int64()), 0))
    applied = _day_text(earlier["applied_on"])
    until = pc.fill_null(
        pc.binary_join_element_wise(_text("cancelled "), _day_text(earlier["cancelled_on"]), _text("")),
        _text("never cancelled"),
    )
    parts = [
        _text("card application "),
        app,
        _text(" of "),
        applied,
        _text(" in "),
        name,
        _text(" "),
        pc.fill_null(code, _text("")),
        _text(" is still live ("),
        until,
        _text(")"),
    ]
    return pc.binary_join_element_wise(*parts, _text(""))


def _overlap_flags(records: pd.DataFrame, threads: int = 1) -> list[pd.DataFrame]:
    count = person_groups(records, threads)
    if count == 1:
        return _group_overlap_flags(records, (0, 1))
    parts = []
    row_groups = groups_of_rows(records, count)  # once, not once per group
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for first in range(0, count, threads):  # a round of `threads` groups at a time
            groups = range(first, min(first + threads, count))
            parts += [
                part
                for flags in pool.map(lambda g: _group_overlap_flags(records, (g, count), row_groups), groups)
                for part in flags
            ]
            release_memory()  # the round's temporaries back to the system before the next round's
    return parts


def _group_overlap_flags(
    records: pd.DataFrame, group: tuple[int, int], row_groups: np.ndarray | None = None
) -> list[pd.DataFrame]:
    overlaps = find_overlaps(records, group, row_groups)
    out = []
    cross = overlaps["other_at"] >= 0
    dup = ~cross & (overlaps["same_at"] >= 0)
    for flag, mask, column in [
        ("cross_province_conflict", cross, "other_at"),
        ("duplicate_card", dup, "same_at"),
    ]:
        at = overlaps.loc[mask, column].to_numpy()
        flagged = flag_rows(records, records.index.get_indexer(mask[mask].index))
        earlier = rows(
            records, records.index.get_indexer(at), ["application_id", "province_code", "applied_on", "cancelled_on"]
        )
        detail = _live_detail(earlier)
        out.append(flagged.assign(flag=flag, conflicts_with=earlier["application_id"].array, detail=as_str(detail)))
    return out


def flag_applications(records: pd.DataFrame, check_documents: bool = True) -> pd.DataFrame:
    """All flags, one row per (application, flag), ordered by input row then flag."""
    return _in_order(_row_flags(records, check_documents) + _overlap_flags(records, THREADS), THREADS)


def row_flags(records: pd.DataFrame, check_documents: bool = True) -> pd.DataFrame:
    """The flags each row earns alone (invalid_record, invalid_id, incomplete_documents), ordered as
    flag_applications orders them: the Dask engine finds them per input partition, before any shuffle."""
    return _in_order(_row_flags(records, check_documents))


def overlap_flags(records: pd.DataFrame) -> pd.DataFrame:
    """The flags of overlapping applications (cross_province_conflict, duplicate_card), ordered as
    flag_applications orders them; `records` may hold only usable rows (the others never overlap). One thread:
    the Dask engine calls it per partition, on workers that are a core each."""
    return _in_order(_overlap_flags(records))


def _in_order(parts: list[pd.DataFrame], threads: int = 1) -> pd.DataFrame:
    """Flag parts (one flag each) joined, ordered by input row then flag, as FLAG_COLUMNS (on `threads`)."""
    parts = [p for p in parts if len(p)]
    if not parts:  # (a Dask partition of clean rows: a few milliseconds of pandas otherwise)
        return pd.DataFrame({column: pd.Series(dtype="int64" if column == "row" else "str") for column in FLAG_COLUMNS})
    # every part holds one flag: its rank per row without reading a million flag strings back
    rank = np.concatenate([np.full(len(p), FLAGS.index(p["flag"].iloc[0]), dtype=np.int64) for p in parts])
    flags = pd.concat(parts, ignore_index=True)
    del parts  # (their text is shared with the joined columns, not copied)
    for column in FLAG_COLUMNS:
        if column not in flags.columns:
            flags[column] = pd.NA
    # by row, then flag: one sort of a combined key (rows are positive), stable as lexsort is
    order, _ = argsort_stable(flags["row"].to_numpy(dtype=np.int64) * len(FLAGS) + rank.astype(np.int64))
    # column by column, each unordered column dropped once its ordered copy exists: the flags are held about
    # once, not twice (ten million flags of a 100M-row file hold over a gigabyte of detail text); the detail
    # on one thread, the other columns on the other (Arrow's take releases the GIL)
    columns = sorted(FLAG_COLUMNS, key=lambda c: c != "detail")
    unordered = {column: flags.pop(column) for column in columns}
    del flags
    with ThreadPoolExecutor(max_workers=threads) as pool:
        taken = pool.map(lambda c: reordered(unordered.pop(c), order).array, columns)
        ordered = dict(zip(columns, taken, strict=True))
    flags = pd.DataFrame({column: ordered.pop(column) for column in FLAG_COLUMNS}, copy=False)
    flags["flag"] = flags["flag"].astype("str")
    flags["row"] = flags["row"].astype("int64")
    return flags


def flag_loaded(loaded: Loaded) -> pd.DataFrame:
    """All flags of loaded records; documents are checked when the file has document columns."""
    return flag_applications(loaded.frame, check_documents=loaded.report.documents_checked)


def flag_counts(flags: pd.DataFrame) -> dict[str, int]:
    """Number of flagged applications per flag, every flag listed."""
    counts = flags["flag"].value_counts()
    return {flag: int(counts.get(flag, 0)) for flag in FLAGS}


def cases(flags: pd.DataFrame) -> pd.Index:
    """Person keys with at least one flagged application (a row without a valid key is no case)."""
    return pd.Index(flags["person_key"].dropna().unique(), name="person_key")
