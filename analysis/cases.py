"""Cases: persons with flagged applications, and the summaries analysts read (per province, per flow, per year)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import labels, privacy, provinces
from ._fast.arrow import as_str, fixed_width, offsets
from ._fast.digits import leading_numbers
from ._fast.sets import unique_sorted
from .contract import PERSON_FLAGS

CASE_DIGITS = 6  # C000001


def case_number_text(numbers: np.ndarray) -> pa.Array:
    """Case numbers 1, 2, ... as case ids C000001, C000002, ...; null where the number is 0 or less."""
    number = pa.array(numbers, type=pa.int64(), mask=numbers <= 0).cast(pa.string())
    return pc.binary_join_element_wise("C", pc.utf8_lpad(number, CASE_DIGITS, "0"), "")


class CaseNumbers:
    """Case numbers in person-key order (code-point order of the keys). The 18-character numbers come first and
    are ordered by the integer of their first 17 digits (as their text orders them: the check character follows
    from those digits), the other keys (`<id_type>:<number>`, led by a letter) after them, as text. A key's
    number is its place among the keys given, from 1; one numbering serves every part of a larger input (the
    Dask engine's)."""

    def __init__(self, keys: pd.Series | pa.Array | pa.ChunkedArray):
        arr = self._arrow(keys)
        numbered, bodies = self._bodies(arr)
        self.bodies = unique_sorted(bodies)
        others = pc.unique(arr.filter(pa.array(~numbered & arr.is_valid().to_numpy(zero_copy_only=False))))
        others = others.cast(pa.large_string())
        self.others = pc.take(others, pc.array_sort_indices(others))

    def __len__(self) -> int:
        return len(self.bodies) + len(self.others)

    @classmethod
    def on_threads(cls, keys: pd.Series, threads: int) -> CaseNumbers:
        """CaseNumbers(keys), a share of the keys numbered on each of `threads` threads and the shares merged
        (Arrow and numpy release the GIL): 1.2M flags' keys in 65 ms on two threads instead of 110-200 ms on one,
        while the other core would wait."""
        bounds = np.linspace(0, len(keys), max(1, threads) + 1).astype(np.int64)
        shares = [keys.iloc[bounds[i] : bounds[i + 1]] for i in range(len(bounds) - 1)]
        if len(shares) == 1:
            return cls(keys)
        with ThreadPoolExecutor(max_workers=len(shares)) as pool:
            return cls.merged(list(pool.map(cls, shares)))

    @classmethod
    def merged(cls, parts: list[CaseNumbers]) -> CaseNumbers:
        """The numbering of the keys of every part together: the same as CaseNumbers of all their keys at once
        (the Dask engine numbers each part's keys on its own worker and merges the few distinct ones)."""
        out = cls.__new__(cls)
        out.bodies = unique_sorted(np.concatenate([np.zeros(0, np.int64), *[part.bodies for part in parts]]))
        others = pc.unique(pa.chunked_array([part.others for part in parts], pa.large_string()))
        out.others = pc.take(others, pc.array_sort_indices(others))
        return out

    @staticmethod
    def _arrow(keys: pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array:
        arr = keys if isinstance(keys, pa.Array | pa.ChunkedArray) else pa.array(keys.astype("str").array)
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        return arr.cast(pa.large_string())

    @staticmethod
    def _bodies(keys: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """(per key: 18 characters whose first 17 are digits; the integers of those 17 digits), read from the
        bytes (Arrow's slice, decimal check and cast of every key took half as long again)."""
        eighteen = np.flatnonzero((np.diff(offsets(keys)) == 18) & keys.is_valid().to_numpy(zero_copy_only=False))
        digits, number = leading_numbers(fixed_width(keys, eighteen, 18))
        numbered = np.zeros(len(keys), dtype=bool)
        numbered[eighteen[digits]] = True
        return numbered, number[digits]

    def numbers(self, keys: pd.Series | pa.Array) -> np.ndarray:
        """Each key's case number, 0 where the key is missing."""
        arr = self._arrow(keys)
        numbered, body = self._bodies(arr)
        out = np.zeros(len(arr), dtype=np.int64)
        if numbered.any():
            order = np.argsort(body)  # (a binary search is several times faster on sorted queries: the cache)
            place = np.empty(len(body), dtype=np.int64)
            place[order] = np.searchsorted(self.bodies, body[order])
            out[numbered] = place + 1
        other = ~numbered & arr.is_valid().to_numpy(zero_copy_only=False)
        if other.any():
            given = arr.filter(pa.array(other))
            place = pc.index_in(given, value_set=self.others).to_numpy(zero_copy_only=False)
            out[other] = len(self.bodies) + place + 1
        return out


def case_ids(flags: pd.DataFrame, numbering: CaseNumbers | None = None) -> pd.Series:
    """A stable pseudonymous case number per person key (C000001, … in person-key order), NA without a key;
    `numbering`: the cases of a larger input (default: those of these flags)."""
    keys = flags["person_key"]
    numbers = (CaseNumbers(keys) if numbering is None else numbering).numbers(keys)
    return pd.Series(as_str(case_number_text(numbers)), index=flags.index)


def applications_of_cases(records: pd.DataFrame, flags: pd.DataFrame, flag: str | None = None) -> pd.DataFrame:
    """The applications of the persons with a `flag`, with their person-level flags: the usable ones for one
    flag (their timelines), every one for None (every case: a person with any flagged application)."""
    wanted = flags[flags["flag"] == flag] if flag else flags
    keys = wanted["person_key"].dropna().unique()
    chosen = records["person_key"].isin(keys)
    if flag:
        chosen &= records["record_problem"].isna() & records["id_problem"].isna()
    apps = records.loc[
        chosen,
        ["row", "application_id", "person_key", "id_type", "name", "province_code", "applied_on", "cancelled_on"],
    ]
    person_flags = flags[flags["flag"].isin(PERSON_FLAGS)]
    joined = person_flags.groupby("row").agg(flags=("flag", "first"), conflicts_with=("conflicts_with", "first"))
    apps = apps.join(joined, on="row")
    apps["province"] = apps["province_code"].map(provinces.SHORT_NAME).fillna("—")
    return apps.sort_values(["person_key", "applied_on", "application_id"]).reset_index(drop=True)


def case_table(records: pd.DataFrame, flags: pd.DataFrame, flag: str | None = None) -> pd.DataFrame:
    """One row per case: applications, provinces in order, first and last application, flagged count."""
    apps = applications_of_cases(records, flags, flag)
    if apps.empty:
        return pd.DataFrame(
            {
                "case_id": pd.Series(dtype="str"),
                "person_key": pd.Series(dtype="str"),
                "id_type": pd.Series(dtype="str"),
                "applications": pd.Series(dtype="int64"),
                "flagged": pd.Series(dtype="int64"),
                "provinces": pd.Series(dtype="str"),
                "first_applied": pd.Series(dtype="datetime64[s]"),
                "last_applied": pd.Series(dtype="datetime64[s]"),
                "live_cards": pd.Series(dtype="int64"),
            }
        )
    ids = case_ids(flags)
    lookup = dict(zip(flags["person_key"], ids, strict=True))
    wanted = flags[flags["flag"] == flag] if flag else flags
    live = live_at_export(apps, records)
    grouped = apps.assign(live=live, flagged=apps["row"].isin(wanted["row"])).groupby("person_key", sort=True)
    table = grouped.agg(
        id_type=("id_type", "first"),
        applications=("application_id", "size"),
        flagged=("flagged", "sum"),
        provinces=("province", lambda s: " → ".join(s.astype(str))),
        first_applied=("applied_on", "min"),
        last_applied=("applied_on", "max"),
        live_cards=("live", "sum"),
    ).reset_index()
    table.insert(0, "case_id", table["person_key"].map(lookup))
    return table.sort_values(["last_applied", "case_id"], ascending=[False, True]).reset_index(drop=True)


def masked_cases(table: pd.DataFrame, limit: int = 15) -> pd.DataFrame:
    """The case table as a notebook shows it: person keys masked, dates as text, Chinese-first headers."""
    shown = privacy.mask_frame(table.head(limit))
    shown["id_type"] = shown["id_type"].map(labels.id_type_label)
    for column in ["first_applied", "last_applied"]:
        shown[column] = shown[column].dt.strftime("%Y-%m-%d").fillna("")
    return labels.with_labels(shown.set_index("case_id"))


def overview(flags: pd.DataFrame, flag: str, rows_read: int) -> pd.DataFrame:
    """Flagged applications, cases (persons) and their share of all rows, for one flag."""
    chosen = flags[flags["flag"] == flag]
    rows = [
        ("读取的申请 applications read", rows_read),
        (f"{labels.FLAG_ZH[flag]}的申请 applications flagged {flag}", len(chosen)),
        ("案件（人） cases (persons)", int(chosen["person_key"].nunique())),
    ]
    table = pd.DataFrame(rows, columns=["", "count"]).set_index("")
    table["share"] = (table["count"] / max(rows_read, 1)).map("{:.2%}".format)
    table.iloc[0, 1] = ""
    return table.rename(columns={"count": "数量 count", "share": "占申请的比例 share of applications"})


def by_province(flags: pd.DataFrame, flag: str) -> pd.DataFrame:
    """Per province of the flagged application: flagged applications and cases, most first."""
    chosen = flags[flags["flag"] == flag]
    table = chosen.groupby("province_code").agg(
        applications=("application_id", "size"), cases=("person_key", "nunique")
    )
    table.insert(0, "province", table.index.map(provinces.SHORT_NAME))
    table.index.name = "code"
    return table.sort_values(["cases", "applications"], ascending=False)


def by_year(records: pd.DataFrame, flags: pd.DataFrame, flag: str) -> pd.DataFrame:
    """Flagged applications per year of application, next to all usable applications of that year."""
    usable = records[records["record_problem"].isna() & records["id_problem"].isna()]
    years = usable["applied_on"].dt.year.value_counts().rename("applications")
    flagged_rows = flags.loc[flags["flag"] == flag, "row"]
    flagged = records.loc[records["row"].isin(flagged_rows), "applied_on"].dt.year.value_counts().rename("flagged")
    table = pd.concat([years, flagged], axis=1).fillna(0).astype("int64").sort_index()
    table.index = table.index.astype("int64")
    table.index.name = "year"
    table["per 1,000"] = (1000 * table["flagged"] / table["applications"].where(table["applications"] > 0)).round(1)
    return table


def origin_destination(records: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Cross-province conflicts counted by origin (the live card's province) × destination (the new application)."""
    cross = flags[flags["flag"] == "cross_province_conflict"]
    origin = cross["conflicts_with"].map(
        records.drop_duplicates("application_id").set_index("application_id")["province_code"]
    )
    pairs = pd.DataFrame({"origin": origin.to_numpy(), "destination": cross["province_code"].to_numpy()})
    matrix = pd.crosstab(pairs["origin"], pairs["destination"])
    matrix.index = matrix.index.map(provinces.SHORT_NAME)
    matrix.columns = matrix.columns.map(provinces.SHORT_NAME)
    matrix.index.name, matrix.columns.name = "来源省份 origin", "申领省份 destination"
    return matrix


def top_flows(matrix: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """The largest origin → destination flows of an origin × destination matrix."""
    flows = matrix.stack().rename("conflicts").reset_index()
    flows.columns = ["origin", "destination", "conflicts"]
    flows = flows[flows["conflicts"] > 0].sort_values(
        ["conflicts", "origin", "destination"], ascending=[False, True, True]
    )
    flows = flows.head(limit).reset_index(drop=True)
    flows.index = pd.RangeIndex(1, len(flows) + 1, name="排名 rank")
    return labels.with_labels(flows)


def example_timelines(records: pd.DataFrame, flags: pd.DataFrame, flag: str, persons: int = 6) -> pd.DataFrame:
    """Applications of a few cases with the most applications (then case number), masked, for a timeline chart."""
    apps = applications_of_cases(records, flags, flag)
    if apps.empty:
        return apps
    ids = dict(zip(flags["person_key"], case_ids(flags), strict=True))
    apps["case_id"] = apps["person_key"].map(ids)
    sizes = (
        apps.groupby("case_id").size().rename("n").reset_index().sort_values(["n", "case_id"], ascending=[False, True])
    )
    chosen = sizes["case_id"].head(persons)
    out = apps[apps["case_id"].isin(chosen)].copy()
    out["person"] = out["case_id"] + " " + privacy.mask_ids(out["person_key"])
    return out.drop(columns=["person_key", "name"]).reset_index(drop=True)


def live_at_export(apps: pd.DataFrame, records: pd.DataFrame) -> pd.Series:
    """Whether each application's card is live at the export's date (a later cancellation is scheduled)."""
    return apps["cancelled_on"].isna() | (apps["cancelled_on"] > export_date(records))


def card_status(live: pd.Series) -> np.ndarray:
    """'有效 live' or '已注销 cancelled' for each card, as the workbook's sheets show it."""
    return np.where(live, "有效 live", "已注销 cancelled")


def export_date(records: pd.DataFrame) -> pd.Timestamp:
    """The date of the export: its latest application. A card cancelled later is live at it (a scheduled
    cancellation); live cards end here in charts."""
    return records["applied_on"].max()


def headline(records: pd.DataFrame, flags: pd.DataFrame, flag: str) -> pd.DataFrame:
    """The few figures that matter for one flag: cases, applications, still live, where and when most."""
    table = case_table(records, flags, flag)
    where = by_province(flags, flag)
    when = by_year(records, flags, flag)
    rows = [
        ("案件（人） cases (persons)", f"{len(table):,}"),
        ("有问题的申请 flagged applications", f"{int((flags['flag'] == flag).sum()):,}"),
        (
            "导出日仍持两张及以上有效卡的案件 cases with two or more cards live now",
            f"{int((table['live_cards'] >= 2).sum()):,}",
        ),
        (
            "案件最多的省份 province with most cases",
            f"{where['province'].iloc[0]} ({int(where['cases'].iloc[0]):,})" if len(where) else "—",
        ),
        (
            "问题申请最多的年份 year with most flagged applications",
            f"{when['flagged'].idxmax()} ({int(when['flagged'].max()):,})" if when["flagged"].any() else "—",
        ),
    ]
    return pd.DataFrame(rows, columns=["", "数值 value"]).set_index("")
