"""The flags of docs/data-contract.md, vectorized: row-level checks and the person-level overlap rules.

Every rule is a property of one person's applications, so the same functions run on a whole
frame or per partition after records are partitioned by person key (analysis.engines.dask).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import provinces
from ._fast.arrow import (
    arrow_of,
    as_str,
    categorical_text,
    coded_text,
    day_text,
    equal_pieces,
    null_text,
    placed,
    rows,
    take,
)
from ._fast.memory import release_memory
from ._fast.sorting import argsort_stable
from .contract import FLAGS, Loaded
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


@dataclass(frozen=True)
class _Found:
    """Flags before their text: per flag, its kind (its place in FLAGS), the position of the row it flags, and
    the position of the earlier application it conflicts with (-1: none)."""

    kind: np.ndarray
    flagged: np.ndarray
    earlier: np.ndarray

    @staticmethod
    def of(flag: str, at: np.ndarray, earlier: np.ndarray | None = None) -> _Found:
        at = np.asarray(at, dtype=np.int64)
        earlier = np.full(len(at), -1, dtype=np.int64) if earlier is None else np.asarray(earlier, dtype=np.int64)
        return _Found(np.full(len(at), FLAGS.index(flag), dtype=np.int8), at, earlier)

    def __getitem__(self, which: slice | np.ndarray) -> _Found:
        return _Found(self.kind[which], self.flagged[which], self.earlier[which])


def _row_found(records: pd.DataFrame, check_documents: bool) -> tuple[list[_Found], dict[int, pd.Series]]:
    """The rows' own flags (invalid_record, invalid_id, incomplete_documents) and each kind's reasons column."""
    found, reasons = [], {}
    checks = [("invalid_record", records["record_problem"]), ("invalid_id", records["id_problem"])]
    if check_documents:
        checks.append(("incomplete_documents", document_problems(records)))
    for flag, reason in checks:
        at = np.flatnonzero(reason.notna().to_numpy(dtype=bool))
        if len(at):  # (a clean part has none)
            found.append(_Found.of(flag, at))
            reasons[FLAGS.index(flag)] = reason
    return found, reasons


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


def _overlap_found(records: pd.DataFrame, threads: int = 1) -> list[_Found]:
    """The overlap flags (cross_province_conflict, duplicate_card) of every person group, found on `threads`."""
    count = person_groups(records, threads)
    if count == 1:
        return _group_found(records, (0, 1))
    found = []
    row_groups = groups_of_rows(records, count)  # once, not once per group
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for first in range(0, count, threads):  # a round of `threads` groups at a time
            groups = range(first, min(first + threads, count))
            found += [
                part
                for parts in pool.map(lambda g: _group_found(records, (g, count), row_groups), groups)
                for part in parts
            ]
            release_memory()  # the round's temporaries back to the system before the next round's
    return found


def _group_found(records: pd.DataFrame, group: tuple[int, int], row_groups: np.ndarray | None = None) -> list[_Found]:
    overlaps = find_overlaps(records, group, row_groups)
    cross = overlaps["other_at"] >= 0
    dup = ~cross & (overlaps["same_at"] >= 0)
    return [
        _Found.of(
            flag,
            records.index.get_indexer(mask[mask].index),
            records.index.get_indexer(overlaps.loc[mask, column].to_numpy()),
        )
        for flag, mask, column in [("cross_province_conflict", cross, "other_at"), ("duplicate_card", dup, "same_at")]
    ]


def _in_order(records: pd.DataFrame, found: list[_Found]) -> _Found:
    """The flags ordered by input row, then flag: one sort of a combined key (rows are positive), stable."""
    found = [f for f in found if len(f.flagged)]
    if not found:
        return _Found.of(FLAGS[0], np.zeros(0, dtype=np.int64))
    joined = _Found(*(np.concatenate([getattr(f, name) for f in found]) for name in ("kind", "flagged", "earlier")))
    key = records["row"].to_numpy()[joined.flagged].astype(np.int64) * len(FLAGS) + joined.kind
    order, _ = argsort_stable(key)
    return joined[order]


def _with_text(records: pd.DataFrame, found: _Found, reasons: dict[int, pd.Series]) -> pd.DataFrame:
    """FLAG_COLUMNS of these flags, in their order: what they repeat of their row, the earlier application's id
    and the detail (its live card, or the row's reason)."""
    index = pd.RangeIndex(len(found.flagged))
    out = flag_rows(records, found.flagged).set_axis(index, axis=0)
    overlap = found.earlier >= 0
    if overlap.any():
        earlier = rows(
            records, found.earlier[overlap], ["application_id", "province_code", "applied_on", "cancelled_on"]
        )
        conflicts = placed(overlap, earlier["application_id"], index)
        detail = arrow_of(placed(overlap, pd.Series(as_str(_live_detail(earlier))), index))
    else:
        conflicts = null_text(index)
        detail = arrow_of(null_text(index)).combine_chunks()
    for kind, reason in reasons.items():
        mine = found.kind == kind
        if mine.any():
            given = arrow_of(take(reason, found.flagged[mine])).cast(pa.large_string()).combine_chunks()
            detail = pc.replace_with_mask(detail, pa.array(mine), given)
    flag = pd.Series(as_str(coded_text(found.kind.astype(np.int64), FLAGS)), index=index)
    return pd.DataFrame(
        {
            "application_id": out["application_id"].array,
            "flag": flag.array,
            "person_key": out["person_key"].array,
            "province_code": out["province_code"].array,
            "conflicts_with": conflicts.array,
            "detail": as_str(detail),
            "row": out["row"].to_numpy(dtype=np.int64),
        },
        index=index,
        copy=False,
    )


PIECE = 1 << 18  # flags made text at a time


def _flags(records: pd.DataFrame, found: _Found, reasons: dict[int, pd.Series], threads: int = 1) -> pd.DataFrame:
    """The flags as FLAG_COLUMNS, in order: their text made a piece at a time on `threads` (Arrow's kernels
    release the GIL), straight in their order. Made per person group and then ordered, the text was taken a
    second time (0.3 s for 1.2M flags) and the rows' own columns read in random order."""
    pieces = equal_pieces(len(found.flagged), PIECE, threads) or [(0, 0)]  # (no flags: the typed empty frame)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        parts = list(pool.map(lambda bounds: _with_text(records, found[slice(*bounds)], reasons), pieces))
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def flag_applications(records: pd.DataFrame, check_documents: bool = True) -> pd.DataFrame:
    """All flags, one row per (application, flag), ordered by input row then flag."""
    found, reasons = _row_found(records, check_documents)
    return _flags(records, _in_order(records, found + _overlap_found(records, THREADS)), reasons, THREADS)


def row_flags(records: pd.DataFrame, check_documents: bool = True) -> pd.DataFrame:
    """The flags each row earns alone (invalid_record, invalid_id, incomplete_documents), ordered as
    flag_applications orders them: the Dask engine finds them per input partition, before any shuffle."""
    found, reasons = _row_found(records, check_documents)
    return _flags(records, _in_order(records, found), reasons)


def overlap_flags(records: pd.DataFrame) -> pd.DataFrame:
    """The flags of overlapping applications (cross_province_conflict, duplicate_card), ordered as
    flag_applications orders them; `records` may hold only usable rows (the others never overlap). One thread:
    the Dask engine calls it per partition, on workers that are a core each."""
    return _flags(records, _in_order(records, _overlap_found(records)), {})


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
