"""Citizen ID numbers (GB 11643-1999): normalization, 15 -> 18 upgrade and validation, vectorized.

python-stdnum (`stdnum.cn.ric`) is the reference for the check character and the birth date;
the tests prove this vectorized version agrees with it. The county part of the region code is
deliberately not checked (domain-rules.md, "ID numbers").
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from .provinces import ID_PREFIXES

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)
EARLIEST_BIRTH = pd.Timestamp("1900-01-01")


def normalize_text(values: pd.Series) -> pd.Series:
    """Full-width to half-width, spaces removed anywhere, upper case; missing stays missing."""
    s = values.astype("str")
    wide = s.notna() & ~s.str.isascii().fillna(True).astype(bool)
    if wide.any():
        s = s.copy()
        s[wide] = [unicodedata.normalize("NFKC", v) for v in s[wide]]
    return s.str.replace(r"\s+", "", regex=True).str.upper()


def check_characters(bodies: pd.Series) -> np.ndarray:
    """ISO 7064 MOD 11-2 check character (as a 1-byte uint8 array) for 17-digit strings."""
    if len(bodies) == 0:
        return np.empty(0, dtype=np.uint8)
    raw = np.frombuffer("".join(bodies.tolist()).encode("ascii"), dtype=np.uint8)
    digits = raw.reshape(-1, 17).astype(np.int64) - 48
    return CHECK_CHARS[(digits @ WEIGHTS) % 11]


def _birth_dates(keys: pd.Series) -> pd.Series:
    """Birth date of 18-character keys (characters 7-14); NaT where it is not a calendar date."""
    ymd = keys.str.slice(6, 14)
    return pd.to_datetime(ymd, format="%Y%m%d", errors="coerce")


def validate_ids(values: pd.Series, applied_on: pd.Series | None = None) -> pd.DataFrame:
    """Normalize and check ID numbers: columns person_key (18 chars or NA) and id_problem (reason or NA).

    `values` is text; a value that is not text (a number that went through a spreadsheet)
    should already carry its problem, see records.py. `applied_on` bounds the birth date.
    """
    text = normalize_text(values)
    n = len(text)
    problem = np.full(n, None, dtype=object)
    key = pd.Series(pd.NA, index=values.index, dtype="str")

    empty = text.isna() | (text == "")
    problem[empty.to_numpy()] = "ID number is empty"

    is18 = text.str.fullmatch(r"\d{17}[0-9X]").fillna(False).astype(bool)
    is15 = text.str.fullmatch(r"\d{15}").fillna(False).astype(bool)
    shape_bad = ~(is18 | is15) & ~empty
    if shape_bad.any():
        lengths = text[shape_bad].str.len().astype("int64").astype(str)
        problem[shape_bad.to_numpy()] = (
            "not an ID number: expected 18 characters (17 digits and a check digit or X) or 15 digits, got "
            + lengths
            + " characters"
        ).to_numpy()

    body = pd.Series(pd.NA, index=values.index, dtype="str")
    body[is18] = text[is18].str.slice(0, 17)
    body[is15] = text[is15].str.slice(0, 6) + "19" + text[is15].str.slice(6, 15)
    ok = is18 | is15
    computed = np.zeros(n, dtype=np.uint8)
    computed[ok.to_numpy()] = check_characters(body[ok])
    computed_chars = pd.Series(computed.view("S1").astype(str), index=values.index)

    key[ok] = body[ok] + computed_chars[ok]
    given = text.str.slice(17, 18)
    bad_check = is18 & (given != computed_chars)

    prefix_bad = ok & ~key.str.slice(0, 2).isin(ID_PREFIXES).fillna(False).astype(bool)
    birth = _birth_dates(key.where(ok))
    birth_bad = ok & birth.isna()
    too_old = ok & (birth < EARLIEST_BIRTH).fillna(False).astype(bool)
    future = pd.Series(False, index=values.index)
    if applied_on is not None:
        future = ok & (birth > applied_on).fillna(False).astype(bool)

    # Report one reason per row, the most basic first (later assignments lose to earlier ones).
    checks = [
        (bad_check, "check character does not match (ISO 7064 MOD 11-2)"),
        (future, "birth date in the ID number is after the application date"),
        (too_old, "birth date in the ID number is before 1900-01-01"),
        (birth_bad, "birth date in the ID number (characters 7-14) is not a calendar date"),
        (prefix_bad, "first two digits are not a province-level code of GB/T 2260"),
    ]
    for mask, reason in checks:
        problem[mask.to_numpy()] = reason

    bad = pd.Series(pd.notna(problem), index=values.index)
    return pd.DataFrame(
        {
            "person_key": key.where(~bad),
            "id_problem": pd.Series(problem, index=values.index, dtype="str"),
        }
    )
