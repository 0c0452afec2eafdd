"""Faults planted on some applications (bad ID numbers, unusable records, missing documents), recorded with the
flags they must get; and the ID number as an export shows it (legacy, full-width, spaces, lower-case x)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..ids import check_characters

ID_FAULTS = [
    "check character does not match",
    "birth date not a calendar date",
    "birth date before 1900",
    "birth date after application",
    "unknown province prefix",
    "scientific notation",
    "empty",
    "17 characters",
    "letter inside",
]


RECORD_FAULTS = [
    "applied_on empty",
    "applied_on not a calendar date",
    "applied_on not a date",
    "cancelled before applied",
    "unknown province",
    "province empty",
    "cancelled_on not a date",
]


DOCUMENT_FAULTS = ["no ID copy", "no second-gen ID and no register copy", "special category without documents"]


def _replace_birth(keys: pd.Series, birth_text: pd.Series | str) -> pd.Series:
    body = keys.str.slice(0, 6) + birth_text + keys.str.slice(14, 17)
    return body + pd.Series(check_characters(body).view("S1").astype(str), index=keys.index, dtype="str")


def plant_faults(rng: np.random.Generator, rows: pd.DataFrame) -> pd.DataFrame:
    """Faults on some single-application persons: the flags they must get are recorded."""
    n = len(rows)
    u = np.where(rows["template"].to_numpy() == "single", rng.random(n), 1.0)
    rows["id_fault"] = pd.Series(pd.NA, index=rows.index, dtype="str")
    rows["record_fault"] = pd.Series(pd.NA, index=rows.index, dtype="str")
    rows["document_fault"] = pd.Series(pd.NA, index=rows.index, dtype="str")

    def pick(choices: list[str], mask: np.ndarray) -> np.ndarray:
        return np.array(choices, dtype=object)[rng.integers(0, len(choices), size=int(mask.sum()))]

    id_mask = u < 0.004
    rec_mask = (u >= 0.004) & (u < 0.008)
    shared_mask = (u >= 0.008) & (u < 0.009)
    doc_mask = (u >= 0.009) & (u < 0.039)
    rows.loc[id_mask, "id_fault"] = pick(ID_FAULTS, id_mask)
    rows.loc[rec_mask, "record_fault"] = pick(RECORD_FAULTS, rec_mask)
    shared = np.flatnonzero(shared_mask)
    shared = shared[: len(shared) // 2 * 2]
    rows.loc[shared, "record_fault"] = "application_id shared"
    rows["share_with"] = -1
    rows.loc[shared[1::2], "share_with"] = shared[0::2]
    rows.loc[doc_mask, "document_fault"] = pick(DOCUMENT_FAULTS, doc_mask)
    return rows


def id_text(rng: np.random.Generator, rows: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
    """The ID number as an export would show it: faults planted, legacy, full-width, spaces, lower-case x."""
    key = pd.Series(people["key"].to_numpy()[rows["person"].to_numpy()], index=rows.index, dtype="str")
    birth_year = key.str.slice(6, 10).astype("int64")
    text = key.copy()
    n = len(rows)
    r = rng.random(n)
    legacy = (birth_year < 2000).to_numpy() & (r < 0.04)
    text[legacy] = key[legacy].str.slice(0, 6) + key[legacy].str.slice(8, 17)
    full = (r >= 0.04) & (r < 0.05)
    spaced = (r >= 0.05) & (r < 0.08)
    lower = (r >= 0.08) & (r < 0.4)
    text[spaced] = text[spaced].str.slice(0, 6) + " " + text[spaced].str.slice(6, 14) + " " + text[spaced].str.slice(14)
    text[lower] = text[lower].str.lower()
    wide = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
    text[full] = [t.translate(wide) for t in text[full]]

    f = rows["id_fault"]
    applied = pd.to_datetime(rows["applied"])

    def at(name: str) -> pd.Series:
        return (f == name).fillna(False).astype(bool)

    m = at("check character does not match")
    last = key[m].str.slice(17)
    text[m] = key[m].str.slice(0, 17) + last.map(lambda c: "0" if c != "0" else "1").astype("str")
    m = at("birth date not a calendar date")
    text[m] = _replace_birth(key[m], key[m].str.slice(6, 10) + "0230")
    m = at("birth date before 1900")
    text[m] = _replace_birth(key[m], "1899" + key[m].str.slice(10, 14))
    m = at("birth date after application")
    text[m] = _replace_birth(key[m], (applied[m] + pd.Timedelta(days=200)).dt.strftime("%Y%m%d").astype("str"))
    m = at("unknown province prefix")
    body = "99" + key[m].str.slice(2, 17)
    text[m] = body + pd.Series(check_characters(body).view("S1").astype(str), index=body.index, dtype="str")
    m = at("scientific notation")
    text[m] = key[m].str.slice(0, 1) + "." + key[m].str.slice(1, 6) + "E+17"
    text[at("empty")] = ""
    m = at("17 characters")
    text[m] = key[m].str.slice(0, 17)
    m = at("letter inside")
    text[m] = key[m].str.slice(0, 10) + "A" + key[m].str.slice(11)
    return text


def record_faults(rng: np.random.Generator, rows: pd.DataFrame, out: pd.DataFrame) -> None:
    f = rows["record_fault"]

    def at(name: str) -> pd.Series:
        return (f == name).fillna(False).astype(bool)

    applied = pd.to_datetime(rows["applied"])
    out.loc[at("applied_on empty"), "applied_on"] = ""
    m = at("applied_on not a calendar date")
    out.loc[m, "applied_on"] = applied[m].dt.year.astype("str") + "-02-30"
    out.loc[at("applied_on not a date"), "applied_on"] = "待定"
    m = at("cancelled before applied")
    out.loc[m, "cancelled_on"] = (applied[m] - pd.Timedelta(days=45)).dt.strftime("%Y-%m-%d").astype("str")
    m = at("unknown province")  # 朝阳区: a district of Beijing and of Changchun, so no province
    out.loc[m, "province"] = np.array(["火星", "Atlantis", "99", "朝阳区"], dtype=object)[
        rng.integers(0, 4, size=int(m.sum()))
    ]
    out.loc[at("province empty"), "province"] = ""
    out.loc[at("cancelled_on not a date"), "cancelled_on"] = "已注销"
    share = rows["share_with"].to_numpy()
    takers = np.flatnonzero(share >= 0)
    out.loc[takers, "application_id"] = out["application_id"].to_numpy()[share[takers]]
