"""Which usable applications overlap an earlier live one of the same person: the search behind the overlap
rules (rules.overlap_flags), and the groups of persons it runs on, one group or several at a time.

No self-join and no per-person loop: one sort finds the persons with several usable applications, their
applications are put in order, and a binary search per application finds the earliest one still live.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._fast.arrow import take
from ._fast.sets import maybe_repeated
from ._fast.sorting import argsort_stable
from .ids import person_keys


def _province_numbers(codes: pd.Series, at: np.ndarray) -> np.ndarray:
    """The province codes of the rows at positions `at` as int64 (-1 for missing), from text or from the flag
    command's categorical (whose codes are taken first: no column of all rows' numbers, 800 MB at 100M)."""
    if isinstance(codes.dtype, pd.CategoricalDtype):
        numbers = np.append(codes.cat.categories.astype("int64").to_numpy(), -1)
        return numbers[codes.cat.codes.to_numpy()[at]]
    return _as_int(codes)[at]  # parsing all 2-digit codes beats taking text first


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


GROUP_ROWS = 20_000_000  # above this many rows the overlap rules run on persons in groups of about this many rows
THREADS = 2  # flag_applications: person groups checked, flag columns ordered, two at once (GIL released)
THREAD_ROWS = 1_000_000  # below this many rows one thread checks all persons at once: threads would cost more


def person_groups(records: pd.DataFrame, threads: int = 1) -> int:
    """How many groups of persons the overlap rules take: every person's applications are in one group (a hash
    of the person number, person_group), so each group is checked alone, in a fraction of the memory of all
    rows at once; the flags are the same. With `threads`, `threads` groups at a time, each half as large: the
    memory of one group stays that of one thread, and smaller groups are quicker per row (their sorts and
    look-ups stay in the cache): at 10M rows, four groups on two threads take 2 s where one group takes 5 s."""
    groups = max(1, -(-len(records) // GROUP_ROWS))
    if threads > 1 and len(records) >= THREAD_ROWS:
        groups = threads * max(2, groups)
    return groups


_SPREAD = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing's multiplier: nearby numbers land far apart


def person_group(person: np.ndarray, count: int) -> np.ndarray:
    """The group (0 to count-1) of each person number: the top bits of a multiplicative hash scaled to `count`
    (Lemire's reduction). Even, and no division: a modulo of ten million numbers cost a fifth of a second."""
    with np.errstate(over="ignore"):
        top = (person.astype(np.uint64) * _SPREAD) >> np.uint64(32)
        return ((top * np.uint64(count)) >> np.uint64(32)).astype(np.uint16)


def groups_of_rows(records: pd.DataFrame, count: int) -> np.ndarray | None:
    """person_group of every row (uint16, computed in pieces: no 100M-row temporary), for frames with person_id."""
    if count == 1 or "person_id" not in records.columns:
        return None
    pid = records["person_id"].to_numpy()
    out = np.empty(len(pid), dtype=np.uint16)
    for at in range(0, len(pid), 1 << 22):
        out[at : at + (1 << 22)] = person_group(pid[at : at + (1 << 22)], count)
    return out


def _persons_with_several(
    records: pd.DataFrame, group: tuple[int, int] = (0, 1), row_groups: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(record positions of the usable applications of persons with two or more of them, grouped by person;
    each one's person as a dense rank 0, 1, ...). Only they can overlap, and one sort finds them.
    `group` (g, count): only the persons of group g (person_group); `row_groups`: groups_of_rows, when known."""
    ok = (records["record_problem"].isna() & records["id_problem"].isna()).to_numpy(copy=True)
    g, count = group
    if "person_id" in records.columns:  # the group is chosen before positions are listed: a 100M-row file
        # would otherwise list all its rows (800 MB) to keep a fifth of them
        if count > 1:
            ok &= (groups_of_rows(records, count) if row_groups is None else row_groups) == g
        usable = np.flatnonzero(ok)
        person = records["person_id"].to_numpy()[usable]
    else:
        usable = np.flatnonzero(ok)
        # The first 17 characters determine the check character, so they identify the person as an integer.
        person = _as_int(person_keys(records, usable), 17)
        if count > 1:
            mine = person_group(person, count) == g
            usable, person = usable[mine], person[mine]
    del ok
    # only values that may repeat are sorted exactly: about a third of the rows of a typical export
    maybe = maybe_repeated(person)
    usable, person = usable[maybe], person[maybe]
    del maybe
    if len(usable) < 2:
        return usable[:0], usable[:0]
    by_person, person_sorted = argsort_stable(person)
    del person
    first = np.r_[True, person_sorted[1:] != person_sorted[:-1]]
    del person_sorted
    size = np.diff(np.r_[np.flatnonzero(first), len(first)])
    several = np.repeat(size > 1, size)  # per sorted row: its person has more than one application
    return usable[by_person[several]], np.cumsum(first[several]) - 1


def _application_order(records: pd.DataFrame, at: np.ndarray, day_key: np.ndarray) -> np.ndarray:
    """Positions (into `at`) in application order: by person and day (`day_key`), then application_id.
    Only same-day applications of one person need their application_ids compared as text."""
    by_order, sorted_key = argsort_stable(day_key)
    same_day = sorted_key[1:] == sorted_key[:-1]
    if same_day.any():
        tie = np.zeros(len(at), dtype=bool)
        tie[1:] = same_day
        tie[:-1] |= same_day
        runs = np.flatnonzero(tie)  # runs of equal keys: put each run in application_id order
        rank = _text_rank(take(records["application_id"], at[by_order[runs]]))
        by_order[runs] = by_order[runs][np.lexsort((rank, sorted_key[runs]))]
    return by_order


class _LiveCards:
    """Per (person, province) pair, in application order: which application is still live at a given day.

    Within a pair in application order, the running maximum of cancelled_on is non-decreasing, so the first
    earlier application still live at day t is found by binary search for the first running maximum above t.
    Pair bases grow faster than any day, so one running maximum over all rows is per pair.
    """

    def __init__(
        self, pair_codes: np.ndarray, by_pair: np.ndarray, cancelled_rel: np.ndarray, order: np.ndarray, span: int
    ):
        self.span, self.none = span, len(order)
        self.pair_sorted = pair_codes[by_pair]
        self.keys = np.maximum.accumulate(self.pair_sorted * span + cancelled_rel[by_pair])
        self.order_sorted = order[by_pair]

    def earliest(self, pair: np.ndarray, day: np.ndarray, presorted: bool = False) -> np.ndarray:
        """Order position of the first application of `pair` live after `day`, or len(order) (none)."""
        query = pair.astype(np.int64) * self.span + day
        if presorted:  # binary search is several times faster on sorted queries (cache)
            pos = np.searchsorted(self.keys, query, side="right")
        else:
            sort = np.argsort(query, kind="stable")
            pos = np.empty(len(query), dtype=np.int64)
            pos[sort] = np.searchsorted(self.keys, query[sort], side="right")
        found = pos < self.none
        found[found] &= self.pair_sorted[pos[found]] == pair[found]
        result = np.full(len(pair), self.none, dtype=np.int64)
        result[found] = self.order_sorted[pos[found]]
        return result


def find_overlaps(
    records: pd.DataFrame, group: tuple[int, int] = (0, 1), row_groups: np.ndarray | None = None
) -> pd.DataFrame:
    """The usable rows that overlap an earlier live application of the same person (of the persons of `group`,
    see _persons_with_several).

    Returns, indexed by those rows' index labels, `same_at` and `other_at`: the index labels of the
    earliest earlier application live at this one in the same / in another province (-1 for none).
    No self-join and no per-person loop: persons with several applications, their application order,
    then a binary search per application in the same and in each other province of that person.
    """
    at, person_rank = _persons_with_several(records, group, row_groups)
    n = len(at)
    if n == 0:
        return pd.DataFrame({"same_at": [], "other_at": []}, dtype=np.int64)

    province = _province_numbers(records["province_code"], at)
    applied = _days(records["applied_on"].iloc[at])
    cancelled = records["cancelled_on"].iloc[at]
    lo = int(applied.min())
    hi = int(max(applied.max(), _days(cancelled.dropna()).max() if cancelled.notna().any() else lo))
    span = hi - lo + 2
    never = span - 1  # "live for ever" sorts above every real date
    cancelled_rel = np.where(cancelled.isna().to_numpy(), never, _days(cancelled.fillna(pd.Timestamp(0))) - lo)
    applied_rel = applied - lo

    by_order = _application_order(records, at, person_rank * span + applied_rel)
    order = np.empty(n, dtype=np.int64)
    order[by_order] = np.arange(n)
    persons = int(person_rank[-1]) + 1

    # (person, province) pairs as dense codes. Rows in application order stay grouped by person: a stable
    # sort by pair is nearly free.
    pair_key = person_rank * 100 + province
    by_pair = by_order[np.argsort(pair_key[by_order], kind="stable")]
    pair_key_sorted = pair_key[by_pair]
    starts = np.flatnonzero(np.r_[True, pair_key_sorted[1:] != pair_key_sorted[:-1]])
    pair_sorted = np.cumsum(np.r_[False, pair_key_sorted[1:] != pair_key_sorted[:-1]])
    pair_codes = np.empty(n, dtype=np.int64)
    pair_codes[by_pair] = pair_sorted
    pair_values = pair_key_sorted[starts]
    live = _LiveCards(pair_codes, by_pair, cancelled_rel, order, span)

    same = np.empty(n, dtype=np.int64)
    same[by_pair] = live.earliest(pair_sorted, applied_rel[by_pair], presorted=True)
    same = np.where(same < order, same, n)

    # Other provinces: one probe per (application, other province of the same person).
    pair_person = pair_values // 100  # pairs are sorted by person rank, then province
    first_pair = np.searchsorted(pair_person, np.arange(persons))
    pair_count = (np.r_[first_pair[1:], len(pair_values)] - first_pair)[person_rank]
    first_pair = first_pair[person_rank]
    multi = np.flatnonzero(pair_count > 1)
    other = np.full(n, n, dtype=np.int64)
    if len(multi):
        probing = np.repeat(multi, pair_count[multi])
        step = np.arange(len(probing)) - np.repeat(np.cumsum(pair_count[multi]) - pair_count[multi], pair_count[multi])
        probe_pair = first_pair[probing] + step
        keep = probe_pair != pair_codes[probing]
        probing, probe_pair = probing[keep], probe_pair[keep]
        hit = live.earliest(probe_pair, applied_rel[probing])
        hit = np.where(hit < order[probing], hit, n)
        np.minimum.at(other, probing, hit)

    hit = np.flatnonzero((same < n) | (other < n))
    # (the index's own take: a RangeIndex computes the labels asked for, not ten million per person group)
    labels = np.append(records.index[at[by_order]].to_numpy(), -1)
    return pd.DataFrame({"same_at": labels[same[hit]], "other_at": labels[other[hit]]}, index=records.index[at[hit]])
