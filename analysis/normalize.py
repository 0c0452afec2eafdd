"""A raw frame with contract headers to the normalized frame: values in the contract's forms, ID numbers
checked, and per row what makes it unusable. Normalizing looks at one row at a time; what needs the whole
file (application ids used by several rows) is added afterwards by `mark_shared_ids`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import id_types, provinces
from ._fast.arrow import arrow_of, first_present, null_text, placed, replaced, take
from ._fast.hashing import duplicated_mask
from .contract import BOOLEAN_COLUMNS, FileFacts
from .ids import assign_other_ids, validate_ids
from .values import as_text, id_text, parse_dates, read_booleans, text_count

UNKNOWN_PROVINCE = (
    " is not a known province (not a province code, name, abbreviation, or a city/county of one province)"
)


class RowProblems:
    """Messages noted per row ('; '-joined in the order noted). Masks are kept and the text is built
    at the end for the rows that have any, so a clean million-row file builds no strings at all.

    A message is a string, or a function of the index labels of the masked rows returning one message
    per row (row-specific messages are only built for the few rows that need them).
    """

    def __init__(self, index: pd.Index):
        self.index = index
        self.notes: list[tuple[np.ndarray, object]] = []

    def add(self, mask, message) -> None:
        mask = (
            mask.to_numpy(dtype=bool, na_value=False) if isinstance(mask, pd.Series) else np.asarray(mask, dtype=bool)
        )
        if mask.any():
            self.notes.append((mask, message))

    def series(self) -> pd.Series:
        out = null_text(self.index)
        if not self.notes:
            return out
        hit = np.logical_or.reduce([mask for mask, _ in self.notes])
        text = pd.Series(pd.NA, index=self.index[hit], dtype="str")
        for mask, message in self.notes:
            where = self.index[mask]
            msg = (
                message if isinstance(message, str) else pd.Series(np.asarray(message(where)), index=where, dtype="str")
            )
            before = text[where]
            text[where] = (before.fillna("") + np.where(before.notna(), "; ", "") + msg).to_numpy()
        return placed(hit, text, self.index)


def _quoted(values: pd.Series) -> pd.Series:
    return "'" + values.fillna("").str.slice(0, 40) + "'"


def _facts(
    raw_id: pd.Series,
    ids_lost: int,
    applied: pd.Series,
    cancelled: pd.Series,
    unknown_words: dict[str, dict[str, int]],
    places: dict[str, int],
    types: dict[str, int],
    nationalities: dict[str, int],
) -> FileFacts:
    """The file-level facts of one part (see FileFacts): counts, and the cancellations after its latest application."""
    ids = text_count(raw_id)  # non-empty ID cells
    facts = FileFacts(ids=ids, ids_as_numbers=ids_lost, unknown_words=unknown_words)
    facts.province_places = places
    facts.id_types = types
    facts.nationalities = nationalities
    latest = applied.max()  # dates are whole days; missing ones are skipped
    if pd.notna(latest):
        facts.latest_applied = np.datetime64(latest, "D")
        late = cancelled[cancelled > latest].to_numpy().astype("datetime64[D]")  # (a missing date is never later)
        days, counts = np.unique(late, return_counts=True)
        facts.late_cancellations = dict(zip(days, counts.tolist(), strict=True))
    return facts


def normalize(
    raw: pd.DataFrame, file_format: str, first_row: int = 2, facts: FileFacts | None = None, keys: bool = True
) -> pd.DataFrame:
    """Contract columns (already renamed) -> the normalized frame (absent columns empty; documents: no).

    `first_row`: the file row of raw's first row (header = row 1), for a part of a larger file.
    `facts`: when given, what only the whole file can say (FileFacts) is added to it. keys=False, for a frame
    that goes to matching.for_rules: person_key holds only the keys that are not 18 characters (other ID
    types'), the ones for_rules keeps; the citizens' are derived from person_id where a flag needs one.
    """
    n = len(raw)
    idx = pd.RangeIndex(n)
    raw = raw.set_axis(idx, axis=0)

    def column(name: str) -> pd.Series:
        return raw[name] if name in raw.columns else null_text(idx)

    def text(name: str) -> pd.Series:
        return as_text(raw[name]) if name in raw.columns else null_text(idx)

    out = pd.DataFrame({"row": np.arange(first_row, first_row + n, dtype=np.int64)}, index=idx)
    out["application_id"] = text("application_id")
    raw_id, id_problem_num = id_text(column("id_number"), numbers_exact=file_format == "parquet")
    out["id_number"] = raw_id
    out["name"] = text("name")
    out["province"] = text("province")
    # (codes as for_rules holds them when this frame goes there: keys=False)
    out["province_code"], places = provinces.read_provinces(out["province"], categorical=not keys)
    out["city"] = text("city")
    applied, applied_bad = parse_dates(column("applied_on"), excel_serials=file_format == "xlsx")
    if "cancelled_on" in raw.columns:
        cancelled, cancelled_bad = parse_dates(raw["cancelled_on"], excel_serials=file_format == "xlsx")
    else:
        cancelled, cancelled_bad = pd.Series(pd.NaT, index=idx, dtype="datetime64[s]"), np.zeros(n, dtype=bool)
    out["applied_on"] = applied
    out["cancelled_on"] = cancelled

    mangled = id_problem_num.notna().to_numpy()
    # every row as a citizen: fast
    ids = validate_ids(raw_id, applied, skip=mangled if mangled.any() else None, keys=keys)
    stated, unknown_type = id_types.read_types(raw["id_type"]) if "id_type" in raw.columns else (None, None)
    alpha3, nations = id_types.nationalities(raw["nationality"]) if "nationality" in raw.columns else (None, {})
    types = id_types.resolve(ids, raw_id, applied, stated, unknown_type, alpha3, mangled)
    out["id_type"] = types.text(idx) if keys else null_text(idx)  # (for_rules drops it: only its counts are read)
    out["nationality"] = alpha3 if alpha3 is not None else null_text(idx)  # ISO alpha-3, for notebook 01
    out["person_key"] = ids["person_key"]
    out["person_id"] = assign_other_ids(ids["person_key"], ids["person_id"].to_numpy())
    out["id_problem"] = ids["id_problem"]
    if mangled.any():  # digits lost in a spreadsheet: that is the problem to report, not the shape
        out["id_problem"] = first_present(id_problem_num, ids["id_problem"])

    problem = RowProblems(idx)
    problem.add(out["application_id"].isna(), "application_id is empty")
    if unknown_type is not None:
        problem.add(
            unknown_type, lambda w: "id_type " + _quoted(as_text(raw["id_type"][w])) + " is not a known document type"
        )
    problem.add(applied.isna() & ~applied_bad, "applied_on is empty")
    problem.add(applied_bad, lambda w: "applied_on " + _quoted(as_text(column("applied_on")[w])) + " is not a date")
    problem.add(
        cancelled_bad, lambda w: "cancelled_on " + _quoted(as_text(column("cancelled_on")[w])) + " is not a date"
    )
    before = (cancelled < applied).fillna(False).astype(bool)
    problem.add(
        before,
        lambda w: (
            "cancelled_on "
            + cancelled[w].dt.strftime("%Y-%m-%d")
            + " is before applied_on "
            + applied[w].dt.strftime("%Y-%m-%d")
        ),
    )
    prov_empty = out["province"].isna()
    problem.add(prov_empty, "province is empty")
    problem.add(
        ~prov_empty & out["province_code"].isna(),
        lambda w: "province " + _quoted(out["province"][w]) + UNKNOWN_PROVINCE,
    )
    out["record_problem"] = problem.series()

    note = RowProblems(idx)
    unknown_words: dict[str, dict[str, int]] = {}
    for name in BOOLEAN_COLUMNS:
        if name not in raw.columns:  # absent: empty, which counts as no
            out[name] = np.zeros(n, dtype=bool)
            continue
        values, unknown, unknown_words[name] = read_booleans(raw[name])
        out[name] = values
        note.add(
            unknown,
            lambda w, name=name: name + " value " + _quoted(as_text(column(name)[w])) + " not understood, read as no",
        )
    out["special_category"] = text("special_category")
    out["document_note"] = note.series()
    if facts is not None:
        facts.merge(
            _facts(raw_id, int(mangled.sum()), applied, cancelled, unknown_words, places, types.counts(), nations)
        )
    return out


def mark_shared_ids(
    frame: pd.DataFrame, counts: pd.Series | None = None, digests: tuple[np.ndarray, np.ndarray] | None = None
) -> None:
    """Put "application_id 'X' is used by N rows" first in record_problem where an id is used by several rows.

    `counts` (application id -> rows) when the frame is one part of a larger input (the Dask engine counts
    over the whole input); None: the frame is the whole file. `digests`: the application ids' text_digests, when
    computed already. In place. The message comes first, as the row's first problem: a shared id is not empty,
    so "application_id is empty" never comes before it.
    """
    app = frame["application_id"]
    if counts is None:
        at = np.flatnonzero(duplicated_mask(app, digests))
        ids = take(app, at)
        counts = ids.value_counts()
    else:
        counts = counts[counts > 1]
        at = shared_rows(app, counts)
        ids = take(app, at)
    if not len(at):
        return
    text = shared_id_problems(ids, counts, take(frame["record_problem"], at))
    # only the chunks (batches) that hold such a row are rebuilt
    frame["record_problem"] = replaced(frame["record_problem"], at, arrow_of(text))


def shared_id_problems(ids: pd.Series, counts: pd.Series, before: pd.Series) -> pd.Series:
    """record_problem of rows whose application ids (`ids`, each used by counts[id] rows) are shared: "application_id
    'X' is used by N rows" first, then the problems the row had already (`before`, NA for none)."""
    message = "application_id " + _quoted(ids) + " is used by " + ids.map(counts).astype("int64").astype(str) + " rows"
    return message + np.where(before.notna(), "; ", "") + before.fillna("")


def shared_rows(ids: pd.Series, counts: pd.Series) -> np.ndarray:
    """Positions of the ids that `counts` (application id -> rows using it) holds."""
    if not len(counts) or not len(ids):
        return np.zeros(0, dtype=np.int64)
    shared = pa.array(counts.index.astype("str").to_numpy(dtype=object), pa.large_string())
    return np.flatnonzero(pc.fill_null(pc.is_in(arrow_of(ids), value_set=shared), False).to_numpy())
