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

from . import frames
from .frames import as_str, pieces
from .provinces import ID_PREFIXES

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)
EARLIEST_BIRTH = np.datetime64("1900-01-01", "D")
_PREFIXES = np.array(sorted(int(p) for p in ID_PREFIXES))
_ZERO, _NINE, _X = ord("0"), ord("9"), ord("X")

# Reason codes: 0 = no problem; later checks in validate_ids override earlier ones (most basic wins).
FINE, CHECK, FUTURE, OLD, DATE, PREFIX = range(6)
EMPTY_CODE = 6  # "ID number is empty"
SHAPE = 7  # code SHAPE + k: "not an ID number: ... got k characters"
REASONS = np.array([
    None,
    "check character does not match (ISO 7064 MOD 11-2)",
    "birth date in the ID number is after the application date",
    "birth date in the ID number is before 1900-01-01",
    "birth date in the ID number (characters 7-14) is not a calendar date",
    "first two digits are not a province-level code of GB/T 2260",
], dtype=object)
EMPTY = "ID number is empty"


_OTHER_SPACE = np.zeros(256, dtype=bool)
_OTHER_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31]] = True
_OTHER_SPACE[0x80:] = True  # a non-ASCII character may be a Unicode space


def normalize_text(values: pd.Series) -> pd.Series:
    """Full-width to half-width, spaces removed anywhere, upper case; missing stays missing."""
    arr = frames.text_array(values)
    wide = pc.invert(pc.fill_null(pc.string_is_ascii(arr), True))
    if pc.any(wide).as_py():  # rare: only these values go through Python
        narrow = [unicodedata.normalize("NFKC", v) for v in pc.filter(arr, wide).to_pylist()]
        arr = pc.replace_with_mask(arr, wide, pa.array(narrow, type=arr.type))
    arr = pc.utf8_upper(pc.replace_substring(arr, " ", ""))
    # other white space: looked for (regex) only in values with such a byte
    maybe = np.flatnonzero(frames.any_byte(pd.Series(as_str(arr)), _OTHER_SPACE))
    if len(maybe):
        other_space = np.zeros(len(arr), dtype=bool)
        other_space[maybe] = pc.fill_null(pc.match_substring_regex(arr.take(pa.array(maybe)), r"\s"), False).to_numpy(
            zero_copy_only=False)
        if other_space.any():
            arr = pc.if_else(pa.array(other_space), pc.replace_substring_regex(arr, r"\s+", ""), arr)
    return pd.Series(as_str(arr), index=values.index)


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


CHUNK = 1 << 20  # rows per step: temporaries stay a few tens of MiB whatever the file size
_IS_PREFIX = np.zeros(100, dtype=bool)
_IS_PREFIX[_PREFIXES] = True


def _shape_message(chars: int) -> str:
    return ("not an ID number: expected 18 characters (17 digits and a check digit or X) or 15 digits, "
            f"got {chars} characters")


_NIBBLES = np.uint64(0xF0F0F0F0F0F0F0F0)
_THREES = np.uint64(0x3030303030303030)
_SIXES = np.uint64(0x0606060606060606)


def _digits18(m: np.ndarray) -> np.ndarray:
    """Rows of an (n, 18) byte matrix that are 17 digits and a digit or X.

    The first 16 bytes of a row are read as two 8-byte words and checked all at once (SWAR): every byte
    is 0x30-0x39 exactly when its high nibble is 3, and still is after adding 6 (0x3A+6 carries to 4)."""
    m = np.ascontiguousarray(m)
    if len(m) == 0:
        return np.zeros(0, dtype=bool)
    words = np.ndarray((len(m), 2), dtype=np.uint64, buffer=m, strides=(18, 8))  # unaligned views, no copy
    ok = ((words & _NIBBLES) == _THREES) & (((words + _SIXES) & _NIBBLES) == _THREES)
    last = m[:, 17]
    return ok[:, 0] & ok[:, 1] & ((m[:, 16] - np.uint8(_ZERO)) <= 9) & (((last - np.uint8(_ZERO)) <= 9) | (last == _X))


# Digits of a 17-digit body times these columns give, in one float32 matrix product: the MOD 11-2
# weighted sum, the body as a number in three parts of at most 7 digits, the province prefix and the
# birth year, month and day. Every partial sum stays below 2**24, so float32 is exact.
_PARTS = ["weighted", "top", "middle", "bottom", "prefix", "year", "month", "day"]
_MIX = np.zeros((17, len(_PARTS)), dtype=np.float32)
_MIX[:, 0] = WEIGHTS
_MIX[:3, 1] = [100, 10, 1]
_MIX[3:10, 2] = 10.0 ** np.arange(6, -1, -1)
_MIX[10:, 3] = 10.0 ** np.arange(6, -1, -1)
_MIX[:2, 4] = [10, 1]
_MIX[6:10, 5] = [1000, 100, 10, 1]
_MIX[10:12, 6] = [10, 1]
_MIX[12:14, 7] = [10, 1]


def _numbers(body: np.ndarray) -> dict[str, np.ndarray]:
    """An (n, 17) digit-byte matrix as numbers: weighted (MOD 11-2 sum), number (the 17 digits as int64),
    prefix (first two digits), year, month, day (of birth)."""
    parts = (body - np.uint8(_ZERO)).astype(np.float32) @ _MIX
    out = {name: parts[:, i].astype(np.int64) for i, name in enumerate(_PARTS)}
    out["number"] = (out.pop("top") * 10_000_000 + out.pop("middle")) * 10_000_000 + out.pop("bottom")
    return out


def _bodies(arr: pa.Array) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray | None, bool]], np.ndarray]:
    """Shape one slice of raw ID text: ([(rows, their (k, 18) byte matrix: 17-digit body and the given
    check character, rows of it that are ID-shaped or None for all, legacy: upgraded 15-digit numbers
    whose check character is still to compute), ...], problem code per row (EMPTY/SHAPE codes, 0 elsewhere)).

    Plain 18-character numbers (nearly all) are read straight from Arrow's buffers; only the rest is
    normalized (full-width, spaces, lower-case x) and looked at again.
    """
    n = len(arr)
    length = np.diff(frames.offsets(arr))
    if arr.null_count:
        length = np.where(arr.is_valid().to_numpy(zero_copy_only=False), length, 0)
    code = np.zeros(n, dtype=np.int32)
    rows18 = np.flatnonzero(length == 18)
    m18 = frames.fixed_width(arr, rows18, 18)
    plain = _digits18(m18)
    rest = np.ones(n, dtype=bool)
    rest[rows18[plain]] = False
    parts = [(rows18, m18, None if plain.all() else plain, False)]  # views of Arrow's data: no copies
    if rest.any():
        others = np.flatnonzero(rest)
        text = frames.text_array(normalize_text(pd.Series(as_str(pc.take(arr, pa.array(others))))))
        length = pc.fill_null(pc.binary_length(text), 0).to_numpy(zero_copy_only=False)
        code[others[length == 0]] = EMPTY_CODE
        at18, at15 = np.flatnonzero(length == 18), np.flatnonzero(length == 15)
        m = frames.fixed_width(text, at18, 18)
        ok18 = _digits18(m)
        parts.append((others[at18[ok18]], np.ascontiguousarray(m[ok18]), None, False))
        m = frames.fixed_width(text, at15, 15)
        ok15 = ((m - np.uint8(_ZERO)) <= 9).all(axis=1)
        legacy = np.zeros((int(ok15.sum()), 18), dtype=np.uint8)  # body: region, "19", the rest; check: later
        legacy[:, :6], legacy[:, 6:8], legacy[:, 8:17] = m[ok15, :6], np.frombuffer(b"19", dtype=np.uint8), m[ok15, 6:]
        parts.append((others[at15[ok15]], legacy, None, True))
        shaped = np.zeros(len(others), dtype=bool)
        shaped[at18[ok18]] = True
        shaped[at15[ok15]] = True
        bad = ~shaped & (length != 0)
        if bad.any():
            chars = pc.utf8_length(pc.filter(text, pa.array(bad))).to_numpy(zero_copy_only=False)
            code[others[bad]] = SHAPE + chars
    return parts, code


# Day number (days since 1970-01-01) of the first of every month of the years 0-9999, and one more:
# a birth date is one look-up, its month's length the difference of two.
_MONTH_START = (np.arange(10_000 * 12 + 1) - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
_EARLIEST = int(EARLIEST_BIRTH.astype(np.int64))


def _birth_codes(year: np.ndarray, month: np.ndarray, day: np.ndarray, applied: np.ndarray | None) -> np.ndarray:
    """Problem code per birth date (characters 7-14): FINE, DATE, OLD or FUTURE."""
    month_ok = (month >= 1) & (month <= 12) & (year >= 0) & (year <= 9999)  # (not digits: any numbers)
    at = np.where(month_ok, year * 12 + month - 1, 0)
    first = _MONTH_START[at]
    real = month_ok & (day >= 1) & (day <= _MONTH_START[at + 1] - first)
    birth = first + day - 1
    code = np.full(len(year), FINE, dtype=np.int32)
    code[real & (birth < _EARLIEST)] = OLD
    if applied is not None:
        code[real & (birth > applied)] = FUTURE
    code[~real] = DATE
    return code


def _key_array(keys: np.ndarray, valid: np.ndarray) -> pa.Array:
    """An (n, 18) byte matrix as an Arrow string array, null where not `valid` (no Python objects)."""
    n = len(keys)  # large_string (64-bit offsets), the type pandas keeps text in: no conversion after
    offsets = np.arange(0, 18 * (n + 1), 18, dtype=np.int64)
    validity = pa.py_buffer(np.packbits(valid, bitorder="little")) if not valid.all() else None
    return pa.Array.from_buffers(pa.large_string(), n, [validity, pa.py_buffer(offsets), pa.py_buffer(keys)])


def _problems(code: np.ndarray) -> pa.Array:
    """Problem codes as reason text (null for FINE), through a dictionary of the few distinct reasons."""
    present = code != FINE
    if not present.any():
        return pa.nulls(len(code), pa.string())
    kinds = np.unique(code[present])
    words = [REASONS[k] if k < EMPTY_CODE else EMPTY if k == EMPTY_CODE else _shape_message(int(k) - SHAPE)
             for k in kinds]
    lookup = np.zeros(int(kinds[-1]) + 1, dtype=np.int32)
    lookup[kinds] = np.arange(len(kinds), dtype=np.int32)
    index = lookup[code]
    return pa.DictionaryArray.from_arrays(pa.array(index, mask=~present), pa.array(words, pa.string())).cast(pa.string())


def validate_ids(values: pd.Series, applied_on: pd.Series | None = None, skip: np.ndarray | None = None) -> pd.DataFrame:
    """Normalize and check ID numbers: columns person_key (18 chars or NA), id_problem (reason or NA),
    and person_id (int64: the 17-digit body, which determines the key; -1 where invalid).

    `values` is text; a value that is not text (a number that went through a spreadsheet)
    should already carry its problem and be marked in `skip` (then it gets no key and the problem
    "empty", for the caller to replace), see records.py. `applied_on` bounds the birth date.
    Works through the rows CHUNK at a time, so its memory is the outputs plus one chunk's worth.
    """
    n = len(values)
    if not (values.dtype == "str" and hasattr(values.array, "_pa_array")):
        values = pd.Series(as_str(frames.text_array(values)), index=values.index)
    applied_all = None if applied_on is None else applied_on.to_numpy()
    keys = np.zeros((n, 18), dtype=np.uint8)
    person_id = np.full(n, -1, dtype=np.int64)
    code = np.zeros(n, dtype=np.int32)
    rows_of = keys.view("V18").ravel()  # one 18-byte item per row: whole keys move in one copy each
    for start, piece in pieces(values, CHUNK):
        stop = start + len(piece)
        parts, chunk_code = _bodies(piece)
        applied_chunk = None
        if applied_all is not None:  # day numbers; no date (NaT) becomes the largest day: no birth is after it
            days = applied_all[start:stop].astype("datetime64[D]")
            applied_chunk = np.where(np.isnat(days), np.iinfo(np.int64).max, days.astype(np.int64))
        for rows, m, ok, legacy in parts:
            if len(rows) == 0:
                continue
            num = _numbers(m[:, :17])
            check = CHECK_CHARS[num["weighted"] % 11]
            applied = None if applied_chunk is None else applied_chunk[rows]
            found = _birth_codes(num["year"], num["month"], num["day"], applied)
            if not legacy:
                found[(found == FINE) & (m[:, 17] != check)] = CHECK
            found[~_IS_PREFIX[np.minimum(num["prefix"], 99)]] = PREFIX  # (rows not ok hold any bytes)
            good = found == FINE
            if ok is None:
                chunk_code[rows] = found
            else:
                chunk_code[rows[ok]] = found[ok]
                good &= ok
            if legacy:
                m[:, 17] = check
            at = start + rows[good]
            rows_of[at] = m.view("V18").ravel()[good]  # a good 18-digit number is its own key
            person_id[at] = num["number"][good]
        code[start:stop] = chunk_code
    if skip is not None:
        person_id[skip] = -1
        code[skip] = EMPTY_CODE
    valid = person_id >= 0
    key_text = pd.Series(as_str(_key_array(keys, valid)), index=values.index)
    del keys
    return pd.DataFrame(
        {
            "person_key": key_text,
            "id_problem": pd.Series(as_str(_problems(code)), index=values.index),
            "person_id": person_id,
        },
        index=values.index,
        copy=False,
    )
