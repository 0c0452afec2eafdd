"""Citizen ID numbers (GB 11643-1999): normalization, 15 -> 18 upgrade and validation, vectorized.

python-stdnum (`stdnum.cn.ric`) is the reference for the check character and the birth date;
the tests prove this vectorized version agrees with it. The county part of the region code is
deliberately not checked (domain-rules.md, "ID numbers").

Speed: every check works on a fixed-width byte matrix (one row per number) in numpy; regular
expressions and per-value Python run only for the rare values that are not already plain ASCII.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .provinces import ID_PREFIXES

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)
EARLIEST_BIRTH = np.datetime64("1900-01-01", "D")
_PREFIXES = np.array(sorted(int(p) for p in ID_PREFIXES))
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_ZERO, _NINE, _X = ord("0"), ord("9"), ord("X")

# Reason codes: 0 = no problem; later checks in validate_ids override earlier ones (most basic wins).
FINE, CHECK, FUTURE, OLD, DATE, PREFIX = range(6)
REASONS = np.array([
    None,
    "check character does not match (ISO 7064 MOD 11-2)",
    "birth date in the ID number is after the application date",
    "birth date in the ID number is before 1900-01-01",
    "birth date in the ID number (characters 7-14) is not a calendar date",
    "first two digits are not a province-level code of GB/T 2260",
], dtype=object)
EMPTY = "ID number is empty"


STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas 3's default "str" dtype


def as_str(arr: pa.Array) -> pd.arrays.ArrowStringArray:
    """An Arrow string array as pandas "str" values, without copying to Python objects."""
    return pd.arrays.ArrowStringArray(arr, dtype=STR)


def _arrow(values: pd.Series) -> pa.Array:
    """The values as one Arrow string array (nulls for missing)."""
    if isinstance(values.array, pd.arrays.ArrowStringArray) or hasattr(values.array, "_pa_array"):
        arr = values.array._pa_array
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return pa.array(values.astype("str").to_numpy(dtype=object, na_value=None), type=pa.string())


def normalize_text(values: pd.Series) -> pd.Series:
    """Full-width to half-width, spaces removed anywhere, upper case; missing stays missing."""
    arr = _arrow(values)
    wide = pc.invert(pc.fill_null(pc.string_is_ascii(arr), True))
    if pc.any(wide).as_py():  # rare: only these values go through Python
        narrow = [unicodedata.normalize("NFKC", v) for v in pc.filter(arr, wide).to_pylist()]
        arr = pc.replace_with_mask(arr, wide, pa.array(narrow, type=arr.type))
    arr = pc.utf8_upper(pc.replace_substring(arr, " ", ""))
    other_space = pc.fill_null(pc.match_substring_regex(arr, r"\s"), False)
    if pc.any(other_space).as_py():
        arr = pc.if_else(other_space, pc.replace_substring_regex(arr, r"\s+", ""), arr)
    return pd.Series(as_str(arr), index=values.index)


def _fixed_width(arr: pa.Array, rows: np.ndarray, width: int) -> np.ndarray:
    """The strings at `rows` (all `width` ASCII bytes long) as a (len(rows), width) uint8 matrix."""
    if len(rows) == 0:
        return np.empty((0, width), dtype=np.uint8)
    taken = pc.take(arr, pa.array(rows))  # arr is one array (see _arrow), so is taken
    wide = np.int64 if pa.types.is_large_string(taken.type) else np.int32
    size = np.dtype(wide).itemsize
    offsets = np.frombuffer(taken.buffers()[1], dtype=wide, count=len(taken) + 1, offset=taken.offset * size)
    data = np.frombuffer(taken.buffers()[2], dtype=np.uint8)
    return data[offsets[0]:offsets[-1]].reshape(-1, width)


def check_characters(bodies: pd.Series | np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check character (uint8) for 17-digit strings or a (n, 17) digit-byte matrix."""
    if isinstance(bodies, np.ndarray):
        digits = bodies.astype(np.int64) - _ZERO
    else:
        if len(bodies) == 0:
            return np.empty(0, dtype=np.uint8)
        raw = np.frombuffer("".join(bodies.tolist()).encode("ascii"), dtype=np.uint8)
        digits = raw.reshape(-1, 17).astype(np.int64) - _ZERO
    return CHECK_CHARS[(digits @ WEIGHTS) % 11]


def _strings(matrix: np.ndarray) -> pa.Array:
    """A (n, width) byte matrix back to an Arrow string array without Python objects."""
    n, width = matrix.shape
    offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int32) * width).tobytes())
    return pa.Array.from_buffers(pa.string(), n, [None, offsets, pa.py_buffer(np.ascontiguousarray(matrix).tobytes())])


def _birth_check(keys: np.ndarray, applied: np.ndarray | None) -> np.ndarray:
    """Reason code per 18-byte key for its birth date: FINE, DATE, OLD or FUTURE."""
    d = keys[:, 6:14].astype(np.int64) - _ZERO
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month = d[:, 4] * 10 + d[:, 5]
    day = d[:, 6] * 10 + d[:, 7]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    days = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    real = month_ok & (day >= 1) & (day <= days)
    months = (year - 1970) * 12 + np.where(month_ok, month - 1, 0)
    birth = months.astype("datetime64[M]").astype("datetime64[D]") + np.where(real, day - 1, 0).astype("timedelta64[D]")
    reason = np.full(len(keys), FINE, dtype=np.int8)
    reason[real & (birth < EARLIEST_BIRTH)] = OLD
    if applied is not None:
        reason[real & (birth > applied)] = FUTURE  # NaT compares False: no date, no check
    reason[~real] = DATE
    return reason


def _problem_series(problem: np.ndarray, index: pd.Index) -> pd.Series:
    """Object array of reasons (None for none) as "str" values, through Arrow's dictionary (few distinct)."""
    present = pd.notna(problem)
    if not present.any():
        return pd.Series(as_str(pa.nulls(len(problem), pa.string())), index=index)
    codes, uniques = pd.factorize(problem[present])
    full = np.full(len(problem), -1, dtype=np.int32)
    full[present] = codes
    arr = pa.DictionaryArray.from_arrays(pa.array(full, mask=~present), pa.array(list(uniques), type=pa.string()))
    return pd.Series(as_str(arr.cast(pa.string())), index=index)


def validate_ids(values: pd.Series, applied_on: pd.Series | None = None) -> pd.DataFrame:
    """Normalize and check ID numbers: columns person_key (18 chars or NA), id_problem (reason or NA),
    and person_id (int64: the 17-digit body, which determines the key; -1 where invalid).

    `values` is text; a value that is not text (a number that went through a spreadsheet)
    should already carry its problem, see records.py. `applied_on` bounds the birth date.
    """
    n = len(values)
    arr = _arrow(normalize_text(values))
    length = pc.fill_null(pc.binary_length(arr), 0).to_numpy(zero_copy_only=False)
    problem = np.full(n, None, dtype=object)
    problem[length == 0] = EMPTY

    rows18 = np.flatnonzero(length == 18)
    rows15 = np.flatnonzero(length == 15)
    m18 = _fixed_width(arr, rows18, 18)
    m15 = _fixed_width(arr, rows15, 15)
    ok18 = ((m18[:, :17] >= _ZERO) & (m18[:, :17] <= _NINE)).all(axis=1) & (
        ((m18[:, 17] >= _ZERO) & (m18[:, 17] <= _NINE)) | (m18[:, 17] == _X))
    ok15 = ((m15 >= _ZERO) & (m15 <= _NINE)).all(axis=1)
    rows = np.concatenate([rows18[ok18], rows15[ok15]])
    given = np.concatenate([m18[ok18, 17], np.zeros(int(ok15.sum()), dtype=np.uint8)])
    nineteen = np.broadcast_to(np.frombuffer(b"19", dtype=np.uint8), (int(ok15.sum()), 2))
    body = np.concatenate([m18[ok18, :17], np.hstack([m15[ok15, :6], nineteen, m15[ok15, 6:]])])
    keys = np.hstack([body, check_characters(body)[:, None]])

    shape_bad = np.ones(n, dtype=bool)
    shape_bad[rows] = False
    shape_bad &= length != 0
    if shape_bad.any():
        chars = pc.utf8_length(arr).fill_null(0).to_numpy(zero_copy_only=False)
        problem[shape_bad] = [
            "not an ID number: expected 18 characters (17 digits and a check digit or X) or 15 digits, "
            f"got {k} characters" for k in chars[shape_bad]
        ]

    applied = None if applied_on is None else applied_on.to_numpy(dtype="datetime64[D]")[rows]
    code = _birth_check(keys, applied)
    code[(code == FINE) & (given != 0) & (given != keys[:, 17])] = CHECK
    prefix = (keys[:, 0].astype(np.int64) - _ZERO) * 10 + keys[:, 1] - _ZERO
    code[~np.isin(prefix, _PREFIXES)] = PREFIX
    problem[rows] = REASONS[code]

    good = rows[code == FINE]
    # Keys back to text: one fixed-width byte matrix for all rows, nulls where invalid.
    full = np.zeros((n, 18), dtype=np.uint8)
    full[good] = keys[code == FINE]
    valid = np.zeros(n, dtype=bool)
    valid[good] = True
    key_arr = pc.if_else(pa.array(valid), _strings(full), pa.nulls(n, pa.string()))
    person_key = pd.Series(as_str(key_arr), index=values.index)
    person_id = np.full(n, -1, dtype=np.int64)
    if len(good):
        digits = keys[code == FINE][:, :17].astype(np.int64) - _ZERO
        person_id[good] = digits @ (10 ** np.arange(16, -1, -1, dtype=np.int64))
    return pd.DataFrame(
        {
            "person_key": person_key,
            "id_problem": _problem_series(problem, values.index),
            "person_id": person_id,
        },
        index=values.index,
    )
