"""The flags of domain-rules.md, vectorized: row-level checks and the person-level overlap rules.

Every rule is a property of one person's applications, so the same functions run on a whole
frame or per partition after records are partitioned by person key (see distributed use).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import frames, provinces
from .frames import as_str

FLAGS = [
    "invalid_record",
    "invalid_id",
    "duplicate_card",
    "cross_province_conflict",
    "incomplete_documents",
]
ROW_COLUMNS = ["application_id", "person_key", "province_code", "row"]  # what a flag repeats of its row
FLAG_COLUMNS = ["application_id", "flag", "person_key", "province_code", "conflicts_with", "detail", "row"]


def document_problems(records: pd.DataFrame) -> pd.Series:
    """Why a row's documents are incomplete ('; '-joined reasons), NA where they are complete."""
    no_copy = ~records["id_copy"].to_numpy(dtype=bool)
    no_register = ~records["has_second_gen_id"].to_numpy(dtype=bool) & ~records["household_register_copy"].to_numpy(dtype=bool)
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
            "special": np.where(no_special[hit], "no special documents for category '" + category[hit].fillna("") + "'", ""),
        }
    ).astype("str")
    text = (parts["copy"] + "; " + parts["register"] + "; " + parts["special"]).str.replace(
        r"^(; )+|(; )+$", "", regex=True).str.replace(r"(; ){2,}", "; ", regex=True)
    note = records["document_note"][hit]
    text = text.where(note.isna().to_numpy(), text + " (" + note.fillna("").to_numpy() + ")")
    reasons[hit] = text.to_numpy()
    return reasons


def _row_flags(records: pd.DataFrame, check_documents: bool) -> list[pd.DataFrame]:
    out = []
    for flag, reason in [("invalid_record", records["record_problem"]), ("invalid_id", records["id_problem"])]:
        at = frames.mask_positions(reason.notna())
        out.append(frames.rows(records, at, ROW_COLUMNS).assign(flag=flag, detail=frames.take(reason, at).array))
    if check_documents:
        docs = document_problems(records)
        at = frames.mask_positions(docs.notna())
        out.append(frames.rows(records, at, ROW_COLUMNS).assign(flag="incomplete_documents",
                                                                detail=docs.iloc[at].array))
    return out


def _days(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype="datetime64[D]").astype(np.int64)


def _as_int(values: pd.Series, width: int | None = None) -> np.ndarray:
    """Digit strings (their first `width` characters) as int64 (-1 for missing), through Arrow: no Python per row."""
    arr = pa.array(values.to_numpy(dtype=object) if values.dtype != "str" else values.array)
    if width is not None:
        arr = pc.utf8_slice_codeunits(arr, 0, width)
    number = pc.fill_null(pc.cast(arr, pa.int64()), -1)
    return number.to_numpy() if isinstance(number, pa.ChunkedArray) else number.to_numpy(zero_copy_only=False)


def _text_rank(values: pd.Series) -> np.ndarray:
    """Rank of each text in code-point order (ties broken by position), computed by Arrow."""
    arr = pa.array(values.to_numpy(dtype=object) if values.dtype != "str" else values.array)
    return pc.rank(arr, sort_keys="ascending", tiebreaker="first").to_numpy(zero_copy_only=False)


SMALL_SORT = 1 << 16  # below this many keys numpy's own argsort is as fast


def argsort_stable(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(np.argsort(key, kind="stable"), the sorted keys) for non-negative int64 keys, several times faster
    than numpy's argsort on large arrays.

    numpy sorts plain values far faster than it argsorts them, so: sort the top bits of each key packed
    with its row number (values only), which leaves the rows nearly in order, then finish with a stable
    argsort of the nearly sorted keys (timsort, fast on long runs). Equal keys keep their row order.
    """
    n = len(key)
    if n < SMALL_SORT:
        order = np.argsort(key, kind="stable")
        return order, key[order]
    index_bits = (n - 1).bit_length()
    shift = max(0, int(key.max()).bit_length() - (63 - index_bits))
    packed = np.sort(((key >> shift) << index_bits) | np.arange(n, dtype=np.int64))
    rows = packed & ((1 << index_bits) - 1)
    del packed
    nearly = key[rows]
    finish = np.argsort(nearly, kind="stable")
    return rows[finish], nearly[finish]


def find_overlaps(records: pd.DataFrame) -> pd.DataFrame:
    """The usable rows that overlap an earlier live application of the same person.

    Returns, indexed by those rows' index labels, `same_at` and `other_at`: the index labels of the
    earliest earlier application live at this one in the same / in another province (-1 for none).

    Method (no self-join, no per-person loop): only persons with two or more usable applications can
    overlap, and one sort of the person keys finds them (most persons apply once). Within (person,
    province) in application order, the running maximum of cancelled_on is non-decreasing, so the
    first earlier application still live at date t is found by binary search for the first running
    maximum above t.
    """
    none = pd.DataFrame({"same_at": [], "other_at": []}, dtype=np.int64)
    usable = np.flatnonzero((records["record_problem"].isna() & records["id_problem"].isna()).to_numpy())
    if len(usable) < 2:
        return none
    # The first 17 characters determine the check character, so they identify the person as an integer.
    if "person_id" in records.columns:
        person = records["person_id"].to_numpy()[usable]
    else:
        person = _as_int(frames.take(records["person_key"], usable), 17)
    by_person, person_sorted = argsort_stable(person)
    del person
    first = np.r_[True, person_sorted[1:] != person_sorted[:-1]]
    del person_sorted
    size = np.diff(np.r_[np.flatnonzero(first), len(first)])
    repeated = np.repeat(size > 1, size)  # per sorted row: its person has more than one application
    at = usable[by_person[repeated]]  # record positions, grouped by person
    person_rank = np.cumsum(first[repeated]) - 1
    del by_person, first, repeated, usable
    n = len(at)
    if n == 0:
        return none

    province = _as_int(records["province_code"])[at]  # parsing all 2-digit codes beats taking text first
    applied = _days(records["applied_on"].iloc[at])
    cancelled = records["cancelled_on"].iloc[at]
    lo = int(applied.min())
    hi = int(max(applied.max(), _days(cancelled.dropna()).max() if cancelled.notna().any() else lo))
    span = hi - lo + 2
    never = span - 1  # "live for ever" sorts above every real date
    cancelled_rel = np.where(cancelled.isna().to_numpy(), never, _days(cancelled.fillna(pd.Timestamp(0))) - lo)
    applied_rel = applied - lo

    # Application order: (person, applied_on, application_id), as one integer sort key per row.
    # Only same-day applications of one person need their application_ids compared as text.
    day_key = person_rank * span + applied_rel
    by_order, sorted_key = argsort_stable(day_key)
    same_day = sorted_key[1:] == sorted_key[:-1]
    if same_day.any():
        tie = np.zeros(n, dtype=bool)
        tie[1:] = same_day
        tie[:-1] |= same_day
        runs = np.flatnonzero(tie)  # runs of equal keys: put each run in application_id order
        rank = _text_rank(frames.take(records["application_id"], at[by_order[runs]]))
        by_order[runs] = by_order[runs][np.lexsort((rank, sorted_key[runs]))]
    order = np.empty(n, dtype=np.int64)
    order[by_order] = np.arange(n)
    persons = int(person_rank[-1]) + 1

    # (person, province) pairs as dense codes; rows sorted by (pair, order).
    pair_key = person_rank * 100 + province
    # Rows in application order stay grouped by person: a stable sort by pair is nearly free.
    by_pair = by_order[np.argsort(pair_key[by_order], kind="stable")]
    pair_key_sorted = pair_key[by_pair]
    starts = np.flatnonzero(np.r_[True, pair_key_sorted[1:] != pair_key_sorted[:-1]])
    pair_sorted = np.cumsum(np.r_[False, pair_key_sorted[1:] != pair_key_sorted[:-1]])
    pair_codes = np.empty(n, dtype=np.int64)
    pair_codes[by_pair] = pair_sorted
    pair_values = pair_key_sorted[starts]
    # Group bases grow faster than any date, so one running maximum over all rows is per-pair.
    keys = np.maximum.accumulate(pair_sorted * span + cancelled_rel[by_pair])
    order_sorted = order[by_pair]

    def earliest_live(pair: np.ndarray, at: np.ndarray, presorted: bool = False) -> np.ndarray:
        """Order position of the first application in `pair` live after day `at`, or n (none)."""
        query = pair.astype(np.int64) * span + at
        if presorted:  # binary search is several times faster on sorted queries (cache)
            pos = np.searchsorted(keys, query, side="right")
        else:
            sort = np.argsort(query, kind="stable")
            pos = np.empty(len(query), dtype=np.int64)
            pos[sort] = np.searchsorted(keys, query[sort], side="right")
        found = pos < n
        found[found] &= pair_sorted[pos[found]] == pair[found]
        result = np.full(len(pair), n, dtype=np.int64)
        result[found] = order_sorted[pos[found]]
        return result

    same = np.empty(n, dtype=np.int64)
    same[by_pair] = earliest_live(pair_sorted, applied_rel[by_pair], presorted=True)
    same = np.where(same < order, same, n)

    # Other provinces: one probe per (application, other province of the same person).
    pair_person = pair_values // 100  # pairs are sorted by person rank, then province
    first_pair = np.searchsorted(pair_person, np.arange(persons))
    pair_count = (np.r_[first_pair[1:], len(pair_values)] - first_pair)[person_rank]
    first_pair = first_pair[person_rank]
    multi = np.flatnonzero(pair_count > 1)
    other = np.full(n, n, dtype=np.int64)
    if len(multi):
        rows = np.repeat(multi, pair_count[multi])
        offsets = np.arange(len(rows)) - np.repeat(np.cumsum(pair_count[multi]) - pair_count[multi], pair_count[multi])
        probe_pair = first_pair[rows] + offsets
        keep = probe_pair != pair_codes[rows]
        rows, probe_pair = rows[keep], probe_pair[keep]
        hit = earliest_live(probe_pair, applied_rel[rows])
        hit = np.where(hit < order[rows], hit, n)
        np.minimum.at(other, rows, hit)

    hit = np.flatnonzero((same < n) | (other < n))
    labels = np.append(records.index.to_numpy()[at[by_order]], -1)
    return pd.DataFrame({"same_at": labels[same[hit]], "other_at": labels[other[hit]]}, index=records.index[at[hit]])


_SHORT_NAMES = pa.array([provinces.SHORT_NAME.get(f"{c:02d}", "") for c in range(100)], pa.large_string())


def _day_text(values: pd.Series) -> pa.Array:
    """Dates as YYYY-MM-DD text (null for none), by numpy: Arrow's strftime is several times slower."""
    days = values.to_numpy(dtype="datetime64[D]")
    missing = np.isnat(days)
    return pa.array(np.datetime_as_string(days, unit="D").astype(object), pa.large_string(), mask=missing)


def _live_detail(earlier: pd.DataFrame) -> pa.Array:
    """'card application A of 2020-01-01 in 广东 44 is still live (cancelled 2021-01-01 | never cancelled)',
    built by Arrow (no Python string per row)."""
    text = lambda value: pa.scalar(value, pa.large_string())  # noqa: E731
    app = pa.array(earlier["application_id"].astype("str").array).cast(pa.large_string())
    code = pa.array(earlier["province_code"].astype("str").array).cast(pa.large_string())
    name = pc.take(_SHORT_NAMES, pc.fill_null(pc.cast(code, pa.int64()), 0))
    applied = _day_text(earlier["applied_on"])
    until = pc.fill_null(pc.binary_join_element_wise(text("cancelled "), _day_text(earlier["cancelled_on"]), text("")),
                         text("never cancelled"))
    parts = [text("card application "), app, text(" of "), applied, text(" in "), name,
             text(" "), pc.fill_null(code, text("")), text(" is still live ("), until, text(")")]
    return pc.binary_join_element_wise(*parts, text(""))


def _overlap_flags(records: pd.DataFrame) -> list[pd.DataFrame]:
    overlaps = find_overlaps(records)
    out = []
    cross = overlaps["other_at"] >= 0
    dup = ~cross & (overlaps["same_at"] >= 0)
    for flag, mask, column in [
        ("cross_province_conflict", cross, "other_at"),
        ("duplicate_card", dup, "same_at"),
    ]:
        at = overlaps.loc[mask, column].to_numpy()
        rows = frames.rows(records, records.index.get_indexer(mask[mask].index), ROW_COLUMNS)
        earlier = frames.rows(records, records.index.get_indexer(at),
                              ["application_id", "province_code", "applied_on", "cancelled_on"])
        detail = _live_detail(earlier)
        out.append(
            rows.assign(flag=flag, conflicts_with=earlier["application_id"].array, detail=as_str(detail))
        )
    return out


def flag_applications(records: pd.DataFrame, check_documents: bool = True) -> pd.DataFrame:
    """All flags, one row per (application, flag), ordered by input row then flag."""
    parts = _row_flags(records, check_documents) + _overlap_flags(records)
    flags = pd.concat([p for p in parts if len(p)] or [pd.DataFrame(columns=FLAG_COLUMNS)], ignore_index=True)
    for column in FLAG_COLUMNS:
        if column not in flags.columns:
            flags[column] = pd.NA
    rank = pd.Categorical(flags["flag"], categories=FLAGS).codes
    flags = flags.iloc[np.lexsort((rank, flags["row"].to_numpy(dtype=np.int64)))].reset_index(drop=True)
    flags["flag"] = flags["flag"].astype("str")
    flags["row"] = flags["row"].astype("int64")
    return flags[FLAG_COLUMNS]


def flag_counts(flags: pd.DataFrame) -> dict[str, int]:
    """Number of flagged applications per flag, every flag listed."""
    counts = flags["flag"].value_counts()
    return {flag: int(counts.get(flag, 0)) for flag in FLAGS}


def cases(flags: pd.DataFrame) -> pd.Index:
    """Person keys with at least one flagged application (a row without a valid key is no case)."""
    return pd.Index(flags["person_key"].dropna().unique(), name="person_key")
